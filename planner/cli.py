"""The `planner` command line: thin commands over library calls, errors mapped to exit codes.

Exit codes: 0 done, 1 unexpected error, 2 bad input or usage, 3 no plan (infeasible, solver
failure, time limit without a solution), 4 plan written but a KPI gate tripped.
Results go to stdout; logs and progress go to stderr, and only when it is a terminal.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from pathlib import Path

import click

from planner.calendar import PERIOD_LENGTHS
from planner.config import HIGHS_METHODS, SOLVERS, ConfigError, load_config
from planner.data.dataset import DatasetError

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT, EXIT_NO_PLAN, EXIT_GATE = 0, 1, 2, 3, 4


class PlannerExit(click.ClickException):
    """An error a user can act on, printed without a traceback, with its exit code."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None):
        click.echo(f"error: {self.format_message()}", err=True)


def _log(message: str) -> None:
    if sys.stderr.isatty():
        click.echo(message, err=True)


def _fit_progress():
    """A progress bar for the forecast fits on stderr, or None when stderr is not a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        filled = 30 * done // total
        end = "\n" if done == total else ""
        click.echo(f"\rforecast [{'#' * filled}{'.' * (30 - filled)}] {done}/{total} chunks{end}", err=True, nl=False)

    return show


class _StdoutUntilClosed:
    """sys.stdout while a command runs: once the reader of a pipe has gone (`planner validate DS |
    head -1`), the rest of the results go nowhere, quietly, and the command ends with its own exit code."""

    def __init__(self, stream):
        self._stream, self._closed = stream, False

    def write(self, text):
        if not self._closed:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._close()
        return len(text)

    def flush(self):
        if not self._closed:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._close()

    def _close(self):
        """Point the descriptor at /dev/null: what the stream still buffers is flushed there at exit."""
        import os

        self._closed = True
        try:
            descriptor = self._stream.fileno()
        except (OSError, ValueError):  # not a file (a test's capture): nothing to flush at exit
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, descriptor)
        os.close(devnull)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _problems_json(problems) -> str:
    """Every problem of a dataset for a pipeline: where (file, line, column; null where not one cell) and what."""
    rows = [{"file": p.file, "line": p.line, "column": p.column, "message": p.message} for p in problems]
    return json.dumps({"valid": False, "problems": rows}, indent=2)


def handle_errors(command):
    """Turn the library's errors into messages and exit codes; nothing reaches the user as a traceback.

    With `--json`, a dataset's problems go to stdout as JSON too (`_problems_json`)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        stdout = sys.stdout
        sys.stdout = _StdoutUntilClosed(stdout)
        try:
            return _run_mapped(command, args, kwargs)
        finally:
            sys.stdout = stdout

    return wrapper


def _run_mapped(command, args, kwargs):
    """The command run, its errors mapped to messages and exit codes."""
    from planner.data.plan_folder import PlanFolderError
    from planner.forecast.executor import ExecutorUnavailable
    from planner.pipeline import NoPlan
    from planner.solve.solver import SolverUnavailable

    try:
        return command(*args, **kwargs)
    except DatasetError as error:
        if kwargs.get("as_json"):
            click.echo(_problems_json(error.problems))
        else:
            for problem in error.problems:
                click.echo(f"  {problem}", err=True)
        raise PlannerExit(
            f"{len(error.problems)} problem(s) in the dataset; nothing was written", EXIT_BAD_INPUT
        ) from None
    except (ConfigError, SolverUnavailable, FileExistsError, PlanFolderError, ExecutorUnavailable) as error:
        raise PlannerExit(str(error), EXIT_BAD_INPUT) from None
    except NoPlan as error:
        raise PlannerExit(f"{error}; nothing was written", EXIT_NO_PLAN) from None
    except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, KeyboardInterrupt):
        raise
    except Exception as error:  # the last line of defence: say what happened, exit 1
        raise PlannerExit(
            f"unexpected {type(error).__name__}: {error} (please report this with the command you ran)", EXIT_ERROR
        ) from None


