"""The policies a replay compares. Each sees the week's snapshot (history up to today, stock,
goods in transit, open orders) and returns the POs to release and the transfers to start today.

- `lp`: the planner itself, re-planned every week; only its first week's decisions are applied.
- `minmax`: the (s,S) reorder-point rule of Odoo and ERPNext, per sku x FC, cheapest supplier.
- `order-up-to`: periodic-review base stock from the cheapest supplier, topped up from the
  fastest supplier only when the stock reachable within its lead time falls below a threshold.

The two baselines take s, S and the base stock from the planner's own forecast, each sku's service
level and the planner's safety stock formula (lead-time spread included).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.calendar import Calendar
from planner.config import PlanConfig
from planner.data.dataset import Dataset
from planner.forecast.core import forecast_demand
from planner.model.service import safety_stock, service_levels, z_scores
from planner.pipeline import NoPlan, run_plan
from planner.simulate.network import Network

PURCHASE_COLUMNS = ["supplier", "sku", "fc", "quantity"]
TRANSFER_COLUMNS = ["from_fc", "to_fc", "sku", "quantity"]
CYCLE_WEEKS = 4.0  # minmax: S - s covers about a month of demand, as ERP reorder rules are set
REVIEW_WEEKS = 1.0  # order-up-to reviews every week


@dataclass(frozen=True)
class Decisions:
    purchases: pd.DataFrame
    transfers: pd.DataFrame
    planned: bool = True  # False when the policy had no plan this week (it then releases nothing)

    @classmethod
    def none(cls, planned: bool = True) -> Decisions:
        return cls(pd.DataFrame(columns=PURCHASE_COLUMNS), pd.DataFrame(columns=TRANSFER_COLUMNS), planned)


@dataclass
class WeeklyForecast:
    """The planner's forecast for the week (the model's forecast settings), made once per week.

    The `lp` policy hands over the forecast its plan made, so the baselines reuse it.
    """

    config: PlanConfig
    jobs: int | None = 1
    _cache: dict = field(default_factory=dict)

    def __call__(self, history: pd.DataFrame, today: pd.Timestamp) -> pd.DataFrame:
        if today not in self._cache:
            calendar = Calendar(today, "week", self.config.forecast_options().horizon)
            self.remember(
                today,
                forecast_demand(
                    history,
                    calendar,
                    interval_level=self.config.interval_level,
                    history_periods=self.config.history_periods,
                    jobs=self.jobs,
                    options=self.config.forecast_options(),
                ),
            )
        return self._cache[today]

    def remember(self, today: pd.Timestamp, forecast: pd.DataFrame) -> None:
        self._cache[today] = forecast


@dataclass
class LpPolicy:
    """The planner re-planned every week: release its period-0 POs, start its period-0 transfers."""

    config: PlanConfig
    forecast: WeeklyForecast
    jobs: int | None = 1
    name: str = "lp"

    def decide(self, view: Dataset, today: pd.Timestamp) -> Decisions:
        try:
            run = run_plan(view, self.config, start=today, jobs=self.jobs)
        except NoPlan:
            return Decisions.none(planned=False)
        self.forecast.remember(today, run.forecast)
        plan = run.plan
        orders = plan.purchase_orders[plan.purchase_orders["action"] == "release"]
        moves = plan.transfers[plan.transfers["ship_date"] == today]
        moves = moves.assign(quantity=np.floor(moves["quantity"].to_numpy(dtype=float) + 1e-6))
        orders = orders.assign(quantity=np.round(orders["quantity"].to_numpy(dtype=float)))
        return Decisions(
            orders[PURCHASE_COLUMNS].reset_index(drop=True),
            moves[moves["quantity"] > 0][TRANSFER_COLUMNS].reset_index(drop=True),
        )


@dataclass
class MinMaxPolicy:
    """(s,S): when the position (on hand + on order - committed) is at or below s, order up to S."""

    network: Network
    config: PlanConfig
    forecast: WeeklyForecast
    name: str = "minmax"

    def decide(self, view: Dataset, today: pd.Timestamp) -> Decisions:
        forecast = self.forecast(view.demand_history, today)
        rows = stock_positions(view, today, forecast, supplier_options(self.network, "cheapest"))
        z = sku_z_scores(view, forecast, self.config, rows)
        reorder = rows["lead_demand"] + _safety_stock(z, rows, rows["lead_time_days"] / 7.0)
        order_up_to = reorder + np.maximum(rows["cycle_demand"], np.maximum(rows["moq"], rows["lot_size"]))
        wanted = np.where(rows["position"] <= reorder, order_up_to - rows["position"], 0.0)
        return Decisions(purchase_lines(rows, wanted), Decisions.none().transfers)


@dataclass
class OrderUpToPolicy:
    """Base stock from the cheapest supplier each week; the fastest supplier only below a threshold.

    Base stock = demand over (lead time + review) + z x sigma x sqrt(lead time + review). The
    threshold is the same formula on the fast supplier's lead time, applied to the stock that
    can be on hand by then (on hand + arrivals expected within that lead time - committed).
    """

    network: Network
    config: PlanConfig
    forecast: WeeklyForecast
    name: str = "order-up-to"

    def decide(self, view: Dataset, today: pd.Timestamp) -> Decisions:
        forecast = self.forecast(view.demand_history, today)
        fast = stock_positions(view, today, forecast, supplier_options(self.network, "fastest"))
        fast_weeks = fast["lead_time_days"] / 7.0 + REVIEW_WEEKS
        threshold = fast["review_demand"] + _safety_stock(
            sku_z_scores(view, forecast, self.config, fast), fast, fast_weeks
        )
        urgent = np.where(fast["near_position"] < threshold, threshold - fast["near_position"], 0.0)
        urgent_lines = purchase_lines(fast, urgent)
        slow = stock_positions(view, today, forecast, supplier_options(self.network, "cheapest"))
        position = slow["position"] + _at_position(urgent_lines, "quantity", slow)
        weeks = slow["lead_time_days"] / 7.0 + REVIEW_WEEKS
        base_stock = slow["review_demand"] + _safety_stock(sku_z_scores(view, forecast, self.config, slow), slow, weeks)
        wanted = np.where(position < base_stock, base_stock - position, 0.0)
        lines = pd.concat([urgent_lines, purchase_lines(slow, wanted)], ignore_index=True)
        return Decisions(
            lines.groupby(["supplier", "sku", "fc"], as_index=False)["quantity"].sum(), Decisions.none().transfers
        )


def sku_z_scores(view: Dataset, forecast: pd.DataFrame, config: PlanConfig, rows: pd.DataFrame) -> np.ndarray:
    """Each row's z: its sku's service level, as the planner sets it (skus.csv, segment or model)."""
    levels = service_levels(view.skus, forecast, config).set_index("sku")["service_level"]
    return z_scores(rows["sku"].map(levels).fillna(config.service_level))


def _safety_stock(z: np.ndarray, rows: pd.DataFrame, weeks: pd.Series) -> np.ndarray:
    """The planner's safety stock formula over `weeks` of exposure, on weekly demand (the
    mean of the next cycle's) and the line's lead-time spread in weeks."""
    weekly = rows["cycle_demand"] / CYCLE_WEEKS
    return safety_stock(z, rows["sigma"], weeks, weekly, rows["lead_time_std_days"] / 7.0)


def supplier_options(network: Network, choice: str) -> pd.DataFrame:
    """One supplier line per sku x FC: the cheapest (then fastest) or the fastest (then cheapest)."""
    lines = pd.DataFrame(
        [
            {
                "supplier": s,
                "sku": k,
                "fc": f,
                "unit_price": terms.unit_price,
                "lead_time_days": terms.lead_time_days,
                "moq": terms.moq,
                "lot_size": terms.lot_size,
                "lead_time_std_days": terms.lead_time_std_days,
            }
            for (s, k, f), terms in network.supplier_lines.items()
        ]
    )
    order = ["unit_price", "lead_time_days"] if choice == "cheapest" else ["lead_time_days", "unit_price"]
    lines = lines.sort_values(["sku", "fc"] + order + ["supplier"], kind="stable")
    return lines.drop_duplicates(["sku", "fc"]).reset_index(drop=True)


def stock_positions(view: Dataset, today: pd.Timestamp, forecast: pd.DataFrame, options: pd.DataFrame) -> pd.DataFrame:
    """Per sku x FC with a supplier line: forecast demand over its lead time, sigma, stock positions.

    `position` = on hand + everything in transit - open order units of the FC's region;
    `near_position` counts only the goods expected within the line's lead time + one review.
    """
    rows = options.copy()
    review_days = rows["lead_time_days"] + 7.0 * REVIEW_WEEKS
    per_fc = _to_fcs(forecast, view.fulfillment_centers, "forecast")
    rows["lead_demand"] = _demand_over(per_fc, rows, rows["lead_time_days"] / 7.0)
    rows["review_demand"] = _demand_over(per_fc, rows, review_days / 7.0)
    rows["cycle_demand"] = _demand_over(per_fc, rows, pd.Series(CYCLE_WEEKS, index=rows.index))
    rows["sigma"] = _pooled_sigma(forecast, view.fulfillment_centers, rows)
    on_hand = _at_position(view.inventory, "on_hand", rows)
    committed = _at_position(_to_fcs(view.open_orders, view.fulfillment_centers, "quantity"), "quantity", rows)
    inbound = view.inbound.merge(rows[["sku", "fc"]].assign(due_by=today + pd.to_timedelta(review_days, unit="D")))
    rows["position"] = on_hand + _at_position(inbound, "quantity", rows) - committed
    rows["near_position"] = (
        on_hand + _at_position(inbound[inbound["eta"] < inbound["due_by"]], "quantity", rows) - committed
    )
    return rows


def purchase_lines(rows: pd.DataFrame, wanted) -> pd.DataFrame:
    """PO lines for the wanted units: whole lots, at least the MOQ."""
    wanted = np.asarray(wanted, dtype=float)
    lot = rows["lot_size"].to_numpy(dtype=float)
    quantity = np.ceil(np.maximum(wanted, 0.0) / lot - 1e-9) * lot
    minimum = np.ceil(rows["moq"].to_numpy(dtype=float) / lot - 1e-9) * lot
    quantity = np.where(quantity > 0, np.maximum(quantity, minimum), 0.0)
    lines = rows[PURCHASE_COLUMNS[:3]].assign(quantity=quantity)
    return lines[lines["quantity"] > 0].reset_index(drop=True)


def _to_fcs(frame: pd.DataFrame, fcs: pd.DataFrame, value: str) -> pd.DataFrame:
    """Per-region rows as per-FC rows: the FCs of a region take equal shares of its `value`."""
    own = fcs[["fc", "region"]].assign(share=lambda f: 1.0 / f.groupby("region")["fc"].transform("size"))
    merged = frame.merge(own, on="region")
    return merged.assign(**{value: merged[value] * merged["share"]})


def _demand_over(per_fc: pd.DataFrame, rows: pd.DataFrame, weeks: pd.Series) -> pd.Series:
    """Forecast units per row over its next `weeks` weeks; past the horizon at the last week's rate."""
    horizon = int(per_fc["period"].max()) + 1 if len(per_fc) else 1
    target = rows[["sku", "fc"]].assign(weeks=weeks.to_numpy(dtype=float), row=rows.index)
    merged = target.merge(per_fc[["sku", "fc", "period", "forecast"]], on=["sku", "fc"])
    weight = np.clip(merged["weeks"] - merged["period"], 0.0, 1.0)
    weight = weight + np.where(merged["period"] == horizon - 1, np.maximum(merged["weeks"] - horizon, 0.0), 0.0)
    total = (merged["forecast"] * weight).groupby(merged["row"]).sum()
    return total.reindex(rows.index, fill_value=0.0)


def _pooled_sigma(forecast: pd.DataFrame, fcs: pd.DataFrame, rows: pd.DataFrame) -> pd.Series:
    """One-week forecast error per sku x FC: the FC's regions' errors added in variance."""
    first = forecast[forecast["period"] == 0][["sku", "region", "sigma"]]
    per_fc = _to_fcs(first.assign(var=first["sigma"] ** 2), fcs, "var")
    pooled = np.sqrt(per_fc.groupby(["sku", "fc"])["var"].sum())
    return _at_position(pooled.rename("sigma").reset_index(), "sigma", rows)


def _at_position(frame: pd.DataFrame, column: str, rows: pd.DataFrame) -> pd.Series:
    """`column` summed per sku x FC, aligned with `rows` (zero where absent)."""
    totals = frame.groupby(["sku", "fc"])[column].sum()
    keys = pd.MultiIndex.from_frame(rows[["sku", "fc"]])
    return pd.Series(totals.reindex(keys, fill_value=0.0).to_numpy(dtype=float), index=rows.index)
