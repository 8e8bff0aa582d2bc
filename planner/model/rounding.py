"""Round the LP relaxation's purchases to a plan that honours MOQ and lot size.

The fast path for the MILP, in two steps, each followed by an LP re-solve (the repair):
first decide which MOQ lines are placed (`moq_decisions`) and let the LP re-plan around that; then round every line to whole lots. Rounding up keeps the
service the LP planned (waiting costs far more than a lot's worth of stock), within supplier
and inbound capacities; rounding down is the fallback that can never break a capacity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.model.frame import FrameModel
from planner.model.inputs import ModelInputs
from planner.model.stability import previous_openings

TOL = 1e-6
PO_THRESHOLD = 0.5  # units: planned need under it is not bought (the LP re-plans it)


def rounding_step(model: FrameModel, inputs: ModelInputs, step: str) -> dict:
    """vid -> fixed value for a rounding step: "close:<share>" (MOQ lines the relaxation barely
    uses closed), "moq" (MOQ lines placed or not), "opened" (MOQ lines as the current values
    decide them), "consolidate:<cover>:<share>" (MOQ POs pooled, see `consolidated_lines`),
    "previous" (MOQ POs as the previous plan placed them, see `stability.previous_openings`),
    "up" or "down" (lots), "orderable" (planned lines past the discretization horizon as a
    buyer can place them, see `orderable_purchases`), "orderable:placed" (their POs placed, as
    bounds (lower, upper) per column, see `placed_purchases`), "whole_transfers:netted" or "whole_transfers:floored" (see
    `whole_transfers`), "decided" (every purchase column at its value) or "transfers" (every
    transfer column at its value)."""
    if step.startswith("close:"):
        return closed_lines(model, float(step.split(":")[1]))
    if step == "moq":
        return moq_decisions(model, inputs)
    if step == "opened":
        return decided_lines(model)
    if step.startswith("consolidate:"):
        cover, share = (float(part) for part in step.split(":")[1:])
        return consolidated_lines(model, cover, share)
    if step == "previous":
        return previous_openings(model, inputs)
    if step == "orderable":
        return orderable_purchases(model, inputs)
    if step == "orderable:placed":
        return placed_purchases(model, inputs)
    if step.startswith("whole_transfers:"):
        return whole_transfers(model, inputs, netted=step.endswith(":netted"))
    if step == "decided":
        return _as_decided(model)
    if step == "transfers":
        transfers = model.families["transfer"]["vid"].tolist()
        return dict(zip(transfers, model.value[transfers].tolist()))
    return rounded_purchases(model, inputs, step)


def orderable_purchases(model: FrameModel, inputs: ModelInputs) -> dict[int, float]:
    """vid -> units for every purchase column past the discretization horizon (continuous in
    the model), sized as a buyer can place them: whole lots, at least the MOQ, within the
    supplier's and the receiving FC's capacity.

    An MOQ line whose need over the plan is under half an MOQ is closed, its need moved to the
    same period of its supplier item's busiest line (placed at its own MOQ, each such line would
    overbuy; the LP then moves the stock by transfer, or buys from a supplier without MOQ).
    Walking each line's periods, the need adds up until it reaches half a unit; a PO is then
    placed for it, rounded up to whole lots and lifted to the MOQ, and its excess covers the need
    of the periods after it. Stock thus arrives no later than the LP planned it, except for need
    under half a unit, which the LP then re-plans. Where POs rounded up pass a capacity, they are
    rounded down to whole lots, lots added back while they fit (see `_within`); a PO then under
    its MOQ is cut.
    """
    lines, units, _ = _orderable_lines(model, inputs)
    fixed = _as_decided(model)
    fixed.update(zip(lines["vid"].tolist(), units.tolist()))
    return fixed


def placed_purchases(model: FrameModel, inputs: ModelInputs) -> dict[int, tuple[float, float]]:
    """vid -> (lower, upper) units for the MOQ purchase columns past the discretization horizon:
    where `orderable_purchases` places a PO, at least the MOQ in whole lots and no more than the
    line may deliver; where it places none, nothing. Every other purchase column stays as
    decided, but for the planned lines without an MOQ.

    The LP then sizes each PO placed, rather than the walk: a closed line's need pooled on the
    busiest line reaches its FC by transfer, a lane's time later, and only the LP sees what that
    takes (1,000 skus, with POs rounded down at a capacity: 1.28% from the bound in the end,
    against 1.64% sized by the walk). Lines without an MOQ stay free; `orderable_purchases` then rounds every line to lots.
    """
    lines, units, least = _orderable_lines(model, inputs)
    moq = (lines["moq"] > 0).to_numpy()
    upper = np.where(units > 0, _supplier_allowance(lines, inputs), 0.0)
    lower = np.where(units > 0, least, 0.0)
    planned = set(lines["vid"].tolist())
    bounds = {vid: (value, value) for vid, value in _as_decided(model).items() if vid not in planned}
    bounds.update(zip(lines["vid"][moq].tolist(), zip(lower[moq].tolist(), upper[moq].tolist())))
    return bounds


def _orderable_lines(model: FrameModel, inputs: ModelInputs) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The purchase lines past the discretization horizon (item, fc, period order), the units
    `orderable_purchases` orders on each, and each line's MOQ in whole lots."""
    options = model.families["purchase"]
    lines = options[~options["lot_sized"]].sort_values(["item", "fc", "period"]).reset_index(drop=True)
    if lines.empty:
        return lines, np.zeros(0), np.zeros(0)
    need = _pooled_on_busiest(lines, model.value[lines["vid"].to_numpy()])
    lot = np.maximum(lines["lot_size"].to_numpy(float), 1.0)
    least = np.ceil(lines["moq"].to_numpy(float) / lot - TOL) * lot  # the MOQ in whole lots
    lots = _placed_orders(lines, need, lot, least) / lot
    in_lots = lines.assign(units_per_var=lot)
    for keys, allowed in (
        (["item", "period"], _supplier_allowance(lines, inputs)),
        (["fc", "arrival_period"], _inbound_allowance(lines, inputs) - _fixed_arrivals(model, lines)),
    ):
        lots = _within(in_lots, keys, allowed, need / lot, lots)
    units = lots * lot
    return lines, np.where(units >= least - TOL, units, 0.0), least


