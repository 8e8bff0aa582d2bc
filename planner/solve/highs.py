"""HiGHS kept warm between solver calls: a FrameModel's matrix loaded in bulk, updated in place.

The solver front (planner/solve/solver.py) calls it through PuLP; a large model's LPs are solved by
prices (planner/solve/prices.py) and its skus' own MILPs in blocks (planner/solve/blocks.py).
"""

from __future__ import annotations

import functools
import time

import numpy as np
import pulp

from planner.solve.blocks import Matrix, SharedRows, SkuBlocks, SkuMilps, sku_milps, use_highs_threads
from planner.solve.prices import Capacities, PricedLp, PricedSolution


class WarmHighs(pulp.HiGHS):
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
        if frame is None:
            return super().actualSolve(lp)
        if frame.costs is None:  # no objective set: PuLP's path, on the frame's PuLP objects
            return frame.pulp_solve(functools.partial(super().actualSolve, lp))
        session = getattr(lp, "highs_session", None)
        if session is None:
            self.createAndConfigureSolver(lp)
            lp.highs_session = session = HighsSession(lp.solverModel, frame)
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
                start_from_values(session.highs, frame.value)
            session.highs.run()
            status, sol_status = session.read_solution()
        lp.assignStatus(status, sol_status)
        return status

    def _configure(self, highs, *, warm_lp: bool) -> None:
        """Options of this call; an LP after the first goes on from the last basis with the dual simplex.

        HiGHS measures an LP's time limit on the model's run clock, which adds up every run: the
        limit of this call starts from the time already run. Its MIP solver keeps a clock of its
        own from the start of each run (highspy 1.16: a MILP after 210 s of LPs given 73 s ran
        286 s), so a MILP's limit is its seconds alone."""
        already = 0.0 if self.mip else highs.getRunTime()
        highs.setOptionValue("time_limit", already + float(self.timeLimit))
        if self.gapRel is not None:
            highs.setOptionValue("mip_rel_gap", float(self.gapRel))
        if self.threads is not None:
            highs.setOptionValue("threads", int(self.threads))
        highs.setOptionValue("solver", "simplex" if warm_lp else self.optionsDict.get("solver", "choose"))

    def callSolver(self, lp):
        if self.warm_start:
            start_from_values(lp.solverModel, [v.varValue or 0.0 for v in lp.variables()])
        super().callSolver(lp)


