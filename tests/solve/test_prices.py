"""A large LP solved by prices on its shared rows: the whole LP's optimum, a valid bound, every
row met, only binding rows in the master, and no plan when time runs out."""

from __future__ import annotations

import time

import highspy
import numpy as np
import pytest

from planner.solve import prices
from planner.solve.blocks import Matrix, SkuBlocks
from planner.solve.prices import CLOSING_SECONDS, Capacities, PlanWorkers, PricedLp, SkuPlans, _Master, _Rounds

INF = np.inf
NEED = [6.0, 5.0, 4.0]  # per sku: units it needs
BUY = [1.0, 2.0, 3.0]  # per sku: cost of buying a unit
SHORT = [40.0, 10.0, 20.0]  # per sku: cost of a unit short (waiting)


def _csr(rows: list[dict[int, float]]):
    starts = np.r_[0, np.cumsum([len(r) for r in rows])].astype(np.int32)
    index = np.array([c for r in rows for c in r], dtype=np.int32)
    value = np.array([v for r in rows for v in r.values()], dtype=float)
    return starts, index, value


def _network(capacity: float, overflow_cost: float = 1000.0):
    """Three skus, columns buy_k = 2k, short_k = 2k+1; sku rows buy_k + short_k >= need_k.

    Shared rows: buy_0 + buy_1 + buy_2 - overflow <= capacity (binding), and the same with a
    capacity of 100 (never binding). The overflow column (6) belongs to no sku."""
    starts, index, value = _csr([{2 * k: 1.0, 2 * k + 1: 1.0} for k in range(3)])
    costs = np.array([c for k in range(3) for c in (BUY[k], SHORT[k])] + [overflow_cost])
    matrix = Matrix(
        starts,
        index,
        value,
        np.array(NEED),
        np.full(3, INF),
        costs,
        np.zeros(7),
        np.full(7, INF),
        np.zeros(0, dtype=np.int32),
    )
    shared = _csr([{0: 1.0, 2: 1.0, 4: 1.0, 6: -1.0}, {0: 1.0, 2: 1.0, 4: 1.0}])
    capacities = Capacities(*shared, np.full(2, -INF), np.array([capacity, 100.0]))
    return matrix, np.array([0, 0, 1, 1, 2, 2, -1]), capacities


def _whole(matrix: Matrix, capacities: Capacities, low: np.ndarray, up: np.ndarray) -> float:
    """The same LP solved as one model."""
    highs, inf = highspy.Highs(), highspy.kHighsInf
    highs.setOptionValue("output_flag", False)
    n = len(matrix.costs)
    highs.addCols(
        n,
        matrix.costs,
        low,
        np.minimum(up, inf),
        0,
        np.zeros(n, dtype=np.int32),
        np.zeros(0, dtype=np.int32),
        np.zeros(0),
    )
    for starts, index, value, row_low, row_up in (
        (matrix.starts, matrix.index, matrix.value, matrix.row_low, matrix.row_up),
        (capacities.starts, capacities.index, capacities.value, capacities.low, capacities.up),
    ):
        highs.addRows(
            len(row_low),
            np.maximum(row_low, -inf),
            np.minimum(row_up, inf),
            len(index),
            starts[:-1].astype(np.int32),
            index,
            value,
        )
    highs.run()
    return highs.getInfo().objective_function_value


def _priced(capacity: float, workers: int = 1) -> tuple[PricedLp, Matrix, Capacities]:
    matrix, sku, capacities = _network(capacity)
    lp = PricedLp.split(matrix, sku, capacities, {"threads": 1}, workers)
    return lp, matrix, capacities


def _meets_every_row(matrix: Matrix, capacities: Capacities, x: np.ndarray) -> bool:
    sku_rows = np.add.reduceat(matrix.value * x[matrix.index], matrix.starts[:-1])
    return bool((sku_rows >= matrix.row_low - 1e-9).all() and not capacities.violated(x).any() and (x >= -1e-9).all())


