"""Last week's plan as input: released POs become firm receipts, planned ones previous_purchases."""

from __future__ import annotations

import pandas as pd
from builders import table

from planner.calendar import Calendar
from planner.data.previous import capacity_left, open_purchase_orders, previous_purchases, released_receipts

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


def inbound_row(quantity, eta, supplier="S", po_id="PO-9"):
    return {
        "fc": "F1",
        "sku": "A",
        "quantity": float(quantity),
        "eta": pd.Timestamp(eta),
        "supplier": supplier,
        "po_id": po_id,
    }


def test_an_inbound_row_without_a_supplier_is_taken_for_the_released_line_it_matches():
    inbound = table("inbound", [inbound_row(9, "2026-12-15", supplier="")])
    assert released_receipts(OLD, inbound, CALENDAR)["quantity"].tolist() == [7.0]


def test_one_inbound_row_stands_for_one_released_line_only():
    twice = pd.concat([OLD, OLD.iloc[[2]]], ignore_index=True)  # two equal lines of 9 units, one open PO
    inbound = table("inbound", [inbound_row(9, "2026-12-15")])
    assert released_receipts(twice, inbound, CALENDAR)["quantity"].tolist() == [7.0, 9.0]


def test_the_open_pos_a_plan_counts_on_are_inbound_and_the_released_lines_not_in_it():
    inbound = table("inbound", [inbound_row(9, "2026-12-15"), inbound_row(3, "2026-11-25", po_id="PO-1")])
    open_pos = open_purchase_orders(inbound, OLD, CALENDAR)
    assert open_pos.assign(arrival_date=open_pos["arrival_date"].dt.strftime("%m-%d")).to_dict("records") == [
        {
            "supplier": "S",
            "sku": "A",
            "fc": "F1",
            "po_id": "PO-1",
            "arrival_date": "11-25",
            "quantity": 3.0,
            "source": "inbound",
        },
        {
            "supplier": "S",
            "sku": "A",
            "fc": "F1",
            "po_id": "",
            "arrival_date": "12-08",
            "quantity": 7.0,
            "source": "previous_plan",
        },
        {
            "supplier": "S",
            "sku": "A",
            "fc": "F1",
            "po_id": "PO-9",
            "arrival_date": "12-15",
            "quantity": 9.0,
            "source": "inbound",
        },
    ]
    assert open_purchase_orders(inbound, None, CALENDAR)["source"].tolist() == ["inbound", "inbound"]


def options_of(capacity):
    return pd.DataFrame(
        [
            {"item": 0, "supplier": "S", "sku": "A", "fc": f, "period": t, "capacity_per_week": capacity}
            for f in ("F1", "F2")
            for t in range(4)
        ]
    )


def test_lines_released_in_this_plans_periods_use_up_their_supplier_capacity_there():
    # a re-run on the same start: the old plan released 6 units in period 0 (on a line shared by F1 and F2)
    released = pd.DataFrame([po("S", "2026-11-30", "2026-12-07", 6, "release")])
    left = capacity_left(options_of(10.0), released, CALENDAR)
    assert left.pivot_table(index="fc", columns="period", values="capacity_per_week").values.tolist() == [
        [4.0, 10.0, 10.0, 10.0],
        [4.0, 10.0, 10.0, 10.0],
    ]
    # a week later, the same lines were ordered before the plan starts: capacity untouched
    assert capacity_left(options_of(10.0), OLD, CALENDAR)["capacity_per_week"].eq(10.0).all()
    # more released than the capacity leaves nothing, and no capacity stays no capacity
    big = pd.DataFrame([po("S", "2026-11-30", "2026-12-07", 16, "release")])
    assert capacity_left(options_of(10.0), big, CALENDAR)["capacity_per_week"].tolist()[:2] == [0.0, 10.0]
    assert capacity_left(options_of(float("nan")), released, CALENDAR)["capacity_per_week"].isna().all()
