"""Last week's plan as an input to this week's: released POs stay firm, planned ones stay put.

`planner plan --previous OLD_PLAN` reads OLD_PLAN/purchase_orders.csv. A line the old plan
released was placed with the supplier: it becomes a firm receipt, like an open PO, unless it
is already in inbound.csv (same sku, fc, arrival date and quantity, and supplier where given)
or arrived before this plan starts (then it is in inventory.csv). Its planned lines become
`previous_purchases`: what the old plan meant to order on each supplier line and period, which
the model's `purchase_change` family keeps unless changing pays (MODEL.md, "Plan stability").
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner.calendar import Calendar
from planner.data.plan_folder import read_table

RECEIPT_COLUMNS = ["sku", "fc", "period", "quantity"]
PREVIOUS_COLUMNS = ["supplier", "sku", "fc", "period", "previous"]


def read_previous(folder: Path) -> pd.DataFrame:
    """The old plan's PO lines (supplier, sku, fc, order_date, arrival_date, quantity, action)."""
    columns = ["supplier", "sku", "fc", "order_date", "arrival_date", "quantity", "action"]
    return read_table(folder, "purchase_orders.csv", columns)[columns]


def released_receipts(previous: pd.DataFrame, inbound: pd.DataFrame, calendar: Calendar) -> pd.DataFrame:
    """Released lines still to arrive and not yet in inbound.csv, as firm receipts by period."""
    released = previous[(previous["action"] == "release") & (previous["arrival_date"] >= calendar.start)]
    known = inbound.rename(columns={"eta": "arrival_date"})[["sku", "fc", "arrival_date", "quantity", "supplier"]]
    matched = released.reset_index().merge(
        known, on=["sku", "fc", "arrival_date", "quantity"], suffixes=("", "_inbound")
    )
    same_supplier = matched["supplier_inbound"].isna() | (matched["supplier_inbound"] == matched["supplier"])
    new = released.drop(index=matched.loc[same_supplier, "index"].unique())
    new = new.assign(period=calendar.period_of(new["arrival_date"]) if len(new) else [])
    new = new[new["period"] < calendar.horizon]
    return new.groupby(["sku", "fc", "period"], as_index=False)["quantity"].sum()[RECEIPT_COLUMNS]


def previous_purchases(previous: pd.DataFrame, options: pd.DataFrame, calendar: Calendar) -> pd.DataFrame:
    """What the old plan meant to order per supplier line and order period (0 where nothing).

    Only where the two plans overlap, and only for the sku x fc positions the old plan bought
    for: there a new PO line, a changed quantity or a moved week is a change to a plan people
    already act on.
    """
    planned = previous[previous["action"] == "planned"]
    if planned.empty:
        return pd.DataFrame(columns=PREVIOUS_COLUMNS)
    planned = planned.assign(period=calendar.period_of(planned["order_date"]))
    last = planned["period"].max()
    quantities = planned.groupby(["supplier", "sku", "fc", "period"], as_index=False)["quantity"].sum()
    bought = previous[["sku", "fc"]].drop_duplicates()
    scope = options[["supplier", "sku", "fc", "period"]].merge(bought, on=["sku", "fc"])
    scope = scope[scope["period"] <= last].drop_duplicates()
    table = scope.merge(quantities, on=["supplier", "sku", "fc", "period"], how="left").fillna({"quantity": 0.0})
    return (
        table.rename(columns={"quantity": "previous"})[PREVIOUS_COLUMNS]
        .sort_values(PREVIOUS_COLUMNS[:4])
        .reset_index(drop=True)
    )
