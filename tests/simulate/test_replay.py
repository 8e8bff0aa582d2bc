"""A whole replay's bookkeeping: units conserved every week, every order line served at most once."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest
from simulate_builders import tiny_dataset

from planner.config import PlanConfig
from planner.simulate import ReplayError, simulate
from planner.simulate.network import Network
from planner.simulate.policies import PURCHASE_COLUMNS, TRANSFER_COLUMNS, Decisions
from planner.simulate.replay import Replay, replay_start, snapshot, week_orders
from planner.simulate.report import simulation_files
from planner.simulate.scenario import SupplierDelay

WEEKS = 4


@dataclass
class BusyPolicy:
    """Buys from both suppliers and moves stock both ways every week, to exercise every flow."""

    name: str = "busy"

    def decide(self, view, today) -> Decisions:
        buys = pd.DataFrame(
            [("SLOW", "A", "FC1", 30.0), ("FAST", "A", "FC2", 20.0), ("SLOW", "B", "FC2", 12.0)],
            columns=PURCHASE_COLUMNS,
        )
        moves = pd.DataFrame([("FC1", "FC2", "A", 6.0), ("FC2", "FC1", "B", 2.0)], columns=TRANSFER_COLUMNS)
        return Decisions(buys, moves)


@pytest.fixture(scope="module")
def busy_run():
    data = tiny_dataset()
    setup = Replay(
        data, Network.from_dataset(data), week_orders(data, WEEKS, seed=3), 0.25, (SupplierDelay("SLOW", 7, 1, 2),)
    )
    return setup.run(BusyPolicy())


def test_stock_is_conserved_every_week(busy_run):
    weekly = busy_run.weekly
    opening_on_hand = 25.0 + 5.0 + 8.0
    on_hand_before = [opening_on_hand] + weekly["on_hand_units"].tolist()[:-1]
    expected = (
        pd.Series(on_hand_before) + weekly["received_units"] - weekly["transferred_units"] - weekly["shipped_units"]
    )
    assert weekly["on_hand_units"].to_numpy() == pytest.approx(expected.to_numpy())
    system = weekly["on_hand_units"] + weekly["in_transit_units"]
    system_before = [opening_on_hand + 30.0] + system.tolist()[:-1]
    assert system.to_numpy() == pytest.approx(
        (pd.Series(system_before) + weekly["purchased_units"] - weekly["shipped_units"]).to_numpy()
    )
    assert (weekly[["on_hand_units", "in_transit_units", "backorder_units", "backlog_units"]] >= -1e-9).all().all()


def test_every_order_line_is_served_at_most_once_and_never_beyond_its_quantity(busy_run):
    lines = busy_run.ledger.orders
    assert len({(o.order_id, o.sku) for o in lines}) == len(lines)
    shipped = pd.DataFrame(busy_run.ledger.shipments).groupby(["order_id", "sku"])["quantity"].sum()
    for order in lines:
        assert shipped.get((order.order_id, order.sku), 0.0) == pytest.approx(order.shipped)
        assert order.shipped <= order.quantity + 1e-9


def test_the_weeks_demand_is_the_held_out_history():
    data = tiny_dataset()
    orders = week_orders(data, WEEKS, seed=3)
    assert [sum(o.quantity for o in week) for week in orders] == [20.0] * WEEKS  # 10 + 4 of A, 6 of B
    assert {o.priority for week in orders for o in week} <= {1, 2, 3}


def test_a_policy_sees_only_the_history_before_today_and_goods_at_their_promised_date(busy_run):
    data = tiny_dataset()
    today = replay_start(data, WEEKS) + pd.Timedelta(days=14)
    view = snapshot(data, busy_run.ledger, today)
    assert view.demand_history["date"].max() < today
    assert (view.inbound["eta"] >= today).all()


def test_the_same_seed_gives_the_same_files():
    data = tiny_dataset()
    runs = [
        simulation_files(simulate(data, PlanConfig(), weeks=2, policies=("minmax", "order-up-to"), seed=5))
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    summary = runs[0]["simulation_summary.csv"].decode().splitlines()
    assert summary[0].startswith("policy,weeks,weeks_without_plan,fill_rate,on_time_p1")
    assert [row.split(",")[0] for row in summary[1:]] == ["minmax", "order-up-to"]


@pytest.mark.parametrize(
    "weeks, policies, message",
    [
        (200, ("minmax",), "no history is left"),
        (2, ("magic",), "unknown policy"),
    ],
)
def test_a_replay_that_cannot_run_says_why(weeks, policies, message):
    with pytest.raises(ReplayError, match=message):
        simulate(tiny_dataset(), PlanConfig(), weeks=weeks, policies=policies)
