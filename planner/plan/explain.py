"""Why an order line is late or backordered, in words, read from the solved plan.

Promising (planner.plan.promise) says when each part of an order line gets stock (`alloc_period`)
and ships (`ship_period`). A part waits for stock (nothing reaches an FC serving its region
sooner), or with its stock on hand (`on_hand`: an FC serving it holds the stock free, because
its outbound capacity is full or the plan keeps that stock for a transfer or for more urgent
orders), or for outbound capacity once committed (the FC ships all it can). For each wait this
module finds in the solution what ended it (the PO or transfer that arrived) and what kept it
from ending sooner: more urgent orders took the stock or the capacity, the fastest supplier's
lead time, a supplier's capacity used up, an FC's inbound capacity, or no supplier at all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from planner.calendar import Calendar
from planner.model.inputs import ModelInputs
from planner.plan.extract import Plan

ORDER_PLAN_COLUMNS = [
    "order_id",
    "sku",
    "region",
    "priority",
    "quantity",
    "fc",
    "due_date",
    "ship_date",
    "promised_date",
    "status",
    "reason",
]
FULL = 1e-6  # a capacity counts as full within this share of it


@dataclass(frozen=True)
class Evidence:
    """The facts of one solution that explanations cite, indexed for lookups by key."""

    calendar: Calendar
    serving_fcs: dict  # region -> [fc]
    arrivals: dict  # (sku, fc) -> [(period, date, source)]
    allocations: dict  # (sku, fc) -> [(period, priority)]
    shipments: dict  # fc -> [(period, priority)]
    departures: dict  # (sku, fc) -> [(period, ship date, to_fc)] transfers out
    outbound_full: dict  # fc -> {period}
    inbound_full: dict  # fc -> {period}
    supply_lines: dict  # (sku, fc) -> supplier lines, cheapest first, with first_arrival
    supplier_full: dict  # (supplier, sku) -> {order period}


def gather_evidence(inputs: ModelInputs, plan: Plan, supplier_items: pd.DataFrame) -> Evidence:
    """Index the solution's arrivals, allocations, shipments and binding capacities."""
    calendar = inputs.calendar
    return Evidence(
        calendar=calendar,
        serving_fcs=inputs.service_arcs.groupby("region")["fc"].apply(sorted).to_dict(),
        arrivals=_arrivals(plan, inputs.receipts, calendar),
        allocations=_pairs(plan.allocations, ["sku", "fc"], ["period", "priority"]),
        shipments=_pairs(plan.shipments, "fc", ["period", "priority"]),
        departures=_departures(plan.transfers, calendar),
        outbound_full=_full_periods(plan.capacity, "outbound"),
        inbound_full=_full_periods(plan.capacity, "inbound"),
        supply_lines=_supply_lines(supplier_items, inputs.fcs["fc"], calendar),
        supplier_full=_supplier_full(plan.purchase_orders, inputs.purchase_options, calendar),
    )


def _pairs(frame: pd.DataFrame, key, values: list[str]) -> dict:
    grouped = defaultdict(list)
    keys = frame[key].itertuples(index=False, name=None) if isinstance(key, list) else frame[key]
    for k, row in zip(keys, frame[values].itertuples(index=False, name=None)):
        grouped[k].append(row)
    return grouped


def _departures(transfers: pd.DataFrame, calendar: Calendar) -> dict:
    moves = transfers.assign(period=calendar.period_of(transfers["ship_date"]) if len(transfers) else [])
    moves = moves.sort_values(["ship_date", "to_fc"])
    return _pairs(moves, ["sku", "from_fc"], ["period", "ship_date", "to_fc"])


def _arrivals(plan: Plan, receipts: pd.DataFrame, calendar: Calendar) -> dict:
    """What reaches each sku x fc, when: planned POs, transfers and open (firm) POs."""
    pos, moves = plan.purchase_orders, plan.transfers
    sources = [
        (pos["sku"], pos["fc"], pos["arrival_date"], "PO from " + pos["supplier"].astype(str)),
        (moves["sku"], moves["to_fc"], moves["arrival_date"], "transfer from " + moves["from_fc"].astype(str)),
        (
            receipts["sku"],
            receipts["fc"],
            pd.Series(calendar.period_starts[receipts["period"].to_numpy(dtype=int)]),
            pd.Series("open PO", index=receipts.index),
        ),
    ]
    found = defaultdict(list)
    for sku, fc, date, text in sources:
        periods = calendar.period_of(date) if len(date) else []
        for key, period, day, source in zip(zip(sku, fc), periods, date, text):
            found[key].append((max(int(period), 0), pd.Timestamp(day), source))
    return {key: sorted(set(rows)) for key, rows in found.items()}


