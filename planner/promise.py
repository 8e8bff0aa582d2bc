"""Order prioritization: turn the plan's flows into a ship and promise date for every open order line.

The model allocates stock to queues (sku x region x priority) and ships from queues (sku x fc x
priority). Within a queue, units are served first in, first out: demand of an earlier period
first, real orders before forecast, then earliest due date, then order_id. Allocations are then
matched to shipments the same way, so every order line gets its fc, ship date and status; a
line served from two FCs or in two periods is split into one row per part.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.calendar import Calendar
from planner.demand import order_periods
from planner.extract import Plan

PART_COLUMNS = ["order_id", "sku", "region", "priority", "quantity", "fc", "due_date", "ship_date",
                "promised_date", "status", "period", "alloc_period", "ship_period", "extra_days"]
TOL = 1e-6
WHOLE_TOL = 1e-4   # solver noise: 9.99995 units supplied count as 10


def fifo_match(demand: np.ndarray, supply: np.ndarray, whole_units: bool = False):
    """Match two ordered quantity sequences first in, first out.

    Returns (demand index, supply index, quantity) per matched piece; demand beyond the total
    supply gets supply index len(supply). With whole_units, both cumulative sequences are cut
    at whole units (floored), so whole order lines are split into whole-unit parts and a unit
    only counts as supplied when all of it is.
    """
    demand_end = np.cumsum(demand)
    supply_end = np.cumsum(supply)
    if whole_units:
        demand_end, supply_end = np.floor(demand_end + WHOLE_TOL), np.floor(supply_end + WHOLE_TOL)
    if not len(demand_end) or demand_end[-1] <= TOL:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros(0)
    cuts = np.unique(np.round(np.concatenate([demand_end, supply_end[supply_end < demand_end[-1]]]), 9))
    cuts = cuts[cuts > TOL]
    pieces = np.diff(np.concatenate([[0.0], cuts]))
    keep = pieces > TOL
    d = np.searchsorted(np.round(demand_end, 9), cuts[keep] - TOL / 2)
    s = np.searchsorted(np.round(supply_end, 9), cuts[keep] - TOL / 2)
    return d, s, pieces[keep]


def promise_orders(open_orders: pd.DataFrame, demand: pd.DataFrame, plan: Plan, calendar: Calendar,
                   service_arcs: pd.DataFrame, forecast_priority: int) -> pd.DataFrame:
    """Every open order line, split per fc and ship period, with its dates and status.

    Besides the order_plan columns, each part keeps the periods it is due (`period`), gets stock
    (`alloc_period`) and ships (`ship_period`, -1 = not in the plan): planner.explain reads
    them to say why a part waits.
    """
    if open_orders.empty:
        return pd.DataFrame(columns=PART_COLUMNS)
    lines = open_orders.assign(period=order_periods(open_orders, calendar)).reset_index(drop=True)
    whole_units = bool(np.allclose(lines["quantity"], np.round(lines["quantity"])))
    allocated = _allocate_lines(lines, demand, plan.allocations, forecast_priority, whole_units)
    parts = _ship_parts(allocated, plan.allocations, plan.shipments, whole_units)
    return _dated(parts, lines, calendar, service_arcs)


def _queue_items(lines: pd.DataFrame, demand: pd.DataFrame, forecast_priority: int) -> pd.DataFrame:
    """Demand items of each queue in FIFO order: order lines, plus the forecast at its priority."""
    orders = lines[["sku", "region", "priority", "period", "due_date", "order_id", "quantity"]].assign(
        line=lines.index, forecast=False)
    per_period = orders.groupby(["sku", "region", "priority", "period"])["quantity"].sum()
    forecast = demand[demand["priority"] == forecast_priority].set_index(["sku", "region", "priority", "period"])
    rest = forecast["quantity"].sub(per_period, fill_value=0.0).clip(lower=0.0)
    rest = rest[rest > TOL].reset_index()
    rest = rest.assign(line=-1, forecast=True, order_id="", due_date=pd.NaT)
    items = pd.concat([orders, rest], ignore_index=True)
    return items.sort_values(["sku", "region", "priority", "period", "forecast", "due_date", "order_id"],
                             kind="stable").reset_index(drop=True)


def _allocate_lines(lines, demand, allocations, forecast_priority, whole_units: bool) -> pd.DataFrame:
    """Split each queue's allocations over its items: (line, fc, alloc period, quantity) pieces."""
    queue = ["sku", "region", "priority"]
    items = _queue_items(lines, demand, forecast_priority)
    with_orders = items[items["line"] >= 0][queue].drop_duplicates()
    items = items.merge(with_orders, on=queue)
    supply = allocations.merge(with_orders, on=queue).sort_values(queue + ["period", "fc"])
    supply_groups = {key: group for key, group in supply.groupby(queue, sort=False)}
    pieces = []
    for key, group in items.groupby(queue, sort=False):
        chunks = supply_groups.get(key, supply.iloc[:0])
        d, s, qty = fifo_match(group["quantity"].to_numpy(float), chunks["quantity"].to_numpy(float),
                               whole_units)
        pieces.append(pd.DataFrame({
            "sku": key[0], "region": key[1], "priority": key[2],
            "line": group["line"].to_numpy()[d], "due_date": group["due_date"].to_numpy()[d],
            "order_id": group["order_id"].to_numpy()[d], "quantity": qty,
            "fc": _with_unserved(chunks["fc"], "")[s],
            "alloc_period": _with_unserved(chunks["period"], -1)[s],
        }))
    return pd.concat(pieces, ignore_index=True)


