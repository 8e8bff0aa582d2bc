"""The LP of a large model solved by prices on the shared capacities (Dantzig-Wolfe).

Only the shared capacity rows (outbound, inbound, storage, lanes) join skus. Give each a price
y and the LP falls apart into one small LP per sku: that sku's plan when capacity costs y. A
master LP then takes, for every sku, a convex combination of the plans found so far, so that
the shared rows hold at the least cost; its duals are the next prices. Every round:

- each sku's plan at the prices gives a lower bound on the LP (the Lagrangian bound
  Σ_k min_x (c − yᵀA)x_k + yᵀb);
- the master's optimum is the cost of a plan that satisfies every row of the model;

and the two meet at the LP's optimum. A round costs one warm simplex per block of skus (linear
in the number of skus, where the simplex on the whole LP slows with its size) and one master
LP of a row per sku and per shared row in use. The prices are smoothed (Wentges: half way from
the best-bound prices to the master's), which halves the rounds where the master's duals swing.

The master is solved from its last basis while that takes few simplex iterations (6 FCs), and
afresh by interior point where it does not (50 FCs, where prices swing further between rounds);
plans out of its optimum for several solves in a row are retired from it.

Shared rows enter the master only once a combined plan breaks them (most never bind); a shared
row the master cannot yet meet is relieved by an artificial column at a penalty, raised tenfold
whenever the rounds end with an artificial in use.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass

import numpy as np

from planner.solve.blocks import (
    Matrix,
    SkuBlocks,
    SkuLp,
    highs_problem,
    quiet_stdout,
    round_sku,
    row_entries,
    row_owners,
    use_highs_threads,
)

SMOOTHING = 0.5  # share of the best-bound prices in the prices of the next round
SHARED_PENALTY = 1e3  # artificial columns' penalty, per unit of the largest cost, once plans within shares exist
CLOSING_SECONDS = 5.0  # a call's closing master solve may run this far past its deadline, then the kept plan stands
VIOLATION = 1e-7  # relative tolerance of a shared row (below the separation's 1e-6)
PLANS_PER_ROUND = 0.25  # share of the skus whose newest plan enters the master in a round, at most
PLANS_PER_ROUND_LEAST = 100  # ... but at least this many
MASTER_AFRESH_ITERATIONS = 3.0  # per master row: once a warm simplex takes more iterations, the
# master is solved afresh (interior point and crossover). At 6 FCs the last basis serves well (1,000
# skus: at most 1.3 iterations a row, against about 3 afresh); at 50 FCs it does not (300 skus: 5-17
# a row, and 2.0 s against 0.7 s afresh), and the relaxation took 164 s where afresh it takes 86 s
MASTER_WARM_RETRY = 8  # once solved afresh, every this many solves the warm simplex is tried again
MASTER_IDLE_SOLVES = 10  # a plan out of this many master optima in a row is retired (_Master._retire_idle):
# 300 skus x 50 FCs, relaxation 60 s against 83 s keeping every plan; 3 retired too soon (63 rounds
# against 44 there, 31 against 20 at 1,000 skus x 6 FCs)


@dataclass(frozen=True)
class Capacities:
    """The shared rows over all columns, as CSR."""

    starts: np.ndarray
    index: np.ndarray
    value: np.ndarray
    low: np.ndarray
    up: np.ndarray

    def __len__(self) -> int:
        return len(self.low)

    def entries(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(position of the row in `rows`, column, coefficient) of every entry of these rows."""
        at = row_entries(self.starts, rows)
        return np.repeat(np.arange(len(rows)), np.diff(self.starts)[rows]), self.index[at], self.value[at]

    def shares(self, values: np.ndarray, low: np.ndarray, free: np.ndarray) -> np.ndarray:
        """Per column, an upper bound that shares out each capacity row without a free column:
        plans within these bounds meet every such row together, whatever each sku does.

        A column's share of a row is its lower bound (a fixed lot, say) plus what `values` put
        above it, scaled down to the room the row leaves over the lower bounds when `values`
        break the row, or else plus an equal part of the room they leave. A column in several
        rows takes its smallest share (inf: in no such row)."""
        position, column, coef = self.entries(np.arange(len(self)))
        sharing = np.isfinite(self.up) & ~np.isfinite(self.low)
        sharing[position[np.isin(column, free) | (coef <= 0)]] = False
        mine = sharing[position]
        position, column, coef = position[mine], column[mine], coef[mine]
        least = np.maximum(low[column], 0.0)
        above = np.maximum(values[column] - least, 0.0)
        rows = len(self)
        room = self.up - np.bincount(position, weights=coef * least, minlength=rows)
        wanted = np.bincount(position, weights=coef * above, minlength=rows)
        scale = np.where(wanted > room, np.maximum(room, 0.0) / np.maximum(wanted, 1e-300), 1.0)
        spare = np.maximum(room - wanted, 0.0) / np.maximum(np.bincount(position, minlength=rows), 1)
        share = least + above * scale[position] + spare[position] / coef
        bound = np.full(len(values), np.inf)
        np.minimum.at(bound, column, share)
        return bound

    def violated(self, values: np.ndarray) -> np.ndarray:
        """Rows the values break by more than VIOLATION, relatively."""
        rows = np.arange(len(self))
        position, column, coef = self.entries(rows)
        lhs = np.bincount(position, weights=coef * values[column], minlength=len(rows))
        slack = VIOLATION * np.maximum(
            np.maximum(
                np.abs(np.nan_to_num(self.low, posinf=0, neginf=0)), np.abs(np.nan_to_num(self.up, posinf=0, neginf=0))
            ),
            1.0,
        )
        return (lhs > self.up + slack) | (lhs < self.low - slack)


