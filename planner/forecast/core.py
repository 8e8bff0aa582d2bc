"""The forecast stage: demand per sku x region for each plan period, with intervals and sigma.

History is bucketed into the calendar's periods (no row = zero demand). Calendar months differ
in length (and a plan starting mid-month has a short first one), so the series are fitted on
demand per nominal period (a bucket over its length in 30.44-day months; for days and weeks
the lengths are all 1) and each plan period's forecast is scaled back by its own length, its
interval by the square root (the noise of fewer days). Each sku's seasonal
index comes from its total across regions (planner/forecast/season.py); each sku x region
series then gets the method its rolling-origin backtest favours, or a combination of the best
few (planner/forecast/select.py). Series are fitted in chunks by an executor
(planner/forecast/executor.py), and because every series is fitted on its own the result
does not depend on how many processes ran it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from planner.calendar import Calendar
from planner.forecast.executor import LocalExecutor
from planner.forecast.metrics import accuracy_summary
from planner.forecast.options import ForecastOptions
from planner.forecast.season import season_factors, season_length, seasonal_index
from planner.forecast.select import ChunkForecast, SeriesForecast, SeriesInput, forecast_chunk

COLUMNS = [
    "sku",
    "region",
    "period",
    "period_start",
    "forecast",
    "lower",
    "upper",
    "model",
    "sigma",
    "series_class",
    "backtest_origins",
    "backtest_mase",
    "backtest_wape",
    "backtest_bias",
]
METRIC_COLUMNS = [
    "sku",
    "region",
    "model",
    "series_class",
    "backtest_origins",
    "backtest_mase",
    "backtest_wape",
    "backtest_bias",
]
NO_HISTORY = "no_history"
CHUNKS_PER_WORKER = 4


@dataclass(frozen=True)
class DemandBuckets:
    """Demand per sku x region (rows, sorted) and history period (columns, ascending, < 0), and
    each period's length in nominal periods (days of it the history covers / nominal days)."""

    keys: pd.DataFrame
    periods: np.ndarray
    quantity: np.ndarray
    lengths: np.ndarray


