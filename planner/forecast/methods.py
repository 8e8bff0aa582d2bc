"""Forecasting methods for one demand series, each following the estimator contract.

Parameters are stored untouched in ``__init__``; ``fit(y)`` learns state into ``*_`` attributes
and returns ``self``; ``predict(h)`` and ``horizon_std(h)`` refuse to run before ``fit``. After a
fit every method exposes ``sigma_`` (std of its one-period-ahead in-sample error).
``horizon_std`` returns None for a method with no error model: the orchestrator then calibrates
the interval from backtest errors. The per-series choice, fallbacks and parallelism live in the
orchestrator (planner/forecast/core.py, planner/forecast/select.py), never here.

This module holds the cheap methods, fitted in numpy; planner/forecast/smoothing.py holds the
ones fitted by statsmodels and planner/forecast/intermittent.py those for intermittent demand.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

ALPHA_GRID = np.linspace(0.01, 1.0, 100)


class NotFittedError(RuntimeError):
    """A forecaster was asked to predict before it was fitted."""


class Forecaster:
    """Shared contract: ``name``, ``fit``, ``predict``, ``horizon_std``."""

    name = "forecaster"
    has_error_model = True

    def _check_fitted(self) -> None:
        if not hasattr(self, "sigma_"):
            raise NotFittedError(f"{type(self).__name__} must be fitted before it can predict")

    def predict(self, h: int) -> np.ndarray:
        """Point forecasts for the next h periods."""
        self._check_fitted()
        return self._predict(h)

    def horizon_std(self, h: int) -> np.ndarray | None:
        """Std of the 1..h-period-ahead forecast error, or None when the method has no error model."""
        self._check_fitted()
        return self.sigma_ * self._spread(h) if self.has_error_model else None

    def _spread(self, h: int) -> np.ndarray:
        return np.ones(h)


def as_series(y, minimum: int, name: str) -> np.ndarray:
    """The series as floats, refusing one too short for the method."""
    y = np.asarray(y, dtype=float)
    if len(y) < minimum:
        raise ValueError(f"{name} needs at least {minimum} periods, got {len(y)}")
    return y


class RecentMean(Forecaster):
    """Mean of the last ``window`` periods: the fallback for short history."""

    name = "mean"

    def __init__(self, window: int = 13):
        self.window = window

    def fit(self, y: np.ndarray) -> RecentMean:
        recent = as_series(y, 1, self.name)[-self.window :]
        self.level_, self.n_ = float(recent.mean()), len(recent)
        if self.n_ >= 3:
            self.sigma_ = float(recent.std(ddof=1))
        else:  # one or two periods say little about variability: assume at least Poisson noise
            self.sigma_ = max(float(recent.std()), float(np.sqrt(max(self.level_, 0.0))))
        return self

    def _predict(self, h: int) -> np.ndarray:
        return np.full(h, self.level_)

    def _spread(self, h: int) -> np.ndarray:
        return np.full(h, np.sqrt(1.0 + 1.0 / self.n_))


class SeasonalNaive(Forecaster):
    """Each period repeats the same period one season earlier (the last value when length is 1)."""

    name = "seasonal_naive"

    def __init__(self, season_length: int = 52):
        self.season_length = season_length

    def fit(self, y: np.ndarray) -> SeasonalNaive:
        m = self.season_length
        y = as_series(y, m + 1, self.name)
        self.last_season_ = y[-m:].copy()
        self.sigma_ = float(np.sqrt(np.mean((y[m:] - y[:-m]) ** 2)))
        return self

    def _predict(self, h: int) -> np.ndarray:
        return np.resize(self.last_season_, h)

    def _spread(self, h: int) -> np.ndarray:
        """A seasonal random walk: the variance grows with each season passed."""
        return np.sqrt(1.0 + np.arange(h) // self.season_length)


def smoothing_paths(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Level before each period for every alpha of ALPHA_GRID, split into the part smoothed from
    the data (started at 0) and the weight (1 - alpha)^t still on the initial level.

    Row t depends on y[:t] only, so a series that starts with the last one smoothed reads its
    rows from there: the backtest fits SES and Theta on the same heads of each series.
    """
    seen, smoothed = _LAST_SMOOTHED[0]
    if len(y) > len(seen) or not np.array_equal(seen[: len(y)], y):
        smoothed = _smoothed(y)
        _LAST_SMOOTHED[0] = (y.copy(), smoothed)
    return smoothed[: len(y) + 1], _decay(len(y) + 1)