def test_the_plan_by_prices_costs_the_whole_lps_optimum_and_the_bound_is_below_it():
    lp, matrix, capacities = _priced(capacity=7.0)
    result = lp.solve(matrix.low, matrix.up, 1e-9, time.perf_counter() + 60)
    whole = _whole(matrix, capacities, matrix.low, matrix.up)
    # by hand: 7 units of capacity go to the skus that wait dearest (sku 0: 6, sku 2: 1);
    # sku 1 and the other 3 of sku 2 wait: 6 + 3 + 50 + 60 = 119
    assert whole == pytest.approx(119.0)
    assert result.converged
    assert result.objective == pytest.approx(whole, rel=1e-9)
    assert result.bound <= result.objective + 1e-9
    assert result.bound == pytest.approx(whole, rel=1e-9)
    assert _meets_every_row(matrix, capacities, result.values)
    assert result.values[[0, 2, 4]] == pytest.approx([6.0, 0.0, 1.0])


def test_a_master_taking_one_new_plan_a_round_still_reaches_the_whole_lps_optimum(monkeypatch):
    monkeypatch.setattr(prices, "PLANS_PER_ROUND", 0.0)
    monkeypatch.setattr(prices, "PLANS_PER_ROUND_LEAST", 1)
    added = []
    add_plans = _Rounds._add_plans

    def counted(self, master, y, mu):
        added.append(add_plans(self, master, y, mu))
        return added[-1]

    monkeypatch.setattr(_Rounds, "_add_plans", counted)
    lp, matrix, capacities = _priced(capacity=7.0)
    result = lp.solve(matrix.low, matrix.up, 1e-9, time.perf_counter() + 60)
    assert result.converged
    assert result.objective == pytest.approx(_whole(matrix, capacities, matrix.low, matrix.up), rel=1e-9)
    assert _meets_every_row(matrix, capacities, result.values)
    assert len(added) >= 2 and max(added) == 1  # after the master's first plans, one a round


def test_only_a_shared_row_a_plan_breaks_enters_the_master():
    lp, matrix, _ = _priced(capacity=7.0)
    result = lp.solve(matrix.low, matrix.up, 1e-9, time.perf_counter() + 60)
    assert result.used_rows.tolist() == [0]
    assert result.prices[0] < 0 and result.prices[1] == 0  # a <= row at its limit has a price


def test_a_capacity_nobody_reaches_needs_no_price():
    lp, matrix, _ = _priced(capacity=50.0)
    result = lp.solve(matrix.low, matrix.up, 1e-9, time.perf_counter() + 60)
    assert result.converged and result.used_rows.size == 0
    assert result.objective == pytest.approx(6 * 1 + 5 * 2 + 4 * 3)


def test_too_low_a_penalty_on_a_relieved_row_is_raised_until_the_plan_meets_it():
    lp, matrix, capacities = _priced(capacity=7.0)
    lp.penalty = 1e-3  # relieving the row would be cheaper than anything
    result = lp.solve(matrix.low, matrix.up, 1e-9, time.perf_counter() + 60)
    assert result.converged and result.objective == pytest.approx(119.0)
    assert _meets_every_row(matrix, capacities, result.values)
    assert lp.penalty > 10


def test_a_second_call_at_other_bounds_solves_that_lp():
    lp, matrix, capacities = _priced(capacity=7.0)
    lp.solve(matrix.low, matrix.up, 1e-9, time.perf_counter() + 60)
    low = matrix.low.copy()
    low[2] = 2.0  # sku 1 must buy 2: they take capacity from sku 2
    result = lp.solve(low, matrix.up, 1e-9, time.perf_counter() + 60)
    assert result.objective == pytest.approx(_whole(matrix, capacities, low, matrix.up), rel=1e-9)
    assert result.values[[0, 2, 4]] == pytest.approx([5.0, 2.0, 0.0])


def test_blocks_solved_in_turn_each_find_their_own_optimum_after_new_costs_and_bounds():
    matrix, sku, _ = _network(capacity=7.0)
    blocks = SkuBlocks.split(matrix, sku, 2)  # one block per sku, one HiGHS for all
    assert [b.tolist() for b in blocks.columns] == [[0, 1], [2, 3], [4, 5]]
    plans = SkuPlans([matrix.subset(c, r) for c, r in zip(blocks.columns, blocks.rows)], {"threads": 1})
    first = plans.solve(matrix.costs[:6], time.perf_counter() + 60)
    assert first[[0, 2, 4]].tolist() == [6.0, 5.0, 4.0]  # buying is cheaper than waiting
    costs = matrix.costs[:6].copy()
    costs[[0, 2]] += 50.0  # a price on buying: skus 0 and 1 wait
    low = matrix.low[:6].copy()
    low[4] = 1.0  # sku 2 must buy at least 1 ...
    up = matrix.up[:6].copy()
    up[4] = 3.0  # ... and at most 3
    plans.set_bounds(low, up)
    again = plans.solve(costs, time.perf_counter() + 60)
    assert again.tolist() == [0.0, 6.0, 0.0, 5.0, 3.0, 1.0]


