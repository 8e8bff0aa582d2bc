"""Plan over plan: how much of the weekly plan changes from one run to the next, with and without --previous.

    python benchmarks/plan_roll.py [--skus 100] [--fcs 4] [--seed 1] [--weeks 6]
                                   [--solver highs|cbc] [--time-limit S] [--out DIR]

Generates a dataset (`generate_dataset(skus, fcs, seed)`, as `planner generate DIR --skus N
--fcs M --seed S` writes it: daily history ending 2026-11-22), plans it, then rolls it a week
at a time for `--weeks` weeks, planning every week twice, in two separate chains: `plain`
(each week planned on its own) and `previous` (each week planned with `--previous` last
week's plan of the same chain). Rolling a week, in each chain:

* demand history: one more week, drawn from the same seeded latent demand (level, trend,
  season, noise) by generating the dataset again with its history run 6 weeks further
  (`generate_dataset(..., history_weeks=104 + weeks, end=2026-11-22 + weeks)`) and taking its
  rows after 2026-11-22: the future the first plan does not see;
* inventory: the plan's own projection at the end of its first week, free stock plus stock
  committed to orders waiting for outbound capacity (closing + backlog, rounded to whole
  units). Stock thus moves as the plan expected (its forecast), not as the drawn demand did:
  the benchmark measures how the plan moves, not how well it forecasts;
* inbound.csv: the rows due in the first week leave (they are in that stock), the plan's
  released PO lines due later come in (eta = arrival_date, their supplier, a po_id), and so do
  the transfers it ships in its first week that are still on the way (no supplier);
* open orders: each line less what the plan's order_plan.csv ships in its first week; no
  new orders (the forecast stands for them).
* everything else (suppliers, lanes, capacities) stays as generated.

For each week and chain it prints, from `planner diff` of last week's plan and this week's
(planner.plan.diff), how many of the planned PO lines changed: added (arriving before the end
of last week's plan: a line arriving in the week that just came into view is new, not a change),
removed, changed (date or quantity), and the share of all lines of either plan not kept
exactly, (added + removed + changed) / (kept + added + removed + changed). Released lines
are not counted: last week's are placed (open POs now), and this week's are decided now.
Then the plan's fill rate and cost, so a quiet plan is not bought with service.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from planner.config import PlanConfig
from planner.data.generate import generate_dataset, write_dataset
from planner.data.load import load_dataset
from planner.data.plan_folder import read_kpis, read_table
from planner.data.previous import read_previous
from planner.pipeline import run_plan
from planner.plan.diff import diff_plans
from planner.report.outputs import plan_files, write_folder

END = date(2026, 11, 22)  # the generator's last history date: the first plan starts the day after
HISTORY_WEEKS = 104
MODES = ("plain", "previous")
NEAR_WEEKS = 4  # the integer horizon (models/default.toml integer_periods): the POs buyers place soon


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=100)
    parser.add_argument("--fcs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--weeks", type=int, default=6)
    parser.add_argument("--solver", choices=("highs", "cbc"), default=None)
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument(
        "--out", type=Path, default=None, help="Keep the datasets and plans here (default: a temp dir)."
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    scratch = args.out or Path(tempfile.mkdtemp(prefix="plan_roll."))
    config = PlanConfig().with_overrides(solver=args.solver, time_limit=args.time_limit)
    started = time.perf_counter()
    tables = generate_dataset(args.skus, args.fcs, args.seed)
    future = future_demand(args)
    first = plan_week(scratch / "week0", tables, config, None)
    log(f"week 0 planned ({time.perf_counter() - started:.0f} s)")
    rows = []
    for mode in MODES:
        current, plan = tables, first
        for week in range(1, args.weeks + 1):
            current = rolled(current, plan, future, week)
            new = plan_week(scratch / f"{mode}{week}", current, config, plan if mode == "previous" else None)
            rows.append({"mode": mode, "week": week, **churn(plan, new), **service(new)})
            log(
                f"{mode} week {week}: {rows[-1]['share']:.1%} of the lines changed ({time.perf_counter() - started:.0f} s)"
            )
            plan = new
    print(report(pd.DataFrame(rows), args, time.perf_counter() - started, scratch))
    return 0


def future_demand(args) -> pd.DataFrame:
    """The demand history of the weeks after END, drawn from the dataset's seeded demand."""
    later = generate_dataset(
        args.skus,
        args.fcs,
        args.seed,
        history_weeks=HISTORY_WEEKS + args.weeks,
        end=END + timedelta(weeks=args.weeks),
    )["demand_history"]
    return later[later["date"] > pd.Timestamp(END)].reset_index(drop=True)


