"""The odds of the plan: how likely each sku is to stock out at each FC, period by period.

`plan_risk` applies the written plan to N seeded demand paths (planner.plan.scenarios; the
draws: planner.plan.paths) and counts, per sku x FC:

- `stockout_probability` per period: the share of scenarios in which, at the end of the period,
  customers of the regions this FC serves first (its home customers) wait for stock that no FC
  serving them holds: a backorder;
- over the horizon, per scenario, the home customers' fill rate (units that find stock in their
  own period: shipped, or waiting with stock on hand), backorder units (units not covered in
  their own period) and backlog units (units waiting at their period's end with their stock on
  hand); their P10, P50 and P90 over the scenarios.

The same plan and seed give the same figures; the seed drives every draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from planner.model.inputs import ModelInputs
from planner.plan.demand import order_periods
from planner.plan.extract import Plan
from planner.plan.paths import Paths, forecast_grid, forecast_paths
from planner.plan.scenarios import EPS, Layout, PeriodFlows, RiskInputs, layout, replay

QUANTILES = (10, 50, 90)
MEASURES = ("fill_rate", "backorder_units", "backlog_units")
RISK_COLUMNS = ["sku", "fc", "period_start", "stockout_probability", "closing_p10", "closing_p50", "closing_p90"]
SUMMARY_COLUMNS = [
    "sku",
    "fc",
    "stockout_probability",
    "peak_period_start",
    "peak_probability",
    "demand_units",
    *[f"{measure}_p{q}" for measure in MEASURES for q in QUANTILES],
]


@dataclass(frozen=True)
class Risk:
    scenarios: int
    seed: int
    by_period: pd.DataFrame  # risk.csv: RISK_COLUMNS
    by_pair: pd.DataFrame  # risk_summary.csv: SUMMARY_COLUMNS
    network: dict[str, list[float]]  # fill_rate, backorder_units, backlog_units, demand_units: P10, P50, P90


def risk_inputs(inputs: ModelInputs, plan: Plan, open_orders: pd.DataFrame, forecast: pd.DataFrame) -> RiskInputs:
    """The plan as written and what it was planned on, for the scenarios."""
    calendar = inputs.calendar
    spread = inputs.purchase_options[["supplier", "sku", "fc", "lead_time_std_days"]].drop_duplicates(
        ["supplier", "sku", "fc"]
    )
    orders = open_orders.assign(period=order_periods(open_orders, calendar))
    return RiskInputs(
        calendar=calendar,
        stock=inputs.stock,
        receipts=inputs.receipts,
        purchases=plan.purchase_orders.merge(spread, on=["supplier", "sku", "fc"], how="left"),
        transfers=plan.transfers,
        fcs=inputs.fcs,
        arcs=inputs.service_arcs,
        orders=orders[["sku", "region", "priority", "period", "quantity"]],
        forecast=forecast[["sku", "region", "period", "forecast", "sigma"]],
        forecast_priority=inputs.config.forecast_priority,
    )


def plan_risk(inputs: RiskInputs, scenarios: int, seed: int = 0, paths: Paths | None = None) -> Risk:
    """The plan's odds over `scenarios` demand paths drawn from the forecast (or `paths`)."""
    rng = np.random.default_rng(seed)
    plan = layout(inputs)
    if paths is None:
        mean, std = forecast_grid(inputs.forecast, plan.series, inputs.calendar)
        paths = forecast_paths(mean, std, scenarios, rng)
    tally = Tally.start(plan, scenarios, inputs.calendar.horizon)
    for flows in replay(inputs, plan, paths, scenarios, rng):
        tally.add(flows)
    starts = inputs.calendar.period_starts
    return Risk(scenarios, seed, tally.by_period(starts), tally.by_pair(starts), tally.network())


