"""Build the planning LP/MILP from ModelInputs. MODEL.md beside this file is its document.

One function per variable family and per constraint family, named as in MODEL.md, each
with its equation in the docstring.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pulp

from planner.model.frame import FrameModel, shifted, terms
from planner.model.inputs import ModelInputs
from planner.model.stability import purchase_change

ITEM_PERIOD = ["item", "period"]
BACKLOG_DISCOUNT = 0.01
SKU_FC_PERIOD = ["sku", "fc", "period"]


def build_model(inputs: ModelInputs) -> tuple[FrameModel, float]:
    """Create every variable and constraint family; returns the model and its build seconds."""
    started = time.perf_counter()
    model = FrameModel(pulp.LpProblem("replenishment_plan", pulp.LpMinimize))
    for make in (
        purchase,
        purchase_open,
        purchase_change,
        transfer,
        on_hand,
        backorder,
        allocate,
        backlog_and_ship,
        safety_stock_short,
        storage_overflow,
    ):
        make(model, inputs)
    for constrain in (
        inventory_balance,
        backorder_balance,
        backlog_balance,
        outbound_capacity,
        inbound_capacity,
        storage_capacity,
        supplier_capacity,
        lane_capacity,
        purchase_minimum,
        safety_stock,
    ):
        constrain(model, inputs)
    model.set_objective()
    return model, time.perf_counter() - started


def _weeks(inputs: ModelInputs, period: pd.Series) -> np.ndarray:
    """Length of each row's period in weeks: weekly rates and penalties scale by it."""
    return inputs.period_days[period.to_numpy()] / 7.0


def _unit_cost(inputs: ModelInputs, sku: pd.Series) -> np.ndarray:
    return sku.map(inputs.skus.set_index("sku")["unit_cost"]).to_numpy(dtype=float)


def _waiting_cost(inputs: ModelInputs, index: pd.DataFrame) -> np.ndarray:
    """w(p) x waiting scale x weeks: what a unit of priority p waiting one period costs.

    One scale for every sku: a unit of a cheap sku's urgent order outranks a unit of an
    expensive sku's forecast, and every unit's waiting outweighs any unit's purchase cost.
    """
    weights = {p: inputs.config.weight(p) for p in index["priority"].unique().tolist()}
    weight = index["priority"].map(weights).to_numpy(dtype=float)
    return weight * _waiting_scale(inputs) * _weeks(inputs, index["period"])


def _waiting_scale(inputs: ModelInputs) -> float:
    """The largest unit cost or purchase price in the dataset (at least 1)."""
    values = pd.concat([inputs.skus["unit_cost"], inputs.purchase_options["unit_price"]])
    return max(float(values.max()), 1.0) if len(values) else 1.0


# ---------------------------------------------------------------- variables


def purchase(model: FrameModel, inputs: ModelInputs) -> None:
    """purchase[i,t] >= 0: order of supplier line i placed in period t.

    Inside the discretization horizon (t < integer_periods) every line orders integer lots
    (whole units when lot = 1): units = lot[i] x purchase[i,t]. Later, planned orders are continuous units; they are
    re-planned, and rounded, by the weekly runs that bring them inside. Cost: unit_price x units.
    """
    options = inputs.purchase_options.assign(lot_sized=_discretized(inputs, inputs.purchase_options))
    lots = options["lot_sized"]
    for is_lot, group in ((False, options[~lots]), (True, options[lots])):
        index = model.add_variables("purchase_lots" if is_lot else "purchase", group, integer=is_lot)
        index["units_per_var"] = index["lot_size"].to_numpy(dtype=float) if is_lot else 1.0
        model.add_cost(index, index["unit_price"] * index["units_per_var"])
    model.families["purchase"] = pd.concat(
        [model.families.pop("purchase"), model.families.pop("purchase_lots")], ignore_index=True
    )


def _discretized(inputs: ModelInputs, options: pd.DataFrame) -> pd.Series:
    """Order periods where MOQ and lots are enforced as integers (none when solving relaxed)."""
    return (options["period"] < inputs.config.integer_periods) & (not inputs.config.relax)