def test_worker_processes_find_the_same_plan(monkeypatch):
    monkeypatch.setattr(PricedLp, "BLOCK_COLUMNS", 2)  # one block per sku
    lp, matrix, _ = _priced(capacity=7.0)
    alone = lp.solve(matrix.low, matrix.up, 1e-9, time.perf_counter() + 60)
    lp, matrix, _ = _priced(capacity=7.0, workers=2)
    assert isinstance(lp.plans, PlanWorkers) and len(lp.plans.pipes) == 2
    split = lp.solve(matrix.low, matrix.up, 1e-9, time.perf_counter() + 60)
    assert split.objective == pytest.approx(alone.objective, rel=1e-12)
    assert split.values.tolist() == pytest.approx(alone.values.tolist())


def test_worker_processes_print_nothing_on_stdout(monkeypatch, capfd):
    """stdout carries the planner's results: a spawned worker's HiGHS banner must not land there."""
    monkeypatch.setattr(PricedLp, "BLOCK_COLUMNS", 2)
    lp, matrix, _ = _priced(capacity=7.0, workers=2)
    lp.solve(matrix.low, matrix.up, 1e-9, time.perf_counter() + 60)
    del lp
    assert capfd.readouterr().out == ""


def test_no_time_left_gives_no_plan():
    lp, matrix, _ = _priced(capacity=7.0)
    result = lp.solve(matrix.low, matrix.up, 1e-9, time.perf_counter() - 1)
    assert result.values is None and not result.converged


def test_a_start_plan_meeting_its_skus_bounds_and_rows_starts_the_master():
    lp, matrix, capacities = _priced(capacity=7.0)
    lp.solve(matrix.low, matrix.up, 1e-9, time.perf_counter() + 60)
    low = matrix.low.copy()
    low[2] = 2.0
    optimum = np.array([5.0, 1.0, 2.0, 3.0, 0.0, 4.0, 0.0])
    cold = lp.solve(low, matrix.up, 1e-9, time.perf_counter() + 60)
    lp, matrix, capacities = _priced(capacity=7.0)
    lp.solve(matrix.low, matrix.up, 1e-9, time.perf_counter() + 60)
    warm = lp.solve(low, matrix.up, 1e-9, time.perf_counter() + 60, start=optimum)
    assert warm.objective == pytest.approx(cold.objective, rel=1e-9)
    assert _meets_every_row(matrix, capacities, warm.values)
    assert warm.rounds < cold.rounds  # 3 against 4 here


def test_only_the_skus_whose_start_plan_meets_their_bounds_and_rows_are_taken():
    lp, matrix, _ = _priced(capacity=7.0)
    low = matrix.low.copy()
    low[2] = 2.0
    start = np.array([5.0, 0.5, 1.0, 4.0, 0.0, 4.0, 0.0])  # sku 0 short of its need; sku 1 under its bound
    columns, values, skus = lp._meeting(start, low, matrix.up)
    assert skus.tolist() == [2]
    assert columns.tolist() == [5] and values.tolist() == [4.0]


def test_out_of_time_a_start_plan_for_every_sku_is_still_the_plan():
    lp, matrix, capacities = _priced(capacity=7.0)
    start = np.array([6.0, 0.0, 0.0, 5.0, 1.0, 3.0, 0.0])  # meets every row
    result = lp.solve(matrix.low, matrix.up, 1e-9, time.perf_counter() - 1, start=start)
    assert not result.converged and result.rounds == 0
    assert result.values.tolist() == pytest.approx(start.tolist())
    assert _meets_every_row(matrix, capacities, result.values)


