"""The written plan applied to many demand paths at once: the scenario engine behind risk.csv.

Every scenario starts from today's stock and follows the plan as written: the open POs and the
plan's PO lines arrive (on their lead time, or a drawn one), its transfers leave as planned
(no more than the origin holds), and customers are served period by period. Arrays are laid
out (item, scenario), with one column per scenario, and the engine steps through the periods
only; each step is a few numpy operations and sparse sums over all skus and scenarios at once.

One period, in this order:

1. the open POs due in it are received (as in the plan, whatever the inbound capacity);
2. the plan's transfers of the period leave, each origin sharing its stock between its lines
   in proportion when it holds less than they carry;
3. PO lines and transfers arriving are put away within the FC's inbound capacity less the open
   POs (the plan's own inbound row); what does not fit waits for the next period;
4. the period's demand joins its queue (sku x region x priority): the open order lines due in
   it, and the drawn demand beyond them at the forecast priority;
5. queues are served most urgent first; each queue asks the FCs serving its region in order
   (own FC first: fewest extra days, then cheapest), each FC ships within its stock and its
   outbound capacity, shared in proportion between the queues of one priority asking it;
6. units still waiting are **backlog** where an FC serving them still holds stock for them
   (outbound capacity was short), else **backorder** (no stock).

Units are conserved by construction: opening + receipts + transfers_in - transfers_out -
shipped = closing, per sku x FC and scenario (tests/plan/test_scenario_books.py checks it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from planner.calendar import Calendar
from planner.plan.paths import Paths, arrival_days

EPS = 1e-6


@dataclass(frozen=True)
class RiskInputs:
    """What the scenarios need of a plan and its inputs, as plain frames."""

    calendar: Calendar
    stock: pd.DataFrame  # sku, fc, on_hand: stock now (the plan's positions)
    receipts: pd.DataFrame  # sku, fc, period, quantity: open POs (firm)
    purchases: pd.DataFrame  # the plan's PO lines: sku, fc, order_date, lead_time_days, quantity, [lead_time_std_days]
    transfers: pd.DataFrame  # the plan's transfers: from_fc, to_fc, sku, ship_date, arrival_date, quantity
    fcs: pd.DataFrame  # fc, outbound_capacity, inbound_capacity: units a day, blank = unlimited
    arcs: pd.DataFrame  # fc, region, cost_per_unit, extra_days: which FC serves which region
    orders: pd.DataFrame  # sku, region, priority, period, quantity: open order lines by due period
    forecast: pd.DataFrame  # sku, region, period, forecast, sigma
    forecast_priority: int


@dataclass(frozen=True)
class Step:
    """The arcs of one priority and rank: each queue asks its rank-th FC; one arc per queue."""

    queue: np.ndarray
    pair: np.ndarray
    fc: np.ndarray
    by_pair: sparse.csr_matrix  # pairs x arcs: sums the arcs' units per sku x FC
    by_fc: sparse.csr_matrix  # fcs x arcs


@dataclass(frozen=True)
class Layout:
    """Index sets of the scenarios: sku x FC pairs, demand series and queues, and the arcs."""

    pairs: pd.DataFrame  # sku, fc; row i is pair i
    fcs: pd.DataFrame  # fc, outbound_capacity, inbound_capacity; row j is FC j
    series: pd.DataFrame  # sku, region; row k is series k
    queues: pd.DataFrame  # series, priority; row q is queue q
    pair_fc: np.ndarray  # FC of each pair
    forecast_queue: np.ndarray  # queue of each series' demand beyond its orders
    home: np.ndarray  # pair each queue asks first (-1: none serves it)
    steps: tuple[Step, ...]  # most urgent first, then by rank
    to_fc: sparse.csr_matrix  # fcs x pairs: sums the pairs' units per FC
    to_series: sparse.csr_matrix  # series x queues: sums the queues' units per series


@dataclass(frozen=True)
class PeriodFlows:
    """One period of every scenario: flows per pair, FC and queue, each (item, scenario)."""

    period: int
    opening: np.ndarray
    receipts: np.ndarray  # open POs and the plan's PO lines put away
    transfers_in: np.ndarray
    transfers_out: np.ndarray
    shipped: np.ndarray
    closing: np.ndarray
    outbound: np.ndarray  # per FC: units shipped
    inbound: np.ndarray  # per FC: PO lines and transfers put away (open POs not counted)
    new: np.ndarray  # per queue: demand entering in the period
    served: np.ndarray  # per queue: units shipped
    backlog: np.ndarray  # per queue: waiting at the end with stock at an FC serving them
    backorder: np.ndarray  # per queue: waiting at the end with no stock for them


def layout(inputs: RiskInputs) -> Layout:
    """The index sets and the arcs' sparse sums, built once per plan."""
    pairs = _pairs(inputs)
    fcs = inputs.fcs[["fc", "outbound_capacity", "inbound_capacity"]].reset_index(drop=True)
    pair_fc = _positions(pairs["fc"], fcs["fc"])
    series = pd.concat([inputs.forecast[["sku", "region"]], inputs.orders[["sku", "region"]]])
    series = series.drop_duplicates().sort_values(["sku", "region"]).reset_index(drop=True)
    queues = _queues(inputs, series)
    ranked = _ranked_arcs(inputs.arcs, series, pairs)
    arcs = queues.reset_index(names="queue").merge(ranked, on="series")
    home = np.full(len(queues), -1)
    first = arcs[arcs["rank"] == 0]
    home[first["queue"].to_numpy()] = first["pair"].to_numpy()
    forecast_queue = queues.reset_index(names="queue")
    forecast_queue = forecast_queue[forecast_queue["priority"] == inputs.forecast_priority]
    by_series = np.full(len(series), -1)
    by_series[forecast_queue["series"].to_numpy()] = forecast_queue["queue"].to_numpy()
    steps = tuple(
        _step(group, len(pairs), len(fcs), pair_fc)
        for _, group in arcs.sort_values(["priority", "rank", "queue"]).groupby(["priority", "rank"], sort=True)
    )
    to_fc = _summing(pair_fc, len(fcs))
    to_series = _summing(queues["series"].to_numpy(), len(series))
    return Layout(pairs, fcs, series, queues, pair_fc, by_series, home, steps, to_fc, to_series)