def purchase_open(model: FrameModel, inputs: ModelInputs) -> None:
    """purchase_open[i,t] in {0,1} for lines with an MOQ, in the discretization horizon: 1 = PO placed."""
    options = model.families["purchase"]
    with_moq = options[(options["moq"] > 0) & options["lot_sized"]][["item", "fc", "period", "moq"]]
    model.add_variables("purchase_open", with_moq, integer=True, upper=1)


def transfer(model: FrameModel, inputs: ModelInputs) -> None:
    """transfer[l,k,t] >= 0: units of sku k shipped on lane l in period t. Cost: cost_per_unit."""
    index = model.add_variables("transfer", inputs.transfer_options)
    model.add_cost(index, index["cost_per_unit"])


def on_hand(model: FrameModel, inputs: ModelInputs) -> None:
    """on_hand[k,f,t] >= 0: free stock at the end of period t.

    Cost: holding rate x unit cost per period, less the value of what is left at the plan's end
    (end_stock_value x the sku's lowest purchase price): stock outlives the horizon, and without
    this credit every MOQ bought near the end would look like waste.
    """
    periods = pd.DataFrame({"period": range(inputs.horizon)})
    index = model.add_variables("on_hand", inputs.stock[["sku", "fc"]].merge(periods, how="cross"))
    yearly = inputs.config.holding_rate * _unit_cost(inputs, index["sku"])
    holding = yearly * _weeks(inputs, index["period"]) * 7.0 / 365.0
    model.add_cost(index, holding - _end_stock_value(inputs, index))


def _end_stock_value(inputs: ModelInputs, index: pd.DataFrame) -> np.ndarray:
    """Credit per unit held in the last period: end_stock_value x the sku's lowest purchase price."""
    lowest_price = inputs.purchase_options.groupby("sku")["unit_price"].min()
    price = index["sku"].map(lowest_price).to_numpy(dtype=float)
    value = np.where(np.isnan(price), _unit_cost(inputs, index["sku"]), price)
    at_end = (index["period"] == inputs.horizon - 1).to_numpy()
    return at_end * inputs.config.end_stock_value * value


def _from_first_period(queues: pd.DataFrame, keys: list[str], horizon: int) -> pd.DataFrame:
    """One row per queue (keys) and period, from the queue's first period to the plan's end."""
    first = queues.groupby(keys, as_index=False)["period"].min().rename(columns={"period": "first"})
    index = first.merge(pd.DataFrame({"period": range(horizon)}), how="cross")
    return index[index["period"] >= index["first"]].drop(columns="first").reset_index(drop=True)


def backorder(model: FrameModel, inputs: ModelInputs) -> None:
    """backorder[k,r,p,t] >= 0: demand not yet covered by stock, from its first demand period on."""
    index = model.add_variables(
        "backorder", _from_first_period(inputs.demand, ["sku", "region", "priority"], inputs.horizon)
    )
    model.add_cost(index, _waiting_cost(inputs, index))


def allocate(model: FrameModel, inputs: ModelInputs) -> None:
    """allocate[k,f,r,p,t] >= 0: stock at f committed to demand of region r, priority p, in t.

    Exists where f serves r and can hold k. Cost: shipping cost per unit plus the waiting cost
    of the lane's extra transit days.
    """
    queues = model.families["backorder"][["sku", "region", "priority", "period"]]
    index = queues.merge(inputs.service_arcs, on="region").merge(inputs.stock[["sku", "fc"]], on=["sku", "fc"])
    index = model.add_variables("allocate", index.sort_values(["sku", "fc", "region", "priority", "period"]))
    transit_weeks = index["extra_days"].to_numpy(dtype=float) / 7.0
    waiting = _waiting_cost(inputs, index) / _weeks(inputs, index["period"])
    model.add_cost(index, index["cost_per_unit"].to_numpy(dtype=float) + waiting * transit_weeks)