def test_out_of_time_without_a_master_plan_the_cheapest_kept_plan_that_met_every_row_stands():
    lp, matrix, capacities = _priced(capacity=7.0)
    rounds = _Rounds(lp, 1e-9, time.perf_counter() - 1)
    waiting = np.array([6.0, 0.0, 0.0, 5.0, 0.0, 4.0, 0.0])  # costs 6 + 50 + 80
    optimum = np.array([6.0, 0.0, 0.0, 5.0, 1.0, 3.0, 0.0])  # costs 6 + 50 + 3 + 60
    for plan in (waiting, optimum, waiting):
        rounds.keep(plan)
    result = rounds._outcome(None, converged=False)
    assert result.values.tolist() == optimum.tolist() and result.objective == pytest.approx(119.0)
    assert not result.converged and _meets_every_row(matrix, capacities, result.values)


def _tight_network(capacity: float):
    """The three skus of `_network` sharing one capacity without an overflow column: buy_0 +
    buy_1 + buy_2 <= capacity."""
    starts, index, value = _csr([{2 * k: 1.0, 2 * k + 1: 1.0} for k in range(3)])
    costs = np.array([c for k in range(3) for c in (BUY[k], SHORT[k])])
    matrix = Matrix(
        starts,
        index,
        value,
        np.array(NEED),
        np.full(3, INF),
        costs,
        np.zeros(6),
        np.full(6, INF),
        np.zeros(0, dtype=np.int32),
    )
    capacities = Capacities(*_csr([{0: 1.0, 2: 1.0, 4: 1.0}]), np.full(1, -INF), np.array([capacity]))
    return matrix, np.array([0, 0, 1, 1, 2, 2]), capacities


def test_shares_of_a_broken_capacity_scale_each_use_above_its_lower_bound_to_the_room_left():
    _, _, capacities = _tight_network(capacity=10.0)
    buys = np.array([6.0, 0.0, 5.0, 0.0, 4.0, 0.0])  # 15 units against 10
    low = np.zeros(6)
    low[0] = 4.0  # a fixed lot: 11 units above the lots, 6 of room
    shares = capacities.shares(buys, low, free=np.zeros(0, dtype=np.int64))
    assert shares[[0, 2, 4]].tolist() == pytest.approx([4 + 2 * 6 / 11, 5 * 6 / 11, 4 * 6 / 11])
    assert shares[[1, 3, 5]].tolist() == [INF, INF, INF]  # in no shared row
    assert shares[[0, 2, 4]].sum() == pytest.approx(10.0)


def test_shares_of_a_capacity_with_room_left_give_each_use_an_equal_part_of_it():
    _, _, capacities = _tight_network(capacity=9.0)
    buys = np.array([1.0, 5.0, 2.0, 3.0, 3.0, 1.0])  # 6 units against 9
    shares = capacities.shares(buys, np.zeros(6), free=np.zeros(0, dtype=np.int64))
    assert shares[[0, 2, 4]].tolist() == pytest.approx([2.0, 3.0, 4.0])


def test_a_capacity_with_an_overflow_column_is_not_shared_out():
    _, _, capacities = _network(capacity=7.0)
    buys = np.array([6.0, 0.0, 5.0, 0.0, 4.0, 0.0, 0.0])
    shares = capacities.shares(buys, np.zeros(7), free=np.array([6]))
    assert shares[[0, 2, 4]].tolist() == pytest.approx([6 + 85 / 3, 5 + 85 / 3, 4 + 85 / 3])  # only the 100 row


def _tight_priced(capacity: float) -> tuple[PricedLp, Matrix, Capacities]:
    matrix, sku, capacities = _tight_network(capacity)
    return PricedLp.split(matrix, sku, capacities, {"threads": 1}), matrix, capacities


def test_plans_within_the_shares_of_a_start_that_breaks_a_capacity_meet_it_together():
    lp, matrix, capacities = _tight_priced(capacity=9.0)
    start = np.array([6.0, 0.0, 5.0, 0.0, 4.0, 0.0])  # each sku buys all it needs: 15 against 9
    assert capacities.violated(start).all()
    columns, values, skus = lp._within_shares(start, matrix.low, matrix.up, time.perf_counter() + 60)
    plan = np.zeros(6)
    plan[columns] = values
    assert skus.tolist() == [0, 1, 2]
    assert _meets_every_row(matrix, capacities, plan)
    assert plan[[0, 2, 4]].tolist() == pytest.approx([6 * 9 / 15, 5 * 9 / 15, 4 * 9 / 15])


