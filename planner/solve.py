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
from planner.solve_blocks import Matrix, SharedRows, SkuBlocks, SkuMilps, sku_milps, use_highs_threads
from planner.solve_prices import Capacities, PricedLp, PricedSolution


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
    bound: float | None = None     # a lower bound on the LP when it was not solved exactly (by prices)

    @property
    def has_solution(self) -> bool:
        return self.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


class SolverUnavailable(RuntimeError):
    """The chosen solver is not installed."""


def solve(problem: pulp.LpProblem, config: PlanConfig, rounding=None, separate=None) -> SolveResult:
    """Solve with the configured solver; its console output goes to stderr, never stdout.

    A MILP with a `rounding` (step "moq"/"up"/"down"... -> {column: value}) and `lp_rounding` on takes
    the fast path first: relax, round, repair; the MILP runs only if that is not within the gap.
    `separate()` adds the lazy rows a solution violates and returns how many; every solver call
    is repeated until it adds none, so each solution kept satisfies the whole model.
    """
    started = time.perf_counter()
    frame = getattr(problem, "frame_model", None)
    if frame is not None and config.solver != "highs":
        frame.materialize()     # CBC reads the model through PuLP's constraint objects
    mip = any(v.cat == pulp.LpInteger for v in _variables(problem))
    run = functools.partial(_run_separated, separate or (lambda: 0), started)
    if mip and rounding is not None and config.lp_rounding:
        result = _round_then_milp(problem, config, rounding, started, run)
    else:
        result = run(problem, config, mip=mip)
    return replace(result, seconds=time.perf_counter() - started)


def _run_separated(separate, started: float, problem, config: PlanConfig, *, mip: bool,
                   time_limit: float | None = None, warm_start: bool = False) -> SolveResult:
    """One solver call, repeated while its solution violates lazy rows (within the time left)."""
    limit = config.time_limit if time_limit is None else time_limit
    call_started = time.perf_counter()
    while True:
        left = limit - (time.perf_counter() - call_started)
        result = _run(problem, config, mip=mip, time_limit=left, warm_start=warm_start)
        if not result.has_solution or separate() == 0:
            return result
        if limit - (time.perf_counter() - call_started) < 1.0:
            return replace(result, status=SolveStatus.NO_SOLUTION,
                           message="time limit reached while adding violated capacity rows")


def _run(problem, config: PlanConfig, *, mip: bool, time_limit: float | None = None,
         warm_start: bool = False) -> SolveResult:
    """One solver call; mip=False solves the LP relaxation of whatever integers there are."""
    limit = config.time_limit if time_limit is None else max(time_limit, 1.0)
    with tempfile.TemporaryDirectory(prefix="planner-solve-") as scratch, _stdout_to_stderr():
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
    def relaxation():
        return run(problem, config, mip=False, time_limit=config.time_limit - (time.perf_counter() - started))

    variables = _variables(problem)

    def rounding(step: str) -> dict:
        return {variables[column]: value for column, value in by_column(step).items()}

    relaxed = relaxation()
    if not relaxed.has_solution:
        return relaxed      # infeasible, or out of time before even the relaxation was solved
    relaxed_values = _values(problem)
    bound = relaxed.objective if relaxed.bound is None else relaxed.bound
    repaired, direction, how = None, "", ""
    split = _sku_milps(problem, config, started, by_column)
    if split is not None and split.planned:
        bound += split.bound_lift
        how = (f"MOQ POs and lots per sku ({split.solved} of {split.fractional} fractional skus by their own MILP, "
               f"{split.rounded} rounded on their own), ")
        problem.frame_model.set_solution(split.values)
        repaired, direction = _with_fixed(rounding("up"), relaxation), "up"
    if repaired is None or not repaired.has_solution:
        repaired, direction = _place_then_round(problem, rounding, relaxation, relaxed_values, split)
    if not repaired.has_solution:
        if _solved_by_prices(problem):       # loading the whole model would double its memory for nothing
            return replace(repaired, message=f"{repaired.message}, around the rounded plan; "
                                             "the model is too large for the MILP on the whole")
        return run(problem, config, mip=True, time_limit=config.time_limit - (time.perf_counter() - started))
    gap = _relative_gap(repaired.objective, bound)
    note = f"{how or 'LP relaxation '}rounded {direction} and repaired, {gap:.4%} from the bound"
    if gap <= config.mip_gap:
        return replace(repaired, mip_gap=gap, message=note)
    best = _milp_after_rounding(problem, config, started, replace(repaired, mip_gap=gap, message=note), run)
    bound_gap = _relative_gap(best.objective, bound)
    return replace(best, mip_gap=bound_gap if best.mip_gap is None else min(best.mip_gap, bound_gap))


