"""Order prioritization: turn the plan's flows into a ship and promise date for every open order line.

The model allocates stock to queues (sku x region x priority) and ships from queues (sku x fc x
priority). Within a queue, units are served first in, first out: demand of an earlier period
first, real orders before forecast, then earliest due date, then order_id. Allocations are then
matched to shipments the same way, so every order line gets its fc, ship date and status; a
line served from two FCs or in two periods is split into one row per part.

A part that waits for stock while an FC serving its region holds that stock free (the plan's
on_hand_waits, counted for the oldest waiting units of a queue first) waits with the stock on
hand: its `on_hand` lists those periods and FCs, and a part still waiting so at the plan's end
is late at that FC, not a backorder.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.calendar import Calendar
from planner.plan.demand import order_periods
from planner.plan.extract import Plan
from planner.plan.ship_days import ship_days

PART_COLUMNS = [
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
    "period",
    "alloc_period",
    "ship_period",
    "extra_days",
    "on_hand",
]
TOL = 1e-6
WHOLE_TOL = 1e-4  # solver noise: 9.99995 units supplied count as 10


UNITS = 1_000_000  # quantities are matched in millionths of a unit, as integers: exact at any size


def fifo_match(demand: np.ndarray, supply: np.ndarray, whole_units: bool = False):
    """Match two ordered quantity sequences first in, first out.

    Returns (demand index, supply index, quantity) per matched piece; demand beyond the total
    supply gets supply index len(supply). With whole_units, both cumulative sequences are cut
    at whole units (floored), so whole order lines are split into whole-unit parts and a unit
    only counts as supplied when all of it is.
    """
    d, s, quantity = fifo_match_groups(
        demand, np.zeros(len(demand), dtype=int), supply, np.zeros(len(supply), dtype=int), whole_units
    )
    return d, np.where(s < 0, len(supply), s), quantity


def fifo_match_groups(
    demand: np.ndarray,
    demand_group: np.ndarray,
    supply: np.ndarray,
    supply_group: np.ndarray,
    whole_units: bool = False,
):
    """fifo_match within every group at once (demand and supply each ordered by group, then in
    FIFO order): (demand index, supply index or -1 where no supply reaches, quantity).

    Each group's cumulative quantities are laid on one integer axis, the groups one after
    another with a gap, so one sort and two searches match them all.
    """
    groups = int(max(demand_group.max(initial=-1), supply_group.max(initial=-1))) + 1
    demand_end = _group_cumsum(demand, demand_group, whole_units)
    supply_end = _group_cumsum(supply, supply_group, whole_units)
    last = np.r_[demand_group[1:] != demand_group[:-1], True] if len(demand_group) else np.zeros(0, dtype=bool)
    total = np.zeros(groups, dtype=np.int64)
    total[demand_group[last]] = demand_end[last]
    starts = np.r_[0, np.cumsum(total + 1)[:-1]]
    on_axis_d = demand_end + starts[demand_group]
    on_axis_s = np.minimum(supply_end, total[supply_group]) + starts[supply_group]
    within = supply_end < total[supply_group]
    marks = starts[total > 0]
    cuts = np.unique(np.concatenate([on_axis_d, on_axis_s[within], marks]))
    pieces = np.diff(cuts, prepend=0)
    keep = (pieces > TOL * UNITS) & ~np.isin(cuts, marks)
    cuts, pieces = cuts[keep], pieces[keep]
    d = np.searchsorted(on_axis_d, cuts)
    s = np.searchsorted(on_axis_s, cuts)
    reached = s < len(supply)
    reached[reached] = supply_group[s[reached]] == demand_group[d[reached]]
    return d, np.where(reached, s, -1), pieces / UNITS


def _group_cumsum(quantity: np.ndarray, group: np.ndarray, whole_units: bool) -> np.ndarray:
    """Cumulative quantity within each group, in millionths of a unit (floored to whole units
    with whole_units, solver noise forgiven)."""
    quantity = np.asarray(quantity, dtype=float)
    first = np.r_[True, group[1:] != group[:-1]] if len(group) else np.zeros(0, dtype=bool)
    sizes = np.diff(np.r_[np.flatnonzero(first), len(group)])
    if whole_units:
        running = np.cumsum(quantity)
        within = running - np.repeat((running - quantity)[first], sizes)
        return (np.floor(within + WHOLE_TOL) * UNITS).astype(np.int64)
    scaled = np.round(quantity * UNITS).astype(np.int64)
    running = np.cumsum(scaled)
    return running - np.repeat((running - scaled)[first], sizes)


def promise_orders(
    open_orders: pd.DataFrame,
    demand: pd.DataFrame,
    plan: Plan,
    calendar: Calendar,
    service_arcs: pd.DataFrame,
    forecast_priority: int,
    inbound: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every open order line, split per fc and ship period, with its dates and status.

    Dates are days: a part ships once its stock is in the FC (`inbound`, the open POs, dates
    theirs) and the FC's outbound capacity of that day has room (planner.plan.ship_days).

    Besides the order_plan columns, each part keeps the periods it is due (`period`), gets stock
    (`alloc_period`) and ships (`ship_period`, -1 = not in the plan): planner.plan.explain reads
    them to say why a part waits.
    """
    if open_orders.empty:
        return pd.DataFrame(columns=PART_COLUMNS)
    lines = open_orders.assign(period=order_periods(open_orders, calendar)).reset_index(drop=True)
    whole_units = bool(np.allclose(lines["quantity"], np.round(lines["quantity"])))
    allocated = _allocate_lines(lines, demand, plan.allocations, forecast_priority, whole_units)
    parts = _ship_parts(allocated, plan.allocations, plan.shipments, whole_units)
    inbound = pd.DataFrame(columns=["sku", "fc", "eta", "quantity"]) if inbound is None else inbound
    return _dated(parts, lines, calendar, service_arcs, lambda dated: ship_days(dated, plan, calendar, inbound), plan)


