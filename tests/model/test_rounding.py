"""Rounding purchases to whole lots within the capacities of their group."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from planner.model.rounding import (
    _crossing,
    _cumulatively_rounded,
    _deferred,
    _fitting,
    _placed_orders,
    _pooled_on_busiest,
    _within,
    consolidated_lines,
)


def _lines(units_per_lot: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"fc": "F1", "arrival_period": 0, "units_per_var": units_per_lot})


def test_rounding_up_past_the_inbound_room_adds_back_the_largest_fractions_that_fit():
    lines = _lines([10.0, 10.0, 10.0])
    relaxed = np.array([1.2, 0.7, 0.6])  # 25 units; room for 30: one lot of three added back
    up = np.ceil(relaxed)
    assert _within(lines, ["fc", "arrival_period"], np.full(3, 30.0), relaxed, up).tolist() == [1.0, 1.0, 1.0]
    assert _within(lines, ["fc", "arrival_period"], np.full(3, 20.0), relaxed, up).tolist() == [1.0, 1.0, 0.0]


def test_whole_lots_past_the_inbound_room_are_cut_the_largest_lines_kept_first():
    lines = _lines([10.0, 10.0, 5.0])
    lots = np.array([1.0, 2.0, 1.0])  # 35 units of whole lots (each sku's own MILP)
    cut = _within(lines, ["fc", "arrival_period"], np.full(3, 25.0), lots, lots.copy())
    assert cut.tolist() == [0.0, 2.0, 0.0]  # the 20 units fit; the 10 after them do not, nor the 5 after 30
    assert _within(lines, ["fc", "arrival_period"], np.full(3, 32.0), lots, lots.copy()).tolist() == [1.0, 2.0, 0.0]


def test_lots_past_the_inbound_room_are_ordered_a_period_later_not_cut():
    """Two skus' lines into one FC over three periods, arrivals one period after the order.
    Period 0: 30 + 20 units against room for 40: the 20 units (one MOQ of 2 lots) cannot stay,
    and go on the same line a period later, where the room then holds 20 + 10."""
    lines = pd.DataFrame(
        {
            "item": ["A", "A", "A", "B", "B", "B"],
            "supplier": "S",
            "fc": "F1",
            "period": [0, 1, 2, 0, 1, 2],
            "units_per_var": 10.0,
        }
    ).assign(arrival_period=lambda frame: frame["period"] + 1)
    lots = np.array([3.0, 0.0, 1.0, 2.0, 1.0, 0.0])
    moq_lots = np.array([1.0, 1.0, 1.0, 2.0, 2.0, 2.0])
    room = np.array([40.0, 40.0, 40.0, 40.0, 40.0, 40.0])
    deferred = _deferred(lines, ["fc", "arrival_period"], "arrival_period", room, lots, moq_lots)
    assert deferred.tolist() == [3.0, 0.0, 1.0, 0.0, 3.0, 0.0]
    assert deferred.sum() == lots.sum()  # nothing bought is lost inside the horizon
    tight = np.array([40.0, 10.0, 40.0, 40.0, 10.0, 40.0])  # period 1 holds 1 lot, under B's MOQ: on to period 2
    deferred = _deferred(lines, ["fc", "arrival_period"], "arrival_period", tight, lots, moq_lots)
    assert deferred.tolist() == [3.0, 0.0, 1.0, 0.0, 0.0, 3.0]
    trimmed = np.array([40.0, 20.0, 40.0, 40.0, 20.0, 40.0])  # period 1 holds B's MOQ; the lot cut is alone under it
    deferred = _deferred(lines, ["fc", "arrival_period"], "arrival_period", trimmed, lots, moq_lots)
    assert deferred.tolist() == [3.0, 0.0, 1.0, 0.0, 2.0, 0.0]


def _moq_model(lots_per_fc: dict[str, list[float]]) -> SimpleNamespace:
    """One supplier item with an MOQ of 30 units in lots of 10, ordered into each FC over four
    periods; the relaxed lots are the columns' values (purchase vids first, then purchase_open)."""
    keys = pd.DataFrame([(fc, period) for fc in lots_per_fc for period in range(4)], columns=["fc", "period"])
    n = len(keys)
    purchase = keys.assign(item="I1", vid=np.arange(n), lot_sized=True, moq=30.0, units_per_var=10.0)
    opened = keys.assign(item="I1", vid=np.arange(n, 2 * n))
    values = [lot for lots in lots_per_fc.values() for lot in lots] + [0.0] * n
    return SimpleNamespace(
        families={"purchase": purchase, "purchase_open": opened},
        value=np.array(values, dtype=float),
    )


def _placed(model, cover: float, share: float) -> dict[str, list[float]]:
    decided = consolidated_lines(model, cover, share)
    opened = model.families["purchase_open"]
    return {fc: [decided[v] for v in rows["vid"]] for fc, rows in opened.groupby("fc")}


@pytest.mark.parametrize(
    "cover, share, placed",
    [
        # F1 needs 6, 2, 1, 1 units: one MOQ PO in period 0 covers them all. F2 needs 12, 3, 10, 25:
        # its first PO's 30 cover 25 of them, so period 3 needs another; with two MOQs, one PO.
        (1.0, 0.0, {"F1": [1, 0, 0, 0], "F2": [1, 0, 0, 1]}),
        (2.0, 0.0, {"F1": [1, 0, 0, 0], "F2": [1, 0, 0, 0]}),
        # F1's 10 units are under an MOQ: closed (its need goes elsewhere); F2's 50 are not
        (1.0, 1.0, {"F1": [0, 0, 0, 0], "F2": [1, 0, 0, 1]}),
    ],
)
def test_moq_pos_are_pooled_each_covering_its_moqs_on_the_lines_needing_enough(cover, share, placed):
    model = _moq_model({"F1": [0.6, 0.2, 0.1, 0.1], "F2": [1.2, 0.3, 1.0, 2.5]})
    assert _placed(model, cover, share) == placed


