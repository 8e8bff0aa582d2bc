"""Replays on drawn demand paths: every policy meets the same paths, the seed fixes them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from simulate_builders import tiny_dataset

from planner.config import PlanConfig
from planner.simulate import simulate
from planner.simulate.paths import demand_paths
from planner.simulate.replay import replay_start
from planner.simulate.report import simulation_files
from planner.simulate.scenario import Promotion

WEEKS = 3
RULES = ("minmax", "order-up-to")


def noisy_dataset():
    """The tiny network, its weekly history varying around the same means (10, 4 and 6 a week)."""
    data = tiny_dataset()
    rng = np.random.default_rng(0)
    history = data.demand_history.assign(quantity=lambda f: np.round(f["quantity"] * rng.uniform(0.5, 1.5, len(f))))
    return replace(data, demand_history=history)


def test_a_path_keeps_the_history_before_the_replay_and_draws_its_weeks():
    data = noisy_dataset()
    start = replay_start(data, WEEKS)
    paths = demand_paths(data, PlanConfig(), WEEKS, 5, seed=1)
    before = data.demand_history[data.demand_history["date"] < start].reset_index(drop=True)
    for path in paths:
        pd.testing.assert_frame_equal(path[path["date"] < start].reset_index(drop=True), before[path.columns])
        drawn = path[path["date"] >= start]
        assert set(drawn["date"]) <= set(start + pd.to_timedelta(7 * np.arange(WEEKS), unit="D"))
        assert (drawn["quantity"] == np.round(drawn["quantity"])).all() and (drawn["quantity"] > 0).all()
    weekly = [path[path["date"] >= start]["quantity"].sum() for path in paths]
    assert len(set(weekly)) > 1  # the paths differ
    # about the history's 20 units a week (10 + 4 + 6)
    assert np.mean(weekly) / WEEKS == pytest.approx(20.0, rel=0.3)


def test_the_same_seed_draws_the_same_paths_and_another_seed_others():
    data = noisy_dataset()
    one, two, other = (demand_paths(data, PlanConfig(), WEEKS, 3, seed) for seed in (4, 4, 5))
    for a, b in zip(one, two):
        pd.testing.assert_frame_equal(a, b)
    assert not all(a.equals(b) for a, b in zip(one, other))


@pytest.fixture(scope="module")
def spread():
    return simulate(noisy_dataset(), PlanConfig(), weeks=WEEKS, policies=RULES, seed=2, scenarios=4)


def test_every_policy_meets_the_same_paths(spread):
    demand = spread.weekly.groupby(["scenario", "week", "policy"])["demand_units"].sum().unstack("policy")
    assert (demand[RULES[0]] == demand[RULES[1]]).all()
    assert demand[RULES[0]].groupby("scenario").sum().nunique() > 1


def test_the_summary_gives_each_policys_spread_over_the_paths(spread):
    summary = spread.summary.set_index("policy")
    assert list(summary.index) == list(RULES) and (summary["scenarios"] == 4).all()
    table = spread.scenarios
    assert len(table) == 4 * len(RULES)
    for policy in RULES:
        values = table.loc[table["policy"] == policy, "backorder_unit_weeks"]
        low, mid, high = (summary.loc[policy, f"backorder_unit_weeks_p{q}"] for q in (10, 50, 90))
        assert values.min() <= low <= mid <= high <= values.max()
        assert mid == pytest.approx(values.median())


def test_the_same_seed_writes_the_same_files_with_the_paths_table(spread):
    again = simulate(noisy_dataset(), PlanConfig(), weeks=WEEKS, policies=RULES, seed=2, scenarios=4)
    files, other = simulation_files(spread), simulation_files(again)
    assert "simulation_scenarios.csv" in files and files == other


def test_a_promotion_lifts_every_path():
    data = noisy_dataset()
    lifted = Promotion(("A",), first_week=1, weeks=1, factor=5.0)
    plain = simulate(data, PlanConfig(), weeks=WEEKS, policies=("minmax",), seed=2, scenarios=3)
    promo = simulate(data, PlanConfig(), weeks=WEEKS, policies=("minmax",), seed=2, scenarios=3, promotions=(lifted,))
    week = [frame[frame["week"] == 1].set_index("scenario")["demand_units"] for frame in (plain.weekly, promo.weekly)]
    assert (week[1] > 2 * week[0]).all()
    same = [frame[frame["week"] == 0]["demand_units"].to_numpy() for frame in (plain.weekly, promo.weekly)]
    np.testing.assert_array_equal(*same)
