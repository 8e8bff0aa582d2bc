"""Tiny instances whose optimal plan is known by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pulp
import pytest
from builders import dataset

from planner.calendar import Calendar
from planner.config import PlanConfig
from planner.pipeline import optimize
from planner.solve.highs import HighsSession

START = pd.Timestamp("2026-11-30")  # a Monday
NO_ERROR = pd.DataFrame(
    {"sku": pd.Series(dtype=object), "region": pd.Series(dtype=object), "sigma": pd.Series(dtype=float)}
)


def weekly_demand(sku: str, region: str, quantities: list[float], priority: int = 4) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sku": sku,
            "region": region,
            "priority": priority,
            "period": range(len(quantities)),
            "quantity": [float(q) for q in quantities],
        }
    )


def plan_for(ds, demand: pd.DataFrame, horizon: int, solver: str = "cbc", **config):
    cfg = PlanConfig(horizon=horizon, solver=solver, **config)
    calendar = Calendar(START, "week", horizon)
    inputs, _, result, plan = optimize(ds, demand[demand["quantity"] > 0], NO_ERROR, calendar, cfg)
    assert result.has_solution
    return inputs, plan, calendar


ONE_FC = {
    "fulfillment_centers": [{"fc": "F1", "region": "R1", "outbound_capacity": 1000.0}],
    "skus": [{"sku": "A", "unit_cost": 10.0}],
}


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_fast_supplier_covers_the_slow_suppliers_lead_time_then_the_cheap_one_takes_over(solver):
    ds = dataset(
        **ONE_FC,
        supplier_items=[
            {"supplier": "SLOW", "sku": "A", "fc": "*", "unit_price": 10.0, "lead_time_days": 21},
            {"supplier": "FAST", "sku": "A", "fc": "F1", "unit_price": 13.0, "lead_time_days": 0},
        ],
    )
    _, plan, _ = plan_for(ds, weekly_demand("A", "R1", [10] * 6), 6, solver)
    pos = plan.purchase_orders
    by_arrival = pos.groupby(["supplier", "arrival_date"])["quantity"].sum()
    weeks = pd.date_range(START, periods=6, freq="7D")
    assert list(by_arrival["FAST"].index) == list(weeks[:3])
    assert list(by_arrival["SLOW"].index) == list(weeks[3:])
    assert by_arrival.eq(10.0).all()
    assert plan.costs["purchase"] == pytest.approx(3 * 130 + 3 * 100)
    assert plan.backorders.empty


@pytest.mark.parametrize("lp_rounding", [True, False], ids=["rounded-then-milp", "milp"])
def test_moq_and_lot_size_are_respected(lp_rounding):
    ds = dataset(
        **ONE_FC,
        supplier_items=[
            {
                "supplier": "S",
                "sku": "A",
                "fc": "F1",
                "unit_price": 10.0,
                "lead_time_days": 0,
                "moq": 30.0,
                "lot_size": 10.0,
            }
        ],
    )
    _, plan, _ = plan_for(ds, weekly_demand("A", "R1", [7] * 6), 6, integer_periods=6, lp_rounding=lp_rounding)
    quantities = plan.purchase_orders["quantity"]
    assert (quantities >= 30).all()
    assert (quantities % 10 == 0).all()
    assert plan.backorders.empty
    # 42 units needed: one PO of 50 in week 0 is the cheapest cover (two POs would be >= 60)
    assert quantities.tolist() == [50.0]


@pytest.mark.parametrize("by_prices", [False, True])
def test_with_highs_the_skus_own_milp_places_the_moq_po_and_lifts_the_bound(by_prices, monkeypatch):
    """The relaxation buys 7 a week at a fraction of an open PO; the sku's MILP at the
    relaxation's prices finds the one PO of 50 the hand calculation gives, and its dual bound
    lifts the relaxation bound, so the plan is proven within the gap without branching. The
    same when every LP is solved by prices (as large models are). Either way HiGHS reads the
    model's column arrays: no PuLP variable is made."""
    if by_prices:
        monkeypatch.setattr(HighsSession, "PRICED_COLUMNS", 1)
    made = []
    init = pulp.LpVariable.__init__
    monkeypatch.setattr(pulp.LpVariable, "__init__", lambda self, *a, **k: made.append(a) or init(self, *a, **k))
    ds = dataset(
        **ONE_FC,
        supplier_items=[
            {
                "supplier": "S",
                "sku": "A",
                "fc": "F1",
                "unit_price": 10.0,
                "lead_time_days": 0,
                "moq": 30.0,
                "lot_size": 10.0,
            }
        ],
    )
    demand = weekly_demand("A", "R1", [7] * 6)
    _, _, result, plan = optimize(
        ds, demand, NO_ERROR, Calendar(START, "week", 6), PlanConfig(horizon=6, solver="highs", integer_periods=6)
    )
    assert "(1 of 1 fractional skus by their own MILP" in result.message
    assert plan.purchase_orders["quantity"].tolist() == [50.0]
    assert result.mip_gap <= 1e-3
    assert made == []


