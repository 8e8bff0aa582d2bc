"""Why each purchase order line: why now, why this quantity's timing, why this supplier.

A buyer releasing a PO wants three things said: when it must be placed and why (the FC would
run short, or fall below safety stock, the week it arrives), and why this supplier rather
than a cheaper one (too slow, no capacity left that week, an MOQ larger than the need).
Everything is read from the solved plan and the supplier lines.
"""

from __future__ import annotations

import pandas as pd

from planner.plan.explain import Evidence, period_span

TOL = 1e-6
STOCK_COLUMNS = ["opening", "receipts", "transfers_in", "allocated", "transfers_out", "safety_stock"]


def explain_purchases(purchase_orders: pd.DataFrame, projection: pd.DataFrame, evidence: Evidence) -> pd.DataFrame:
    """purchase_orders with a `reason` for each line."""
    calendar = evidence.calendar
    keys = zip(projection["fc"], projection["sku"], calendar.period_of(projection["period_start"]))
    stock = dict(zip(keys, projection[STOCK_COLUMNS].itertuples(index=False)))
    arrivals = calendar.period_of(purchase_orders["arrival_date"]) if len(purchase_orders) else []
    reasons = [
        po_reason(po, int(period), stock, evidence) for po, period in zip(purchase_orders.itertuples(), arrivals)
    ]
    return purchase_orders.assign(reason=pd.Series(reasons, index=purchase_orders.index, dtype=object))


def po_reason(po, arrival_period: int, stock: dict, evidence: Evidence) -> str:
    return "; ".join(
        [_timing(po), _need(po, stock, evidence.calendar, arrival_period), _choice(po, evidence, arrival_period)]
    )


def _timing(po) -> str:
    if po.action == "release":
        return f"release now: {int(po.lead_time_days)} days lead time brings it on {po.arrival_date.date()}"
    return f"planned for {po.order_date.date()}, arrives {po.arrival_date.date()}"


def _need(po, stock: dict, calendar, arrival_period: int) -> str:
    """What the FC's stock would be the week the PO arrives, without it."""
    week = period_span(calendar, [arrival_period])
    row = stock[(po.fc, po.sku, arrival_period)]
    without = row.opening + row.receipts + row.transfers_in - po.quantity
    uses = row.allocated + row.transfers_out
    if without < uses - TOL:
        return f"without it {po.fc} runs short of {po.sku} in {week} ({max(without, 0.0):g} of {uses:g} units needed)"
    if without - uses < row.safety_stock - TOL:
        return f"keeps {po.fc} at its safety stock of {po.sku} ({row.safety_stock:g}) in {week}"
    return f"builds stock at {po.fc} for the periods after it arrives"


def _choice(po, evidence: Evidence, arrival_period: int) -> str:
    """Why this supplier: the only one, the cheapest, or what ruled the cheaper one out."""
    lines = evidence.supply_lines.get((po.sku, po.fc), [])
    cheaper = [line for line in lines if line.unit_price < po.unit_price - TOL]
    if not cheaper:
        alone = all(line.supplier == po.supplier for line in lines)
        return f"{'only' if alone else 'cheapest'} supplier of {po.sku} for {po.fc}"
    alt = cheaper[0]
    named = f"cheaper {alt.supplier} ({alt.unit_price:g} a unit)"
    if alt.first_arrival > arrival_period:
        ordered_now = evidence.calendar.start + pd.Timedelta(days=int(alt.lead_time_days))
        return f"{named} takes {int(alt.lead_time_days)} days: ordered now it arrives {ordered_now.date()}"
    order_period = arrival_period - max(int(alt.first_arrival), 0)
    if order_period in evidence.supplier_full.get((alt.supplier, po.sku), set()):
        return (
            f"{named} has no capacity left for orders in "
            f"{period_span(evidence.calendar, [order_period])} ({alt.capacity_per_week:g} a week)"
        )
    if alt.moq > po.quantity + TOL:
        return f"{named} needs at least {alt.moq:g} units (MOQ), more than the {po.quantity:g} needed"
    return (
        f"{named} costs more in this plan overall (lead time {int(alt.lead_time_days)} days, "
        f"MOQ {alt.moq:g}, lot {alt.lot_size:g})"
    )
