"""Series per second of the forecast stage, backtest selection included, on synthetic weekly demand.

    python benchmarks/forecast_speed.py                      # 1,000 series, two years, all cores
    python benchmarks/forecast_speed.py --series 1000 --jobs 1 2
    python benchmarks/forecast_speed.py --series 1200 --holdout   # accuracy on 13 held-out weeks

The synthetic skus mix what a catalogue holds: steady sellers, trends, yearly seasons,
slow movers with intermittent demand and new items with a few weeks of history, all with
Poisson noise around a drifting level, spread over regions.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from planner.calendar import Calendar
from planner.forecast.core import forecast_demand, history_buckets
from planner.forecast.executor import cpu_count
from planner.forecast.metrics import mase

REGIONS = 6
PLAN_START = pd.Timestamp("2026-01-05")


def synthetic_history(series: int, weeks: int = 104, seed: int = 0) -> pd.DataFrame:
    """Weekly demand rows (zero weeks left out) for ``series`` sku x region pairs."""
    rng = np.random.default_rng(seed)
    skus = max(series // REGIONS, 1)
    t = np.arange(weeks)
    rates = np.concatenate([_region_rates(_sku_rate(rng, t), rng) for _ in range(skus)])[:series]
    quantity = rng.poisson(rates).astype(float)
    rows, cols = np.nonzero(quantity)
    dates = PLAN_START - pd.Timedelta(weeks=weeks) + pd.to_timedelta(7 * cols, unit="D")
    return pd.DataFrame(
        {
            "date": dates,
            "sku": [f"SKU{r // REGIONS:05d}" for r in rows],
            "region": [f"R{r % REGIONS}" for r in rows],
            "quantity": quantity[rows, cols],
        }
    )


def _sku_rate(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """Expected weekly demand of one sku across all regions."""
    level = rng.lognormal(np.log(30), 1.2)
    drift = np.exp(np.cumsum(rng.normal(0, 0.03, len(t))))
    rate = level * drift
    if rng.random() < 0.25:
        rate = rate * np.exp(rng.uniform(-0.005, 0.012) * t)
    if rng.random() < 0.35:
        phase = rng.uniform(0, 2 * np.pi)
        rate = rate * (1 + rng.uniform(0.3, 0.8) * np.sin(2 * np.pi * t / 52 + phase))
    if rng.random() < 0.05:
        rate[: len(t) - rng.integers(2, 10)] = 0.0
    return rate


def _region_rates(rate: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.outer(rng.dirichlet(np.full(REGIONS, 2.0)), rate)


def time_forecast(series: int, jobs: int, weeks: int = 104, executor=None) -> dict:
    """Wall and CPU time of one forecast_demand call (bucketing, backtests, fits, frame)."""
    history = synthetic_history(series, weeks)
    calendar = Calendar(PLAN_START)
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    frame = forecast_demand(history, calendar, history_periods=weeks, jobs=jobs, executor=executor)
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_started
    return {
        "series": series,
        "jobs": jobs,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "series_per_second": round(series / seconds, 1),
        "classes": frame.attrs["series_classes"],
        "accuracy": frame.attrs["accuracy"],
        "warnings": frame.attrs["warnings"],
        "fit_errors": frame.attrs["fit_errors"],
    }


def _cpu_seconds() -> float:
    """CPU time of this process and its finished workers: the work done, whatever else runs."""
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def holdout_accuracy(series: int, weeks: int = 104, jobs: int | None = None) -> dict:
    """Forecast the last 13 weeks from the weeks before; weighted MAPE, MASE and interval coverage."""
    history = synthetic_history(series, weeks + 13)
    calendar = Calendar(PLAN_START - pd.Timedelta(weeks=13))
    frame = forecast_demand(history, calendar, history_periods=weeks, jobs=jobs)
    actual = (
        history[history["date"] >= calendar.start]
        .assign(period=lambda d: calendar.period_of(d["date"]))
        .groupby(["sku", "region", "period"])["quantity"]
        .sum()
    )
    merged = frame.join(actual.rename("actual"), on=["sku", "region", "period"]).fillna({"actual": 0.0})
    error = (merged["forecast"] - merged["actual"]).abs()
    inside = (merged["actual"] >= merged["lower"]) & (merged["actual"] <= merged["upper"])
    by_model = merged.assign(error=error).groupby("model")[["error", "actual"]].sum()
    scaled = _holdout_mase(history, calendar, weeks, merged)
    return {
        "wmape": round(error.sum() / merged["actual"].sum(), 4),
        "mase_mean": round(float(np.nanmean(scaled)), 4),
        "mase_median": round(float(np.nanmedian(scaled)), 4),
        "coverage": round(inside.mean(), 3),
        "wmape_by_model": (by_model["error"] / by_model["actual"]).round(3).to_dict(),
    }


def _holdout_mase(history: pd.DataFrame, calendar: Calendar, weeks: int, merged: pd.DataFrame) -> np.ndarray:
    """Per series, the holdout MASE: scaled by the one-week change over the forecast's history
    window, from the series' first demand on (NaN where that never changes)."""
    buckets = history_buckets(history, calendar, weeks)
    rows = merged.sort_values(["sku", "region", "period"])
    actual = rows["actual"].to_numpy().reshape(len(buckets.keys), calendar.horizon)
    forecast = rows["forecast"].to_numpy().reshape(len(buckets.keys), calendar.horizon)
    return np.array([mase(a, f, q[np.argmax(q > 0) :]) for a, f, q in zip(actual, forecast, buckets.quantity)])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, nargs="+", default=[1000])
    parser.add_argument("--jobs", type=int, nargs="+", default=[cpu_count()])
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--holdout", action="store_true", help="measure accuracy instead of speed")
    args = parser.parse_args(argv)
    for series in args.series:
        if args.holdout:
            print(holdout_accuracy(series, args.weeks))
            continue
        for jobs in args.jobs:
            print(time_forecast(series, jobs, args.weeks), flush=True)


if __name__ == "__main__":
    main()
