"""Last week's plan as input: released POs become firm receipts, planned ones previous_purchases."""

from __future__ import annotations

import pandas as pd
from builders import table

from planner.calendar import Calendar
from planner.data.previous import previous_purchases, released_receipts

START = pd.Timestamp("2026-11-30")
CALENDAR = Calendar(START, "week", 4)


def po(supplier, order_date, arrival_date, quantity, action, sku="A", fc="F1"):
    return {
        "supplier": supplier,
        "sku": sku,
        "fc": fc,
        "order_date": pd.Timestamp(order_date),
        "arrival_date": pd.Timestamp(arrival_date),
        "quantity": float(quantity),
        "action": action,
    }


OLD = pd.DataFrame(
    [
        po("S", "2026-11-23", "2026-11-28", 5, "release"),  # arrived before this plan: in inventory now
        po("S", "2026-11-23", "2026-12-08", 7, "release"),  # in transit, not in inbound.csv yet
        po("S", "2026-11-23", "2026-12-15", 9, "release"),  # already entered in inbound.csv
        po("S", "2026-12-07", "2026-12-21", 4, "planned"),
        po("T", "2026-12-14", "2026-12-21", 3, "planned"),
    ]
)


def test_released_lines_still_to_come_and_not_in_inbound_become_firm_receipts():
    inbound = table(
        "inbound",
        [
            {
                "fc": "F1",
                "sku": "A",
                "quantity": 9.0,
                "eta": pd.Timestamp("2026-12-15"),
                "supplier": "S",
                "po_id": "PO-9",
            }
        ],
    )
    receipts = released_receipts(OLD, inbound, CALENDAR)
    assert receipts.to_dict("records") == [{"sku": "A", "fc": "F1", "period": 1, "quantity": 7.0}]


def test_an_inbound_row_of_another_supplier_is_not_taken_for_a_released_line():
    inbound = table(
        "inbound",
        [
            {
                "fc": "F1",
                "sku": "A",
                "quantity": 9.0,
                "eta": pd.Timestamp("2026-12-15"),
                "supplier": "OTHER",
                "po_id": "PO-9",
            }
        ],
    )
    assert released_receipts(OLD, inbound, CALENDAR)["quantity"].tolist() == [7.0, 9.0]


def test_previous_purchases_cover_every_line_and_period_the_old_plan_overlaps_zeros_included():
    options = pd.DataFrame(
        [{"supplier": s, "sku": "A", "fc": "F1", "period": t} for s in ("S", "T") for t in range(4)]
        + [{"supplier": "S", "sku": "B", "fc": "F1", "period": 0}]
    )
    previous = previous_purchases(OLD, options, CALENDAR)
    assert previous.to_dict("records") == [
        {"supplier": s, "sku": "A", "fc": "F1", "period": t, "previous": q}
        for s, t, q in [("S", 0, 0.0), ("S", 1, 4.0), ("S", 2, 0.0), ("T", 0, 0.0), ("T", 1, 0.0), ("T", 2, 3.0)]
    ]
