"""Ship dates by the day: a part ships once the stock that serves it is in the FC and the FC's
outbound capacity of that day has room for it.

The model plans in periods: stock that reaches an FC on any day of a period serves that
period, and the FC ships up to its capacity over the whole period. A promise is a day, so
each order part (planner.plan.promise) is dated in two steps:

1. **Stock.** In each sku x FC x period, the stock that can serve is the period's opening stock
   (on its first day), then each arrival (PO, transfer, open PO) on its arrival day. The order
   parts allocated there take it first in, first out, most urgent first; a part is available on
   the day its last unit is in the FC.
2. **Capacity.** Each FC's day ships at most its outbound capacity. The open order parts
   shipped in the period take the days in order of availability, then priority, due date and
   order id, ahead of the period's forecast demand (orders not placed yet, which the model
   ships in what the period has left), and a part ships on the day its last unit fits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.calendar import Calendar

TOL = 1e-6
ORDER = ["priority", "due_date", "order_id"]


def ship_days(parts: pd.DataFrame, plan, calendar: Calendar, inbound: pd.DataFrame) -> pd.Series:
    """The ship date of every part (NaT where it does not ship in the plan), in `parts` order.

    `parts` has fc, sku, alloc_period, ship_period, quantity, priority, due_date, order_id.
    """
    dated = pd.Series(pd.NaT, index=parts.index, dtype="datetime64[ns]")
    shipped = parts[parts["ship_period"] >= 0]
    if shipped.empty:
        return dated
    starts = calendar.period_starts
    ready = pd.Series(starts[shipped["ship_period"].to_numpy()], index=shipped.index)
    same = shipped[shipped["alloc_period"] == shipped["ship_period"]]
    ready.loc[same.index] = np.maximum(ready.loc[same.index], _stock_days(same, plan, calendar, inbound))
    dated.loc[shipped.index] = _capacity_days(shipped.assign(ready=ready), plan, calendar)
    return dated


def _arrivals(plan, calendar: Calendar, inbound: pd.DataFrame) -> pd.DataFrame:
    """Dated arrivals per sku, fc: the plan's POs and transfers and the open POs (late ones on
    the first day); what the projection receives beyond them (a released PO of last week's
    plan) arrives on the period's last day."""
    start, end = calendar.start, calendar.end - pd.Timedelta(days=1)
    parts = [
        plan.purchase_orders[["sku", "fc", "arrival_date", "quantity"]],
        plan.transfers.rename(columns={"to_fc": "fc"})[["sku", "fc", "arrival_date", "quantity"]],
        inbound.rename(columns={"eta": "arrival_date"})[["sku", "fc", "arrival_date", "quantity"]],
    ]
    dated = pd.concat(parts, ignore_index=True)
    dated["arrival_date"] = pd.to_datetime(dated["arrival_date"]).clip(lower=start)
    dated = dated[dated["arrival_date"] <= end]
    dated["period"] = calendar.period_of(dated["arrival_date"])
    table = plan.inventory_projection.assign(period=calendar.period_of(plan.inventory_projection["period_start"]))
    expected = table.assign(quantity=table["receipts"] + table["transfers_in"])[["sku", "fc", "period", "quantity"]]
    known = dated.groupby(["sku", "fc", "period"], as_index=False)["quantity"].sum()
    rest = expected.merge(known, on=["sku", "fc", "period"], how="left", suffixes=("", "_known"))
    rest["quantity"] = rest["quantity"] - rest["quantity_known"].fillna(0.0)
    rest = rest[rest["quantity"] > TOL]
    last_day = calendar.period_starts[rest["period"].to_numpy()] + pd.to_timedelta(
        calendar.period_days[rest["period"].to_numpy()] - 1, unit="D"
    )
    rest = rest.assign(arrival_date=last_day)[["sku", "fc", "period", "arrival_date", "quantity"]]
    opening = table.assign(arrival_date=pd.to_datetime(table["period_start"]), quantity=table["opening"])
    sources = [opening[["sku", "fc", "period", "arrival_date", "quantity"]], dated, rest]
    return pd.concat(sources, ignore_index=True).sort_values(["sku", "fc", "period", "arrival_date"], kind="stable")