def backlog_and_ship(model: FrameModel, inputs: ModelInputs) -> None:
    """backlog[k,f,p,t] >= 0: units allocated at f but not yet shipped; ship[k,f,p,t] >= 0: shipped.

    Both exist from the first period that f allocates to priority p on. Backlog pays the
    waiting cost of its priority x (1 - BACKLOG_DISCOUNT), so stock on hand is committed to
    waiting orders and the plan says truly which limit binds (capacity, not stock). Backlog
    left at the plan's end is stock too and earns the end-of-plan stock value.
    """
    index = _from_first_period(model.families["allocate"], ["sku", "fc", "priority"], inputs.horizon)
    backlog = model.add_variables("backlog", index)
    model.add_cost(backlog, _waiting_cost(inputs, backlog) * (1 - BACKLOG_DISCOUNT) - _end_stock_value(inputs, backlog))
    model.add_variables("ship", index)


def safety_stock_short(model: FrameModel, inputs: ModelInputs) -> None:
    """safety_short[k,f,t] >= 0: units below the safety stock target. Cost: penalty x unit cost."""
    periods = pd.DataFrame({"period": range(inputs.horizon)})
    targets = inputs.safety_stock.merge(inputs.stock[["sku", "fc"]], on=["sku", "fc"])
    index = model.add_variables("safety_short", targets.merge(periods, how="cross"))
    penalty = inputs.config.safety_stock_penalty * _unit_cost(inputs, index["sku"])
    model.add_cost(index, penalty * _weeks(inputs, index["period"]))


def storage_overflow(model: FrameModel, inputs: ModelInputs) -> None:
    """storage_over[f,t] >= 0: m3 above storage capacity (soft, so today's overstock stays feasible)."""
    index = model.add_variables("storage_over", _capacity(inputs, "storage_capacity", per_day=False)[["fc", "period"]])
    scale = inputs.config.storage_overflow_penalty * _waiting_scale(inputs)
    model.add_cost(index, scale * _weeks(inputs, index["period"]))


# ---------------------------------------------------------------- constraints


def _purchase_units(model: FrameModel, keys) -> pd.DataFrame:
    """Purchase terms in units (lot x lots for lot-sized lines)."""
    index = model.families["purchase"]
    return terms(index, keys, index["units_per_var"].to_numpy())


def _arrivals(model: FrameModel, coef: float = 1.0) -> pd.DataFrame:
    """Units arriving at sku x fc x period, from purchases and transfers."""
    bought = _purchase_units(model, {"sku": "sku", "fc": "fc", "arrival_period": "period"})
    moved = terms(model.families["transfer"], {"sku": "sku", "to_fc": "fc", "arrival_period": "period"}, 1.0)
    both = pd.concat([bought, moved], ignore_index=True)
    return both.assign(coef=both["coef"] * coef)


def inventory_balance(model: FrameModel, inputs: ModelInputs) -> None:
    """on_hand[t] = on_hand[t-1] + arrivals[t] + receipts[t] - transfers out[t] - allocated[t].

    on_hand[-1] is today's on_hand; receipts are the firm open POs.
    """
    stock = model.families["on_hand"]
    parts = [
        terms(stock, SKU_FC_PERIOD, 1.0),
        shifted(terms(stock, SKU_FC_PERIOD, 1.0), -1.0, inputs.horizon),
        _arrivals(model, -1.0),
        terms(model.families["transfer"], {"sku": "sku", "from_fc": "fc", "period": "period"}, 1.0),
        terms(model.families["allocate"], SKU_FC_PERIOD, 1.0),
    ]
    start = inputs.stock.assign(period=0, rhs=inputs.stock["on_hand"])[SKU_FC_PERIOD + ["rhs"]]
    supply = pd.concat([start, inputs.receipts.rename(columns={"quantity": "rhs"})])
    rhs = supply.groupby(SKU_FC_PERIOD, as_index=False)["rhs"].sum()
    model.add_rows("inventory_balance", pd.concat(parts, ignore_index=True), SKU_FC_PERIOD, "==", rhs)


