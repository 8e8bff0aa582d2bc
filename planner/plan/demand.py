"""The demand the plan must serve: open order lines by priority, plus the net forecast."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.calendar import Calendar

DEMAND_COLUMNS = ["sku", "region", "priority", "period", "quantity"]


def order_periods(open_orders: pd.DataFrame, calendar: Calendar) -> np.ndarray:
    """The plan period in which each order line is demand.

    Overdue lines are demand now (period 0); lines due after the plan are placed in its last
    period, so stock is still planned for them.
    """
    if open_orders.empty:
        return np.zeros(0, dtype=int)
    return np.clip(calendar.period_of(open_orders["due_date"]), 0, calendar.horizon - 1)


def plan_demand(
    open_orders: pd.DataFrame, net_forecast: pd.DataFrame, calendar: Calendar, forecast_priority: int
) -> pd.DataFrame:
    """Demand per sku x region x priority x period: open orders at their priority, then the
    forecast beyond them (already net of the orders) at the forecast priority."""
    orders = open_orders.assign(period=order_periods(open_orders, calendar))[DEMAND_COLUMNS]
    forecast = net_forecast.rename(columns={"net_forecast": "quantity"}).assign(priority=forecast_priority)
    demand = pd.concat([orders, forecast[DEMAND_COLUMNS]], ignore_index=True)
    demand = demand.astype({"priority": "int64", "period": "int64", "quantity": "float64"})
    demand = demand.groupby(DEMAND_COLUMNS[:-1], as_index=False)["quantity"].sum()
    return demand[demand["quantity"] > 1e-9].reset_index(drop=True)
