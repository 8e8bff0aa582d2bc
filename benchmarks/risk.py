"""The odds of the plan (`planner plan --scenarios N`): what they cost, and whether they are right.

    python benchmarks/risk.py [--parts time,calibration] [--skus 1000] [--fcs 6] [--scenarios 200]
                              [--calibration-skus 200] [--draws 1000] [--seed 1] [--jobs 2]

* time: a generated dataset (`generate_dataset(skus, fcs, seed, history_period="week")`, as
  plan_scale.py) planned twice in one process, without and with `--scenarios`: both end-to-end
  times and their ratio, and the scenarios' own stage against the rest of the same run (the
  figure the machine's noise moves least). Target: the scenarios add under 20%.
* calibration: a dataset whose demand is known. A generated network (stable demand) whose
  history is replaced by weekly negative-binomial draws, each sku x region with its own mean (the
  generated series' mean) and dispersion; planned as usual. The plan's predicted weekly
  stock-out probability per sku x FC (`--draws` scenarios drawn from the forecast) is set
  against the frequency observed when the same plan meets `--draws` paths drawn from the true
  negative binomials, in a reliability table by bins of predicted probability. Target: every
  bin's observed frequency within 5 points of its mean prediction.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from planner.config import load_config
from planner.data.generate import generate_dataset, write_dataset
from planner.data.load import load_dataset
from planner.model.inputs import model_inputs
from planner.pipeline import _error_sigma, run_plan
from planner.plan.risk import plan_risk, risk_inputs
from planner.plan.scenarios import layout

HISTORY_WEEKS = 104
BINS = np.array([0.0, 0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 1.0 + 1e-9])
TARGET_OVERHEAD, TARGET_POINTS = 0.20, 0.05


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def time_part(args, folder: Path) -> None:
    """Plan the same dataset without and with scenarios; print both times and the overheads."""
    write_dataset(generate_dataset(args.skus, args.fcs, args.seed, history_period="week"), folder / "time")
    dataset = load_dataset(folder / "time")
    config = load_config()
    runs = {}
    for scenarios in (0, args.scenarios):
        log(f"time: planning {args.skus} skus with --scenarios {scenarios}")
        started = time.perf_counter()
        run = run_plan(dataset, config, jobs=args.jobs, scenarios=scenarios, seed=0)
        runs[scenarios] = (time.perf_counter() - started, run.kpis["run"]["timings_seconds"])
    (plain, _), (with_risk, stages) = runs[0], runs[args.scenarios]
    risk = stages["risk"]
    share = risk / (with_risk - risk)
    print(f"\n## time: {args.skus} skus x {args.fcs} FCs, seed {args.seed}, --scenarios {args.scenarios}\n")
    print("| run | end to end s | scenarios stage s |\n|---|---|---|")
    print(f"| without | {plain:.1f} | - |\n| with | {with_risk:.1f} | {risk:.2f} |")
    print(
        f"\nend to end with / without: {with_risk / plain:.3f}; scenarios stage over the rest of its run: "
        f"{share:.1%} (target < {TARGET_OVERHEAD:.0%}): {'PASS' if share < TARGET_OVERHEAD else 'FAIL'}"
    )


def known_demand(args) -> tuple[dict, pd.DataFrame]:
    """A generated network whose weekly history is negative binomial per sku x region with a
    known mean and size; returns the tables and the (sku, region, mean, size) truth."""
    tables = generate_dataset(
        args.calibration_skus, 3, args.seed, history_period="week", history_weeks=HISTORY_WEEKS, stable=True
    )
    history = tables["demand_history"]
    weeks = np.sort(history["date"].unique())
    truth = history.groupby(["sku", "region"], as_index=False)["quantity"].sum()
    truth = truth.assign(mean=truth["quantity"] / len(weeks)).drop(columns="quantity")
    rng = np.random.default_rng(args.seed)
    truth["size"] = rng.uniform(2.0, 20.0, len(truth))
    draws = negative_binomial(rng, truth, len(weeks))
    rows = pd.DataFrame(
        {
            "date": np.tile(weeks, len(truth)),
            "sku": np.repeat(truth["sku"].to_numpy(), len(weeks)),
            "region": np.repeat(truth["region"].to_numpy(), len(weeks)),
            "quantity": draws.ravel(),
        }
    )
    return dict(tables, demand_history=rows[rows["quantity"] > 0].reset_index(drop=True)), truth


def negative_binomial(rng, truth: pd.DataFrame, columns: int) -> np.ndarray:
    """(series, columns) weekly units: negative binomial of each series' mean and size."""
    size = truth["size"].to_numpy()[:, None]
    mean = truth["mean"].to_numpy()[:, None]
    return rng.negative_binomial(np.broadcast_to(size, (len(truth), columns)), size / (size + mean)).astype(float)


