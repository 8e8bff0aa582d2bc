"""Each kind of shortage, caused on purpose in a tiny instance, gets the reason that names it."""

from __future__ import annotations

import pandas as pd
import pytest
from builders import dataset

from planner.calendar import Calendar
from planner.config import PlanConfig
from planner.pipeline import optimize
from planner.plan.demand import plan_demand
from planner.plan.explain import explain_orders, gather_evidence, period_span
from planner.plan.promise import promise_orders

START = pd.Timestamp("2026-11-30")  # a Monday, ISO week 49
NO_ERROR = pd.DataFrame(
    {"sku": pd.Series(dtype=object), "region": pd.Series(dtype=object), "sigma": pd.Series(dtype=float)}
)
NO_FORECAST = pd.DataFrame(
    {
        "sku": pd.Series(dtype=object),
        "region": pd.Series(dtype=object),
        "period": pd.Series(dtype="int64"),
        "net_forecast": pd.Series(dtype=float),
    }
)
A_AT_F1 = {"skus": [{"sku": "A", "unit_cost": 10.0}]}


def fc(name="F1", region="R1", outbound=1000.0, inbound=None):
    return {"fc": name, "region": region, "outbound_capacity": outbound, "inbound_capacity": inbound}


def order(order_id, quantity, priority=2, region="R1"):
    return {
        "order_id": order_id,
        "sku": "A",
        "region": region,
        "quantity": float(quantity),
        "order_date": START,
        "due_date": START,
        "priority": priority,
    }


def supplier(name="S", lead_time_days=14, **extra):
    return {"supplier": name, "sku": "A", "fc": "F1", "unit_price": 10.0, "lead_time_days": lead_time_days, **extra}


def reasons(horizon=3, **tables) -> dict[tuple[str, str], str]:
    """(order_id, status) -> reason of an instance's promised order lines."""
    ds = dataset(**A_AT_F1, **tables)
    calendar = Calendar(START, "week", horizon)
    demand = plan_demand(ds.open_orders, NO_FORECAST, calendar, forecast_priority=4)
    inputs, _, result, plan = optimize(ds, demand, NO_ERROR, calendar, PlanConfig(horizon=horizon))
    parts = promise_orders(ds.open_orders, demand, plan, calendar, inputs.service_arcs, 4)
    explained = explain_orders(parts, gather_evidence(inputs, plan, ds.supplier_items))
    return dict(zip(zip(explained["order_id"], explained["status"]), explained["reason"]))


def test_waiting_for_a_po_names_it_and_the_lead_time_that_kept_it_from_coming_sooner():
    got = reasons(
        fulfillment_centers=[fc()], supplier_items=[supplier(lead_time_days=14)], open_orders=[order("O1", 5)]
    )
    assert got == {
        ("O1", "late"): "no stock for it until PO from S arrives at F1 on 2026-12-14; "
        "the fastest supplier, S (14 days), delivers no sooner than 2026-12-14"
    }


def test_stock_taken_by_more_urgent_orders_says_so():
    got = reasons(
        fulfillment_centers=[fc()],
        inventory=[{"fc": "F1", "sku": "A", "on_hand": 10.0}],
        supplier_items=[supplier(lead_time_days=7)],
        open_orders=[order("HIGH", 8, priority=1), order("LOW", 8, priority=3)],
    )
    assert got[("HIGH", "on_time")] == "ships from stock at F1"
    assert got[("LOW", "late")] == (
        "no stock for it until PO from S arrives at F1 on 2026-12-07; "
        "stock went to priority-1 orders first; "
        "the fastest supplier, S (7 days), delivers no sooner than 2026-12-07"
    )


def test_a_full_outbound_capacity_names_the_fc_and_weeks_and_who_ships_first():
    """F1 ships one unit a day: URGENT's 7 units leave over the week's seven days (its last on
    the 7th, when it is due); O2 waits for the next week."""
    urgent = {**order("URGENT", 7, priority=1), "due_date": START + pd.Timedelta(days=6)}
    got = reasons(
        fulfillment_centers=[fc(outbound=1.0)],
        inventory=[{"fc": "F1", "sku": "A", "on_hand": 100.0}],
        open_orders=[urgent, order("O2", 7)],
    )
    assert got[("URGENT", "on_time")] == "ships from stock at F1"
    assert (
        got[("O2", "late")] == "F1 outbound capacity full in the week of 2026-11-30; it ships priority-1 orders first"
    )