def backorder_balance(model: FrameModel, inputs: ModelInputs) -> None:
    """backorder[t] = backorder[t-1] + demand[t] - sum over FCs of allocate[t]."""
    keys = ["sku", "region", "priority", "period"]
    queue = terms(model.families["backorder"], keys, 1.0)
    parts = [queue, shifted(queue, -1.0, inputs.horizon), terms(model.families["allocate"], keys, 1.0)]
    rhs = inputs.demand.rename(columns={"quantity": "rhs"})
    model.add_rows("backorder_balance", pd.concat(parts, ignore_index=True), keys, "==", rhs)


def backlog_balance(model: FrameModel, inputs: ModelInputs) -> None:
    """backlog[t] = backlog[t-1] + sum over regions of allocate[t] - ship[t]."""
    keys = ["sku", "fc", "priority", "period"]
    queue = terms(model.families["backlog"], keys, 1.0)
    parts = [
        queue,
        shifted(queue, -1.0, inputs.horizon),
        terms(model.families["allocate"], keys, -1.0),
        terms(model.families["ship"], keys, 1.0),
    ]
    model.add_rows("backlog_balance", pd.concat(parts, ignore_index=True), keys, "==")


def _capacity(inputs: ModelInputs, column: str, per_day: bool = True) -> pd.DataFrame:
    """fc x period capacity (per day x days in the period) for FCs where it is set."""
    fcs = inputs.fcs[inputs.fcs[column].notna()][["fc", column]]
    index = fcs.merge(pd.DataFrame({"period": range(inputs.horizon)}), how="cross")
    days = inputs.period_days[index["period"].to_numpy()] if per_day else 1.0
    return index.assign(rhs=index[column].to_numpy(dtype=float) * days)[["fc", "period", "rhs"]]


def outbound_capacity(model: FrameModel, inputs: ModelInputs) -> None:
    """sum over skus and priorities of ship[k,f,p,t] <= outbound_capacity[f] x days[t]."""
    cap = _capacity(inputs, "outbound_capacity")
    ships = terms(model.families["ship"], ["fc", "period"], 1.0).merge(cap[["fc", "period"]])
    model.add_rows("outbound_capacity", ships, ["fc", "period"], "<=", cap, lazy=True)


def inbound_capacity(model: FrameModel, inputs: ModelInputs) -> None:
    """arrivals[f,t] <= max(0, inbound_capacity[f] x days[t] - firm receipts[f,t])."""
    cap = _inbound_room(inputs)
    arrivals = _arrivals(model)[["fc", "period", "vid", "coef"]].merge(cap[["fc", "period"]])
    model.add_rows("inbound_capacity", arrivals, ["fc", "period"], "<=", cap[["fc", "period", "rhs"]], lazy=True)


def _inbound_room(inputs: ModelInputs) -> pd.DataFrame:
    """Inbound capacity left for planned arrivals once the firm receipts are in."""
    cap = _capacity(inputs, "inbound_capacity")
    firm = inputs.receipts.groupby(["fc", "period"], as_index=False)["quantity"].sum()
    cap = cap.merge(firm, on=["fc", "period"], how="left").fillna({"quantity": 0.0})
    cap["rhs"] = np.maximum(cap["rhs"] - cap["quantity"], 0.0)
    return cap[["fc", "period", "rhs"]]


def storage_capacity(model: FrameModel, inputs: ModelInputs) -> None:
    """sum over skus of unit_volume x (on_hand + backlog) - storage_over <= storage_capacity[f]."""
    cap = _capacity(inputs, "storage_capacity", per_day=False)
    volume = inputs.skus.set_index("sku")["unit_volume"]
    held = [model.families["on_hand"], model.families["backlog"]]
    parts = [terms(f, ["fc", "period"], f["sku"].map(volume).to_numpy(dtype=float)) for f in held]
    parts.append(terms(model.families["storage_over"], ["fc", "period"], -1.0))
    body = pd.concat(parts, ignore_index=True).merge(cap[["fc", "period"]])
    model.add_rows("storage_capacity", body, ["fc", "period"], "<=", cap, lazy=True)