def _fixed_arrivals(model: FrameModel, lines: pd.DataFrame) -> np.ndarray:
    """Per planned line, the units the discretization horizon's POs (fixed by now) bring to its
    FC in its arrival period: they fill the same inbound capacity."""
    options = model.families["purchase"]
    fixed = options[options["lot_sized"]]
    values = model.value[fixed["vid"].to_numpy()]
    units = values * fixed["units_per_var"].to_numpy(float)
    arriving = pd.Series(units).groupby([fixed["fc"].to_numpy(), fixed["arrival_period"].to_numpy()]).sum()
    keys = pd.MultiIndex.from_arrays([lines["fc"], lines["arrival_period"]])
    return arriving.reindex(keys).fillna(0.0).to_numpy() if len(arriving) else np.zeros(len(lines))


def _pooled_on_busiest(lines: pd.DataFrame, need: np.ndarray) -> np.ndarray:
    """The need of MOQ lines needing under half an MOQ over the plan, moved period by period to
    their supplier item's busiest line (one line, the first FC among equals: a relaxation often
    spreads an item's need evenly, and each of several equal lines would buy its own MOQ).

    Where no transfer reaches the closed line's FC, its customers wait or are served from
    elsewhere: keeping such lines open, each at its MOQ, was dearer still (300 skus x 50 FCs:
    9.9% from the bound against 4.8%, the MOQs overflowing the FCs' storage)."""
    total = pd.Series(need).groupby([lines["item"], lines["fc"]]).transform("sum").to_numpy()
    busiest_fc = lines.assign(total=total).sort_values(["item", "total", "fc"], ascending=[True, False, True])
    busiest_fc = busiest_fc.groupby("item")["fc"].first()
    target = lines[["item", "period"]].assign(fc=lines["item"].map(busiest_fc))
    is_busiest = (lines["fc"] == target["fc"]).to_numpy()
    closed = (total < 0.5 * lines["moq"].to_numpy(float)) & ~is_busiest & (lines["moq"] > 0).to_numpy()
    row = pd.Series(np.arange(len(lines)), index=pd.MultiIndex.from_frame(lines[["item", "fc", "period"]]))
    into = row.reindex(pd.MultiIndex.from_frame(target[["item", "fc", "period"]])).to_numpy()
    moved = closed & ~np.isnan(into)
    pooled = np.where(moved, 0.0, need)
    np.add.at(pooled, into[moved].astype(np.int64), need[moved])
    return pooled


