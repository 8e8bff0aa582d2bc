from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from planner.report.kpis import covered_demand, on_time_units, segment_kpis, service_kpis


def test_units_served_in_their_own_period_are_first_in_first_out():
    flows = pd.DataFrame({"sku": "A", "period": [0, 1, 2], "demand": [10.0, 10.0, 10.0], "served": [6.0, 10.0, 14.0]})
    # period 0: 6 of 10 at once; period 1: 4 old first, 6 new; period 2: 4 old, 10 new
    assert on_time_units(flows, ["sku"], "demand", "served").tolist() == pytest.approx([6.0, 6.0, 10.0])


def test_segment_kpis_add_up_each_segments_skus():
    flows = pd.DataFrame(
        {"sku": ["A", "A", "B", "C"], "quantity": [10.0, 10.0, 40.0, 50.0], "covered": [10.0, 5.0, 40.0, 25.0]}
    )
    service = pd.DataFrame(
        {
            "sku": ["A", "B", "C", "D"],
            "segment": ["AX", "AX", "CZ", "CZ"],
            "service_level": [0.99, 0.995, 0.9, 0.9],
            "source": ["segment", "skus.csv", "segment", "segment"],
        }
    )
    assert segment_kpis(flows, service) == {
        # AX: 60 units, 55 covered; CZ: C's 50 units, 25 covered, D without demand
        "AX": {
            "skus": 2,
            "service_level_min": 0.99,
            "service_level_max": 0.995,
            "demand_units": 60.0,
            "fill_rate": 0.9167,
        },
        "CZ": {"skus": 2, "service_level_min": 0.9, "service_level_max": 0.9, "demand_units": 50.0, "fill_rate": 0.5},
    }


def _plan(allocations: list[tuple], on_hand: list[tuple], backorders: list[tuple]) -> SimpleNamespace:
    """Allocations (sku, fc, region, priority, period, quantity), shipped when allocated, waits on
    free stock (same columns) and what waits for stock (sku, region, priority, period, quantity)."""
    columns = ["sku", "fc", "region", "priority", "period", "quantity"]
    allocated = pd.DataFrame(allocations, columns=columns)
    return SimpleNamespace(
        allocations=allocated,
        shipments=allocated.drop(columns="region"),
        on_hand_waits=pd.DataFrame(on_hand, columns=columns),
        backorders=pd.DataFrame(backorders, columns=["sku", "region", "priority", "period", "quantity"]),
    )


def test_units_waiting_with_their_stock_free_at_their_fc_are_backlog_and_count_as_covered():
    """R1 wants 4 a week. Week 0: none committed, F1 holds 4 free: all 4 wait with stock on hand.
    Week 1: 8 wait, F1 holds 5 free, counted for the 4 oldest first: 1 new unit waits so, 3 for
    stock. Week 2: 4 committed (the oldest), 4 new, none on hand: all 8 left wait for stock."""
    demand = pd.DataFrame({"sku": "A", "region": "R1", "priority": 3, "period": [0, 1, 2], "quantity": 4.0})
    plan = _plan(
        [("A", "F1", "R1", 3, 2, 4.0)],
        [("A", "F1", "R1", 3, 0, 4.0), ("A", "F1", "R1", 3, 1, 5.0)],
        [("A", "R1", 3, 1, 3.0), ("A", "R1", 3, 2, 8.0)],
    )
    flows = covered_demand(demand, plan).set_index("period")
    assert flows["on_hand"].tolist() == pytest.approx([4.0, 1.0, 0.0])
    assert flows["covered"].tolist() == pytest.approx([4.0, 1.0, 0.0])
    service = service_kpis(demand, plan, np.ones(3))
    assert (service["backorder_units"], service["backlog_units"]) == pytest.approx((7.0, 5.0))
    assert (service["backorder_unit_weeks"], service["backorder_units_at_end"]) == pytest.approx((11.0, 8.0))
    assert service["fill_rate"] == pytest.approx(5.0 / 12.0, abs=1e-4)


def test_the_risk_block_gives_the_spread_and_the_likeliest_pairs_first():
    import pandas as pd

    from planner.plan.risk import SUMMARY_COLUMNS, Risk
    from planner.report.kpis import risk_kpis

    rows = [
        dict.fromkeys(SUMMARY_COLUMNS, 0.0)
        | {"sku": sku, "fc": "F1", "stockout_probability": odds, "peak_period_start": pd.Timestamp("2026-01-05")}
        for sku, odds in (("A", 0.2), ("B", 0.9), ("C", 0.0), ("D", 0.5))
    ]
    network = {"fill_rate": [0.9, 0.95, 0.97], "backorder_units": [1.0, 2.0, 3.0], "backlog_units": [0.0, 0.0, 1.0]}
    block = risk_kpis(Risk(100, 7, pd.DataFrame(), pd.DataFrame(rows), network))
    assert (block["scenarios"], block["seed"], block["pairs"], block["pairs_at_risk"]) == (100, 7, 4, 2)
    assert block["fill_rate"] == {"p10": 0.9, "p50": 0.95, "p90": 0.97}
    assert [pair["sku"] for pair in block["top_pairs"]] == ["B", "D", "A"]
    assert block["top_pairs"][0]["peak_period_start"] == "2026-01-05"
