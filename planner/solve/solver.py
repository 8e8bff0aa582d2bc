"""Run a solver on the built model and turn its outcome into a typed SolveResult."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path

import numpy as np
import pulp

from planner.config import PlanConfig
from planner.solve.blocks import SkuMilps
from planner.solve.highs import HighsSession, WarmHighs
from planner.solve.prices import PricedSolution


class SolveStatus(str, Enum):
    OPTIMAL = "optimal"  # proven optimal (within the MIP gap)
    FEASIBLE = "feasible"  # stopped by the time limit with a solution
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NO_SOLUTION = "no_solution"  # time limit or solver failure without a solution


@dataclass(frozen=True)
class SolveResult:
    status: SolveStatus
    solver: str
    objective: float | None
    mip_gap: float | None  # relative gap of the returned solution; None for an LP
    seconds: float
    message: str = ""
    bound: float | None = None  # a lower bound on the LP when it was not solved exactly (by prices)

    @property
    def has_solution(self) -> bool:
        return self.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


class SolverUnavailable(RuntimeError):
    """The chosen solver is not installed."""


def solve(problem: pulp.LpProblem, config: PlanConfig, rounding=None, separate=None) -> SolveResult:
    """Solve with the configured solver; its console output goes to stderr when that is a terminal,
    else nowhere, and never to stdout.

    A MILP with a `rounding` (step "moq"/"up"/"down"... -> {column: value}) and `lp_rounding` on takes
    the fast path first: relax, round, repair; the MILP runs only if that is not within the gap
    (the rounding's columns are those of the problem's FrameModel).
    `separate()` adds the lazy rows a solution violates and returns how many; every solver call
    is repeated until it adds none, so each solution kept satisfies the whole model.
    """
    started = time.perf_counter()
    mip = _is_mip(problem)
    run = functools.partial(_run_separated, separate or (lambda: 0), started)
    if mip and rounding is not None and config.lp_rounding:
        result = _round_then_milp(problem, config, rounding, started, run)
    else:
        result = run(problem, config, mip=mip)
    if rounding is not None and result.has_solution and not config.relax:
        result = _orderable(problem, config, rounding, result, run, _time_left(config, started, 0.5))
        result = _in_whole_units(problem, config, rounding, result, run, _time_left(config, started, 1.0), started)
    return replace(result, seconds=time.perf_counter() - started)


WHOLE_UNITS_SECONDS = 30.0  # each last repair may run this long past a time limit already used up;
# otherwise the sizing of planned POs gets half the time left and the whole transfers the rest
# (a repair by prices cut short keeps a plan far from its bound: 9.8% at 5,000 skus on 30 s)


def _time_left(config: PlanConfig, started: float, share: float) -> float:
    return max(WHOLE_UNITS_SECONDS, share * (config.time_limit - (time.perf_counter() - started)))


def _orderable(problem, config: PlanConfig, by_column, result: SolveResult, run, seconds: float) -> SolveResult:
    """The plan with its planned POs past the discretization horizon as a buyer places them,
    the LP re-planned around them: first where and when a PO is placed, each at least its MOQ
    with the LP sizing it (rounding step "orderable:placed"), then every PO in whole lots
    (step "orderable")."""
    started = time.perf_counter()
    placed = _placed(problem, config, by_column, result, run, seconds / 2)
    done = ("planned POs sized to lots and MOQs", "planned POs could not be sized to lots")
    left = max(seconds - (time.perf_counter() - started), WHOLE_UNITS_SECONDS)
    return _last_repair(problem, config, by_column, placed, run, left, ("orderable",), done)


def _placed(problem, config: PlanConfig, by_column, result: SolveResult, run, seconds: float) -> SolveResult:
    """The LP re-planned with the planned MOQ POs placed (bounds of step "orderable:placed");
    should that leave no plan, the plan stands as it was."""
    frame = problem.frame_model
    bounds = by_column("orderable:placed")
    if not bounds:
        return result
    kept = frame.solution()
    columns = np.fromiter(bounds.keys(), np.int64, len(bounds))
    lower, upper = (np.array(side, dtype=float) for side in zip(*bounds.values()))
    again = _with_bounds(frame, columns, lower, upper, lambda: run(problem, config, mip=False, time_limit=seconds))
    if again.has_solution:
        return _re_solved(result, again, "planned MOQ POs placed", config.mip_gap)
    frame.set_solution(kept)
    return result


def _last_repair(problem, config: PlanConfig, by_column, result, run, seconds: float, steps, done) -> SolveResult:
    """The LP re-planned around the first of the rounding `steps` that leaves it a plan (none
    to do when a step changes nothing); should none, the plan stands as it was. `done` is what
    the message adds: (on success, on failure)."""
    frame = problem.frame_model
    kept = frame.solution()
    for step in steps:
        fixed = by_column(step)
        columns, values = _columns(fixed)
        if np.all(np.abs(kept[columns] - values) <= 1e-9):
            return result
        again = _with_fixed(frame, fixed, lambda: run(problem, config, mip=False, time_limit=seconds))
        if again.has_solution:
            return _re_solved(result, again, done[0], config.mip_gap)
        frame.set_solution(kept)
    return replace(result, message=f"{result.message}; {done[1]}".lstrip("; "))


def _re_solved(result: SolveResult, again: SolveResult, what: str, mip_gap: float) -> SolveResult:
    """`result` after a last repair: its objective, its gap against the same bound, and
    `feasible` rather than `optimal` once that gap is past the model's `mip_gap`."""
    gap, status = None, result.status
    if result.mip_gap is not None:
        gap = _relative_gap(again.objective, result.objective - result.mip_gap * abs(result.objective))
        what += f", {gap:.4%} from the bound"
        status = SolveStatus.FEASIBLE if gap > mip_gap else status
    message = f"{result.message}; {what}".lstrip("; ")
    return replace(result, status=status, objective=again.objective, mip_gap=gap, message=message)