def _place_then_round(problem, rounding, relaxation, relaxed_values: dict, split: SkuMilps | None):
    """Decide the MOQ POs first (from the skus' MILPs, else by rule) and repair, then round the
    lots up (down as the fallback) and repair: (result, direction)."""
    if split is not None and split.planned:
        problem.frame_model.set_solution(split.values)
        decided = rounding("opened")
    else:
        decided = {**rounding("moq"), **_close_barely_used(rounding, relaxation)}
    placed = _with_fixed(decided, relaxation)
    if not placed.has_solution:
        _restore(relaxed_values)
    repaired, direction = placed, ""
    for direction in ("up", "down") if placed.has_solution else ("down",):
        repaired = _with_fixed(rounding(direction), relaxation)
        if repaired.has_solution:
            break
    return repaired, direction


SKU_MILP_SHARE = 0.3     # of the time left: the rest is for the repairs and, if needed, the MILP;
# 5,000 skus: the repair's rounds gain more than the MILPs that fall out (3.25% from the bound
# against 5.11% with half the time left; benchmarks/README.md)
ROUNDING_LOSS_SHARE = 0.25   # of mip_gap: what the skus rounded without a MILP may lose together


SKU_OPENINGS = ((2.0, 0.0), (1.0, 1.0), (1.0, 0.5))   # (cover, share) of the roundings each sku tries:
# "consolidate:<cover>:<share>" (planner/model/rounding.py); 1,000 skus: 91 MILPs bring the
# rest within the loss share, where the relaxation's own roundings needed 425 (benchmarks/README.md)


def _sku_milps(problem, config: PlanConfig, started: float, by_column) -> SkuMilps | None:
    """Each sku's own plan at the relaxation's prices, where HiGHS holds the relaxation (the
    kept session of a FrameModel); None otherwise. Each sku takes the cheapest of its
    SKU_OPENINGS roundings, and those whose rounding loses most get their MILP (to a tenth of
    the plan's gap) until the rest lose under ROUNDING_LOSS_SHARE of the gap; all within
    SKU_MILP_SHARE of the time left. Skus not reached are rounded by rule."""
    session = getattr(problem, "highs_session", None)
    if config.solver != "highs" or session is None:
        return None
    now, deadline = time.perf_counter(), started + config.time_limit
    return session.sku_milps(now + SKU_MILP_SHARE * (deadline - now), config.mip_gap / 10, config.threads,
                             ROUNDING_LOSS_SHARE * config.mip_gap, _openings(by_column, len(_variables(problem))))


def _openings(by_column, columns: int) -> np.ndarray:
    """Per rounding of SKU_OPENINGS, its value of each MOQ PO's purchase_open column (NaN on
    every other column)."""
    openings = np.full((len(SKU_OPENINGS), columns), np.nan, dtype=np.float32)
    for row, (cover, share) in zip(openings, SKU_OPENINGS):
        decided = by_column(f"consolidate:{cover}:{share}")
        row[np.fromiter(decided.keys(), np.int64, len(decided))] = np.fromiter(decided.values(), float, len(decided))
    return openings


CLOSING_SHARES = (0.25, 0.5, 1.0)


def _close_barely_used(rounding, relaxation) -> dict:
    """Close MOQ lines the relaxation barely uses, in rounds of rising share, re-solving after
    each; returns the closings whose LP still had a solution."""
    closed: dict = {}
    for share in CLOSING_SHARES:
        more = {v: x for v, x in rounding(f"close:{share}").items() if v not in closed}
        if not more:
            continue
        if not _with_fixed({**closed, **more}, relaxation).has_solution:
            break
        closed.update(more)
    return closed


