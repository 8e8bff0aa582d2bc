"""The comparison table's accounting, checked against a policy that never buys."""

from __future__ import annotations

import pandas as pd
import pytest
from simulate_builders import tiny_dataset

from planner.simulate.network import Network
from planner.simulate.policies import Decisions
from planner.simulate.replay import Replay, week_orders
from planner.simulate.summary import due_lines, policy_summary


class Idle:
    name = "idle"

    def decide(self, view, today) -> Decisions:
        return Decisions.none()


@pytest.fixture(scope="module")
def idle_run():
    data = tiny_dataset()
    return Replay(data, Network.from_dataset(data), week_orders(data, 3, seed=1), 0.25).run(Idle())


def test_without_purchases_the_stock_given_up_is_what_was_shipped_at_replacement_price(idle_run):
    summary = policy_summary(idle_run)
    shipped = pd.DataFrame(idle_run.ledger.shipments).groupby("sku")["quantity"].sum()
    assert summary["purchase_cost"] == 0 and summary["purchase_orders"] == 0
    assert summary["stock_value_change"] == pytest.approx(-(8.0 * shipped.get("A", 0) + 4.0 * shipped.get("B", 0)))
    assert summary["net_cost"] == pytest.approx(summary["total_cost"] - summary["stock_value_change"])


def test_fill_rate_is_the_share_of_due_units_shipped_by_their_due_date(idle_run):
    due = due_lines(idle_run)
    summary = policy_summary(idle_run)
    assert 0 < summary["fill_rate"] < 1  # B runs out: 8 in stock, 6 a week wanted, none bought
    assert summary["fill_rate"] == pytest.approx(due["on_time_units"].sum() / due["quantity"].sum())
    assert summary["backorder_unit_weeks"] > 0