def plan_week(folder: Path, tables: dict, config: PlanConfig, previous: Path | None) -> Path:
    """Write the week's dataset, plan it (with last week's plan folder as --previous), write the plan."""
    write_dataset(tables, folder / "dataset")
    dataset = load_dataset(folder / "dataset")
    run = run_plan(dataset, config, previous=None if previous is None else read_previous(previous))
    write_folder(folder / "plan", plan_files(run))
    return folder / "plan"


def rolled(tables: dict, plan: Path, future: pd.DataFrame, week: int) -> dict:
    """The dataset a week later: see the module's docstring."""
    start = pd.Timestamp(END) + pd.Timedelta(days=7 * (week - 1) + 1)  # the plan's first day
    then = start + pd.Timedelta(days=7)  # the next plan's first day
    history = future[(future["date"] >= start) & (future["date"] < then)]
    return {
        **tables,
        "demand_history": pd.concat([tables["demand_history"], history], ignore_index=True),
        "inventory": stock_after(plan, start),
        "inbound": inbound_after(tables["inbound"], plan, then, week),
        "open_orders": orders_after(tables["open_orders"], plan, then),
    }


def stock_after(plan: Path, start: pd.Timestamp) -> pd.DataFrame:
    projection = read_table(plan, "inventory_projection.csv", ["fc", "sku", "period_start", "closing", "backlog"])
    first = projection[projection["period_start"] == start]
    return pd.DataFrame(
        {"fc": first["fc"], "sku": first["sku"], "on_hand": np.rint(first["closing"] + first["backlog"]).astype(int)}
    ).reset_index(drop=True)


def inbound_after(inbound: pd.DataFrame, plan: Path, then: pd.Timestamp, week: int) -> pd.DataFrame:
    lines = read_previous(plan)
    placed = lines[(lines["action"] == "release") & (lines["arrival_date"] >= then)].reset_index(drop=True)
    transfers = read_table(plan, "transfers.csv", ["to_fc", "sku", "ship_date", "arrival_date", "quantity"])
    moving = transfers[(transfers["ship_date"] < then) & (transfers["arrival_date"] >= then)].reset_index(drop=True)
    rows = [
        inbound[inbound["eta"] >= then],
        pd.DataFrame(
            {
                "fc": placed["fc"],
                "sku": placed["sku"],
                "quantity": placed["quantity"],
                "eta": placed["arrival_date"],
                "supplier": placed["supplier"],
                "po_id": [f"W{week}-{i + 1:05d}" for i in range(len(placed))],
            }
        ),
        pd.DataFrame(
            {
                "fc": moving["to_fc"],
                "sku": moving["sku"],
                "quantity": moving["quantity"],
                "eta": moving["arrival_date"],
                "supplier": "",
                "po_id": [f"W{week}-T{i + 1:05d}" for i in range(len(moving))],
            }
        ),
    ]
    return pd.concat([frame for frame in rows if len(frame)], ignore_index=True)


def orders_after(orders: pd.DataFrame, plan: Path, then: pd.Timestamp) -> pd.DataFrame:
    parts = read_table(plan, "order_plan.csv", ["order_id", "sku", "quantity", "ship_date"])
    shipped = parts[parts["ship_date"] < then].groupby(["order_id", "sku"])["quantity"].sum()
    keys = pd.MultiIndex.from_frame(orders[["order_id", "sku"]])
    left = orders["quantity"].to_numpy(float) - shipped.reindex(keys).fillna(0.0).to_numpy()
    return orders.assign(quantity=np.round(left, 6))[left > 1e-6].reset_index(drop=True)