def test_a_model_solved_by_prices_never_runs_the_milp_on_the_whole(monkeypatch):
    """Past the gap, a model whose LPs go by prices keeps its rounded plan, reported feasible
    with its gap: the MILP on the whole could not finish at the sizes that need prices."""
    import planner.solve.solver as solve_module

    monkeypatch.setattr(HighsSession, "PRICED_COLUMNS", 1)
    monkeypatch.setattr(solve_module, "_run", _no_whole_milp(solve_module._run))
    monkeypatch.setattr(solve_module, "ROUNDING_LOSS_SHARE", 1e15)  # no sku MILP: the rounding's gap stays
    ds = dataset(
        **ONE_FC,
        supplier_items=[
            {
                "supplier": "S",
                "sku": "A",
                "fc": "F1",
                "unit_price": 10.0,
                "lead_time_days": 0,
                "moq": 30.0,
                "lot_size": 10.0,
            }
        ],
    )
    demand = weekly_demand("A", "R1", [7] * 6)
    _, _, result, plan = optimize(
        ds,
        demand,
        NO_ERROR,
        Calendar(START, "week", 6),
        PlanConfig(horizon=6, solver="highs", integer_periods=6, mip_gap=1e-6),
    )
    assert result.status.value == "feasible"
    assert "too large for the MILP on the whole" in result.message
    assert result.mip_gap > 1e-6
    quantities = plan.purchase_orders["quantity"]
    assert ((quantities >= 30) & (quantities % 10 == 0)).all()


def test_a_model_solved_by_prices_whose_repair_finds_no_plan_keeps_its_first_plan(monkeypatch):
    """The relaxation goes by prices, no repair around the rounded plan meets the shared rows in
    time: the first plan (each sku's own, rounded within its share of the capacities) stands,
    with its gap, instead of no plan or loading the whole model for a MILP."""
    import dataclasses

    import planner.solve.solver as solve_module
    from planner.solve.prices import PricedLp

    monkeypatch.setattr(HighsSession, "PRICED_COLUMNS", 1)
    monkeypatch.setattr(solve_module, "_run", _no_whole_milp(solve_module._run))
    solve, calls = PricedLp.solve, []

    def no_repair(lp, *args, **kwargs):
        calls.append(args)
        result = solve(lp, *args, **kwargs)
        return result if len(calls) == 1 else dataclasses.replace(result, values=None, converged=False)

    monkeypatch.setattr(PricedLp, "solve", no_repair)
    ds = dataset(
        **ONE_FC,
        supplier_items=[
            {
                "supplier": "S",
                "sku": "A",
                "fc": "F1",
                "unit_price": 10.0,
                "lead_time_days": 0,
                "moq": 30.0,
                "lot_size": 10.0,
            }
        ],
    )
    demand = weekly_demand("A", "R1", [7] * 6)
    _, _, result, plan = optimize(
        ds, demand, NO_ERROR, Calendar(START, "week", 6), PlanConfig(horizon=6, solver="highs", integer_periods=6)
    )
    assert result.status.value == "feasible" and result.mip_gap is not None
    assert "each sku's plan within its share of the capacities" in result.message
    quantities = plan.purchase_orders["quantity"]
    assert len(quantities) and (quantities >= 30).all() and (quantities % 10 == 0).all()
    assert len(calls) > 1


