"""Forecast throughput as the catalogue grows: local processes against a Dask cluster.

    pip install '.[dask]'
    python benchmarks/forecast_scale.py                          # 1,000, 10,000 and 50,000 series
    python benchmarks/forecast_scale.py --series 1000 --runs local1 local2 dask2

For each size, the same synthetic weekly catalogue (two years, as benchmarks/forecast_speed.py
generates it) is forecast with --jobs 1, --jobs 2, and on a local Dask cluster of 2
single-threaded workers, so the overhead of shipping chunks to the cluster shows beside the
process pool. The Dask cluster starts before the clock does (a real cluster is already up);
everything else -- bucketing, backtests, fits, the output frame -- is timed.
"""

from __future__ import annotations

import argparse

from forecast_speed import time_forecast

from planner.forecast.executor import make_executor

RUNS = {"local1": ("local", 1), "local2": ("local", 2), "dask2": ("dask", 2)}


def measure(series: int, run: str) -> dict:
    kind, workers = RUNS[run]
    with make_executor(kind, jobs=workers) as executor:
        result = time_forecast(series, workers, executor=executor)
    return {"run": run, **{k: result[k] for k in ("series", "seconds", "cpu_seconds", "series_per_second")}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--runs", choices=list(RUNS), nargs="+", default=list(RUNS))
    args = parser.parse_args(argv)
    print("| series | run | seconds | CPU seconds (parent + local workers) | series/s |")
    print("|---|---|---|---|---|")
    for series in args.series:
        for run in args.runs:
            r = measure(series, run)
            print(
                f"| {r['series']} | {r['run']} | {r['seconds']} | {r['cpu_seconds']} | {r['series_per_second']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
