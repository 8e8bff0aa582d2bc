"""Methods for intermittent demand (many zero periods): Croston, SBA and TSB.

statsmodels has none of them. All three smooth the size of the demands separately from how
often they occur, and start from the first demand: its size, and its position (period t, from
0) as the first interval t + 1. Their smoothing constants stay fixed: fitting them on
mostly-zero data overfits, and 0.1 is the usual choice for weekly intermittent demand. Same
estimator contract as planner/forecast/methods.py; none has an error model, so their
intervals come from backtest errors.
"""

from __future__ import annotations

import numpy as np

from planner.forecast.methods import Forecaster, as_series


def _demands(y: np.ndarray, name: str) -> np.ndarray:
    demands = np.flatnonzero(y > 0)
    if not len(demands):
        raise ValueError(f"{name} needs at least one demand")
    return demands


class Croston(Forecaster):
    """Croston (1972): smoothed size over smoothed interval, both updated only after a demand."""

    name = "croston"
    has_error_model = False

    def __init__(self, alpha: float = 0.1):
        self.alpha = alpha

    def fit(self, y: np.ndarray) -> Croston:
        y = as_series(y, 1, self.name)
        demands = _demands(y, self.name)
        size, interval = y[demands[0]], demands[0] + 1.0
        rates = np.full(len(y) + 1, np.nan)
        rates[demands[0] + 1] = self._rate(size, interval)
        for previous, t in zip(demands[:-1], demands[1:]):
            size += self.alpha * (y[t] - size)
            interval += self.alpha * (t - previous - interval)
            rates[t + 1] = self._rate(size, interval)
        self.size_, self.interval_ = float(size), float(interval)
        self.rate_ = float(self._rate(size, interval))
        self.sigma_ = _one_step_sigma(y, rates)
        return self

    def _rate(self, size: float, interval: float) -> float:
        return size / interval

    def _predict(self, h: int) -> np.ndarray:
        return np.full(h, self.rate_)


class SBA(Croston):
    """Syntetos-Boylan approximation: Croston's rate times 1 - alpha/2, removing its upward bias."""

    name = "sba"

    def _rate(self, size: float, interval: float) -> float:
        return (1.0 - self.alpha / 2.0) * size / interval


class TSB(Forecaster):
    """Teunter-Syntetos-Babai: smoothed size times a demand probability updated every period.

    The probability decays through zero periods, so the forecast of an item that stopped
    selling falls towards zero instead of staying at its last rate as Croston's does.
    """

    name = "tsb"
    has_error_model = False

    def __init__(self, alpha: float = 0.1, beta: float = 0.1):
        self.alpha = alpha
        self.beta = beta

    def fit(self, y: np.ndarray) -> TSB:
        y = as_series(y, 1, self.name)
        first = _demands(y, self.name)[0]
        size, probability = y[first], 1.0 / (first + 1.0)
        rates = np.full(len(y) + 1, np.nan)
        rates[first + 1] = size * probability
        for t in range(first + 1, len(y)):
            occurred = y[t] > 0
            probability += self.beta * (occurred - probability)
            if occurred:
                size += self.alpha * (y[t] - size)
            rates[t + 1] = size * probability
        self.size_, self.probability_ = float(size), float(probability)
        self.rate_ = float(size * probability)
        self.sigma_ = _one_step_sigma(y, rates)
        return self

    def _predict(self, h: int) -> np.ndarray:
        return np.full(h, self.rate_)


def _one_step_sigma(y: np.ndarray, rates: np.ndarray) -> float:
    """RMS of the one-step errors from the period after the first demand on (rates[t] is the
    forecast made before period t; NaN until the first demand, held between updates)."""
    held = _forward_fill(rates[:-1])
    known = np.isfinite(held)
    if not known.any():
        return float(np.sqrt(np.mean(y**2)))
    return float(np.sqrt(np.mean((y[known] - held[known]) ** 2)))


def _forward_fill(values: np.ndarray) -> np.ndarray:
    """Each NaN replaced by the last finite value before it (leading NaNs stay: values[0] is NaN)."""
    index = np.where(np.isfinite(values), np.arange(len(values)), 0)
    return values[np.maximum.accumulate(index)]