def _full_periods(capacity: pd.DataFrame, kind: str) -> dict:
    cap = capacity[f"{kind}_capacity"]
    full = capacity[cap.notna() & (capacity[f"{kind}_units"] >= cap * (1 - FULL) - FULL)]
    return full.groupby("fc")["period"].apply(set).to_dict()


def _supply_lines(supplier_items: pd.DataFrame, fcs: pd.Series, calendar: Calendar) -> dict:
    """Supplier lines per sku x fc (`*` expanded), cheapest first, with the period an order placed
    now arrives (`first_arrival`, past the plan's end too)."""
    star = supplier_items["fc"] == "*"
    lines = pd.concat(
        [supplier_items[~star], supplier_items[star].drop(columns="fc").merge(pd.DataFrame({"fc": fcs}), how="cross")],
        ignore_index=True,
    )
    arrival = calendar.start + pd.to_timedelta(lines["lead_time_days"], unit="D")
    lines = lines.assign(first_arrival=calendar.period_of(arrival) if len(lines) else [])
    lines = lines.sort_values(["unit_price", "supplier"], kind="stable")
    grouped = defaultdict(list)
    for line in lines.itertuples(index=False):
        grouped[(line.sku, line.fc)].append(line)
    return grouped


def _supplier_full(pos: pd.DataFrame, options: pd.DataFrame, calendar: Calendar) -> dict:
    """(supplier, sku) -> order periods in which the supplier line's weekly capacity is used up."""
    limited = options[options["capacity_per_week"].notna()]
    caps = limited.groupby(["supplier", "sku", "period"], as_index=False)["capacity_per_week"].first()
    bought = pos.assign(period=calendar.period_of(pos["order_date"]) if len(pos) else [])
    bought = bought.groupby(["supplier", "sku", "period"], as_index=False)["quantity"].sum()
    table = caps.merge(bought, on=["supplier", "sku", "period"])
    weeks = calendar.period_days[table["period"].to_numpy()] / 7.0
    room = table["capacity_per_week"] * weeks
    full = table[table["quantity"] >= room * (1 - FULL) - FULL]
    return full.groupby(["supplier", "sku"])["period"].apply(set).to_dict()


# ---------------------------------------------------------------- order lines


def explain_orders(parts: pd.DataFrame, evidence: Evidence) -> pd.DataFrame:
    """order_plan: promised parts with a reason each, in the contract's columns."""
    reasons = [order_reason(part, evidence) for part in parts.itertuples()]
    dates = {column: "datetime64[ns]" for column in ("due_date", "ship_date", "promised_date")}
    return parts.assign(reason=reasons)[ORDER_PLAN_COLUMNS].astype(dates).reset_index(drop=True)


def order_reason(part, evidence: Evidence) -> str:
    """A short sentence a planner or a customer-service agent can read."""
    due = max(part.period, 0)
    stocked = part.alloc_period if part.alloc_period >= 0 else evidence.calendar.horizon
    on_hand = {period for period, _ in part.on_hand}
    causes = [on_hand_wait(part, evidence)] if on_hand else []
    without = [period for period in range(due, stocked) if period not in on_hand]
    if without:
        causes.append(stock_wait(part, evidence, without[0], stocked))
    if part.alloc_period >= 0 and (part.ship_period < 0 or part.ship_period > part.alloc_period):
        causes.append(capacity_wait(part, evidence))
    if part.status == "late" and not causes:
        causes.append(_day_wait(part, evidence) or _late_anyway(part, evidence))
    return "; ".join(causes) if causes else f"ships from stock at {part.fc}"