def calibration_part(args, folder: Path) -> None:
    """Predicted weekly stock-out odds against the frequency on true demand, binned."""
    tables, truth = known_demand(args)
    write_dataset(tables, folder / "known")
    dataset = load_dataset(folder / "known")
    config = load_config()
    log(f"calibration: planning {args.calibration_skus} skus x 3 FCs")
    run = run_plan(dataset, config, jobs=args.jobs)
    inputs = model_inputs(dataset, run.demand, _error_sigma(run.forecast), run.calendar, config, None, run.service)
    scenarios = risk_inputs(inputs, run.plan, dataset.open_orders, run.forecast)
    log(f"calibration: {args.draws} forecast draws and {args.draws} true draws")
    predicted = plan_risk(scenarios, args.draws, seed=args.seed).by_period
    series = layout(scenarios).series.merge(truth, on=["sku", "region"], how="left").fillna({"mean": 0.0, "size": 1.0})
    rng = np.random.default_rng(args.seed + 1)
    observed = plan_risk(scenarios, args.draws, paths=lambda period: negative_binomial(rng, series, args.draws))
    table = reliability(predicted["stockout_probability"], observed.by_period["stockout_probability"])
    print(f"\n## calibration: {args.calibration_skus} skus x 3 FCs, {args.draws} draws each, seed {args.seed}\n")
    print(markdown(table))
    judged = table[table["pair_weeks"] >= 30]
    worst = float(judged["gap_points"].abs().max())
    print(
        f"\nlargest gap in a bin of 30 pair-weeks or more: {worst:.1f} points (target <= {100 * TARGET_POINTS:.0f}): "
        f"{'PASS' if worst <= 100 * TARGET_POINTS else 'FAIL'}; pair-weeks {len(predicted)}, mean predicted "
        f"{predicted['stockout_probability'].mean():.3f}, mean observed {observed.by_period['stockout_probability'].mean():.3f}"
    )


def reliability(predicted: pd.Series, observed: pd.Series) -> pd.DataFrame:
    """Per bin of predicted probability: pair-weeks, mean predicted, observed frequency, the gap."""
    frame = pd.DataFrame({"predicted": predicted.to_numpy(), "observed": observed.to_numpy()})
    frame["bin"] = pd.cut(frame["predicted"], BINS, right=False)
    rows = frame.groupby("bin", observed=True).agg(
        pair_weeks=("predicted", "size"), mean_predicted=("predicted", "mean"), observed=("observed", "mean")
    )
    rows["gap_points"] = 100 * (rows["observed"] - rows["mean_predicted"])
    rows = rows.reset_index().assign(bin=lambda f: f["bin"].astype(str))
    return rows.round({"mean_predicted": 4, "observed": 4, "gap_points": 2})


def markdown(frame: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="time,calibration")
    parser.add_argument("--skus", type=int, default=1000)
    parser.add_argument("--fcs", type=int, default=6)
    parser.add_argument("--scenarios", type=int, default=200)
    parser.add_argument("--calibration-skus", type=int, default=200)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    parts = {"time": time_part, "calibration": calibration_part}
    with tempfile.TemporaryDirectory() as folder:
        for part in args.parts.split(","):
            parts[part](args, Path(folder))


if __name__ == "__main__":
    main()
