"""A tiny two-FC network for replay tests: hand-checkable stock, lead times and capacities."""

from __future__ import annotations

import pandas as pd
from builders import dataset, weekly_history

HISTORY_END = "2026-11-29"


def tiny_dataset(weeks_of_history: int = 30, outbound_per_day: float = 5.0):
    """Two skus, two FCs (one per region), a slow cheap and a fast dear supplier, one lane each way."""
    history = (
        weekly_history("A", "north", weeks_of_history, 10.0, HISTORY_END)
        + weekly_history("A", "south", weeks_of_history, 4.0, HISTORY_END)
        + weekly_history("B", "south", weeks_of_history, 6.0, HISTORY_END)
    )
    return dataset(
        skus=[{"sku": "A", "unit_cost": 10.0, "unit_volume": 0.01}, {"sku": "B", "unit_cost": 5.0}],
        fulfillment_centers=[
            {"fc": "FC1", "region": "north", "outbound_capacity": outbound_per_day, "inbound_capacity": 20.0},
            {"fc": "FC2", "region": "south", "outbound_capacity": outbound_per_day},
        ],
        supplier_items=[
            {
                "supplier": "SLOW",
                "sku": "A",
                "fc": "*",
                "unit_price": 8.0,
                "lead_time_days": 14,
                "moq": 20,
                "lot_size": 10,
            },
            {
                "supplier": "FAST",
                "sku": "A",
                "fc": "*",
                "unit_price": 10.0,
                "lead_time_days": 3,
                "capacity_per_week": 15,
            },
            {"supplier": "SLOW", "sku": "B", "fc": "FC2", "unit_price": 4.0, "lead_time_days": 7},
        ],
        inventory=[
            {"fc": "FC1", "sku": "A", "on_hand": 25.0},
            {"fc": "FC2", "sku": "A", "on_hand": 5.0},
            {"fc": "FC2", "sku": "B", "on_hand": 8.0},
        ],
        inbound=[
            {
                "fc": "FC1",
                "sku": "A",
                "quantity": 30.0,
                "eta": pd.Timestamp("2026-12-10"),
                "supplier": "SLOW",
                "po_id": "PO1",
            }
        ],
        transfer_lanes=[
            {"from_fc": "FC1", "to_fc": "FC2", "lead_time_days": 2, "cost_per_unit": 0.5, "capacity_per_week": 12},
            {"from_fc": "FC2", "to_fc": "FC1", "lead_time_days": 2, "cost_per_unit": 0.5},
        ],
        shipping_lanes=[{"fc": "FC1", "region": "south", "cost_per_unit": 1.5, "extra_days": 1}],
        demand_history=history,
        open_orders=[
            {
                "order_id": "O1",
                "sku": "A",
                "region": "north",
                "quantity": 3.0,
                "order_date": pd.Timestamp("2026-11-27"),
                "due_date": pd.Timestamp("2026-12-01"),
                "priority": 1,
            }
        ],
    )
