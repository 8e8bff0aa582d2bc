"""The odds of the plan: hand-checkable cases, and the same seed giving the same figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_scenario_books import CALENDAR, forecast, frame, network, without_supply

from planner.plan.risk import RISK_COLUMNS, SUMMARY_COLUMNS, plan_risk, top_pairs


def steady(on_hand: float, mean: float, sigma: float = 0.0):
    """One sku at one FC, no supply: `on_hand` units against `mean` a week."""
    return without_supply([("A", "F1", on_hand)], forecast=forecast([("A", "north", mean, sigma)]))


def test_without_variance_the_odds_are_those_of_the_one_deterministic_path():
    risk = plan_risk(steady(25.0, 10.0), scenarios=7, seed=1)
    # 10 a week against 25: weeks 0 and 1 are served, week 2 runs short and never recovers
    assert risk.by_period["stockout_probability"].tolist() == [0.0, 0.0, 1.0, 1.0, 1.0, 1.0]
    pair = risk.by_pair.iloc[0]
    assert (pair["stockout_probability"], pair["peak_probability"]) == (1.0, 1.0)
    assert pair["peak_period_start"] == CALENDAR.period_starts[2]
    # 60 demanded, 25 covered: fill rate 25/60 in every draw; 35 units backordered
    assert pair["fill_rate_p10"] == pair["fill_rate_p90"] == pytest.approx(25 / 60, abs=1e-4)
    assert pair["backorder_units_p50"] == pytest.approx(35.0)
    assert risk.network["fill_rate"] == pytest.approx([25 / 60] * 3, abs=1e-4)


def test_plenty_of_stock_never_stocks_out():
    risk = plan_risk(steady(10_000.0, 10.0, 4.0), scenarios=50, seed=2)
    assert (risk.by_period["stockout_probability"] == 0.0).all()
    assert risk.by_pair["fill_rate_p10"].tolist() == [1.0]
    assert top_pairs(risk).empty


def test_the_odds_grow_as_stock_runs_down():
    odds = plan_risk(steady(40.0, 10.0, 5.0), scenarios=400, seed=3).by_period["stockout_probability"]
    assert odds.is_monotonic_increasing
    assert odds.iloc[0] < 0.05 and odds.iloc[-1] > 0.95
    # by week 3 (40 units) about half the draws have sold more than 40
    assert 0.3 < odds.iloc[3] < 0.75


def test_the_same_seed_gives_the_same_figures_and_another_seed_others():
    inputs = network()
    first, again, other = (plan_risk(inputs, 60, seed) for seed in (5, 5, 6))
    pd.testing.assert_frame_equal(first.by_period, again.by_period)
    pd.testing.assert_frame_equal(first.by_pair, again.by_pair)
    assert first.network == again.network
    assert not first.by_pair.equals(other.by_pair)


def test_waiting_for_outbound_capacity_is_backlog_not_a_stockout():
    inputs = steady(1_000.0, 100.0)  # F1 ships 60 a week
    risk = plan_risk(inputs, scenarios=3, seed=0)
    assert (risk.by_period["stockout_probability"] == 0.0).all()
    pair = risk.by_pair.iloc[0]
    assert pair["fill_rate_p50"] == 1.0 and pair["backorder_units_p50"] == 0.0
    # 60 ship a week, the oldest waiting first: of each week's 100 new units 40, then 80, then all wait
    assert pair["backlog_units_p50"] == pytest.approx(40.0 + 80.0 + 4 * 100.0)


def test_a_pair_counts_its_home_customers_and_the_network_all():
    risk = plan_risk(network(), scenarios=30, seed=4)
    assert list(risk.by_period.columns) == RISK_COLUMNS and list(risk.by_pair.columns) == SUMMARY_COLUMNS
    assert len(risk.by_period) == 3 * CALENDAR.horizon
    pairs = risk.by_pair.set_index(["sku", "fc"])
    # F2 holds A for the south (home) and also serves the north second: its demand is the south's
    assert pairs.loc[("A", "F2"), "demand_units"] < pairs.loc[("A", "F1"), "demand_units"]
    assert risk.network["demand_units"][1] == pytest.approx(pairs["demand_units"].sum(), rel=0.1)
    for measure in ("fill_rate", "backorder_units", "backlog_units"):
        low, mid, high = (risk.by_pair[f"{measure}_p{q}"] for q in (10, 50, 90))
        assert ((low <= mid + 1e-9) & (mid <= high + 1e-9)).all()


def test_top_pairs_are_the_likeliest_to_stock_out_first():
    risk = plan_risk(
        network(stock=frame([("A", "F1", 3.0), ("A", "F2", 0.0), ("B", "F2", 40.0)], "sku fc on_hand")), 50
    )
    top = top_pairs(risk)
    assert top["stockout_probability"].is_monotonic_decreasing
    assert (top["stockout_probability"] > 0).all()
    assert top.iloc[0][["sku", "fc"]].tolist() == ["A", "F1"]


def test_no_demand_means_a_full_fill_rate_and_no_odds():
    inputs = steady(5.0, 0.0)
    risk = plan_risk(inputs, scenarios=4)
    assert risk.by_pair["fill_rate_p50"].tolist() == [1.0]
    assert np.all(risk.by_period["stockout_probability"] == 0.0)