def test_a_start_within_every_capacity_needs_no_plans_within_shares():
    lp, matrix, _ = _tight_priced(capacity=20.0)
    start = np.array([6.0, 0.0, 5.0, 0.0, 4.0, 0.0])
    assert lp._within_shares(start, matrix.low, matrix.up, time.perf_counter() + 60) is None


def test_a_repair_whose_start_breaks_a_capacity_reaches_the_whole_lps_optimum():
    lp, matrix, capacities = _tight_priced(capacity=9.0)
    start = np.array([6.0, 0.0, 5.0, 0.0, 4.0, 0.0])
    result = lp.solve(matrix.low, matrix.up, 1e-9, time.perf_counter() + 60, start=start)
    assert result.converged and _meets_every_row(matrix, capacities, result.values)
    assert result.objective == pytest.approx(_whole(matrix, capacities, matrix.low, matrix.up), rel=1e-9)
    assert result.values[[0, 2, 4]].tolist() == pytest.approx([6.0, 0.0, 3.0])  # the units dearest to wait for


def test_out_of_time_before_any_round_the_plans_within_shares_still_make_a_plan(monkeypatch):
    lp, matrix, capacities = _tight_priced(capacity=9.0)
    start = np.array([6.0, 0.0, 5.0, 0.0, 4.0, 0.0])  # breaks the capacity: no plan by itself
    monkeypatch.setattr(_Rounds, "_price", lambda self, prices: None)
    result = lp.solve(matrix.low, matrix.up, 1e-9, time.perf_counter() + 60, start=start)
    assert not result.converged and result.rounds == 0
    assert _meets_every_row(matrix, capacities, result.values)


def _count_masters(monkeypatch, out_of_time_at: int | None = None) -> dict:
    """Count the masters made and the deadlines their solves get; the solve numbered
    `out_of_time_at` (from 1) runs out of time."""
    seen = {"made": 0, "deadlines": []}
    made, solve = _Master.__init__, _Master.solve

    def counted_init(self, *args, **kwargs):
        seen["made"] += 1
        made(self, *args, **kwargs)

    def timed_solve(self, deadline):
        seen["deadlines"].append(deadline)
        return None if len(seen["deadlines"]) == out_of_time_at else solve(self, deadline)

    monkeypatch.setattr(_Master, "__init__", counted_init)
    monkeypatch.setattr(_Master, "solve", timed_solve)
    return seen


def test_every_master_solve_ends_by_the_calls_deadline_and_the_closing_one_soon_after(monkeypatch):
    lp, matrix, _ = _tight_priced(capacity=9.0)
    seen = _count_masters(monkeypatch)
    deadline = time.perf_counter() + 60
    lp.solve(matrix.low, matrix.up, 1e-9, deadline, start=np.array([6.0, 0.0, 5.0, 0.0, 4.0, 0.0]))
    *rounds, closing = seen["deadlines"]
    assert rounds and all(d == deadline for d in rounds)
    assert deadline < closing <= deadline + CLOSING_SECONDS


def test_a_master_out_of_time_ends_the_call_with_the_plan_kept_and_no_other_master(monkeypatch):
    lp, matrix, capacities = _tight_priced(capacity=9.0)
    seen = _count_masters(monkeypatch, out_of_time_at=3)
    start = np.array([6.0, 0.0, 5.0, 0.0, 4.0, 0.0])  # breaks the capacity: the plans within shares meet it
    result = lp.solve(matrix.low, matrix.up, 1e-9, time.perf_counter() + 60, start=start)
    # solve 1 without the capacity row breaks it, solve 2 with it meets it (kept), solve 3 runs out
    assert seen["made"] == 1 and len(seen["deadlines"]) == 3
    assert not result.converged and _meets_every_row(matrix, capacities, result.values)


def test_a_master_with_no_time_left_is_not_solved():
    lp, matrix, _ = _priced(capacity=7.0)
    rounds = _Rounds(lp, 1e-9, time.perf_counter() + 60)
    rounds._price(np.zeros(len(lp.capacities)))
    assert rounds._master().solve(time.perf_counter() - 1) is None