def _smoothed(y: np.ndarray) -> np.ndarray:
    """The recursion s_t = (1 - alpha) s_{t-1} + alpha y_{t-1} from s_0 = 0 as a prefix scan:
    log2(n) whole-array steps instead of n small ones."""
    keep = 1.0 - ALPHA_GRID
    smoothed = np.zeros((len(y) + 1, len(ALPHA_GRID)))
    smoothed[1:] = np.outer(y, ALPHA_GRID)
    reach, carry = 1, keep.copy()
    while reach <= len(y):
        smoothed[reach:] += carry * smoothed[:-reach]
        reach, carry = 2 * reach, carry * carry
    smoothed.flags.writeable = False
    return smoothed


_LAST_SMOOTHED = [(np.empty(0), _smoothed(np.empty(0)))]


@lru_cache(maxsize=4)
def _decay_table(rows: int) -> np.ndarray:
    keep = 1.0 - ALPHA_GRID
    table = np.cumprod(np.vstack([np.ones_like(keep), np.tile(keep, (rows - 1, 1))]), axis=0)
    table.flags.writeable = False
    return table


def _decay(rows: int) -> np.ndarray:
    """(1 - alpha)^t for t < rows: the first rows of a table in power-of-two sizes (a longer
    table holds the same numbers in its first rows)."""
    return _decay_table(max(128, 1 << (rows - 1).bit_length()))[:rows]


class SimpleSmoothing(Forecaster):
    """Simple exponential smoothing, ETS(A,N,N), fitted by least squares in numpy.

    For a given alpha the one-step forecasts are linear in the initial level, so the best
    initial level has a closed form; alpha is then the best of a 0.01-step grid, all evaluated
    in one vectorized pass. That is the fit statsmodels' ExponentialSmoothing makes with an
    estimated initial level (a test compares them), at ~0.3-0.5 ms instead of 2-6 ms per
    104-week series: SES is fitted for every series at every backtest origin.
    """

    name = "ses"
    n_params = 2

    def fit(self, y: np.ndarray) -> SimpleSmoothing:
        y = as_series(y, 3, self.name)
        n = len(y)
        smoothed, decay = smoothing_paths(y)
        rest = y[:, None] - smoothed[:n]
        initial = (decay[:n] * rest).sum(axis=0) / (decay[:n] ** 2).sum(axis=0)
        errors = rest - decay[:n] * initial
        sse = (errors**2).sum(axis=0)
        best = int(np.argmin(sse))
        self.alpha_, self.initial_level_ = float(ALPHA_GRID[best]), float(initial[best])
        self.level_ = float(smoothed[n, best] + decay[n, best] * initial[best])
        self.residuals_ = errors[:, best]
        self.sigma_ = float(np.sqrt(sse[best] / (n - self.n_params)))
        return self

    def _predict(self, h: int) -> np.ndarray:
        return np.full(h, self.level_)

    def _spread(self, h: int) -> np.ndarray:
        """ETS(A,N,N): var_h = sigma^2 (1 + (h-1) alpha^2)."""
        return np.sqrt(1.0 + np.arange(h) * self.alpha_**2)


class Theta(SimpleSmoothing):
    """The Theta method (theta = 2): SES plus half the slope of a straight line through the data.

    This is the two-step estimator of statsmodels' ThetaModel (use_mle=False): the slope b0 by
    least squares, SES started at the first observation with the alpha of least squared
    one-step error, and the forecast SES + b0/2 (h - 1 + 1/alpha - (1 - alpha)^n / alpha)
    (Hyndman & Billah 2003). ThetaModel finds alpha with a state-space optimizer that costs
    15-40 ms per series; the same estimate on the 0.01 alpha grid costs ~0.5 ms, which matters
    because every candidate is refitted at every backtest origin. A test checks its forecasts
    against ThetaModel's. Intervals use the SES error model, as Theta is SES with drift.
    """

    name = "theta"

    def fit(self, y: np.ndarray) -> Theta:
        y = as_series(y, 3, self.name)
        n = len(y)
        t = np.arange(n, dtype=float) - (n - 1) / 2
        self.slope_ = float(t @ (y - y.mean()) / (t @ t))
        smoothed, decay = smoothing_paths(y)
        paths = smoothed + decay * y[0]
        sse = ((y[:, None] - paths[:n]) ** 2).sum(axis=0)
        best = int(np.argmin(sse))
        self.alpha_, self.n_ = float(ALPHA_GRID[best]), n
        self.level_ = float(paths[n, best])
        self.residuals_ = y - paths[:n, best]
        self.sigma_ = float(np.sqrt(sse[best] / (n - 2)))
        return self

    def _predict(self, h: int) -> np.ndarray:
        a = self.alpha_
        drift = np.arange(h) + 1.0 / a - (1.0 - a) ** self.n_ / a
        return self.level_ + 0.5 * self.slope_ * drift