def _as_decided(model: FrameModel) -> dict[int, float]:
    """Every purchase and purchase_open column at its current value (the integers as rounded)."""
    bought = pd.concat([model.families["purchase"]["vid"], model.families["purchase_open"]["vid"]]).tolist()
    return dict(zip(bought, model.value[bought].tolist()))


def _placed_orders(lines: pd.DataFrame, need: np.ndarray, lot: np.ndarray, moq: np.ndarray) -> np.ndarray:
    """Units ordered per line and period: a PO once the uncovered need reaches half a unit."""
    line_of = lines.groupby(["item", "fc"], sort=False).ngroup().to_numpy()
    uncovered = np.zeros(line_of.max() + 1)
    period = lines["period"].to_numpy()
    units = np.zeros(len(lines))
    for current in np.unique(period):
        rows = np.flatnonzero(period == current)
        owner = line_of[rows]
        uncovered[owner] += need[rows]
        place = uncovered[owner] >= PO_THRESHOLD
        size = np.maximum(np.ceil(uncovered[owner] / lot[rows] - TOL) * lot[rows], moq[rows])
        units[rows] = np.where(place, size, 0.0)
        uncovered[owner] -= units[rows]
    return units


def whole_transfers(model: FrameModel, inputs: ModelInputs, netted: bool = True) -> dict[int, float]:
    """Every purchase column at its value and every transfer rounded down to whole units.

    A warehouse ships whole units. Rounded down, a transfer leaves more at its origin, so the
    origin's plan and the lane's capacity hold, and the LP re-plans what the destination misses
    (rounding up where the room allows gained 0.015% on the demo for four times the solve time).
    `netted`: of two opposite transfers of a sku between two FCs whose transits overlap, the
    smaller is dropped: stock moving both ways at once is waste no planner signs off.
    Purchases stay as decided.
    """
    moved = model.families["transfer"]
    relaxed = model.values("transfer")
    units = _cumulatively_rounded(moved, relaxed) if netted else np.floor(relaxed + TOL)
    units = _within_rooms(moved, units, relaxed, _transfer_rooms(model, inputs, moved))
    if netted:
        units[_crossing(moved, units)] = 0.0
    units = _stocked_origins(model, inputs, moved, units)
    fixed = _as_decided(model)
    fixed.update(zip(moved["vid"].tolist(), units.tolist()))
    return fixed


def _cumulatively_rounded(moved: pd.DataFrame, relaxed: np.ndarray) -> np.ndarray:
    """Whole units per lane, sku and period whose running total stays within half a unit of the
    LP's: a lane carrying 0.3 a week ships one unit every third week or so, not nothing."""
    order = np.lexsort((moved["period"].to_numpy(), moved["sku"].to_numpy(), moved["lane"].to_numpy()))
    frame = moved.iloc[order][["lane", "sku"]].assign(value=relaxed[order])
    running = np.floor(frame.groupby(["lane", "sku"])["value"].cumsum().to_numpy() + 0.5)
    first = ~frame.duplicated(["lane", "sku"]).to_numpy()
    units = np.diff(running, prepend=0.0)
    units[first] = running[first]
    rounded = np.empty(len(moved))
    rounded[order] = np.maximum(units, 0.0)
    return rounded


