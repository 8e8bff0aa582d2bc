"""Does the planner beat the stock rules planners use today? A 26-week replay, two kinds of demand.

    python benchmarks/simulate_value.py [--skus 30] [--fcs 3] [--weeks 26] [--seed 1]
                                        [--solver cbc|highs] [--time-limit S] [--kinds stable,promo-delay]
                                        [--out DIR]

Each kind generates a dataset with `generate_dataset(skus, fcs, seed, history_period="week",
history_weeks=104 + weeks, stable=True)`, so the replayed weeks leave two years of history
before them, writes it and loads it back as `planner simulate` would, and replays the last
`weeks` weeks with `lp`, `minmax` and `order-up-to` on the same orders:

* stable: demand without trend or season (noise and intermittent skus as generated);
* promo-delay: the same demand, plus a promotion (a quarter of the skus, drawn with the seed,
  sell 3x for 3 weeks from replay week 10, unannounced) and a supplier delay (the slow supplier
  with the most skus delivers the POs placed in replay weeks 4-15 three weeks late).

Prints per kind the comparison table, the seconds per policy, and the verdict against the
issue's target: `lp` at least 30% fewer backorder unit-weeks than `minmax`, at no more than the
same total cost (purchase + holding + transfer + shipping). The cost is also shown net of the
change in stock (on hand and in transit, end minus start, at each sku's lowest purchase price),
since a policy that buys ahead ends the replay holding what it paid for.
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
from planner.simulate.scenario import SupplierDelay, with_promotion

HISTORY_WEEKS = 104
PROMOTION = {"share": 0.25, "first_week": 10, "weeks": 3, "factor": 3.0}
DELAY = {"extra_days": 21, "first_week": 4, "last_week": 15}
TARGET_REDUCTION = 0.30


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def dataset_of(kind: str, args, folder: Path):
    """The generated dataset of a kind, loaded back from disk, and its supplier delays."""
    tables = generate_dataset(
        args.skus, args.fcs, args.seed, history_period="week", history_weeks=HISTORY_WEEKS + args.weeks, stable=True
    )
    delays = ()
    if kind == "promo-delay":
        tables, delays = _disrupted(tables, args)
    write_dataset(tables, folder / kind)
    return load_dataset(folder / kind), delays


def _disrupted(tables: dict, args) -> tuple[dict, tuple]:
    rng = np.random.default_rng(args.seed)
    skus = tables["skus"]["sku"].to_numpy()
    promoted = sorted(rng.choice(skus, max(1, round(PROMOTION["share"] * len(skus))), replace=False))
    history = tables["demand_history"]
    first_day = history["date"].max() + np.timedelta64(1, "D") - np.timedelta64(7 * args.weeks, "D")
    first_day = first_day + np.timedelta64(7 * PROMOTION["first_week"], "D")
    tables = dict(
        tables, demand_history=with_promotion(history, promoted, first_day, PROMOTION["weeks"], PROMOTION["factor"])
    )
    slow = tables["supplier_items"][tables["supplier_items"]["lot_size"] > 1]
    supplier = slow.groupby("supplier")["sku"].nunique().sort_index().idxmax()
    log(f"promo-delay: promotion of {len(promoted)} skus from {first_day.date()}, {supplier} delayed")
    return tables, (SupplierDelay(supplier, DELAY["extra_days"], DELAY["first_week"], DELAY["last_week"]),)


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
    passed = reduction >= TARGET_REDUCTION and cost <= 1.0
    return (
        f"verdict: lp has {reduction:.1%} fewer backorder unit-weeks than minmax (target >= 30%); "
        f"total cost {cost:.1%} of minmax's (target <= 100%), net of stock change {net:.1%}: "
        f"{'PASS' if passed else 'FAIL'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=30)
    parser.add_argument("--fcs", type=int, default=3)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--solver", choices=("cbc", "highs"), default="cbc")
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--kinds", default="stable,promo-delay")
    parser.add_argument("--out", type=Path, default=None, help="Also write each kind's simulation files here.")
    args = parser.parse_args()
    config = load_config().with_overrides(solver=args.solver, time_limit=args.time_limit)
    with tempfile.TemporaryDirectory() as folder:
        for kind in args.kinds.split(","):
            dataset, delays = dataset_of(kind, args, Path(folder))
            result = simulate(
                dataset,
                config,
                weeks=args.weeks,
                delays=delays,
                progress=lambda policy, week, weeks: log(f"{kind}: {policy} week {week + 1}/{weeks}"),
            )
            seconds = ", ".join(f"{run.name} {run.seconds:.0f} s" for run in result.runs)
            print(
                f"\n## {kind}: {args.skus} skus x {args.fcs} fcs, {args.weeks} weeks from "
                f"{replay_start(dataset, args.weeks).date()}, solver {args.solver}, seed {args.seed}\n"
            )
            print(summary_text(result.summary))
            print(f"\nreplay seconds: {seconds}\n{verdict(result.summary)}")
            if args.out:
                write_folder(args.out / kind, simulation_files(result))


if __name__ == "__main__":
    main()
