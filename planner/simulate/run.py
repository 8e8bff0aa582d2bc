"""`planner simulate`: replay the last N weeks with every chosen policy, on the same demand."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from planner.config import PlanConfig
from planner.data.dataset import Dataset
from planner.simulate.network import Network
from planner.simulate.policies import LpPolicy, MinMaxPolicy, OrderUpToPolicy, WeeklyForecast
from planner.simulate.replay import PolicyRun, Replay, ReplayError, check_replay, week_orders
from planner.simulate.scenario import SupplierDelay
from planner.simulate.summary import summary_table, weekly_table

POLICIES = ("lp", "minmax", "order-up-to")


@dataclass(frozen=True)
class Simulation:
    runs: list[PolicyRun]
    summary: pd.DataFrame  # one row per policy
    weekly: pd.DataFrame  # one row per policy and week


def simulate(
    dataset: Dataset,
    config: PlanConfig,
    *,
    weeks: int,
    policies=POLICIES,
    seed: int = 0,
    delays: tuple[SupplierDelay, ...] = (),
    jobs: int | None = 1,
    progress=lambda policy, week, weeks: None,
) -> Simulation:
    """Replay `weeks` weeks with each policy on the same seeded orders and disruptions.

    The replay steps a week at a time, so the planner always plans weekly periods.
    """
    unknown = [name for name in policies if name not in POLICIES]
    if unknown or not policies:
        raise ReplayError(f"unknown policy {', '.join(unknown) or '(none)'}; choose from {', '.join(POLICIES)}")
    check_replay(dataset, weeks, tuple(delays))
    config = config.with_overrides(period="week")
    network = Network.from_dataset(dataset)
    setup = Replay(dataset, network, week_orders(dataset, weeks, seed), config.holding_rate, tuple(delays))
    forecast = WeeklyForecast(config, jobs)
    makers = {
        "lp": lambda: LpPolicy(config, forecast, jobs),
        "minmax": lambda: MinMaxPolicy(network, config, forecast),
        "order-up-to": lambda: OrderUpToPolicy(network, config, forecast),
    }
    runs = [setup.run(makers[name](), lambda week, name=name: progress(name, week, weeks)) for name in policies]
    return Simulation(runs, summary_table(runs), weekly_table(runs))