def _milp_after_rounding(problem, config: PlanConfig, started: float, rounded: SolveResult, run) -> SolveResult:
    """Run the MILP from the rounded plan; keep whichever solution is better. A model whose LP
    had to be solved by prices is far too large for the MILP on the whole: the rounded plan
    stands, with its gap."""
    if _solved_by_prices(problem):
        return replace(rounded, status=SolveStatus.FEASIBLE,
                       message=rounded.message + "; the model is too large for the MILP on the whole")
    kept = _values(problem)
    remaining = config.time_limit - (time.perf_counter() - started)
    milp = run(problem, config, mip=True, time_limit=remaining, warm_start=True) if remaining > 1 else None
    if milp is not None and milp.has_solution and milp.objective <= rounded.objective + 1e-6 * abs(rounded.objective):
        return milp
    _restore(kept)
    return replace(rounded, status=SolveStatus.FEASIBLE,
                   message=rounded.message + "; the MILP found nothing better in the time left")


def _solved_by_prices(problem) -> bool:
    """The last LP went by prices: the model is far too large for one HiGHS run on the whole."""
    session = getattr(problem, "highs_session", None)
    return session is not None and session.last_priced is not None


def _variables(problem) -> list:
    """The problem's variables: a FrameModel's own list, or PuLP's (which sorts them every call)."""
    frame = getattr(problem, "frame_model", None)
    return frame.variables if frame is not None else problem.variables()


def _values(problem) -> dict:
    return {v: v.varValue for v in _variables(problem)}


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


class _WarmHiGHS(pulp.HiGHS):
    """PuLP's HiGHS, loading a FrameModel's matrix in bulk and keeping it between calls.

    PuLP copies a model into HiGHS one column and one row at a time (minutes for a million
    variables) and starts every call from scratch. A problem built by a FrameModel is loaded
    from its arrays at once; later calls on the same problem send only what changed (rows
    added by separation, bounds fixed by rounding, integrality on or off) and HiGHS starts
    from the last basis. Other problems take PuLP's own path.
    """

    def __init__(self, *, warm_start: bool = False, **options):
        super().__init__(**options)
        self.warm_start = warm_start

    def actualSolve(self, lp):
        use_highs_threads(self.threads)
        frame = getattr(lp, "frame_model", None)
        if frame is None or frame.costs is None:
            if frame is not None:
                frame.materialize()
            return super().actualSolve(lp)
        session = getattr(lp, "highs_session", None)
        if session is None:
            self.createAndConfigureSolver(lp)
            lp.highs_session = session = _HighsSession(lp.solverModel, frame)
        else:
            lp.solverModel = session.highs
            self._configure(session.highs, warm_lp=not self.mip and session.loaded)
        priced = not self.mip and session.priced is not None
        if not priced:
            session.load()
        session.update(lp, mip=self.mip)
        if priced:
            status, sol_status = session.solve_by_prices(float(self.timeLimit), self.gapRel or 1e-3)
        else:
            if self.warm_start:
                _start_from_values(session.highs, frame.variables)
            session.highs.run()
            status, sol_status = session.read_solution()
        lp.assignStatus(status, sol_status)
        return status

    def _configure(self, highs, *, warm_lp: bool) -> None:
        """Options of this call; an LP after the first goes on from the last basis with the dual simplex.

        HiGHS measures its time limit on the model's run clock, which adds up every run: the
        limit of this call starts from the time already run."""
        highs.setOptionValue("time_limit", highs.getRunTime() + float(self.timeLimit))
        if self.gapRel is not None:
            highs.setOptionValue("mip_rel_gap", float(self.gapRel))
        if self.threads is not None:
            highs.setOptionValue("threads", int(self.threads))
        highs.setOptionValue("solver", "simplex" if warm_lp else self.optionsDict.get("solver", "choose"))

    def callSolver(self, lp):
        if self.warm_start:
            _start_from_values(lp.solverModel, lp.variables())
        super().callSolver(lp)


