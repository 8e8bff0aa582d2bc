"""Read the solved model back into the plan's tables (only ever called on a solution).

What the plan calls a backorder is not quite the model's `backorder`: a customer waiting at the
end of a period while an FC serving their region holds the stock free (`on_hand`, kept for a
later transfer, for more urgent demand, or at an FC whose outbound capacity is full) waits with
the stock on hand: backlog, not a backorder (`on_hand_waits`). Every table below, and the KPIs,
order plan and explanations read from them, use that classification.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.model.frame import FrameModel
from planner.model.inputs import ModelInputs

EPS = 1e-6
PROJECTION_COLUMNS = [
    "fc",
    "sku",
    "period_start",
    "opening",
    "receipts",
    "transfers_in",
    "transfers_out",
    "allocated",
    "shipped",
    "closing",
    "safety_stock",
    "backorder",
    "backlog",
    "backlog_uncommitted",
]


@dataclass(frozen=True)
class Plan:
    purchase_orders: pd.DataFrame  # supplier, sku, fc, order_date, arrival_date, quantity, ...
    transfers: pd.DataFrame  # from_fc, to_fc, sku, ship_date, arrival_date, quantity
    inventory_projection: pd.DataFrame
    allocations: pd.DataFrame  # sku, fc, region, priority, period, quantity
    shipments: pd.DataFrame  # sku, fc, priority, period, quantity
    backorders: pd.DataFrame  # sku, region, priority, period, quantity: waiting for stock (end of period)
    on_hand_waits: pd.DataFrame  # sku, fc, region, priority, period, quantity: waiting, the stock free at fc
    capacity: pd.DataFrame  # fc, period, period_start, outbound/inbound use and capacity
    costs: dict


def _solution(model: FrameModel, family: str, scale=1.0) -> pd.DataFrame:
    """The family's index with its solution `value` (x scale), rows with value ~0 dropped."""
    index = model.families[family]
    values = model.values(family) * np.asarray(scale, dtype=float)
    values = np.where(np.abs(values) < EPS, 0.0, values)
    return index.assign(value=values)


def extract_plan(model: FrameModel, inputs: ModelInputs) -> Plan:
    """All plan tables from one solution."""
    starts = pd.Series(inputs.calendar.period_starts, name="period_start")
    bought = _solution(model, "purchase", model.families["purchase"]["units_per_var"])
    moved = _solution(model, "transfer")
    allocated = _solution(model, "allocate")
    shipped = _solution(model, "ship")
    backlog = _solution(model, "backlog")
    free = _solution(model, "on_hand")
    queued = _solution(model, "backorder")
    held = on_hand_waits(free, queued, inputs.service_arcs)
    waiting = _for_stock(queued, held)
    return Plan(
        purchase_orders=purchase_orders(bought),
        transfers=transfers(moved),
        inventory_projection=inventory_projection(
            free, inputs, bought, moved, allocated, shipped, waiting, backlog, held, starts
        ),
        allocations=_positive(allocated, ["sku", "fc", "region", "priority", "period"]),
        shipments=_positive(shipped, ["sku", "fc", "priority", "period"]),
        backorders=_positive(waiting, ["sku", "region", "priority", "period"]),
        on_hand_waits=held,
        capacity=capacity_use(inputs, bought, moved, shipped, starts),
        costs=cost_breakdown(inputs, bought, moved, allocated, model),
    )