dataset_argument = click.argument("dataset", type=click.Path(path_type=Path))
out_option = click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder the output files are written to, replaced as a whole: it must be absent, empty, or an "
    "output folder this planner wrote (else see --overwrite).",
)
overwrite_option = click.option(
    "--overwrite",
    is_flag=True,
    help="Replace --out as a whole even if it holds files this planner did not write (never the dataset, "
    "the model file, a folder holding them, or the current folder).",
)


@contextlib.contextmanager
def _output_errors():
    """An output folder refused, locked by another run, or failed by the environment: exit 2 with its message."""
    from planner.data.files import OutputError

    try:
        yield
    except OutputError as error:
        raise PlannerExit(str(error), EXIT_BAD_INPUT) from None


def _claim_output(out: Path, overwrite: bool, *inputs: Path | None, marker: bool = True):
    """Check and lock --out before any work (planner/data/files.py); the lock is released when the command ends."""
    from planner.data.files import OutputFolder

    with _output_errors():
        return click.get_current_context().with_resource(
            OutputFolder(out, overwrite=overwrite, protect=inputs, marker=marker)
        )


def _write_output(target, files: dict[str, bytes]) -> None:
    with _output_errors():
        target.write(files)


period_options = [
    click.option(
        "--period",
        type=click.Choice(PERIOD_LENGTHS),
        default=None,
        help="Planning period (default: the model's, week).",
    ),
    click.option(
        "--horizon",
        type=click.IntRange(min=1),
        default=None,
        help="Number of periods planned (default: the model's, auto: the longest supplier lead time "
        "plus 4 weeks, and at least 13 weeks).",
    ),
    click.option(
        "--start",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="First day of the plan (default: the day after the last demand history date).",
    ),
    click.option(
        "--jobs", type=click.IntRange(min=1), default=None, help="Processes for forecasting (default: all cores)."
    ),
    click.option(
        "--model",
        "model_file",
        type=click.Path(path_type=Path),
        default=None,
        help="Planning model TOML (default: models/default.toml values).",
    ),
]


executor_options = [
    click.option(
        "--executor",
        type=click.Choice(["local", "dask"]),
        default="local",
        show_default=True,
        help="Where the forecast fits run: local processes, or a Dask distributed cluster.",
    ),
    click.option(
        "--dask-address",
        default=None,
        envvar="PLANNER_DASK_ADDRESS",
        help="Dask scheduler, tcp://HOST:PORT (or PLANNER_DASK_ADDRESS); without it --executor dask "
        "starts a local cluster of --jobs workers.",
    ),
]


def scenarios_option(text: str):
    """--scenarios N: seeded demand paths, 0 (the default) for none."""
    return click.option("--scenarios", type=click.IntRange(min=0), default=0, show_default=True, help=text)


def with_options(options):
    def decorate(command):
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


@click.group()
@click.version_option(package_name="planner")
def main():
    """Replenishment and allocation planner: forecast, purchase orders, stock moves, order promises."""


