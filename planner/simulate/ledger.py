"""The simulator's books: stock per sku x FC, goods in transit, customer order lines, shipments.

Every change of stock goes through one of four operations, applied in this order each week:
release purchase orders, start transfers, receive what arrives (within inbound capacity),
ship open order lines (by priority, then due date, within outbound capacity). Nothing else
moves stock, so units are conserved by construction and the tests can check it week by week.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from planner.simulate.network import Network

EPS = 1e-6
WEEK = pd.Timedelta(days=7)


@dataclass
class InTransit:
    """A PO or a transfer on its way: `arrival` is when it really arrives, `expected` what was promised."""

    kind: str  # "purchase" or "transfer"
    origin: str  # supplier or origin FC
    sku: str
    fc: str
    quantity: float
    arrival: pd.Timestamp
    expected: pd.Timestamp
    ref: str


@dataclass
class OrderLine:
    order_id: str
    sku: str
    region: str
    quantity: float
    order_date: pd.Timestamp
    due_date: pd.Timestamp
    priority: int
    shipped: float = 0.0
    completed: pd.Timestamp | None = None  # start of the week its last unit shipped

    @property
    def remaining(self) -> float:
        return self.quantity - self.shipped

    @property
    def open(self) -> bool:
        return self.remaining > EPS

    def sort_key(self) -> tuple:
        """Service order of every policy: priority, then due date (then order date and id, for ties)."""
        return self.priority, self.due_date, self.order_date, self.order_id, self.sku


@dataclass(frozen=True)
class Shipment:
    week: int
    order_id: str
    sku: str
    fc: str
    quantity: float


@dataclass
class WeekFlows:
    """What moved in one week, per (sku, fc) where it applies."""

    purchase_lines: int = 0
    purchased_units: float = 0.0
    purchase_cost: float = 0.0
    transferred_units: float = 0.0
    transfer_cost: float = 0.0
    shipping_cost: float = 0.0
    received: dict = field(default_factory=lambda: defaultdict(float))
    transferred_out: dict = field(default_factory=lambda: defaultdict(float))
    shipped: dict = field(default_factory=lambda: defaultdict(float))


@dataclass
class Ledger:
    network: Network
    on_hand: dict[tuple[str, str], float]
    in_transit: list[InTransit] = field(default_factory=list)
    orders: list[OrderLine] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)
    _refs: int = 0

    def release_purchases(
        self, purchases: pd.DataFrame, today: pd.Timestamp, flows: WeekFlows, delay_days=lambda supplier: 0
    ) -> None:
        """Place POs (supplier, sku, fc, quantity) today, within each supplier line's weekly capacity."""
        used = defaultdict(float)
        for row in purchases.sort_values(["supplier", "sku", "fc"]).itertuples(index=False):
            line = self.network.supplier_line(row.supplier, row.sku, row.fc)
            quantity = min(float(row.quantity), line.capacity_per_week - used[line.line])
            if quantity <= EPS:
                continue
            used[line.line] += quantity
            expected = today + pd.Timedelta(days=line.lead_time_days)
            arrival = expected + pd.Timedelta(days=delay_days(row.supplier))
            self.in_transit.append(
                InTransit("purchase", row.supplier, row.sku, row.fc, quantity, arrival, expected, self._ref("PO"))
            )
            flows.purchase_lines += 1
            flows.purchased_units += quantity
            flows.purchase_cost += quantity * line.unit_price

    def start_transfers(self, transfers: pd.DataFrame, today: pd.Timestamp, flows: WeekFlows) -> None:
        """Ship stock between FCs (from_fc, to_fc, sku, quantity): no more than is on hand or the lane carries."""
        used = defaultdict(float)
        for row in transfers.sort_values(["from_fc", "to_fc", "sku"]).itertuples(index=False):
            lane = self.network.lanes.get((row.from_fc, row.to_fc))
            if lane is None:
                raise ValueError(f"no transfer lane {row.from_fc} -> {row.to_fc}")
            origin = (row.sku, row.from_fc)
            quantity = min(
                float(row.quantity),
                self.on_hand.get(origin, 0.0),
                lane.capacity_per_week - used[(row.from_fc, row.to_fc)],
            )
            if quantity <= EPS:
                continue
            used[(row.from_fc, row.to_fc)] += quantity
            self.on_hand[origin] -= quantity
            arrival = today + pd.Timedelta(days=lane.lead_time_days)
            self.in_transit.append(
                InTransit("transfer", row.from_fc, row.sku, row.to_fc, quantity, arrival, arrival, self._ref("TR"))
            )
            flows.transferred_units += quantity
            flows.transfer_cost += quantity * lane.cost_per_unit
            flows.transferred_out[origin] += quantity

    def receive(self, week_end: pd.Timestamp, flows: WeekFlows) -> None:
        """Put away what arrives before `week_end`, earliest first, within each FC's inbound capacity.

        What the dock cannot take stays in transit (already due) and is received first next week.
        """
        room = dict(self.network.inbound_per_week)
        waiting = []
        for item in sorted(self.in_transit, key=lambda i: (i.arrival, i.ref)):
            taken = min(item.quantity, room.get(item.fc, 0.0)) if item.arrival < week_end else 0.0
            if taken > EPS:
                room[item.fc] -= taken
                self.on_hand[(item.sku, item.fc)] = self.on_hand.get((item.sku, item.fc), 0.0) + taken
                flows.received[(item.sku, item.fc)] += taken
                item.quantity -= taken
            if item.quantity > EPS:
                waiting.append(item)
        self.in_transit = waiting

    def fulfil(self, week: int, week_start: pd.Timestamp, flows: WeekFlows) -> None:
        """Ship open lines by priority then due date, each from the first serving FC with stock and capacity."""
        capacity = dict(self.network.outbound_per_week)
        for line in self.open_lines():
            for fc, cost in self.network.serving_fcs.get(line.region, ()):
                quantity = min(line.remaining, self.on_hand.get((line.sku, fc), 0.0), capacity.get(fc, 0.0))
                if quantity <= EPS:
                    continue
                capacity[fc] -= quantity
                self.on_hand[(line.sku, fc)] -= quantity
                line.shipped += quantity
                flows.shipped[(line.sku, fc)] += quantity
                flows.shipping_cost += quantity * cost
                self.shipments.append(Shipment(week, line.order_id, line.sku, fc, quantity))
            if not line.open:
                line.completed = week_start

    def waiting(self, week_end: pd.Timestamp) -> tuple[float, float]:
        """Units due by `week_end` still unshipped: (backorder, backlog).

        A unit is backlog when a serving FC still holds stock for it (only outbound capacity was
        missing) and backorder when none does; stock is counted for lines in service order.
        """
        stock = dict(self.on_hand)
        backorder = backlog = 0.0
        for line in self.open_lines():
            if line.due_date >= week_end:
                continue
            short = line.remaining
            for fc, _ in self.network.serving_fcs.get(line.region, ()):
                held = min(short, stock.get((line.sku, fc), 0.0))
                stock[(line.sku, fc)] = stock.get((line.sku, fc), 0.0) - held
                short -= held
            backlog += line.remaining - short
            backorder += short
        return backorder, backlog

    def open_lines(self) -> list[OrderLine]:
        return sorted((line for line in self.orders if line.open), key=OrderLine.sort_key)

    def stock_value(self) -> float:
        return sum(units * self.network.unit_cost.get(sku, 0.0) for (sku, _), units in self.on_hand.items())

    def replacement_value(self) -> float:
        """Stock on hand and in transit at the lowest price it could be bought again."""
        price = self.network.replacement_price
        held = sum(units * price.get(sku, 0.0) for (sku, _), units in self.on_hand.items())
        return held + sum(item.quantity * price.get(item.sku, 0.0) for item in self.in_transit)

    def owed_value(self) -> float:
        """Customer units still owed (open order lines, due or not) at the lowest price they
        could be bought: what it would cost to serve them from new stock."""
        price = self.network.replacement_price
        return sum(line.remaining * price.get(line.sku, 0.0) for line in self.orders if line.open)

    def storage_overflow(self) -> float:
        """m3 held above the FCs' storage capacities (storage is soft, as in the plan)."""
        volume = defaultdict(float)
        for (sku, fc), units in self.on_hand.items():
            volume[fc] += units * self.network.unit_volume.get(sku, 0.0)
        return sum(max(0.0, used - self.network.storage_m3.get(fc, float("inf"))) for fc, used in volume.items())

    def _ref(self, prefix: str) -> str:
        self._refs += 1
        return f"SIM-{prefix}-{self._refs:06d}"
