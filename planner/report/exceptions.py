"""The plan's exceptions, worst first: what a planner must look at before releasing the plan.

Each function reads the plan's own tables and returns one small frame, sorted so the row that
hurts customers most comes first: SKUs that stock out, order lines that ship late, FCs whose
outbound capacity runs full, and the purchase orders that must be released now.
"""

from __future__ import annotations

import pandas as pd

FULL = 0.995
"""Outbound use at or above this share of capacity counts as full (solver noise aside)."""
EPS = 1e-6


def stockouts(projection: pd.DataFrame) -> pd.DataFrame:
    """Per sku with backorders: first period customers wait, peak units waiting, FCs involved.

    The projection's backorder column is the end-of-period queue of the region each FC serves.
    """
    waiting = projection[projection["backorder"] > EPS]
    columns = ["sku", "first_stockout", "peak_backorder", "backorder_periods", "fcs"]
    if waiting.empty:
        return pd.DataFrame(columns=columns)
    network = waiting.groupby(["sku", "period_start"], as_index=False)["backorder"].sum()
    by_sku = network.groupby("sku").agg(
        first_stockout=("period_start", "min"),
        peak_backorder=("backorder", "max"),
        backorder_periods=("period_start", "nunique"),
    )
    by_sku["fcs"] = waiting.groupby("sku")["fc"].agg(lambda fcs: ", ".join(sorted(set(fcs))))
    ranked = by_sku.reset_index().sort_values(
        ["peak_backorder", "first_stockout", "sku"], ascending=[False, True, True]
    )
    return ranked[columns].reset_index(drop=True)


def late_orders(order_plan: pd.DataFrame) -> pd.DataFrame:
    """Order line parts not on time: backordered first, then most urgent, then most days late."""
    late = order_plan[order_plan["status"] != "on_time"].copy()
    late["days_late"] = (late["promised_date"] - late["due_date"]).dt.days
    late["status_rank"] = late["status"].map({"backorder": 0, "late": 1}).fillna(2)
    late = late.sort_values(
        ["status_rank", "priority", "days_late", "due_date", "order_id", "sku"],
        ascending=[True, True, False, True, True, True],
        na_position="first",
    )
    return late.drop(columns="status_rank").reset_index(drop=True)


def full_fcs(capacity: pd.DataFrame, projection: pd.DataFrame) -> pd.DataFrame:
    """Per FC whose outbound capacity runs full: periods full, first one, peak use, peak backlog."""
    use = capacity.assign(
        utilization=capacity["outbound_units"] / capacity["outbound_capacity"].where(capacity["outbound_capacity"] > 0)
    )
    backlog = projection.groupby(["fc", "period_start"], as_index=False)["backlog"].sum()
    use = use.merge(backlog, on=["fc", "period_start"], how="left").fillna({"backlog": 0.0})
    full = use[(use["utilization"] >= FULL) | (use["backlog"] > EPS)]
    columns = ["fc", "full_periods", "first_full", "peak_utilization", "peak_backlog"]
    if full.empty:
        return pd.DataFrame(columns=columns)
    by_fc = full.groupby("fc", as_index=False).agg(
        full_periods=("period_start", "nunique"),
        first_full=("period_start", "min"),
        peak_utilization=("utilization", "max"),
        peak_backlog=("backlog", "max"),
    )
    return by_fc.sort_values(["peak_backlog", "full_periods", "fc"], ascending=[False, False, True])[
        columns
    ].reset_index(drop=True)


def release_now(purchase_orders: pd.DataFrame) -> pd.DataFrame:
    """PO lines to place today, biggest commitment first."""
    lines = purchase_orders[purchase_orders["action"] == "release"]
    return lines.sort_values(["total_cost", "supplier", "sku", "fc"], ascending=[False, True, True, True]).reset_index(
        drop=True
    )


def skus_at_risk(projection: pd.DataFrame, count: int) -> list[str]:
    """The skus whose customers wait most, then whose stock dips deepest below safety stock."""
    network = projection.groupby(["sku", "period_start"], as_index=False)[
        ["closing", "safety_stock", "backorder"]
    ].sum()
    network["shortfall"] = (network["safety_stock"] - network["closing"]).clip(lower=0.0)
    score = network.groupby("sku")[["backorder", "shortfall"]].sum()
    score = score[(score["backorder"] > EPS) | (score["shortfall"] > EPS)]
    ranked = score.reset_index().sort_values(["backorder", "shortfall", "sku"], ascending=[False, False, True])
    return ranked["sku"].head(count).tolist()