def _pairs(inputs: RiskInputs) -> pd.DataFrame:
    """Every sku x FC that holds stock or receives or sends some (sorted by sku, fc)."""
    moves = inputs.transfers
    pairs = pd.concat(
        [
            inputs.stock[["sku", "fc"]],
            inputs.receipts[["sku", "fc"]],
            inputs.purchases[["sku", "fc"]],
            moves[["sku", "from_fc"]].rename(columns={"from_fc": "fc"}),
            moves[["sku", "to_fc"]].rename(columns={"to_fc": "fc"}),
        ]
    )
    return pairs.drop_duplicates().sort_values(["sku", "fc"]).reset_index(drop=True)


def _positions(values: pd.Series, index: pd.Series) -> np.ndarray:
    """Row of each value in `index` (-1 where absent)."""
    lookup = pd.Series(np.arange(len(index)), index=index.to_numpy())
    return values.map(lookup).fillna(-1).to_numpy(dtype=int)


def _queues(inputs: RiskInputs, series: pd.DataFrame) -> pd.DataFrame:
    """Every series at the forecast priority, and at each priority its open orders have."""
    keys = series.reset_index(names="series")
    ordered = inputs.orders[["sku", "region", "priority"]].merge(keys, on=["sku", "region"])
    queues = pd.concat([keys.assign(priority=inputs.forecast_priority), ordered])[["series", "priority"]]
    queues = queues.astype({"priority": "int64"}).drop_duplicates()
    return queues.sort_values(["priority", "series"]).reset_index(drop=True)


