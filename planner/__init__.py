"""Replenishment and allocation planner: one LP decides purchases, stock distribution and order promising.

The Python API, for notebooks and scripts; each function returns the frames the CLI writes:

    import planner
    dataset = planner.load_dataset("datasets/demo")     # validated tables; raises planner.DatasetError
    result = planner.run_plan(dataset, solver="highs")  # forecast, optimize, promise
    result.purchase_orders.head()                       # purchase_orders.csv as a frame
    planner.write_plan(result, "plan")                  # the plan folder, every file or none

`planner.validate_dataset(path)` lists a dataset's problems without raising,
`planner.run_forecast(dataset)` forecasts only, and `planner.run_simulation(dataset)` replays past
weeks against stock rules. Settings come from a model TOML file (`model=`), a PlanConfig, or
keyword overrides of its fields (`period="month"`, `horizon=26`, `solver="cbc"`, `time_limit=60`).

The stages live in subpackages, in the order the plan flows through them: data, forecast,
model, solve, plan, report; `planner.pipeline` calls them in order and `planner.cli` is the
command line over the same calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from planner.data.dataset import Dataset, DatasetError, Problem

if TYPE_CHECKING:
    import pandas as pd

    from planner.config import PlanConfig
    from planner.pipeline import PlanRun
    from planner.plan.risk import Risk
    from planner.simulate.run import Simulation

__version__ = "0.1.0"
__all__ = [
    "Dataset",
    "DatasetError",
    "PlanResult",
    "Problem",
    "load_dataset",
    "run_forecast",
    "run_plan",
    "run_simulation",
    "validate_dataset",
    "write_plan",
]


@dataclass(frozen=True)
class PlanResult:
    """A solved plan: its tables as the CSV files hold them, its KPIs, and the run behind them."""

    purchase_orders: pd.DataFrame
    transfers: pd.DataFrame
    order_plan: pd.DataFrame
    inventory_projection: pd.DataFrame
    forecast: pd.DataFrame
    kpis: dict
    run: PlanRun
    risk: Risk | None = None
    """With scenarios: `.by_period` is risk.csv and `.by_pair` risk_summary.csv as frames."""


def load_dataset(path: str | Path) -> Dataset:
    """Read and validate a dataset folder (or .xlsx workbook); raises DatasetError with every problem."""
    from planner.data.load import load_dataset as load

    return load(Path(path))


def validate_dataset(path: str | Path) -> pd.DataFrame:
    """Every problem of a dataset as rows (file, line, column, message); no rows when it is valid."""
    import pandas as pd

    try:
        load_dataset(path)
        problems = []
    except DatasetError as error:
        problems = error.problems
    rows = [{"file": p.file, "line": p.line, "column": p.column, "message": p.message} for p in problems]
    return pd.DataFrame(rows, columns=["file", "line", "column", "message"])


def run_forecast(dataset: Dataset, model: str | Path | PlanConfig | None = None, *, start=None, **settings):
    """Demand per sku x region and plan period, with intervals: the rows of forecast.csv."""
    from planner.forecast.core import forecast_demand
    from planner.pipeline import plan_calendar

    config = _config(model, settings)
    return forecast_demand(
        dataset.demand_history,
        plan_calendar(dataset, config, start),
        interval_level=config.interval_level,
        history_periods=config.history_periods,
        options=config.forecast_options(),
    )


def run_plan(
    dataset: Dataset,
    model: str | Path | PlanConfig | None = None,
    *,
    start=None,
    previous: str | Path | None = None,
    scenarios: int = 0,
    seed: int = 0,
    **settings,
) -> PlanResult:
    """Forecast, optimize and promise; `previous` is last week's plan folder, kept stable.

    With `scenarios`, the written plan is also applied to that many demand paths drawn with
    `seed`: `.risk` holds the odds of a stock-out per sku x FC and period.

    Raises planner.pipeline.NoPlan when the solver ends without a plan (the CLI's exit 3).
    """
    from planner import pipeline
    from planner.data.previous import read_previous
    from planner.report.outputs import plan_tables

    old = None if previous is None else read_previous(Path(previous))
    run = pipeline.run_plan(
        dataset, _config(model, settings), start=start, previous=old, scenarios=scenarios, seed=seed
    )
    return PlanResult(**plan_tables(run), forecast=run.forecast, kpis=run.kpis, run=run, risk=run.risk)


def write_plan(result: PlanResult, out: str | Path) -> Path:
    """Write the plan folder (CSV, xlsx, kpis.json, report.html) at once: every file or none."""
    from planner.report.outputs import plan_files, write_folder

    write_folder(Path(out), plan_files(result.run))
    return Path(out)


def run_simulation(
    dataset: Dataset,
    model: str | Path | PlanConfig | None = None,
    *,
    weeks: int = 26,
    policies: tuple[str, ...] = ("lp", "minmax", "order-up-to"),
    seed: int = 0,
    scenarios: int = 0,
    **settings,
) -> Simulation:
    """Replay the last `weeks` weeks with each policy; `.summary` has one row per policy (with
    `scenarios`, each measure's P10, P50 and P90 over that many seeded demand paths)."""
    from planner.simulate import simulate as replay

    config = _config(model, settings)
    return replay(dataset, config, weeks=weeks, policies=tuple(policies), seed=seed, scenarios=scenarios)


def _config(model, settings: dict) -> PlanConfig:
    from planner.config import PlanConfig, load_config

    config = model if isinstance(model, PlanConfig) else load_config(model)
    return config.with_overrides(**settings)
