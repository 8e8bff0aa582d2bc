"""Per-series forecasting: classes, backtest selection, combination, fallbacks, interval coverage."""

from collections import Counter

import numpy as np
import pytest
from scipy import stats

from planner.forecast.options import ForecastOptions
from planner.forecast.select import SeriesInput, calibrated_std, forecast_series, series_class

OPTIONS = ForecastOptions(horizon=13, season_length=52)


def plain(y, horizon=13) -> SeriesInput:
    """A series of a sku without seasonal index."""
    y = np.asarray(y, dtype=float)
    return SeriesInput(y, np.ones(len(y)), np.ones(horizon))


def test_series_classes_follow_adi_and_cv2():
    rng = np.random.default_rng(0)
    steady = 20 + rng.normal(0, 2, 60)
    assert series_class(steady) == "smooth"
    assert series_class(np.tile([2.0, 40.0], 30)) == "erratic"
    assert series_class(np.tile([0.0, 0.0, 5.0], 20)) == "intermittent"
    assert series_class(np.tile([0.0, 0.0, 1.0, 0.0, 0.0, 30.0], 10)) == "lumpy"


def test_a_repeating_season_selects_seasonal_naive():
    pattern = np.array([10.0, 40.0, 25.0, 5.0])
    options = ForecastOptions(
        horizon=4, season_length=4, combine="none", candidates=("ses", "holt_damped", "theta", "seasonal_naive")
    )
    result = forecast_series(plain(np.tile(pattern, 15), 4), options, Counter())
    assert result.model == "seasonal_naive" and result.origins == 3
    np.testing.assert_allclose(result.point, pattern)


def test_demand_that_stopped_selects_tsb():
    y = np.r_[np.tile([0.0, 6.0, 0.0], 20), np.zeros(30)]
    options = ForecastOptions(combine="none")
    result = forecast_series(plain(y), options, Counter())
    assert result.series_class == "intermittent" and result.model == "tsb"


def test_combination_is_the_median_of_the_best_few():
    y = 30 + np.random.default_rng(4).normal(0, 3, 104)
    result = forecast_series(plain(y), OPTIONS, Counter())
    assert result.model.startswith("median(") and result.model.count("+") == 2
    assert result.origins == 3 and np.isfinite(result.mase) and result.actual_units > 0


def test_short_history_gets_named_fallbacks():
    assert forecast_series(plain([4.0, 6.0]), OPTIONS, Counter()).model == "fallback_mean"
    result = forecast_series(plain(20 + np.arange(15.0)), OPTIONS, Counter())
    assert result.model == "fallback_seasonal_naive" or result.model == "fallback_ses"
    assert result.origins == 0 and np.isnan(result.mase)


def test_calibrated_std_never_narrows_with_the_horizon():
    growing = np.array([[1.0, -1.0, 4.0], [-1.0, 1.0, 4.0]])  # mean squares 1, 1, 16 per step
    # a + b·h by least squares gives a < 0: a = 0, b = sum(h·ms) / sum(h²) = 51/14; n/(n-2) = 6/4
    np.testing.assert_allclose(calibrated_std(growing), np.sqrt(1.5 * 51 / 14 * np.arange(1, 4)))
    # errors that shrink with the step give a flat variance, their mean 6
    np.testing.assert_allclose(calibrated_std(growing[:, ::-1]), [3.0, 3.0, 3.0])


def test_one_lucky_backtest_step_does_not_make_an_empty_interval():
    """One origin (a monthly history of two years backtested over 13 months) has one error per step."""
    residual = np.array([[0.03, 9.0, -11.0, 10.0, -8.0, 12.0, -9.0, 10.0, 11.0, -10.0, 9.0, -12.0, 10.0]])
    std = calibrated_std(residual)
    rms = np.sqrt(np.mean(residual**2))
    assert 0.8 * rms < std[0] <= std[-1] < 1.3 * rms


def local_level(rng, n, level=100.0, noise=8.0, drift=3.0):
    """ETS(A,N,N)-like demand: a random-walk level plus noise."""
    return level + np.cumsum(rng.normal(0, drift, n)) + rng.normal(0, noise, n)


@pytest.mark.parametrize("combine", ["none", "median"])
def test_interval_coverage_is_near_nominal(combine):
    rng = np.random.default_rng(11)
    options, level, inside = ForecastOptions(combine=combine), 0.8, []
    z = stats.norm.ppf(0.5 + level / 2)
    for _ in range(120):
        y = local_level(rng, 117)
        result = forecast_series(plain(y[:104]), options, Counter())
        inside.append(np.abs(y[104:] - result.point) <= z * result.std)
    coverage = np.mean(inside)
    assert 0.72 <= coverage <= 0.9, coverage