def _no_whole_milp(run):
    def guarded(problem, config, **options):
        assert not options.get("mip"), "the MILP on the whole ran"
        return run(problem, config, **options)

    return guarded


def test_rounding_honours_a_binding_supplier_capacity():
    """The relaxation splits a capacity-bound supplier over two FCs in fractions; rounding both
    up would break the capacity, so the plan rounds within it."""
    ds = dataset(
        skus=[{"sku": "A", "unit_cost": 10.0}],
        fulfillment_centers=[
            {"fc": "F1", "region": "R1", "outbound_capacity": 1000.0},
            {"fc": "F2", "region": "R2", "outbound_capacity": 1000.0},
        ],
        supplier_items=[
            {"supplier": "S", "sku": "A", "fc": "*", "unit_price": 10.0, "lead_time_days": 0, "capacity_per_week": 10.0}
        ],
    )
    demand = pd.concat([weekly_demand("A", "R1", [5.5, 5.5]), weekly_demand("A", "R2", [4.5, 4.5])])
    _, plan, _ = plan_for(ds, demand, 2, integer_periods=2)
    weekly = plan.purchase_orders.groupby("order_date")["quantity"].sum()
    assert (weekly <= 10.0 + 1e-9).all()
    assert (plan.purchase_orders["quantity"] % 1 == 0).all()


def test_relaxed_plan_ignores_moq_and_lots():
    ds = dataset(
        **ONE_FC,
        supplier_items=[
            {
                "supplier": "S",
                "sku": "A",
                "fc": "F1",
                "unit_price": 10.0,
                "lead_time_days": 0,
                "moq": 30.0,
                "lot_size": 10.0,
            }
        ],
    )
    _, plan, _ = plan_for(ds, weekly_demand("A", "R1", [7] * 6), 6, relax=True)
    assert plan.purchase_orders["quantity"].sum() == pytest.approx(42.0)


def test_an_lp_solved_by_prices_has_the_whole_models_optimum(monkeypatch):
    """Two skus sharing one short FC: priced on the shared outbound row (planner/solve/prices.py),
    the LP's plan costs what one whole solve costs, and the bound it reports is below it."""
    ds = dataset(
        skus=[{"sku": "A", "unit_cost": 10.0}, {"sku": "B", "unit_cost": 20.0}],
        fulfillment_centers=[{"fc": "F1", "region": "R1", "outbound_capacity": 1.0}],
        inventory=[{"fc": "F1", "sku": "A", "on_hand": 30.0}, {"fc": "F1", "sku": "B", "on_hand": 30.0}],
    )
    demand = pd.concat([weekly_demand("A", "R1", [7, 7]), weekly_demand("B", "R1", [7, 7], priority=1)])
    config = PlanConfig(horizon=2, solver="highs", relax=True, mip_gap=1e-6)
    whole = optimize(ds, demand, NO_ERROR, Calendar(START, "week", 2), config)
    monkeypatch.setattr(HighsSession, "PRICED_COLUMNS", 1)
    priced = optimize(ds, demand, NO_ERROR, Calendar(START, "week", 2), config)
    assert "solved by prices" in priced[2].message
    assert priced[2].objective == pytest.approx(whole[2].objective, rel=1e-6)
    shipped = priced[3].shipments.groupby("sku")["quantity"].sum()
    assert shipped.to_dict() == pytest.approx({"B": 14.0})  # priority 1 takes the 14 units of capacity


def _outbound_short_fc(on_hand: float) -> tuple:
    """One FC that ships 10 a day (70 a week), 100 units wanted now, a safety stock target of 50."""
    ds = dataset(
        fulfillment_centers=[{"fc": "F1", "region": "R1", "outbound_capacity": 10.0}],
        skus=[{"sku": "A", "unit_cost": 10.0}],
        supplier_items=[{"supplier": "S", "sku": "A", "fc": "F1", "unit_price": 10.0, "lead_time_days": 21}],
        inventory=[{"fc": "F1", "sku": "A", "on_hand": on_hand}],
    )
    sigma = pd.DataFrame({"sku": ["A"], "region": ["R1"], "sigma": [20.0]})
    cfg = PlanConfig(horizon=5, solver="highs", service_level=0.9)
    inputs, _, _, plan = optimize(
        ds, weekly_demand("A", "R1", [100, 0, 0, 0, 0]), sigma, Calendar(START, "week", 5), cfg
    )
    return inputs, plan