@main.command()
@dataset_argument
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Print the summary as JSON ({"valid": true, ...}), or every problem ({"valid": false, "problems": '
    "[{file, line, column, message}, ...]}, exit 2).",
)
@handle_errors
def validate(dataset, as_json):
    """Check a dataset folder; print every problem (exit 2) or a summary of a valid dataset."""
    from planner.data.load import load_dataset
    from planner.data.validate import summarize

    loaded = load_dataset(dataset)
    summary = summarize(loaded)
    for note in loaded.notes:
        click.echo(f"note: {note}", err=True)
    if as_json:
        click.echo(json.dumps({"valid": True, **summary}, indent=2))
        return
    click.echo(f"{dataset}: valid")
    for key, value in summary.items():
        click.echo(f"  {key}: {value}")


@main.command()
@dataset_argument
@out_option
@overwrite_option
@with_options(period_options)
@with_options(executor_options)
@click.option("--solver", type=click.Choice(SOLVERS), default=None, help="LP/MILP solver (default: highs).")
@click.option(
    "--time-limit", type=click.FloatRange(min=0, min_open=True), default=None, help="Solver time limit in seconds."
)
@click.option(
    "--gap",
    "mip_gap",
    type=click.FloatRange(0, 1, max_open=True),
    default=None,
    help="Relative MIP gap at which the solver stops (default: 0.01).",
)
@click.option("--relax", is_flag=True, default=None, help="Solve the LP relaxation (MOQ and lots not enforced).")
@click.option(
    "--highs-method",
    type=click.Choice(HIGHS_METHODS),
    default=None,
    help="HiGHS method for the first LP (default: the model's, simplex).",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=None,
    help="Solver threads, and HiGHS's per-SKU MILP worker processes (default: the model's, 2).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the KPIs as JSON on stdout.")
@scenarios_option(
    "Apply the written plan to N demand paths drawn from the forecast's error (and supplier lead-time "
    "spreads): risk.csv, risk_summary.csv, kpis.json's risk block and a report section. 0 = off."
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the --scenarios draws: the same seed gives the same figures.",
)
@click.option(
    "--previous",
    "previous_plan",
    type=click.Path(path_type=Path),
    default=None,
    help="Last plan's folder: its released POs stay firm, and changing its planned POs costs "
    "change_penalty per unit (planner/model/MODEL.md, 'Plan stability').",
)
@click.option(
    "--fail-on",
    "gates",
    multiple=True,
    callback=lambda ctx, param, texts: _parse_gates(texts),
    help='KPI gate, e.g. "fill_rate<0.95" (repeatable): exit 4 after writing the plan if it holds. '
    "Metrics: docs/kpis.md.",
)
@handle_errors
def plan(
    dataset,
    out,
    overwrite,
    period,
    horizon,
    start,
    jobs,
    model_file,
    executor,
    dask_address,
    solver,
    time_limit,
    mip_gap,
    relax,
    highs_method,
    threads,
    as_json,
    scenarios,
    seed,
    previous_plan,
    gates,
):
    """Forecast, optimize and write the weekly plan for DATASET into --out."""
    from planner.data.load import load_dataset
    from planner.data.previous import read_previous
    from planner.forecast.executor import make_executor
    from planner.pipeline import run_plan
    from planner.report.outputs import plan_files

    target = _claim_output(out, overwrite, dataset, model_file)
    config = load_config(model_file).with_overrides(
        period=period,
        horizon=horizon,
        solver=solver,
        time_limit=time_limit,
        mip_gap=mip_gap,
        relax=relax,
        highs_method=highs_method,
        threads=threads,
    )
    loaded = load_dataset(dataset)
    for note in loaded.notes:
        _log(f"note: {note}")
    previous = None if previous_plan is None else read_previous(previous_plan)
    with make_executor(executor, jobs=jobs, address=dask_address) as fit_executor:
        run = run_plan(
            loaded,
            config,
            start=start,
            jobs=jobs,
            progress=lambda stage: _log(f"planner: {stage}"),
            forecast_progress=_fit_progress(),
            previous=previous,
            forecast_executor=fit_executor,
            scenarios=scenarios,
            seed=seed,
        )
    _write_output(target, plan_files(run))
    _warn(run.kpis["warnings"])
    if as_json:
        click.echo(json.dumps(run.kpis, indent=2))
    else:
        click.echo(_summary(run.kpis, out))
    _check_gates(gates, run.kpis, out)


def _warn(warnings: list[str]) -> None:
    """The run's warnings (kpis.json `warnings`) on stderr, terminal or not: they change how to read the plan."""
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)


def _parse_gates(texts):
    from planner.report.gates import GateError, parse_gate

    try:
        return [parse_gate(text) for text in texts]
    except GateError as error:
        raise click.BadParameter(str(error)) from None


def _check_gates(gates, kpis: dict, out: Path) -> None:
    """Exit 4, naming every tripped gate on stderr, when the written plan fails a `--fail-on`."""
    from planner.report.gates import tripped_gates

    tripped = tripped_gates(gates, kpis)
    for line in tripped:
        click.echo(f"gate tripped: {line}", err=True)
    if tripped:
        raise PlannerExit(f"KPI gate tripped (see above); the plan was written to {out}", EXIT_GATE)


