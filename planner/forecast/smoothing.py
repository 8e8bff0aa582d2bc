"""Forecasting methods fitted by statsmodels: Holt, damped Holt, Holt-Winters and ARIMA.

Same estimator contract as planner/forecast/methods.py. The trend methods divide the series by
its mean first (additive smoothing is scale-free): the optimizer then starts from the same
scale for every sku and converges 2-5x faster. Heuristic initial states with SLSQP, given the
gradient and start below, cost ~1-2 ms per 104-week series once statsmodels' results object
(~1.7 ms: in-sample recursion, parameter table) is skipped; holdout error is within 0.2% of the
slowest settings tried.
"""

from __future__ import annotations

import numpy as np
from statsmodels.tsa.arima.model import ARIMA
from statsmodels.tsa.holtwinters import ExponentialSmoothing
from statsmodels.tsa.holtwinters.model import SMOOTHERS, _OptConfig, opt_wrapper

from planner.forecast.methods import Forecaster, as_series

HOLT_SSE = opt_wrapper(SMOOTHERS[(None, "add")])
RELATIVE_STEP = float(np.sqrt(np.finfo(float).eps))
PHI_UPPER = 0.995
TYPICAL_START = (0.2, 0.02, 0.98)


def holt_gradient(upper: list[float]):
    """The gradient ExponentialSmoothing's SLSQP fit needs, of statsmodels' own Holt objective.

    scipy's default 2-point scheme, step for step (relative step sqrt(eps), taken backwards
    where it would cross an ``upper`` bound), so the fit lands where it did; scipy's generic
    finite differences cost ~0.2 ms of overhead per gradient, about half of a Holt fit.
    SMOOTHERS and opt_wrapper are statsmodels' module-level helpers, not its documented API: a
    test compares these fits with statsmodels' own, so a release that changes them shows there.
    """

    def gradient(x: np.ndarray, hw_args) -> np.ndarray:
        base = HOLT_SSE(x, hw_args)
        slopes = np.empty(len(x))
        for i, (value, bound) in enumerate(zip(x.tolist(), upper)):
            step = RELATIVE_STEP * max(1.0, abs(value)) * (1.0 if value >= 0 else -1.0)
            moved = x.copy()
            moved[i] = value - step if value + step > bound else value + step
            slopes[i] = (HOLT_SSE(moved, hw_args) - base) / (moved[i] - value)
        return slopes

    return gradient


def optimized_parameters(model: ExponentialSmoothing, start: np.ndarray | None, minimize_kwargs: dict):
    """What ``model.fit(method="SLSQP", use_brute=False, ...)`` estimates (alpha, beta, phi and
    the initial level and trend on ``model``'s data), without the results object ``fit`` builds
    after it: an in-sample recursion and parameter tables that cost more than the optimization
    of a weekly series. The same statsmodels estimator, entered where ``fit`` enters it
    (``_OptConfig``, ``_optimize_parameters``: not its documented API; a test compares these
    fits with ``fit``'s, so a release that changes them shows there).
    """
    config = _OptConfig()
    config.alpha = config.beta = config.gamma = None
    config.phi = None if model.damped_trend else 1.0
    config.level = config.trend = config.seasonal = None
    config.y = model._y
    config.params = start
    config.mle_retvals = config.mask = None
    return model._optimize_parameters(config, False, "SLSQP", minimize_kwargs)


def _check_finite(*values: float) -> None:
    if not np.isfinite(values).all():
        raise ValueError("the fit produced non-finite states")


