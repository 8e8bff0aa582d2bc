"""A tiny network built to cause every exception the report lists, planned once per test module.

One FC (W1) ships at most 30 units a day and has no stock of ALPHA; BETA sells 400 a week
against 210 of weekly capacity left after ALPHA. ALPHA's only supplier needs 14 days, so
ALPHA's customers wait (a stockout), its order due on the first day is late, W1's outbound
capacity runs full, and the ALPHA/BETA POs must be released now. Some names look like HTML
or formulas, to check that they are shown as text.
"""

from __future__ import annotations

from builders import dataset, weekly_history

from planner.config import PlanConfig
from planner.pipeline import PlanRun, run_plan

ALPHA, BETA = "ALPHA<b>", "=BETA"
SUPPLIER = "SUP&CO"


def tiny_run() -> PlanRun:
    history = weekly_history(ALPHA, "north", 20, 60.0) + weekly_history(BETA, "north", 20, 400.0)
    data = dataset(
        skus=[{"sku": ALPHA, "unit_cost": 10.0}, {"sku": BETA, "unit_cost": 4.0}],
        fulfillment_centers=[{"fc": "W1", "region": "north", "outbound_capacity": 30.0}],
        supplier_items=[
            {"supplier": SUPPLIER, "sku": sku, "fc": "W1", "unit_price": price, "lead_time_days": 14}
            for sku, price in ((ALPHA, 8.0), (BETA, 3.0))
        ],
        inventory=[{"fc": "W1", "sku": ALPHA, "on_hand": 0.0}, {"fc": "W1", "sku": BETA, "on_hand": 900.0}],
        demand_history=history,
        open_orders=[
            {
                "order_id": "<O1>",
                "sku": ALPHA,
                "region": "north",
                "quantity": 5.0,
                "order_date": "2026-11-28",
                "due_date": "2026-11-30",
                "priority": 1,
            }
        ],
    )
    return run_plan(data, PlanConfig(horizon=6), jobs=1)