def _in_whole_units(
    problem, config: PlanConfig, by_column, result: SolveResult, run, seconds: float, started: float
) -> SolveResult:
    """The plan with its transfers in whole units (rounding step "whole_transfers"): the LP
    re-plans around them with every purchase kept; opposite transfers in transit at once are
    netted first, and only floored should that leave no plan. Then, within the solve's time
    limit (`started` is its start), the MILP of integer transfers may find a cheaper plan."""
    relaxed = problem.frame_model.solution()
    steps = ("whole_transfers:netted", "whole_transfers:floored")
    done = ("transfers in whole units", "transfers could not be made whole units")
    whole = _last_repair(problem, config, by_column, result, run, seconds, steps, done)
    if whole is result:
        return result
    left = config.time_limit - (time.perf_counter() - started)
    return _integer_transfers(problem, config, by_column, whole, relaxed, run, left)


INTEGER_TRANSFERS_GAP_SHARE = 0.1  # of mip_gap, for the MILP of integer transfers: rounded, they
# cost 0.27-0.31% of the plan on issue 22's 30 skus x 10 FCs; a MILP stopped at the model's 1%
# would keep them as rounded. Its lazy rows enter as its plans break them: each transfer moves
# by less than a unit, and every lazy row at once made it 16.4 s where it takes 9.9 (star-moq seed 2)