def on_hand_waits(free: pd.DataFrame, waiting: pd.DataFrame, arcs: pd.DataFrame) -> pd.DataFrame:
    """Units waiting at the end of a period whose stock sits free at an FC serving them.

    `free` is on_hand[k,f,t], `waiting` backorder[k,r,p,t] (solutions with `value`), `arcs`
    the service arcs. Each region's arcs are taken nearest first (its own FC: no extra days,
    no cost), and at each FC its waiting customers most urgent first: an FC's free stock counts
    for as many of them as it covers. Afterwards no FC has free stock left uncounted while a
    customer of a region it serves waits with none counted for them.
    Returns sku, fc, region, priority, period, quantity (rows above EPS).
    """
    keys, queue = ["sku", "fc", "period"], ["sku", "region", "priority", "period"]
    stock = free.loc[free["value"] > EPS, keys + ["value"]]
    left = waiting.loc[waiting["value"] > EPS, queue + ["value"]]
    ranked = arcs.sort_values(["region", "extra_days", "cost_per_unit", "fc"], kind="stable")
    ranked = ranked.assign(rank=ranked.groupby("region").cumcount())[["fc", "region", "rank"]]
    found = []
    for rank in range(int(ranked["rank"].max()) + 1 if len(ranked) else 0):
        pairs = left.merge(ranked[ranked["rank"] == rank], on="region").merge(stock, on=keys, suffixes=("", "_free"))
        pairs = pairs.sort_values(keys + ["priority", "region"], kind="stable")
        before = pairs.groupby(keys, sort=False)["value"].cumsum() - pairs["value"]
        pairs = pairs.assign(quantity=(pairs["value_free"] - before).clip(lower=0.0).clip(upper=pairs["value"]))
        pairs = pairs[pairs["quantity"] > EPS]
        found.append(pairs[keys[:2] + ["region", "priority", "period", "quantity"]])
        stock = _less(stock, pairs, keys)
        left = _less(left, pairs, queue)
    columns = ["sku", "fc", "region", "priority", "period", "quantity"]
    held = pd.concat([pd.DataFrame(columns=columns), *found], ignore_index=True)
    held = held.astype({"priority": "int64", "period": "int64", "quantity": float})
    return held.sort_values(["sku", "region", "priority", "period", "fc"]).reset_index(drop=True)


