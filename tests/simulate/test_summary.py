"""The comparison table's accounting, checked against a policy that never buys and one that
buys every week from the dear supplier."""

from __future__ import annotations

import pandas as pd
import pytest
from simulate_builders import tiny_dataset

from planner.simulate.ledger import OrderLine
from planner.simulate.network import Network
from planner.simulate.policies import PURCHASE_COLUMNS, Decisions
from planner.simulate.replay import Replay, week_orders
from planner.simulate.summary import due_lines, policy_summary


class Idle:
    name = "idle"

    def decide(self, view, today) -> Decisions:
        return Decisions.none()


class DearBuyer:
    """20 A a week from FAST (10.0; A's lowest price is SLOW's 8.0, FAST carries 15 a week), 12 B from SLOW."""

    name = "dear"

    def decide(self, view, today) -> Decisions:
        buys = [("FAST", "A", "FC2", 20.0), ("SLOW", "B", "FC2", 12.0)]
        return Decisions(pd.DataFrame(buys, columns=PURCHASE_COLUMNS), Decisions.none().transfers)


@pytest.fixture(scope="module")
def idle_run():
    data = tiny_dataset()
    return Replay(data, Network.from_dataset(data), week_orders(data, 3, seed=1), 0.25).run(Idle())


def test_without_purchases_the_stock_given_up_is_what_was_shipped_at_replacement_price(idle_run):
    summary = policy_summary(idle_run)
    shipped = pd.DataFrame(idle_run.ledger.shipments).groupby("sku")["quantity"].sum()
    assert summary["purchase_cost"] == 0 and summary["purchase_orders"] == 0
    assert summary["stock_value_change"] == pytest.approx(-(8.0 * shipped.get("A", 0) + 4.0 * shipped.get("B", 0)))
    assert summary["net_cost"] == pytest.approx(
        summary["total_cost"] - summary["stock_value_change"] + summary["owed_value_change"]
    )
    owed = sum(line.remaining * {"A": 8.0, "B": 4.0}[line.sku] for line in idle_run.ledger.orders)
    assert summary["owed_value_end"] == pytest.approx(owed) and owed > 0  # B runs out


def test_units_still_owed_at_the_end_are_charged_at_replacement_price():
    """One week: the open order O1 (3 A) ships from FC1's 25; a line of 20 B meets FC2's 8.

    12 B are still owed at the end, at B's one price 4.0: 48. On the first day O1's 3 A were
    owed at A's lowest price 8.0 (SLOW, not FAST's 10.0): 24. The stock given up is 3 x 8.0 +
    8 x 4.0 = 56, so net cost = total cost (holding only) + 56 + (48 - 24).
    """
    data = tiny_dataset()
    monday = pd.Timestamp("2026-11-23")
    line = OrderLine("BIG", "B", "south", 20.0, monday, monday + pd.Timedelta(days=6), 2)
    run = Replay(data, Network.from_dataset(data), [[line]], 0.25).run(Idle())
    summary = policy_summary(run)
    assert run.start == monday
    assert [(o.order_id, o.remaining) for o in run.ledger.orders] == [("O1", 0.0), ("BIG", 12.0)]
    assert summary["owed_value_end"] == pytest.approx(48.0)
    assert summary["owed_value_change"] == pytest.approx(48.0 - 24.0)
    assert summary["stock_value_change"] == pytest.approx(-56.0)
    assert summary["total_cost"] == pytest.approx(summary["holding_cost"])
    assert summary["net_cost"] == pytest.approx(summary["holding_cost"] + 56.0 + 24.0)


def test_fill_rate_is_the_share_of_due_units_shipped_by_their_due_date(idle_run):
    due = due_lines(idle_run)
    summary = policy_summary(idle_run)
    assert 0 < summary["fill_rate"] < 1  # B runs out: 8 in stock, 6 a week wanted, none bought
    assert summary["fill_rate"] == pytest.approx(due["on_time_units"].sum() / due["quantity"].sum())
    assert summary["backorder_unit_weeks"] > 0


def test_net_cost_is_the_price_paid_above_the_lowest_plus_running_costs_plus_the_demand_at_the_lowest_price():
    """Stock and owed units both at the lowest price: what a policy bought and still holds, and
    what it still owes, cancel out, leaving what it paid above that price (2.0 on each of the
    15 A FAST carries a week), holding, transfers, shipping, and the replay's new demand at the
    lowest price (the same for every policy)."""
    data = tiny_dataset()
    orders = week_orders(data, 4, seed=3)
    run = Replay(data, Network.from_dataset(data), orders, 0.25).run(DearBuyer())
    summary = policy_summary(run)
    demand = sum(line.quantity * {"A": 8.0, "B": 4.0}[line.sku] for week in orders for line in week)
    running = summary["holding_cost"] + summary["transfer_cost"] + summary["shipping_cost"]
    assert summary["purchase_cost"] == pytest.approx(4 * (15 * 10.0 + 12 * 4.0))
    assert summary["net_cost"] == pytest.approx(4 * 15 * 2.0 + running + demand)
