"""The model's index sets: only combinations that can exist get a variable."""

from __future__ import annotations

import pandas as pd
from builders import dataset

from planner.calendar import Calendar
from planner.config import PlanConfig
from planner.model.inputs import model_inputs

START = pd.Timestamp("2026-11-30")


def _three_fcs():
    """F1 serves R1, F2 serves R2 and, by a shipping lane, R1; F3 serves R3. The sku sells in R1
    only, its supplier delivers anywhere, stock sits at F3, lanes run F3->F1 and F3->F2 and F1->F3."""
    return dataset(
        fulfillment_centers=[{"fc": f"F{i}", "region": f"R{i}", "outbound_capacity": 100.0} for i in (1, 2, 3)],
        skus=[{"sku": "A", "unit_cost": 10.0}],
        supplier_items=[{"supplier": "S", "sku": "A", "fc": "*", "unit_price": 5.0, "lead_time_days": 7}],
        inventory=[{"fc": "F3", "sku": "A", "on_hand": 50.0}],
        shipping_lanes=[{"fc": "F2", "region": "R1", "cost_per_unit": 1.0}],
        transfer_lanes=[
            {"from_fc": lane[0], "to_fc": lane[1], "lead_time_days": 2, "cost_per_unit": 0.5}
            for lane in (("F3", "F1"), ("F3", "F2"), ("F1", "F3"))
        ],
    )


def _inputs(ds, sigma_regions: list[str]):
    demand = pd.DataFrame({"sku": "A", "region": "R1", "priority": 4, "period": [0, 1, 2], "quantity": 10.0})
    sigma = pd.DataFrame({"sku": "A", "region": sigma_regions, "sigma": 3.0})
    return model_inputs(ds, demand, sigma, Calendar(START, "week", 3), PlanConfig(horizon=3))


def test_a_star_line_and_transfers_reach_only_the_fcs_that_serve_the_skus_customers():
    inputs = _inputs(_three_fcs(), ["R1"])
    assert sorted(inputs.purchase_options["fc"].unique()) == ["F1", "F2"]  # not F3: it serves no R1 customer
    lanes = inputs.transfer_options[["from_fc", "to_fc"]].drop_duplicates()
    assert sorted(map(tuple, lanes.to_numpy())) == [("F3", "F1"), ("F3", "F2")]  # F1->F3 would strand it
    assert sorted(inputs.stock["fc"]) == ["F1", "F2", "F3"]  # F3 still holds its stock, to move on


def _two_fcs_buying_direct(moq: float):
    """F1 and F2 each buy sku A straight from one supplier line (fc "*"); F1 has no stock and
    ships to F2. Both serve R1 (F2 by a shipping lane)."""
    return dataset(
        fulfillment_centers=[{"fc": f"F{i}", "region": f"R{i}", "outbound_capacity": 100.0} for i in (1, 2)],
        skus=[{"sku": "A", "unit_cost": 10.0}],
        supplier_items=[{"supplier": "S", "sku": "A", "fc": "*", "unit_price": 5.0, "lead_time_days": 7, "moq": moq}],
        inventory=[{"fc": "F1", "sku": "A", "on_hand": 0.0}],
        shipping_lanes=[{"fc": "F2", "region": "R1", "cost_per_unit": 1.0}],
        transfer_lanes=[{"from_fc": "F1", "to_fc": "F2", "lead_time_days": 2, "cost_per_unit": 0.5}],
    )


def test_an_fc_buying_at_an_moq_may_pass_stock_on_to_an_fc_that_could_buy_direct():
    """Without an MOQ, buying straight into F2 is cheaper and sooner than through F1: no
    transfer. With one, F1's PO may cover F2's few units, a cheaper plan than F2's own MOQ
    (300 skus x 50 FCs: 7.3% cheaper)."""
    assert _inputs(_two_fcs_buying_direct(moq=0.0), ["R1"]).transfer_options.empty
    moved = _inputs(_two_fcs_buying_direct(moq=100.0), ["R1"]).transfer_options
    assert set(zip(moved["from_fc"], moved["to_fc"])) == {("F1", "F2")} and len(moved) == 3


def test_a_region_with_a_forecast_error_but_no_demand_in_the_plan_keeps_its_fc():
    inputs = _inputs(_three_fcs(), ["R1", "R3"])  # R3 carries a safety stock, not demand
    assert sorted(inputs.purchase_options["fc"].unique()) == ["F1", "F2", "F3"]
