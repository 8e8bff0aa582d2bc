"""The purchase_change family on a hand-checked instance, through the public optimize API."""

from __future__ import annotations

import pandas as pd
from builders import dataset

from planner.calendar import Calendar
from planner.config import PlanConfig
from planner.model.build import build_model
from planner.model.inputs import model_inputs
from planner.model.rounding import rounding_step
from planner.model.stability import previous_openings
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


# A supplier that cannot keep up: 10 units a week against 15 of demand; and an MOQ line.
CAPPED = dataset(
    skus=[{"sku": "A", "unit_cost": 10.0}],
    fulfillment_centers=[{"fc": "F1", "region": "R1", "outbound_capacity": 1000.0}],
    supplier_items=[
        {
            "supplier": "CAPPED",
            "sku": "A",
            "fc": "F1",
            "unit_price": 10.0,
            "lead_time_days": 0,
            "capacity_per_week": 10.0,
        }
    ],
)
MOQ = dataset(
    skus=[{"sku": "A", "unit_cost": 10.0}],
    fulfillment_centers=[{"fc": "F1", "region": "R1", "outbound_capacity": 1000.0}],
    supplier_items=[
        {
            "supplier": "SLOW",
            "sku": "A",
            "fc": "F1",
            "unit_price": 10.0,
            "lead_time_days": 0,
            "moq": 20.0,
            "lot_size": 10.0,
        },
        {
            "supplier": "QUICK",
            "sku": "A",
            "fc": "F1",
            "unit_price": 13.0,
            "lead_time_days": 0,
            "capacity_per_week": 3.0,
        },
    ],
)


def plan_lines(network, weekly: list[float], previous=None) -> pd.DataFrame:
    """The plan's PO lines as read_previous reads them back, for a weekly demand."""
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
    config = PlanConfig(horizon=len(weekly))
    _, _, _, plan = optimize(network, demand, NO_ERROR, calendar, config, previous=previous)
    return plan.purchase_orders[["supplier", "sku", "fc", "order_date", "arrival_date", "quantity", "action"]]


def weekly(lines: pd.DataFrame) -> dict:
    return dict(zip(zip(lines["supplier"], (lines["order_date"] - START).dt.days // 7), lines["quantity"]))


def test_a_rerun_on_unchanged_data_keeps_every_planned_line():
    for network, demand in ((CAPPED, [15, 15, 15]), (MOQ, [8, 9, 8, 12, 7, 9])):
        first = plan_lines(network, demand)
        again = plan_lines(network, demand, previous=first)
        assert weekly(again) == weekly(first[first["action"] == "planned"]), network.supplier_items["supplier"][0]


def test_the_released_lines_use_up_the_capacity_of_the_week_they_were_ordered_in():
    # without that, a rerun would order 5 more units in week 0 from a supplier who has none left
    first = plan_lines(CAPPED, [15, 15, 15])
    assert weekly(first) == {("CAPPED", 0): 10.0, ("CAPPED", 1): 10.0, ("CAPPED", 2): 10.0}
    assert weekly(plan_lines(CAPPED, [15, 15, 15], previous=first)) == {("CAPPED", 1): 10.0, ("CAPPED", 2): 10.0}


def test_previous_openings_are_the_previous_plans_moq_pos_in_the_periods_both_plans_cover():
    previous = pd.DataFrame(
        [
            {
                "supplier": "SLOW",
                "sku": "A",
                "fc": "F1",
                "order_date": START + pd.Timedelta(days=7 * t),
                "arrival_date": START + pd.Timedelta(days=7 * t),
                "quantity": 20.0,
                "action": action,
            }
            for t, action in ((0, "release"), (2, "planned"))
        ]
    )
    calendar = Calendar(START, "week", 4)
    demand = pd.DataFrame({"sku": "A", "region": "R1", "priority": 4, "period": range(4), "quantity": 8.0})
    inputs = model_inputs(MOQ, demand, NO_ERROR, calendar, PlanConfig(horizon=4), previous)
    model, _ = build_model(inputs)
    opened = model.families["purchase_open"].set_index("period")["vid"]
    # periods 0-2 (the old plan's last planned PO is in period 2): a PO in 2, none in 0 and 1; period 3 left free
    assert previous_openings(model, inputs) == {opened[0]: 0.0, opened[1]: 0.0, opened[2]: 1.0}
    assert rounding_step(model, inputs, "previous") == previous_openings(model, inputs)
    assert previous_openings(*_without_previous(inputs, model)) == {}


def _without_previous(inputs, model):
    from dataclasses import replace

    return model, replace(inputs, previous_purchases=inputs.previous_purchases.iloc[:0])