class HighsSession:
    """One HiGHS model of a FrameModel's problem, kept in step with it across solver calls.

    A large model's LPs are solved by prices (planner/solve/prices.py), without the whole
    model in HiGHS: it is loaded only for a solver call on the whole (a MILP, or a small LP)."""

    PRICED_COLUMNS = (
        150_000  # LPs of more columns are solved by prices (100 skus x 6 FCs: whole is faster; 300: prices)
    )
    RELAXATION_GAP_SHARE = 0.1  # of mip_gap, for the relaxation solved by prices
    REPAIR_GAP_SHARE = 0.25  # of mip_gap, for a repair solved by prices

    def __init__(self, highs, frame):
        import highspy

        self.highs, self.frame, self.inf = highs, frame, highspy.kHighsInf
        self.integer = np.flatnonzero(frame.integer).astype(np.int32)
        self.bounds = self._bounds()
        self.matrix = stacked_rows(frame.eager, self.inf)
        self.loaded = False
        self.lazy_rows = 0  # lazy rows (the frame's `added`, in order) sent so far
        self.last_priced: PricedSolution | None = None

    def load(self) -> None:
        """Put the whole model into HiGHS (once; `update` then brings it up to date): a solver
        call on it follows, so the last LP solved by prices is no longer the current one."""
        self.last_priced = None
        if self.loaded:
            return
        low, up = self.bounds
        n = len(low)
        self.highs.addCols(
            n, self.frame.costs, low, up, 0, np.zeros(n, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0)
        )
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
        if self.frame.column_count() <= self.PRICED_COLUMNS:
            return None
        capacities = Capacities(*stacked_rows(list(self.frame.lazy.values()), np.inf))
        threads = self.highs.getOptionValue("threads")[1]
        return PricedLp.split(
            self.arrays(), self.column_skus, capacities, self._block_options(solver="simplex"), workers=threads
        )

    def solve_by_prices(self, time_limit: float, mip_gap: float) -> tuple[int, int]:
        """Solve the LP at the current bounds by prices; the plan goes into the frame's values.

        The first call (the relaxation, whose bound the plan's gap is measured against) stops
        within RELAXATION_GAP_SHARE of the MIP gap; a later one (a repair around rounded
        integers) starts from the plan in the frame and stops within REPAIR_GAP_SHARE.
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

    def sku_milps(
        self, deadline: float, gap: float, workers: int, loss_share: float, openings: np.ndarray | None = None
    ) -> SkuMilps | None:
        """Each fractional sku's own plan (rounded, or its MILP; planner/solve/blocks.py) at the
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
        return sku_milps(
            matrix, blocks, relaxed, shared, {"mip_rel_gap": gap}, deadline, workers, loss_share, openings, rounder
        )

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
        index = [capacities.index[capacities.starts[r] : capacities.starts[r + 1]] for r in used.tolist()]
        value = [capacities.value[capacities.starts[r] : capacities.starts[r + 1]] for r in used.tolist()]
        return SharedRows(index, value, capacities.low[used], capacities.up[used], priced.prices[used])

    def _bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """The frame's column bounds as of now (a copy: rounding fixes and restores the frame's)."""
        return np.clip(self.frame.lower, -self.inf, self.inf), np.clip(self.frame.upper, -self.inf, self.inf)

    def update(self, lp, *, mip: bool) -> None:
        """Current bounds; in a loaded model also the rows the problem gained since the last call
        and integrality for this call."""
        self.bounds = low, up = self._bounds()
        if not self.loaded:
            return
        for family, row in self.frame.added[self.lazy_rows :]:
            index, value, row_low, row_up = self.frame.lazy_row(family, row)
            self.highs.addRow(max(row_low, -self.inf), min(row_up, self.inf), len(index), index.astype(np.int32), value)
        self.lazy_rows = len(self.frame.added)
        n = len(low)
        self.highs.changeColsBounds(n, np.arange(n, dtype=np.int32), low, up)
        self._integrality(mip)

    def _integrality(self, mip: bool) -> None:
        """The frame's integer columns as integers in a MILP call, continuous in an LP call;
        columns the frame no longer holds integer (a repair made them so for one call) continuous."""
        integer = np.flatnonzero(self.frame.integer).astype(np.int32)
        dropped = np.setdiff1d(self.integer, integer)
        if len(dropped):
            self.highs.changeColsIntegrality(len(dropped), dropped, np.zeros(len(dropped), dtype=np.uint8))
        self.integer = integer
        if len(integer):
            kind = np.full(len(integer), 1 if mip else 0, dtype=np.uint8)
            self.highs.changeColsIntegrality(len(integer), integer, kind)

    def read_solution(self) -> tuple[int, int]:
        """Column values into the frame, and PuLP's (status, solution status)."""
        import highspy

        status = self.highs.getModelStatus()
        values = np.asarray(self.highs.getSolution().col_value, dtype=float)
        if len(values) == self.frame.column_count():
            self.frame.set_solution(values)
        kinds = highspy.HighsModelStatus
        if status == kinds.kOptimal:
            return pulp.LpStatusOptimal, pulp.LpSolutionOptimal
        if status in (kinds.kInfeasible, kinds.kUnboundedOrInfeasible):
            return pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible
        if status == kinds.kUnbounded:
            return pulp.LpStatusUnbounded, pulp.LpSolutionUnbounded
        stopped = (
            kinds.kObjectiveBound,
            kinds.kObjectiveTarget,
            kinds.kInterrupt,
            kinds.kTimeLimit,
            kinds.kIterationLimit,
            kinds.kSolutionLimit,
        )
        if status in stopped and self.highs.getInfo().primal_solution_status == 2:
            return pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible
        return pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound


def start_from_values(highs, values) -> None:
    """Give HiGHS the columns' current values as the MIP's starting solution."""
    import highspy

    start = highspy.HighsSolution()
    start.col_value = values
    start.value_valid = True
    highs.setSolution(start)


def stacked_rows(families, inf: float):
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

    def join(parts, kind):
        return np.concatenate(parts).astype(kind) if parts else np.zeros(0, dtype=kind)

    return (
        np.concatenate(starts).astype(np.int32),
        join(index, np.int32),
        join(value, float),
        join(low, float),
        join(up, float),
    )