def _summary(kpis: dict, out: Path) -> str:
    service, orders, solver = kpis["service"], kpis["orders"], kpis["solver"]
    gap = "" if solver["mip_gap"] is None else f", gap {solver['mip_gap']:.2%}"
    return "\n".join(
        [
            f"plan {kpis['plan']['start']} .. {kpis['plan']['end']} written to {out}",
            f"  solver: {solver['name']} {solver['status']}{gap}",
            f"  fill rate {service['fill_rate']:.1%}; backorder units {service['backorder_units']:g}; "
            f"backlog units {service['backlog_units']:g}",
            f"  open order lines: {orders['lines_by_status']['on_time']} on time, "
            f"{orders['lines_by_status']['late']} late, {orders['lines_by_status']['backorder']} backordered",
            f"  purchase order lines: {kpis['purchase_orders']['lines']} "
            f"({kpis['purchase_orders']['release_now']} to release now); cost {kpis['costs']['total']:,.2f}",
            *_risk_summary(kpis.get("risk")),
        ]
    )


def _risk_summary(risk: dict | None) -> list[str]:
    if risk is None:
        return []
    fill = " / ".join(f"{risk['fill_rate'][q]:.1%}" for q in ("p10", "p50", "p90"))
    return [
        f"  risk over {risk['scenarios']} scenarios (seed {risk['seed']}): fill rate P10 / P50 / P90 {fill}; "
        f"{risk['pairs_at_risk']} of {risk['pairs']} sku x FC pairs stock out in at least half (risk.csv)"
    ]


@main.command()
@dataset_argument
@out_option
@overwrite_option
@with_options(period_options)
@with_options(executor_options)
@handle_errors
def forecast(dataset, out, overwrite, period, horizon, start, jobs, model_file, executor, dask_address):
    """Forecast demand per sku and region; write forecast.csv, forecast_metrics.csv and kpis.json into --out.

    With skus.csv in DATASET, forecast.csv also gives each sku's service segment and level.
    """
    from planner.data.load import load_dataset
    from planner.forecast.core import forecast_demand
    from planner.forecast.executor import make_executor
    from planner.model.service import service_levels
    from planner.pipeline import calendar_warnings, forecast_kpis, plan_calendar
    from planner.report.outputs import forecast_files, json_bytes

    target = _claim_output(out, overwrite, dataset, model_file)
    config = load_config(model_file).with_overrides(period=period, horizon=horizon)
    loaded = load_dataset(dataset, require=("demand_history",))
    calendar = plan_calendar(loaded, config, start)
    with make_executor(executor, jobs=jobs, address=dask_address) as fit_executor:
        result = forecast_demand(
            loaded.demand_history,
            calendar,
            interval_level=config.interval_level,
            history_periods=config.history_periods,
            executor=fit_executor,
            options=config.forecast_options(),
            progress=_fit_progress(),
        )
    warnings = calendar_warnings(loaded, calendar, horizon=False)
    kpis = {"warnings": warnings, "forecast": forecast_kpis(result)}
    service = service_levels(loaded.skus, result, config) if len(loaded.skus) else None
    _write_output(target, {**forecast_files(result, service), "kpis.json": json_bytes(kpis)})
    _warn(warnings)
    click.echo(
        f"forecast of {result[['sku', 'region']].drop_duplicates().shape[0]} series "
        f"from {calendar.start.date()} written to {out}"
    )


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--skus", type=click.IntRange(min=1), default=40, show_default=True)
@click.option(
    "--fcs",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="FCs; above 8, a 3PL's regional network: FCs grouped in regions, a few hubs, sparse lanes.",
)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option(
    "--history-period",
    type=click.Choice(["day", "week"]),
    default="day",
    show_default=True,
    help="Granularity of the demand history rows.",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace DIRECTORY as a whole if it already holds files (never the current folder or one holding it).",
)
@handle_errors
def generate(directory, skus, fcs, seed, history_period, overwrite):
    """Write a seeded synthetic dataset in the contract format into DIRECTORY."""
    from planner.data.generate import dataset_files, generate_dataset

    target = _claim_output(directory, overwrite, marker=False)
    tables = generate_dataset(skus, fcs, seed, history_period=history_period)
    _write_output(target, dataset_files(tables))
    click.echo(f"dataset with {skus} skus and {fcs} fcs (seed {seed}) written to {directory}")


