"""The baselines' stock rules on a constant demand, where s, S and the base stock are known by hand."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from builders import table
from simulate_builders import tiny_dataset

from planner.config import PlanConfig
from planner.simulate.network import Network
from planner.simulate.policies import MinMaxPolicy, OrderUpToPolicy, WeeklyForecast, supplier_options

TODAY = pd.Timestamp("2026-11-30")  # the day after the history: 10/week of A in north, 4 in south


def view(on_hand_a_fc1: float):
    """The tiny network with nothing in transit, no open orders, and the given stock of A at FC1."""
    data = tiny_dataset()
    stock = [
        {"fc": "FC1", "sku": "A", "on_hand": on_hand_a_fc1},
        {"fc": "FC2", "sku": "A", "on_hand": 100.0},
        {"fc": "FC2", "sku": "B", "on_hand": 100.0},
    ]
    return replace(
        data, inventory=table("inventory", stock), inbound=table("inbound", []), open_orders=table("open_orders", [])
    )


def decide(policy_class, on_hand: float) -> dict:
    return decide_on(view(on_hand), policy_class)


def test_cheapest_and_fastest_supplier_per_sku_and_fc():
    network = Network.from_dataset(tiny_dataset())
    cheapest = supplier_options(network, "cheapest").set_index(["sku", "fc"])["supplier"].to_dict()
    fastest = supplier_options(network, "fastest").set_index(["sku", "fc"])["supplier"].to_dict()
    assert cheapest == {("A", "FC1"): "SLOW", ("A", "FC2"): "SLOW", ("B", "FC2"): "SLOW"}
    assert fastest == {("A", "FC1"): "FAST", ("A", "FC2"): "FAST", ("B", "FC2"): "SLOW"}


def test_minmax_waits_above_the_reorder_point():
    # s = 10/week x 2 weeks of lead time = 20 (no forecast error on a constant series)
    assert decide(MinMaxPolicy, 21.0) == {}


def test_minmax_orders_up_to_s_plus_a_month_in_whole_lots_from_the_cheapest_supplier():
    # S = 20 + 4 weeks x 10 = 60; 60 - 15 = 45 -> 5 lots of 10
    assert decide(MinMaxPolicy, 15.0) == {("SLOW", "A", "FC1"): 50.0}


def test_order_up_to_tops_up_to_the_base_stock_from_the_cheapest_supplier():
    # base stock = 10/week x (2 weeks + 1 review) = 30; fast threshold = 10 x (3/7 + 1) = 14.3
    assert decide(OrderUpToPolicy, 22.0) == {("SLOW", "A", "FC1"): 10.0 * 2}  # 8 wanted, MOQ 20


def test_order_up_to_calls_the_fast_supplier_only_below_its_threshold():
    quantities = decide(OrderUpToPolicy, 10.0)
    assert quantities[("FAST", "A", "FC1")] == pytest.approx(5.0)  # 14.3 - 10, whole units
    assert quantities[("SLOW", "A", "FC1")] == pytest.approx(20.0)  # 30 - 15 -> 2 lots


def test_the_baselines_reuse_the_forecast_the_weekly_plan_made(monkeypatch):
    import planner.simulate.policies as policies
    from planner.simulate import simulate

    monkeypatch.setattr(policies, "forecast_demand", lambda *a, **k: pytest.fail("forecast made twice"))
    result = simulate(tiny_dataset(), PlanConfig(solver="highs"), weeks=1, policies=("lp", "minmax"))
    assert result.summary["policy"].tolist() == ["lp", "minmax"]


def with_spread(data, lead_time_std_days: float, service_level: float | None = None):
    """The slow supplier of A a week late or early (one standard deviation); A at its own level."""
    items = data.supplier_items.assign(
        lead_time_std_days=lambda f: f["lead_time_std_days"].mask(
            (f["supplier"] == "SLOW") & (f["sku"] == "A"), lead_time_std_days
        )
    )
    skus = data.skus.assign(service_level=lambda f: f["service_level"].mask(f["sku"] == "A", service_level))
    return replace(data, supplier_items=items, skus=skus)


def decide_on(data, policy_class) -> dict:
    config = PlanConfig()
    policy = policy_class(Network.from_dataset(data), config, WeeklyForecast(config))
    lines = policy.decide(data, TODAY).purchases
    return {(row.supplier, row.sku, row.fc): row.quantity for row in lines.itertuples(index=False)}


def test_minmax_reorder_point_counts_lead_time_spread_at_the_skus_service_level():
    # s = 20 + z(0.95) x 10/week x 1 week = 36.4: 30 on hand orders up to S = 36.4 + 40 -> 5 lots
    assert decide_on(with_spread(view(30.0), 7.0), MinMaxPolicy) == {("SLOW", "A", "FC1"): 50.0}
    # at A's own level of 0.5 (z = 0) the spread adds nothing: s = 20, 30 on hand waits
    assert decide_on(with_spread(view(30.0), 7.0, service_level=0.5), MinMaxPolicy) == {}