def test_stock_kept_free_for_more_urgent_orders_is_a_wait_with_stock_on_hand_not_for_stock():
    """F1 ships 7 a week: URGENT's in week 0. It keeps its other 7 units for LATER (priority 1,
    due in week 1) rather than commit them to LOW (priority 3, due now), whose wait in week 0 is
    with its stock on hand (backlog); in week 1 LOW waits for stock, which the PO brings in week 2."""
    later = {**order("LATER", 7, priority=1), "due_date": START + pd.Timedelta(days=13)}
    got = reasons(
        horizon=4,
        fulfillment_centers=[fc(outbound=1.0)],
        inventory=[{"fc": "F1", "sku": "A", "on_hand": 14.0}],
        supplier_items=[supplier(lead_time_days=14)],
        open_orders=[
            {**order("URGENT", 7, priority=1), "due_date": START + pd.Timedelta(days=6)},
            order("LOW", 7, 3),
            later,
        ],
    )
    assert got[("LOW", "late")] == (
        "waits with its stock on hand at F1 in the week of 2026-11-30: F1 outbound capacity full in the week of "
        "2026-11-30 (it ships priority-1 orders first) and F1 keeps the stock for priority-1 orders first; "
        "no stock for it until PO from S arrives at F1 on 2026-12-14; stock went to priority-1 orders first; "
        "the fastest supplier, S (14 days), delivers no sooner than 2026-12-14"
    )


def test_no_supplier_at_all_leaves_a_backorder_that_says_so():
    got = reasons(fulfillment_centers=[fc()], open_orders=[order("O1", 5)])
    assert got == {
        ("O1", "backorder"): "no stock for it before the plan ends (2026-12-21); no supplier delivers A to F1"
    }


def test_a_lead_time_past_the_plan_end_leaves_a_backorder_that_says_so():
    got = reasons(
        fulfillment_centers=[fc()], supplier_items=[supplier(lead_time_days=60)], open_orders=[order("O1", 5)]
    )
    assert got == {
        ("O1", "backorder"): "no stock for it before the plan ends (2026-12-21); "
        "the fastest supplier, S (60 days), delivers nothing before the plan ends"
    }


def test_a_supplier_capacity_used_up_names_the_supplier_and_weeks():
    got = reasons(
        fulfillment_centers=[fc()],
        supplier_items=[supplier(lead_time_days=0, capacity_per_week=5.0)],
        open_orders=[order("O1", 10)],
    )
    assert got[("O1", "on_time")] == "ships from stock at F1"
    assert got[("O1", "late")] == (
        "no stock for it until PO from S arrives at F1 on 2026-12-07; "
        "S's capacity (5 a week) is used up in the week of 2026-11-30"
    )


def test_a_full_inbound_capacity_names_the_fc_and_weeks():
    got = reasons(
        fulfillment_centers=[fc(inbound=1.0)],
        supplier_items=[supplier(lead_time_days=0)],
        open_orders=[order("O1", 14)],
    )
    assert got[("O1", "late")] == (
        "no stock for it until PO from S arrives at F1 on 2026-12-07; "
        "F1 inbound capacity full in the week of 2026-11-30"
    )


def test_transit_from_another_regions_fc_names_the_extra_days():
    got = reasons(
        fulfillment_centers=[fc(), fc("F2", "R2")],
        inventory=[{"fc": "F2", "sku": "A", "on_hand": 10.0}],
        shipping_lanes=[{"fc": "F2", "region": "R1", "cost_per_unit": 0.5, "extra_days": 3}],
        open_orders=[order("O1", 5)],
    )
    assert got == {("O1", "late"): "transit from F2, another region's FC, adds 3 days"}


@pytest.mark.parametrize(
    "period, periods, text",
    [
        ("week", [0, 1, 3], "the weeks of 2026-11-30 to 2026-12-07, 2026-12-21"),
        ("week", [2], "the week of 2026-12-14"),
        ("day", [0, 1], "2026-11-30 to 2026-12-01"),
        ("month", [1], "2026-12"),
    ],
)
def test_period_spans_read_as_weeks_or_dates(period, periods, text):
    assert period_span(Calendar(START, period, 6), periods) == text


def test_no_open_orders_give_an_empty_order_plan_with_typed_dates():
    from planner.plan.promise import PART_COLUMNS

    empty = explain_orders(pd.DataFrame(columns=PART_COLUMNS), evidence=None)
    assert list(empty.columns)[-1] == "reason" and empty.empty
    assert all(pd.api.types.is_datetime64_any_dtype(empty[c]) for c in ("due_date", "ship_date", "promised_date"))
