"""The weekly plan, stage by stage: forecast -> demand -> model -> solve -> extract -> promise -> KPIs.

Each stage takes plain data and returns plain data; this orchestrator only calls them in order,
times them, and extracts a plan only from a solve that found a solution.
"""

from __future__ import annotations

import resource
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from planner.calendar import DEFAULT_HORIZON_DAYS, LEAD_TIME_MARGIN_DAYS, Calendar
from planner.config import PlanConfig
from planner.data.dataset import Dataset
from planner.forecast.core import forecast_demand, net_forecast
from planner.model.build import build_model
from planner.model.inputs import ModelInputs, model_inputs
from planner.model.rounding import rounding_step
from planner.model.service import service_levels
from planner.plan.demand import plan_demand
from planner.plan.explain import explain_orders, gather_evidence
from planner.plan.extract import Plan, extract_plan
from planner.plan.po_reasons import explain_purchases
from planner.plan.promise import promise_orders
from planner.plan.risk import Risk, plan_risk, risk_inputs
from planner.report.kpis import KPI_SCHEMA_VERSION, capacity_kpis, order_kpis, risk_kpis, service_kpis
from planner.solve.solver import SolveResult, solve


class NoPlan(RuntimeError):
    """The solver returned no solution: infeasible, failed, or out of time before a first one."""

    def __init__(self, result: SolveResult):
        self.result = result
        super().__init__(
            f"no plan: solver {result.solver} ended with status '{result.status.value}'"
            + (f" ({result.message})" if result.message else "")
        )


@dataclass(frozen=True)
class PlanRun:
    calendar: Calendar
    forecast: pd.DataFrame
    demand: pd.DataFrame
    plan: Plan
    order_plan: pd.DataFrame
    solve_result: SolveResult
    kpis: dict
    dataset: Dataset | None = None
    """The input, for outputs that show it beside the plan (the report's demand history)."""
    previous: pd.DataFrame | None = None
    """The last plan's PO lines given with --previous: its released lines are open POs of this plan."""
    service: pd.DataFrame | None = None
    """Each sku's segment and service level (planner.model.service.service_levels)."""
    risk: Risk | None = None
    """The plan's odds over seeded demand paths (planner.plan.risk), when scenarios were asked for."""


@dataclass
class Stopwatch:
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str):
        started = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - started, 3)


def plan_calendar(dataset: Dataset, config: PlanConfig, start=None) -> Calendar:
    """The plan starts the day after the last demand history date unless a start is given.

    Its horizon is the model's, or by default the fewest periods that reach 4 weeks past the
    longest supplier lead time, and at least 13 weeks, whatever the period.
    """
    first_day = pd.Timestamp(start) if start is not None else dataset.last_history_date + pd.Timedelta(days=1)
    if config.horizon is not None:
        return Calendar(first_day, config.period, config.horizon)
    return Calendar.covering(first_day, config.period, horizon_days_needed(dataset))


def horizon_days_needed(dataset: Dataset) -> int:
    """Days a plan needs: the longest supplier lead time plus 4 weeks, and at least 13 weeks."""
    return max(DEFAULT_HORIZON_DAYS, _longest_lead_time(dataset) + LEAD_TIME_MARGIN_DAYS)


def _longest_lead_time(dataset: Dataset) -> int:
    lead_times = dataset.supplier_items["lead_time_days"].dropna()
    return int(np.ceil(lead_times.max())) if len(lead_times) else 0


def calendar_warnings(dataset: Dataset, calendar: Calendar, *, horizon: bool = True) -> list[str]:
    """What a planner must know about the plan's dates before executing it (kpis.json `warnings`):
    a start outside the demand history, and (with ``horizon``) a horizon its suppliers cannot fill."""
    warnings = _start_warnings(dataset, calendar)
    if horizon:
        warnings += _horizon_warnings(dataset, calendar)
    return warnings


def off_terms(purchase_orders: pd.DataFrame) -> pd.DataFrame:
    """The PO lines not in whole lots of at least the MOQ (`lot_sized` false)."""
    return purchase_orders[~purchase_orders["lot_sized"].astype(bool)]


def off_terms_warnings(purchase_orders: pd.DataFrame) -> list[str]:
    """PO lines a supplier would refuse (not whole lots, or under the MOQ): left so only when the
    solve ran out of time to size them; a buyer must not place them as written."""
    off = off_terms(purchase_orders)
    if off.empty:
        return []
    released = int((off["action"] == "release").sum())
    return [
        f"{len(off)} purchase order lines ({released} to release now) are not whole lots of at least the MOQ "
        "(lot_sized = false in purchase_orders.csv): the solve had no time left to size them; "
        "round them to the supplier's terms before placing them, or plan again with a longer time limit"
    ]


