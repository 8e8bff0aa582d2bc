"""Run a solver on the built model and turn its outcome into a typed SolveResult."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path

import pulp

from planner.config import PlanConfig


class SolveStatus(str, Enum):
    OPTIMAL = "optimal"            # proven optimal (within the MIP gap)
    FEASIBLE = "feasible"          # stopped by the time limit with a solution
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NO_SOLUTION = "no_solution"    # time limit or solver failure without a solution


@dataclass(frozen=True)
class SolveResult:
    status: SolveStatus
    solver: str
    objective: float | None
    mip_gap: float | None          # relative gap of the returned solution; None for an LP
    seconds: float
    message: str = ""

    @property
    def has_solution(self) -> bool:
        return self.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


class SolverUnavailable(RuntimeError):
    """The chosen solver is not installed."""


def solve(problem: pulp.LpProblem, config: PlanConfig, rounding=None) -> SolveResult:
    """Solve with the configured solver; its console output goes to stderr, never stdout.

    A MILP with a `rounding` (step "moq"/"up"/"down" -> {variable: value}) and `lp_rounding` on takes
    the fast path first: relax, round, repair; the MILP runs only if that is not within the gap.
    """
    started = time.perf_counter()
    mip = any(v.cat == pulp.LpInteger for v in problem.variables())
    if mip and rounding is not None and config.lp_rounding:
        result = _round_then_milp(problem, config, rounding, started)
    else:
        result = _run(problem, config, mip=mip)
    return replace(result, seconds=time.perf_counter() - started)


def _run(problem, config: PlanConfig, *, mip: bool, time_limit: float | None = None,
         warm_start: bool = False) -> SolveResult:
    """One solver call; mip=False solves the LP relaxation of whatever integers there are."""
    limit = config.time_limit if time_limit is None else max(time_limit, 1.0)
    with tempfile.TemporaryDirectory(prefix="planner-solve-") as scratch, _stdout_to_stderr():
        if config.solver == "highs":
            status, gap, message = _solve_highs(problem, config, mip, limit, warm_start)
        else:
            status, gap, message = _solve_cbc(problem, config, Path(scratch) / "cbc.log", mip, limit, warm_start)
    objective = pulp.value(problem.objective) if status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE) else None
    return SolveResult(status, config.solver, objective, gap if mip else None, 0.0, message)


def _round_then_milp(problem, config: PlanConfig, rounding, started: float) -> SolveResult:
    """Relaxation bound, rounded-and-repaired plan, then the MILP (warm-started) only if needed.

    Every solver call gets the time left of the one time limit.
    """
    def relaxation():
        return _run(problem, config, mip=False, time_limit=config.time_limit - (time.perf_counter() - started))

    relaxed = relaxation()
    if not relaxed.has_solution:
        return relaxed      # infeasible, or out of time before even the relaxation was solved
    relaxed_values = _values(problem)
    placed = _with_fixed(rounding("moq"), relaxation)
    if not placed.has_solution:
        _restore(relaxed_values)
    repaired, direction = placed, ""
    for direction in ("up", "down") if placed.has_solution else ("down",):
        repaired = _with_fixed(rounding(direction), relaxation)
        if repaired.has_solution:
            break
    if not repaired.has_solution:
        return _run(problem, config, mip=True, time_limit=config.time_limit - (time.perf_counter() - started))
    gap = _relative_gap(repaired.objective, relaxed.objective)
    note = f"LP relaxation rounded {direction} and repaired, {gap:.4%} from the relaxation bound"
    if gap <= config.mip_gap:
        return replace(repaired, mip_gap=gap, message=note)
    best = _milp_after_rounding(problem, config, started, replace(repaired, mip_gap=gap, message=note))
    bound_gap = _relative_gap(best.objective, relaxed.objective)
    return replace(best, mip_gap=bound_gap if best.mip_gap is None else min(best.mip_gap, bound_gap))


def _milp_after_rounding(problem, config: PlanConfig, started: float, rounded: SolveResult) -> SolveResult:
    """Run the MILP from the rounded plan; keep whichever solution is better."""
    kept = _values(problem)
    remaining = config.time_limit - (time.perf_counter() - started)
    milp = _run(problem, config, mip=True, time_limit=remaining, warm_start=True) if remaining > 1 else None
    if milp is not None and milp.has_solution and milp.objective <= rounded.objective + 1e-6 * abs(rounded.objective):
        return milp
    _restore(kept)
    return replace(rounded, status=SolveStatus.FEASIBLE,
                   message=rounded.message + "; the MILP found nothing better in the time left")


def _values(problem) -> dict:
    return {v: v.varValue for v in problem.variables()}


def _restore(values: dict) -> None:
    for variable, value in values.items():
        variable.varValue = value


def _with_fixed(fixed: dict, solve_once):
    """Solve with the given variables fixed at a value; their bounds are restored afterwards."""
    saved = {v: (v.lowBound, v.upBound) for v in fixed}
    try:
        for variable, value in fixed.items():
            variable.lowBound = variable.upBound = value
        return solve_once()
    finally:
        for variable, (low, up) in saved.items():
            variable.lowBound, variable.upBound = low, up


def _relative_gap(objective: float, bound: float) -> float:
    return max(objective - bound, 0.0) / max(abs(objective), 1e-9)


def _solve_cbc(problem, config: PlanConfig, log: Path, mip: bool, time_limit: float, warm_start: bool):
    # One thread: CBC's parallel branch and bound was slower on our models and is not repeatable.
    solver = pulp.PULP_CBC_CMD(mip=mip, msg=False, timeLimit=time_limit, gapRel=config.mip_gap,
                               threads=1, logPath=str(log), warmStart=warm_start)
    if not solver.available():
        raise SolverUnavailable("CBC is not available in this PuLP installation")
    problem.solve(solver)
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
    solver = _WarmHiGHS(mip=mip, msg=False, timeLimit=time_limit, gapRel=config.mip_gap,
                        threads=config.threads, warm_start=warm_start, **method)
    problem.solve(solver)
    highs = problem.solverModel
    model_status = highs.modelStatusToString(highs.getModelStatus())
    stopped = "limit" in model_status.lower()
    info = highs.getInfo()
    status = _status_from_pulp(problem.sol_status, stopped, mip, info.primal_solution_status == 2)
    gap = float(info.mip_gap) if status.value in ("optimal", "feasible") else None
    if gap is not None and gap > 1e20:
        gap = None
    return status, gap, model_status


class _WarmHiGHS(pulp.HiGHS):
    """PuLP's HiGHS, optionally starting the MIP from the variables' current values."""

    def __init__(self, *, warm_start: bool = False, **options):
        super().__init__(**options)
        self.warm_start = warm_start

    def callSolver(self, lp):
        if self.warm_start:
            import highspy
            start = highspy.HighsSolution()
            start.col_value = [v.varValue or 0.0 for v in lp.variables()]
            start.value_valid = True
            lp.solverModel.setSolution(start)
        super().callSolver(lp)


def _status_from_pulp(sol_status: int, stopped: bool, mip: bool = True,
                      primal_feasible: bool = True) -> SolveStatus:
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
def _stdout_to_stderr():
    """Solvers print banners on file descriptor 1; stdout carries only our results."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
