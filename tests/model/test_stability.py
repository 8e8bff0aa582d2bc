"""The purchase_change family on a hand-checked instance, through the public optimize API."""

from __future__ import annotations

import pandas as pd
from builders import dataset

from planner.calendar import Calendar
from planner.config import PlanConfig
from planner.pipeline import optimize

START = pd.Timestamp("2026-11-30")
NO_ERROR = pd.DataFrame(
    {"sku": pd.Series(dtype=object), "region": pd.Series(dtype=object), "sigma": pd.Series(dtype=float)}
)
NETWORK = dataset(
    skus=[{"sku": "A", "unit_cost": 10.0}],
    fulfillment_centers=[{"fc": "F1", "region": "R1", "outbound_capacity": 1000.0}],
    supplier_items=[
        {"supplier": "CHEAP", "sku": "A", "fc": "F1", "unit_price": 10.0, "lead_time_days": 0},
        {"supplier": "USUAL", "sku": "A", "fc": "F1", "unit_price": 10.2, "lead_time_days": 0},
    ],
)
# Last week's plan: 10 units from USUAL released (arriving this week), 10 planned in each later week.
PREVIOUS = pd.DataFrame(
    [
        {
            "supplier": "USUAL",
            "sku": "A",
            "fc": "F1",
            "order_date": START + pd.Timedelta(days=7 * t),
            "arrival_date": START + pd.Timedelta(days=7 * t),
            "quantity": 10.0,
            "action": "release" if t == 0 else "planned",
        }
        for t in range(3)
    ]
)


def bought(weekly: list[float], previous=None) -> dict:
    """(supplier, order week) -> units of the plan for a weekly demand."""
    calendar = Calendar(START, "week", len(weekly))
    demand = pd.DataFrame(
        {
            "sku": "A",
            "region": "R1",
            "priority": 4,
            "period": range(len(weekly)),
            "quantity": [float(q) for q in weekly],
        }
    )
    inputs, _, _, plan = optimize(
        NETWORK, demand, NO_ERROR, calendar, PlanConfig(horizon=len(weekly)), previous=previous
    )
    pos = plan.purchase_orders
    weeks = (pos["order_date"] - START).dt.days // 7
    return dict(zip(zip(pos["supplier"], weeks), pos["quantity"]))


def test_without_a_previous_plan_the_cheaper_supplier_gets_every_week():
    assert bought([10, 10, 10]) == {("CHEAP", 0): 10.0, ("CHEAP", 1): 10.0, ("CHEAP", 2): 10.0}


def test_the_released_po_is_firm_and_planned_ones_stay_with_their_supplier():
    # switching a week's 10 units costs 0.05 x (10.2 + 10) x 10 = 10.1 and saves 0.2 x 10 = 2: stay
    assert bought([10, 10, 10], PREVIOUS) == {("USUAL", 1): 10.0, ("USUAL", 2): 10.0}


def test_a_needed_change_is_made_at_the_cheapest_margin():
    # 5 more units in week 2: CHEAP costs 10 + 0.5 change, USUAL 10.2 + 0.51: the extra comes from CHEAP
    assert bought([10, 10, 15], PREVIOUS) == {("USUAL", 1): 10.0, ("USUAL", 2): 10.0, ("CHEAP", 2): 5.0}
