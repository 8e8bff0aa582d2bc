"""The forecast stage: demand per sku x region for each plan period, with intervals and sigma.

History is bucketed into the calendar's periods; each sku's seasonal index comes from its total
across regions (planner/forecast_season.py); each sku x region series, divided by that index,
gets one cheap method chosen by the rule in planner/forecast_series.py; the forecast is then
multiplied back by the index. Series are fitted in chunks across processes, and because every
series is fitted on its own the result does not depend on ``jobs``.
"""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import repeat

import numpy as np
import pandas as pd
from scipy import stats

from planner.calendar import Calendar
from planner.forecast_season import season_factors, season_length, seasonal_index
from planner.forecast_series import ChunkForecast, forecast_chunk

COLUMNS = ["sku", "region", "period", "period_start", "forecast", "lower", "upper", "model", "sigma"]
NO_HISTORY = "no_history"
CHUNKS_PER_JOB = 4


@dataclass(frozen=True)
class DemandBuckets:
    """Demand per sku x region (rows, sorted) and history period (columns, ascending, < 0)."""

    keys: pd.DataFrame
    periods: np.ndarray
    quantity: np.ndarray


def forecast_demand(history: pd.DataFrame, calendar: Calendar, *, interval_level: float = 0.9,
                    history_periods: int = 104, jobs: int | None = None) -> pd.DataFrame:
    """One row per sku x region x plan period: forecast, interval, model used and one-step sigma.

    Per series the rule of planner/forecast_series.py picks the method: under 10 periods of
    history -> ``fallback_mean``; intermittent -> ``croston_sba``; otherwise ``ses``, replaced by
    ``holt_damped`` when SES lags a trend and the damped model has the lower AICc. Series of a
    sku with a significant season get the suffix ``_seasonal``. ``attrs`` carries ``models`` (series per model), ``warnings`` (captured statsmodels/numpy
    warnings), ``warning_types``, ``fit_errors`` (failed fits per method, each replaced by the
    next method) and ``seasonal_skus``.
    """
    if not 0 < interval_level < 1:
        raise ValueError("interval_level must be in (0, 1)")
    if history_periods < 1 or (jobs is not None and jobs < 1):
        raise ValueError("history_periods and jobs must be at least 1")
    buckets = history_buckets(history, calendar, history_periods)
    past, future, seasonal = _season_factors(buckets, calendar)
    first = _first_demand(buckets.quantity)
    active = np.flatnonzero(first < buckets.quantity.shape[1])
    series = [buckets.quantity[i, first[i]:] / past[i, first[i]:] for i in active]
    fitted = _fit_all(series, calendar.horizon, _job_count(jobs))
    frame = _frame(buckets.keys, calendar, fitted, active, future, seasonal, interval_level)
    seasonal_skus = buckets.keys.loc[seasonal, "sku"].nunique()
    frame.attrs.update(_summary(frame["model"].iloc[::calendar.horizon], fitted, seasonal_skus))
    return frame


def history_buckets(history: pd.DataFrame, calendar: Calendar, history_periods: int) -> DemandBuckets:
    """Sum demand into the last ``history_periods`` periods before the plan start; no row = zero.

    A leading period that the history only partly covers (daily rows, history starting
    mid-week) is left out so it does not read as a demand dip.
    """
    groups = history.groupby(["sku", "region"], sort=True)
    keys = groups.size().index.to_frame(index=False)[["sku", "region"]]
    dates, inverse = np.unique(pd.to_datetime(history["date"]).to_numpy(), return_inverse=True)
    row_periods = calendar.period_of(dates)[inverse] if len(dates) else np.zeros(0, dtype=int)
    first = _first_full_period(dates, calendar, history_periods)
    width = -first
    inside = (row_periods >= first) & (row_periods < 0)
    cells = groups.ngroup().to_numpy()[inside] * width + (row_periods[inside] - first)
    quantity = np.bincount(cells, weights=history["quantity"].to_numpy(dtype=float)[inside],
                           minlength=len(keys) * width).reshape(len(keys), width)
    return DemandBuckets(keys, np.arange(first, 0), quantity)


def _first_full_period(dates: np.ndarray, calendar: Calendar, history_periods: int) -> int:
    first = -history_periods
    if len(dates) < 2:
        return first
    row_days = np.diff(dates).astype("timedelta64[D]").astype(float).min()
    earliest = pd.Timestamp(dates[0])
    touched = int(calendar.period_of([earliest])[0])
    if row_days < calendar.nominal_days and calendar.boundary(touched) < earliest:
        return max(first, min(touched + 1, 0))
    return first


