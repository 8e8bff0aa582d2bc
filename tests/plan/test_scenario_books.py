"""The scenario engine's books: units conserved per draw, capacities held, urgent orders first."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.calendar import Calendar
from planner.plan.paths import forecast_grid, forecast_paths
from planner.plan.scenarios import RiskInputs, layout, periods

START = pd.Timestamp("2026-01-05")
CALENDAR = Calendar(START, "week", 6)


def day(n: int) -> pd.Timestamp:
    return START + pd.Timedelta(days=n)


def frame(rows: list[tuple], columns: str) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns.split())


def network(**changes) -> RiskInputs:
    """Two FCs: F1 serves north, F2 serves south and, 2 days further, north. Skus A and B.

    A: 30 at F1, 5 at F2, an open PO of 20 into F1 in week 1, a planned PO of 40 into F2 (lead
    10 days, spread 4), a transfer of 15 F1 -> F2 in week 0. B: 50 at F2 only. Outbound F1 60
    units a week, F2 unlimited; inbound F2 5 a day."""
    parts = dict(
        calendar=CALENDAR,
        stock=frame([("A", "F1", 30.0), ("A", "F2", 5.0), ("B", "F2", 50.0)], "sku fc on_hand"),
        receipts=frame([("A", "F1", 1, 20.0)], "sku fc period quantity"),
        purchases=frame(
            [("A", "F2", day(0), 10, 4.0, 40.0)], "sku fc order_date lead_time_days lead_time_std_days quantity"
        ),
        transfers=frame([("F1", "F2", "A", day(0), day(3), 15.0)], "from_fc to_fc sku ship_date arrival_date quantity"),
        fcs=frame(
            [("F1", "north", 60 / 7, np.nan), ("F2", "south", np.nan, 5.0)],
            "fc region outbound_capacity inbound_capacity",
        ),
        arcs=frame(
            [("F1", "north", 0.0, 0), ("F2", "south", 0.0, 0), ("F2", "north", 1.0, 2)],
            "fc region cost_per_unit extra_days",
        ),
        orders=frame([("A", "north", 1, 0, 4.0), ("A", "south", 2, 2, 6.0)], "sku region priority period quantity"),
        forecast=forecast([("A", "north", 12.0, 5.0), ("A", "south", 8.0, 3.0), ("B", "south", 9.0, 4.0)]),
        forecast_priority=4,
    )
    return RiskInputs(**{**parts, **changes})


def without_supply(stock: list[tuple], orders: list[tuple] = (), **changes) -> RiskInputs:
    """The network with only `stock` (sku, fc, on_hand) and `orders` (sku, region, priority,
    period, quantity): no open PO, PO line or transfer."""
    return network(
        stock=frame(stock, "sku fc on_hand"),
        receipts=frame([], "sku fc period quantity"),
        purchases=network().purchases.iloc[:0],
        transfers=network().transfers.iloc[:0],
        orders=frame(list(orders), "sku region priority period quantity"),
        **changes,
    )


def forecast(series: list[tuple], horizon: int = 6) -> pd.DataFrame:
    """One row per period of each (sku, region, mean, sigma)."""
    return pd.DataFrame(
        [(sku, region, t, mean, sigma) for sku, region, mean, sigma in series for t in range(horizon)],
        columns=["sku", "region", "period", "forecast", "sigma"],
    )


def replayed(inputs: RiskInputs, scenarios: int = 40, seed: int = 3) -> list:
    rng = np.random.default_rng(seed)
    mean, std = forecast_grid(inputs.forecast, layout(inputs).series, inputs.calendar)
    return list(periods(inputs, forecast_paths(mean, std, scenarios, rng), scenarios, rng))


def exact(inputs: RiskInputs, demand: dict[tuple[str, str], list[float]]) -> list:
    """One scenario whose demand per (sku, region) and period is given."""
    series = layout(inputs).series
    grid = np.array([demand.get((row.sku, row.region), [0.0] * 6) for row in series.itertuples()], dtype=float)
    return list(periods(inputs, lambda t: grid[:, [t]], 1, np.random.default_rng(0)))


def test_every_draw_conserves_units_per_sku_and_fc():
    flows = replayed(network())
    for f in flows:
        balance = f.opening + f.receipts + f.transfers_in - f.transfers_out - f.shipped
        np.testing.assert_allclose(balance, f.closing, atol=1e-9)
        assert (f.closing >= -1e-12).all()
    for before, after in zip(flows, flows[1:]):
        np.testing.assert_array_equal(before.closing, after.opening)
    for f in flows:
        np.testing.assert_allclose(f.served.sum(axis=0), f.shipped.sum(axis=0))


def test_what_was_received_is_what_was_bought_or_moved_less_the_dock():
    flows = replayed(network())
    received = sum(f.receipts.sum(axis=0) + f.transfers_in.sum(axis=0) for f in flows)
    sent = sum(f.transfers_out.sum(axis=0) for f in flows)
    # open PO 20 + planned PO 40 (or what of it arrived in the plan) + the transfer as it left
    assert (received <= 20 + 40 + sent + 1e-9).all()
    assert (received >= 20 + sent - 1e-9).all()


def test_outbound_and_inbound_capacities_hold_in_every_period_and_draw():
    inputs = network()
    for f in replayed(inputs):
        assert (f.outbound[0] <= 60 + 1e-9).all()  # F1: 60 a week
        assert (f.inbound[1] <= 35 + 1e-9).all()  # F2: 5 a day, no open PO into F2
    plenty = network(
        stock=frame([("A", "F1", 300.0), ("A", "F2", 0.0)], "sku fc on_hand"), transfers=network().transfers.iloc[:0]
    )
    busy = exact(plenty, {("A", "north"): [100.0] * 6})
    assert [f.outbound[0, 0] for f in busy] == pytest.approx([60.0] * 5 + [20.0])  # 300 on hand + 20 open PO


def test_goods_past_the_inbound_room_wait_at_the_dock_for_the_next_period():
    inputs = network(purchases=network().purchases.assign(lead_time_std_days=0.0))
    flows = exact(inputs, {})
    # the transfer of 15 lands in week 0 (room 35); the PO of 40 in week 1 gets 35, the rest in week 2
    assert flows[0].transfers_in[1, 0] == pytest.approx(15.0)
    assert flows[1].receipts[1, 0] == pytest.approx(35.0)
    assert flows[2].receipts[1, 0] == pytest.approx(5.0)


def test_a_transfer_leaves_with_no_more_than_the_origin_holds():
    inputs = network(transfers=network().transfers.assign(quantity=500.0))
    flows = exact(inputs, {})
    assert flows[0].transfers_out[0, 0] == pytest.approx(30.0)
    assert flows[0].closing[0, 0] == pytest.approx(0.0)


def test_the_urgent_order_is_served_first_when_stock_is_short():
    inputs = without_supply([("A", "F1", 10.0), ("B", "F2", 50.0)], [("A", "north", 1, 0, 8.0)])
    f = exact(inputs, {("A", "north"): [20.0] + [0.0] * 5})[0]
    queues = layout(inputs).queues
    urgent = queues.index[queues["priority"] == 1][0]
    assert f.served[urgent, 0] == pytest.approx(8.0)  # the priority-1 order, in full
    assert f.served[:, 0].sum() == pytest.approx(10.0)  # the other 2 units to the forecast
    assert f.backorder[:, 0].sum() == pytest.approx(10.0)


def test_the_urgent_order_is_shipped_first_when_outbound_capacity_is_short():
    inputs = without_supply(
        [("A", "F1", 500.0)], [("A", "north", 1, 0, 50.0)], forecast=forecast([("A", "north", 100.0, 0.0)])
    )
    f = exact(inputs, {("A", "north"): [100.0] * 6})[0]
    queues = layout(inputs).queues
    urgent = queues.index[queues["priority"] == 1][0]
    assert f.served[urgent, 0] == pytest.approx(50.0)
    assert f.shipped.sum() == pytest.approx(60.0)
    # the rest waits with its stock on hand: backlog, not backorder
    assert f.backlog[:, 0].sum() == pytest.approx(40.0)
    assert f.backorder[:, 0].sum() == pytest.approx(0.0)


def test_a_region_is_served_by_its_own_fc_first_then_the_next():
    inputs = without_supply([("A", "F1", 10.0), ("A", "F2", 30.0)], forecast=forecast([("A", "north", 25.0, 0.0)]))
    f = exact(inputs, {("A", "north"): [25.0] * 6})[0]
    assert f.shipped[:, 0].tolist() == pytest.approx([10.0, 15.0])


def test_without_lead_time_spread_a_po_arrives_in_its_planned_period_in_every_draw():
    inputs = network(
        purchases=network().purchases.assign(lead_time_std_days=0.0), fcs=network().fcs.assign(inbound_capacity=np.nan)
    )
    flows = replayed(inputs)
    assert (flows[1].receipts[1] == 40.0).all()
    spread = replayed(network(fcs=network().fcs.assign(inbound_capacity=np.nan)))
    weeks = np.array([f.receipts[1] for f in spread]) > 0
    assert weeks[0].any() and weeks[2].any()  # 10 days +- 4: some early into week 0, some late into week 2


def test_a_sku_x_fc_that_only_receives_is_booked_too():
    inputs = network(stock=frame([("B", "F2", 50.0)], "sku fc on_hand"))
    pairs = layout(inputs).pairs
    assert list(zip(pairs["sku"], pairs["fc"])) == [("A", "F1"), ("A", "F2"), ("B", "F2")]
    flows = exact(inputs, {})
    assert flows[1].receipts[0, 0] == pytest.approx(20.0)  # the open PO into A at F1, held nowhere today
    assert flows[0].transfers_out[0, 0] == 0.0  # nothing to send