def _transfer_rooms(model: FrameModel, inputs: ModelInputs, moved: pd.DataFrame) -> list:
    """(group of each transfer, units the group may carry) for lanes (lane x period) and for
    destinations (FC x arrival period: inbound capacity less the firm and purchased arrivals)."""
    weeks = inputs.period_days[moved["period"].to_numpy()] / 7.0
    lane = moved.groupby(["lane", "period"], sort=False).ngroup().to_numpy()
    into = moved.rename(columns={"to_fc": "fc"})[["fc", "arrival_period"]]
    arriving = into.merge(_bought(model), on=["fc", "arrival_period"], how="left")["units"].fillna(0.0).to_numpy()
    inbound = _inbound_allowance(into, inputs) - arriving
    destination = into.groupby(["fc", "arrival_period"], sort=False).ngroup().to_numpy()
    return [(lane, moved["capacity_per_week"].to_numpy(float) * weeks), (destination, inbound)]


def _bought(model: FrameModel) -> pd.DataFrame:
    """Units the current purchase values bring into each FC and arrival period."""
    bought = model.families["purchase"]
    units = model.values("purchase") * bought["units_per_var"].to_numpy(float)
    return bought.assign(units=units).groupby(["fc", "arrival_period"], as_index=False)["units"].sum()


def _within_rooms(moved: pd.DataFrame, units: np.ndarray, relaxed: np.ndarray, rooms: list) -> np.ndarray:
    """Whole units cut where a group carries more than its room (NaN: unlimited), a unit at a
    time from the transfers rounded up the most."""
    units = units.copy()
    for group, room in rooms:
        for _ in range(MAX_STOCK_REPAIRS):
            total = pd.Series(units).groupby(group).transform("sum").to_numpy()
            over = np.ceil(np.maximum(total - np.nan_to_num(room, nan=np.inf), 0.0) - TOL)
            if not (over > 0).any():
                break
            order = np.lexsort((-(units - relaxed), group))
            candidate = (units[order] >= 1.0) & (over[order] > 0)
            rank = pd.Series(candidate.astype(int)).groupby(group[order]).cumsum().to_numpy()
            cut = candidate & (rank <= over[order])
            units[order[cut]] -= 1.0
    return units


def _stocked_origins(model: FrameModel, inputs: ModelInputs, moved: pd.DataFrame, units: np.ndarray) -> np.ndarray:
    """Transfers cut, latest first, until no FC ships out more than it holds: rounded down one by
    one, two transfers of 0.6 in make none while one of 1.2 out stays one."""
    units = units.copy()
    period = moved["period"].to_numpy()
    shipping = moved.assign(row=np.arange(len(moved)))[units > 0].sort_values("period", ascending=False, kind="stable")
    rows_of = shipping.groupby(["sku", "from_fc"], sort=False)["row"].apply(np.asarray).to_dict()
    for _ in range(MAX_STOCK_REPAIRS):
        short = _first_shortfalls(model, inputs, moved, units)
        if short.empty:
            break
        for sku, fc, until, missing in short.itertuples(index=False):
            for row in rows_of.get((sku, fc), ()):
                if period[row] > until or units[row] <= 0:
                    continue
                cut = min(units[row], np.ceil(missing - TOL))
                units[row] -= cut
                missing -= cut
                if missing <= TOL:
                    break
    return units


MAX_STOCK_REPAIRS = 20  # rounds of cuts: a cut at an FC can leave the FC it fed short in turn


