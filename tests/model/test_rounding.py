"""Rounding purchases to whole lots within the capacities of their group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.model.rounding import _within


def _lines(units_per_lot: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"fc": "F1", "arrival_period": 0, "units_per_var": units_per_lot})


def test_rounding_up_past_the_inbound_room_adds_back_the_largest_fractions_that_fit():
    lines = _lines([10.0, 10.0, 10.0])
    relaxed = np.array([1.2, 0.7, 0.6])        # 25 units; room for 30: one lot of three added back
    up = np.ceil(relaxed)
    assert _within(lines, ["fc", "arrival_period"], np.full(3, 30.0), relaxed, up).tolist() == [1.0, 1.0, 1.0]
    assert _within(lines, ["fc", "arrival_period"], np.full(3, 20.0), relaxed, up).tolist() == [1.0, 1.0, 0.0]


def test_whole_lots_past_the_inbound_room_are_cut_the_largest_lines_kept_first():
    lines = _lines([10.0, 10.0, 5.0])
    lots = np.array([1.0, 2.0, 1.0])           # 35 units of whole lots (each sku's own MILP)
    cut = _within(lines, ["fc", "arrival_period"], np.full(3, 25.0), lots, lots.copy())
    assert cut.tolist() == [0.0, 2.0, 0.0]     # the 20 units fit; the 10 after them do not, nor the 5 after 30
    assert _within(lines, ["fc", "arrival_period"], np.full(3, 32.0), lots, lots.copy()).tolist() == [1.0, 2.0, 0.0]