def forecast_demand(
    history: pd.DataFrame,
    calendar: Calendar,
    *,
    interval_level: float = 0.9,
    history_periods: int = 104,
    jobs: int | None = None,
    options: ForecastOptions | None = None,
    executor=None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """One row per sku x region x plan period: forecast, interval, model, class, sigma, backtest.

    ``options`` chooses the candidates, origins and combination (horizon and season length
    always follow the calendar); ``executor`` runs the chunks (default: ``jobs`` local
    processes); ``progress(done, total)`` hears about each finished chunk. ``attrs`` carries
    ``models`` and ``series_classes`` (series per each), ``accuracy`` (backtest MASE, WAPE and
    bias over the catalogue), ``warnings`` (captured statsmodels/numpy warnings),
    ``warning_types``, ``fit_errors`` (failed fits per method, each dropped from that series'
    candidates) and ``seasonal_skus``.
    """
    if not 0 < interval_level < 1:
        raise ValueError("interval_level must be in (0, 1)")
    if history_periods < 1 or (jobs is not None and jobs < 1):
        raise ValueError("history_periods and jobs must be at least 1")
    options = replace(
        options or ForecastOptions(), horizon=calendar.horizon, season_length=season_length(calendar.period)
    )
    buckets = history_buckets(history, calendar, history_periods)
    buckets = replace(buckets, quantity=buckets.quantity / buckets.lengths)
    past, future, seasonal = _season_factors(buckets, calendar)
    first = _first_demand(buckets.quantity)
    active = np.flatnonzero(first < buckets.quantity.shape[1])
    series = [SeriesInput(buckets.quantity[i, first[i] :], past[i, first[i] :], future[i]) for i in active]
    fitted = fit_series(series, options, executor or LocalExecutor(jobs), progress)
    frame = _frame(buckets.keys, calendar, fitted, active, interval_level)
    seasonal_skus = buckets.keys.loc[seasonal, "sku"].nunique()
    frame.attrs.update(_summary(frame, fitted, seasonal_skus, calendar.horizon))
    return frame


def history_buckets(history: pd.DataFrame, calendar: Calendar, history_periods: int) -> DemandBuckets:
    """Sum demand into the last ``history_periods`` periods before the plan start; no row = zero.

    A leading period that the history only partly covers (daily rows, history starting
    mid-week) is left out so it does not read as a demand dip, unless it is the only one.
    """
    groups = history.groupby(["sku", "region"], sort=True)
    keys = groups.size().index.to_frame(index=False)[["sku", "region"]]
    dates, inverse = np.unique(pd.to_datetime(history["date"]).to_numpy(), return_inverse=True)
    row_periods = calendar.period_of(dates)[inverse] if len(dates) else np.zeros(0, dtype=int)
    first = _first_full_period(dates, calendar, history_periods)
    width = -first
    inside = (row_periods >= first) & (row_periods < 0)
    cells = groups.ngroup().to_numpy()[inside] * width + (row_periods[inside] - first)
    quantity = np.bincount(
        cells, weights=history["quantity"].to_numpy(dtype=float)[inside], minlength=len(keys) * width
    ).reshape(len(keys), width)
    periods = np.arange(first, 0)
    lengths = calendar.days_between(first, 0) / calendar.nominal_days
    if first == -1 and len(dates) and calendar.boundary(-1) < dates[0] < calendar.start:
        # less than one period of history: its only period counts the days it covers (a partly
        # covered first period is otherwise left out)
        lengths[0] = (calendar.start - pd.Timestamp(dates[0])).days / calendar.nominal_days
    return DemandBuckets(keys, periods, quantity, lengths)


def _lengths(calendar: Calendar, periods: np.ndarray) -> np.ndarray:
    """Each period's length in nominal periods: 1 for days and weeks; for calendar months
    28/30.44 to 31/30.44, less for a plan's first month when it starts mid-month."""
    return calendar.days_between(int(periods[0]), int(periods[-1]) + 1) / calendar.nominal_days


def _first_full_period(dates: np.ndarray, calendar: Calendar, history_periods: int) -> int:
    first = -history_periods
    if len(dates) < 2:
        return first
    row_days = np.diff(dates).astype("timedelta64[D]").astype(float).min()
    earliest = pd.Timestamp(dates[0])
    touched = int(calendar.period_of([earliest])[0])
    if row_days < calendar.nominal_days and calendar.boundary(touched) < earliest:
        return max(first, min(touched + 1, -1))
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


def fit_series(
    series: list[SeriesInput], options: ForecastOptions, executor, progress: Callable[[int, int], None] | None = None
) -> ChunkForecast:
    """Fit every series, in contiguous chunks (a few per worker, so the work spreads evenly)."""
    count = min(len(series), max(executor.workers, 1) * CHUNKS_PER_WORKER) or 1
    bounds = np.linspace(0, len(series), count + 1).astype(int)
    chunks = [series[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    merged = ChunkForecast([])
    for done, part in enumerate(executor.map(forecast_chunk, chunks, options), start=1):
        merged.merge(part)
        if progress is not None:
            progress(done, len(chunks))
    return merged


def _frame(
    keys: pd.DataFrame, calendar: Calendar, fitted: ChunkForecast, active: np.ndarray, interval_level: float
) -> pd.DataFrame:
    """Add the intervals and lay out one row per series and plan period."""
    n, horizon = len(keys), calendar.horizon
    results = [_no_history(horizon)] * n
    for i, result in zip(active, fitted.series):
        results[i] = result
    lengths = _lengths(calendar, np.arange(horizon))
    point = np.array([r.point for r in results]).reshape(n, horizon) * lengths
    std = np.array([r.std for r in results]).reshape(n, horizon) * np.sqrt(lengths)
    z = stats.norm.ppf(0.5 + interval_level / 2)
    per_series = {
        "model": [r.model for r in results],
        "sigma": [r.sigma for r in results],
        "series_class": [r.series_class for r in results],
        "backtest_origins": [r.origins for r in results],
        "backtest_mase": [r.mase for r in results],
        "backtest_wape": [_share(r.abs_error_units, r.actual_units) for r in results],
        "backtest_bias": [_share(r.net_error_units, r.actual_units) for r in results],
    }
    frame = pd.DataFrame(
        {
            "sku": np.repeat(keys["sku"].to_numpy(), horizon),
            "region": np.repeat(keys["region"].to_numpy(), horizon),
            "period": np.tile(np.arange(horizon, dtype=np.int64), n),
            "period_start": np.tile(calendar.period_starts.to_numpy(), n),
            "forecast": np.clip(point, 0, None).ravel(),
            "lower": np.clip(point - z * std, 0, None).ravel(),
            "upper": np.clip(point + z * std, 0, None).ravel(),
            **{name: np.repeat(np.asarray(values), horizon) for name, values in per_series.items()},
        },
        columns=COLUMNS,
    )
    return frame.astype(
        {
            "sku": str,
            "region": str,
            "model": str,
            "series_class": str,
            "sigma": float,
            "backtest_mase": float,
            "backtest_origins": np.int64,
        }
    )


def _no_history(horizon: int) -> SeriesForecast:
    """A series without demand in the history window: zero, with nothing to backtest."""
    return SeriesForecast(NO_HISTORY, NO_HISTORY, np.zeros(horizon), np.zeros(horizon), 0.0)


def _share(part: float, whole: float) -> float:
    return part / whole if whole > 0 else float("nan")


def forecast_metrics(forecast: pd.DataFrame) -> pd.DataFrame:
    """forecast_metrics.csv: one row per series with its model, class and backtest accuracy."""
    rows = forecast.drop_duplicates(["sku", "region"])[METRIC_COLUMNS]
    return rows.rename(columns={"backtest_mase": "mase", "backtest_wape": "wape", "backtest_bias": "bias"})


def _summary(frame: pd.DataFrame, fitted: ChunkForecast, seasonal_skus: int, horizon: int) -> dict:
    series = frame.iloc[::horizon]
    return {
        "models": dict(sorted(Counter(series["model"]).items())),
        "series_classes": dict(sorted(Counter(series["series_class"]).items())),
        "accuracy": accuracy_summary(
            pd.DataFrame(
                {
                    "origins": [r.origins for r in fitted.series],
                    "mase": [r.mase for r in fitted.series],
                    "abs_error_units": [r.abs_error_units for r in fitted.series],
                    "net_error_units": [r.net_error_units for r in fitted.series],
                    "actual_units": [r.actual_units for r in fitted.series],
                }
            )
        ),
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
        period=periods[in_plan].astype(np.int64), due_units=orders.loc[in_plan, "quantity"].astype(float)
    )
    return due.groupby(["sku", "region", "period"], as_index=False)["due_units"].sum()