def _first_shortfalls(model: FrameModel, inputs: ModelInputs, moved: pd.DataFrame, units: np.ndarray) -> pd.DataFrame:
    """Per sku x FC whose stock, with nothing allocated, would go below zero: the first period
    it does and by how much (sku, fc, period, missing)."""
    keys = ["sku", "fc", "period"]
    bought = model.families["purchase"]
    flows = [
        inputs.stock.assign(period=0, quantity=inputs.stock["on_hand"])[keys + ["quantity"]],
        inputs.receipts[keys + ["quantity"]],
        bought.assign(quantity=model.values("purchase") * bought["units_per_var"].to_numpy(float)).rename(
            columns={"period": "ordered", "arrival_period": "period"}
        )[keys + ["quantity"]],
        moved.assign(quantity=units).rename(columns={"to_fc": "fc", "period": "shipped", "arrival_period": "period"})[
            keys + ["quantity"]
        ],
        moved.assign(quantity=-units).rename(columns={"from_fc": "fc"})[keys + ["quantity"]],
    ]
    balance = pd.concat(flows, ignore_index=True).groupby(keys, as_index=False)["quantity"].sum()
    balance["stock"] = balance.groupby(["sku", "fc"])["quantity"].cumsum()
    short = balance[balance["stock"] < -TOL].groupby(["sku", "fc"], as_index=False).first()
    return short.assign(missing=-short["stock"])[keys + ["missing"]]


def _crossing(moved: pd.DataFrame, units: np.ndarray) -> np.ndarray:
    """Transfers met by an opposite one of the same sku in transit at the same time, and the
    smaller of the two (by units over both)."""
    shipped = moved.assign(units=units, row=np.arange(len(moved)))[units > 0]
    pairs = shipped.merge(
        shipped, left_on=["sku", "from_fc", "to_fc"], right_on=["sku", "to_fc", "from_fc"], suffixes=("", "_back")
    )
    overlap = (pairs["period"] <= pairs["arrival_period_back"]) & (pairs["period_back"] <= pairs["arrival_period"])
    pairs = pairs[overlap]
    lane = pairs.groupby(["sku", "from_fc", "to_fc"])
    there, back = lane["units"].transform("sum"), lane["units_back"].transform("sum")
    smaller = (there < back) | ((there == back) & (pairs["from_fc"] > pairs["to_fc"]))
    drop = np.zeros(len(moved), dtype=bool)
    drop[pairs.loc[smaller, "row"].to_numpy()] = True
    return drop


def closed_lines(model: FrameModel, share: float) -> dict[int, float]:
    """purchase_open = 0 where the relaxation orders under `share` x MOQ, except the supplier
    item's busiest FC and period.

    The relaxation pays nothing for opening a PO, so it spreads small orders over every FC and
    period; placing each at its MOQ overbuys. Closed, the LP re-plans that need: into the
    item's busiest FC and period (bought earlier and held, or moved by transfer), or a supplier
    without MOQ. Keeping the busiest open means a supplier item is never closed altogether.
    """
    options = model.families["purchase"]
    lines = options[options["lot_sized"] & (options["moq"] > 0)].reset_index(drop=True)
    units = model.value[lines["vid"].to_numpy()]
    units = units * lines["units_per_var"].to_numpy(float)
    busiest = pd.Series(units).groupby(lines["item"]).transform("idxmax").to_numpy()
    close = (units < share * lines["moq"].to_numpy(float) - TOL) & (busiest != np.arange(len(lines)))
    opened = model.families["purchase_open"].merge(
        lines.assign(close=close)[["item", "fc", "period", "close"]], on=["item", "fc", "period"]
    )
    shut = opened[opened["close"]]
    return dict.fromkeys(shut["vid"].tolist(), 0.0)


def decided_lines(model: FrameModel) -> dict[int, float]:
    """purchase_open fixed where the current values decide it (0 or 1); a fractional one stays
    free, for the lot rounding to settle. The solver puts each sku's own MILP solution there."""
    opened = model.families["purchase_open"]["vid"].to_numpy()
    value = model.values("purchase_open")
    decided = np.abs(value - np.round(value)) <= TOL
    return dict(zip(opened[decided].tolist(), np.round(value[decided]).tolist()))