def _integer_transfers(
    problem, config: PlanConfig, by_column, whole: SolveResult, relaxed: np.ndarray, run, seconds: float
) -> SolveResult:
    """A model loaded whole in HiGHS: its MILP with every transfer an integer and every purchase
    as decided, from the plan of rounded transfers, which stands should the MILP find nothing
    cheaper in the time left (a model solved by prices is too large for it)."""
    if config.solver != "highs" or _solved_by_prices(problem) or seconds < 1.0:
        return whole
    frame = problem.frame_model
    kept, integer = frame.solution(), frame.integer.copy()
    transfers, _ = _columns(by_column("transfers"))
    decided, units = _columns(by_column("decided"))
    milp_config = replace(config, mip_gap=config.mip_gap * INTEGER_TRANSFERS_GAP_SHARE)
    rounded = kept[transfers]
    low = np.minimum(np.floor(relaxed[transfers] + 1e-9), rounded)
    up = np.maximum(np.ceil(relaxed[transfers] - 1e-9), rounded)
    columns, lower, upper = np.r_[decided, transfers], np.r_[units, low], np.r_[units, up]
    frame.integer[transfers] = True
    try:
        again = _with_bounds(
            frame,
            columns,
            lower,
            upper,
            lambda: run(
                problem, milp_config, mip=True, time_limit=seconds, warm_start=True, start=kept, rows_as_broken=True
            ),
        )
    finally:
        frame.integer = integer
    if again.has_solution and again.objective < whole.objective - 1e-9 * abs(whole.objective):
        values = frame.solution()
        values[transfers] = np.round(values[transfers])
        frame.set_solution(values)
        return _re_solved(
            whole, replace(again, objective=frame.objective_value()), "transfers as integers", config.mip_gap
        )
    frame.set_solution(kept)
    return whole


def _run_separated(
    separate,
    started: float,
    problem,
    config: PlanConfig,
    *,
    mip: bool,
    time_limit: float | None = None,
    warm_start: bool = False,
    start: np.ndarray | None = None,
    rows_as_broken: bool = False,
) -> SolveResult:
    """One solver call, repeated while its solution violates lazy rows (within the time left).
    A warm start begins every call from `start` (values of every column) when given: a plan
    that meets every row, which the last call's solution, past the rows just added, is not.
    A MILP gets every lazy row first, unless `rows_as_broken`: then they enter as its plans
    break them, as an LP's do."""
    limit = config.time_limit if time_limit is None else time_limit
    call_started = time.perf_counter()
    if mip and not rows_as_broken:
        _with_every_row(problem)
    while True:
        left = limit - (time.perf_counter() - call_started)
        if start is not None:
            problem.frame_model.set_solution(start)
        result = _run(problem, config, mip=mip, time_limit=left, warm_start=warm_start)
        if not result.has_solution or separate() == 0:
            return result
        if limit - (time.perf_counter() - call_started) < 1.0:
            return replace(
                result, status=SolveStatus.NO_SOLUTION, message="time limit reached while adding violated capacity rows"
            )


def _with_every_row(problem) -> None:
    """Every lazy row into a MILP's problem before its branch and bound: re-run for rows its
    plan broke, it would start its search over (30 skus x 10 FCs, generated: 244 s to an
    optimum past 369 lazy rows, then nothing better than the rounded plan in the 34 s left;
    with the rows at once, optimal in 160 s). The lazy rows of a model loaded whole are few."""
    frame = getattr(problem, "frame_model", None)
    if frame is not None:
        frame.add_lazy_rows()


def _run(
    problem, config: PlanConfig, *, mip: bool, time_limit: float | None = None, warm_start: bool = False
) -> SolveResult:
    """One solver call; mip=False solves the LP relaxation of whatever integers there are."""
    limit = config.time_limit if time_limit is None else max(time_limit, 1.0)
    with tempfile.TemporaryDirectory(prefix="planner-solve-") as scratch, _solver_console():
        if config.solver == "highs":
            status, gap, message = _solve_highs(problem, config, mip, limit, warm_start)
        else:
            status, gap, message = _solve_cbc(problem, config, Path(scratch) / "cbc.log", mip, limit, warm_start)
    objective = _objective(problem) if status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE) else None
    session = getattr(problem, "highs_session", None)
    bound = session.priced_bound() if session is not None and not mip else None
    return SolveResult(status, config.solver, objective, gap if mip else None, 0.0, message, bound)


def _objective(problem) -> float:
    frame = getattr(problem, "frame_model", None)
    return frame.objective_value() if frame is not None and frame.costs is not None else pulp.value(problem.objective)


