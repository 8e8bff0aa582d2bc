"""The plan's key figures: service, waiting, cost, capacity use, solver outcome, sizes.

kpis.json carries these under a versioned schema (KPI_SCHEMA_VERSION); pipelines read them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.plan.extract import Plan
from planner.plan.risk import QUANTILES, Risk, top_pairs

KPI_SCHEMA_VERSION = 1


def on_time_units(flows: pd.DataFrame, queue: list[str], inflow: str, outflow: str) -> pd.Series:
    """Units of each period's inflow that leave the queue in that same period (first in, first out).

    In period t the outflow first clears older units, so the share of new units served at once
    is clip(cumulative outflow(t) - cumulative inflow(t-1), 0, inflow(t)).
    """
    flows = flows.sort_values(queue + ["period"])
    grouped = flows.groupby(queue, sort=False)
    cum_in_before = grouped[inflow].cumsum() - flows[inflow]
    served = grouped[outflow].cumsum() - cum_in_before
    return served.clip(lower=0.0).clip(upper=flows[inflow]).reindex(flows.index)


def _queue_flows(demand: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    keys = ["sku", "region", "priority", "period"]
    allocated = plan.allocations.groupby(keys, as_index=False)["quantity"].sum()
    on_hand = plan.on_hand_waits.groupby(keys, as_index=False)["quantity"].sum()
    flows = demand.merge(allocated.rename(columns={"quantity": "allocated"}), on=keys, how="outer")
    flows = flows.merge(on_hand.rename(columns={"quantity": "waiting_on_hand"}), on=keys, how="outer")
    return flows.fillna({"quantity": 0.0, "allocated": 0.0, "waiting_on_hand": 0.0})


def covered_demand(demand: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Demand per sku, region, priority and period, with the units stock covers in that period.

    A unit is covered when stock is committed to it in its period, or when it waits at the
    period's end with its stock free at an FC serving it (plan.on_hand_waits: backlog, not a
    backorder; `on_hand` counts those). The queue is first in, first out: the stock on hand
    counts for the oldest waiting units first, and for this period's only past them.
    """
    queue = ["sku", "region", "priority"]
    flows = _queue_flows(demand, plan).sort_values(queue + ["period"])
    allocated = on_time_units(flows, queue, "quantity", "allocated")
    grouped = flows.groupby(queue, sort=False)
    waiting = (grouped["quantity"].cumsum() - grouped["allocated"].cumsum()).clip(lower=0.0)
    new = flows["quantity"] - allocated
    older = (waiting - new).clip(lower=0.0)
    flows["on_hand"] = (flows["waiting_on_hand"] - older).clip(lower=0.0).clip(upper=new)
    flows["covered"] = allocated + flows["on_hand"]
    return flows


def service_kpis(
    demand: pd.DataFrame, plan: Plan, period_weeks: np.ndarray, service: pd.DataFrame | None = None
) -> dict:
    """Fill rate (demand covered by stock in its own period), and waiting by priority; with
    segmented service levels (`service` from planner.model.service), fill rate by segment.

    backorder_units are units not covered in their period (no stock for them at an FC serving
    them); backlog_units are units committed and not shipped in that period, plus units waiting
    in their period with their stock free at an FC serving them (covered_demand's `on_hand`).
    """
    flows = covered_demand(demand, plan)
    ship_flows = plan.allocations.groupby(["sku", "fc", "priority", "period"], as_index=False)["quantity"].sum()
    ship_flows = ship_flows.merge(
        plan.shipments.rename(columns={"quantity": "shipped"}), on=["sku", "fc", "priority", "period"], how="outer"
    ).fillna(0.0)
    ship_flows["prompt"] = on_time_units(ship_flows, ["sku", "fc", "priority"], "quantity", "shipped")
    backlog = ship_flows.assign(late=ship_flows["quantity"] - ship_flows["prompt"])
    by_priority = {}
    for priority in sorted(set(flows["priority"]) | set(backlog["priority"])):
        d = flows[flows["priority"] == priority]
        b = backlog[backlog["priority"] == priority]
        by_priority[str(int(priority))] = {
            "demand_units": _round(d["quantity"].sum()),
            "backorder_units": _round((d["quantity"] - d["covered"]).sum()),
            "backlog_units": _round(b["late"].sum() + d["on_hand"].sum()),
            "backorder_unit_weeks": _unit_weeks(plan.backorders, priority, period_weeks),
        }
    result = {
        "fill_rate": _fill_rate(flows),
        "demand_units": _round(flows["quantity"].sum()),
        "backorder_units": _round((flows["quantity"] - flows["covered"]).sum()),
        "backlog_units": _round(backlog["late"].sum() + flows["on_hand"].sum()),
        "backorder_unit_weeks": _unit_weeks(plan.backorders, None, period_weeks),
        "backorder_units_at_end": _round(_at_end(plan.backorders, len(period_weeks))),
        "by_priority": by_priority,
    }
    if service is not None and service["segment"].ne("").any():
        result["by_segment"] = segment_kpis(flows, service)
    return result