def moq_decisions(model: FrameModel, inputs: ModelInputs) -> dict[int, float]:
    """purchase_open per MOQ line and period, walking the periods in order.

    A PO is placed where the relaxation orders more than the last placed PO's excess over its
    own quantity still covers (its MOQ pulls later needs forward); otherwise none is. Placed
    MOQs must fit the supplier's and the receiving FC's capacity: where they do not, the POs
    the relaxation needed least are not placed.
    """
    lines, units, line_of = _moq_lines(model)
    moq = lines["moq"].to_numpy(float)
    placed = _pooled(lines, units, line_of, moq)
    for keys, allowed in (
        (["item", "period"], _supplier_allowance(lines, inputs)),
        (["fc", "arrival_period"], _inbound_allowance(lines, inputs)),
    ):
        placed = _fitting(lines, keys, allowed, placed, moq, units)
    decided = lines.assign(placed=placed)[["item", "fc", "period", "placed"]]
    opened = model.families["purchase_open"].merge(decided, on=["item", "fc", "period"], how="left")
    return dict(zip(opened["vid"].tolist(), opened["placed"].fillna(False).astype(float).tolist()))


def consolidated_lines(model: FrameModel, cover: float, share: float) -> dict[int, float]:
    """purchase_open for every MOQ line and period: POs pooled as `moq_decisions` places them,
    each covering `cover` MOQs of the relaxation's need, on the lines whose need over the
    periods adds up to `share` of an MOQ (and on each supplier item's busiest line).

    The relaxation pays nothing for opening a PO, so it spreads small orders over every FC and
    period; opened where it orders, each PO must buy its MOQ. Pooled, a few POs carry the need;
    closed, a line's need goes to the item's other FCs (by transfer) or to a supplier without
    MOQ. Which is cheapest depends on the sku: each sku's own LP tries a few such roundings
    (planner/solve/blocks.py), 1,000 skus: 0.85% above the relaxation together where the
    relaxation's own rounding lost 4.4%.
    """
    lines, units, line_of = _moq_lines(model)
    moq = lines["moq"].to_numpy(float)
    placed = _pooled(lines, units, line_of, moq * cover)
    need = pd.Series(units).groupby(line_of).transform("sum").to_numpy()
    busiest = pd.Series(need).groupby(lines["item"].to_numpy()).transform("max").to_numpy()
    kept = (need >= share * moq - TOL) | (need >= busiest - TOL)
    decided = lines.assign(placed=placed & kept)[["item", "fc", "period", "placed"]]
    opened = model.families["purchase_open"].merge(decided, on=["item", "fc", "period"], how="left")
    return dict(zip(opened["vid"].tolist(), opened["placed"].fillna(False).astype(float).tolist()))


def _moq_lines(model: FrameModel) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """(MOQ line options in item, fc, period order; the units the current values order on
    each; each one's line number)."""
    options = model.families["purchase"]
    lines = options[options["lot_sized"] & (options["moq"] > 0)].sort_values(["item", "fc", "period"])
    units = model.value[lines["vid"].to_numpy()]
    units = units * lines["units_per_var"].to_numpy(float)
    return lines, units, lines.groupby(["item", "fc"], sort=False).ngroup().to_numpy()


def _pooled(lines: pd.DataFrame, units: np.ndarray, line_of: np.ndarray, covered: np.ndarray) -> np.ndarray:
    """Walking each line's periods in order: a PO where the need exceeds what the last PO's
    excess still covers; a PO covers at least `covered` units (its MOQ, or more)."""
    placed = np.zeros(len(lines), dtype=bool)
    excess = np.zeros(line_of.max() + 1 if len(lines) else 0)
    period = lines["period"].to_numpy()
    for current in np.unique(period):
        rows = np.flatnonzero(period == current)
        need, owner = units[rows], line_of[rows]
        place = need > excess[owner] + TOL
        placed[rows] = place
        excess[owner] = np.where(
            place, np.maximum(covered[rows] - (need - excess[owner]), 0.0), np.maximum(excess[owner] - need, 0.0)
        )
    return placed


