"""Run a solver on the built model and turn its outcome into a typed SolveResult."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
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


def solve(problem: pulp.LpProblem, config: PlanConfig) -> SolveResult:
    """Solve with the configured solver; its console output goes to stderr, never stdout."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="planner-solve-") as scratch, _stdout_to_stderr():
        if config.solver == "highs":
            status, gap, message = _solve_highs(problem, config)
        else:
            status, gap, message = _solve_cbc(problem, config, Path(scratch) / "cbc.log")
    seconds = time.perf_counter() - started
    objective = pulp.value(problem.objective) if status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE) else None
    mip = any(v.cat == pulp.LpInteger for v in problem.variables())
    return SolveResult(status, config.solver, objective, gap if mip else None, seconds, message)


def _solve_cbc(problem, config: PlanConfig, log: Path):
    # One thread: CBC's parallel branch and bound was slower on our models and is not repeatable.
    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=config.time_limit, gapRel=config.mip_gap,
                               threads=1, logPath=str(log))
    if not solver.available():
        raise SolverUnavailable("CBC is not available in this PuLP installation")
    problem.solve(solver)
    text = log.read_text(errors="replace") if log.exists() else ""
    stopped = bool(re.search(r"Stopped on (time|iterations)", text))
    status = _status_from_pulp(problem.sol_status, stopped)
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


def _solve_highs(problem, config: PlanConfig):
    if "HiGHS" not in pulp.listSolvers(onlyAvailable=True):
        raise SolverUnavailable("HiGHS is not installed: pip install 'planner[highs]' (highspy)")
    solver = pulp.HiGHS(msg=False, timeLimit=config.time_limit, gapRel=config.mip_gap,
                        threads=config.threads, log_to_console=False)
    problem.solve(solver)
    highs = problem.solverModel
    model_status = highs.modelStatusToString(highs.getModelStatus())
    stopped = "limit" in model_status.lower()
    status = _status_from_pulp(problem.sol_status, stopped)
    info = highs.getInfo()
    gap = float(info.mip_gap) if status.value in ("optimal", "feasible") else None
    if gap is not None and gap > 1e20:
        gap = None
    return status, gap, model_status


def _status_from_pulp(sol_status: int, stopped: bool) -> SolveStatus:
    if sol_status == pulp.LpSolutionOptimal and not stopped:
        return SolveStatus.OPTIMAL
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