def _ranked_arcs(arcs: pd.DataFrame, series: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """series, pair, rank: the FCs holding the sku that serve the series' region, nearest first
    (fewest extra days, then cheapest, then by name)."""
    keys = series.reset_index(names="series")
    options = keys.merge(arcs[["fc", "region", "extra_days", "cost_per_unit"]], on="region")
    options = options.merge(pairs.reset_index(names="pair"), on=["sku", "fc"])
    options = options.sort_values(["series", "extra_days", "cost_per_unit", "fc"], kind="stable")
    return options.assign(rank=options.groupby("series").cumcount())[["series", "pair", "rank"]]


def _step(arcs: pd.DataFrame, n_pairs: int, n_fcs: int, pair_fc: np.ndarray) -> Step:
    pair = arcs["pair"].to_numpy()
    fc = pair_fc[pair]
    return Step(
        queue=arcs["queue"].to_numpy(), pair=pair, fc=fc, by_pair=_summing(pair, n_pairs), by_fc=_summing(fc, n_fcs)
    )


def route(steps: tuple[Step, ...], waiting: np.ndarray, stock: np.ndarray, room: np.ndarray | None) -> np.ndarray:
    """Serve the waiting queues from stock within each FC's room, step by step (most urgent
    first, each queue's nearest FC first); updates waiting, stock and room in place and returns
    the units taken per pair. Without room (None) only stock limits: who could be served."""
    taken = np.zeros_like(stock)
    for step in steps:
        want = waiting[step.queue]
        x = want * _share(stock, step.by_pair @ want)[step.pair]
        if room is not None:
            used = step.by_fc @ x
            x *= _share(room, used)[step.fc]
            np.maximum(room - step.by_fc @ x, 0.0, out=room)
        waiting[step.queue] = np.maximum(want - x, 0.0)
        got = step.by_pair @ x
        np.maximum(stock - got, 0.0, out=stock)
        taken += got
    return taken


def _share(have: np.ndarray, asked: np.ndarray) -> np.ndarray:
    """Share of what is asked that can be given: 1 where there is enough, have / asked where not
    (what is left is never below zero: a sum's last bit may say so)."""
    have = np.maximum(have, 0.0)
    short = asked > have
    return np.where(short, have / np.where(short, asked, 1.0), 1.0)


def replay(inputs: RiskInputs, plan: Layout, paths: Paths, scenarios: int, rng: np.random.Generator):
    """The plan applied to every scenario, one period after another (PeriodFlows each)."""
    books = Books.open(inputs, plan, scenarios, rng)
    for period in range(inputs.calendar.horizon):
        yield books.period(period, paths(period))


@dataclass
class Books:
    """The state the periods carry: stock, queues, goods waiting at the dock, transfers sent."""

    plan: Layout
    calendar: Calendar
    firm: np.ndarray  # (pairs, periods): open POs by arrival period
    purchases: pd.DataFrame  # pair, quantity per PO line
    to_pair: sparse.csr_matrix  # pairs x PO lines: sums the lines' units per pair
    purchase_period: np.ndarray  # (lines, scenarios): arrival period of each PO line
    transfers: pd.DataFrame  # origin, destination, period, arrival_period, quantity
    sent: np.ndarray  # (transfer lines, scenarios): units that left
    orders: np.ndarray  # (queues, periods): open order units due
    stock: np.ndarray
    waiting: np.ndarray
    dock: tuple[np.ndarray, np.ndarray]  # PO units and transfer units arrived, not put away yet

    @classmethod
    def open(cls, inputs: RiskInputs, plan: Layout, scenarios: int, rng: np.random.Generator) -> Books:
        calendar = inputs.calendar
        stock = _per_pair(inputs.stock.assign(period=0), plan.pairs, 1, "on_hand")[:, 0]  # 0 where not held yet
        purchases = inputs.purchases.assign(pair=_pair_of(inputs.purchases, plan.pairs))
        transfers = _transfer_lines(inputs.transfers, plan.pairs, calendar)
        empty = np.zeros((len(plan.pairs), scenarios))
        return cls(
            plan=plan,
            calendar=calendar,
            firm=_per_pair(inputs.receipts, plan.pairs, calendar.horizon, "quantity"),
            purchases=purchases,
            to_pair=_summing(purchases["pair"].to_numpy(), len(plan.pairs)),
            purchase_period=_purchase_periods(purchases, calendar, scenarios, rng),
            transfers=transfers,
            sent=np.zeros((len(transfers), scenarios)),
            orders=_orders_due(inputs, plan),
            stock=np.repeat(stock[:, None], scenarios, axis=1),
            waiting=np.zeros((len(plan.queues), scenarios)),
            dock=(empty.copy(), empty.copy()),
        )

    def period(self, t: int, demand: np.ndarray) -> PeriodFlows:
        """Receive, transfer, put away, take demand, ship; the period's flows."""
        opening = self.stock.copy()
        self.stock += self.firm[:, t][:, None]
        transfers_out = self._send(t)
        bought, moved = self._put_away(t)
        new = self._demand(t, demand)
        self.waiting += new
        room = np.repeat(self._room("outbound_capacity", t), demand.shape[1], axis=1)
        before = self.waiting.copy()
        shipped = route(self.plan.steps, self.waiting, self.stock, room)
        unclaimed = self.waiting.copy()
        route(self.plan.steps, unclaimed, self.stock.copy(), None)
        return PeriodFlows(
            period=t,
            opening=opening,
            receipts=self.firm[:, t][:, None] + bought,
            transfers_in=moved,
            transfers_out=transfers_out,
            shipped=shipped,
            closing=self.stock.copy(),
            outbound=self._per_fc(shipped),
            inbound=self._per_fc(bought + moved),
            new=new,
            served=before - self.waiting,
            backlog=self.waiting - unclaimed,
            backorder=unclaimed,
        )

    def _send(self, t: int) -> np.ndarray:
        """The period's transfers leave, within the origin's stock (shared in proportion)."""
        lines = self.transfers[self.transfers["period"] == t]
        out = np.zeros_like(self.stock)
        if lines.empty:
            return out
        origin = lines["origin"].to_numpy()
        want = np.repeat(lines["quantity"].to_numpy(dtype=float)[:, None], self.stock.shape[1], axis=1)
        asked = _sum_to(origin, want, len(self.stock))
        sent = want * _share(self.stock, asked)[origin]
        self.sent[lines.index.to_numpy()] = sent
        out = _sum_to(origin, sent, len(self.stock))
        np.maximum(self.stock - out, 0.0, out=self.stock)
        return out

    def _put_away(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """PO lines and transfers arriving, plus what waited at the dock, within the inbound room."""
        bought, moved = self.dock
        arriving = self.purchase_period == t
        quantity = self.purchases["quantity"].to_numpy(dtype=float)[:, None]
        bought = bought + np.asarray(self.to_pair @ (quantity * arriving))
        lines = self.transfers[self.transfers["arrival_period"] == t]
        moved = moved + _sum_to(lines["destination"].to_numpy(), self.sent[lines.index.to_numpy()], len(self.stock))
        room = np.maximum(self._room("inbound_capacity", t) - self._per_fc(self.firm[:, t][:, None]), 0.0)
        fit = _share(room, self._per_fc(bought + moved))[self.plan.pair_fc]
        self.dock = (bought * (1 - fit), moved * (1 - fit))
        self.stock += (bought + moved) * fit
        return bought * fit, moved * fit

    def _demand(self, t: int, demand: np.ndarray) -> np.ndarray:
        """(queues, scenarios): the open orders due in t, and each series' demand beyond them at
        the forecast priority."""
        due = self.orders[:, t]
        new = np.repeat(due[:, None], demand.shape[1], axis=1)
        by_series = np.asarray(self.plan.to_series @ due[:, None])
        beyond = np.maximum(demand - by_series, 0.0)
        has_queue = self.plan.forecast_queue >= 0
        new[self.plan.forecast_queue[has_queue]] += beyond[has_queue]
        return new

    def _room(self, column: str, t: int) -> np.ndarray:
        """(fcs, 1): units a day times the period's days; unlimited where blank."""
        per_day = self.plan.fcs[column].to_numpy(dtype=float)
        room = np.where(np.isnan(per_day), np.inf, per_day * self.calendar.period_days[t])
        return room[:, None].copy()

    def _per_fc(self, per_pair: np.ndarray) -> np.ndarray:
        return np.asarray(self.plan.to_fc @ per_pair)


def _sum_to(rows: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """values (n, scenarios) summed into `size` rows by `rows` (sparse, in a fixed order)."""
    return np.asarray(_summing(rows, size) @ values)


def _summing(rows: np.ndarray, size: int) -> sparse.csr_matrix:
    """size x len(rows): the matrix that sums item i into row rows[i]; built once where the
    rows stay the same every period."""
    return sparse.csr_matrix((np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(size, len(rows)))


def _pair_of(lines: pd.DataFrame, pairs: pd.DataFrame, sku: str = "sku", fc: str = "fc") -> np.ndarray:
    """Row in `pairs` of each line's sku and FC (every one is there: `_pairs`)."""
    keys = pd.MultiIndex.from_frame(pairs[["sku", "fc"]])
    lookup = pd.Series(np.arange(len(pairs)), index=keys)
    found = lookup.reindex(pd.MultiIndex.from_arrays([lines[sku], lines[fc]])).to_numpy()
    return found.astype(int)


def _per_pair(frame: pd.DataFrame, pairs: pd.DataFrame, periods: int, column: str) -> np.ndarray:
    """(pairs, periods) of `column` summed by sku, fc and period."""
    rows = frame[(frame["period"] >= 0) & (frame["period"] < periods)]
    grid = np.zeros((len(pairs), periods))
    np.add.at(grid, (_pair_of(rows, pairs), rows["period"].to_numpy(dtype=int)), rows[column].to_numpy(dtype=float))
    return grid


def _days(dates, calendar: Calendar) -> np.ndarray:
    return ((pd.to_datetime(pd.Series(dates)) - calendar.start).dt.days).to_numpy(dtype=float)


def _period_of_day(days: np.ndarray, calendar: Calendar) -> np.ndarray:
    """Plan period of each day counted from the start (horizon: after the plan)."""
    edges = (calendar.boundaries() - calendar.start).days.to_numpy(dtype=float)
    return np.clip(np.searchsorted(edges, days, side="right") - 1, 0, calendar.horizon)


def _purchase_periods(purchases: pd.DataFrame, calendar: Calendar, scenarios: int, rng) -> np.ndarray:
    """(lines, scenarios): arrival period of each PO line, its lead time drawn where it has a spread."""
    spread = purchases.get("lead_time_std_days", pd.Series(0.0, index=purchases.index)).fillna(0.0)
    days = arrival_days(
        _days(purchases["order_date"], calendar),
        purchases["lead_time_days"].to_numpy(dtype=float),
        spread.to_numpy(dtype=float),
        scenarios,
        rng,
    )
    return _period_of_day(days, calendar)


def _transfer_lines(transfers: pd.DataFrame, pairs: pd.DataFrame, calendar: Calendar) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "origin": _pair_of(transfers, pairs, fc="from_fc"),
            "destination": _pair_of(transfers, pairs, fc="to_fc"),
            "period": _period_of_day(_days(transfers["ship_date"], calendar), calendar),
            "arrival_period": _period_of_day(_days(transfers["arrival_date"], calendar), calendar),
            "quantity": transfers["quantity"].to_numpy(dtype=float),
        }
    )


def _orders_due(inputs: RiskInputs, plan: Layout) -> np.ndarray:
    """(queues, periods): open order units due in each period, in their queue."""
    keys = plan.series.reset_index(names="series")
    queues = plan.queues.reset_index(names="queue")
    rows = inputs.orders.merge(keys, on=["sku", "region"]).merge(queues, on=["series", "priority"])
    due = np.zeros((len(queues), inputs.calendar.horizon))
    np.add.at(due, (rows["queue"].to_numpy(), rows["period"].to_numpy(dtype=int)), rows["quantity"].to_numpy(float))
    return due


def periods(inputs: RiskInputs, paths: Paths, scenarios: int, rng: np.random.Generator) -> Iterator[PeriodFlows]:
    """Every period of every scenario of the plan (see `replay`)."""
    return replay(inputs, layout(inputs), paths, scenarios, rng)