def churn(old: Path, new: Path) -> dict:
    """Planned PO lines of `old` against `new`, over the weeks both plans cover, and over the
    lines ordered in the new plan's first NEAR_WEEKS weeks (what buyers act on soon)."""
    pos = diff_plans(old, new)["purchase_orders"]
    old_end = pd.Timestamp(read_kpis(old)["plan"]["end"])
    near = pd.Timestamp(read_kpis(new)["plan"]["start"]) + pd.Timedelta(weeks=NEAR_WEEKS)
    lines = read_previous(old)
    planned = lines[lines["action"] == "planned"]
    added = [line for line in pos["added"] if pd.Timestamp(line["arrival_date"]) < old_end]
    old_dates = [c["changes"].get("order_date", {}).get("old", c["order_date"]) for c in pos["changed"]]
    counts = {
        "planned": len(planned),
        "added": len(added),
        "removed": len(pos["removed"]),
        "changed": len(pos["changed"]),
        "near_planned": int((planned["order_date"] < near).sum()),
        "near_added": sum(1 for line in added if pd.Timestamp(line["order_date"]) < near),
        "near_removed": sum(1 for line in pos["removed"] if pd.Timestamp(line["order_date"]) < near),
        "near_changed": sum(1 for day in old_dates if pd.Timestamp(day) < near),
    }
    for prefix in ("", "near_"):
        moved = counts[f"{prefix}added"] + counts[f"{prefix}removed"] + counts[f"{prefix}changed"]
        counts[f"{prefix}kept"] = counts[f"{prefix}planned"] - counts[f"{prefix}removed"] - counts[f"{prefix}changed"]
        counts[f"{prefix}share"] = moved / max(counts[f"{prefix}kept"] + moved, 1)
    return {**counts, "placed": len(pos["placed"]), "unconfirmed": len(pos["unconfirmed"])}


def service(plan: Path) -> dict:
    kpis = read_kpis(plan)
    return {"fill_rate": kpis["service"]["fill_rate"], "cost": kpis["costs"]["total"]}


def report(rows: pd.DataFrame, args, seconds: float, scratch: Path) -> str:
    lines = [
        f"plan_roll: {args.skus} skus, {args.fcs} fcs, seed {args.seed}, {args.weeks} weeks rolled "
        f"({seconds:.0f} s; plans in {scratch})",
        "",
        "| mode | week | planned lines last week | kept | added | removed | changed | share changed "
        f"| share changed, ordered in the next {NEAR_WEEKS} weeks | released lines placed | fill rate | plan cost |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows.to_dict("records"):
        lines.append(
            f"| {row['mode']} | {row['week']} | {row['planned']} | {row['kept']} | {row['added']} | {row['removed']} "
            f"| {row['changed']} | {row['share']:.1%} | {row['near_share']:.1%} | {row['placed']} "
            f"| {row['fill_rate']:.2%} | {row['cost']:,.0f} |"
        )
    lines += [
        "",
        "| mode | share of planned PO lines changed week over week | of those ordered in the next "
        f"{NEAR_WEEKS} weeks | mean fill rate | mean plan cost |",
        "|---|---:|---:|---:|---:|",
    ]
    for mode, group in rows.groupby("mode", sort=False):
        shares = [_pooled_share(group, prefix) for prefix in ("", "near_")]
        lines.append(
            f"| {mode} | {shares[0]:.1%} (weekly {group['share'].min():.1%}-{group['share'].max():.1%}) "
            f"| {shares[1]:.1%} (weekly {group['near_share'].min():.1%}-{group['near_share'].max():.1%}) "
            f"| {group['fill_rate'].mean():.2%} | {group['cost'].mean():,.0f} |"
        )
    return "\n".join(lines)


def _pooled_share(group: pd.DataFrame, prefix: str) -> float:
    moved = sum(group[f"{prefix}{kind}"].sum() for kind in ("added", "removed", "changed"))
    return moved / max(moved + group[f"{prefix}kept"].sum(), 1)


if __name__ == "__main__":
    sys.exit(main())
