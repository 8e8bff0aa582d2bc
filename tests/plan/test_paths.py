"""Demand and lead-time draws: the forecast's mean and error, in whole units, seeded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.calendar import Calendar
from planner.plan.paths import arrival_days, forecast_grid, gamma_draws


def test_gamma_draws_match_the_mean_and_error_in_whole_units():
    rng = np.random.default_rng(0)
    draws = gamma_draws(np.array([20.0, 0.5]), np.array([6.0, 1.5]), 40_000, rng)
    assert np.array_equal(draws, np.round(draws)) and (draws >= 0).all()
    assert draws.mean(axis=1) == pytest.approx([20.0, 0.5], rel=0.03)
    assert draws[0].std() == pytest.approx(6.0, rel=0.03)
    assert (draws[1] == 0).mean() > 0.6  # a slow mover mostly sells nothing in a period


def test_without_error_the_draw_is_the_forecast_and_without_forecast_nothing():
    draws = gamma_draws(np.array([17.3, 0.0, 0.0]), np.array([0.0, 0.0, 2.0]), 5, np.random.default_rng(1))
    assert draws.tolist() == [[17.3] * 5, [0.0] * 5, [0.0] * 5]


def test_the_grid_scales_the_error_to_each_periods_length():
    calendar = Calendar(pd.Timestamp("2026-01-15"), "month", 2)  # a stub of 17 days, then February
    forecast = pd.DataFrame(
        {
            "sku": ["A", "A"],
            "region": ["r", "r"],
            "period": [0, 1],
            "forecast": [11.0, 22.0],
            "sigma": [3.0, 3.0],
        }
    )
    mean, std = forecast_grid(forecast, pd.DataFrame({"sku": ["A", "B"], "region": ["r", "r"]}), calendar)
    assert mean[0] == pytest.approx([11.0, 22.0])
    assert std[0] == pytest.approx(3.0 * np.sqrt(calendar.period_days / calendar.nominal_days))
    assert mean[1].tolist() == [0.0, 0.0] and std[1].tolist() == [0.0, 0.0]


def test_arrivals_spread_around_the_lead_time_never_before_the_order():
    days = arrival_days(
        np.array([0.0, 7.0]), np.array([10.0, 2.0]), np.array([0.0, 5.0]), 2_000, np.random.default_rng(2)
    )
    assert (days[0] == 10.0).all()
    assert (days[1] >= 7.0).all() and np.array_equal(days[1], np.round(days[1]))
    assert days[1].std() > 2.0
