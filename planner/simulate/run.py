"""`planner simulate`: replay the last N weeks with every chosen policy, on the same demand.

On the demand the history holds, or (`scenarios`) on that many demand paths drawn from the
planner's forecast on the replay's first day (planner.simulate.paths), every policy on each.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from planner.config import PlanConfig
from planner.data.dataset import Dataset
from planner.simulate.network import Network
from planner.simulate.paths import demand_paths
from planner.simulate.policies import LpPolicy, MinMaxPolicy, OrderUpToPolicy, WeeklyForecast
from planner.simulate.replay import PolicyRun, Replay, ReplayError, check_replay, replay_start, week_orders
from planner.simulate.scenario import Promotion, SupplierDelay, promoted
from planner.simulate.summary import scenario_table, spread_table, summary_table, weekly_table

POLICIES = ("lp", "minmax", "order-up-to")


@dataclass(frozen=True)
class Simulation:
    runs: list[PolicyRun]
    summary: pd.DataFrame  # one row per policy (with scenarios: P10, P50 and P90 of each measure)
    weekly: pd.DataFrame  # one row per policy and week (with scenarios: and scenario)
    scenarios: pd.DataFrame | None = None  # with scenarios: one summary row per scenario and policy


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
    scenarios: int = 0,
    promotions: tuple[Promotion, ...] = (),
) -> Simulation:
    """Replay `weeks` weeks with each policy on the same seeded orders and disruptions.

    The replay steps a week at a time, so the planner always plans weekly periods. With
    `scenarios`, each policy is replayed on that many seeded demand paths, the same for all.
    """
    unknown = [name for name in policies if name not in POLICIES]
    if unknown or not policies:
        raise ReplayError(f"unknown policy {', '.join(unknown) or '(none)'}; choose from {', '.join(POLICIES)}")
    check_replay(dataset, weeks, tuple(delays))
    config = config.with_overrides(period="week")
    start = replay_start(dataset, weeks)
    if not scenarios:
        runs = _replay_all(_promoted(dataset, promotions, start), config, weeks, policies, seed, delays, jobs, progress)
        return Simulation(runs, summary_table(runs), weekly_table(runs))
    per_path = []
    for k, history in enumerate(demand_paths(dataset, config, weeks, scenarios, seed, jobs)):
        path = _promoted(replace(dataset, demand_history=history), promotions, start)
        label = lambda policy, week, total, k=k: progress(f"{policy} path {k + 1}/{scenarios}", week, total)  # noqa: E731
        per_path.append(_replay_all(path, config, weeks, policies, seed, delays, jobs, label))
    table = scenario_table(per_path)
    weekly = pd.concat([weekly_table(runs).assign(scenario=k) for k, runs in enumerate(per_path)], ignore_index=True)
    return Simulation([run for runs in per_path for run in runs], spread_table(table), weekly, table)


def _promoted(dataset: Dataset, promotions: tuple[Promotion, ...], start: pd.Timestamp) -> Dataset:
    if not promotions:
        return dataset
    return replace(dataset, demand_history=promoted(dataset.demand_history, promotions, start))


def _replay_all(dataset, config, weeks, policies, seed, delays, jobs, progress) -> list[PolicyRun]:
    """Every policy replayed on one demand history, with its own forecasts."""
    network = Network.from_dataset(dataset)
    setup = Replay(dataset, network, week_orders(dataset, weeks, seed), config.holding_rate, tuple(delays))
    forecast = WeeklyForecast(config, jobs)
    makers = {
        "lp": lambda: LpPolicy(config, forecast, jobs),
        "minmax": lambda: MinMaxPolicy(network, config, forecast),
        "order-up-to": lambda: OrderUpToPolicy(network, config, forecast),
    }
    return [setup.run(makers[name](), lambda week, name=name: progress(name, week, weeks)) for name in policies]