def _season_factors(buckets: DemandBuckets, calendar: Calendar) -> tuple[np.ndarray, ...]:
    """Each series' seasonal factors for the history and the plan periods, and whether it has any."""
    length = season_length(calendar.period)
    skus, sku_of_series = np.unique(buckets.keys["sku"].to_numpy(dtype=object), return_inverse=True)
    totals = np.zeros((len(skus), len(buckets.periods)))
    np.add.at(totals, sku_of_series, buckets.quantity)
    plan_periods = np.arange(calendar.horizon)
    past = np.ones((len(skus), len(buckets.periods)))
    future = np.ones((len(skus), calendar.horizon))
    seasonal = np.zeros(len(skus), dtype=bool)
    for k, first in enumerate(_first_demand(totals)):
        index = seasonal_index(totals[k, first:], buckets.periods[first:], length)
        seasonal[k] = index is not None
        past[k], future[k] = season_factors(index, buckets.periods), season_factors(index, plan_periods)
    return past[sku_of_series], future[sku_of_series], seasonal[sku_of_series]


def _first_demand(quantity: np.ndarray) -> np.ndarray:
    """Column of each row's first positive demand (the row length when there is none)."""
    has_demand = quantity > 0
    return np.where(has_demand.any(axis=1), has_demand.argmax(axis=1), quantity.shape[1])


def _job_count(jobs: int | None) -> int:
    if jobs is not None:
        return jobs
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _fit_all(series: list[np.ndarray], horizon: int, jobs: int) -> ChunkForecast:
    """Fit every series, in-process for one job, else in contiguous chunks over a process pool."""
    if jobs == 1 or len(series) < 2:
        return forecast_chunk(series, horizon)
    bounds = np.linspace(0, len(series), min(len(series), jobs * CHUNKS_PER_JOB) + 1).astype(int)
    chunks = [series[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        parts = list(pool.map(forecast_chunk, chunks, repeat(horizon)))
    merged = ChunkForecast([])
    for part in parts:
        merged.series.extend(part.series)
        merged.warnings.update(part.warnings)
        merged.errors.update(part.errors)
    return merged


def _frame(keys: pd.DataFrame, calendar: Calendar, fitted: ChunkForecast, active: np.ndarray,
           future: np.ndarray, seasonal: np.ndarray, interval_level: float) -> pd.DataFrame:
    """Reseasonalize, add the intervals and lay out one row per series and plan period."""
    n, horizon = len(keys), calendar.horizon
    point, std, sigma = np.zeros((n, horizon)), np.zeros((n, horizon)), np.zeros(n)
    models = np.full(n, NO_HISTORY, dtype=object)
    for i, result in zip(active, fitted.series):
        point[i], std[i], sigma[i] = result.point, result.std, result.sigma
        models[i] = result.model + ("_seasonal" if seasonal[i] else "")
    point, std = point * future, std * future
    z = stats.norm.ppf(0.5 + interval_level / 2)
    return pd.DataFrame({
        "sku": np.repeat(keys["sku"].to_numpy(), horizon),
        "region": np.repeat(keys["region"].to_numpy(), horizon),
        "period": np.tile(np.arange(horizon, dtype=np.int64), n),
        "period_start": np.tile(calendar.period_starts.to_numpy(), n),
        "forecast": np.clip(point, 0, None).ravel(),
        "lower": np.clip(point - z * std, 0, None).ravel(),
        "upper": np.clip(point + z * std, 0, None).ravel(),
        "model": np.repeat(models, horizon).astype(str),
        "sigma": (sigma[:, None] * future).ravel(),
    }, columns=COLUMNS).astype({"sku": str, "region": str})


def _summary(series_models: pd.Series, fitted: ChunkForecast, seasonal_skus: int) -> dict:
    return {
        "models": dict(sorted(Counter(series_models).items())),
        "warnings": int(sum(fitted.warnings.values())),
        "warning_types": dict(sorted(fitted.warnings.items())),
        "fit_errors": dict(sorted(fitted.errors.items())),
        "seasonal_skus": int(seasonal_skus),
    }


def net_forecast(forecast: pd.DataFrame, open_orders: pd.DataFrame, calendar: Calendar) -> pd.DataFrame:
    """Forecast left after open orders consume it: max(0, forecast - units due in the period).

    Orders due in plan period t are that period's known demand, so the forecast only adds
    what exceeds them. Overdue orders are old demand and consume nothing; orders due after
    the horizon are ignored here.
    """
    keys = ["sku", "region", "period"]
    due = _units_due(open_orders, calendar)
    merged = forecast[keys + ["forecast"]].merge(due, on=keys, how="left", validate="one_to_one")
    consumed = merged["due_units"].fillna(0.0)
    merged["net_forecast"] = (merged["forecast"] - consumed).clip(lower=0.0)
    return merged[keys + ["net_forecast"]]


def _units_due(open_orders: pd.DataFrame, calendar: Calendar) -> pd.DataFrame:
    orders = open_orders.dropna(subset=["due_date"])
    periods = calendar.period_of(orders["due_date"]) if len(orders) else np.zeros(0, dtype=int)
    in_plan = (periods >= 0) & (periods < calendar.horizon)
    due = orders.loc[in_plan, ["sku", "region"]].assign(
        period=periods[in_plan].astype(np.int64),
        due_units=orders.loc[in_plan, "quantity"].astype(float))
    return due.groupby(["sku", "region", "period"], as_index=False)["due_units"].sum()
