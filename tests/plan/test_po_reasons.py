"""Each PO line says why now and why this supplier, in tiny instances built to show each case."""

from __future__ import annotations

import pandas as pd
from builders import dataset

from planner.calendar import Calendar
from planner.config import PlanConfig
from planner.pipeline import optimize
from planner.plan.explain import gather_evidence
from planner.plan.po_reasons import explain_purchases

START = pd.Timestamp("2026-11-30")
NO_ERROR = pd.DataFrame(
    {"sku": pd.Series(dtype=object), "region": pd.Series(dtype=object), "sigma": pd.Series(dtype=float)}
)
NETWORK = {
    "skus": [{"sku": "A", "unit_cost": 10.0}],
    "fulfillment_centers": [{"fc": "F1", "region": "R1", "outbound_capacity": 1000.0}],
}


def line(supplier, price, lead_time_days=0, **extra):
    return {
        "supplier": supplier,
        "sku": "A",
        "fc": "F1",
        "unit_price": price,
        "lead_time_days": lead_time_days,
        **extra,
    }


def po_reasons(weekly: list[float], supplier_items: list[dict]) -> pd.DataFrame:
    """The PO lines of a one-FC plan for a weekly forecast demand, with their reasons."""
    ds = dataset(**NETWORK, supplier_items=supplier_items)
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
        ds, demand[demand["quantity"] > 0], NO_ERROR, calendar, PlanConfig(horizon=len(weekly))
    )
    evidence = gather_evidence(inputs, plan, ds.supplier_items)
    return explain_purchases(plan.purchase_orders, plan.inventory_projection, evidence)


def test_a_dearer_fast_supplier_covers_the_cheap_ones_lead_time_and_says_so():
    pos = po_reasons([10] * 5, [line("SLOW", 10.0, 21), line("FAST", 13.0, 0)])
    first = pos.iloc[0]
    assert (first["supplier"], first["action"]) == ("FAST", "release")
    assert first["reason"] == (
        "release now: 0 days lead time brings it on 2026-11-30; "
        "without it F1 runs short of A in the week of 2026-11-30 (0 of 10 units needed); "
        "cheaper SLOW (10 a unit) takes 21 days: ordered now it arrives 2026-12-21"
    )
    slow = pos[pos["supplier"] == "SLOW"].iloc[0]
    assert slow["reason"].startswith("release now: 21 days lead time brings it on 2026-12-21; ")
    assert slow["reason"].endswith("; cheapest supplier of A for F1")


def test_a_dearer_supplier_fills_in_where_the_cheap_ones_capacity_is_used_up():
    pos = po_reasons([10, 10], [line("CHEAP", 10.0, capacity_per_week=6.0), line("DEAR", 12.0)])
    dear = pos[pos["supplier"] == "DEAR"]
    assert dear["quantity"].tolist() == [4.0, 4.0]
    assert dear["reason"].iloc[1] == (
        "planned for 2026-12-07, arrives 2026-12-07; without it F1 runs short of A in the week of 2026-12-07 "
        "(6 of 10 units needed); cheaper CHEAP (10 a unit) has no capacity left for orders in the week of "
        "2026-12-07 (6 a week)"
    )


def test_a_dearer_supplier_is_chosen_when_the_cheap_ones_moq_is_more_than_needed():
    pos = po_reasons([5, 0], [line("CHEAP", 10.0, moq=100.0), line("DEAR", 12.0)])
    assert pos["supplier"].tolist() == ["DEAR"]
    assert (
        pos["reason"]
        .iloc[0]
        .endswith("; cheaper CHEAP (10 a unit) needs at least 100 units (MOQ), more than the 5 needed")
    )


def test_the_only_supplier_is_named_as_such():
    pos = po_reasons([3], [line("S", 10.0)])
    assert pos["reason"].iloc[0].endswith("; only supplier of A for F1")