def supplier_capacity(model: FrameModel, inputs: ModelInputs) -> None:
    """sum over the line's FCs of purchased units[i,f,t] <= capacity_per_week[i] x weeks[t]."""
    options = model.families["purchase"]
    limited = options[options["capacity_per_week"].notna()]
    caps = limited.groupby(ITEM_PERIOD, as_index=False)["capacity_per_week"].first()
    caps["rhs"] = caps["capacity_per_week"] * _weeks(inputs, caps["period"])
    body = terms(limited, ITEM_PERIOD, limited["units_per_var"].to_numpy())
    model.add_rows("supplier_capacity", body, ITEM_PERIOD, "<=", caps[ITEM_PERIOD + ["rhs"]])


def lane_capacity(model: FrameModel, inputs: ModelInputs) -> None:
    """sum over skus of transfer[l,k,t] <= capacity_per_week[l] x weeks[t]."""
    moves = model.families["transfer"]
    limited = moves[moves["capacity_per_week"].notna()]
    caps = limited.groupby(["lane", "period"], as_index=False)["capacity_per_week"].first()
    caps["rhs"] = caps["capacity_per_week"] * _weeks(inputs, caps["period"])
    body = terms(limited, ["lane", "period"], 1.0).merge(caps[["lane", "period"]])
    model.add_rows("lane_capacity", body, ["lane", "period"], "<=", caps[["lane", "period", "rhs"]], lazy=True)


def purchase_minimum(model: FrameModel, inputs: ModelInputs) -> None:
    """moq[i] x purchase_open[i,t] <= units[i,t] <= max_units[i,t] x purchase_open[i,t].

    max_units is the line's capacity in the period, or else everything the sku could need
    over the plan (all demand, all safety stock, one MOQ and one lot), so the bound is tight.
    """
    keys = ["item", "fc", "period"]
    opened = model.families["purchase_open"]
    units = _purchase_units(model, keys).merge(opened[keys])
    bound = opened.merge(_max_units(model, inputs), on=keys)
    model.add_rows("purchase_minimum", pd.concat([units, terms(opened, keys, -opened["moq"].to_numpy())]), keys, ">=")
    model.add_rows(
        "purchase_open_link", pd.concat([units, terms(bound, keys, -bound["max_units"].to_numpy())]), keys, "<="
    )


def _max_units(model: FrameModel, inputs: ModelInputs) -> pd.DataFrame:
    options = model.families["purchase"]
    need = (
        inputs.demand.groupby("sku")["quantity"]
        .sum()
        .add(inputs.safety_stock.groupby("sku")["target"].sum(), fill_value=0.0)
    )
    bound = options["sku"].map(need).fillna(0.0) + options["moq"] + options["lot_size"]
    weekly_cap = options["capacity_per_week"] * _weeks(inputs, options["period"])
    bound = np.fmin(bound.to_numpy(dtype=float), weekly_cap.to_numpy(dtype=float))
    return options[["item", "fc", "period"]].assign(max_units=bound)


def safety_stock(model: FrameModel, inputs: ModelInputs) -> None:
    """on_hand[k,f,t] + sum over p of backlog[k,f,p,t] + safety_short[k,f,t] >= safety stock target[k,f].

    The target counts the stock in the FC, committed or not: stock committed to customers who
    wait only for outbound capacity still covers it, so the plan never keeps stock free for the
    target while the FC's customers wait for it (they are backlog, not backorders).
    """
    short = model.families["safety_short"]
    held = [model.families[name].merge(short[SKU_FC_PERIOD], on=SKU_FC_PERIOD) for name in ("on_hand", "backlog")]
    body = pd.concat([terms(short, SKU_FC_PERIOD, 1.0), *(terms(stock, SKU_FC_PERIOD, 1.0) for stock in held)])
    rhs = short[SKU_FC_PERIOD].assign(rhs=short["target"].to_numpy())
    model.add_rows("safety_stock", body, SKU_FC_PERIOD, ">=", rhs)
