"""Demand paths drawn from the forecast's error: the scenarios the plan's odds are counted on.

Each sku x region x period's demand is a gamma draw with the forecast as its mean and the
forecast's one-period backtest error (`sigma`, scaled to the period's length as the forecast's
intervals are) as its standard deviation, in whole units (rounded up with the chance of its
fraction, which keeps the mean). Why a gamma: demand is never negative and leans right; a
gamma matches the forecast's mean and error, where a normal cut at zero would raise a slow
mover's mean; and for an intermittent series (error above the mean) it puts most of its mass
near zero with a long tail, as such demand has. In whole units it is count data: a period
without a sale has its true chance, where a continuous draw would always ask a sliver of a
unit and call every empty shelf a stock-out. A series without error (sigma 0)
demands its forecast exactly. Periods are drawn independently, as the safety stock formula
assumes (errors add in variance over a lead time).

PO lines whose supplier gives a `lead_time_std_days` arrive early or late by a normal draw of
that spread, in whole days, never before they are ordered.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from planner.calendar import Calendar

Paths = Callable[[int], np.ndarray]
"""period -> demand (series, scenario) of that period; called once per period, in order."""


def gamma_draws(mean: np.ndarray, std: np.ndarray, scenarios: int, rng: np.random.Generator) -> np.ndarray:
    """(rows, scenarios) whole-unit draws of the given mean and std per row; the mean itself where std is 0."""
    mean = np.maximum(np.asarray(mean, dtype=float), 0.0)
    std = np.asarray(std, dtype=float)
    spread = (mean > 0) & (std > 0)
    shape = np.where(spread, (mean / np.where(spread, std, 1.0)) ** 2, 1.0)
    scale = np.where(spread, std**2 / np.where(spread, mean, 1.0), 0.0)
    draws = rng.gamma(shape[:, None], scale[:, None], size=(len(mean), scenarios))
    whole = np.floor(draws + rng.random(draws.shape))  # rounded up with the chance of its fraction: the mean kept
    return np.where(spread[:, None], whole, mean[:, None])


def forecast_grid(forecast: pd.DataFrame, series: pd.DataFrame, calendar: Calendar) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std per series (rows of `series`: sku, region) and plan period, zero where the
    forecast has no row. The std is `sigma` per nominal period times the root of the period's
    length in nominal periods (a month's stub is shorter)."""
    keys = series.assign(row=np.arange(len(series)))
    rows = forecast.merge(keys, on=["sku", "region"])
    rows = rows[(rows["period"] >= 0) & (rows["period"] < calendar.horizon)]
    mean = np.zeros((len(series), calendar.horizon))
    std = np.zeros_like(mean)
    index = (rows["row"].to_numpy(), rows["period"].to_numpy(dtype=int))
    mean[index] = rows["forecast"].to_numpy(dtype=float)
    lengths = calendar.period_days / calendar.nominal_days
    std[index] = rows["sigma"].fillna(0.0).to_numpy(dtype=float) * np.sqrt(lengths[index[1]])
    return mean, std


def forecast_paths(mean: np.ndarray, std: np.ndarray, scenarios: int, rng: np.random.Generator) -> Paths:
    """Gamma demand paths around the forecast, drawn period by period from `rng`."""
    return lambda period: gamma_draws(mean[:, period], std[:, period], scenarios, rng)


def arrival_days(
    order_day: np.ndarray, lead_days: np.ndarray, std_days: np.ndarray, scenarios: int, rng: np.random.Generator
) -> np.ndarray:
    """(lines, scenarios) arrival day of each PO line, counted from the plan's start: its lead
    time plus a whole-day normal draw of its spread, never before its order day."""
    late = np.round(rng.standard_normal((len(order_day), scenarios)) * np.asarray(std_days, dtype=float)[:, None])
    lead = np.maximum(np.asarray(lead_days, dtype=float)[:, None] + late, 0.0)
    return np.asarray(order_day, dtype=float)[:, None] + lead
