"""The simulator's books: lead times, capacities, service order, backorder vs backlog."""

from __future__ import annotations

import pandas as pd
import pytest
from simulate_builders import tiny_dataset

from planner.simulate.ledger import Ledger, OrderLine, WeekFlows
from planner.simulate.network import Network

TODAY = pd.Timestamp("2026-06-01")
WEEK = pd.Timedelta(days=7)


@pytest.fixture
def ledger() -> Ledger:
    return Ledger(Network.from_dataset(tiny_dataset()), {("A", "FC1"): 25.0, ("A", "FC2"): 5.0})


def purchases(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["supplier", "sku", "fc", "quantity"])


def line(order_id, quantity, priority, due_days, region="north", sku="A") -> OrderLine:
    return OrderLine(order_id, sku, region, quantity, TODAY, TODAY + pd.Timedelta(days=due_days), priority)


def test_a_po_arrives_after_its_lead_time_plus_any_delay(ledger):
    flows = WeekFlows()
    ledger.release_purchases(
        purchases(("SLOW", "A", "FC2", 20.0)), TODAY, flows, delay_days=lambda supplier: 7 if supplier == "SLOW" else 0
    )
    assert (flows.purchase_lines, flows.purchase_cost) == (1, 160.0)
    for week in range(3):
        ledger.receive(TODAY + (week + 1) * WEEK, flows)
        assert ledger.on_hand[("A", "FC2")] == 5.0, f"received in week {week}, before 14 + 7 days"
    ledger.receive(TODAY + 4 * WEEK, flows)
    assert ledger.on_hand[("A", "FC2")] == 25.0 and ledger.in_transit == []


def test_supplier_capacity_is_shared_by_the_fcs_of_a_star_line(ledger):
    flows = WeekFlows()
    ledger.release_purchases(purchases(("FAST", "A", "FC1", 10.0), ("FAST", "A", "FC2", 10.0)), TODAY, flows)
    assert flows.purchased_units == 15.0


def test_inbound_capacity_holds_the_rest_at_the_dock_for_next_week(ledger):
    flows = WeekFlows()
    ledger.release_purchases(purchases(("SLOW", "A", "FC1", 200.0)), TODAY - 2 * WEEK, flows)
    ledger.receive(TODAY + WEEK, flows)
    assert flows.received[("A", "FC1")] == 140.0  # 20 units/day
    ledger.receive(TODAY + 2 * WEEK, flows)
    assert flows.received[("A", "FC1")] == 200.0


def test_transfers_leave_within_stock_and_lane_capacity_and_arrive_after_the_lane_time(ledger):
    flows = WeekFlows()
    moves = pd.DataFrame(
        [("FC1", "FC2", "A", 50.0), ("FC2", "FC1", "A", 50.0)], columns=["from_fc", "to_fc", "sku", "quantity"]
    )
    ledger.start_transfers(moves, TODAY, flows)
    assert flows.transferred_out == {("A", "FC1"): 12.0, ("A", "FC2"): 5.0}
    assert [(i.fc, i.arrival) for i in ledger.in_transit] == [
        ("FC2", TODAY + pd.Timedelta(days=2)),
        ("FC1", TODAY + pd.Timedelta(days=2)),
    ]
    assert flows.transfer_cost == pytest.approx(8.5)


def test_lines_ship_by_priority_then_due_date_within_outbound_capacity(ledger):
    ledger.on_hand[("A", "FC1")] = 100.0
    ledger.orders = [line("late-p2", 10, 2, 1), line("p1-later", 20, 1, 5), line("p1-sooner", 10, 1, 2)]
    ledger.fulfil(0, TODAY, WeekFlows())
    shipped = {o.order_id: o.shipped for o in ledger.orders}
    assert shipped == {"p1-sooner": 10, "p1-later": 20, "late-p2": 5}  # 35 units/week at FC1


def test_a_region_is_served_by_its_own_fc_first_then_by_a_shipping_lane(ledger):
    ledger.orders = [line("south", 8, 1, 3, region="south")]
    flows = WeekFlows()
    ledger.fulfil(0, TODAY, flows)
    assert [(s.fc, s.quantity) for s in ledger.shipments] == [("FC2", 5.0), ("FC1", 3.0)]
    assert flows.shipping_cost == pytest.approx(4.5)


def test_unshipped_due_units_are_backlog_where_stock_waits_for_capacity_and_backorder_elsewhere(ledger):
    ledger.on_hand[("A", "FC1")] = 40.0
    ledger.orders = [line("big", 50, 1, 3), line("not-due", 9, 3, 20)]
    ledger.fulfil(0, TODAY, WeekFlows())
    assert ledger.waiting(TODAY + WEEK) == (10.0, 5.0)  # 35 shipped; 5 in stock wait; 10 have no stock


def test_no_line_is_served_twice_or_beyond_its_quantity(ledger):
    ledger.on_hand[("A", "FC1")] = 500.0
    ledger.orders = [line("one", 30, 1, 3), line("two", 30, 2, 3)]
    for week in range(3):
        ledger.fulfil(week, TODAY + week * WEEK, WeekFlows())
    per_line = pd.DataFrame(ledger.shipments).groupby("order_id")["quantity"].sum().to_dict()
    assert per_line == {"one": 30.0, "two": 30.0}
    assert [o.completed for o in ledger.orders] == [TODAY, TODAY + WEEK]