@main.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@handle_errors
def diff(old, new, as_json):
    """Show what changed from plan folder OLD to NEW: PO lines and promise dates."""
    from planner.plan.diff import diff_plans, diff_text

    changes = diff_plans(old, new)
    click.echo(json.dumps(changes, indent=2) if as_json else diff_text(changes))


def _policies(ctx, param, value: str) -> tuple[str, ...]:
    from planner.simulate import POLICIES

    names = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = [name for name in names if name not in POLICIES]
    if unknown or not names:
        raise click.BadParameter(f"{', '.join(unknown) or 'none given'}; choose from {', '.join(POLICIES)}")
    return names


def _delays(ctx, param, values) -> tuple:
    from planner.simulate.scenario import parse_delay

    try:
        return tuple(parse_delay(value) for value in values)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@main.command()
@dataset_argument
@out_option
@overwrite_option
@click.option(
    "--weeks",
    type=click.IntRange(min=1),
    default=26,
    show_default=True,
    help="Weeks of history replayed, ending with the last history week.",
)
@click.option(
    "--policy",
    "policies",
    default="lp,minmax,order-up-to",
    show_default=True,
    callback=_policies,
    help="Comma-separated policies to compare: lp, minmax, order-up-to.",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the split of each week's demand into order lines by priority, and of --scenarios' paths.",
)
@click.option(
    "--supplier-delay",
    "delays",
    multiple=True,
    callback=_delays,
    metavar="SUPPLIER=DAYS[@FIRST-LAST]",
    help="POs of SUPPLIER placed in replay weeks FIRST..LAST (default: all) arrive DAYS late. Repeatable.",
)
@click.option(
    "--model",
    "model_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Planning model TOML (default: models/default.toml values).",
)
@click.option("--solver", type=click.Choice(SOLVERS), default=None, help="LP/MILP solver (default: highs).")
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Solver time limit in seconds, per weekly plan.",
)
@click.option(
    "--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Processes for forecasting each week."
)
@scenarios_option(
    "Replay every policy on N demand paths drawn (with --seed) from the forecast on the replay's first day, "
    "instead of the history's one: the table gives each measure's P10, P50 and P90 over the paths. 0 = off."
)
@handle_errors
def simulate(dataset, out, overwrite, weeks, policies, seed, delays, model_file, solver, time_limit, jobs, scenarios):
    """Replay the last --weeks weeks of DATASET with the planner and with minmax and order-up-to rules."""
    from planner.data.load import load_dataset
    from planner.simulate import ReplayError
    from planner.simulate import simulate as run_simulation
    from planner.simulate.report import simulation_files, summary_text

    target = _claim_output(out, overwrite, dataset, model_file)
    config = load_config(model_file).with_overrides(solver=solver, time_limit=time_limit)
    loaded = load_dataset(dataset)

    def progress(policy, week, total):
        _log(f"simulate: {policy} week {week + 1}/{total}")

    try:
        result = run_simulation(
            loaded,
            config,
            weeks=weeks,
            policies=policies,
            seed=seed,
            delays=delays,
            jobs=jobs,
            progress=progress,
            scenarios=scenarios,
        )
    except ReplayError as error:
        raise PlannerExit(f"{error}; nothing was written", EXIT_BAD_INPUT) from None
    _write_output(target, simulation_files(result))
    click.echo(summary_text(result.summary))
    paths = f" on {scenarios} demand paths" if scenarios else ""
    click.echo(f"simulation of {weeks} weeks{paths} written to {out}")


@main.command()
@click.argument("plan_dir", type=click.Path(path_type=Path))
@click.option("--order", "order_id", default=None, help="Order id: each line's promise and why it waits.")
@click.option("--sku", default=None, help="SKU: stock by FC, PO lines and why, transfers, waiting orders.")
@handle_errors
def explain(plan_dir, order_id, sku):
    """Tell the story of an order or a sku from the plan folder PLAN_DIR (nothing is re-solved)."""
    from planner.plan.story import order_story, sku_story

    if (order_id is None) == (sku is None):
        raise click.UsageError("give one of --order ID or --sku SKU")
    click.echo(order_story(plan_dir, order_id) if order_id is not None else sku_story(plan_dir, sku))