def _queue_items(lines: pd.DataFrame, demand: pd.DataFrame, forecast_priority: int) -> pd.DataFrame:
    """Demand items of each queue in FIFO order: order lines, plus the forecast at its priority."""
    orders = lines[["sku", "region", "priority", "period", "due_date", "order_id", "quantity"]].assign(
        line=lines.index, forecast=False
    )
    per_period = orders.groupby(["sku", "region", "priority", "period"])["quantity"].sum()
    forecast = demand[demand["priority"] == forecast_priority].set_index(["sku", "region", "priority", "period"])
    rest = forecast["quantity"].sub(per_period, fill_value=0.0).clip(lower=0.0)
    rest = rest[rest > TOL].reset_index()
    rest = rest.assign(line=-1, forecast=True, order_id="", due_date=pd.NaT)
    items = pd.concat([orders, rest], ignore_index=True)
    return items.sort_values(
        ["sku", "region", "priority", "period", "forecast", "due_date", "order_id"], kind="stable"
    ).reset_index(drop=True)


def _allocate_lines(lines, demand, allocations, forecast_priority, whole_units: bool) -> pd.DataFrame:
    """Split each queue's allocations over its items: (line, fc, alloc period, quantity) pieces."""
    queue = ["sku", "region", "priority"]
    items = _queue_items(lines, demand, forecast_priority)
    queues = _numbered(items[items["line"] >= 0], queue)
    items = items.merge(queues, on=queue)
    supply = allocations.merge(queues, on=queue).sort_values(queue + ["period", "fc"])
    d, s, quantity = fifo_match_groups(
        items["quantity"].to_numpy(float),
        items["queue"].to_numpy(),
        supply["quantity"].to_numpy(float),
        supply["queue"].to_numpy(),
        whole_units,
    )
    matched = items.iloc[d]
    queue_of = matched["queue"].to_numpy()
    return pd.DataFrame(
        {
            "sku": matched["sku"].to_numpy(),
            "region": matched["region"].to_numpy(),
            "priority": matched["priority"].to_numpy(),
            "line": matched["line"].to_numpy(),
            "due_date": matched["due_date"].to_numpy(),
            "order_id": matched["order_id"].to_numpy(),
            "quantity": quantity,
            "fc": _with_unserved(supply["fc"], "")[s],
            "alloc_period": _with_unserved(supply["period"], -1)[s],
            "position": pd.Series(quantity).groupby(queue_of).cumsum().to_numpy() - quantity,
        }
    )


