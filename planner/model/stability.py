"""Plan stability: last week's planned POs stay as they were unless changing them pays.

Plan nervousness (POs that jump between weeks, suppliers and quantities from one weekly run
to the next) is a main complaint of planners and buyers. This family charges every unit by
which this plan's order on a supplier line and period differs from the previous plan's, and
`previous_openings` gives the MILP's roundings the previous plan's MOQ POs as one way to place
them: the relaxation, free of MOQs, never lands on the previous plan, and a rounding only led
by it moves POs the change cost says to keep.
"""

from __future__ import annotations

import pandas as pd

from planner.model.frame import FrameModel, terms
from planner.model.inputs import ModelInputs

CHANGE_KEYS = ["item", "fc", "period"]


def purchase_change(model: FrameModel, inputs: ModelInputs) -> None:
    """units[i,t] - previous[i,t] = change_up[i,t] - change_down[i,t], change_up, change_down >= 0.

    Exists for the supplier lines and order periods in `previous_purchases` (where the previous
    plan overlaps this one, for the sku x fc it bought). Cost: change_penalty x unit_price[i]
    per unit up or down, far below any waiting cost: the plan never lets a customer wait to
    stay stable, and only stops switching between plans that cost about the same.
    Run after `purchase` (it reads the purchase family) and before the objective is set.
    """
    previous = inputs.previous_purchases
    if previous.empty:
        return
    options = model.families["purchase"]
    index = options.merge(previous, on=["supplier", "sku", "fc", "period"])
    index = index[CHANGE_KEYS + ["unit_price", "previous"]].reset_index(drop=True)
    cost = inputs.config.change_penalty * index["unit_price"].to_numpy(dtype=float)
    up = model.add_variables("purchase_change_up", index)
    down = model.add_variables("purchase_change_down", index)
    model.add_cost(up, cost)
    model.add_cost(down, cost)
    bought = options.merge(index[CHANGE_KEYS], on=CHANGE_KEYS)
    body = pd.concat(
        [
            terms(bought, CHANGE_KEYS, bought["units_per_var"].to_numpy(dtype=float)),
            terms(up, CHANGE_KEYS, -1.0),
            terms(down, CHANGE_KEYS, 1.0),
        ],
        ignore_index=True,
    )
    model.add_rows("purchase_change", body, CHANGE_KEYS, "==", index.rename(columns={"previous": "rhs"}))


def previous_openings(model: FrameModel, inputs: ModelInputs) -> dict[int, float]:
    """purchase_open (vid -> 0 or 1) as the previous plan placed its MOQ POs: 1 on a supplier
    line and period where it ordered, 0 where it ordered nothing, for the lines and periods of
    `previous_purchases` (none without a previous plan). A rounding step ("previous",
    planner.model.rounding): each sku also tries its previous MOQ POs, and keeps them when that
    costs least, change cost included.
    """
    previous = inputs.previous_purchases
    opened = model.families.get("purchase_open")
    if previous.empty or opened is None or opened.empty:
        return {}
    lines = model.families["purchase"][["item", "supplier", "sku", "fc", "period"]].drop_duplicates()
    known = opened[["vid", "item", "fc", "period"]].merge(lines, on=["item", "fc", "period"])
    known = known.merge(previous, on=["supplier", "sku", "fc", "period"])
    return dict(zip(known["vid"].tolist(), (known["previous"] > 0).astype(float).tolist()))