@dataclass(frozen=True)
class PricedSolution:
    """The outcome of one LP solved by prices."""

    values: np.ndarray | None  # the combined plan, None when no plan met the shared rows in time
    objective: float  # its cost
    bound: float  # best Lagrangian bound: no plan of this LP costs less
    prices: np.ndarray  # per shared row, the prices of that bound (0 for rows never used)
    used_rows: np.ndarray  # shared rows in the master
    rounds: int
    converged: bool  # objective within the gap of the bound


class SkuPlans:
    """Blocks of skus solved in turn by one HiGHS instance, each from its own last basis: a
    round changes a block's costs (primal simplex from that basis), a new bound its bounds (dual
    simplex). Costs, bounds and plans are vectors over the blocks' columns, block after block.

    A block keeps only its LP and its basis. A HiGHS instance kept per block would save
    reloading the LP (milliseconds) but holds its solver's working memory for the whole run:
    about 40 MB per block of 40,000 columns, 5 GB at 5,000 skus.
    """

    def __init__(self, parts: list[Matrix], options: dict):
        import highspy

        self.highs = highspy.Highs()
        for option, setting in {"output_flag": False, **options}.items():
            self.highs.setOptionValue(option, setting)
        self.lps = [highs_problem(part, options, integer=False).getLp() for part in parts]
        self.integers = [part.integer for part in parts]
        self.edges = np.cumsum([0] + [len(part.costs) for part in parts])
        self.bases: list = [None] * len(parts)
        self.fresh = [True] * len(parts)
        self.low = np.concatenate([part.low for part in parts])
        self.up = np.concatenate([part.up for part in parts])

    def set_bounds(self, low: np.ndarray, up: np.ndarray) -> None:
        for b, lp in enumerate(self.lps):
            mine = slice(self.edges[b], self.edges[b + 1])
            if (low[mine] != self.low[mine]).any() or (up[mine] != self.up[mine]).any():
                lp.col_lower_, lp.col_upper_ = low[mine], up[mine]
                self.fresh[b] = True
        self.low, self.up = low.copy(), up.copy()

    def solve(self, costs: np.ndarray, deadline: float) -> np.ndarray | None:
        """Every block's optimal plan at these costs; None: out of time or a block without an
        optimum."""
        import highspy

        highs, values = self.highs, np.zeros(len(costs))
        for b, lp in enumerate(self.lps):
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            mine = slice(self.edges[b], self.edges[b + 1])
            lp.col_cost_ = costs[mine]
            highs.passModel(lp)
            if self.bases[b] is not None:
                highs.setBasis(self.bases[b])
            highs.setOptionValue("simplex_strategy", 1 if self.fresh[b] else 4)
            highs.setOptionValue("time_limit", highs.getRunTime() + left)  # its run clock adds up every run
            highs.run()
            if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return None
            self.bases[b], self.fresh[b] = highs.getBasis(), False
            values[mine] = highs.getSolution().col_value
        return values

    def round(
        self, wanted: list[int], costs: np.ndarray, relaxed: np.ndarray, openings: np.ndarray | None, deadline: float
    ) -> list:
        """round_sku's result for each wanted block, each from its last basis (dual simplex:
        the roundings fix bounds), at these costs; None for a block reached after the deadline.
        The blocks keep their bases: the next solve goes on from the relaxation's."""
        highs, results = self.highs, []
        for b in wanted:
            left = deadline - time.perf_counter()
            if left < 1.0:
                results.append(None)
                continue
            mine = slice(self.edges[b], self.edges[b + 1])
            lp = self.lps[b]
            lp.col_cost_ = costs[mine]
            highs.passModel(lp)
            if self.bases[b] is not None:
                highs.setBasis(self.bases[b])
            highs.setOptionValue("simplex_strategy", 1)
            highs.setOptionValue("time_limit", highs.getRunTime() + left)
            block = SkuLp(self.low[mine], self.up[mine], self.integers[b], costs[mine])
            results.append(round_sku(highs, block, relaxed[mine], None if openings is None else openings[:, mine]))
        return results


def _parts(matrix: Matrix, blocks: SkuBlocks, chosen) -> tuple[np.ndarray, list[Matrix]]:
    """(the chosen blocks' columns, block after block; each block's own arrays)."""
    chosen = list(chosen)
    columns = np.concatenate([blocks.columns[b] for b in chosen])
    return columns, matrix.subsets([blocks.columns[b] for b in chosen], [blocks.rows[b] for b in chosen])


class LocalPlans:
    """SkuPlans of every block in this process, on the model's columns (0 on columns of no sku)."""

    def __init__(self, matrix: Matrix, blocks: SkuBlocks, options: dict):
        self.columns, parts = _parts(matrix, blocks, range(len(blocks.columns)))
        self.plans = SkuPlans(parts, options)

    def set_bounds(self, low: np.ndarray, up: np.ndarray) -> None:
        self.plans.set_bounds(low[self.columns], up[self.columns])

    def solve(self, costs: np.ndarray, deadline: float) -> np.ndarray | None:
        mine = self.plans.solve(costs[self.columns], deadline)
        if mine is None:
            return None
        values = np.zeros(len(costs))
        values[self.columns] = mine
        return values

    def round(
        self, wanted: list[int], costs: np.ndarray, relaxed: np.ndarray, openings: np.ndarray | None, deadline: float
    ) -> dict:
        """block -> SkuPlans.round's result, for the wanted blocks."""
        chosen = None if openings is None else openings[:, self.columns]
        return dict(zip(wanted, self.plans.round(wanted, costs[self.columns], relaxed[self.columns], chosen, deadline)))