def _numbered(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The distinct keys in sorted order, numbered: frames sorted by these keys then run in
    `queue` order, as fifo_match_groups needs."""
    distinct = frame[keys].drop_duplicates().sort_values(keys).reset_index(drop=True)
    return distinct.assign(queue=np.arange(len(distinct)))


def _with_unserved(values: pd.Series, unserved) -> np.ndarray:
    """The supply side of a FIFO match, plus one last slot (index -1) for demand no supply reached."""
    return np.append(values.to_numpy(dtype=object), unserved)


def _ship_parts(
    allocated: pd.DataFrame, allocations: pd.DataFrame, shipments: pd.DataFrame, whole_units: bool
) -> pd.DataFrame:
    """Match each backlog queue's inflow (allocated pieces) to its shipments, first in, first out."""
    queue = ["sku", "fc", "priority"]
    served = allocated[allocated["fc"] != ""]
    covered = served[["sku", "region", "priority"]].drop_duplicates()
    others = allocations.merge(covered, on=["sku", "region", "priority"], how="left", indicator=True)
    others = others[others["_merge"] == "left_only"].drop(columns="_merge")
    others = others.rename(columns={"period": "alloc_period"}).assign(line=-1, order_id="", due_date=pd.NaT)
    queues = _numbered(served, queue)
    inflow = pd.concat([served, others], ignore_index=True).merge(queues, on=queue)
    inflow = inflow.assign(forecast=inflow["line"] < 0).sort_values(
        queue + ["alloc_period", "forecast", "due_date", "order_id", "region"], kind="stable"
    )
    ships = shipments.merge(queues, on=queue).sort_values(queue + ["period"], kind="stable")
    d, s, quantity = fifo_match_groups(
        inflow["quantity"].to_numpy(float),
        inflow["queue"].to_numpy(),
        ships["quantity"].to_numpy(float),
        ships["queue"].to_numpy(),
        whole_units,
    )
    pieces = (
        inflow.iloc[d]
        .drop(columns="queue")
        .assign(quantity=quantity, ship_period=_with_unserved(ships["period"], -1)[s])
    )
    unserved = allocated[allocated["fc"] == ""].assign(ship_period=-1)
    return pd.concat([unserved, pieces[pieces["line"] >= 0]], ignore_index=True)


def _dated(
    parts: pd.DataFrame, lines: pd.DataFrame, calendar: Calendar, arcs: pd.DataFrame, days, plan: Plan
) -> pd.DataFrame:
    """Dates and status per part (`days(parts)`: each one's ship date); parts of the same line,
    fc and ship period are merged."""
    keys = ["line", "fc", "alloc_period", "ship_period"]
    parts = parts.astype({"alloc_period": "int64", "ship_period": "int64"})
    parts = parts.groupby(keys, as_index=False).agg(quantity=("quantity", "sum"), position=("position", "min"))
    parts = parts.merge(lines.drop(columns=["quantity"]), left_on="line", right_index=True)
    parts["on_hand"] = waits_on_hand(parts, plan, calendar.horizon)
    at_end = [waits[-1][1] if waits and waits[-1][0] == calendar.horizon - 1 else "" for waits in parts["on_hand"]]
    parts["fc"] = parts["fc"].where(parts["fc"] != "", at_end)  # waits with its stock on hand to the end
    parts = parts.merge(arcs[["fc", "region", "extra_days"]], on=["fc", "region"], how="left")
    shipped = parts["ship_period"] >= 0
    parts["ship_date"] = days(parts)
    parts["promised_date"] = parts["ship_date"] + pd.to_timedelta(parts["extra_days"].fillna(0), unit="D")
    parts["status"] = np.select(
        [parts["fc"] == "", ~shipped, parts["promised_date"] <= parts["due_date"]],
        ["backorder", "late", "on_time"],
        "late",
    )
    parts["quantity"] = parts["quantity"].round(3)
    plan = parts.sort_values(["priority", "due_date", "order_id", "sku", "ship_period", "fc"])
    return plan[PART_COLUMNS].reset_index(drop=True)


def waits_on_hand(parts: pd.DataFrame, plan: Plan, horizon: int) -> list[tuple]:
    """Per part, the (period, fc) in which it waits for stock while fc, serving its region,
    holds that stock free (plan.on_hand_waits); () for most.

    In a queue (sku x region x priority) the units waiting at the end of period t are those
    past the units allocated by then, oldest first; the stock on hand counts for the first of
    them (each FC's share in turn). A part is one of them when its first unit's middle is.
    """
    queue = ["sku", "region", "priority"]
    ranges = _on_hand_ranges(plan)
    waiting = parts.assign(
        part=np.arange(len(parts)),
        first=parts["period"].clip(lower=0),
        until=parts["alloc_period"].where(parts["alloc_period"] >= 0, horizon),
        middle=parts["position"] + np.minimum(parts["quantity"], 1.0) / 2,
    )
    waiting = waiting[waiting["until"] > waiting["first"]]
    pairs = waiting[["part", "first", "until", "middle", *queue]].merge(ranges, on=queue)
    pairs = pairs[
        (pairs["period"] >= pairs["first"])
        & (pairs["period"] < pairs["until"])
        & (pairs["middle"] > pairs["start"])
        & (pairs["middle"] <= pairs["end"] + TOL)
    ].sort_values(["part", "period"])
    found: dict[int, tuple] = {}
    for part, period, fc in zip(pairs["part"].tolist(), pairs["period"].tolist(), pairs["fc"].tolist()):
        found[part] = (*found.get(part, ()), (int(period), fc))
    return [found.get(part, ()) for part in range(len(parts))]


def _on_hand_ranges(plan: Plan) -> pd.DataFrame:
    """Per queue, period and FC, where on the queue's axis (units from its first one) the units
    waiting on that FC's free stock lie: (start, end]."""
    queue = ["sku", "region", "priority"]
    held = plan.on_hand_waits.sort_values([*queue, "period", "fc"])
    allocated = plan.allocations.groupby([*queue, "period"], as_index=False)["quantity"].sum()
    before = held[[*queue, "period"]].drop_duplicates().merge(allocated, on=queue, suffixes=("", "_allocated"))
    before = before[before["period_allocated"] <= before["period"]]
    reached = before.groupby([*queue, "period"])["quantity"].sum().rename("allocated")
    held = held.merge(reached, left_on=[*queue, "period"], right_index=True, how="left").fillna({"allocated": 0.0})
    end = held["allocated"] + held.groupby([*queue, "period"])["quantity"].cumsum()
    return held.assign(start=end - held["quantity"], end=end)[[*queue, "period", "fc", "start", "end"]]
