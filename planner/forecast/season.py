"""Seasonal indices estimated once per sku, so each sku x region fit stays a cheap non-seasonal one.

A 52-week Holt-Winters fit costs ~0.1-0.5 s per series and needs 52 seed states from two years
of noisy regional data. Instead the sku's total across regions (far less noisy) gives one
multiplicative index per season position; regional series are divided by it before smoothing
and multiplied by it afterwards.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy import stats

SEASON_LENGTH = {"day": 7, "week": 52, "month": 12}
SIGNIFICANCE = 0.01
MIN_INDEX = 0.1


def season_length(period: str) -> int:
    """Periods per seasonal cycle: day of week for days, week or month of year otherwise."""
    return SEASON_LENGTH[period]


def seasonal_index(total: np.ndarray, periods: np.ndarray, length: int) -> np.ndarray | None:
    """Multiplicative index per position (period mod length), or None without clear seasonality.

    Needs two full cycles. Demand is divided by a trend line, cut into cycles, and the
    positions are compared with a one-way ANOVA F-test (cycles are the replicates). The raw
    index is shrunk towards 1 by 1 - 1/F, the share of its spread that is signal, not noise.
    """
    cycles = len(total) // length
    if cycles < 2:
        return None
    recent, recent_periods = total[-cycles * length :], periods[-cycles * length :]
    ratios = _ratios_to_trend(recent.reshape(cycles, length))
    if ratios is None:
        return None
    f = _f_statistic(ratios)
    if f <= _critical_f(length, cycles):
        return None
    index = 1.0 + (ratios.mean(axis=0) - 1.0) * (1.0 - 1.0 / f)
    index = np.clip(index, MIN_INDEX, None)
    by_position = np.empty(length)
    by_position[recent_periods[:length] % length] = index / index.mean()
    return by_position


def _ratios_to_trend(cycles: np.ndarray, rounds: int = 5) -> np.ndarray | None:
    """Demand over a straight trend line fitted jointly with the season.

    A line fitted to raw seasonal demand tilts towards whichever half holds the peak; fitting
    it to the deseasonalized demand, and re-estimating the season, removes that tilt.
    """
    t = np.arange(cycles.size, dtype=float).reshape(cycles.shape) - (cycles.size - 1) / 2
    season = np.ones(cycles.shape[1])
    for _ in range(rounds):
        deseasonalized = cycles / season
        slope = (t * deseasonalized).sum() / (t**2).sum()
        line = deseasonalized.mean() + slope * t
        if line.min() <= 0:
            return None
        season = np.clip((cycles / line).mean(axis=0), MIN_INDEX, None)
    return cycles / line


@cache
def _critical_f(length: int, cycles: int) -> float:
    return float(stats.f.isf(SIGNIFICANCE, length - 1, length * (cycles - 1)))


def _f_statistic(ratios: np.ndarray) -> float:
    """Between-position over within-position variance of the detrended ratios."""
    cycles = ratios.shape[0]
    between = cycles * ratios.mean(axis=0).var(ddof=1)
    within = ratios.var(axis=0, ddof=1).mean()
    if within == 0:
        return np.inf if between > 0 else 0.0
    return float(between / within)


def season_factors(index: np.ndarray | None, periods: np.ndarray) -> np.ndarray:
    """Index value for each period (ones when the sku is not seasonal)."""
    if index is None:
        return np.ones(len(periods))
    return index[np.asarray(periods) % len(index)]
