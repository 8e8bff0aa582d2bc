"""Every forecasting method against the estimator contract, and each against reference values."""

import inspect

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.forecasting.theta import ThetaModel
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from planner.forecast.intermittent import SBA, TSB, Croston
from planner.forecast.methods import NotFittedError, RecentMean, SimpleSmoothing, Theta
from planner.forecast.options import METHOD_NAMES
from planner.forecast.select import METHODS
from planner.forecast.smoothing import DampedHolt, Holt

SEASON = 4


def contract_series(name: str) -> np.ndarray:
    rng = np.random.default_rng(0)
    t = np.arange(48)
    y = 30 + 0.2 * t + 8 * np.sin(2 * np.pi * t / SEASON) + rng.normal(0, 2, 48)
    return y * (t % 3 == 0) if name in ("croston", "sba", "tsb") else y


def _init_parameters(model) -> list[str]:
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [
        p.name
        for p in inspect.signature(type(model).__init__).parameters.values()
        if p.kind in named and p.name != "self"
    ]


def test_every_option_name_has_a_method():
    assert tuple(METHODS) == METHOD_NAMES


@pytest.mark.parametrize("name", list(METHODS) + ["mean"])
def test_method_follows_the_estimator_contract(name):
    model = RecentMean() if name == "mean" else METHODS[name].build(SEASON)
    init_params = {p: getattr(model, p) for p in _init_parameters(model)}
    with pytest.raises(NotFittedError):
        model.predict(3)
    with pytest.raises(NotFittedError):
        model.horizon_std(3)
    y = contract_series(name)
    assert model.fit(y) is model
    assert {p: getattr(model, p) for p in init_params} == init_params
    point, std = model.predict(13), model.horizon_std(13)
    assert point.shape == (13,) and np.isfinite(point).all() and model.sigma_ >= 0
    if std is not None:
        assert std.shape == (13,) and np.all(np.diff(std) >= -1e-9) and std[0] >= model.sigma_ * 0.99
    again = (RecentMean() if name == "mean" else METHODS[name].build(SEASON)).fit(y)
    np.testing.assert_array_equal(again.predict(13), point)


# --- intermittent methods against values worked out by hand ------------------------------------
# y = 0 3 0 0 5 0 2, alpha = beta = 0.5. First demand 3 in period 1 (interval 2).
# Period 4: size 3 + .5(5 - 3) = 4, interval 2 + .5(3 - 2) = 2.5.
# Period 6: size 4 + .5(2 - 4) = 3, interval 2.5 + .5(2 - 2.5) = 2.25.
INTERMITTENT = np.array([0, 3, 0, 0, 5, 0, 2], dtype=float)


def test_croston_by_hand():
    model = Croston(alpha=0.5).fit(INTERMITTENT)
    assert (model.size_, model.interval_) == (3.0, 2.25)
    np.testing.assert_allclose(model.predict(2), [3 / 2.25] * 2)
    # one-step forecasts from period 2 on: 1.5 1.5 1.5 1.6 1.6 -> errors -1.5 -1.5 3.5 -1.6 0.4
    assert model.sigma_ == pytest.approx(np.sqrt((1.5**2 * 2 + 3.5**2 + 1.6**2 + 0.4**2) / 5))


def test_sba_by_hand():
    np.testing.assert_allclose(SBA(alpha=0.5).fit(INTERMITTENT).predict(1), [0.75 * 3 / 2.25])


def test_tsb_by_hand():
    # probability starts at 1/2 after period 1, then .25 .125 .5625 .28125 .640625; size 3 -> 4 -> 3
    model = TSB(alpha=0.5, beta=0.5).fit(INTERMITTENT)
    assert model.probability_ == pytest.approx(0.640625) and model.size_ == 3.0
    np.testing.assert_allclose(model.predict(1), [3 * 0.640625])


def test_tsb_decays_after_demand_stops_while_croston_holds():
    y = np.r_[np.tile([0.0, 4.0], 20), np.zeros(20)]
    assert TSB().fit(y).predict(1)[0] < 0.5 * Croston().fit(y).predict(1)[0]


