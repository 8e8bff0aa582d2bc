"""The planning model split by sku: small HiGHS problems for the parts no shared row joins.

Every eager row of the model lies within one sku; only the lazy shared capacities (outbound,
inbound, storage, lanes) join skus. Two solver steps use that:

- a large LP is solved by prices on the shared rows, one small LP per block of skus each
  round (planner/solve/prices.py);
- once the relaxation is solved, its duals price the shared rows, and each sku's own MILP at
  those prices (a Lagrangian subproblem) says where and when that sku should place its MOQ
  POs, at their true cost (`sku_milps`). The relaxation spreads small fractional POs over
  every FC and period because it pays for none of their MOQ; the sku's MILP pays for all of it.
  Each block MILP's dual bound also lifts the relaxation bound by that sku's integrality gap.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace

import numpy as np

TOL = 1e-6
_scheduler_threads: int | None = None  # the thread count HiGHS's process-wide scheduler runs with


def use_highs_threads(threads: int | None) -> None:
    """HiGHS runs one scheduler per process and refuses a run with another thread count
    ("Not Set"): restart it when a run asks for a different one."""
    global _scheduler_threads
    if threads is None or threads == _scheduler_threads:
        return
    if _scheduler_threads is not None:
        import highspy

        highspy.Highs.resetGlobalScheduler(True)
    _scheduler_threads = threads


def quiet_stdout() -> None:
    """Start of a worker process: its standard output goes nowhere. HiGHS prints its banner
    there once per process, and the planner's stdout carries only results."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def row_entries(starts: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Positions, in a CSR matrix with these row starts, of every entry of these rows, in order."""
    counts = np.diff(starts)[rows]
    first = np.cumsum(counts) - counts
    return np.repeat(starts[rows] - first, counts) + np.arange(int(counts.sum()))


@dataclass(frozen=True)
class Matrix:
    """A HiGHS model's columns and rows as arrays: CSR rows, bounds, costs, integrality."""

    starts: np.ndarray
    index: np.ndarray
    value: np.ndarray
    row_low: np.ndarray
    row_up: np.ndarray
    costs: np.ndarray
    low: np.ndarray
    up: np.ndarray
    integer: np.ndarray  # column indices of the integer variables

    def subset(self, columns: np.ndarray, rows: np.ndarray) -> Matrix:
        """These columns and rows (which must hold all their rows' entries), renumbered from 0."""
        return self.subsets([columns], [rows])[0]

    def subsets(self, columns: list[np.ndarray], rows: list[np.ndarray]) -> list[Matrix]:
        """`subset` of each pair of columns and rows, the pairs' columns disjoint (one sku each,
        say): one pass over the model's columns for all of them, where a pass each would take
        time in the number of pairs times the model's size."""
        position = np.full(len(self.costs), -1, dtype=np.int32)
        owner = np.full(len(self.costs), -1, dtype=np.int64)
        for k, mine in enumerate(columns):
            position[mine] = np.arange(len(mine), dtype=np.int32)
            owner[mine] = k
        integer = self.integer[owner[self.integer] >= 0]
        order = np.argsort(owner[integer], kind="stable")
        edges = np.searchsorted(owner[integer][order], np.arange(len(columns) + 1))
        integer = position[integer[order]]
        return [self._cut(mine, rows[k], position, integer[edges[k] : edges[k + 1]]) for k, mine in enumerate(columns)]

    def _cut(self, columns: np.ndarray, rows: np.ndarray, position: np.ndarray, integer: np.ndarray) -> Matrix:
        counts = np.diff(self.starts)[rows]
        entries = row_entries(self.starts, rows)
        return Matrix(
            np.r_[0, np.cumsum(counts)].astype(np.int32),
            position[self.index[entries]],
            self.value[entries],
            self.row_low[rows],
            self.row_up[rows],
            self.costs[columns],
            self.low[columns],
            self.up[columns],
            integer,
        )