def _fitting(
    lines: pd.DataFrame, keys: list[str], allowed: np.ndarray, placed: np.ndarray, moq: np.ndarray, need: np.ndarray
) -> np.ndarray:
    """Keep placed POs in a group while their MOQs fit what it allows, most needed first."""
    group = lines.groupby(keys, sort=False).ngroup().to_numpy()
    order = np.lexsort((-need, group))
    size = np.where(placed, moq, 0.0)[order]
    used = pd.Series(size).groupby(group[order]).cumsum().to_numpy()
    fits = np.zeros(len(lines), dtype=bool)
    fits[order] = used <= allowed[order] + TOL
    return placed & fits


def rounded_purchases(model: FrameModel, inputs: ModelInputs, direction: str = "up") -> dict[int, float]:
    """vid -> value for every integer purchase variable (lots and MOQ binaries) of the model."""
    options = model.families["purchase"]
    lines = options[options["lot_sized"]].reset_index(drop=True)
    relaxed = model.value[lines["vid"].to_numpy()]
    moq_lots = np.ceil(lines["moq"].to_numpy(float) / lines["units_per_var"].to_numpy(float) - TOL)
    lots = np.floor(relaxed + TOL)
    if direction == "up":
        lots = _up(relaxed, moq_lots)
        capacities = (
            (["item", "period"], "period", _supplier_allowance(lines, inputs)),
            (["fc", "arrival_period"], "arrival_period", _inbound_allowance(lines, inputs)),
        )
        for keys, period, allowed in capacities:
            lots = _deferred(lines, keys, period, allowed, lots, moq_lots)
        for keys, _, allowed in capacities:
            lots = _within(lines, keys, allowed, relaxed, lots)
    lots = np.where(lots >= moq_lots, lots, 0.0)
    fixed = dict(zip(lines["vid"].tolist(), lots.tolist()))
    opened = model.families["purchase_open"]
    placed = lines.assign(lots=lots)[["item", "fc", "period", "lots"]]
    flags = opened.merge(placed, on=["item", "fc", "period"], how="left")["lots"].fillna(0.0) > 0
    fixed.update(zip(opened["vid"].tolist(), flags.astype(float).tolist()))
    return fixed


def _up(relaxed: np.ndarray, moq_lots: np.ndarray) -> np.ndarray:
    """Whole lots rounded up; a PO line below its MOQ is lifted to it."""
    lots = np.where(relaxed > TOL, np.ceil(relaxed - TOL), 0.0)
    return np.where(lots > 0, np.maximum(lots, moq_lots), 0.0)


def _deferred(
    lines: pd.DataFrame, keys: list[str], period: str, allowed: np.ndarray, lots: np.ndarray, moq_lots: np.ndarray
) -> np.ndarray:
    """Whole lots past a capacity, walking its periods in order: in a group over what it allows,
    the largest lines keep their lots while they fit (a PO cut under its MOQ keeps none), and
    what is cut is ordered on the same line one period later, where it meets that period's
    capacity in turn. A PO cut outright would leave its FC without that supply for the whole
    horizon, the rest of the sku's lots being fixed with it (300 skus x 50 FCs: 81 POs cut at
    the first arrival periods, backorders +2% of the plan's cost); a week later it still sells."""
    lots = lots.copy()
    later = _next_period_line(lines)
    when = lines[period].to_numpy()
    for current in np.unique(when):
        rows = np.flatnonzero(when == current)
        kept = _within(lines.iloc[rows], keys, allowed[rows], lots[rows], lots[rows])
        kept = np.where(kept >= moq_lots[rows], kept, 0.0)
        cut = lots[rows] - kept
        lots[rows] = kept
        moved = (cut > 0) & (later[rows] >= 0)
        np.add.at(lots, later[rows][moved], cut[moved])
    return lots