def _round_then_milp(problem, config: PlanConfig, by_column, started: float, run) -> SolveResult:
    """Relaxation bound, rounded-and-repaired plan, then the MILP (warm-started) only if needed.

    Every solver call gets the time left of the one time limit.
    """

    left = config.time_limit - (time.perf_counter() - started)
    share = RELAXATION_SHARE if _by_prices(problem, config) else 1.0
    relaxed = run(problem, config, mip=False, time_limit=share * left)
    if not relaxed.has_solution:
        return relaxed  # infeasible, or out of time before even the relaxation was solved
    bound = relaxed.objective if relaxed.bound is None else relaxed.bound
    first = _first_plan(problem, started + config.time_limit)
    result = _rounded(problem, config, by_column, started, run, bound)
    if first is None or (result.has_solution and result.objective <= first[1] + 1e-9 * abs(first[1])):
        return result
    problem.frame_model.set_solution(first[0])
    gap = _relative_gap(first[1], bound)
    why = "found no cheaper plan in time" if result.has_solution else "ended without a plan"
    return replace(
        result,
        status=SolveStatus.FEASIBLE,
        objective=first[1],
        mip_gap=gap,
        message=f"each sku's plan within its share of the capacities, {gap:.4%} from the bound (the repair {why})",
    )


RELAXATION_SHARE = 0.5  # of the time left, for the first LP of a model solved by prices: the
# rounding and the repairs that make its plan whole need the rest. 200 skus x 50 FCs (generated,
# seed 3) at 300 s: 0.5 gave 3.466e7 in 365 s, 0.25 gave 3.451e7 in 228 s; but 5,000 skus x 6
# FCs need about 300 s of their 700 for prices good enough to round from: at 0.3, 8.71% from
# the bound against 1.77% uncapped (benchmarks/README.md)


def _by_prices(problem, config: PlanConfig) -> bool:
    """The model's LPs will be solved by prices (planner/solve/highs.py): HiGHS, and too large for one simplex."""
    frame = getattr(problem, "frame_model", None)
    return config.solver == "highs" and frame is not None and frame.column_count() > HighsSession.PRICED_COLUMNS


def _first_plan(problem, deadline: float) -> tuple[np.ndarray, float] | None:
    """(values, cost) of a plan of the MILP that meets every row, made from the relaxation
    solved by prices (PricedLp.integer_plan), or None: it stands should the repairs after it
    end without a cheaper plan."""
    if not _solved_by_prices(problem):
        return None
    session = problem.highs_session
    values = session.priced.integer_plan(*session.bounds, deadline)
    if values is None:
        return None
    return values, float(problem.frame_model.costs @ values)


def _rounded(problem, config: PlanConfig, by_column, started: float, run, bound: float):
    """The relaxation's plan rounded and repaired, then the MILP (warm-started) only if needed."""

    def relaxation():
        return run(problem, config, mip=False, time_limit=config.time_limit - (time.perf_counter() - started))

    frame = problem.frame_model
    relaxed_values = frame.solution()
    repaired, direction, how = None, "", ""
    split = _sku_milps(problem, config, started, by_column)
    if split is not None and split.planned:
        bound += split.bound_lift
        how = (
            f"MOQ POs and lots per sku ({split.solved} of {split.fractional} fractional skus by their own MILP, "
            f"{split.rounded} rounded on their own), "
        )
        frame.set_solution(split.values)
        repaired, direction = _with_fixed(frame, by_column("up"), relaxation), "up"
    if repaired is None or not repaired.has_solution:
        repaired, direction = _place_then_round(frame, by_column, relaxation, relaxed_values, split)
    if not repaired.has_solution:
        if _solved_by_prices(problem):  # loading the whole model would double its memory for nothing
            return replace(
                repaired,
                message=f"{repaired.message}, around the rounded plan; "
                "the model is too large for the MILP on the whole",
            )
        return run(problem, config, mip=True, time_limit=config.time_limit - (time.perf_counter() - started))
    gap = _relative_gap(repaired.objective, bound)
    note = f"{how or 'LP relaxation '}rounded {direction} and repaired, {gap:.4%} from the bound"
    if gap <= config.mip_gap:
        return replace(repaired, mip_gap=gap, message=note)
    best = _milp_after_rounding(problem, config, started, replace(repaired, mip_gap=gap, message=note), run)
    bound_gap = _relative_gap(best.objective, bound)
    return replace(best, mip_gap=bound_gap if best.mip_gap is None else min(best.mip_gap, bound_gap))


