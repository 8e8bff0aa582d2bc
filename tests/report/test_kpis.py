import pandas as pd
import pytest

from planner.report.kpis import on_time_units, segment_kpis


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