class PlanWorkers:
    """SkuPlans split over worker processes, each holding its share of the blocks for the whole
    run: a round sends each worker its columns' costs and gets back their plan.

    Workers are spawned, not forked, and get only their blocks' arrays: a forked worker's
    allocations land in the parent's pages and copy them (1.2 GB per worker at 5,000 skus). A
    program that plans from a script must guard its entry point (`if __name__ == "__main__"`),
    as for any spawned process. Workers stop with this object or the process."""

    def __init__(self, matrix: Matrix, blocks: SkuBlocks, options: dict, workers: int):
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self.pipes, processes = zip(*(_start_worker(context, {**options, "threads": 1}) for _ in range(workers)))
        weakref.finalize(self, _stop_workers, self.pipes, processes)
        self.columns = []
        for w, pipe in enumerate(self.pipes):  # all started first: they import side by side
            columns, parts = _parts(matrix, blocks, range(w, len(blocks.columns), workers))
            pipe.send(parts)
            self.columns.append(columns)

    def set_bounds(self, low: np.ndarray, up: np.ndarray) -> None:
        for pipe, columns in zip(self.pipes, self.columns):
            pipe.send(("bounds", low[columns], up[columns]))

    def solve(self, costs: np.ndarray, deadline: float) -> np.ndarray | None:
        for pipe, columns in zip(self.pipes, self.columns):
            pipe.send(("solve", costs[columns], deadline - time.perf_counter()))
        values, complete = np.zeros(len(costs)), True
        for pipe, columns in zip(self.pipes, self.columns):
            kind, answer = pipe.recv()
            if kind == "error":
                raise RuntimeError(f"a sku plan worker failed: {answer}")
            if answer is None:
                complete = False
            else:
                values[columns] = answer
        return values if complete else None

    def round(
        self, wanted: list[int], costs: np.ndarray, relaxed: np.ndarray, openings: np.ndarray | None, deadline: float
    ) -> dict:
        """block -> SkuPlans.round's result, for the wanted blocks, each rounded by the worker
        holding it (worker w holds blocks w, w + workers, ...)."""
        workers = len(self.pipes)
        mine = [[b for b in wanted if b % workers == w] for w in range(workers)]
        for w, (pipe, columns) in enumerate(zip(self.pipes, self.columns)):
            chosen = None if openings is None else openings[:, columns]
            pipe.send(
                (
                    "round",
                    [b // workers for b in mine[w]],
                    costs[columns],
                    relaxed[columns],
                    chosen,
                    deadline - time.perf_counter(),
                )
            )
        results = {}
        for pipe, blocks in zip(self.pipes, mine):
            kind, answer = pipe.recv()
            if kind == "error":
                raise RuntimeError(f"a sku plan worker failed: {answer}")
            results.update(zip(blocks, answer))
        return results


def _start_worker(context, options: dict):
    """(pipe, process) of one worker; its blocks follow through the pipe, so that the worker
    can let go of them once its LPs are made."""
    parent, child = context.Pipe()
    process = context.Process(target=_serve_plans, args=(child, options), daemon=True)
    process.start()
    child.close()
    return parent, process


def _serve_plans(pipe, options: dict) -> None:
    """A worker's loop: set bounds and solve its blocks until told to stop (or its parent goes)."""
    quiet_stdout()
    try:
        plans = SkuPlans(pipe.recv(), options)
        while True:
            message = pipe.recv()
            if message[0] == "stop":
                return
            if message[0] == "bounds":
                plans.set_bounds(message[1], message[2])
                continue
            if message[0] == "round":
                pipe.send(("rounded", plans.round(*message[1:5], time.perf_counter() + message[5])))
                continue
            pipe.send(("plan", plans.solve(message[1], time.perf_counter() + message[2])))
    except EOFError:
        return
    except Exception as error:  # the parent raises it
        pipe.send(("error", repr(error)))


def _stop_workers(pipes, processes) -> None:
    for pipe in pipes:
        try:
            pipe.send(("stop",))
        except OSError:
            pass
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.terminate()


class _Master:
    """min Σ cost·λ + Σ c·free + penalty·Σ artificial, s.t. the used shared rows, Σ_j λ_kj = 1 per sku.

    Shared rows join the master as the rounds find them broken (`add_rows`): the master keeps
    its basis and its plans, where rebuilding it would solve it again from scratch.
    """

    def __init__(self, lp: PricedLp, options: dict):
        import highspy

        self.inf = highspy.kHighsInf
        self.highs = highspy.Highs()
        for option, setting in {"output_flag": False, **options, "simplex_strategy": 4}.items():
            self.highs.setOptionValue(option, setting)
        self.highs.addRows(
            lp.skus,
            np.ones(lp.skus),
            np.ones(lp.skus),
            0,
            np.zeros(lp.skus, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        self.sku_at = np.arange(lp.skus)  # master row of each sku's convexity row
        self.rows = np.zeros(0, dtype=np.int64)  # shared rows in the master, in master order
        self.shared_at = np.zeros(0, dtype=np.int64)  # their master rows
        self.free_columns = self._add_columns(
            lp.matrix.costs[lp.free],
            [np.zeros(0)] * len(lp.free),
            [np.zeros(0)] * len(lp.free),
            lp.low[lp.free],
            lp.up[lp.free],
        )
        self.artificial_columns = np.zeros(0, dtype=np.int64)
        self.plan_columns: list[np.ndarray] = []
        self.plan_sku: list[np.ndarray] = []
        self.penalty = lp.penalty
        self.afresh, self.solves = False, 0  # solved afresh (see MASTER_AFRESH_ITERATIONS); solves so far
        self.idle = np.zeros(0, dtype=np.int32)  # per master column, the last solves in a row it sat out
        self.values = np.zeros(0)  # the last optimum's column values
        self.add_rows(lp, lp.used, [])

    def add_rows(self, lp: PricedLp, rows: np.ndarray, usages: list[np.ndarray]) -> None:
        """These shared rows, with the entries of the free columns and of every plan in the
        master (`usages`: per batch of plans, its use of each row, rows × skus), and an
        artificial column relieving each at the penalty."""
        if len(rows) == 0:
            return
        position, column, coef = lp.capacities.entries(rows)
        free_of = np.full(len(lp.matrix.costs), -1)
        free_of[lp.free] = self.free_columns
        mine = free_of[column] >= 0
        at, cols, vals = [position[mine]], [free_of[column[mine]]], [coef[mine]]
        for usage, skus, columns in zip(usages, self.plan_sku, self.plan_columns):
            row, plan = np.nonzero(usage[:, skus])
            at.append(row), cols.append(columns[plan]), vals.append(usage[row, skus[plan]])
        at, cols, vals = np.concatenate(at), np.concatenate(cols), np.concatenate(vals)
        order = np.argsort(at, kind="stable")
        starts = np.searchsorted(at[order], np.arange(len(rows)))
        low, up = lp.capacities.low[rows], lp.capacities.up[rows]
        first = self.highs.getNumRow()
        self.highs.addRows(
            len(rows),
            np.maximum(low, -self.inf),
            np.minimum(up, self.inf),
            len(order),
            starts.astype(np.int32),
            cols[order].astype(np.int32),
            vals[order].astype(float),
        )
        placed = first + np.arange(len(rows))
        self.rows, self.shared_at = np.r_[self.rows, rows], np.r_[self.shared_at, placed]
        relieved = np.r_[placed[np.isfinite(up)], placed[np.isfinite(low)]]
        signs = np.r_[-np.ones(np.isfinite(up).sum()), np.ones(np.isfinite(low).sum())]
        added = self._add_columns(
            np.full(len(signs), self.penalty), [np.array([r]) for r in relieved], [np.array([s]) for s in signs]
        )
        self.artificial_columns = np.r_[self.artificial_columns, added]

    def _add_columns(self, costs, rows: list, coefs: list, low=None, up=None) -> np.ndarray:
        """Add columns; returns their indices."""
        n, first = len(costs), self.highs.getNumCol()
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        starts = np.r_[0, np.cumsum([len(r) for r in rows])[:-1]].astype(np.int32)
        low = np.zeros(n) if low is None else low
        up = np.full(n, self.inf) if up is None else np.minimum(up, self.inf)
        self.highs.addCols(
            n,
            np.asarray(costs, float),
            low,
            up,
            int(sum(len(r) for r in rows)),
            starts,
            np.concatenate(rows).astype(np.int32),
            np.concatenate(coefs).astype(float),
        )
        return first + np.arange(n)

    def add_plans(self, skus: np.ndarray, costs: np.ndarray, usage: np.ndarray) -> None:
        """One column per sku plan: its cost, its use of each shared row (usage: rows × skus, the
        rows in master order)."""
        rows, coefs = [], []
        for k in skus.tolist():
            used = np.flatnonzero(usage[:, k])
            rows.append(np.r_[self.shared_at[used], self.sku_at[k]])
            coefs.append(np.r_[usage[used, k], 1.0])
        self.plan_columns.append(self._add_columns(costs[skus], rows, coefs))
        self.plan_sku.append(skus)

    def set_penalty(self, penalty: float) -> None:
        self.penalty = penalty
        n = len(self.artificial_columns)
        self.highs.changeColsCost(n, self.artificial_columns.astype(np.int32), np.full(n, penalty))

    def solve(self, deadline: float) -> tuple[float, np.ndarray, np.ndarray, float] | None:
        """(objective, shared-row duals, sku duals, artificial use), None without an optimum by
        the deadline (a master of many plans can take as long as a round of prices)."""
        if deadline - time.perf_counter() <= 0 or not self._solved(deadline):
            return None
        solution, objective = self.highs.getSolution(), self.highs.getInfo().objective_function_value
        dual = np.asarray(solution.row_dual, dtype=float)
        self.values = value = np.asarray(solution.col_value, dtype=float)
        self._retire_idle(
            value, np.asarray(solution.col_dual, dtype=float), objective
        )  # HiGHS's info then no longer holds
        artificial = float(value[self.artificial_columns].sum())
        return objective, dual[self.shared_at], dual[self.sku_at], artificial

    def _retire_idle(self, value: np.ndarray, reduced: np.ndarray, objective: float) -> None:
        """Fix at 0 the plans out of the master's optimum, at a reduced cost above 0, in each of
        the last MASTER_IDLE_SOLVES solves: the simplex and the presolve skip them. A plan
        retired too soon costs nothing but its price out again: its sku's plan enters anew."""
        idle = np.zeros(len(value), dtype=np.int32)
        idle[: len(self.idle)] = self.idle
        out = (value <= 1e-9) & (reduced > 1e-9 * max(abs(objective), 1.0))
        idle = np.where(out, idle + 1, 0)
        if self.plan_columns:
            plans = np.concatenate(self.plan_columns)
            retire = plans[idle[plans] == MASTER_IDLE_SOLVES]
            n = len(retire)
            self.highs.changeColsBounds(n, retire.astype(np.int32), np.zeros(n), np.zeros(n))
        self.idle = idle

    def _solved(self, deadline: float) -> bool:
        """Solve warm or afresh (MASTER_AFRESH_ITERATIONS), afresh falling back on warm; True at an optimum."""
        import highspy

        optimal = highspy.HighsModelStatus.kOptimal
        warm = not self.afresh or self.solves % MASTER_WARM_RETRY == 0
        self.solves += 1
        if not warm and self._run(deadline, afresh=True) == optimal:
            return True
        if self._run(deadline, afresh=False) != optimal:
            return False
        if warm:
            iterations = self.highs.getInfo().simplex_iteration_count
            self.afresh = iterations > MASTER_AFRESH_ITERATIONS * self.highs.getNumRow()
        return True

    def _run(self, deadline: float, *, afresh: bool):
        """One HiGHS run on the master: warm (primal simplex from the last basis) or afresh
        (interior point, then crossover to a vertex, as the simplex would end); its model status."""
        highs = self.highs
        left = max(deadline - time.perf_counter(), 0.0)
        if afresh:
            highs.clearSolver()
        highs.setOptionValue("solver", "ipm" if afresh else "simplex")
        highs.setOptionValue("time_limit", highs.getRunTime() + left)  # its run clock adds up every run
        highs.run()
        return highs.getModelStatus()

    def weights(self) -> tuple[np.ndarray, list[np.ndarray]]:
        """(free columns' values, per batch of plans the weight of each plan added)."""
        value = np.zeros(self.highs.getNumCol())
        value[: len(self.values)] = self.values  # plans added since weigh nothing yet
        return value[self.free_columns], [value[columns] for columns in self.plan_columns]


class PricedLp:
    """A large LP solved by prices, kept across calls: the blocks stay warm, and a new call
    (other bounds) starts from the shared rows used and the prices reached by the last one."""

    BLOCK_COLUMNS = 1  # columns per block of skus: 1 = one LP per sku. A simplex iteration
    # prices every column of its LP, so a block of 40 skus cost 2-3x more per round than its 40
    # skus solved one by one from their own bases (1,000 skus: 0.8 s a round against 2 s)

    def __init__(
        self,
        matrix: Matrix,
        column_sku: np.ndarray,
        capacities: Capacities,
        blocks: SkuBlocks,
        options: dict,
        workers: int = 1,
    ):
        self.matrix, self.capacities = matrix, capacities
        parallel = workers > 1 and len(blocks.columns) > 1
        # every HiGHS of the process runs with one thread count: one, beside worker processes
        self.options = {"threads": 1, **options, **({"threads": 1} if parallel else {})}
        self.sku_of_column = column_sku
        self.skus = int(column_sku.max()) + 1
        self.free = np.flatnonzero(column_sku < 0)
        self.low, self.up = matrix.low, matrix.up  # the column bounds of the current call
        self.blocks = blocks
        self.plans = (
            PlanWorkers(matrix, blocks, self.options, workers) if parallel else LocalPlans(matrix, blocks, self.options)
        )
        self.used = np.zeros(0, dtype=np.int64)
        self.prices = np.zeros(len(capacities))
        self.penalty = max(float(np.abs(matrix.costs).max()), 1.0)
        self.last_plan: np.ndarray | None = None  # the last call's plan: it met every shared row
        self.row_of_entry, self.row_sku = row_owners(matrix, column_sku)

    @classmethod
    def split(cls, matrix: Matrix, column_sku: np.ndarray, capacities: Capacities, options: dict, workers: int = 1):
        """None when the model does not fall apart by sku without the shared rows; the sku
        plans of each round are solved in `workers` processes."""
        blocks = SkuBlocks.split(matrix, column_sku, cls.BLOCK_COLUMNS)
        return None if blocks is None else cls(matrix, column_sku, capacities, blocks, options, workers)

    def solve(
        self, low: np.ndarray, up: np.ndarray, gap: float, deadline: float, start: np.ndarray | None = None
    ) -> PricedSolution:
        """The LP at these column bounds, to a relative `gap` between plan and bound. The plans
        of `start` (values of every column) that meet their sku's bounds and rows are the
        master's first plans: a repair after rounding starts from the rounded plan."""
        use_highs_threads(self.options["threads"])
        self.low, self.up = low, up
        self.plans.set_bounds(low, up)
        rounds = _Rounds(self, gap, deadline)
        if start is not None:
            meeting = self._meeting(start, low, up)
            rounds.stored.append(meeting)
            if len(meeting[2]) == self.skus and not self.capacities.violated(start).any():
                rounds.keep(start)
            rounds.keep_within(self._within_shares(start, low, up, deadline))
        result = rounds.run()
        if result.values is not None:
            self.last_plan = result.values
        return result

    def rounder(self, blocks: SkuBlocks):
        """solve_blocks.sku_milps' rounder for these blocks, where they are this LP's own (one
        sku each): every sku is rounded from its last basis, in the process that holds it."""
        same = len(blocks.columns) == len(self.blocks.columns) and all(
            np.array_equal(a, b) for a, b in zip(blocks.columns, self.blocks.columns)
        )
        if not same:
            return None

        def round_skus(wanted, costs, relaxed, openings, seconds):
            use_highs_threads(self.options["threads"])
            return self.plans.round(wanted, costs, relaxed, openings, time.perf_counter() + seconds)

        return round_skus

    def _within_shares(self, start: np.ndarray, low: np.ndarray, up: np.ndarray, deadline: float):
        """(columns, values, skus): every sku's plan at the current prices within its share of
        the capacities, when the start breaks a shared row: `Capacities.shares` of the last call's
        plan, which met every shared row (of the start, in a first call).

        The skus' own plans each meet their rows but together can break a shared capacity
        many times over (at prices alone each takes the cheapest of the plans it is indifferent
        between). With these plans in the master it can meet every shared row from its first
        solve, where artificial columns would otherwise relieve the rows for many rounds; the
        artificial columns' penalty is raised so far that it does. (Shares of the start on the
        rows it meets were tried: they hold each sku to its start's FCs and lanes and cost
        more, 1,000 skus: the first master 3.04e8 against 2.35e8.)"""
        if not self.capacities.violated(start).any():
            return None
        usual = start if self.last_plan is None else self.last_plan
        shares = np.minimum(up, np.maximum(self.capacities.shares(usual, low, self.free), low))
        self.plans.set_bounds(low, shares)
        values = self.plans.solve(self.priced_costs(self.prices), deadline)
        self.plans.set_bounds(low, up)
        if values is None:
            return None
        self.penalty = max(self.penalty, SHARED_PENALTY * float(np.abs(self.matrix.costs).max()))
        columns = np.flatnonzero(values)
        return columns, values[columns], np.arange(self.skus)

    def integer_plan(self, low: np.ndarray, up: np.ndarray, deadline: float) -> np.ndarray | None:
        """A plan of the MILP that meets every shared row, None when out of time: each sku's
        plan within its share of the capacities (shares of the last plan, which met them),
        its integers rounded as round_sku rounds them, the last rounding tried closing every
        MOQ PO and rounding the lots down, which a sku's own rows always allow.

        It stands for the plan whenever the rounds that follow find no cheaper one in time."""
        if self.last_plan is None:
            return None
        use_highs_threads(self.options["threads"])
        shares = np.minimum(up, np.maximum(self.capacities.shares(self.last_plan, low, self.free), low))
        self.plans.set_bounds(low, shares)
        integer = np.zeros(len(low), dtype=bool)
        integer[self.matrix.integer] = True
        closed = np.where(integer & (up <= 1), 0.0, np.nan)[None, :]
        opened = np.where(integer & (up <= 1), (self.last_plan > 1e-6).astype(float), np.nan)[None, :]
        costs = self.priced_costs(self.prices)
        try:
            rounded = self.plans.round(
                list(range(len(self.blocks.columns))), costs, self.last_plan, np.r_[opened, closed], deadline
            )
        finally:
            self.plans.set_bounds(low, up)
        if any(result is None for result in rounded.values()):
            return None
        plan = np.zeros(len(low))
        for block, (values, _) in rounded.items():
            plan[self.blocks.columns[block]] = values
        return self.with_free(plan)

    def with_free(self, plan: np.ndarray) -> np.ndarray | None:
        """The plan with its free columns (an FC's storage above capacity) at their cheapest
        values given the skus' columns; None when no values meet every shared row."""
        import highspy

        plan = plan.copy()
        caps, free = self.capacities, self.free
        position, column, coef = caps.entries(np.arange(len(caps)))
        free_at = np.full(len(plan), -1)
        free_at[free] = np.arange(len(free))
        mine = free_at[column] >= 0
        fixed = np.bincount(position[~mine], weights=coef[~mine] * plan[column[~mine]], minlength=len(caps))
        if len(free) and mine.any():
            rows, at = np.unique(position[mine], return_inverse=True)
            order = np.argsort(at, kind="stable")
            highs = highspy.Highs()
            for option, setting in {"output_flag": False, "threads": self.options["threads"]}.items():
                highs.setOptionValue(option, setting)
            highs.addCols(
                len(free),
                self.matrix.costs[free],
                self.low[free],
                np.minimum(self.up[free], highspy.kHighsInf),
                0,
                np.zeros(len(free), dtype=np.int32),
                np.zeros(0, dtype=np.int32),
                np.zeros(0),
            )
            highs.addRows(
                len(rows),
                np.maximum(caps.low[rows] - fixed[rows], -highspy.kHighsInf),
                np.minimum(caps.up[rows] - fixed[rows], highspy.kHighsInf),
                int(mine.sum()),
                np.searchsorted(at[order], np.arange(len(rows))).astype(np.int32),
                free_at[column[mine]][order].astype(np.int32),
                coef[mine][order].astype(float),
            )
            highs.run()
            if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return None
            plan[free] = np.asarray(highs.getSolution().col_value, dtype=float)
        return None if caps.violated(plan).any() else plan

    def priced_costs(self, prices: np.ndarray) -> np.ndarray:
        """Column costs less what the columns pay for the shared rows at these prices: c − yᵀA."""
        rows = np.flatnonzero(prices)
        position, column, coef = self.capacities.entries(rows)
        charge = np.bincount(column, weights=coef * prices[rows][position], minlength=len(self.matrix.costs))
        return self.matrix.costs - charge

    def _meeting(self, values: np.ndarray, low: np.ndarray, up: np.ndarray):
        """(columns, values, skus) of the skus whose plan in `values` meets its bounds and rows."""
        sku = self.sku_of_column
        matrix = self.matrix
        broken = (values < low - _slack(low)) | (values > up + _slack(up))
        activity = np.bincount(
            self.row_of_entry, weights=matrix.value * values[matrix.index], minlength=len(matrix.row_low)
        )
        broken_rows = (activity < matrix.row_low - _slack(matrix.row_low)) | (
            activity > matrix.row_up + _slack(matrix.row_up)
        )
        bad = np.zeros(self.skus, dtype=bool)
        bad[sku[broken & (sku >= 0)]] = True
        bad[self.row_sku[broken_rows]] = True
        columns = np.flatnonzero((sku >= 0) & ~bad[np.maximum(sku, 0)] & (values != 0))
        return columns, values[columns], np.flatnonzero(~bad)


def _slack(bound: np.ndarray) -> np.ndarray:
    """How far a plan may pass a bound and still meet it: the solvers' feasibility tolerance."""
    return 1e-6 * np.maximum(np.abs(np.nan_to_num(bound, posinf=0.0, neginf=0.0)), 1.0)


class _Rounds:
    """The rounds of one PricedLp.solve: pricing, master, smoothing, rows entering the master."""

    def __init__(self, lp: PricedLp, gap: float, deadline: float):
        self.lp, self.gap, self.deadline = lp, gap, deadline
        self.stored: list[tuple] = []  # per round: (columns, values, skus) of its plans
        self.best_bound, self.center = -np.inf, lp.prices.copy()
        self.rounds = 0
        self.last_mu: np.ndarray | None = None  # the sku duals of the master's last optimum
        self.kept: tuple[np.ndarray, float] | None = None  # the cheapest combined plan that met every shared row

    def run(self) -> PricedSolution:
        lp = self.lp
        master, y, mu, smooth = None, self.center, None, False
        objective, artificial = np.inf, 0.0
        while True:
            prices = SMOOTHING * self.center + (1 - SMOOTHING) * y if smooth else y
            values = self._price(prices)
            if values is None:
                return self._outcome(master, converged=False)
            if master is None and self.kept is None:
                self._keep_first(values)
            if master is None:
                master, added = self._master(), lp.skus
            else:
                added = self._add_plans(master, y, mu)
            if added == 0 and smooth:
                smooth = False  # no plan priced out at the smoothed prices: use the master's
                continue
            if added:
                solved = master.solve(self.deadline)
                if solved is None:
                    return self._kept(converged=False)
                objective, y_used, mu, artificial = solved
                self.last_mu = mu
                y = np.zeros(len(lp.capacities))
                y[master.rows] = y_used
            smooth = True
            if artificial <= 1e-6 and self._rows_enter(master):
                mu = None
            elif added and objective - self.best_bound > self.gap * max(abs(objective), 1.0):
                continue
            elif artificial > 1e-6:  # optimal only by relieving a shared row: raise the penalty
                lp.penalty *= 10
                master.set_penalty(lp.penalty)
                mu = None
            else:
                return self._outcome(master, converged=True)

    def _rows_enter(self, master: _Master) -> bool:
        """Put the shared rows the master's plan breaks into the master; a plan that breaks
        none is kept, should later rows leave the master without a plan when time runs out."""
        combined = self._combine(master)
        broken = np.flatnonzero(self.lp.capacities.violated(combined))
        if len(broken) == 0:
            self.keep(combined)
        new = np.setdiff1d(broken, master.rows)
        self.lp.used = np.union1d(self.lp.used, new)
        master.add_rows(self.lp, new, [self._usage(new, columns, values) for columns, values, _ in self.stored])
        return len(new) > 0

    def keep_within(self, within: tuple | None) -> None:
        """Store a plan within shares (PricedLp._within_shares) for the master and keep it as
        a plan: it meets every shared row, whatever the rounds after it do."""
        if within is None:
            return
        self.stored.append(within)
        columns, values, _ = within
        plan = np.zeros(len(self.lp.matrix.costs))
        plan[columns] = values
        plan = self.lp.with_free(plan)
        if plan is not None:
            self.keep(plan)

    def _keep_first(self, values: np.ndarray) -> None:
        """A plan from the first round: the skus' plans at the prices when together they meet
        the shared rows, else their plans within shares."""
        within = self.lp._within_shares(values, self.lp.low, self.lp.up, self.deadline)
        if within is not None:
            self.keep_within(within)
            return
        plan = self.lp.with_free(values)
        if plan is not None:
            self.keep(plan)

    def keep(self, plan: np.ndarray) -> None:
        cost = float(self.lp.matrix.costs @ plan)
        if self.kept is None or cost < self.kept[1]:
            self.kept = plan, cost

    def _price(self, prices: np.ndarray) -> np.ndarray | None:
        """Every sku's plan at these prices; keeps the best bound and its prices."""
        lp = self.lp
        priced = lp.priced_costs(prices)
        values = lp.plans.solve(priced, self.deadline)
        if values is None:
            return None
        self.rounds += 1
        bound = self._bound(priced, values, prices)
        if bound > self.best_bound:
            self.best_bound, self.center = bound, prices
        kept = np.flatnonzero(values)
        self.stored.append((kept, values[kept], np.arange(self.lp.skus)))
        return values

    def _bound(self, priced: np.ndarray, values: np.ndarray, prices: np.ndarray) -> float:
        """Σ_k min (c − yᵀA) x_k + yᵀb, with the free columns at their best bound."""
        lp, caps = self.lp, self.lp.capacities
        rhs = np.where(prices > 0, caps.low, np.where(prices < 0, caps.up, 0.0))
        if not np.isfinite(rhs).all():
            return -np.inf
        free = priced[lp.free]
        at = np.where(free >= 0, lp.low[lp.free], lp.up[lp.free])
        if not np.isfinite(at).all():
            return -np.inf
        return float(priced[lp.sku_of_column >= 0] @ values[lp.sku_of_column >= 0] + free @ at + prices @ rhs)

    def _usage(self, rows: np.ndarray, columns: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Per shared row (of `rows`) and sku: what one round's plans use of it."""
        lp = self.lp
        position, column, coef = lp.capacities.entries(rows)
        x = np.zeros(len(lp.matrix.costs))
        x[columns] = values
        sku = lp.sku_of_column[column]
        mine = sku >= 0
        flat = np.bincount(
            position[mine] * lp.skus + sku[mine], weights=coef[mine] * x[column[mine]], minlength=len(rows) * lp.skus
        )
        return flat.reshape(len(rows), lp.skus)

    def _costs(self, columns: np.ndarray, values: np.ndarray) -> np.ndarray:
        lp = self.lp
        sku = lp.sku_of_column[columns]
        mine = sku >= 0
        return np.bincount(sku[mine], weights=lp.matrix.costs[columns[mine]] * values[mine], minlength=lp.skus)

    def _master(self) -> _Master:
        """A master over the shared rows in use, holding every plan of this call."""
        lp = self.lp
        master = _Master(lp, {"threads": lp.options["threads"]})
        for columns, values, skus in self.stored:
            master.add_plans(skus, self._costs(columns, values), self._usage(lp.used, columns, values))
        return master

    def _add_plans(self, master: _Master, y: np.ndarray, mu: np.ndarray | None) -> int:
        """The newest plans of the skus it pays most to move, at most PLANS_PER_ROUND of them:
        those that cost less than the master pays for their sku now, or, when the master's
        duals are not current (a shared row entered since), the ones its last duals favour.

        Each plan added takes the master's simplex a pivot or two, and a new plan per sku
        every round made the master 70% of the solve at 5,000 skus: the most improving plans
        each round get there in about as many rounds (23 against 22) in under a third of the master's time."""
        lp = self.lp
        columns, values, _ = self.stored[-1]
        costs, usage = self._costs(columns, values), self._usage(master.rows, columns, values)
        duals = self.last_mu if mu is None else mu
        skus = np.arange(lp.skus)
        if duals is not None:
            reduced = costs - y[master.rows] @ usage - duals
            if mu is not None:
                skus = np.flatnonzero(reduced < -self._negligible())
            most = max(PLANS_PER_ROUND_LEAST, int(PLANS_PER_ROUND * lp.skus))
            if len(skus) > most:
                skus = np.sort(skus[np.argsort(reduced[skus], kind="stable")[:most]])
        master.add_plans(skus, costs, usage)
        return len(skus)

    def _negligible(self) -> float:
        """A plan improving its sku by less than this is left out: all such plans together
        improve the master by under a tenth of the gap."""
        return 0.1 * self.gap * max(abs(self.best_bound), 1.0) / self.lp.skus

    def _combine(self, master: _Master) -> np.ndarray:
        """Each sku's plans weighted as the master weighs them, and the free columns' values."""
        lp = self.lp
        free, weights = master.weights()
        x = np.zeros(len(lp.matrix.costs))
        for (columns, values, _), skus, weight in zip(self.stored, master.plan_sku, weights):
            per_sku = np.zeros(lp.skus)
            per_sku[skus] = weight
            x[columns] += per_sku[lp.sku_of_column[columns]] * values
        x[lp.free] = free
        return x

    def _outcome(self, master: _Master | None, converged: bool) -> PricedSolution:
        """The combined plan of the master's last optimum, if it meets every shared row, else
        the cheapest one kept that did. Out of time before any round ended, a start plan for
        every sku is still a plan: its start or its plan within the shares."""
        lp = self.lp
        planned = np.unique(np.concatenate([skus for _, _, skus in self.stored])) if self.stored else []
        made_here = master is None and len(planned) == lp.skus
        if made_here:
            master = self._master()
        until = max(self.deadline, time.perf_counter()) + CLOSING_SECONDS
        if master is not None and master.solve(until) is not None:
            while self._rows_enter(master) and made_here and master.solve(until) is not None:
                pass  # a master made here has not yet met the rows its plans break
        return self._kept(converged)

    def _kept(self, converged: bool) -> PricedSolution:
        """The cheapest combined plan kept that met every shared row (none: no values)."""
        lp = self.lp
        lp.prices = self.center
        values, objective = (None, np.inf) if self.kept is None else self.kept
        return PricedSolution(
            values,
            objective,
            self.best_bound,
            self.center,
            lp.used.copy(),
            self.rounds,
            converged and values is not None,
        )