def _start_warnings(dataset: Dataset, calendar: Calendar) -> list[str]:
    last = dataset.last_history_date
    if pd.isna(last):
        return []
    start, day = calendar.start, pd.Timedelta(days=1)
    if start <= last:
        return [
            f"the plan starts on {start.date()}, before the demand history ends ({last.date()}): the forecast "
            f"leaves out the {_count((last - start).days + 1, 'day')} of history from {start.date()} on, while the "
            "stock, inbound POs and open orders are those of the dataset"
        ]
    if start > calendar.next_period_start(last):
        return [
            f"the plan starts on {start.date()}, {_count((start - last).days, 'day')} after the demand history ends "
            f"({last.date()}), more than one {calendar.period}: the forecast reads the "
            f"{_count((start - last - day).days, 'day')} from {(last + day).date()} to {(start - day).date()} "
            "as zero demand"
        ]
    return []


def _horizon_warnings(dataset: Dataset, calendar: Calendar) -> list[str]:
    lead = _longest_lead_time(dataset)
    needed = lead + LEAD_TIME_MARGIN_DAYS
    if calendar.days >= needed:
        return []
    items = dataset.supplier_items
    unusable = items[items["lead_time_days"] >= calendar.days]
    if len(unusable):
        low, high = unusable["lead_time_days"].min(), unusable["lead_time_days"].max()
        effect = (
            f"{len(unusable)} of {len(items)} supplier items (lead times "
            f"{f'{low:g}' if low == high else f'{low:g}-{high:g}'} days) cannot deliver inside it and are never used"
        )
    else:
        effect = (
            f"POs from the slowest suppliers ({lead} days) can be placed only in its first "
            f"{_count(calendar.days - lead, 'day')}"
        )
    enough = Calendar.covering(calendar.start, calendar.period, needed).horizon
    length = _count(calendar.horizon, calendar.period)
    if calendar.period != "day":
        length += f" ({_count(calendar.days, 'day')})"
    return [
        f"the horizon of {length} from {calendar.start.date()} is shorter than the longest supplier lead time "
        f"plus 4 weeks ({lead} + {LEAD_TIME_MARGIN_DAYS} = {needed} days): {effect}; plan at least "
        f"{_count(enough, calendar.period)} (--horizon {enough}) or leave the horizon to the default"
    ]


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def run_plan(
    dataset: Dataset,
    config: PlanConfig,
    *,
    start=None,
    jobs: int | None = None,
    progress=lambda stage: None,
    forecast_progress=None,
    previous: pd.DataFrame | None = None,
    forecast_executor=None,
    scenarios: int = 0,
    seed: int = 0,
) -> PlanRun:
    """Forecast, optimize and promise; raises NoPlan when the solver finds no solution.

    `previous` is the last plan's PO lines (planner.data.previous.read_previous), kept stable.
    With `scenarios`, the written plan is also applied to that many demand paths drawn with
    `seed` (planner.plan.risk): risk.csv, risk_summary.csv and kpis.json's `risk` block.
    """
    clock = Stopwatch()
    calendar = plan_calendar(dataset, config, start)
    with clock.stage("forecast"):
        progress("forecast")
        forecast = forecast_demand(
            dataset.demand_history,
            calendar,
            interval_level=config.interval_level,
            history_periods=config.history_periods,
            jobs=jobs,
            options=config.forecast_options(),
            progress=forecast_progress,
            executor=forecast_executor,
        )
        net = net_forecast(forecast, dataset.open_orders, calendar)
        demand = plan_demand(dataset.open_orders, net, calendar, config.forecast_priority)
        service = service_levels(dataset.skus, forecast, config)
    inputs, model_size, result, plan = optimize(
        dataset,
        demand,
        _error_sigma(forecast),
        calendar,
        config,
        clock=clock,
        progress=progress,
        previous=previous,
        service=service,
    )
    with clock.stage("promise"):
        order_plan = promise_orders(
            dataset.open_orders, demand, plan, calendar, inputs.service_arcs, config.forecast_priority, dataset.inbound
        )
    with clock.stage("explain"):
        evidence = gather_evidence(inputs, plan, dataset.supplier_items)
        order_plan = explain_orders(order_plan, evidence)
        plan = replace(
            plan, purchase_orders=explain_purchases(plan.purchase_orders, plan.inventory_projection, evidence)
        )
    risk = None
    if scenarios:
        with clock.stage("risk"):
            progress(f"risk ({scenarios} scenarios)")
            risk = plan_risk(risk_inputs(inputs, plan, dataset.open_orders, forecast), scenarios, seed)
    sizes = _sizes(dataset, model_size)
    warnings = calendar_warnings(dataset, calendar) + off_terms_warnings(plan.purchase_orders)
    kpis = plan_kpis(inputs, demand, plan, order_plan, result, forecast, sizes, clock.seconds, warnings, service, risk)
    return PlanRun(
        calendar,
        forecast,
        demand,
        plan,
        order_plan,
        result,
        kpis,
        dataset=dataset,
        previous=previous,
        service=service,
        risk=risk,
    )