@dataclass
class Tally:
    """What the periods add up to, per pair (home customers) and per scenario."""

    plan: Layout
    home: sparse.csr_matrix  # pairs x queues: each queue's units counted at its home pair
    stockout: np.ndarray  # (pairs, periods): share of scenarios
    closing: np.ndarray  # (pairs, periods, 3): P10, P50, P90 of closing stock
    ever: np.ndarray  # (pairs, scenarios): stocked out in some period
    per_pair: dict[str, np.ndarray]  # demand, uncovered, backlog: (pairs, scenarios)
    total: dict[str, np.ndarray]  # the same over every queue: (scenarios,)

    @classmethod
    def start(cls, plan: Layout, scenarios: int, horizon: int) -> Tally:
        queues = np.flatnonzero(plan.home >= 0)
        home = sparse.csr_matrix(
            (np.ones(len(queues)), (plan.home[queues], queues)), shape=(len(plan.pairs), len(plan.queues))
        )
        pairs = len(plan.pairs)
        return cls(
            plan=plan,
            home=home,
            stockout=np.zeros((pairs, horizon)),
            closing=np.zeros((pairs, horizon, len(QUANTILES))),
            ever=np.zeros((pairs, scenarios), dtype=bool),
            per_pair={name: np.zeros((pairs, scenarios)) for name in ("demand", "uncovered", "backlog")},
            total={name: np.zeros(scenarios) for name in ("demand", "uncovered", "backlog")},
        )

    def add(self, flows: PeriodFlows) -> None:
        """One period: stock-outs at home pairs, closing stock's spread, units not covered in time."""
        t = flows.period
        out = np.asarray(self.home @ flows.backorder) > EPS
        self.stockout[:, t] = out.mean(axis=1)
        self.ever |= out
        if flows.closing.shape[1]:
            self.closing[:, t] = np.percentile(flows.closing, QUANTILES, axis=1).T
        for name, units in new_units(flows).items():
            self.per_pair[name] += np.asarray(self.home @ units)
            self.total[name] += units.sum(axis=0)

    def by_period(self, starts: pd.DatetimeIndex) -> pd.DataFrame:
        pairs, horizon = len(self.plan.pairs), len(starts)
        frame = pd.DataFrame(
            {
                "sku": np.repeat(self.plan.pairs["sku"].to_numpy(), horizon),
                "fc": np.repeat(self.plan.pairs["fc"].to_numpy(), horizon),
                "period_start": np.tile(starts.to_numpy(), pairs),
                "stockout_probability": self.stockout.ravel(),
                **{f"closing_p{q}": self.closing[:, :, i].ravel().round(3) for i, q in enumerate(QUANTILES)},
            }
        )
        return frame[RISK_COLUMNS]

    def by_pair(self, starts: pd.DatetimeIndex) -> pd.DataFrame:
        peak = self.stockout.argmax(axis=1) if self.stockout.size else np.zeros(len(self.plan.pairs), dtype=int)
        frame = pd.DataFrame(
            {
                "sku": self.plan.pairs["sku"].to_numpy(),
                "fc": self.plan.pairs["fc"].to_numpy(),
                "stockout_probability": self.ever.mean(axis=1) if self.ever.shape[1] else 0.0,
                "peak_period_start": starts.to_numpy()[peak] if len(starts) else pd.NaT,
                "peak_probability": self.stockout.max(axis=1, initial=0.0),
                "demand_units": self.per_pair["demand"].mean(axis=1).round(3),
            }
        )
        for measure, values in measures(self.per_pair).items():
            for q, column in zip(QUANTILES, np.percentile(values, QUANTILES, axis=1)):
                frame[f"{measure}_p{q}"] = column.round(4 if measure == "fill_rate" else 3)
        return frame[SUMMARY_COLUMNS]

    def network(self) -> dict[str, list[float]]:
        totals = {**measures(self.total), "demand_units": self.total["demand"]}
        return {name: [round(float(v), 4) for v in np.percentile(values, QUANTILES)] for name, values in totals.items()}


def new_units(flows: PeriodFlows) -> dict[str, np.ndarray]:
    """Per queue: the period's demand, its units not covered (still waiting for stock at the
    period's end) and those waiting with stock on hand. Queues serve first in, first out, so
    the units still waiting are the newest, and stock on hand counts for the oldest of them."""
    waiting = flows.backlog + flows.backorder
    uncovered = np.minimum(flows.backorder, flows.new)
    return {
        "demand": flows.new,
        "uncovered": uncovered,
        "backlog": np.maximum(np.minimum(waiting, flows.new) - uncovered, 0.0),
    }


def measures(units: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Fill rate (1 where there was no demand), backorder and backlog units, per scenario."""
    demand = units["demand"]
    missed = np.divide(units["uncovered"], demand, out=np.zeros_like(demand), where=demand > EPS)
    return {"fill_rate": 1.0 - missed, "backorder_units": units["uncovered"], "backlog_units": units["backlog"]}


def top_pairs(risk: Risk, count: int = 10) -> pd.DataFrame:
    """The pairs most likely to stock out: by their odds over the horizon, then their worst
    period's, then their median backorder units; pairs that never stock out are left out."""
    pairs = risk.by_pair[risk.by_pair["stockout_probability"] > 0]
    pairs = pairs.sort_values(
        ["stockout_probability", "peak_probability", "backorder_units_p50", "sku", "fc"],
        ascending=[False, False, False, True, True],
        kind="stable",
    )
    return pairs.head(count).reset_index(drop=True)
