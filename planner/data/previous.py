"""Last week's plan as an input to this week's: released POs stay firm, planned ones stay put.

`planner plan --previous OLD_PLAN` reads OLD_PLAN/purchase_orders.csv. A line the old plan
released was placed with the supplier: it becomes a firm receipt, like an open PO, unless it
is already in inbound.csv (same sku, fc, arrival date and quantity, and supplier where given;
one inbound row per line) or arrived before this plan starts (then it is in inventory.csv).
Released in a period this plan covers (a re-run on the same start), it also used up that much
of its supplier line's capacity there (`capacity_left`). The plan folder lists the open POs it
counted on, inbound.csv's and these (`open_purchase_orders`), for `planner diff`. The old
plan's planned lines become `previous_purchases`: what it meant to order on each supplier line
and period, which the model's `purchase_change` family keeps unless changing pays (MODEL.md,
"Plan stability").
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner.calendar import Calendar
from planner.data.plan_folder import read_table

RECEIPT_COLUMNS = ["sku", "fc", "period", "quantity"]
PREVIOUS_COLUMNS = ["supplier", "sku", "fc", "period", "previous"]
OPEN_PO_COLUMNS = ["supplier", "sku", "fc", "po_id", "arrival_date", "quantity", "source"]
MATCH_KEYS = ["supplier", "sku", "fc", "arrival_date", "quantity"]
QUANTITY_DECIMALS = 6  # plan files hold quantities to 6 decimals: equal there is the same line


def read_previous(folder: Path) -> pd.DataFrame:
    """The old plan's PO lines (supplier, sku, fc, order_date, arrival_date, quantity, action)."""
    columns = ["supplier", "sku", "fc", "order_date", "arrival_date", "quantity", "action"]
    return read_table(folder, "purchase_orders.csv", columns)[columns]


def match_lines(lines: pd.DataFrame, open_pos: pd.DataFrame) -> pd.Series:
    """For each of `lines` (PO lines a plan released), whether an open PO is that line.

    An open PO is a released line when sku, fc, arrival date (its eta) and quantity are the same,
    and the supplier too where the open PO names one. Each open PO stands for one line at most:
    two equal lines need two equal open POs.
    """
    if lines.empty or open_pos.empty:
        return pd.Series(False, index=lines.index)
    left = _keyed(lines.assign(supplier=lines["supplier"].fillna("")))
    right = _keyed(open_pos.assign(supplier=open_pos["supplier"].fillna("")))
    named = right[right["supplier"] != ""]
    blank = right[right["supplier"] == ""].drop(columns="supplier")
    found = set(left.reset_index().merge(named, on=MATCH_KEYS + ["nth"])["index"])
    rest = left[~left.index.isin(found)].drop(columns="nth")
    rest = rest.assign(nth=rest.groupby(MATCH_KEYS[1:], sort=False).cumcount())
    found |= set(rest.reset_index().merge(blank, on=MATCH_KEYS[1:] + ["nth"])["index"])
    return pd.Series(lines.index.isin(list(found)), index=lines.index)


def _keyed(frame: pd.DataFrame) -> pd.DataFrame:
    keyed = frame[MATCH_KEYS].assign(quantity=frame["quantity"].astype(float).round(QUANTITY_DECIMALS))
    return keyed.assign(nth=keyed.groupby(MATCH_KEYS, sort=False).cumcount())


def _inbound_as_open_pos(inbound: pd.DataFrame) -> pd.DataFrame:
    return inbound.rename(columns={"eta": "arrival_date"}).assign(source="inbound")[OPEN_PO_COLUMNS]


def released_lines(previous: pd.DataFrame, inbound: pd.DataFrame, calendar: Calendar) -> pd.DataFrame:
    """Lines the old plan released that arrive on or after this plan's start and are not in inbound.csv."""
    released = previous[(previous["action"] == "release") & (previous["arrival_date"] >= calendar.start)]
    return released[~match_lines(released, _inbound_as_open_pos(inbound))]


def released_receipts(previous: pd.DataFrame, inbound: pd.DataFrame, calendar: Calendar) -> pd.DataFrame:
    """Released lines still to arrive and not yet in inbound.csv, as firm receipts by period."""
    new = released_lines(previous, inbound, calendar)
    new = new.assign(period=calendar.period_of(new["arrival_date"]) if len(new) else [])
    new = new[new["period"] < calendar.horizon]
    return new.groupby(["sku", "fc", "period"], as_index=False)["quantity"].sum()[RECEIPT_COLUMNS]


def open_purchase_orders(inbound: pd.DataFrame, previous: pd.DataFrame | None, calendar: Calendar) -> pd.DataFrame:
    """The open POs a plan is made against (open_purchase_orders.csv): inbound.csv's rows
    (source `inbound`) and, with --previous, the old plan's released lines still to arrive
    that inbound.csv does not hold yet (source `previous_plan`). `planner diff` reads them to
    tell a released line that was placed from one that changed.
    """
    open_pos = _inbound_as_open_pos(inbound)
    if previous is not None:
        released = released_lines(previous, inbound, calendar)
        open_pos = pd.concat(
            [open_pos, released.assign(po_id="", source="previous_plan")[OPEN_PO_COLUMNS]], ignore_index=True
        )
    return open_pos.sort_values(["arrival_date", "supplier", "sku", "fc", "po_id"], kind="stable").reset_index(
        drop=True
    )


def capacity_left(options: pd.DataFrame, previous: pd.DataFrame, calendar: Calendar) -> pd.DataFrame:
    """Purchase options with the supplier capacity the old plan's released lines took off.

    A line the old plan released in a period this plan also covers (the same start, a plan
    re-run) was ordered in that period: it used up that much of its supplier line's capacity
    there, so `capacity_per_week` of the line's options in that period is what is left (the
    units spread over the period's weeks, at least 0). A week later, the released lines were
    ordered before this plan starts and leave its capacity whole.
    """
    released = previous[previous["action"] == "release"]
    if released.empty or options["capacity_per_week"].isna().all():
        return options
    released = released.assign(period=calendar.period_of(released["order_date"]))
    released = released[(released["period"] >= 0) & (released["period"] < calendar.horizon)]
    used = released.groupby(["supplier", "sku", "fc", "period"], as_index=False)["quantity"].sum()
    items = options[["item", "supplier", "sku", "fc", "period"]].merge(used, on=["supplier", "sku", "fc", "period"])
    taken = items.groupby(["item", "period"])["quantity"].sum()
    if taken.empty:
        return options
    keys = pd.MultiIndex.from_frame(options[["item", "period"]])
    weeks = calendar.period_days[options["period"].to_numpy()] / 7.0
    per_week = taken.reindex(keys).fillna(0.0).to_numpy() / weeks
    left = (options["capacity_per_week"] - per_week).clip(lower=0.0)
    return options.assign(capacity_per_week=options["capacity_per_week"].where(per_week == 0, left))


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
