"""The rolling-horizon replay: each week a policy decides, then the simulator applies real demand.

The replay covers the last N weeks of demand history. The dataset's stock, open POs and open
orders are taken as the state on the replay's first day (their dates moved back by N weeks).
Each week t, from day D_t:

1. the policy sees a snapshot: history before D_t, stock, goods in transit (at their promised
   date, or today when overdue), open order lines; it returns POs and transfers to start today;
2. POs are placed on the real lead times (plus any supplier delay) and supplier capacities;
   transfers leave within the stock on hand and the lane capacities;
3. goods arriving before D_t+7 are received within inbound capacity;
4. the week's actual demand joins the open order lines, which are shipped by priority, then due
   date, within outbound capacity; what is due and unshipped is backorder or backlog.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from planner.data.dataset import Dataset
from planner.data.schema import column_names
from planner.simulate.ledger import WEEK, InTransit, Ledger, OrderLine, WeekFlows
from planner.simulate.network import Network
from planner.simulate.orders import demand_lines, open_order_lines, weekly_demand
from planner.simulate.scenario import SupplierDelay, extra_days


@dataclass(frozen=True)
class PolicyRun:
    name: str
    start: pd.Timestamp
    weekly: pd.DataFrame
    ledger: Ledger
    opening_value: float  # stock on hand and in transit on the first day, at replacement price
    opening_owed: float = 0.0  # open order units on the first day, at replacement price
    seconds: float = 0.0  # wall time of the run, for benchmarks (never written to the outputs)


def replay_start(dataset: Dataset, weeks: int) -> pd.Timestamp:
    """First day of the replay: N weeks before the day after the last history date."""
    return dataset.last_history_date + pd.Timedelta(days=1) - weeks * WEEK


class ReplayError(ValueError):
    """The replay cannot run as asked (too many weeks for the history, an unknown supplier ...)."""


def check_replay(dataset: Dataset, weeks: int, delays: tuple[SupplierDelay, ...] = ()) -> None:
    """A replay needs history before its first day to forecast from, and delays of known suppliers."""
    if weeks < 1:
        raise ReplayError("a replay needs at least one week")
    suppliers = set(dataset.supplier_items["supplier"])
    for delay in delays:
        if delay.supplier not in suppliers:
            raise ReplayError(f"supplier delay: no supplier '{delay.supplier}' in supplier_items")
    start = replay_start(dataset, weeks)
    if not (dataset.demand_history["date"] < start).any():
        first = dataset.demand_history["date"].min().date()
        raise ReplayError(
            f"demand_history starts on {first}: no history is left before a {weeks}-week "
            f"replay from {start.date()}; replay fewer weeks"
        )


def week_orders(dataset: Dataset, weeks: int, seed: int) -> list[list[OrderLine]]:
    """Each replay week's actual demand as order lines; the same for every policy of a run."""
    rng = np.random.default_rng(seed)
    start = replay_start(dataset, weeks)
    return [
        demand_lines(weekly_demand(dataset.demand_history, start + t * WEEK), t, start + t * WEEK, rng)
        for t in range(weeks)
    ]


@dataclass(frozen=True)
class Replay:
    """One replay's fixed inputs: the dataset, its network, each week's orders, the disruptions."""

    dataset: Dataset
    network: Network
    orders: list[list[OrderLine]]
    holding_rate: float
    delays: tuple[SupplierDelay, ...] = ()

    def run(self, policy, progress=lambda week: None) -> PolicyRun:
        """Run one policy through every week of the replay."""
        started = time.perf_counter()
        weeks = len(self.orders)
        start = replay_start(self.dataset, weeks)
        ledger = opening_ledger(self.dataset, self.network, weeks * WEEK)
        opening, owed = ledger.replacement_value(), ledger.owed_value()
        records = []
        for week in range(weeks):
            progress(week)
            today = start + week * WEEK
            decisions = policy.decide(snapshot(self.dataset, ledger, today), today)
            flows = WeekFlows()
            ledger.release_purchases(decisions.purchases, today, flows, extra_days(self.delays, week))
            ledger.start_transfers(decisions.transfers, today, flows)
            ledger.receive(today + WEEK, flows)
            ledger.orders.extend(copy.deepcopy(self.orders[week]))
            ledger.fulfil(week, today, flows)
            records.append(
                week_record(week, today, ledger, flows, self.orders[week], decisions.planned, self.holding_rate)
            )
        seconds = time.perf_counter() - started
        return PolicyRun(policy.name, start, pd.DataFrame(records), ledger, opening, owed, seconds)