def _stock_days(same: pd.DataFrame, plan, calendar: Calendar, inbound: pd.DataFrame) -> np.ndarray:
    """The day each part's last unit is in its FC, for parts shipped in their allocation period.

    Sources and parts are each numbered by sku x FC x period and laid, cumulated, on one axis
    (a group after another), so one search finds every part's source."""
    keys = ["sku", "fc", "alloc_period"]
    sources = _arrivals(plan, calendar, inbound).rename(columns={"period": "alloc_period"})
    parts = same.sort_values([*keys, *ORDER], kind="stable")
    groups = pd.concat([parts[keys], sources[keys]]).drop_duplicates().reset_index(drop=True)
    number = pd.Series(np.arange(len(groups)), index=pd.MultiIndex.from_frame(groups))
    part_group = number.reindex(pd.MultiIndex.from_frame(parts[keys])).to_numpy()
    source_group = number.reindex(pd.MultiIndex.from_frame(sources[keys])).to_numpy()
    reached = sources["quantity"].astype(float).groupby([sources[k] for k in keys], sort=False).cumsum().to_numpy()
    needed = parts["quantity"].astype(float).groupby([parts[k] for k in keys], sort=False).cumsum().to_numpy()
    width = max(reached.max(initial=0.0), needed.max(initial=0.0)) + 1.0
    order = np.lexsort((reached, source_group))
    axis = source_group[order] * width + reached[order]
    at = np.searchsorted(axis, part_group * width + needed - TOL)
    last = np.searchsorted(source_group[order], part_group, side="right") - 1
    has_source = (last >= 0) & (source_group[order][np.maximum(last, 0)] == part_group)
    at = np.minimum(at, np.maximum(last, 0))
    arrival = (
        sources["arrival_date"].to_numpy()[order][at] if len(sources) else np.full(len(parts), np.datetime64("NaT"))
    )
    start = calendar.period_starts[parts["alloc_period"].to_numpy(dtype=int)].to_numpy()
    days = pd.Series(np.where(has_source, arrival, start), index=parts.index)
    return days.loc[same.index].to_numpy()


def _capacity_days(shipped: pd.DataFrame, plan, calendar: Calendar) -> np.ndarray:
    """Per part, the first day from its `ready` day on when the FC's daily room has shipped it."""
    length = calendar.period_days[plan.capacity["period"].to_numpy()]
    daily = plan.capacity.assign(daily=plan.capacity["outbound_capacity"] / length).set_index(["fc", "period"])["daily"]
    days = pd.Series(pd.NaT, index=shipped.index, dtype="datetime64[ns]")
    for (fc, period), group in shipped.sort_values(["ready", *ORDER], kind="stable").groupby(["fc", "ship_period"]):
        capacity = float(np.nan_to_num(daily.get((fc, period), np.inf), nan=np.inf))
        days.loc[group.index] = _packed(group, calendar.period_starts[period], capacity)
    return days.loc[shipped.index].to_numpy()


def _packed(group: pd.DataFrame, first: pd.Timestamp, capacity: float) -> list:
    """Day by day from the period's first day: each part takes the room of the days from its
    ready day on; it ships on the day its last unit fits."""
    if not np.isfinite(capacity) or capacity <= TOL:
        return group["ready"].tolist()
    left: dict[int, float] = {}
    dates = []
    for ready, quantity in zip(group["ready"], group["quantity"]):
        day = max((ready - first).days, 0)
        while True:
            free = left.setdefault(day, capacity)
            taken = min(free, quantity)
            left[day] = free - taken
            quantity -= taken
            if quantity <= TOL:
                break
            day += 1
        dates.append(first + pd.Timedelta(days=day))
    return dates
