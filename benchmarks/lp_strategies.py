"""The planning LP solved whole, with lazily separated shared capacities, and by prices, side by side.

    python benchmarks/lp_strategies.py [--sizes 100,1000] [--fcs 6] [--seed 1] [--no-whole]

For each size: a generated dataset (weekly history, seed 1), the forecast, demand and model
inputs as `planner plan` makes them, and the LP relaxation built afresh for each strategy:

* whole: every row in HiGHS from the start (the four shared-capacity families included), dual
  simplex, as the planner solved it before lazy rows (`--no-whole` skips it: hours at 1,000);
* lazy: `planner.solve.solver.solve` on the model loaded whole into HiGHS, shared-capacity rows added
  when a solution breaks them, warm dual simplex re-solves (how small models are solved);
* prices: `planner.solve.solver.solve` as it solves a large model (planner/solve/prices.py): one LP per
  sku each round, a master over the shared rows; it stops within a tenth of the 1% MIP gap,
  so its plan costs up to 0.1% more than the optimum, and its bound is at most that below.

The table shows the times, their ratios, how many shared rows each needed, and how far the
priced plan's cost and bound lie from the lazy optimum. Compare ratios, not seconds: the
machine is shared.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import highspy
import numpy as np

from planner.config import load_config
from planner.data.generate import generate_dataset, write_dataset
from planner.data.load import load_dataset
from planner.forecast.core import forecast_demand, net_forecast
from planner.model.build import build_model
from planner.model.inputs import model_inputs
from planner.pipeline import _error_sigma, plan_calendar
from planner.plan.demand import plan_demand
from planner.solve.highs import HighsSession, stacked_rows
from planner.solve.solver import solve


def relaxed_inputs(skus: int, fcs: int, seed: int):
    folder = Path(tempfile.mkdtemp(prefix="lp-strategies-")) / "dataset"
    write_dataset(generate_dataset(skus, fcs, seed, history_period="week"), folder)
    dataset = load_dataset(folder)
    config = load_config(None).with_overrides(solver="highs", relax=True, time_limit=3600)
    calendar = plan_calendar(dataset, config)
    forecast = forecast_demand(
        dataset.demand_history,
        calendar,
        interval_level=config.interval_level,
        history_periods=config.history_periods,
        jobs=1,
    )
    demand = plan_demand(
        dataset.open_orders, net_forecast(forecast, dataset.open_orders, calendar), calendar, config.forecast_priority
    )
    return model_inputs(dataset, demand, _error_sigma(forecast), calendar, config), config


def solve_whole(model) -> tuple[float, float]:
    """Every row, eager and lazy, in one HiGHS model; dual simplex from scratch."""
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("solver", "simplex")
    n = model.column_count()
    highs.addCols(
        n,
        model.costs,
        np.zeros(n),
        np.full(n, highspy.kHighsInf),
        0,
        np.zeros(n, dtype=np.int32),
        np.zeros(0, dtype=np.int32),
        np.zeros(0),
    )
    starts, index, value, low, up = stacked_rows(model.eager + list(model.lazy.values()), highspy.kHighsInf)
    highs.addRows(len(low), low, up, len(index), starts[:-1], index, value)
    started = time.perf_counter()
    highs.run()
    return time.perf_counter() - started, highs.getInfo().objective_function_value


def solve_lazy(model, config) -> tuple[float, float, int]:
    """The model loaded whole, shared rows separated: no model is priced."""
    saved = HighsSession.PRICED_COLUMNS
    HighsSession.PRICED_COLUMNS = model.column_count()
    try:
        started = time.perf_counter()
        result = solve(model.problem, config, separate=model.add_violated_rows)
    finally:
        HighsSession.PRICED_COLUMNS = saved
    added = sum(int(rows.added.sum()) for rows in model.lazy.values())
    return time.perf_counter() - started, result.objective, added


def solve_priced(model, config) -> tuple[float, float, float, int]:
    """(seconds, plan cost, bound, shared rows in the master)."""
    started = time.perf_counter()
    result = solve(model.problem, config, separate=model.add_violated_rows)
    priced = model.problem.highs_session.last_priced
    return time.perf_counter() - started, result.objective, result.bound, len(priced.used_rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100")
    parser.add_argument("--fcs", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-whole", action="store_true")
    args = parser.parse_args()
    print(
        "| skus | variables | shared rows | whole s | lazy s | prices s | whole/lazy | lazy/prices "
        "| rows added (lazy / prices) | priced plan above the lazy optimum | priced bound below it |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    for skus in [int(s) for s in args.sizes.split(",")]:
        print(f"building {skus} skus", file=sys.stderr, flush=True)
        inputs, config = relaxed_inputs(skus, args.fcs, args.seed)
        model = build_model(inputs)[0]
        shared = sum(len(rows.bound) for rows in model.lazy.values())
        whole_s, whole_obj = (None, None) if args.no_whole else solve_whole(model)
        lazy_s, lazy_obj, added = solve_lazy(build_model(inputs)[0], config)
        priced_s, priced_obj, bound, used = solve_priced(build_model(inputs)[0], config)
        if whole_obj is not None and abs(whole_obj - lazy_obj) > 1e-6 * max(abs(whole_obj), 1.0):
            print(f"whole and lazy differ: {whole_obj:.2f} vs {lazy_obj:.2f}", file=sys.stderr)
        whole = "-" if whole_s is None else f"{whole_s:.1f}"
        ratio = "-" if whole_s is None else f"{whole_s / lazy_s:.1f}"
        print(
            f"| {skus:,} | {model.column_count():,} | {shared:,} | {whole} | {lazy_s:.1f} | {priced_s:.1f} | "
            f"{ratio} | {lazy_s / priced_s:.1f} | {added:,} / {used:,} | {(priced_obj - lazy_obj) / lazy_obj:.4%} "
            f"| {(lazy_obj - bound) / lazy_obj:.4%} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
