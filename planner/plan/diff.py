"""What changed between two written plans: purchase order lines and promise dates.

Planners rerun the plan every week; what they need to see is what moved. A line the old plan
released was placed with its supplier, if all went as planned: the new plan counts it as an
open PO, not as a line of its own. The new plan folder lists the open POs it planned against
(open_purchase_orders.csv: inbound.csv's rows, and with --previous the old plan's released
lines not entered there yet), so a released line is

- `placed` when one of those open POs is that line: same supplier (where the open PO names
  one), sku, fc, quantity and arrival date (the open PO's eta);
- `arrived` when it was due before the new plan starts (it is stock by now, if it came);
- `unconfirmed` otherwise: no open PO matches it (not placed, placed with another quantity or
  date, or not entered in inbound.csv). A plan folder written before open_purchase_orders.csv
  existed leaves every released line unconfirmed.

The other lines are paired within one supplier, sku and fc only (a supplier switch is one line
removed and one added: two POs for procurement): first the lines with the same order date,
then the old plan's planned lines with the new plan's remaining ones, in order date order, so
a line that moved a week shows as one change. Released lines are never paired with a new line
of another date: a released line re-planned is shown as unconfirmed, and the new line as added.
Order lines are compared by their last promised date (when the whole line has shipped) and
their status.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner.data.plan_folder import has_table, read_kpis, read_table
from planner.data.previous import OPEN_PO_COLUMNS, match_lines

PO_LINE = ["supplier", "sku", "fc"]
PO_FIELDS = ["order_date", "arrival_date", "quantity"]
PO_COLUMNS_READ = PO_LINE + PO_FIELDS + ["action"]
ORDER_COLUMNS_READ = ["order_id", "sku", "status", "due_date", "promised_date"]
OPEN_POS = "open_purchase_orders.csv"
TOL = 1e-6


def diff_plans(old: Path, new: Path) -> dict:
    """The changes from the plan folder `old` to `new`, as plain JSON-ready data."""
    open_pos = read_table(new, OPEN_POS, OPEN_PO_COLUMNS) if has_table(new, OPEN_POS) else None
    return {
        "old": str(old),
        "new": str(new),
        "purchase_orders": po_changes(
            read_table(old, "purchase_orders.csv", PO_COLUMNS_READ),
            read_table(new, "purchase_orders.csv", PO_COLUMNS_READ),
            open_pos,
            _plan_start(new),
        ),
        "promises": promise_changes(
            read_table(old, "order_plan.csv", ORDER_COLUMNS_READ), read_table(new, "order_plan.csv", ORDER_COLUMNS_READ)
        ),
    }


def _plan_start(folder: Path) -> pd.Timestamp | None:
    if not has_table(folder, "kpis.json"):
        return None
    start = read_kpis(folder).get("plan", {}).get("start")
    return None if start is None else pd.Timestamp(start)


def po_changes(
    old: pd.DataFrame, new: pd.DataFrame, open_pos: pd.DataFrame | None = None, start: pd.Timestamp | None = None
) -> dict:
    """PO lines added, removed and changed; the old plan's released lines placed, arrived or unconfirmed.

    `open_pos` are the open POs the new plan was made against (None: not recorded), `start` its first day.
    """
    old, new = _numbered(old), _numbered(new)
    released = old["action"] == "release"
    placed = pd.Series(False, index=old.index)
    if open_pos is not None:
        placed[released] = match_lines(old[released], open_pos)
    arrived = released & ~placed & (old["arrival_date"] < start if start is not None else False)
    rest_old = old[~placed & ~arrived]
    exact = _both_sides(_one_to_one(rest_old, new, PO_LINE + ["order_date"]), ["order_date"])
    rest_old = rest_old[~rest_old["n"].isin(exact["n_old"])]
    rest_new = new[~new["n"].isin(exact["n_new"])]
    planned_old = rest_old[rest_old["action"] != "release"]
    moved = _one_to_one(planned_old, rest_new, PO_LINE)
    pairs = pd.concat([exact, moved], ignore_index=True)
    gone = rest_old[~rest_old["n"].isin(moved["n_old"])]
    return {
        "added": _lines(rest_new[~rest_new["n"].isin(moved["n_new"])]),
        "removed": _lines(gone[gone["action"] != "release"]),
        "changed": [change for change in map(_po_change, pairs.to_dict("records")) if change["changes"]],
        "placed": _lines(old[placed]),
        "arrived": _lines(old[arrived]),
        "unconfirmed": _lines(gone[gone["action"] == "release"]),
        "open_pos_recorded": open_pos is not None,
    }


def _numbered(lines: pd.DataFrame) -> pd.DataFrame:
    return (
        lines.sort_values(PO_LINE + ["order_date", "arrival_date", "quantity"], kind="stable")
        .reset_index(drop=True)
        .assign(n=lambda f: range(len(f)))
    )


def _one_to_one(old: pd.DataFrame, new: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Pairs of lines with the same `keys`: the i-th of the old with the i-th of the new, in
    order date order (old and new are numbered in that order)."""
    old = old.assign(rank=old.groupby(keys, sort=False).cumcount())
    new = new.assign(rank=new.groupby(keys, sort=False).cumcount())
    return old.merge(new, on=keys + ["rank"], suffixes=("_old", "_new"))