def _place_then_round(frame, by_column, relaxation, relaxed_values: np.ndarray, split: SkuMilps | None):
    """Decide the MOQ POs first (from the skus' MILPs, else by rule) and repair, then round the
    lots up (down as the fallback) and repair: (result, direction)."""
    if split is not None and split.planned:
        frame.set_solution(split.values)
        decided = by_column("opened")
    else:
        decided = {**by_column("moq"), **_close_barely_used(frame, by_column, relaxation)}
    placed = _with_fixed(frame, decided, relaxation)
    if not placed.has_solution:
        frame.set_solution(relaxed_values)
    repaired, direction = placed, ""
    for direction in ("up", "down") if placed.has_solution else ("down",):
        repaired = _with_fixed(frame, by_column(direction), relaxation)
        if repaired.has_solution:
            break
    return repaired, direction


SKU_MILP_SHARE = 0.3  # of the time left: the rest is for the repairs and, if needed, the MILP;
# 5,000 skus: the repair's rounds gain more than the MILPs that fall out (3.25% from the bound
# against 5.11% with half the time left; benchmarks/README.md)
ROUNDING_LOSS_SHARE = 0.25  # of mip_gap: what the skus rounded without a MILP may lose together


SKU_OPENINGS = ((2.0, 0.0), (1.0, 1.0), (1.0, 0.5))  # (cover, share) of the roundings each sku tries:
# "consolidate:<cover>:<share>" (planner/model/rounding.py); 1,000 skus: 91 MILPs bring the
# rest within the loss share, where the relaxation's own roundings needed 425 (benchmarks/README.md)


def _sku_milps(problem, config: PlanConfig, started: float, by_column) -> SkuMilps | None:
    """Each sku's own plan at the relaxation's prices, where HiGHS holds the relaxation (the
    kept session of a FrameModel); None otherwise. Each sku takes the cheapest of its
    SKU_OPENINGS roundings, and those whose rounding loses most get their MILP (to a tenth of
    the plan's gap) until the rest lose under ROUNDING_LOSS_SHARE of the gap; all within
    SKU_MILP_SHARE of the time left. Skus not reached are rounded by rule. In a model loaded
    whole (small enough for one simplex), every fractional sku gets its MILP: each one lifts the
    bound, and the rounding by rule lost most where MOQ lines deliver anywhere (a 30-sku, 10-FC
    network of `*` MOQ lines: 20% from the bound, against 5.6% with every sku's MILP)."""
    session = getattr(problem, "highs_session", None)
    if config.solver != "highs" or session is None:
        return None
    now, deadline = time.perf_counter(), started + config.time_limit
    return session.sku_milps(
        now + SKU_MILP_SHARE * (deadline - now),
        config.mip_gap / 10,
        config.threads,
        ROUNDING_LOSS_SHARE * config.mip_gap if _solved_by_prices(problem) else 0.0,
        _openings(by_column, problem.frame_model.column_count()),
    )


def _openings(by_column, columns: int) -> np.ndarray:
    """Per rounding of SKU_OPENINGS, and the previous plan's MOQ POs when there is one
    (planner.model.stability.previous_openings), its value of each MOQ PO's purchase_open
    column (NaN on every other column)."""
    steps = [f"consolidate:{cover}:{share}" for cover, share in SKU_OPENINGS]
    decisions = [by_column(step) for step in steps] + [d for d in [by_column("previous")] if d]
    openings = np.full((len(decisions), columns), np.nan, dtype=np.float32)
    for row, decided in zip(openings, decisions):
        row[np.fromiter(decided.keys(), np.int64, len(decided))] = np.fromiter(decided.values(), float, len(decided))
    return openings


CLOSING_SHARES = (0.25, 0.5, 1.0)


def _close_barely_used(frame, by_column, relaxation) -> dict:
    """Close MOQ lines the relaxation barely uses, in rounds of rising share, re-solving after
    each; returns the closings whose LP still had a solution."""
    closed: dict = {}
    for share in CLOSING_SHARES:
        more = {v: x for v, x in by_column(f"close:{share}").items() if v not in closed}
        if not more:
            continue
        if not _with_fixed(frame, {**closed, **more}, relaxation).has_solution:
            break
        closed.update(more)
    return closed