def on_hand_wait(part, evidence: Evidence) -> str:
    """Why a part waits while an FC serving it holds its stock free: that FC's outbound capacity
    is full, and what the plan keeps the stock for (a transfer out, more urgent orders)."""
    texts = []
    for fc in sorted({fc for _, fc in part.on_hand}):
        periods = sorted(period for period, held_at in part.on_hand if held_at == fc)
        text = f"waits with its stock on hand at {fc} in {period_span(evidence.calendar, periods)}"
        why = [w for w in (_full_then(part, fc, periods, evidence), _kept_for(part, fc, periods[0], evidence)) if w]
        texts.append(f"{text}: {' and '.join(why)}" if why else text)
    return "; ".join(texts)


def _full_then(part, fc: str, periods: list[int], evidence: Evidence) -> str:
    """'F1 outbound capacity full in ... (it ships priority-1 orders first)', or '' when it is not."""
    full = sorted(evidence.outbound_full.get(fc, set()) & set(periods))
    if not full:
        return ""
    urgent = _urgent(evidence.shipments, [fc], periods[0], periods[-1] + 1, part.priority, "it ships")
    return f"{fc} outbound capacity full in {period_span(evidence.calendar, full)}" + (f" ({urgent})" if urgent else "")


def _kept_for(part, fc: str, first: int, evidence: Evidence) -> str:
    """What the plan keeps an FC's free stock for: the next transfer out, or more urgent orders."""
    moves = [(day, to) for period, day, to in evidence.departures.get((part.sku, fc), []) if period >= first]
    if moves:
        day, to = moves[0]
        return f"{fc} keeps the stock for a transfer to {to} on {pd.Timestamp(day).date()}"
    horizon = evidence.calendar.horizon
    urgent = _urgent(evidence.allocations, [(part.sku, fc)], first, horizon, part.priority, "keeps the stock for")
    return f"{fc} {urgent}" if urgent else ""


def _day_wait(part, evidence: Evidence) -> str:
    """Why a part ships days into its period (planner.plan.ship_days): its stock arrives that
    day, or the FC's outbound capacity of the days before is taken; '' when it ships on the first."""
    if part.ship_period < 0 or part.ship_date <= evidence.calendar.period_starts[part.ship_period]:
        return ""
    arrived = sorted(
        {
            source
            for period, day, source in evidence.arrivals.get((part.sku, part.fc), [])
            if period == part.ship_period and day == part.ship_date
        }
    )
    if arrived:
        return f"no stock for it until {' and '.join(arrived)} arrives at {part.fc} on {part.ship_date.date()}"
    return f"{part.fc} outbound capacity taken by more urgent or earlier orders until {part.ship_date.date()}"


def _late_anyway(part, evidence: Evidence) -> str:
    if part.due_date < evidence.calendar.start:
        return "overdue at the plan start; ships in the first period"
    if part.extra_days > 0:
        return f"transit from {part.fc}, another region's FC, adds {int(part.extra_days)} days"
    return f"due before {part.fc} can ship it in its period"


def stock_wait(part, evidence: Evidence, start: int, until: int) -> str:
    """Why no stock reached the part from period `start` until `until` (the horizon: never)."""
    calendar = evidence.calendar
    fcs = evidence.serving_fcs.get(part.region, [])
    if until >= calendar.horizon:
        first = f"no stock for it before the plan ends ({calendar.end.date()})"
    else:
        first = _what_arrived(part, evidence, start, until)
    blockers = [
        _urgent(evidence.allocations, [(part.sku, fc) for fc in fcs], start, until, part.priority, "stock went to")
    ]
    blockers += [_supply_limit(part.sku, fcs, evidence, start, until)]
    return "; ".join([first] + [b for b in blockers if b])


def _what_arrived(part, evidence: Evidence, start: int, until: int) -> str:
    """The arrivals at the part's FC that ended its wait, or the FC's stock when none did."""
    arrived = [
        (day, source)
        for period, day, source in evidence.arrivals.get((part.sku, part.fc), [])
        if start < period <= until
    ]
    if not arrived:
        return f"no stock free for it at {part.fc} until {evidence.calendar.period_starts[until].date()}"
    last = max(day for day, _ in arrived)
    sources = sorted({source for day, source in arrived if day == last})
    return f"no stock for it until {' and '.join(sources)} arrives at {part.fc} on {last.date()}"