# --- smoothing methods against statsmodels ------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_simple_smoothing_fits_as_well_as_statsmodels(seed):
    rng = np.random.default_rng(seed)
    y = 40 + np.cumsum(rng.normal(0, 1, 90)) + rng.normal(0, 3, 90)
    ours = SimpleSmoothing().fit(y)
    theirs = ExponentialSmoothing(y, initialization_method="estimated").fit()
    assert ours.sigma_**2 * 88 <= theirs.sse * 1.001
    assert ours.predict(1)[0] == pytest.approx(theirs.forecast(1)[0], rel=0.02)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_theta_matches_statsmodels_theta_model(seed):
    rng = np.random.default_rng(seed)
    y = 40 + 0.3 * np.arange(80) + np.cumsum(rng.normal(0, 1, 80)) + rng.normal(0, 3, 80)
    theirs = ThetaModel(y, deseasonalize=False).fit()
    np.testing.assert_allclose(Theta().fit(y).predict(13), theirs.forecast(13), rtol=0.01)


@pytest.mark.parametrize("method", [SimpleSmoothing, Holt, DampedHolt], ids=lambda m: m.__name__)
def test_interval_spread_matches_statsmodels_ets_variance(method):
    y = pd.Series(50 + np.cumsum(np.random.default_rng(3).normal(0.5, 2, 80)))
    trend = method is not SimpleSmoothing
    ets = ETSModel(y, trend="add" if trend else None, damped_trend=method is DampedHolt).fit(disp=False)
    model = method().fit(y.to_numpy())
    model.alpha_, model.sigma_ = ets.params.iloc[0], 1.0
    if trend:
        model.beta_ = ets.params.iloc[1] / ets.params.iloc[0]
        model.phi_ = ets.params.iloc[2] if method is DampedHolt else 1.0
    expected = np.sqrt(ets.get_prediction(80, 92).forecast_variance / ets.mse)
    np.testing.assert_allclose(model.horizon_std(13), expected, rtol=1e-6)


@pytest.mark.parametrize("method", [Holt, DampedHolt], ids=lambda m: m.__name__)
def test_kept_parameters_reproduce_the_optimized_fit(method):
    y = 50 + np.cumsum(np.random.default_rng(1).normal(0.5, 2, 90))
    fitted = method().fit(y)
    replayed = fitted.with_fitted_parameters().fit(y)
    np.testing.assert_allclose(replayed.predict(13), fitted.predict(13), rtol=1e-9)
    assert replayed.sigma_ == pytest.approx(fitted.sigma_)


@pytest.mark.parametrize("method", [Holt, DampedHolt], ids=lambda m: m.__name__)
def test_own_gradient_fits_as_scipy_finite_differences_do(method):
    y = 50 + np.cumsum(np.random.default_rng(4).normal(0.5, 2, 90))
    scale = np.abs(y).mean()
    model = ExponentialSmoothing(y / scale, trend="add", damped_trend=method.damped, initialization_method="heuristic")
    theirs = model.fit(method="SLSQP", use_brute=False, start_params=[0.2, 0.02] + [0.98] * method.damped)
    np.testing.assert_allclose(method().fit(y).predict(13), theirs.forecast(13) * scale, rtol=1e-9)


@pytest.mark.parametrize("method", [Holt, DampedHolt], ids=lambda m: m.__name__)
def test_short_series_fit_as_statsmodels_estimates_their_initial_states(method):
    y = 50 + np.cumsum(np.random.default_rng(6).normal(0.5, 2, 8))
    scale = np.abs(y).mean()
    model = ExponentialSmoothing(y / scale, trend="add", damped_trend=method.damped, initialization_method="estimated")
    theirs = model.fit(method="SLSQP", use_brute=False)
    np.testing.assert_allclose(method().fit(y).predict(13), theirs.forecast(13) * scale, rtol=1e-9)


@pytest.mark.parametrize("method", [Holt, DampedHolt], ids=lambda m: m.__name__)
def test_warm_started_fit_lands_where_a_cold_fit_does(method):
    y = 50 + np.cumsum(np.random.default_rng(5).normal(0.5, 2, 104))
    warm = method().fit(y[:65]).warm_started().fit(y)
    np.testing.assert_allclose(warm.predict(13), method().fit(y).predict(13), rtol=1e-3)
