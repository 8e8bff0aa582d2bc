"""Ship and promise dates are days: on or after the stock arrives, within each day's capacity."""

from __future__ import annotations

import pandas as pd
from builders import dataset, weekly_history

from planner.config import PlanConfig
from planner.pipeline import run_plan

START = pd.Timestamp("2026-11-30")  # a Monday, the day after the history ends


def _order(order_id: str, quantity: float, due: str, priority: int = 1) -> dict:
    return {
        "order_id": order_id,
        "sku": "A",
        "region": "R1",
        "quantity": quantity,
        "order_date": pd.Timestamp("2026-11-27"),
        "due_date": pd.Timestamp(due),
        "priority": priority,
    }


def _plan(on_hand: float, outbound: float, orders: list[dict], lead_time_days: int = 3):
    ds = dataset(
        fulfillment_centers=[{"fc": "F1", "region": "R1", "outbound_capacity": outbound}],
        skus=[{"sku": "A", "unit_cost": 10.0}],
        supplier_items=[
            {"supplier": "S", "sku": "A", "fc": "F1", "unit_price": 10.0, "lead_time_days": lead_time_days}
        ],
        inventory=[{"fc": "F1", "sku": "A", "on_hand": on_hand}],
        demand_history=weekly_history("A", "R1", 12, 0.0),
        open_orders=orders,
    )
    return run_plan(ds, PlanConfig(horizon=3, solver="highs")).order_plan


def test_an_order_waiting_for_a_po_ships_the_day_it_arrives_not_the_weeks_first_day():
    """No stock; the PO placed today arrives on Thursday: the order ships Thursday, late."""
    plan = _plan(on_hand=0.0, outbound=100.0, orders=[_order("O1", 5, "2026-11-30")])
    part = plan.iloc[0]
    assert part["ship_date"] == START + pd.Timedelta(days=3)
    assert part["promised_date"] == part["ship_date"] and part["status"] == "late"
    assert "arrives at F1 on 2026-12-03" in part["reason"]


def test_orders_beyond_a_days_outbound_capacity_ship_on_the_next_days_most_urgent_first():
    """30 units on hand, 10 ship a day: the priority-1 order first, the others on the days after."""
    orders = [_order("O1", 10, "2026-12-04", 3), _order("O2", 10, "2026-12-04", 1), _order("O3", 10, "2026-12-04", 2)]
    plan = _plan(on_hand=30.0, outbound=10.0, orders=orders).set_index("order_id")
    assert plan.loc["O2", "ship_date"] == START
    assert plan.loc["O3", "ship_date"] == START + pd.Timedelta(days=1)
    assert plan.loc["O1", "ship_date"] == START + pd.Timedelta(days=2)
    assert (plan["status"] == "on_time").all()


def test_stock_on_hand_ships_on_the_first_day():
    plan = _plan(on_hand=10.0, outbound=100.0, orders=[_order("O1", 5, "2026-12-01")])
    assert plan.iloc[0]["ship_date"] == START and plan.iloc[0]["status"] == "on_time"