def _less(frame: pd.DataFrame, taken: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """frame's `value` less what `taken` took (its `quantity` summed by keys); rows left above EPS."""
    used = taken.groupby(keys, as_index=False)["quantity"].sum()
    frame = frame.merge(used, on=keys, how="left").fillna({"quantity": 0.0})
    frame = frame.assign(value=frame["value"] - frame["quantity"]).drop(columns="quantity")
    return frame[frame["value"] > EPS]


def _for_stock(waiting: pd.DataFrame, held: pd.DataFrame) -> pd.DataFrame:
    """backorder[k,r,p,t] less its units waiting with their stock on hand: those waiting for stock."""
    keys = ["sku", "region", "priority", "period"]
    on_hand = held.groupby(keys, as_index=False)["quantity"].sum()
    rest = waiting.merge(on_hand, on=keys, how="left").fillna({"quantity": 0.0})
    value = (rest["value"] - rest["quantity"]).to_numpy()
    return rest.drop(columns="quantity").assign(value=np.where(value < EPS, 0.0, value))


def _positive(solution: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    rows = solution[solution["value"] > EPS]
    return rows[keys].assign(quantity=rows["value"].to_numpy()).reset_index(drop=True)


def purchase_orders(bought: pd.DataFrame) -> pd.DataFrame:
    """One PO line per supplier line and order period; period 0 lines are released now."""
    lines = bought[np.round(bought["value"].to_numpy(), 3) > 0]  # no line of 0 units written
    quantity = np.round(lines["value"].to_numpy(), 3)
    frame = pd.DataFrame(
        {
            "supplier": lines["supplier"].to_numpy(),
            "sku": lines["sku"].to_numpy(),
            "fc": lines["fc"].to_numpy(),
            "order_date": lines["order_date"].to_numpy(),
            "arrival_date": lines["arrival_date"].to_numpy(),
            "quantity": quantity,
            "unit_price": lines["unit_price"].to_numpy(dtype=float),
            "total_cost": np.round(quantity * lines["unit_price"].to_numpy(dtype=float), 2),
            "action": np.where(lines["period"].to_numpy() == 0, "release", "planned"),
            "lead_time_days": lines["lead_time_days"].to_numpy(),
            "lot_sized": _meets_terms(quantity, lines),
        }
    )
    return frame.sort_values(["order_date", "supplier", "sku", "fc"]).reset_index(drop=True)


def _meets_terms(quantity: np.ndarray, lines: pd.DataFrame) -> np.ndarray:
    """Whole lots (whole units for a lot of 1), at least the MOQ: what a supplier accepts."""
    lot = np.maximum(lines["lot_size"].to_numpy(dtype=float), 1.0)
    lots = quantity / lot
    return (np.abs(lots - np.round(lots)) <= 1e-6) & (quantity >= lines["moq"].to_numpy(dtype=float) - 1e-6)


def transfers(moved: pd.DataFrame) -> pd.DataFrame:
    lines = moved[moved["value"] > EPS]
    frame = pd.DataFrame(
        {
            "from_fc": lines["from_fc"].to_numpy(),
            "to_fc": lines["to_fc"].to_numpy(),
            "sku": lines["sku"].to_numpy(),
            "ship_date": lines["ship_date"].to_numpy(),
            "arrival_date": lines["arrival_date"].to_numpy(),
            "quantity": np.round(lines["value"].to_numpy(), 3),
        }
    )
    return frame.sort_values(["ship_date", "from_fc", "to_fc", "sku"]).reset_index(drop=True)


def _by(frame: pd.DataFrame, keys: dict[str, str], name: str) -> pd.DataFrame:
    """Sum a solution's values by renamed keys into one column."""
    renamed = frame[list(keys) + ["value"]].rename(columns=keys)
    return renamed.groupby(list(keys.values()), as_index=False)["value"].sum().rename(columns={"value": name})


def inventory_projection(free, inputs, bought, moved, allocated, shipped, waiting, backlog, held, starts):
    """Per fc x sku x period: opening + receipts + transfers_in - transfers_out - allocated = closing.

    Flows are rounded to 3 decimals first and the stock is chained from today's on hand, so
    every printed row adds up exactly. `backorder` is the FC's region waiting for stock;
    `backlog` is the customers waiting with their stock in this FC: committed and waiting for
    outbound capacity, plus (`backlog_uncommitted`) those of the regions it serves waiting on
    stock it holds free (part of `closing`; see on_hand_waits).
    """
    keys = ["sku", "fc", "period"]
    grid = free[keys]
    firm = inputs.receipts.rename(columns={"quantity": "value"})
    flows = [
        _by(
            pd.concat(
                [
                    bought[["sku", "fc", "arrival_period", "value"]].rename(columns={"arrival_period": "period"}),
                    firm[keys + ["value"]],
                ]
            ),
            {k: k for k in keys},
            "receipts",
        ),
        _by(moved, {"sku": "sku", "to_fc": "fc", "arrival_period": "period"}, "transfers_in"),
        _by(moved, {"sku": "sku", "from_fc": "fc", "period": "period"}, "transfers_out"),
        _by(allocated, {k: k for k in keys}, "allocated"),
        _by(shipped, {k: k for k in keys}, "shipped"),
        _by(backlog, {k: k for k in keys}, "backlog"),
        _by(held.rename(columns={"quantity": "value"}), {k: k for k in keys}, "backlog_uncommitted"),
        _by(waiting.merge(inputs.fcs[["fc", "region"]], on="region"), {k: k for k in keys}, "backorder"),
    ]
    table = grid
    for flow in flows:
        table = table.merge(flow, on=keys, how="left")
    table = table.merge(
        inputs.safety_stock.rename(columns={"target": "safety_stock"}), on=["sku", "fc"], how="left"
    ).fillna(0.0)
    quantities = [column for column in PROJECTION_COLUMNS[4:] if column != "closing"]
    table[quantities] = table[quantities].round(3) + 0.0
    table["backlog"] = (table["backlog"] + table["backlog_uncommitted"]).round(3)
    table = _uncommitted_within_closing(_chain_stock(table.sort_values(keys), inputs.stock))
    table["period_start"] = starts.to_numpy()[table["period"].to_numpy()]
    return table.sort_values(["fc", "sku", "period_start"])[PROJECTION_COLUMNS].reset_index(drop=True)


def _uncommitted_within_closing(table: pd.DataFrame) -> pd.DataFrame:
    """`backlog_uncommitted` no larger than the row's `closing` (it is part of it): the chained
    closing can fall a rounding's thousandths under the model's free stock the backlog was
    counted on; the backlog loses the same."""
    over = (table["backlog_uncommitted"] - table["closing"].clip(lower=0.0)).clip(lower=0.0)
    return table.assign(
        backlog_uncommitted=(table["backlog_uncommitted"] - over).round(3) + 0.0,
        backlog=(table["backlog"] - over).round(3) + 0.0,
    )


def _chain_stock(table: pd.DataFrame, stock: pd.DataFrame) -> pd.DataFrame:
    """opening[0] = on hand now; closing = opening + net flow; opening[t] = closing[t-1]."""
    start = table[["sku", "fc"]].merge(stock, on=["sku", "fc"], how="left")["on_hand"].fillna(0.0).to_numpy()
    net = table["receipts"] + table["transfers_in"] - table["transfers_out"] - table["allocated"]
    first_opening = np.where(table["period"].to_numpy() == 0, np.round(start, 3), 0.0)
    closing = (pd.Series(first_opening, index=table.index) + net).groupby([table["sku"], table["fc"]]).cumsum()
    closing = closing.round(3).clip(lower=0.0) + 0.0
    opening = closing.groupby([table["sku"], table["fc"]]).shift(1)
    return table.assign(closing=closing, opening=opening.fillna(pd.Series(np.round(start, 3), index=table.index)))


def capacity_use(inputs, bought, moved, shipped, starts) -> pd.DataFrame:
    """Outbound and inbound units per FC and period, beside their capacities."""
    grid = inputs.fcs[["fc"]].merge(pd.DataFrame({"period": range(inputs.horizon)}), how="cross")
    out = _by(shipped, {"fc": "fc", "period": "period"}, "outbound_units")
    arrivals = pd.concat(
        [
            bought[["fc", "arrival_period", "value"]],
            moved.rename(columns={"to_fc": "fc"})[["fc", "arrival_period", "value"]],
            inputs.receipts.rename(columns={"period": "arrival_period", "quantity": "value"}),
        ]
    )
    inbound = _by(arrivals, {"fc": "fc", "arrival_period": "period"}, "inbound_units")
    table = grid.merge(out, how="left").merge(inbound, how="left").fillna(0.0)
    days = inputs.period_days[table["period"].to_numpy()]
    fcs = inputs.fcs.set_index("fc")
    table["outbound_capacity"] = table["fc"].map(fcs["outbound_capacity"]).to_numpy(dtype=float) * days
    table["inbound_capacity"] = table["fc"].map(fcs["inbound_capacity"]).to_numpy(dtype=float) * days
    table["period_start"] = starts.to_numpy()[table["period"].to_numpy()]
    return table


def cost_breakdown(inputs, bought, moved, allocated, model) -> dict:
    """Money the plan spends, by kind (waiting penalties are not money and are not here)."""
    unit_cost = inputs.skus.set_index("sku")["unit_cost"]
    stock = _solution(model, "on_hand")
    weeks = inputs.period_days[stock["period"].to_numpy()] / 7.0
    holding = (stock["value"] * stock["sku"].map(unit_cost) * inputs.config.holding_rate * weeks * 7 / 365).sum()
    costs = {
        "purchase": float((bought["value"] * bought["unit_price"]).sum()),
        "holding": float(holding),
        "transfer": float((moved["value"] * moved["cost_per_unit"]).sum()),
        "shipping": float((allocated["value"] * allocated["cost_per_unit"]).sum()),
    }
    costs = {k: round(v, 2) for k, v in costs.items()}
    costs["total"] = round(sum(costs.values()), 2)
    return costs