def test_stock_present_and_outbound_full_is_backlog_never_backorder():
    """100 units on hand, 100 wanted, 70 can ship this week: the 30 left wait for outbound
    capacity with their stock in the FC (backlog), though that empties the safety stock."""
    inputs, plan = _outbound_short_fc(on_hand=100.0)
    assert inputs.safety_stock["target"].iloc[0] > 30
    week0 = plan.inventory_projection.iloc[0]
    assert week0["shipped"] == pytest.approx(70.0)
    assert week0["backlog"] == pytest.approx(30.0)
    assert week0["backorder"] == pytest.approx(0.0)
    assert week0["closing"] == pytest.approx(0.0)


def test_stock_absent_is_backorder():
    """Nothing on hand and the supplier 3 weeks out: the 100 units wait for stock (backorder)."""
    _, plan = _outbound_short_fc(on_hand=0.0)
    week0 = plan.inventory_projection.iloc[0]
    assert week0["backorder"] == pytest.approx(100.0)
    assert week0["backlog"] == pytest.approx(0.0)


def test_transfers_are_whole_units_and_the_plan_is_re_planned_around_them():
    """F2's region wants 10.5 a week for three weeks, F1 holds all the stock: the LP moves
    10.5 a week; the written plan moves whole units and waits for the rest, every row balancing."""
    ds = dataset(
        fulfillment_centers=[
            {"fc": "F1", "region": "R1", "outbound_capacity": 1000.0},
            {"fc": "F2", "region": "R2", "outbound_capacity": 1000.0},
        ],
        skus=[{"sku": "A", "unit_cost": 10.0}],
        inventory=[{"fc": "F1", "sku": "A", "on_hand": 40.0}, {"fc": "F2", "sku": "A", "on_hand": 0.0}],
        transfer_lanes=[{"from_fc": "F1", "to_fc": "F2", "lead_time_days": 0, "cost_per_unit": 1.0}],
    )
    _, plan, _ = plan_for(ds, weekly_demand("A", "R2", [10.5, 10.5, 10.5]), horizon=3, solver="highs")
    moved = plan.transfers["quantity"]
    assert (moved == moved.round()).all() and moved.sum() >= 30
    table = plan.inventory_projection
    inflow = table["opening"] + table["receipts"] + table["transfers_in"]
    outflow = table["transfers_out"] + table["allocated"] + table["closing"]
    assert np.allclose(inflow, outflow, atol=1e-3) and (table["closing"] >= -1e-9).all()


def test_a_planned_po_serving_a_closed_fc_by_transfer_is_sized_by_the_lp_not_the_walk():
    """Nothing discretized; R1 wants 20 a week, R2 6 a week from week 1; one supplier item
    delivers to either FC (MOQ 100, lots of 10); F1 holds 1 unit and ships to F2 a week later.
    F2's line needs 30, under half an MOQ: it is closed and its need pooled on F1. Sized by the
    walk, F1's first PO (100) would cover F1's need to week 3 and F2's to week 3 with 3 to
    spare, but F2's week-4 units leave F1 in week 3: 3 short. The LP sizes that PO at 103,
    bought as 110, and no order waits."""
    fcs = [("F1", "R1"), ("F2", "R2")]
    ds = dataset(
        fulfillment_centers=[{"fc": fc, "region": region, "outbound_capacity": 1000.0} for fc, region in fcs],
        skus=[{"sku": "A", "unit_cost": 10.0}],
        inventory=[{"fc": "F1", "sku": "A", "on_hand": 1.0}, {"fc": "F2", "sku": "A", "on_hand": 0.0}],
        supplier_items=[
            {
                "supplier": "S",
                "sku": "A",
                "fc": "*",
                "unit_price": 10.0,
                "lead_time_days": 0,
                "moq": 100.0,
                "lot_size": 10.0,
            }
        ],
        transfer_lanes=[{"from_fc": "F1", "to_fc": "F2", "lead_time_days": 7, "cost_per_unit": 0.5}],
    )
    demand = pd.concat([weekly_demand("A", "R1", [20] * 6), weekly_demand("A", "R2", [0] + [6] * 5)])
    _, plan, _ = plan_for(ds, demand, horizon=6, solver="highs", integer_periods=0)
    lines = plan.purchase_orders
    assert (lines["fc"] == "F1").all() and (lines["quantity"] % 10 == 0).all() and (lines["quantity"] >= 100).all()
    assert lines["quantity"].iloc[0] == pytest.approx(110.0)
    assert plan.inventory_projection["backorder"].sum() == pytest.approx(0.0, abs=1e-6)