class Holt(Forecaster):
    """Holt's linear trend, ETS(A,A,N).

    ``parameters`` (alpha, beta, phi, initial level, initial trend), when given, are kept
    instead of estimated: ``fit`` then only runs the smoothing recursion over the data, in
    ~0.2 ms instead of a 2.5-4 ms optimization. The backtest uses it from its second origin on
    with the parameters of the first (statsforecast's ``refit=False``): the states follow the
    new data, the parameters were learnt on earlier data only.

    ``start`` (alpha, beta, phi) is where the optimizer starts. By default that is TYPICAL_START,
    nearer the fits of weekly demand (median alpha 0.08, beta 0.02) than statsmodels' guess
    (0.5, 0.05, 0.99): ~28% fewer iterations, and slightly lower in-sample error. The final fit
    on the whole series starts from the first origin's parameters, which are usually close: about
    half the iterations again.
    """

    name = "holt"
    damped = False
    n_params = 4

    def __init__(
        self,
        parameters: tuple[float, float, float, float, float] | None = None,
        start: tuple[float, float, float] | None = None,
    ):
        self.parameters = parameters
        self.start = start

    def fit(self, y: np.ndarray) -> Holt:
        y = as_series(y, 4, self.name)
        if self.parameters is not None:
            self._filter(y, *self.parameters)
            return self
        scale = float(np.abs(y).mean()) or 1.0
        heuristic = len(y) >= 10
        model = ExponentialSmoothing(
            y / scale,
            trend="add",
            damped_trend=self.damped,
            initialization_method="heuristic" if heuristic else "estimated",
        )
        jac = holt_gradient(self._upper_bounds(estimated_states=not heuristic))
        start = self._start_params() if heuristic else None
        optimum = optimized_parameters(model, start, {"jac": jac})
        self._filter(
            y,
            float(optimum.alpha),
            float(optimum.beta),
            float(optimum.phi),
            float(optimum.level) * scale,
            float(optimum.trend) * scale,
        )
        return self

    def _start_params(self) -> np.ndarray:
        """``start`` in statsmodels' order of the estimated parameters (heuristic initial states)."""
        alpha, beta, phi = self.start or TYPICAL_START
        return np.array([alpha, beta] + [phi] * self.damped)

    def _upper_bounds(self, estimated_states: bool) -> list[float]:
        """statsmodels' upper bounds of the estimated parameters, in its order: alpha, beta
        (relative to alpha), initial level and trend when estimated, phi when damped."""
        return [1.0, 1.0] + [np.inf, np.inf] * estimated_states + [PHI_UPPER] * self.damped

    def _filter(self, y: np.ndarray, alpha: float, beta: float, phi: float, level: float, trend: float) -> None:
        """statsmodels' Holt recursion with known parameters and initial states."""
        initial_level, initial_trend = level, trend
        sse = 0.0
        for value in y:
            forecast = level + phi * trend
            sse += (value - forecast) ** 2
            new_level = alpha * value + (1 - alpha) * forecast
            trend = beta * (new_level - level) + (1 - beta) * phi * trend
            level = new_level
        self.alpha_, self.beta_, self.phi_, self.initial_ = alpha, beta, phi, (initial_level, initial_trend)
        self.level_, self.trend_ = float(level), float(trend)
        self._set_sigma(sse, len(y))

    def _set_sigma(self, sse: float, n: int) -> None:
        self.sigma_ = float(np.sqrt(sse / max(n - self.n_params, 1)))
        _check_finite(self.level_, self.trend_, self.sigma_)

    def with_fitted_parameters(self) -> Holt:
        """An unfitted copy that keeps this fit's parameters and initial states."""
        return type(self)((self.alpha_, self.beta_, self.phi_, *self.initial_))

    def warm_started(self) -> Holt:
        """An unfitted copy whose optimizer starts from this fit's parameters."""
        return type(self)(start=(self.alpha_, self.beta_, self.phi_))

    def _predict(self, h: int) -> np.ndarray:
        return self.level_ + np.cumsum(self.phi_ ** np.arange(1, h + 1)) * self.trend_

    def _spread(self, h: int) -> np.ndarray:
        """ETS(A,Ad,N): var_h = sigma^2 (1 + sum_{j<h} c_j^2), c_j = alpha (1 + beta phi_j),
        phi_j = phi + ... + phi^j (beta is statsmodels' trend smoothing, relative to alpha);
        phi = 1 gives Holt's ETS(A,A,N)."""
        phi_sums = np.cumsum(self.phi_ ** np.arange(1, h))
        c = self.alpha_ * (1.0 + self.beta_ * phi_sums)
        return np.sqrt(1.0 + np.concatenate([[0.0], np.cumsum(c**2)]))


class DampedHolt(Holt):
    """Holt's method with a damped trend, ETS(A,Ad,N): a trend that flattens over the horizon."""

    name = "holt_damped"
    damped = True
    n_params = 5


class HoltWinters(Forecaster):
    """Holt-Winters with a damped trend and an additive or multiplicative season.

    Needs two full seasons. The season is the series' own, for catalogues where skus do not
    share one (the orchestrator also offers every method the sku-level seasonal index). No
    closed-form error model here: intervals come from backtest errors.
    """

    has_error_model = False

    def __init__(self, season_length: int = 12, seasonal: str = "add"):
        self.season_length = season_length
        self.seasonal = seasonal

    @property
    def name(self) -> str:
        return f"holt_winters_{self.seasonal}"

    def fit(self, y: np.ndarray) -> HoltWinters:
        y = as_series(y, 2 * self.season_length + 2, self.name)
        if self.seasonal == "mul" and y.min() <= 0:
            raise ValueError("multiplicative seasonality needs positive demand")
        scale = float(np.abs(y).mean()) or 1.0
        model = ExponentialSmoothing(
            y / scale,
            trend="add",
            damped_trend=True,
            seasonal=self.seasonal,
            seasonal_periods=self.season_length,
            initialization_method="heuristic",
        )
        fitted = model.fit(method="SLSQP", use_brute=False)
        self.forecast_ = np.asarray(fitted.forecast(1)) * scale
        self.model_ = fitted
        self.scale_ = scale
        self.sigma_ = float(np.sqrt(fitted.sse / len(y))) * scale
        _check_finite(self.sigma_, *self.forecast_)
        return self

    def _predict(self, h: int) -> np.ndarray:
        return np.asarray(self.model_.forecast(h)) * self.scale_


class Arima(Forecaster):
    """ARIMA(p, d, q) with a constant on the differenced series, by statsmodels' state-space MLE.

    The order is a parameter, not searched: each fit costs 50-200 ms, so ARIMA suits small
    catalogues and monthly or quarterly data more than weekly backtests of thousands of skus.
    """

    name = "arima"

    def __init__(self, order: tuple[int, int, int] = (1, 1, 1)):
        self.order = order

    def fit(self, y: np.ndarray) -> Arima:
        y = as_series(y, sum(self.order) + 6, self.name)
        scale = float(np.abs(y).mean()) or 1.0
        trend = "t" if self.order[1] == 1 else ("c" if self.order[1] == 0 else "n")
        fitted = ARIMA(y / scale, order=self.order, trend=trend).fit()
        self.model_, self.scale_ = fitted, scale
        self.sigma_ = float(np.sqrt(fitted.params[-1])) * scale
        _check_finite(self.sigma_)
        return self

    def _predict(self, h: int) -> np.ndarray:
        return np.asarray(self.model_.forecast(h)) * self.scale_

    def horizon_std(self, h: int) -> np.ndarray:
        self._check_fitted()
        return np.asarray(self.model_.get_forecast(h).se_mean) * self.scale_
