import pandas as pd
import pytest

from planner.report.kpis import on_time_units


def test_units_served_in_their_own_period_are_first_in_first_out():
    flows = pd.DataFrame({"sku": "A", "period": [0, 1, 2], "demand": [10.0, 10.0, 10.0], "served": [6.0, 10.0, 14.0]})
    # period 0: 6 of 10 at once; period 1: 4 old first, 6 new; period 2: 4 old, 10 new
    assert on_time_units(flows, ["sku"], "demand", "served").tolist() == pytest.approx([6.0, 6.0, 10.0])