def test_a_first_call_whose_master_never_meets_the_capacity_still_has_the_plan_within_shares(monkeypatch):
    lp, matrix, capacities = _tight_priced(capacity=9.0)  # each sku at prices 0 buys all: 15 against 9
    monkeypatch.setattr(_Master, "solve", lambda self, deadline: None)
    result = lp.solve(matrix.low, matrix.up, 1e-9, time.perf_counter() + 60)
    assert result.values is not None and not result.converged
    assert _meets_every_row(matrix, capacities, result.values)
    assert result.values[[0, 2, 4]].tolist() == pytest.approx([6 * 9 / 15, 5 * 9 / 15, 4 * 9 / 15])


def test_a_plan_within_shares_gets_its_overflow_columns_at_their_cheapest():
    lp, matrix, capacities = _priced(capacity=7.0)
    plan = lp.with_free(np.array([6.0, 0.0, 5.0, 0.0, 4.0, 0.0, 0.0]))  # 15 units against 7
    assert plan[6] == pytest.approx(8.0)
    assert _meets_every_row(matrix, capacities, plan)


def _lots_network(capacity: float):
    """`_tight_network` where sku 0 buys in lots of 4 (column 0 counts lots: 4 units each) and
    sku 1 only with an MOQ of 3: column 2 (units) <= 5 x column 6 (0/1 opened), >= 3 x column 6."""
    rows = [{0: 4.0, 1: 1.0}, {2: 1.0, 3: 1.0}, {4: 1.0, 5: 1.0}, {2: 1.0, 6: -3.0}, {2: 1.0, 6: -5.0}]
    starts, index, value = _csr(rows)
    costs = np.array([4 * BUY[0], SHORT[0], BUY[1], SHORT[1], BUY[2], SHORT[2], 0.0])
    matrix = Matrix(
        starts,
        index,
        value,
        np.array([*NEED, 0.0, -INF]),
        np.array([INF, INF, INF, INF, 0.0]),
        costs,
        np.zeros(7),
        np.array([INF, INF, INF, INF, INF, INF, 1.0]),
        np.array([0, 6], dtype=np.int32),
    )
    capacities = Capacities(*_csr([{0: 4.0, 2: 1.0, 4: 1.0}]), np.full(1, -INF), np.array([capacity]))
    return PricedLp.split(matrix, np.array([0, 0, 1, 1, 2, 2, 1]), capacities, {"threads": 1}), matrix, capacities


def test_the_first_plan_of_the_milp_has_whole_lots_open_moqs_and_meets_every_row():
    lp, matrix, capacities = _lots_network(capacity=9.0)
    relaxed = lp.solve(matrix.low, matrix.up, 1e-9, time.perf_counter() + 60)
    assert relaxed.values is not None
    plan = lp.integer_plan(matrix.low, matrix.up, time.perf_counter() + 60)
    assert _meets_every_row(matrix, capacities, plan)
    assert plan[[0, 6]].tolist() == np.round(plan[[0, 6]]).tolist()  # whole lots, a PO placed or not
    assert plan[2] == 0.0 or 3.0 <= plan[2] <= 5.0 * plan[6]  # sku 1 buys its MOQ or nothing


def _fc_network(skus: int = 30, fcs: int = 4, seed: int = 5):
    """`skus` skus, each buying at every one of `fcs` FCs (columns k·(fcs+1) + f) or waiting
    (column k·(fcs+1) + fcs), buys + waits >= its need; each FC buys at most its capacity (a
    shared row), all of them together a third of the total need."""
    rng = np.random.default_rng(seed)
    width = fcs + 1
    starts, index, value = _csr([{k * width + f: 1.0 for f in range(width)} for k in range(skus)])
    need = rng.uniform(5, 20, skus)
    costs = np.concatenate([np.r_[rng.uniform(1, 10, fcs), rng.uniform(20, 60)] for _ in range(skus)])
    n = skus * width
    matrix = Matrix(
        starts,
        index,
        value,
        need,
        np.full(skus, INF),
        costs,
        np.zeros(n),
        np.full(n, INF),
        np.zeros(0, dtype=np.int32),
    )
    shared = _csr([{k * width + f: 1.0 for k in range(skus)} for f in range(fcs)])
    capacities = Capacities(*shared, np.full(fcs, -INF), np.full(fcs, need.sum() / 3 / fcs))
    return matrix, np.repeat(np.arange(skus), width), capacities