def _with_unserved(values: pd.Series, unserved) -> np.ndarray:
    """The supply side of a FIFO match, plus one last slot for demand no supply reached."""
    return np.append(values.to_numpy(dtype=object), unserved)


def _ship_parts(allocated: pd.DataFrame, allocations: pd.DataFrame, shipments: pd.DataFrame,
                whole_units: bool) -> pd.DataFrame:
    """Match each backlog queue's inflow (allocated pieces) to its shipments, first in, first out."""
    queue = ["sku", "fc", "priority"]
    served = allocated[allocated["fc"] != ""]
    covered = served[["sku", "region", "priority"]].drop_duplicates()
    others = allocations.merge(covered, on=["sku", "region", "priority"], how="left", indicator=True)
    others = others[others["_merge"] == "left_only"].drop(columns="_merge")
    others = others.rename(columns={"period": "alloc_period"}).assign(line=-1, order_id="", due_date=pd.NaT)
    inflow = pd.concat([served, others], ignore_index=True)
    inflow = inflow.merge(served[queue].drop_duplicates(), on=queue)
    inflow = inflow.assign(forecast=inflow["line"] < 0).sort_values(
        queue + ["alloc_period", "forecast", "due_date", "order_id", "region"], kind="stable")
    ship_groups = {key: g.sort_values("period") for key, g in shipments.groupby(queue, sort=False)}
    parts = [allocated[allocated["fc"] == ""].assign(ship_period=-1)]
    for key, group in inflow.groupby(queue, sort=False):
        ships = ship_groups.get(key, shipments.iloc[:0])
        d, s, qty = fifo_match(group["quantity"].to_numpy(float), ships["quantity"].to_numpy(float),
                               whole_units)
        piece = group.iloc[d].assign(quantity=qty, ship_period=_with_unserved(ships["period"], -1)[s])
        parts.append(piece[piece["line"] >= 0])
    return pd.concat(parts, ignore_index=True)


def _dated(parts: pd.DataFrame, lines: pd.DataFrame, calendar: Calendar, arcs: pd.DataFrame) -> pd.DataFrame:
    """Dates and status per part; parts of the same line, fc and ship period are merged."""
    keys = ["line", "fc", "alloc_period", "ship_period"]
    parts = parts.astype({"alloc_period": "int64", "ship_period": "int64"})
    parts = parts.groupby(keys, as_index=False)["quantity"].sum()
    parts = parts.merge(lines.drop(columns=["quantity"]), left_on="line", right_index=True)
    parts = parts.merge(arcs[["fc", "region", "extra_days"]], on=["fc", "region"], how="left")
    starts = calendar.period_starts
    shipped = parts["ship_period"] >= 0
    ship_date = pd.Series(pd.NaT, index=parts.index, dtype="datetime64[ns]")
    ship_date[shipped] = starts[parts.loc[shipped, "ship_period"].to_numpy()]
    parts["ship_date"] = ship_date
    parts["promised_date"] = ship_date + pd.to_timedelta(parts["extra_days"].fillna(0), unit="D")
    parts["status"] = np.select(
        [parts["fc"] == "", ~shipped, parts["promised_date"] <= parts["due_date"]],
        ["backorder", "late", "on_time"], "late")
    parts["quantity"] = parts["quantity"].round(3)
    plan = parts.sort_values(["priority", "due_date", "order_id", "sku", "ship_period", "fc"])
    return plan[PART_COLUMNS].reset_index(drop=True)