def _urgent(log: dict, keys: list, start: int, until: int, priority: int, verb: str) -> str:
    """'stock went to priority-1 orders first' when more urgent demand used it in the window."""
    urgent = sorted({p for key in keys for period, p in log.get(key, []) if start <= period < until and p < priority})
    if not urgent:
        return ""
    return f"{verb} priority-{' and '.join(str(int(p)) for p in urgent)} orders first"


def _supply_limit(sku: str, fcs: list[str], evidence: Evidence, start: int, until: int) -> str:
    """What kept suppliers from bringing stock sooner: none, lead time, capacity, inbound, MOQ."""
    lines = [line for fc in fcs for line in evidence.supply_lines.get((sku, fc), [])]
    where = f"{' or '.join(fcs)}" if fcs else "an FC serving its region"
    if not lines:
        return f"no supplier delivers {sku} to {where}"
    fastest = min(lines, key=lambda line: (line.first_arrival, line.lead_time_days, line.supplier))
    if fastest.first_arrival >= until:
        return _lead_time_text(fastest, evidence.calendar, until)
    sooner = [line for line in lines if line.first_arrival < until]
    for limit in (_supplier_capacity_text, _inbound_text, _moq_text):
        text = limit(sooner, evidence, start, until)
        if text:
            return text
    return ""


def _lead_time_text(line, calendar: Calendar, until: int) -> str:
    who = f"the fastest supplier, {line.supplier} ({int(line.lead_time_days)} days)"
    if line.first_arrival >= calendar.horizon:
        return f"{who}, delivers nothing before the plan ends"
    return f"{who}, delivers no sooner than {(calendar.start + pd.Timedelta(days=int(line.lead_time_days))).date()}"


def _supplier_capacity_text(lines: list, evidence: Evidence, start: int, until: int) -> str:
    for line in lines:
        full = evidence.supplier_full.get((line.supplier, line.sku), set())
        lead_periods = max(line.first_arrival, 0)
        used = sorted(p for p in full if p + lead_periods < until)
        if used:
            return (
                f"{line.supplier}'s capacity ({line.capacity_per_week:g} a week) is used up in "
                f"{period_span(evidence.calendar, used)}"
            )
    return ""


def _inbound_text(lines: list, evidence: Evidence, start: int, until: int) -> str:
    for fc in sorted({line.fc for line in lines}):
        full = sorted(p for p in evidence.inbound_full.get(fc, set()) if start <= p < until)
        if full:
            return f"{fc} inbound capacity full in {period_span(evidence.calendar, full)}"
    return ""


def _moq_text(lines: list, evidence: Evidence, start: int, until: int) -> str:
    if lines and all(line.moq > 0 for line in lines):
        smallest = min(lines, key=lambda line: (line.moq, line.supplier))
        return f"{smallest.supplier} takes orders of at least {smallest.moq:g} units (MOQ)"
    return ""


def capacity_wait(part, evidence: Evidence) -> str:
    """Outbound capacity at the part's FC is full from its allocation until it ships."""
    calendar = evidence.calendar
    until = part.ship_period if part.ship_period >= 0 else calendar.horizon
    full = sorted(p for p in evidence.outbound_full.get(part.fc, set()) if part.alloc_period <= p < until)
    span = period_span(calendar, full) if full else "until it ships"
    text = f"{part.fc} outbound capacity full in {span}"
    if part.ship_period < 0:
        text += " (to the plan's end)"
    urgent = _urgent(evidence.shipments, [part.fc], part.alloc_period, until, part.priority, "it ships")
    return f"{text}; {urgent}" if urgent else text


def period_span(calendar: Calendar, periods: list[int]) -> str:
    """'the week of 2026-11-30', 'the weeks of 2026-11-30 to 2026-12-07, 2026-12-21', or dates/months."""
    runs = []
    for period in periods:
        if runs and period == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], period)
        else:
            runs.append((period, period))
    text = ", ".join(
        _period_label(calendar, a) if a == b else f"{_period_label(calendar, a)} to {_period_label(calendar, b)}"
        for a, b in runs
    )
    if calendar.period != "week":
        return text
    return f"the week{'s' if len(periods) > 1 else ''} of {text}"


def _period_label(calendar: Calendar, period: int) -> str:
    start = calendar.period_starts[period]
    return start.strftime("%Y-%m") if calendar.period == "month" else str(start.date())