def test_the_busiest_line_of_a_supplier_item_stays_open_even_under_the_share():
    model = _moq_model({"F1": [0.6, 0.2, 0.1, 0.1], "F2": [0.5, 0.5, 0.5, 0.5], "F3": [0.0] * 4})
    assert _placed(model, 1.0, 1.0) == {"F1": [0, 0, 0, 0], "F2": [1, 0, 0, 0], "F3": [0, 0, 0, 0]}


def _moves(rows: list[tuple[str, str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["from_fc", "to_fc", "period", "arrival_period"]).assign(sku="A")


def test_of_two_opposite_transfers_in_transit_at_once_the_smaller_is_dropped():
    moves = _moves([("F1", "F2", 0, 1), ("F2", "F1", 1, 2), ("F1", "F2", 3, 4)])
    assert _crossing(moves, np.array([5.0, 2.0, 4.0])).tolist() == [False, True, False]
    assert _crossing(moves, np.array([1.0, 2.0, 4.0])).tolist() == [True, False, False]


def test_opposite_transfers_whose_transits_do_not_meet_both_stay():
    moves = _moves([("F1", "F2", 0, 1), ("F2", "F1", 2, 3)])
    assert _crossing(moves, np.array([5.0, 2.0])).tolist() == [False, False]
    assert _crossing(moves, np.array([5.0, 0.0])).tolist() == [False, False]


def _planned(periods: int) -> pd.DataFrame:
    return pd.DataFrame({"item": "I1", "fc": "F1", "period": range(periods), "arrival_period": range(periods)})


def test_planned_need_is_bought_in_whole_lots_at_least_the_moq_once_it_reaches_half_a_unit():
    """Need 3.1, 0.2, 0.3, 40, 0.4 with an MOQ of 20 in lots of 5: a PO of 20 covers the first
    three periods and 16.4 of the fourth; the 23.6 left take a PO of 25, whose 1.4 left cover the last."""
    need = np.array([3.1, 0.2, 0.3, 40.0, 0.4])
    units = _placed_orders(_planned(5), need, np.full(5, 5.0), np.full(5, 20.0))
    assert units.tolist() == [20.0, 0.0, 0.0, 25.0, 0.0]
    assert (np.cumsum(units) >= np.cumsum(need) - 1e-9).all()  # never later than the LP planned it


def test_need_under_half_a_unit_is_not_bought():
    units = _placed_orders(_planned(3), np.array([0.1, 0.2, 0.1]), np.ones(3), np.zeros(3))
    assert units.tolist() == [0.0, 0.0, 0.0]
    assert _placed_orders(_planned(2), np.array([0.3, 0.3]), np.ones(2), np.zeros(2)).tolist() == [0.0, 1.0]


def test_pos_past_a_capacity_are_cut_largest_kept_first():
    lines = pd.DataFrame({"item": "I1", "period": [0, 0, 0]})
    units = np.array([20.0, 30.0, 10.0])
    kept = np.where(_fitting(lines, ["item", "period"], np.full(3, 50.0), units > 0, units, units), units, 0.0)
    assert kept.tolist() == [20.0, 30.0, 0.0]


def test_a_lane_carrying_fractions_ships_whole_units_that_keep_up_with_them():
    moved = pd.DataFrame({"lane": 0, "sku": "A", "period": [0, 1, 2, 3, 4, 5]})
    units = _cumulatively_rounded(moved, np.array([0.3, 0.3, 0.3, 0.3, 2.6, 0.0]))
    assert units.tolist() == [0.0, 1.0, 0.0, 0.0, 3.0, 0.0]
    assert np.all(np.abs(np.cumsum(units) - np.cumsum([0.3, 0.3, 0.3, 0.3, 2.6, 0.0])) <= 0.5 + 1e-9)


def test_lanes_and_skus_are_rounded_apart_whatever_the_row_order():
    moved = pd.DataFrame({"lane": [1, 0, 1, 0], "sku": ["A", "A", "A", "A"], "period": [1, 1, 0, 0]})
    assert _cumulatively_rounded(moved, np.array([0.4, 0.4, 0.4, 0.4])).tolist() == [1.0, 1.0, 0.0, 0.0]


def test_moq_lines_needing_under_half_an_moq_pool_their_need_on_the_items_busiest_line():
    lines = pd.DataFrame({"item": "I1", "fc": ["F1", "F1", "F2", "F2", "F3", "F3"], "period": [0, 1] * 3, "moq": 20.0})
    need = np.array([10.0, 10.0, 1.0, 2.0, 6.0, 6.0])  # F2 needs 3 (under 10: pooled), F3 12 (kept)
    assert _pooled_on_busiest(lines, need).tolist() == [11.0, 12.0, 0.0, 0.0, 6.0, 6.0]


def test_moq_lines_needing_the_same_pool_on_one_of_them_not_each_its_own_moq():
    lines = pd.DataFrame({"item": "I1", "fc": ["F2", "F2", "F1", "F1", "F3", "F3"], "period": [0, 1] * 3, "moq": 250.0})
    need = np.array([20.0, 13.0, 20.0, 13.0, 20.0, 13.0])  # an even spread, each line under half an MOQ
    assert _pooled_on_busiest(lines, need).tolist() == [0.0, 0.0, 60.0, 39.0, 0.0, 0.0]
