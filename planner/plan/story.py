"""`planner explain`: the story of one order or one sku, told from a written plan folder only.

A customer-service agent asks "where is order X?", a planner asks "what happens to sku Y?".
Both answers are in the plan files: the order lines' promises and reasons, the PO lines and
their reasons, transfers, and the stock projection. Nothing is re-solved.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner.calendar import Calendar
from planner.data.plan_folder import PlanFolderError, read_kpis, read_table
from planner.plan.explain import period_span

PO_SHOWN = 5  # PO lines listed per sku in an order's story
HALF_DIGIT = 0.0005  # the files' quantities have 3 decimals
ORDER_COLUMNS = [
    "order_id",
    "sku",
    "region",
    "priority",
    "quantity",
    "fc",
    "due_date",
    "ship_date",
    "promised_date",
    "status",
    "reason",
]
PO_COLUMNS = ["supplier", "sku", "fc", "arrival_date", "quantity", "reason"]
STOCK_COLUMNS = ["fc", "sku", "period_start", "opening", "closing", "backorder", "backlog"]
TRANSFER_COLUMNS = ["from_fc", "to_fc", "sku", "ship_date", "arrival_date", "quantity"]


def order_story(folder: Path, order_id: str) -> str:
    """Each line of the order: its promise, why it waits, and the POs that supply it."""
    orders = read_table(folder, "order_plan.csv", ORDER_COLUMNS)
    parts = orders[orders["order_id"] == order_id]
    if parts.empty:
        raise PlanFolderError(f"no order {order_id!r} in {Path(folder) / 'order_plan.csv'}")
    first = parts.iloc[0]
    lines = [
        f"order {order_id} (priority {first['priority']}, region {first['region']}, due {_day(first['due_date'])})"
    ]
    lines += [line for part in parts.itertuples() for line in _part_lines(part)]
    pos = read_table(folder, "purchase_orders.csv", PO_COLUMNS)
    for sku, sku_parts in parts.groupby("sku", sort=False):
        fcs, supply = set(sku_parts["fc"]), pos[pos["sku"] == sku]
        if "" not in fcs:  # a backordered part may get stock at any FC
            supply = supply[supply["fc"].isin(fcs)]
        lines += _po_lines(supply, f"supply of {sku}", PO_SHOWN)
    return "\n".join(lines)


def sku_story(folder: Path, sku: str) -> str:
    """Stock by FC, PO lines, transfers and the order lines that wait, for one sku."""
    projection = read_table(folder, "inventory_projection.csv", STOCK_COLUMNS)
    stock = projection[projection["sku"] == sku]
    if stock.empty:
        raise PlanFolderError(f"no sku {sku!r} in {Path(folder) / 'inventory_projection.csv'}")
    calendar = _calendar(read_kpis(folder))
    lines = [f"sku {sku}", "  stock by FC:"]
    lines += [f"    {fc}: {_stock_text(rows, calendar)}" for fc, rows in stock.groupby("fc")]
    pos = read_table(folder, "purchase_orders.csv", PO_COLUMNS)
    lines += _po_lines(pos[pos["sku"] == sku], "purchase orders", None)
    lines += _transfer_lines(read_table(folder, "transfers.csv", TRANSFER_COLUMNS), sku)
    orders = read_table(folder, "order_plan.csv", ORDER_COLUMNS)
    orders = orders[orders["sku"] == sku]
    waiting = orders[orders["status"] != "on_time"]
    lines.append(
        f"  order lines not on time: {waiting[['order_id']].drop_duplicates().shape[0]} "
        f"of {orders[['order_id']].drop_duplicates().shape[0]}"
    )
    lines += [
        f"    {p.order_id} (priority {p.priority}, {p.region}): {p.quantity:g} units {p.status}, "
        f"{_promise(p)} (due {_day(p.due_date)}): {p.reason}"
        for p in waiting.itertuples()
    ]
    return "\n".join(lines)


def _part_lines(part) -> list[str]:
    if part.status == "backorder":
        where = "no ship date in the plan"
    elif pd.isna(part.ship_date):
        where = f"waits at {part.fc}, no ship date in the plan"
    else:
        where = f"ships from {part.fc} on {_day(part.ship_date)}, promised {_day(part.promised_date)}"
    return [f"  {part.sku}, {part.quantity:g} units: {part.status}, {where}", f"    why: {part.reason}"]


def _po_lines(pos: pd.DataFrame, title: str, most: int | None) -> list[str]:
    pos = pos.sort_values(["arrival_date", "fc", "supplier"])
    lines = [f"  {title}: {len(pos)} PO line{'' if len(pos) == 1 else 's'}, {pos['quantity'].sum():g} units"]
    shown = pos if most is None else pos.head(most)
    lines += [f"    {po.supplier} -> {po.fc}, {po.quantity:g} units: {po.reason}" for po in shown.itertuples()]
    if len(shown) < len(pos):
        lines.append(f"    ... and {len(pos) - len(shown)} more (purchase_orders.csv)")
    return lines


def _transfer_lines(transfers: pd.DataFrame, sku: str) -> list[str]:
    moves = transfers[transfers["sku"] == sku]
    lines = [f"  transfers: {len(moves)} line{'' if len(moves) == 1 else 's'}, {moves['quantity'].sum():g} units"]
    return lines + [
        f"    {m.from_fc} -> {m.to_fc}: {m.quantity:g} units, ships {_day(m.ship_date)}, arrives {_day(m.arrival_date)}"
        for m in moves.itertuples()
    ]


def _stock_text(rows: pd.DataFrame, calendar: Calendar) -> str:
    """Opening stock, the lowest point, and the periods with waiting customers."""
    rows = rows.sort_values("period_start")
    periods = calendar.period_of(rows["period_start"])
    low = rows["closing"].to_numpy().argmin()
    parts = [
        f"{rows['opening'].iloc[0]:g} on hand now",
        f"lowest {rows['closing'].iloc[low]:g} in {period_span(calendar, [int(periods[low])])}",
    ]
    for label, units in _waits(rows):
        waiting = [int(p) for p, q in zip(periods, units) if q > HALF_DIGIT]
        if waiting:
            parts.append(f"{label} in {period_span(calendar, waiting)}")
    return "; ".join(parts)


def _waits(rows: pd.DataFrame) -> list[tuple[str, pd.Series]]:
    """Who waits at an FC, by what for: stock, capacity (committed), or stock it keeps free
    (`backlog_uncommitted`, absent from an older planner's files)."""
    free = rows["backlog_uncommitted"] if "backlog_uncommitted" in rows else rows["backlog"] * 0.0
    return [
        ("customers wait for stock", rows["backorder"]),
        ("orders wait for capacity", rows["backlog"] - free),
        ("customers wait on stock it keeps uncommitted", free),
    ]


def _calendar(kpis: dict) -> Calendar:
    try:
        plan = kpis["plan"]
        return Calendar(pd.Timestamp(plan["start"]), plan["period"], int(plan["horizon"]))
    except (KeyError, TypeError, ValueError) as error:
        raise PlanFolderError(f"kpis.json has no usable plan section ({error})") from None


def _promise(part) -> str:
    return "no promise date" if pd.isna(part.promised_date) else f"promised {_day(part.promised_date)}"


def _day(value) -> str:
    return "-" if pd.isna(value) else str(pd.Timestamp(value).date())