def segment_kpis(flows: pd.DataFrame, service: pd.DataFrame) -> dict:
    """Per ABC x XYZ segment: its skus, their service levels, demand and fill rate."""
    rows = sku_fill(flows, service)
    result = {}
    for segment, group in rows.groupby("segment", sort=True):
        result[segment] = {
            "skus": len(group),
            "service_level_min": _round(group["service_level"].min(), 4),
            "service_level_max": _round(group["service_level"].max(), 4),
            "demand_units": _round(group["quantity"].sum()),
            "fill_rate": _fill_rate(group),
        }
    return result


def sku_fill(flows: pd.DataFrame, service: pd.DataFrame) -> pd.DataFrame:
    """`service`'s rows with each sku's demand units (`quantity`) and units covered on time."""
    per_sku = flows.groupby("sku")[["quantity", "covered"]].sum()
    rows = service.merge(per_sku, left_on="sku", right_index=True, how="left")
    return rows.fillna({"quantity": 0.0, "covered": 0.0})


def _fill_rate(rows: pd.DataFrame) -> float:
    total = rows["quantity"].sum()
    return _round(rows["covered"].sum() / total if total > 0 else 1.0, 4)


def _unit_weeks(queue: pd.DataFrame, priority, period_weeks: np.ndarray) -> float:
    rows = queue if priority is None else queue[queue["priority"] == priority]
    return _round((rows["quantity"] * period_weeks[rows["period"].to_numpy()]).sum())


def _at_end(queue: pd.DataFrame, horizon: int) -> float:
    return queue.loc[queue["period"] == horizon - 1, "quantity"].sum()


def order_kpis(order_plan: pd.DataFrame) -> dict:
    """Open order lines and units by status and priority, as promised in order_plan.csv."""
    result = {
        "lines": int(order_plan["order_id"].astype(str).str.cat(order_plan["sku"], sep="|").nunique())
        if len(order_plan)
        else 0
    }
    worst = order_plan.assign(rank=order_plan["status"].map({"on_time": 0, "late": 1, "backorder": 2}))
    line_status = worst.groupby(["order_id", "sku", "priority"], as_index=False)["rank"].max()
    names = {0: "on_time", 1: "late", 2: "backorder"}
    result["lines_by_status"] = {names[r]: int((line_status["rank"] == r).sum()) for r in names}
    result["units_by_status"] = {
        s: _round(order_plan.loc[order_plan["status"] == s, "quantity"].sum()) for s in names.values()
    }
    result["on_time_rate"] = _round(result["lines_by_status"]["on_time"] / max(result["lines"], 1), 4)
    result["by_priority"] = {
        str(int(p)): {names[r]: int((g["rank"] == r).sum()) for r in names} for p, g in line_status.groupby("priority")
    }
    return result


def capacity_kpis(capacity: pd.DataFrame) -> dict:
    """Outbound and inbound use per FC: mean and peak share of capacity over the plan's periods."""
    result = {}
    for fc, rows in capacity.groupby("fc"):
        result[fc] = {}
        for kind in ("outbound", "inbound"):
            cap = rows[f"{kind}_capacity"]
            use = rows[f"{kind}_units"] / cap.where(cap > 0)
            result[fc][f"{kind}_units"] = _round(rows[f"{kind}_units"].sum())
            result[fc][f"{kind}_utilization_mean"] = None if use.isna().all() else _round(use.mean(), 4)
            result[fc][f"{kind}_utilization_peak"] = None if use.isna().all() else _round(use.max(), 4)
    return result


def _round(value, digits: int = 3) -> float:
    value = round(float(value), digits)
    return 0.0 if value == 0 else value


def risk_kpis(risk: Risk, top: int = 10) -> dict:
    """The `risk` block: the scenarios, the network's spread of service and the pairs most
    likely to stock out (planner.plan.risk)."""
    pairs = risk.by_pair
    return {
        "scenarios": risk.scenarios,
        "seed": risk.seed,
        **{measure: _quantiles(risk.network[measure]) for measure in ("fill_rate", "backorder_units", "backlog_units")},
        "pairs": len(pairs),
        "pairs_at_risk": int((pairs["stockout_probability"] >= 0.5).sum()),
        "top_pairs": [
            {
                "sku": row.sku,
                "fc": row.fc,
                "stockout_probability": _round(row.stockout_probability, 4),
                "peak_period_start": pd.Timestamp(row.peak_period_start).date().isoformat(),
                "peak_probability": _round(row.peak_probability, 4),
                "backorder_units_p50": _round(row.backorder_units_p50),
            }
            for row in top_pairs(risk, top).itertuples(index=False)
        ],
    }


def _quantiles(values: list[float]) -> dict:
    return {f"p{q}": _round(value, 4) for q, value in zip(QUANTILES, values)}