def _both_sides(pairs: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Matched pairs with `_old` and `_new` columns for the merge keys too."""
    return pairs.assign(**{f"{k}_{side}": pairs[k] for k in keys for side in ("old", "new")})


def _po_change(pair: dict) -> dict:
    """One matched pair of PO lines: which of dates and quantity differ."""
    changes = {}
    for field in PO_FIELDS:
        before, after = pair[f"{field}_old"], pair[f"{field}_new"]
        same = abs(before - after) <= TOL if field == "quantity" else before == after
        if not same:
            changes[field] = {"old": _plain(before), "new": _plain(after)}
    return {
        "supplier": pair["supplier"],
        "sku": pair["sku"],
        "fc": pair["fc"],
        "order_date": _plain(pair["order_date_new"]),
        "changes": changes,
    }


def _lines(frame: pd.DataFrame) -> list[dict]:
    columns = ["supplier", "sku", "fc", "order_date", "arrival_date", "quantity", "action"]
    return [{k: _plain(v) for k, v in row.items()} for row in frame[columns].to_dict("records")]


def promise_changes(old: pd.DataFrame, new: pd.DataFrame) -> dict:
    """Order lines whose last promised date or status moved, and lines new or no longer open."""
    old_lines, new_lines = _line_promises(old), _line_promises(new)
    both = old_lines.merge(new_lines, on=["order_id", "sku"], how="outer", suffixes=("_old", "_new"), indicator=True)
    common = both[both["_merge"] == "both"]
    before, after = common["promised_old"], common["promised_new"]
    dated_differently = (before != after) & ~(before.isna() & after.isna())
    moved = common[dated_differently | (common["status_old"] != common["status_new"])]
    return {
        "moved": [_promise_move(row) for row in moved.to_dict("records")],
        "new": _order_keys(both[both["_merge"] == "right_only"]),
        "gone": _order_keys(both[both["_merge"] == "left_only"]),
    }


def _line_promises(order_plan: pd.DataFrame) -> pd.DataFrame:
    """Per order line: the date its last part is promised (none if any part is backordered)."""
    rank = order_plan["status"].map({"on_time": 0, "late": 1, "backorder": 2})
    keys = {"order_id": object, "sku": object}  # a plan without open orders reads back with untyped keys
    lines = (
        order_plan.astype(keys)
        .assign(rank=rank)
        .groupby(["order_id", "sku"], as_index=False)
        .agg(promised=("promised_date", "max"), rank=("rank", "max"), due=("due_date", "first"))
    )
    lines.loc[lines["rank"] == 2, "promised"] = pd.NaT
    return lines.assign(status=lines["rank"].map({0: "on_time", 1: "late", 2: "backorder"})).drop(columns="rank")


def _promise_move(row: dict) -> dict:
    before, after = row["promised_old"], row["promised_new"]
    days = None if pd.isna(before) or pd.isna(after) else int((after - before).days)
    return {
        "order_id": row["order_id"],
        "sku": row["sku"],
        "due_date": _plain(row["due_new"]),
        "old": {"promised_date": _plain(before), "status": row["status_old"]},
        "new": {"promised_date": _plain(after), "status": row["status_new"]},
        "days": days,
    }


def _order_keys(frame: pd.DataFrame) -> list[dict]:
    return [{"order_id": o, "sku": s} for o, s in zip(frame["order_id"], frame["sku"])]


def _plain(value):
    """JSON-ready: dates as ISO text, missing as None, numbers as floats."""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def diff_text(diff: dict) -> str:
    """The diff for a person: one summary line per kind, then one line per change."""
    pos, promises = diff["purchase_orders"], diff["promises"]
    lines = [
        f"purchase order lines: {len(pos['added'])} added, {len(pos['removed'])} removed, "
        f"{len(pos['changed'])} changed",
        f"released by the old plan: {len(pos['placed'])} placed (open POs of the new plan), "
        f"{len(pos['arrived'])} due before the new plan starts, {len(pos['unconfirmed'])} unconfirmed"
        + ("" if pos["open_pos_recorded"] else f" (the new plan does not list its open POs: no {OPEN_POS})"),
    ]
    lines += [f"  + {_po_text(po)}" for po in pos["added"]]
    lines += [f"  - {_po_text(po)}" for po in pos["removed"]]
    lines += [
        f"  ~ {c['supplier']} {c['sku']} to {c['fc']}, order {c['order_date']}: "
        + "; ".join(
            f"{field} {_value_text(ch['old'])} -> {_value_text(ch['new'])}" for field, ch in c["changes"].items()
        )
        for c in pos["changed"]
    ]
    if pos["open_pos_recorded"]:
        lines += [f"  ? {_po_text(po)}: no open PO of the new plan is this line" for po in pos["unconfirmed"]]
    later = sum(1 for m in promises["moved"] if (m["days"] or 0) > 0)
    lines.append(
        f"order lines: {len(promises['moved'])} promises moved ({later} later), "
        f"{len(promises['new'])} new, {len(promises['gone'])} no longer open"
    )
    lines += [
        f"  {m['order_id']} {m['sku']}: {_promise_text(m['old'])} -> {_promise_text(m['new'])}"
        + (f" ({m['days']:+d} days)" if m["days"] else "")
        for m in promises["moved"]
    ]
    return "\n".join(lines)


def _po_text(po: dict) -> str:
    return (
        f"{po['supplier']} {po['sku']} to {po['fc']}: {_value_text(po['quantity'])} units, "
        f"order {po['order_date']}, arrive {po['arrival_date']} ({po['action']})"
    )


def _promise_text(promise: dict) -> str:
    return f"{promise['promised_date'] or 'no date'} {promise['status']}"


def _value_text(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
