"""What changed between two written plans: purchase order lines and promise dates.

Planners rerun the plan every week; what they need to see is what moved. PO lines are matched
per sku x fc: first the lines with the same supplier and order date, then the rest in order
date order, so a line that moved a week or switched supplier shows as one change, not as a
removal and an addition. A line the old plan released and the new one lacks is not "removed":
it was placed, and it is an open PO now. Order lines are compared by their last
promised date (when the whole line has shipped) and their status.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner.data.plan_folder import read_table

PO_KEY = ["sku", "fc"]
PO_FIELDS = ["supplier", "order_date", "arrival_date", "quantity"]
PO_COLUMNS_READ = PO_KEY + PO_FIELDS + ["action"]
ORDER_COLUMNS_READ = ["order_id", "sku", "status", "due_date", "promised_date"]
TOL = 1e-6


def diff_plans(old: Path, new: Path) -> dict:
    """The changes from the plan folder `old` to `new`, as plain JSON-ready data."""
    return {
        "old": str(old), "new": str(new),
        "purchase_orders": po_changes(read_table(old, "purchase_orders.csv", PO_COLUMNS_READ),
                                      read_table(new, "purchase_orders.csv", PO_COLUMNS_READ)),
        "promises": promise_changes(read_table(old, "order_plan.csv", ORDER_COLUMNS_READ),
                                    read_table(new, "order_plan.csv", ORDER_COLUMNS_READ)),
    }


def po_changes(old: pd.DataFrame, new: pd.DataFrame) -> dict:
    """PO lines added, removed, changed, and released by the old plan (now open POs)."""
    old, new = _numbered(old), _numbered(new)
    exact = _both_sides(old.merge(new, on=PO_KEY + ["supplier", "order_date"], suffixes=("_old", "_new")),
                        ["supplier", "order_date"])
    rest_old = old[~old["n"].isin(exact["n_old"])]
    rest_new = new[~new["n"].isin(exact["n_new"])]
    rest_old, rest_new = (_ranked(f) for f in (rest_old, rest_new))
    moved = rest_old.merge(rest_new, on=PO_KEY + ["rank"], suffixes=("_old", "_new"))
    pairs = pd.concat([exact, moved], ignore_index=True)
    gone = rest_old[~rest_old["n"].isin(moved["n_old"])]
    placed = gone["action"] == "release"
    return {
        "added": _lines(rest_new[~rest_new["n"].isin(moved["n_new"])]),
        "removed": _lines(gone[~placed]),
        "changed": [change for change in map(_po_change, pairs.to_dict("records")) if change["changes"]],
        "released": _lines(gone[placed]),
    }


def _numbered(lines: pd.DataFrame) -> pd.DataFrame:
    return lines.sort_values(PO_KEY + ["order_date", "supplier"]).reset_index(drop=True).assign(
        n=lambda f: range(len(f)))


def _both_sides(pairs: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Matched pairs with `_old` and `_new` columns for the merge keys too."""
    return pairs.assign(**{f"{k}_{side}": pairs[k] for k in keys for side in ("old", "new")})


def _ranked(lines: pd.DataFrame) -> pd.DataFrame:
    """Number the unmatched lines of each sku x fc in order date order, for pairing."""
    return lines.assign(rank=lines.groupby(PO_KEY).cumcount())


def _po_change(pair: dict) -> dict:
    """One matched pair of PO lines: which of supplier, dates and quantity differ."""
    changes = {}
    for field in PO_FIELDS:
        before, after = pair[f"{field}_old"], pair[f"{field}_new"]
        same = abs(before - after) <= TOL if field == "quantity" else before == after
        if not same:
            changes[field] = {"old": _plain(before), "new": _plain(after)}
    return {"sku": pair["sku"], "fc": pair["fc"], "supplier": pair["supplier_new"],
            "order_date": _plain(pair["order_date_new"]), "changes": changes}


def _lines(frame: pd.DataFrame) -> list[dict]:
    columns = ["supplier", "sku", "fc", "order_date", "arrival_date", "quantity", "action"]
    return [{k: _plain(v) for k, v in row.items()} for row in frame[columns].to_dict("records")]


def promise_changes(old: pd.DataFrame, new: pd.DataFrame) -> dict:
    """Order lines whose last promised date or status moved, and lines new or no longer open."""
    old_lines, new_lines = _line_promises(old), _line_promises(new)
    both = old_lines.merge(new_lines, on=["order_id", "sku"], how="outer", suffixes=("_old", "_new"),
                           indicator=True)
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
    lines = order_plan.assign(rank=rank).groupby(["order_id", "sku"], as_index=False).agg(
        promised=("promised_date", "max"), rank=("rank", "max"), due=("due_date", "first"))
    lines.loc[lines["rank"] == 2, "promised"] = pd.NaT
    return lines.assign(status=lines["rank"].map({0: "on_time", 1: "late", 2: "backorder"})).drop(columns="rank")


def _promise_move(row: dict) -> dict:
    before, after = row["promised_old"], row["promised_new"]
    days = None if pd.isna(before) or pd.isna(after) else int((after - before).days)
    return {"order_id": row["order_id"], "sku": row["sku"], "due_date": _plain(row["due_new"]),
            "old": {"promised_date": _plain(before), "status": row["status_old"]},
            "new": {"promised_date": _plain(after), "status": row["status_new"]}, "days": days}


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
    lines = [f"purchase order lines: {len(pos['added'])} added, {len(pos['removed'])} removed, "
             f"{len(pos['changed'])} changed; {len(pos['released'])} released by the old plan (now open POs)"]
    lines += [f"  + {_po_text(po)}" for po in pos["added"]]
    lines += [f"  - {_po_text(po)}" for po in pos["removed"]]
    lines += [f"  ~ {c['supplier']} {c['sku']} to {c['fc']}, order {c['order_date']}: " + "; ".join(
        f"{field} {_value_text(ch['old'])} -> {_value_text(ch['new'])}" for field, ch in c["changes"].items())
        for c in pos["changed"]]
    later = sum(1 for m in promises["moved"] if (m["days"] or 0) > 0)
    lines.append(f"order lines: {len(promises['moved'])} promises moved ({later} later), "
                 f"{len(promises['new'])} new, {len(promises['gone'])} no longer open")
    lines += [f"  {m['order_id']} {m['sku']}: {_promise_text(m['old'])} -> {_promise_text(m['new'])}"
              + (f" ({m['days']:+d} days)" if m["days"] else "") for m in promises["moved"]]
    return "\n".join(lines)


def _po_text(po: dict) -> str:
    return (f"{po['supplier']} {po['sku']} to {po['fc']}: {_value_text(po['quantity'])} units, "
            f"order {po['order_date']}, arrive {po['arrival_date']} ({po['action']})")


def _promise_text(promise: dict) -> str:
    return f"{promise['promised_date'] or 'no date'} {promise['status']}"


def _value_text(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