def _next_period_line(lines: pd.DataFrame) -> np.ndarray:
    """Per row, the row of the same supplier line (item, supplier, fc) in the next order period, or -1."""
    line = lines.groupby(["item", "supplier", "fc"], sort=False).ngroup().to_numpy()
    order = np.lexsort((lines["period"].to_numpy(), line))
    later = np.full(len(lines), -1)
    same = line[order][1:] == line[order][:-1]
    later[order[:-1][same]] = order[1:][same]
    return later


def _supplier_allowance(lines: pd.DataFrame, inputs: ModelInputs) -> np.ndarray:
    """Units the supplier line may deliver in the order period (inf without a capacity)."""
    weeks = inputs.period_days[lines["period"].to_numpy()] / 7.0
    return np.nan_to_num(lines["capacity_per_week"].to_numpy(float) * weeks, nan=np.inf)


def _inbound_allowance(lines: pd.DataFrame, inputs: ModelInputs) -> np.ndarray:
    """Units the FC may still receive in the arrival period after its firm receipts (inf if unlimited)."""
    per_day = lines["fc"].map(inputs.fcs.set_index("fc")["inbound_capacity"]).to_numpy(float)
    firm = inputs.receipts.groupby(["fc", "period"])["quantity"].sum()
    keys = pd.MultiIndex.from_arrays([lines["fc"], lines["arrival_period"]])
    received = firm.reindex(keys).fillna(0.0).to_numpy()
    room = np.maximum(per_day * inputs.period_days[lines["arrival_period"].to_numpy()] - received, 0.0)
    return np.nan_to_num(room, nan=np.inf)


def _within(
    lines: pd.DataFrame, keys: list[str], allowed: np.ndarray, relaxed: np.ndarray, up: np.ndarray
) -> np.ndarray:
    """Where the rounded-up units of a group (supplier x period, or FC x arrival period) exceed
    what it allows, round the group down and add back whole lots, largest fraction first, while
    they fit. Whole lots still over (each sku's own MILP buys whole lots, at prices that only
    price the capacity) are cut: a lot over the FC's inbound capacity leaves no plan around it."""
    unit = lines["units_per_var"].to_numpy(float)
    group = lines.groupby(keys, sort=False).ngroup().to_numpy()
    over = pd.Series(up * unit).groupby(group).transform("sum").to_numpy() > allowed + TOL
    if not over.any():
        return up
    down = _fitting_lots(group, allowed, unit, np.minimum(np.floor(relaxed + TOL), up))
    spare = allowed - pd.Series(down * unit).groupby(group).transform("sum").to_numpy()
    fraction = np.where(over & (up > down), relaxed - down, -1.0)
    order = np.lexsort((-fraction, group))
    wanted = np.where(fraction > TOL, unit, 0.0)[order]
    used = pd.Series(wanted).groupby(group[order]).cumsum().to_numpy()
    bump = np.zeros(len(lines))
    bump[order] = (wanted > 0) & (used <= spare[order] + TOL)
    return np.where(over, down + bump, up)


def _fitting_lots(group: np.ndarray, allowed: np.ndarray, unit: np.ndarray, lots: np.ndarray) -> np.ndarray:
    """The lots of each group that fit what it allows: its largest lines first, each keeping
    what fits after the lines before it at their full lots."""
    order = np.lexsort((-lots * unit, group))
    units = (lots * unit)[order]
    before = pd.Series(units).groupby(group[order]).cumsum().to_numpy() - units
    fits = np.zeros(len(lots))
    fits[order] = np.floor((allowed[order] - before) / unit[order] + TOL)
    return np.clip(fits, 0.0, lots)