def test_a_master_solved_afresh_and_retiring_idle_plans_still_reaches_the_whole_lps_optimum(monkeypatch):
    monkeypatch.setattr(prices, "MASTER_AFRESH_ITERATIONS", 0.0)  # every warm solve is too slow
    monkeypatch.setattr(prices, "MASTER_IDLE_SOLVES", 1)  # retire a plan as soon as it sits out
    monkeypatch.setattr(prices, "PLANS_PER_ROUND_LEAST", 3)
    ways, retired = [], []
    run, retire = _Master._run, _Master._retire_idle

    def counted_run(self, deadline, *, afresh):
        ways.append(afresh)
        return run(self, deadline, afresh=afresh)

    def counted_retire(self, value, reduced, objective):
        retire(self, value, reduced, objective)
        plans = np.concatenate(self.plan_columns) if self.plan_columns else np.zeros(0, dtype=int)
        retired.append(int((np.asarray(self.highs.getLp().col_upper_)[plans] == 0).sum()))  # plans fixed at 0

    monkeypatch.setattr(_Master, "_run", counted_run)
    monkeypatch.setattr(_Master, "_retire_idle", counted_retire)
    matrix, sku, capacities = _fc_network()
    lp = PricedLp.split(matrix, sku, capacities, {"threads": 1})
    result = lp.solve(matrix.low, matrix.up, 1e-9, time.perf_counter() + 60)
    assert result.converged
    assert result.objective == pytest.approx(_whole(matrix, capacities, matrix.low, matrix.up), rel=1e-7)
    assert _meets_every_row(matrix, capacities, result.values)
    assert any(ways) and sum(retired) > 0  # both were exercised


def test_a_master_whose_warm_simplex_takes_too_many_iterations_is_solved_afresh_then_warm_again_in_turn(
    monkeypatch,
):
    monkeypatch.setattr(prices, "MASTER_AFRESH_ITERATIONS", -1.0)  # any warm solve takes too many
    monkeypatch.setattr(prices, "MASTER_WARM_RETRY", 3)
    matrix, sku, capacities = _fc_network(skus=6)
    lp = PricedLp.split(matrix, sku, capacities, {"threads": 1})
    lp.used = np.arange(len(capacities))  # every FC row in the master from the start
    rounds = _Rounds(lp, 1e-9, time.perf_counter() + 60)
    rounds._price(np.zeros(len(capacities)))
    master = rounds._master()
    ways = []
    run = master._run
    master._run = lambda deadline, *, afresh: ways.append(afresh) or run(deadline, afresh=afresh)
    for _ in range(7):
        assert master.solve(time.perf_counter() + 60) is not None
    # warm first, then afresh save every third solve (warm again)
    assert ways == [False, True, True, False, True, True, False]


def test_plans_added_after_the_masters_last_optimum_weigh_nothing():
    lp, matrix, _ = _priced(capacity=7.0)
    rounds = _Rounds(lp, 1e-9, time.perf_counter() + 60)
    rounds._price(np.zeros(len(lp.capacities)))
    master = rounds._master()
    assert master.solve(time.perf_counter() + 60) is not None
    master.add_plans(np.arange(3), np.ones(3), np.zeros((len(master.rows), 3)))
    free, weights = master.weights()
    assert weights[-1].tolist() == [0.0, 0.0, 0.0]
    assert sum(w.sum() for w in weights[:-1]) == pytest.approx(3.0)  # one plan per sku, as solved


def test_the_first_plan_closes_a_lot_whose_share_of_the_capacity_is_under_one_lot():
    lp, matrix, capacities = _lots_network(capacity=3.0)  # sku 0's share: under one lot of 4
    relaxed = lp.solve(matrix.low, matrix.up, 1e-9, time.perf_counter() + 60)
    assert relaxed.values is not None and 0 < relaxed.values[0] < 1
    plan = lp.integer_plan(matrix.low, matrix.up, time.perf_counter() + 60)
    assert plan is not None and _meets_every_row(matrix, capacities, plan)
    assert plan[0] == 0.0 and plan[1] == pytest.approx(NEED[0])  # no lot fits: sku 0 waits
