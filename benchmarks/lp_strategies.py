"""The planning LP solved whole against lazily separated shared capacities, side by side.

    python benchmarks/lp_strategies.py [--sizes 100,300] [--fcs 6] [--seed 1]

For each size: a generated dataset (weekly history, seed 1), the forecast, demand and model
inputs as `planner plan` makes them, and the LP relaxation built once. Then, on that model:

* whole: every row in HiGHS from the start (the four shared-capacity families included), dual
  simplex, as the planner solved it before lazy rows;
* lazy: `planner.solve.solve` as the planner solves it now: shared-capacity rows added only
  when a solution breaks them, the first LP in blocks of skus, warm re-solves.

Both must reach the same optimum; the table shows the times, their ratio, and how many of the
shared rows the lazy solve needed. Compare ratios, not seconds: the machine is shared.
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
from planner.demand import plan_demand
from planner.forecast import forecast_demand, net_forecast
from planner.generate import generate_dataset, write_dataset
from planner.load import load_dataset
from planner.model.build import build_model
from planner.model.inputs import model_inputs
from planner.pipeline import _error_sigma, plan_calendar
from planner.solve import _stacked_rows, solve


def relaxed_model(skus: int, fcs: int, seed: int):
    folder = Path(tempfile.mkdtemp(prefix="lp-strategies-")) / "dataset"
    write_dataset(generate_dataset(skus, fcs, seed, history_period="week"), folder)
    dataset = load_dataset(folder)
    config = load_config(None).with_overrides(solver="highs", relax=True, time_limit=3600)
    calendar = plan_calendar(dataset, config)
    forecast = forecast_demand(dataset.demand_history, calendar, interval_level=config.interval_level,
                               history_periods=config.history_periods, jobs=1)
    demand = plan_demand(dataset.open_orders, net_forecast(forecast, dataset.open_orders, calendar), calendar,
                         config.forecast_priority)
    inputs = model_inputs(dataset, demand, _error_sigma(forecast), calendar, config)
    model, _ = build_model(inputs)
    return model, config


def solve_whole(model) -> tuple[float, float]:
    """Every row, eager and lazy, in one HiGHS model; dual simplex from scratch."""
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("solver", "simplex")
    n = len(model.variables)
    highs.addCols(n, model.costs, np.zeros(n), np.full(n, highspy.kHighsInf), 0, np.zeros(n, dtype=np.int32),
                  np.zeros(0, dtype=np.int32), np.zeros(0))
    starts, index, value, low, up = _stacked_rows(model.eager + list(model.lazy.values()), highspy.kHighsInf)
    highs.addRows(len(low), low, up, len(index), starts[:-1], index, value)
    started = time.perf_counter()
    highs.run()
    return time.perf_counter() - started, highs.getInfo().objective_function_value


def solve_lazy(model, config) -> tuple[float, float, int]:
    started = time.perf_counter()
    result = solve(model.problem, config, separate=model.add_violated_rows)
    added = sum(int(rows.added.sum()) for rows in model.lazy.values())
    return time.perf_counter() - started, result.objective, added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100")
    parser.add_argument("--fcs", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print("| skus | variables | shared rows | whole s | lazy s | whole/lazy | shared rows added | same optimum |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    for skus in [int(s) for s in args.sizes.split(",")]:
        print(f"building {skus} skus", file=sys.stderr, flush=True)
        model, config = relaxed_model(skus, args.fcs, args.seed)
        shared = sum(len(rows.bound) for rows in model.lazy.values())
        whole_s, whole_obj = solve_whole(model)
        lazy_s, lazy_obj, added = solve_lazy(model, config)
        same = abs(whole_obj - lazy_obj) <= 1e-6 * max(abs(whole_obj), 1.0)
        print(f"| {skus:,} | {len(model.variables):,} | {shared:,} | {whole_s:.1f} | {lazy_s:.1f} | "
              f"{whole_s / lazy_s:.1f} | {added:,} | {'yes' if same else f'no ({whole_obj:.2f} vs {lazy_obj:.2f})'} |",
              flush=True)


if __name__ == "__main__":
    main()