def optimize(
    dataset: Dataset,
    demand: pd.DataFrame,
    error_sigma: pd.DataFrame,
    calendar: Calendar,
    config: PlanConfig,
    *,
    clock: Stopwatch | None = None,
    progress=lambda stage: None,
    previous: pd.DataFrame | None = None,
    service: pd.DataFrame | None = None,
):
    """Build, solve and extract for a given demand; raises NoPlan without a solution.

    `service` is each sku's service level (without it, the model's for all). Returns (inputs,
    model sizes, solve result, plan).
    """
    clock = clock or Stopwatch()
    with clock.stage("build"):
        progress("build model")
        inputs = model_inputs(dataset, demand, error_sigma, calendar, config, previous, service)
        model, _ = build_model(inputs)
    with clock.stage("solve"):
        progress(f"solve ({config.solver})")
        result = solve(
            model.problem,
            config,
            separate=model.add_violated_rows,
            rounding=lambda step: rounding_step(model, inputs, step),
        )
    if not result.has_solution:
        raise NoPlan(result)
    with clock.stage("extract"):
        plan = extract_plan(model, inputs)
    return inputs, model_sizes(model), result, plan


def model_sizes(model) -> dict:
    return {
        "variables": model.column_count(),
        "integer_variables": int(model.integer.sum()),
        "constraints": model.row_count(),
    }


def _error_sigma(forecast: pd.DataFrame) -> pd.DataFrame:
    """One-period forecast error and mean forecast per period per sku x region, for safety stock."""
    return forecast.groupby(["sku", "region"], as_index=False).agg(
        sigma=("sigma", "first"), demand=("forecast", "mean")
    )


def _sizes(dataset: Dataset, model_size: dict) -> dict:
    return {
        "skus": len(dataset.skus),
        "fcs": len(dataset.fulfillment_centers),
        "regions": int(dataset.fulfillment_centers["region"].nunique()),
        "supplier_items": len(dataset.supplier_items),
        "open_order_lines": len(dataset.open_orders),
        "history_rows": len(dataset.demand_history),
        **model_size,
    }


def plan_kpis(
    inputs: ModelInputs,
    demand,
    plan: Plan,
    order_plan,
    result: SolveResult,
    forecast,
    sizes: dict,
    seconds: dict,
    warnings: list[str] = (),
    service: pd.DataFrame | None = None,
    risk: Risk | None = None,
) -> dict:
    """kpis.json: everything but `run` depends only on the input, the model and the seed."""
    calendar = inputs.calendar
    return {
        "schema_version": KPI_SCHEMA_VERSION,
        "plan": {
            "start": calendar.start.date().isoformat(),
            "end": calendar.end.date().isoformat(),
            "period": calendar.period,
            "horizon": calendar.horizon,
        },
        "warnings": list(warnings),
        "service": service_kpis(demand, plan, inputs.period_days / 7.0, service),
        "orders": order_kpis(order_plan),
        "costs": plan.costs,
        "purchase_orders": {
            "lines": len(plan.purchase_orders),
            "release_now": int((plan.purchase_orders["action"] == "release").sum()),
            "off_terms": len(off_terms(plan.purchase_orders)),
            "units": round(float(plan.purchase_orders["quantity"].sum()), 3),
        },
        "transfers": {"lines": len(plan.transfers), "units": round(float(plan.transfers["quantity"].sum()), 3)},
        "capacity": capacity_kpis(plan.capacity),
        "solver": {
            "name": result.solver,
            "status": result.status.value,
            "objective": None if result.objective is None else round(result.objective, 4),
            "mip_gap": None if result.mip_gap is None else round(result.mip_gap, 6),
            "message": result.message,
        },
        "forecast": forecast_kpis(forecast),
        **({"risk": risk_kpis(risk)} if risk is not None else {}),
        "input_sizes": sizes,
        "run": {
            "timings_seconds": {**seconds, "total": round(sum(seconds.values()), 3)},
            "peak_memory_mb": peak_memory_mb(),
        },
    }


def forecast_kpis(forecast: pd.DataFrame) -> dict:
    """The forecast block of kpis.json: series, models and classes used, backtest accuracy."""
    attrs = forecast.attrs
    return {
        "series": int(forecast[["sku", "region"]].drop_duplicates().shape[0]),
        "models": dict(sorted(attrs.get("models", {}).items())),
        "series_classes": attrs.get("series_classes", {}),
        "accuracy": attrs.get("accuracy", {}),
        "warnings": attrs.get("warnings", 0),
        "fit_errors": attrs.get("fit_errors", {}),
    }


def peak_memory_mb() -> float:
    """Peak resident memory of this process and its finished children (forecast workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024.0, 1)