class _HighsSession:
    """One HiGHS model of a FrameModel's problem, kept in step with it across solver calls.

    A large model's LPs are solved by prices (planner/solve_prices.py), without the whole
    model in HiGHS: it is loaded only for a solver call on the whole (a MILP, or a small LP)."""

    PRICED_COLUMNS = 150_000    # LPs of more columns are solved by prices (100 skus x 6 FCs: whole is faster; 300: prices)
    RELAXATION_GAP_SHARE = 0.1  # of mip_gap, for the relaxation solved by prices
    REPAIR_GAP_SHARE = 0.25     # of mip_gap, for a repair solved by prices

    def __init__(self, highs, frame):
        import highspy
        self.highs, self.frame, self.inf = highs, frame, highspy.kHighsInf
        self.integer = np.flatnonzero([v.cat == pulp.LpInteger for v in frame.variables]).astype(np.int32)
        self.bounds = self._bounds()
        self.matrix = _stacked_rows(frame.eager, self.inf)
        self.loaded = False
        self.lazy_rows = 0                 # lazy rows (the frame's `added`, in order) sent so far
        self.last_priced: PricedSolution | None = None

    def load(self) -> None:
        """Put the whole model into HiGHS (once; `update` then brings it up to date): a solver
        call on it follows, so the last LP solved by prices is no longer the current one."""
        self.last_priced = None
        if self.loaded:
            return
        low, up = self.bounds
        n = len(low)
        self.highs.addCols(n, self.frame.costs, low, up, 0, np.zeros(n, dtype=np.int32),
                           np.zeros(0, dtype=np.int32), np.zeros(0))
        starts, index, value, row_low, row_up = self.matrix
        self.highs.addRows(len(row_low), row_low, row_up, len(index), starts[:-1], index, value)
        self.loaded = True

    def arrays(self) -> Matrix:
        starts, index, value, row_low, row_up = self.matrix
        low, up = self.bounds
        return Matrix(starts, index, value, row_low, row_up, self.frame.costs, low, up, self.integer)

    def _block_options(self, **options) -> dict:
        """Every HiGHS instance of the process must use the same thread count."""
        return {"threads": self.highs.getOptionValue("threads")[1], **options}

    @functools.cached_property
    def column_skus(self) -> np.ndarray:
        return self.frame.variable_skus()

    @functools.cached_property
    def priced(self) -> PricedLp | None:
        """The LP by prices, for a model too large for one simplex that splits by sku."""
        if len(self.frame.variables) <= self.PRICED_COLUMNS:
            return None
        capacities = Capacities(*_stacked_rows(list(self.frame.lazy.values()), np.inf))
        threads = self.highs.getOptionValue("threads")[1]
        return PricedLp.split(self.arrays(), self.column_skus, capacities, self._block_options(solver="simplex"),
                              workers=threads)

    def solve_by_prices(self, time_limit: float, mip_gap: float) -> tuple[int, int]:
        """Solve the LP at the current bounds by prices; the plan goes into the variables.

        The first call (the relaxation, whose bound the plan's gap is measured against) stops
        within RELAXATION_GAP_SHARE of the MIP gap; a later one (a repair around rounded
        integers) starts from the plan in the variables and stops within REPAIR_GAP_SHARE.
        """
        first = self.last_priced is None
        start = None if first else self.frame.solution()
        gap = mip_gap * (self.RELAXATION_GAP_SHARE if first else self.REPAIR_GAP_SHARE)
        self.last_priced = result = self.priced.solve(*self.bounds, gap, time.perf_counter() + time_limit, start)
        if result.values is None:
            return pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound
        self.frame.set_solution(result.values)
        return pulp.LpStatusOptimal, pulp.LpSolutionOptimal

    def priced_bound(self) -> float | None:
        """The Lagrangian bound of the last LP, when it was solved by prices."""
        return None if self.last_priced is None else self.last_priced.bound

    def sku_milps(self, deadline: float, gap: float, workers: int, loss_share: float,
                  openings: np.ndarray | None = None) -> SkuMilps | None:
        """Each fractional sku's own plan (rounded, or its MILP; planner/solve_blocks.py) at the
        prices of the relaxation just solved: its duals, or the prices of its bound when solved
        by prices; None when the model does not split by sku."""
        matrix = self.arrays()
        blocks = SkuBlocks.split(matrix, self.column_skus, 1)
        if blocks is None:
            return None
        rounder = None
        if self.last_priced is not None:
            shared, relaxed = self._priced_rows(self.last_priced), self.last_priced.values
            rounder = self.priced.rounder(blocks)
        else:
            shared, relaxed = self._added_rows(len(matrix.row_low))
        return sku_milps(matrix, blocks, relaxed, shared, {"mip_rel_gap": gap}, deadline, workers, loss_share,
                         openings, rounder)

    def _added_rows(self, eager_rows: int) -> tuple[SharedRows, np.ndarray]:
        """The lazy rows in the whole model, with their duals, and its solution."""
        solution = self.highs.getSolution()
        duals = np.asarray(solution.row_dual, dtype=float)[eager_rows:]
        rows = [self.frame.lazy_row(family, row) for family, row in self.frame.added]
        index, value, low, up = zip(*rows) if rows else ((), (), (), ())
        shared = SharedRows(list(index), list(value), np.array(low, dtype=float), np.array(up, dtype=float), duals)
        return shared, np.asarray(solution.col_value, dtype=float)

    def _priced_rows(self, priced: PricedSolution) -> SharedRows:
        """The shared rows the prices' master used, at the prices of the bound."""
        capacities, used = self.priced.capacities, priced.used_rows
        index = [capacities.index[capacities.starts[r]:capacities.starts[r + 1]] for r in used.tolist()]
        value = [capacities.value[capacities.starts[r]:capacities.starts[r + 1]] for r in used.tolist()]
        return SharedRows(index, value, capacities.low[used], capacities.up[used], priced.prices[used])

    def _bounds(self) -> tuple[np.ndarray, np.ndarray]:
        variables = self.frame.variables
        low = np.fromiter((-self.inf if v.lowBound is None else v.lowBound for v in variables), float, len(variables))
        up = np.fromiter((self.inf if v.upBound is None else v.upBound for v in variables), float, len(variables))
        return low, up

    def update(self, lp, *, mip: bool) -> None:
        """Current bounds; in a loaded model also the rows the problem gained since the last call
        and integrality for this call."""
        self.bounds = low, up = self._bounds()
        if not self.loaded:
            return
        for family, row in self.frame.added[self.lazy_rows:]:
            index, value, row_low, row_up = self.frame.lazy_row(family, row)
            self.highs.addRow(max(row_low, -self.inf), min(row_up, self.inf), len(index), index.astype(np.int32),
                              value)
        self.lazy_rows = len(self.frame.added)
        n = len(low)
        self.highs.changeColsBounds(n, np.arange(n, dtype=np.int32), low, up)
        if len(self.integer):
            kind = np.full(len(self.integer), 1 if mip else 0, dtype=np.uint8)
            self.highs.changeColsIntegrality(len(self.integer), self.integer, kind)

    def read_solution(self) -> tuple[int, int]:
        """Variable values into the PuLP variables, and PuLP's (status, solution status)."""
        import highspy
        status = self.highs.getModelStatus()
        values = np.asarray(self.highs.getSolution().col_value, dtype=float)
        if len(values) == len(self.frame.variables):
            self.frame.set_solution(values)
        kinds = highspy.HighsModelStatus
        if status == kinds.kOptimal:
            return pulp.LpStatusOptimal, pulp.LpSolutionOptimal
        if status in (kinds.kInfeasible, kinds.kUnboundedOrInfeasible):
            return pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible
        if status == kinds.kUnbounded:
            return pulp.LpStatusUnbounded, pulp.LpSolutionUnbounded
        stopped = (kinds.kObjectiveBound, kinds.kObjectiveTarget, kinds.kInterrupt, kinds.kTimeLimit,
                   kinds.kIterationLimit, kinds.kSolutionLimit)
        if status in stopped and self.highs.getInfo().primal_solution_status == 2:
            return pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible
        return pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound


def _start_from_values(highs, variables) -> None:
    """Give HiGHS the variables' current values as the MIP's starting solution."""
    import highspy
    start = highspy.HighsSolution()
    start.col_value = [v.varValue or 0.0 for v in variables]
    start.value_valid = True
    highs.setSolution(start)


def _stacked_rows(families, inf: float):
    """One CSR matrix (starts, index, value) and row bounds from a FrameModel's row families."""
    starts, index, value, low, up, offset = [np.zeros(1, dtype=np.int64)], [], [], [], [], 0
    for rows in families:
        starts.append(rows.starts[1:] + offset)
        offset += len(rows.vids)
        index.append(rows.vids)
        value.append(rows.coefs)
        row_low, row_up = rows.limits(inf)
        low.append(row_low)
        up.append(row_up)
    join = (lambda parts, kind: np.concatenate(parts).astype(kind) if parts else np.zeros(0, dtype=kind))
    return (np.concatenate(starts).astype(np.int32), join(index, np.int32), join(value, float),
            join(low, float), join(up, float))


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