def _milp_after_rounding(problem, config: PlanConfig, started: float, rounded: SolveResult, run) -> SolveResult:
    """Run the MILP from the rounded plan; keep whichever solution is better. A model whose LP
    had to be solved by prices is far too large for the MILP on the whole: the rounded plan
    stands, with its gap."""
    if _solved_by_prices(problem):
        return replace(
            rounded,
            status=SolveStatus.FEASIBLE,
            message=rounded.message + "; the model is too large for the MILP on the whole",
        )
    kept = problem.frame_model.solution()
    remaining = config.time_limit - (time.perf_counter() - started)
    milp = run(problem, config, mip=True, time_limit=remaining, warm_start=True, start=kept) if remaining > 1 else None
    if milp is not None and milp.has_solution and milp.objective < rounded.objective - 1e-6 * abs(rounded.objective):
        return milp
    problem.frame_model.set_solution(kept)
    return replace(
        rounded,
        status=SolveStatus.FEASIBLE,
        message=rounded.message + "; the MILP found nothing better in the time left",
    )


def _solved_by_prices(problem) -> bool:
    """The last LP went by prices: the model is far too large for one HiGHS run on the whole."""
    session = getattr(problem, "highs_session", None)
    return session is not None and session.last_priced is not None


def _is_mip(problem) -> bool:
    """Any integer column: a FrameModel's flags, or PuLP's variables (which it sorts every call)."""
    frame = getattr(problem, "frame_model", None)
    if frame is not None:
        return bool(frame.integer.any())
    return any(v.cat == pulp.LpInteger for v in problem.variables())


def _columns(fixed: dict) -> tuple[np.ndarray, np.ndarray]:
    """A rounding's {column: value} as (columns, values) arrays."""
    return np.fromiter(fixed.keys(), np.int64, len(fixed)), np.fromiter(fixed.values(), float, len(fixed))


def _with_fixed(frame, fixed: dict, solve_once):
    """Solve with the given columns fixed at a value; their bounds are restored afterwards."""
    columns, values = _columns(fixed)
    return _with_bounds(frame, columns, values, values, solve_once)


def _with_bounds(frame, columns: np.ndarray, lower: np.ndarray, upper: np.ndarray, solve_once):
    """Solve with the given columns' bounds; theirs are restored afterwards."""
    saved = frame.lower[columns], frame.upper[columns]
    try:
        frame.lower[columns], frame.upper[columns] = lower, upper
        return solve_once()
    finally:
        frame.lower[columns], frame.upper[columns] = saved


def _relative_gap(objective: float, bound: float) -> float:
    return max(objective - bound, 0.0) / max(abs(objective), 1e-9)


def _solve_cbc(problem, config: PlanConfig, log: Path, mip: bool, time_limit: float, warm_start: bool):
    # One thread: CBC's parallel branch and bound was slower on our models and is not repeatable.
    solver = pulp.PULP_CBC_CMD(
        mip=mip,
        msg=False,
        timeLimit=time_limit,
        gapRel=config.mip_gap,
        threads=1,
        logPath=str(log),
        warmStart=warm_start,
    )
    if not solver.available():
        raise SolverUnavailable("CBC is not available in this PuLP installation")
    frame = getattr(problem, "frame_model", None)
    if frame is None:
        problem.solve(solver)
    else:  # CBC reads the model through PuLP's objects
        frame.pulp_solve(functools.partial(problem.solve, solver))
    text = log.read_text(errors="replace") if log.exists() else ""
    stopped = bool(re.search(r"Stopped on (time|iterations)", text))
    status = _status_from_pulp(problem.sol_status, stopped, mip)
    return status, _cbc_gap(text, status), _cbc_result_line(text)


