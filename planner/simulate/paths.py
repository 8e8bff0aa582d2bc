"""Demand paths for a replay: its weeks drawn again from the planner's forecast.

`planner simulate --scenarios N` replays each policy on N demand paths instead of the one the
history holds. A path keeps the history before the replay's first day (where every policy
starts from) and replaces the replay's weeks by draws from the forecast the planner makes on
that day, per sku x region and week: gamma draws of the forecast's mean and error in whole
units, as the plan's odds are drawn (planner.plan.paths). Every policy meets the same paths;
the same seed gives the same paths.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.calendar import Calendar
from planner.config import PlanConfig
from planner.data.dataset import Dataset
from planner.forecast.core import forecast_demand
from planner.plan.paths import forecast_grid, gamma_draws
from planner.simulate.replay import replay_start

PATHS_STREAM = 23  # the paths' own stream of the seed, apart from the split of demand into order lines


def demand_paths(
    dataset: Dataset, config: PlanConfig, weeks: int, scenarios: int, seed: int, jobs: int | None = 1
) -> list[pd.DataFrame]:
    """`scenarios` demand histories: the history before the replay, then drawn weekly rows."""
    start = replay_start(dataset, weeks)
    history = dataset.demand_history
    before = history[history["date"] < start]
    calendar = Calendar(start, "week", weeks)
    forecast = forecast_demand(
        before,
        calendar,
        interval_level=config.interval_level,
        history_periods=config.history_periods,
        jobs=jobs,
        options=config.forecast_options(),
    )
    series = forecast[["sku", "region"]].drop_duplicates().sort_values(["sku", "region"]).reset_index(drop=True)
    mean, std = forecast_grid(forecast, series, calendar)
    rng = np.random.default_rng([seed, PATHS_STREAM])
    draws = np.stack([gamma_draws(mean[:, week], std[:, week], scenarios, rng) for week in range(weeks)], axis=2)
    return [_with_path(before, series, draws[:, k, :], calendar) for k in range(scenarios)]


def _with_path(before: pd.DataFrame, series: pd.DataFrame, units: np.ndarray, calendar: Calendar) -> pd.DataFrame:
    """The history before the replay and one path's rows (series x week), dated on each week's first day."""
    weeks = units.shape[1]
    rows = pd.DataFrame(
        {
            "date": np.tile(calendar.period_starts.to_numpy(), len(series)),
            "sku": np.repeat(series["sku"].to_numpy(), weeks),
            "region": np.repeat(series["region"].to_numpy(), weeks),
            "quantity": units.ravel(),
        }
    )
    rows = rows[rows["quantity"] > 0]
    return pd.concat([before[["date", "sku", "region", "quantity"]], rows], ignore_index=True)