@dataclass(frozen=True)
class SkuBlocks:
    """Columns and rows of each block of skus (columns of no sku belong to no block)."""

    columns: list[np.ndarray]
    rows: list[np.ndarray]

    @classmethod
    def split(cls, matrix: Matrix, column_sku: np.ndarray, target_columns: int) -> SkuBlocks | None:
        """Blocks of consecutive skus of about `target_columns` columns; None when a row joins
        two skus (or a column of no sku), so the split would not be exact."""
        index = matrix.index
        if len(index) == 0 or (column_sku[index] < 0).any():
            return None
        row_of_entry, row_sku = row_owners(matrix, column_sku)
        if (column_sku[index] != row_sku[row_of_entry]).any() or (row_sku < 0).any():
            return None
        per_sku = np.bincount(column_sku[column_sku >= 0])
        block_of_sku = np.unique((np.cumsum(per_sku) - per_sku) // max(target_columns, 1), return_inverse=True)[1]
        column_block = np.where(column_sku >= 0, block_of_sku[np.maximum(column_sku, 0)], -1)
        row_block = block_of_sku[row_sku]
        count = int(block_of_sku.max()) + 1 if len(block_of_sku) else 0
        return cls(_members(column_block, count), _members(row_block, count))


def row_owners(matrix: Matrix, column_sku: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row of each entry, sku of each row: that of its entries' columns, -1 for an empty row).
    Both int32: the model's columns and rows number far below 2**31, and a large model's
    entries run to hundreds of millions (4 bytes each saved)."""
    row_of_entry = np.repeat(np.arange(len(matrix.row_low), dtype=np.int32), np.diff(matrix.starts))
    row_sku = np.full(len(matrix.row_low), -1, dtype=np.int32)
    row_sku[row_of_entry] = column_sku[matrix.index]
    return row_of_entry, row_sku


def _members(block: np.ndarray, count: int) -> list[np.ndarray]:
    """Indices per block number, ascending within each block."""
    order = np.argsort(block, kind="stable")
    edges = np.searchsorted(block[order], np.arange(count + 1))
    return [order[edges[b] : edges[b + 1]] for b in range(count)]


def block_problem(matrix: Matrix, columns: np.ndarray, rows: np.ndarray, options: dict, *, integer: bool):
    """A HiGHS model of one block: its columns and rows, renumbered from 0."""
    return highs_problem(matrix.subset(columns, rows), options, integer=integer)


def highs_problem(block: Matrix, options: dict, *, integer: bool):
    """A HiGHS model of these arrays."""
    import highspy

    part = highspy.Highs()
    for option, setting in {"output_flag": False, **options}.items():
        part.setOptionValue(option, setting)
    n = len(block.costs)
    part.addCols(
        n, block.costs, block.low, block.up, 0, np.zeros(n, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0)
    )
    part.addRows(
        len(block.row_low), block.row_low, block.row_up, len(block.index), block.starts[:-1], block.index, block.value
    )
    if integer and len(block.integer):
        kinds = np.zeros(n, dtype=np.uint8)
        kinds[block.integer] = 1
        part.changeColsIntegrality(n, np.arange(n, dtype=np.int32), kinds)
    return part


@dataclass(frozen=True)
class SharedRows:
    """The shared rows in the LP (those separation added), with the relaxation's duals."""

    index: list[np.ndarray]
    value: list[np.ndarray]
    low: np.ndarray
    up: np.ndarray
    dual: np.ndarray

    def priced_costs(self, costs: np.ndarray) -> np.ndarray:
        """Costs with each shared row's use charged at its dual price: the Lagrangian costs.

        A dual of the wrong sign for its row (solver noise) is taken as zero, so that any
        bound computed from these prices stays valid.
        """
        price = np.where(np.isinf(self.low), np.minimum(self.dual, 0.0), self.dual)
        price = np.where(np.isinf(self.up), np.maximum(price, 0.0), price)
        priced = costs.copy()
        for index, value, y in zip(self.index, self.value, price.tolist()):
            if y:
                np.subtract.at(priced, index, y * value)
        return priced


@dataclass(frozen=True)
class SkuMilps:
    """Each sku's own plan at the relaxation's prices: its MILP where rounding loses most."""

    values: np.ndarray  # per column: the sku's MILP or rounded plan, or the relaxation's value
    bound_lift: float  # sum over skus solved (MILP dual bound - relaxation value at those prices)
    solved: int  # skus whose MILP was solved
    fractional: int  # skus whose relaxation had a fractional integer variable
    rounded: int = 0  # skus that keep their own rounded plan (no MILP)

    @property
    def planned(self) -> bool:
        """Some sku got a plan of its own."""
        return self.solved + self.rounded > 0


SKUS_PER_TASK = 16
SKU_MILP_NODES = 200  # branch-and-bound nodes per sku: a deterministic cap on a hard sku
# A sku's MILP is a few hundred rows: HiGHS's sub-MIP heuristics (RENS, RINS) and restarts
# took half of its time and changed its optimum by about 1e-6 (40 skus of the 1,000-sku
# benchmark: 13.9 s against 29.5 s); without the root reduced-cost heuristic and with a cut
# pool of 200 rows, 8.9-9.2 s against 12.3-13.3 s, the optimum 0.01% higher (within the
# sku's gap).
SKU_MILP_OPTIONS = {
    "threads": 1,
    "mip_max_nodes": SKU_MILP_NODES,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_rins": False,
    "mip_allow_restart": False,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_pool_soft_limit": 200,
}


def sku_milps(
    matrix: Matrix,
    blocks: SkuBlocks,
    relaxed: np.ndarray,
    shared: SharedRows,
    options: dict,
    deadline: float,
    workers: int = 1,
    loss_share: float = 0.0,
    openings: np.ndarray | None = None,
    rounder=None,
) -> SkuMilps:
    """Each sku whose relaxed integers are fractional gets a plan of its own at the shared rows'
    dual prices (skus with integral relaxed values are already optimal at those prices).

    With `loss_share` > 0, every such sku is first rounded on its own (`_rounded_plan`), and
    what that loses against its relaxed plan says where a MILP pays: the skus losing most get
    their MILP, until what the others lose together is within `loss_share` of the relaxation's
    cost; the others keep their rounded plan. With 0, every such sku gets its MILP. A rounding
    sets the 0/1 integers (MOQ POs) as one of the `openings` (roundings × columns, NaN off the
    0/1 columns) sets them, or else where the relaxation uses them. A `rounder(blocks, costs,
    relaxed, openings, seconds)` that holds the skus' LPs warm (the prices' workers) rounds
    them there: block -> round_sku's result.

    Skus go in tasks of SKUS_PER_TASK to `workers` single-threaded processes (in this process
    when there is one), so the result does not depend on the number of workers. A sku left
    without a plan by the deadline keeps the relaxation's values.
    """
    use_highs_threads(1)  # each sku alone on one thread, in this process or a worker
    scale = abs(float(matrix.costs @ relaxed))
    matrix = replace(matrix, costs=shared.priced_costs(matrix.costs))
    until = time.monotonic() + (deadline - time.perf_counter())
    wanted = _fractional_skus(matrix, blocks, relaxed)
    values, rounded = relaxed.copy(), {}
    chosen = wanted
    with _TaskRunner(workers) as run:
        if loss_share > 0 and rounder is not None:
            rounded = rounder(wanted, matrix.costs, relaxed, openings, until - time.monotonic())
            use_highs_threads(1)  # the rounder's HiGHS may run with its own thread count
        elif loss_share > 0:
            rounded = _solve_all(run, _rounded_plan, matrix, blocks, wanted, relaxed, {"threads": 1}, until, openings)
        if loss_share > 0:
            chosen = _losing_most(rounded, loss_share * scale)
        milps = _solve_all(run, _milp_plan, matrix, blocks, chosen, relaxed, {**options, **SKU_MILP_OPTIONS}, until)
    lift, solved, kept = 0.0, 0, 0
    for block in wanted:
        if milps.get(block) is not None:
            values[blocks.columns[block]], gain = milps[block]
            lift, solved = lift + gain, solved + 1
        elif rounded.get(block) is not None:
            values[blocks.columns[block]] = rounded[block][0]
            kept += 1
    return SkuMilps(values, lift, solved, len(wanted), kept)


def _fractional_skus(matrix: Matrix, blocks: SkuBlocks, relaxed: np.ndarray) -> list[int]:
    integer = np.zeros(len(relaxed), dtype=bool)
    integer[matrix.integer] = True
    fractional = (np.abs(relaxed - np.round(relaxed)) > TOL) & integer
    return [b for b, columns in enumerate(blocks.columns) if fractional[columns].any()]


def _losing_most(rounded: dict, budget: float) -> list[int]:
    """The skus whose rounded plan loses most (those without one first), fewest such that the
    rest lose at most `budget` together; in that order."""
    loss = {block: np.inf if result is None else result[1] for block, result in rounded.items()}
    order = sorted(loss, key=lambda block: (-loss[block], block))
    rest = np.cumsum([loss[block] for block in reversed(order)])[::-1]  # loss of order[i:]
    return [block for block, left in zip(order, rest) if left > budget]


def _solve_all(
    run,
    solve_one,
    matrix: Matrix,
    blocks: SkuBlocks,
    wanted: list[int],
    relaxed: np.ndarray,
    options: dict,
    until: float,
    openings: np.ndarray | None = None,
) -> dict:
    """block -> solve_one's result for each wanted sku, solved in tasks (by `run`) in the order given."""
    groups = [wanted[i : i + SKUS_PER_TASK] for i in range(0, len(wanted), SKUS_PER_TASK)]
    tasks = [_task(matrix, blocks, group, relaxed, options, until, solve_one, openings) for group in groups]
    results: dict = {}
    for group, solved in zip(groups, run(tasks)):
        results.update(zip(group, solved))
    return results


@dataclass(frozen=True)
class _Task:
    """Some skus' problems: their columns and rows renumbered, each sku's local ranges."""

    matrix: Matrix
    relaxed: np.ndarray
    blocks: list[tuple[np.ndarray, np.ndarray]]
    options: dict
    until: float  # time.monotonic() deadline
    solve_one: object  # (task, columns, rows, seconds left) -> (plan, loss or gain) | None
    openings: np.ndarray | None = None  # roundings × the task's columns (see sku_milps)


def _task(
    matrix: Matrix,
    blocks: SkuBlocks,
    group: list[int],
    relaxed: np.ndarray,
    options: dict,
    until: float,
    solve_one,
    openings: np.ndarray | None = None,
) -> _Task:
    columns = np.concatenate([blocks.columns[b] for b in group])
    rows = np.concatenate([blocks.rows[b] for b in group])
    column_edges = np.cumsum([0] + [len(blocks.columns[b]) for b in group])
    row_edges = np.cumsum([0] + [len(blocks.rows[b]) for b in group])
    local = [
        (np.arange(column_edges[i], column_edges[i + 1]), np.arange(row_edges[i], row_edges[i + 1]))
        for i in range(len(group))
    ]
    return _Task(
        matrix.subset(columns, rows),
        relaxed[columns],
        local,
        options,
        until,
        solve_one,
        None if openings is None else openings[:, columns],
    )


class _TaskRunner:
    """Runs lists of tasks in `workers` processes, one pool for every list (spawned at the first
    list of more than one task), or in this process with one worker."""

    def __init__(self, workers: int):
        self.workers, self.pool = workers, None

    def __enter__(self) -> _TaskRunner:
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown()

    def __call__(self, tasks: list[_Task]) -> list:
        if self.workers <= 1 or (len(tasks) <= 1 and self.pool is None):
            return list(map(_solve_task, tasks))
        if self.pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawned, not forked: each task carries its own arrays, and a forked worker's
            # allocations would copy the parent's pages (the whole model's)
            spawn = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(self.workers, spawn, initializer=quiet_stdout)
        return list(self.pool.map(_solve_task, tasks))


def _solve_task(task: _Task) -> list[tuple[np.ndarray, float] | None]:
    """Per sku: its plan and figure (see solve_one), or None when out of time or without one."""
    results = []
    for columns, rows in task.blocks:
        left = task.until - time.monotonic()
        results.append(task.solve_one(task, columns, rows, left) if left >= 1.0 else None)
    return results


def _milp_plan(task: _Task, columns: np.ndarray, rows: np.ndarray, left: float):
    """(MILP solution, its dual bound less the relaxation's value), or None without a solution."""
    part = block_problem(task.matrix, columns, rows, {**task.options, "time_limit": left}, integer=True)
    part.run()
    info = part.getInfo()
    if info.primal_solution_status != 2:  # no feasible solution (the status names why)
        return None
    relaxed_cost = float(task.matrix.costs[columns] @ task.relaxed[columns])
    return np.asarray(part.getSolution().col_value, dtype=float), max(info.mip_dual_bound - relaxed_cost, 0.0)


ROUNDING_OPENS = (TOL, 0.5)  # without openings, a 0/1 integer is set where its relaxed value exceeds this


def _rounded_plan(task: _Task, columns: np.ndarray, rows: np.ndarray, left: float):
    """(the sku's cheapest rounded plan, its cost above the relaxed plan), or None: see round_sku."""
    block = task.matrix.subset(columns, rows)
    part = highs_problem(block, {**task.options, "time_limit": left}, integer=False)
    openings = None if task.openings is None else task.openings[:, columns]
    return round_sku(part, SkuLp(block.low, block.up, block.integer, block.costs), task.relaxed[columns], openings)


@dataclass(frozen=True)
class SkuLp:
    """What rounding needs of a sku's LP besides the LP in HiGHS: its bounds, integers, costs."""

    low: np.ndarray
    up: np.ndarray
    integer: np.ndarray
    costs: np.ndarray


def round_sku(part, block: SkuLp, relaxed: np.ndarray, openings: np.ndarray | None):
    """(the sku's cheapest rounded plan, its cost above the relaxed plan), or None.

    `part` holds the sku's LP (`block`), from whatever basis it has: a warm one saves most of
    the first solve. A rounding sets the 0/1 integers (MOQ POs) as one of the `openings` (roundings ×
    the sku's columns) does (else where the relaxation uses them: any use, or at least half),
    re-solves the sku's LP around them, then fixes the lots rounded up (down as the fallback)
    and re-solves again. `part`'s bounds are the block's again afterwards.
    """
    import highspy

    switch = block.integer[block.up[block.integer] <= 1]
    lots = block.integer[block.up[block.integer] > 1]
    every = np.arange(len(block.costs), dtype=np.int32)
    best, cost, tried = None, np.inf, []

    def fix(where: np.ndarray, at: np.ndarray) -> bool:
        part.changeColsBounds(len(where), where.astype(np.int32), at, at)
        part.run()
        return part.getModelStatus() == highspy.HighsModelStatus.kOptimal

    for opened in _roundings(openings, switch, relaxed):
        opened = np.minimum(opened, _whole_below(block.up[switch]))
        if any(np.array_equal(opened, earlier) for earlier in tried):
            continue  # the same MOQ POs as a rounding already tried
        tried.append(opened)
        part.changeColsBounds(len(every), every, block.low, block.up)
        if not fix(switch, opened):
            continue
        placed = np.asarray(part.getSolution().col_value, dtype=float)[lots]
        for lot_count in (np.minimum(np.ceil(placed - TOL), _whole_below(block.up[lots])), np.floor(placed + TOL)):
            if fix(lots, lot_count):
                if part.getInfo().objective_function_value < cost:
                    best = np.asarray(part.getSolution().col_value, dtype=float)
                    cost = part.getInfo().objective_function_value
                break
    part.changeColsBounds(len(every), every, block.low, block.up)
    if best is None:
        return None
    return best, cost - float(block.costs @ relaxed)


def _whole_below(up: np.ndarray) -> np.ndarray:
    """The largest whole value within each upper bound: an integer column bounded below one lot
    (a sku's share of a capacity, PricedLp.integer_plan) can only stay closed."""
    return np.floor(up + TOL)


def _roundings(openings: np.ndarray | None, switch: np.ndarray, relaxed: np.ndarray) -> list[np.ndarray]:
    """The values of the sku's 0/1 integers in each rounding to try: the openings (an integer
    they leave unset follows the relaxation's any use), else ROUNDING_OPENS."""
    used = (relaxed[switch] > TOL).astype(float)
    if openings is None:
        return [(relaxed[switch] > opens).astype(float) for opens in ROUNDING_OPENS]
    return [np.where(np.isnan(opening), used, opening) for opening in openings[:, switch].astype(float)]