def _cbc_gap(log: str, status: SolveStatus) -> float | None:
    """The relative gap CBC stopped at: its 'Gap:' summary line, or the absolute gap it exits
    with ('Exiting as integer gap of X') over the objective; 0 when it proved optimality."""
    found = re.findall(r"^Gap:\s+([0-9.eE+-]+)", log, re.MULTILINE)
    if found:
        return float(found[-1])
    absolute = re.findall(r"Exiting as integer gap of ([0-9.eE+-]+)", log)
    objective = re.findall(r"^Objective value:\s+([0-9.eE+-]+)", log, re.MULTILINE)
    if absolute and objective and float(objective[-1]) != 0:
        return float(absolute[-1]) / abs(float(objective[-1]))
    return 0.0 if status is SolveStatus.OPTIMAL else None


def _cbc_result_line(log: str) -> str:
    found = re.findall(r"^Result - (.+)$", log, re.MULTILINE)
    return found[-1].strip() if found else ""


def _solve_highs(problem, config: PlanConfig, mip: bool, time_limit: float, warm_start: bool):
    if "HiGHS" not in pulp.listSolvers(onlyAvailable=True):
        raise SolverUnavailable("HiGHS is not installed: pip install 'planner[highs]' (highspy)")
    method = {} if mip else {"solver": config.highs_method}
    solver = WarmHighs(
        mip=mip,
        msg=False,
        timeLimit=time_limit,
        gapRel=config.mip_gap,
        threads=config.threads,
        warm_start=warm_start,
        **method,
    )
    frame = getattr(problem, "frame_model", None)
    if frame is not None and frame.costs is not None:  # the driver reads the arrays; PuLP's solve
        solver.actualSolve(problem)  # would put a dummy variable in the empty objective
    else:
        problem.solve(solver)
    highs = problem.solverModel
    session = getattr(problem, "highs_session", None)
    if not mip and session is not None and session.last_priced is not None:
        return _priced_status(problem, session.last_priced)
    model_status = highs.modelStatusToString(highs.getModelStatus())
    stopped = "limit" in model_status.lower()
    info = highs.getInfo()
    status = _status_from_pulp(problem.sol_status, stopped, mip, info.primal_solution_status == 2)
    gap = float(info.mip_gap) if status.value in ("optimal", "feasible") else None
    if gap is not None and gap > 1e20:
        gap = None
    return status, gap, model_status


def _priced_status(problem, priced: PricedSolution):
    """Status, gap and message of an LP solved by prices: a plan when one met every row."""
    if priced.values is None:
        return SolveStatus.NO_SOLUTION, None, f"no plan met the shared capacities in {priced.rounds} rounds of prices"
    gap = _relative_gap(priced.objective, priced.bound)
    within = "" if priced.converged else ", stopped by the time limit"
    return SolveStatus.OPTIMAL, None, f"solved by prices in {priced.rounds} rounds, {gap:.4%} from its bound{within}"


def _status_from_pulp(sol_status: int, stopped: bool, mip: bool = True, primal_feasible: bool = True) -> SolveStatus:
    """A solver stopped by a limit has a usable plan only if it holds a feasible MIP incumbent:
    an LP stopped half way (simplex or interior point) is not a plan."""
    if sol_status == pulp.LpSolutionOptimal and not stopped:
        return SolveStatus.OPTIMAL
    if stopped and (not mip or not primal_feasible):
        return SolveStatus.NO_SOLUTION
    if sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        return SolveStatus.FEASIBLE
    if sol_status == pulp.LpSolutionInfeasible:
        return SolveStatus.INFEASIBLE
    if sol_status == pulp.LpSolutionUnbounded:
        return SolveStatus.UNBOUNDED
    return SolveStatus.NO_SOLUTION


@contextlib.contextmanager
def _solver_console():
    """Solvers print on file descriptor 1 (HiGHS its 'Running HiGHS' banner once per process, on
    its first Highs object), but stdout carries only our results: their output goes to stderr
    when it is a terminal, like the planner's own progress, and nowhere when it is not (a log
    file, a CI job), where it would be noise on every run."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:
        yield
        return
    target = os.open(os.devnull, os.O_WRONLY) if not _stderr_is_terminal() else os.dup(2)
    try:
        os.dup2(target, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(target)


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed
        return False
