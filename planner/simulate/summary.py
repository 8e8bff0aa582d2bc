"""The comparison table: one row per policy, from its weekly series and its order lines.

Service counts what was due inside the replay: order lines due from its first day to its end
(lines already overdue on the first day could not be helped by any policy).

Money counts what the replay spent (`total_cost`: purchases, holding, transfers, shipping) and
brings every policy back to the position it started from, so that policies ending the replay
in different states compare:

- `stock_value_change`: stock on hand and in transit at the end minus at the start, at the
  lowest purchase price of each sku (what it would cost to buy again), so buying ahead shows
  as stock, not waste;
- `owed_value_end`: the customer units still owed at the end (every open order line's unshipped
  units, due by the end or later) at the same price, since they must still be bought to be
  served; `owed_value_change` is that minus the same figure on the first day (the dataset's
  open orders, the same for every policy);
- `net_cost` = total_cost - stock_value_change + owed_value_change.

Since stock and owed units are valued at the same price, what a policy bought and still holds
and what it still owes cancel out: `net_cost` is what it paid above each sku's lowest price,
plus holding, transfers and shipping, plus the replay's new demand at the lowest price (the
same for every policy on the same demand).

An earlier net cost left the owed units out, which credited a policy for the stock it kept by
not serving its customers (benchmarks/README.md shows both). The shipping of owed units is not
charged (nor credited).
"""

from __future__ import annotations

import pandas as pd

from planner.simulate.ledger import WEEK
from planner.simulate.replay import PolicyRun

COST_COLUMNS = ["purchase_cost", "holding_cost", "transfer_cost", "shipping_cost"]
SPREAD_MEASURES = (
    "fill_rate",
    "backorder_unit_weeks",
    "backlog_unit_weeks",
    "avg_inventory_value",
    "total_cost",
    "stock_value_change",
    "owed_value_end",
    "owed_value_change",
    "net_cost",
)
QUANTILES = (10, 50, 90)


def policy_summary(run: PolicyRun) -> dict:
    """Service, waiting, stock and money of one policy over the replay."""
    weekly = run.weekly
    due = due_lines(run)
    costs = {column: float(weekly[column].sum()) for column in COST_COLUMNS}
    change = run.ledger.replacement_value() - run.opening_value
    owed = run.ledger.owed_value()
    return {
        "policy": run.name,
        "weeks": len(weekly),
        "weeks_without_plan": int((~weekly["planned"].astype(bool)).sum()),
        "fill_rate": _ratio(due["on_time_units"].sum(), due["quantity"].sum()),
        **{
            f"on_time_p{p}": _ratio(group["on_time"].sum(), len(group))
            for p, group in due.groupby("priority", sort=True)
        },
        "backorder_unit_weeks": float(weekly["backorder_units"].sum()),
        "backlog_unit_weeks": float(weekly["backlog_units"].sum()),
        "avg_inventory_value": float(weekly["inventory_value"].mean()),
        **costs,
        "total_cost": sum(costs.values()),
        "stock_value_change": change,
        "owed_value_end": owed,
        "owed_value_change": owed - run.opening_owed,
        "net_cost": sum(costs.values()) - change + owed - run.opening_owed,
        "purchase_orders": int(weekly["purchase_orders"].sum()),
    }


def due_lines(run: PolicyRun) -> pd.DataFrame:
    """Order lines due inside the replay: units shipped by their due date, and whether all were."""
    end = run.start + len(run.weekly) * WEEK
    lines = pd.DataFrame(
        [(o.order_id, o.sku, o.priority, o.quantity, o.due_date) for o in run.ledger.orders],
        columns=["order_id", "sku", "priority", "quantity", "due_date"],
    )
    shipped = pd.DataFrame(
        [(s.order_id, s.sku, run.start + s.week * WEEK, s.quantity) for s in run.ledger.shipments],
        columns=["order_id", "sku", "week_start", "quantity"],
    )
    lines = lines[(lines["due_date"] >= run.start) & (lines["due_date"] < end)]
    in_time = shipped.merge(lines[["order_id", "sku", "due_date"]], on=["order_id", "sku"])
    in_time = in_time[in_time["week_start"] <= in_time["due_date"]]
    units = in_time.groupby(["order_id", "sku"])["quantity"].sum().rename("on_time_units")
    lines = lines.merge(units, on=["order_id", "sku"], how="left").fillna({"on_time_units": 0.0})
    return lines.assign(on_time=lines["on_time_units"] >= lines["quantity"] - 1e-6)


def summary_table(runs: list[PolicyRun]) -> pd.DataFrame:
    """One row per policy, in the order they ran; a priority no line had reads as blank."""
    return pd.DataFrame([policy_summary(run) for run in runs])


def scenario_table(per_path: list[list[PolicyRun]]) -> pd.DataFrame:
    """simulation_scenarios.csv: one summary row per demand path and policy."""
    return pd.concat(
        [summary_table(runs).assign(scenario=k) for k, runs in enumerate(per_path)], ignore_index=True
    ).pipe(lambda f: f[["scenario", *[c for c in f.columns if c != "scenario"]]])


def spread_table(scenarios: pd.DataFrame) -> pd.DataFrame:
    """One row per policy (in the order they ran): paths, weeks, and the P10, P50 and P90 over
    the paths of each measure (P10 of the fill rate is its bad tail, P90 of the others theirs)."""
    rows = []
    for policy, group in scenarios.groupby("policy", sort=False):
        row = {"policy": policy, "scenarios": len(group), "weeks": int(group["weeks"].iloc[0])}
        for measure in SPREAD_MEASURES:
            values = group[measure].quantile([q / 100 for q in QUANTILES]).to_numpy(dtype=float)
            row |= {f"{measure}_p{q}": float(v) for q, v in zip(QUANTILES, values)}
        rows.append(row)
    return pd.DataFrame(rows)


def weekly_table(runs: list[PolicyRun]) -> pd.DataFrame:
    """simulation.csv: every policy's weekly series, one after the other."""
    return pd.concat([run.weekly.assign(policy=run.name) for run in runs], ignore_index=True)[
        ["policy"] + list(runs[0].weekly.columns)
    ]


def _ratio(part: float, whole: float) -> float:
    return float(part) / float(whole) if whole > 0 else 1.0
