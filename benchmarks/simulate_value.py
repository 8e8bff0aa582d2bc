"""Does the planner beat the stock rules planners use today? A 26-week replay, two kinds of demand.

    python benchmarks/simulate_value.py [--skus 30] [--fcs 3] [--weeks 26] [--seed 1]
                                        [--solver cbc|highs] [--time-limit S] [--kinds stable,promo-delay]
                                        [--scenarios N] [--threads N] [--out DIR]

Each kind generates a dataset with `generate_dataset(skus, fcs, seed, history_period="week",
history_weeks=104 + weeks, stable=True)`, so the replayed weeks leave two years of history
before them, writes it and loads it back as `planner simulate` would, and replays the last
`weeks` weeks with `lp`, `minmax` and `order-up-to` on the same orders:

* stable: demand without trend or season (noise and intermittent skus as generated);
* promo-delay: the same demand, plus a promotion (a quarter of the skus, drawn with the seed,
  sell 3x for 3 weeks from replay week 10, unannounced) and a supplier delay (the slow supplier
  with the most skus delivers the POs placed in replay weeks 4-15 three weeks late).

With `--scenarios N` every policy is replayed on N demand paths drawn from the forecast on the
replay's first day (`planner simulate --scenarios`; the promotion lifts every path, the delay
holds on every path), and the verdict is taken at the median and at the P90 path.

Prints per kind the comparison table, the seconds per policy, and the verdict against the
issue's target. On the history's own path: `lp` at least 30% fewer backorder unit-weeks than
`minmax`, at no more than the same total cost (purchase + holding + transfer + shipping). On
demand paths: at least 30% fewer at the median and at the P90 path, at no more net cost at the
median. Net cost (planner/simulate/summary.py) brings every policy back to the position it
started from: total cost, less the change in stock (on hand and in transit, end minus start, at
each sku's lowest purchase price), since a policy that buys ahead ends the replay holding what
it paid for, plus the change in the customer units still owed (open order lines unshipped, at
the same price), since a policy that ships less ends the replay owing what it did not serve.
The net cost this benchmark judged before the owed units counted (total cost less the change
in stock only) is printed beside it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

from planner.config import load_config
from planner.data.files import write_folder
from planner.data.generate import generate_dataset, write_dataset
from planner.data.load import load_dataset
from planner.simulate import simulate
from planner.simulate.replay import replay_start
from planner.simulate.report import simulation_files, summary_text
from planner.simulate.scenario import Promotion, SupplierDelay

HISTORY_WEEKS = 104
PROMOTION = {"share": 0.25, "first_week": 10, "weeks": 3, "factor": 3.0}
DELAY = {"extra_days": 21, "first_week": 4, "last_week": 15}
TARGET_REDUCTION = 0.30


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def dataset_of(kind: str, args, folder: Path):
    """The generated dataset of a kind, loaded back from disk, its supplier delays and promotions."""
    tables = generate_dataset(
        args.skus, args.fcs, args.seed, history_period="week", history_weeks=HISTORY_WEEKS + args.weeks, stable=True
    )
    write_dataset(tables, folder / kind)
    if kind != "promo-delay":
        return load_dataset(folder / kind), (), ()
    return load_dataset(folder / kind), *_disruptions(tables, args)


def _disruptions(tables: dict, args) -> tuple[tuple, tuple]:
    rng = np.random.default_rng(args.seed)
    skus = tables["skus"]["sku"].to_numpy()
    promoted = sorted(rng.choice(skus, max(1, round(PROMOTION["share"] * len(skus))), replace=False))
    promotion = Promotion(tuple(promoted), PROMOTION["first_week"], PROMOTION["weeks"], PROMOTION["factor"])
    slow = tables["supplier_items"][tables["supplier_items"]["lot_size"] > 1]
    supplier = slow.groupby("supplier")["sku"].nunique().sort_index().idxmax()
    log(
        f"promo-delay: promotion of {len(promoted)} skus from replay week {PROMOTION['first_week']}, {supplier} delayed"
    )
    delay = SupplierDelay(supplier, DELAY["extra_days"], DELAY["first_week"], DELAY["last_week"])
    return (delay,), (promotion,)


def spread_verdict(summary, scenarios) -> str:
    """The target at the median and at the P90 path: backorder unit-weeks at each, net cost at the median."""
    rows = summary.set_index("policy")
    if not {"lp", "minmax"} <= set(rows.index):
        return "verdict: needs lp and minmax"
    lp, minmax = rows.loc["lp"], rows.loc["minmax"]
    cuts = {
        q: 1 - lp[f"backorder_unit_weeks_{q}"] / minmax[f"backorder_unit_weeks_{q}"]
        if minmax[f"backorder_unit_weeks_{q}"]
        else 0.0
        for q in ("p50", "p90")
    }
    net = lp["net_cost_p50"] / minmax["net_cost_p50"]
    before = stock_only_net(scenarios).groupby(scenarios["policy"]).median()
    cost = lp["total_cost_p50"] / minmax["total_cost_p50"]
    passed = min(cuts.values()) >= TARGET_REDUCTION and net <= 1.0
    waiting = (scenarios["backorder_unit_weeks"] + scenarios["backlog_unit_weeks"]).groupby(scenarios["policy"])
    medians = " / ".join(f"{policy} {units:,.0f}" for policy, units in waiting.median().items())
    return (
        f"backorder + backlog unit-weeks at the median path: {medians}\n"
        f"verdict: lp has {cuts['p50']:.1%} fewer backorder unit-weeks than minmax at the median path and "
        f"{cuts['p90']:.1%} at the P90 path (target >= 30% at both); median net cost {net:.1%} of minmax's "
        f"(target <= 100%; {before['lp'] / before['minmax']:.1%} with the stock change only), "
        f"median total cost {cost:.1%}: {'PASS' if passed else 'FAIL'}"
    )


def verdict(summary) -> str:
    rows = summary.set_index("policy")
    if not {"lp", "minmax"} <= set(rows.index):
        return "verdict: needs lp and minmax"
    lp, minmax = rows.loc["lp"], rows.loc["minmax"]
    reduction = (
        1 - lp["backorder_unit_weeks"] / minmax["backorder_unit_weeks"] if minmax["backorder_unit_weeks"] else 0.0
    )
    cost = lp["total_cost"] / minmax["total_cost"]
    net = lp["net_cost"] / minmax["net_cost"]
    before = stock_only_net(rows)
    passed = reduction >= TARGET_REDUCTION and cost <= 1.0
    return (
        f"verdict: lp has {reduction:.1%} fewer backorder unit-weeks than minmax (target >= 30%); "
        f"total cost {cost:.1%} of minmax's (target <= 100%), net cost {net:.1%} "
        f"({before['lp'] / before['minmax']:.1%} with the stock change only): {'PASS' if passed else 'FAIL'}"
    )


def stock_only_net(rows):
    """Net cost as measured before the owed units counted: total cost less the change in stock."""
    return rows["net_cost"] - rows["owed_value_change"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=30)
    parser.add_argument("--fcs", type=int, default=3)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--solver", choices=("cbc", "highs"), default="cbc")
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--kinds", default="stable,promo-delay")
    parser.add_argument("--scenarios", type=int, default=0, help="Demand paths per policy (0: the history's own).")
    parser.add_argument("--threads", type=int, default=None, help="Solver threads (default: the model's).")
    parser.add_argument("--out", type=Path, default=None, help="Also write each kind's simulation files here.")
    args = parser.parse_args()
    config = load_config().with_overrides(solver=args.solver, time_limit=args.time_limit, threads=args.threads)
    with tempfile.TemporaryDirectory() as folder:
        for kind in args.kinds.split(","):
            dataset, delays, promotions = dataset_of(kind, args, Path(folder))
            result = simulate(
                dataset,
                config,
                weeks=args.weeks,
                delays=delays,
                promotions=promotions,
                scenarios=args.scenarios,
                progress=lambda policy, week, weeks: log(f"{kind}: {policy} week {week + 1}/{weeks}"),
            )
            seconds = ", ".join(f"{run.name} {run.seconds:.0f} s" for run in result.runs)
            print(
                f"\n## {kind}: {args.skus} skus x {args.fcs} fcs, {args.weeks} weeks from "
                f"{replay_start(dataset, args.weeks).date()}, solver {args.solver}, seed {args.seed}"
                + (f", {args.scenarios} demand paths\n" if args.scenarios else "\n")
            )
            print(summary_text(result.summary))
            judged = spread_verdict(result.summary, result.scenarios) if args.scenarios else verdict(result.summary)
            print(f"\nreplay seconds: {seconds}\n{judged}")
            if args.out:
                write_folder(args.out / kind, simulation_files(result))


if __name__ == "__main__":
    main()