def _one_line(**terms):
    """ONE_FC with one supplier line S -> F1 for sku A (price 10, no lead time) on the given terms."""
    line = {"supplier": "S", "sku": "A", "fc": "F1", "unit_price": 10.0, "lead_time_days": 0}
    return dataset(**ONE_FC, supplier_items=[{**line, **terms}])


def test_planned_pos_rounded_up_past_the_suppliers_capacity_are_rounded_down_not_dropped():
    """Nothing discretized; 105 a week from a supplier of at most 105 a week, in lots of 10:
    rounded up, each planned PO (110) would pass the capacity; rounded down to 100 it fits,
    and four weeks buy 400, not the 200 left when every PO over the capacity was dropped."""
    ds = _one_line(lot_size=10.0, capacity_per_week=105.0)
    _, plan, _ = plan_for(ds, weekly_demand("A", "R1", [105] * 4), horizon=4, solver="highs", integer_periods=0)
    lines = plan.purchase_orders
    assert (lines["quantity"] % 10 == 0).all() and (lines["quantity"] <= 105).all()
    assert lines["quantity"].sum() == pytest.approx(400.0)


def test_planned_pos_past_the_integer_horizon_meet_moq_and_lot():
    """Only the first period is discretized; 13 a week for six weeks from a supplier with an MOQ
    of 30 in lots of 10: every written PO line, released or planned, is whole lots of at least 30."""
    ds = _one_line(moq=30.0, lot_size=10.0)
    _, plan, _ = plan_for(ds, weekly_demand("A", "R1", [13] * 6), horizon=6, solver="highs", integer_periods=1)
    lines = plan.purchase_orders
    assert len(lines) > 1 and (lines["action"] == "planned").any()
    assert (lines["quantity"] % 10 == 0).all() and (lines["quantity"] >= 30).all()
    assert lines["lot_sized"].all()
    assert plan.backorders["quantity"].sum() == pytest.approx(0.0, abs=1e-6)


def test_a_planned_po_whose_moq_is_not_whole_lots_is_lifted_to_the_next_whole_lot():
    """MOQ 110 in lots of 14: the least a buyer can order is 112 (eight lots), not 110."""
    ds = _one_line(moq=110.0, lot_size=14.0)
    _, plan, _ = plan_for(
        ds, weekly_demand("A", "R1", [0, 0, 20, 20, 20, 20]), horizon=6, solver="highs", integer_periods=1
    )
    lines = plan.purchase_orders
    assert (lines["action"] == "planned").any()
    assert (lines["quantity"] % 14 == 0).all() and (lines["quantity"] >= 112).all()
    assert lines["lot_sized"].all()


