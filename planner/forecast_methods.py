"""Forecasting methods for one demand series, each following the estimator contract.

Parameters are stored untouched in ``__init__``; ``fit(y)`` learns state into ``*_`` attributes
and returns ``self``; ``predict(h)`` and ``horizon_std(h)`` refuse to run before ``fit``. After a
fit every method exposes ``sigma_`` (std of its one-period-ahead in-sample error) and ``aicc_``
(NaN where no likelihood exists). The per-series choice, fallbacks and parallelism live in the
orchestrator (planner/forecast.py), never here.
"""

from __future__ import annotations

import numpy as np
from statsmodels.tsa.holtwinters import ExponentialSmoothing

# One optimizer setting for every statsmodels fit: Powell without the brute-force start grid
# was the fastest setting that kept holdout accuracy (see planner/forecast_benchmark.py).
FIT_OPTIONS = {"method": "Powell", "use_brute": False}


class NotFittedError(RuntimeError):
    """A forecaster was asked to predict before it was fitted."""


class Forecaster:
    """Shared contract: ``name``, ``fit``, ``predict``, ``horizon_std``."""

    name = "forecaster"

    def _check_fitted(self) -> None:
        if not hasattr(self, "sigma_"):
            raise NotFittedError(f"{type(self).__name__} must be fitted before it can predict")

    def predict(self, h: int) -> np.ndarray:
        """Point forecasts for the next h periods."""
        self._check_fitted()
        return self._predict(h)

    def horizon_std(self, h: int) -> np.ndarray:
        """Std of the 1..h-period-ahead forecast error, for prediction intervals."""
        self._check_fitted()
        return self.sigma_ * self._spread(h)

    def _spread(self, h: int) -> np.ndarray:
        return np.ones(h)


class RecentMean(Forecaster):
    """Mean of the last ``window`` periods: the fallback for short or erratic history."""

    name = "mean"

    def __init__(self, window: int = 13):
        self.window = window

    def fit(self, y: np.ndarray) -> "RecentMean":
        recent = np.asarray(y, dtype=float)[-self.window:]
        if not len(recent):
            raise ValueError("RecentMean needs at least one period")
        self.level_ = float(recent.mean())
        self.n_ = len(recent)
        spread = float(recent.std(ddof=1)) if self.n_ >= 3 else 0.0
        # Two points say little about variability: assume at least Poisson noise around the mean.
        self.sigma_ = spread if self.n_ >= 3 else max(float(recent.std()), np.sqrt(max(self.level_, 0.0)))
        self.aicc_ = np.nan
        return self

    def _predict(self, h: int) -> np.ndarray:
        return np.full(h, self.level_)

    def _spread(self, h: int) -> np.ndarray:
        return np.full(h, np.sqrt(1.0 + 1.0 / self.n_))


class CrostonSBA(Forecaster):
    """Croston's method with the Syntetos-Boylan bias correction, for intermittent demand.

    Smooths demand sizes and the intervals between demands separately; the forecast is a
    demand rate (size / interval, times 1 - alpha/2). ``alpha`` stays fixed: fitting it on
    mostly-zero data overfits, and 0.1 is the usual choice for weekly intermittent demand.
    """

    name = "croston_sba"

    def __init__(self, alpha: float = 0.1):
        self.alpha = alpha

    def fit(self, y: np.ndarray) -> "CrostonSBA":
        y = np.asarray(y, dtype=float)
        demands = np.flatnonzero(y > 0)
        if len(demands) < 2:
            raise ValueError("Croston needs at least two demands")
        rates = self._rates_after_each_demand(y, demands)
        made_before = np.searchsorted(demands, np.arange(len(y)), side="left")
        one_step = rates[made_before]
        self.rate_ = float(rates[-1])
        self.sigma_ = float(np.sqrt(np.mean((y - one_step) ** 2)))
        self.aicc_ = np.nan
        return self

    def _rates_after_each_demand(self, y: np.ndarray, demands: np.ndarray) -> np.ndarray:
        """Forecast rate before the first demand (index 0) and after each demand (1..k)."""
        size, interval = y[demands].mean(), len(y) / len(demands)
        rates = [self._rate(size, interval)]
        gaps = np.diff(demands, prepend=demands[0] - round(interval))
        for t, gap in zip(demands, gaps):
            size += self.alpha * (y[t] - size)
            interval += self.alpha * (gap - interval)
            rates.append(self._rate(size, interval))
        return np.array(rates)

    def _rate(self, size: float, interval: float) -> float:
        return (1 - self.alpha / 2) * size / interval

    def _predict(self, h: int) -> np.ndarray:
        return np.full(h, self.rate_)

    def _spread(self, h: int) -> np.ndarray:
        return np.sqrt(1.0 + np.arange(h) * self.alpha ** 2)


class SimpleSmoothing(Forecaster):
    """Simple exponential smoothing, ETS(A,N,N), fitted by statsmodels."""

    name = "ses"
    n_params = 2

    def fit(self, y: np.ndarray) -> "SimpleSmoothing":
        y = np.asarray(y, dtype=float)
        fitted = self._model(y).fit(**FIT_OPTIONS)
        self._learn(fitted, y)
        return self

    def _model(self, y: np.ndarray) -> ExponentialSmoothing:
        return ExponentialSmoothing(y, initialization_method="estimated")

    def _learn(self, fitted, y: np.ndarray) -> None:
        params = fitted.params
        self.alpha_ = float(params["smoothing_level"])
        self.level_ = float(fitted.level[-1])
        self.residuals_ = np.asarray(fitted.resid, dtype=float)
        self.aicc_ = float(fitted.aicc)
        self.sigma_ = float(np.sqrt(fitted.sse / max(len(y) - self.n_params, 1)))
        if not np.isfinite([self.level_, self.sigma_]).all():
            raise ValueError(f"{self.name} fit produced non-finite states")

    def _predict(self, h: int) -> np.ndarray:
        return np.full(h, self.level_)

    def _spread(self, h: int) -> np.ndarray:
        """ETS(A,N,N): var_h = sigma^2 (1 + (h-1) alpha^2)."""
        return np.sqrt(1.0 + np.arange(h) * self.alpha_ ** 2)


class DampedHolt(SimpleSmoothing):
    """Holt's linear method with a damped trend, ETS(A,Ad,N), fitted by statsmodels.

    The damping keeps a trend from extrapolating without bound over a 13-period horizon.
    """

    name = "holt_damped"
    n_params = 5

    def _model(self, y: np.ndarray) -> ExponentialSmoothing:
        return ExponentialSmoothing(y, trend="add", damped_trend=True, initialization_method="estimated")

    def _learn(self, fitted, y: np.ndarray) -> None:
        params = fitted.params
        self.beta_ = float(params["smoothing_trend"])
        self.phi_ = float(params["damping_trend"])
        self.trend_ = float(fitted.trend[-1])
        super()._learn(fitted, y)

    def _predict(self, h: int) -> np.ndarray:
        return self.level_ + np.cumsum(self.phi_ ** np.arange(1, h + 1)) * self.trend_

    def _spread(self, h: int) -> np.ndarray:
        """ETS(A,Ad,N): var_h = sigma^2 (1 + sum_{j<h} c_j^2), c_j = alpha (1 + beta phi_j),
        phi_j = phi + ... + phi^j (beta is statsmodels' trend smoothing, relative to alpha)."""
        phi_sums = np.cumsum(self.phi_ ** np.arange(1, h))
        c = self.alpha_ * (1.0 + self.beta_ * phi_sums)
        return np.sqrt(1.0 + np.concatenate([[0.0], np.cumsum(c ** 2)]))