def opening_ledger(dataset: Dataset, network: Network, shift: pd.Timedelta) -> Ledger:
    """The dataset's state as the replay's first day: stock, open POs and open order lines."""
    on_hand = dataset.inventory.groupby(["sku", "fc"], sort=True)["on_hand"].sum().astype(float).to_dict()
    in_transit = [
        InTransit(
            "purchase",
            row.supplier,
            row.sku,
            row.fc,
            float(row.quantity),
            row.eta - shift,
            row.eta - shift,
            row.po_id or f"OPEN-{i:06d}",
        )
        for i, row in enumerate(dataset.inbound.itertuples(index=False))
    ]
    return Ledger(network, on_hand, in_transit, open_order_lines(dataset.open_orders, shift))


def snapshot(dataset: Dataset, ledger: Ledger, today: pd.Timestamp) -> Dataset:
    """What a policy knows on `today`, as a Dataset the planner reads like any other."""
    inventory = pd.DataFrame(
        [(fc, sku, units) for (sku, fc), units in sorted(ledger.on_hand.items())], columns=column_names("inventory")
    )
    inbound = pd.DataFrame(
        [(i.fc, i.sku, i.quantity, max(i.expected, today), i.origin, i.ref) for i in ledger.in_transit],
        columns=column_names("inbound"),
    )
    lines = pd.DataFrame(
        [(o.order_id, o.sku, o.region, o.remaining, o.order_date, o.due_date, o.priority) for o in ledger.open_lines()],
        columns=column_names("open_orders"),
    )
    history = dataset.demand_history
    return replace(
        dataset,
        inventory=inventory.astype({"on_hand": float}),
        inbound=inbound.astype({"quantity": float, "eta": "datetime64[ns]"}),
        open_orders=lines.astype(
            {"quantity": float, "priority": "int64", "order_date": "datetime64[ns]", "due_date": "datetime64[ns]"}
        ),
        demand_history=history[history["date"] < today].reset_index(drop=True),
    )


def week_record(
    week: int,
    today: pd.Timestamp,
    ledger: Ledger,
    flows: WeekFlows,
    new_lines: list[OrderLine],
    planned: bool,
    holding_rate: float,
) -> dict:
    """One row of simulation.csv: the week's flows and its closing state."""
    backorder, backlog = ledger.waiting(today + WEEK)
    value = ledger.stock_value()
    return {
        "week": week,
        "week_start": today,
        "demand_units": sum(line.quantity for line in new_lines),
        "shipped_units": sum(flows.shipped.values()),
        "backorder_units": backorder,
        "backlog_units": backlog,
        "on_hand_units": sum(ledger.on_hand.values()),
        "inventory_value": value,
        "in_transit_units": sum(item.quantity for item in ledger.in_transit),
        "received_units": sum(flows.received.values()),
        "purchase_orders": flows.purchase_lines,
        "purchased_units": flows.purchased_units,
        "purchase_cost": flows.purchase_cost,
        "transferred_units": flows.transferred_units,
        "transfer_cost": flows.transfer_cost,
        "shipping_cost": flows.shipping_cost,
        "holding_cost": value * holding_rate * 7 / 365,
        "storage_overflow_m3": ledger.storage_overflow(),
        "planned": planned,
    }