def test_planned_pos_leave_the_inbound_room_the_discretized_pos_arriving_with_them_take():
    """Inbound takes 30 a day (210 a week) and customers want 300 a week. SLOW's PO of one lot
    of 200, ordered in week 0 (discretized), lands in week 3 with what FAST (MOQ 100) is planned
    to bring then: 10 units of room, not 210. Sized against the whole room, FAST's planned PO
    would leave the LP no plan around it and the planned lines unsized."""
    fc = {"fc": "F1", "region": "R1", "outbound_capacity": 1000.0, "inbound_capacity": 30.0}
    slow = {"supplier": "SLOW", "sku": "A", "fc": "F1", "unit_price": 5.0, "lead_time_days": 21}
    fast = {"supplier": "FAST", "sku": "A", "fc": "F1", "unit_price": 9.0, "lead_time_days": 7, "moq": 100.0}
    ds = dataset(
        fulfillment_centers=[fc], skus=ONE_FC["skus"], supplier_items=[{**slow, "moq": 200.0, "lot_size": 200.0}, fast]
    )
    config = PlanConfig(horizon=6, solver="highs", integer_periods=1)
    demand = weekly_demand("A", "R1", [0] + [300] * 5)
    _, _, result, plan = optimize(ds, demand, NO_ERROR, Calendar(START, "week", 6), config)
    assert "planned POs sized to lots and MOQs" in result.message
    lines = plan.purchase_orders
    assert lines["lot_sized"].all() and (lines["quantity"] % 1 == 0).all()
    assert (lines.groupby("arrival_date")["quantity"].sum() <= 210 + 1e-6).all()


def test_the_one_unit_two_fcs_want_goes_to_the_urgent_order_not_where_rounding_left_it():
    """F1 holds 1 unit; F2's region has an urgent order of 0.5 (priority 1), F3's a forecast
    of 0.5 (priority 4). The LP sends 0.5 to each; rounded, both lanes would ship 1 and the
    first lane's unit is cut, so the urgent order would wait. With transfers as integers the
    unit goes to F2."""
    ds = dataset(
        fulfillment_centers=[
            {"fc": fc, "region": f"R{fc[1]}", "outbound_capacity": 1000.0} for fc in ("F1", "F2", "F3")
        ],
        skus=[{"sku": "A", "unit_cost": 10.0}],
        inventory=[{"fc": "F1", "sku": "A", "on_hand": 1.0}],
        transfer_lanes=[
            {"from_fc": "F1", "to_fc": to, "lead_time_days": 0, "cost_per_unit": 1.0} for to in ("F2", "F3")
        ],
    )
    demand = pd.concat(
        [weekly_demand("A", "R2", [0.5, 0, 0], priority=1), weekly_demand("A", "R3", [0.5, 0, 0], priority=4)]
    )
    config = PlanConfig(horizon=3, solver="highs")
    _, _, result, plan = optimize(ds, demand[demand["quantity"] > 0], NO_ERROR, Calendar(START, "week", 3), config)
    assert "transfers as integers" in result.message
    moved = plan.transfers
    assert moved[["to_fc", "quantity"]].values.tolist() == [["F2", 1.0]]


def test_whole_transfers_never_ship_more_than_the_origin_holds():
    """F2 gets 0.6 twice from F1 and passes 1.2 on to F3: rounded apart, F2 would send a unit it
    never received; the plan keeps every FC's stock whole and non-negative."""
    ds = dataset(
        fulfillment_centers=[
            {"fc": "F1", "region": "R1", "outbound_capacity": 1000.0},
            {"fc": "F2", "region": "R2", "outbound_capacity": 1000.0},
            {"fc": "F3", "region": "R3", "outbound_capacity": 1000.0},
        ],
        skus=[{"sku": "A", "unit_cost": 10.0}],
        inventory=[{"fc": "F1", "sku": "A", "on_hand": 3.0}],
        transfer_lanes=[
            {"from_fc": "F1", "to_fc": "F2", "lead_time_days": 0, "cost_per_unit": 1.0},
            {"from_fc": "F2", "to_fc": "F3", "lead_time_days": 0, "cost_per_unit": 1.0},
        ],
    )
    demand = pd.concat([weekly_demand("A", "R2", [0.3, 0.3, 0.3]), weekly_demand("A", "R3", [0.6, 0.6, 0.6])])
    _, plan, _ = plan_for(ds, demand, horizon=3, solver="highs")
    moved = plan.transfers["quantity"]
    assert (moved == moved.round()).all()
    table = plan.inventory_projection
    assert (table["closing"] >= -1e-9).all() and (table["opening"] >= -1e-9).all()
