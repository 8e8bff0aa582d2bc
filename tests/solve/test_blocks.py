"""The model split by sku: exact splits only, Lagrangian prices, each sku's own MILP."""

from __future__ import annotations

import time

import numpy as np
import pytest

import planner.solve.blocks as blocks_module
from planner.solve.blocks import Matrix, SharedRows, SkuBlocks, sku_milps

INF = np.inf


def _matrix(rows: list[dict[int, float]], row_low, row_up, costs, up, integer) -> Matrix:
    starts = np.r_[0, np.cumsum([len(r) for r in rows])].astype(np.int32)
    index = np.array([c for r in rows for c in r], dtype=np.int32)
    value = np.array([v for r in rows for v in r.values()], dtype=float)
    n = len(costs)
    return Matrix(
        starts,
        index,
        value,
        np.array(row_low, float),
        np.array(row_up, float),
        np.array(costs, float),
        np.zeros(n),
        np.array(up, float),
        np.array(integer, dtype=np.int32),
    )


def _no_shared() -> SharedRows:
    return SharedRows([], [], np.zeros(0), np.zeros(0), np.zeros(0))


def _skus(count: int) -> tuple[Matrix, np.ndarray]:
    """Sku k buys whole units x_k (cost 1) to cover a need of k + 0.5: the relaxation buys
    k + 0.5, the sku's MILP k + 1."""
    rows = [{k: 1.0} for k in range(count)]
    need = [k + 0.5 for k in range(count)]
    return _matrix(rows, need, [INF] * count, [1.0] * count, [100.0] * count, list(range(count))), np.arange(count)


def test_a_row_joining_two_skus_makes_the_split_impossible():
    matrix = _matrix([{0: 1.0, 1: 1.0}], [1.0], [INF], [1.0, 1.0], [9.0, 9.0], [])
    assert SkuBlocks.split(matrix, np.array([0, 1]), 1) is None
    assert SkuBlocks.split(matrix, np.array([0, 0]), 1) is not None


def test_blocks_hold_consecutive_skus_up_to_the_target_size():
    matrix, sku = _skus(5)
    split = SkuBlocks.split(matrix, sku, 2)
    assert [c.tolist() for c in split.columns] == [[0, 1], [2, 3], [4]]
    assert [r.tolist() for r in split.rows] == [[0, 1], [2, 3], [4]]


def test_prices_charge_each_shared_rows_use_and_ignore_a_dual_of_the_wrong_sign():
    shared = SharedRows(
        [np.array([0, 1]), np.array([1])],
        [np.array([1.0, 2.0]), np.array([1.0])],
        np.array([-INF, -INF]),
        np.array([8.0, 5.0]),
        np.array([-3.0, 0.5]),
    )
    assert shared.priced_costs(np.array([1.0, 1.0])).tolist() == [4.0, 7.0]


def test_each_fractional_sku_gets_its_milp_optimum_and_the_bound_rises_by_its_gap():
    matrix, sku = _skus(3)
    relaxed = np.array([0.5, 1.5, 2.0])  # sku 2's relaxation is integral (need 2.5 -> not optimal, but integral)
    result = sku_milps(
        matrix, SkuBlocks.split(matrix, sku, 1), relaxed, _no_shared(), {"mip_rel_gap": 0.0}, time.perf_counter() + 60
    )
    assert result.values.tolist() == [1.0, 2.0, 2.0]
    assert result.bound_lift == pytest.approx(1.0)
    assert (result.solved, result.fractional) == (2, 2)


@pytest.mark.parametrize("loss_share", [0.0, 1e-9], ids=["milps only", "rounded, then milps"])
def test_the_same_result_in_this_process_and_in_two_workers(monkeypatch, loss_share):
    matrix, sku = _skus(6)
    relaxed = np.arange(6) + 0.5
    split = SkuBlocks.split(matrix, sku, 1)
    monkeypatch.setattr(blocks_module, "SKUS_PER_TASK", 2)
    here, there = (
        sku_milps(
            matrix,
            split,
            relaxed,
            _no_shared(),
            {"mip_rel_gap": 0.0},
            time.perf_counter() + 60,
            workers=workers,
            loss_share=loss_share,
        )
        for workers in (1, 2)
    )
    assert here.values.tolist() == there.values.tolist() == [float(k + 1) for k in range(6)]
    assert here.bound_lift == there.bound_lift == pytest.approx(3.0)
    assert (here.solved, here.rounded) == (there.solved, there.rounded)


def test_skus_not_reached_by_the_deadline_keep_the_relaxation():
    matrix, sku = _skus(2)
    relaxed = np.array([0.5, 1.5])
    result = sku_milps(matrix, SkuBlocks.split(matrix, sku, 1), relaxed, _no_shared(), {}, time.perf_counter())
    assert result.values.tolist() == [0.5, 1.5]
    assert (result.solved, result.bound_lift) == (0, 0.0)


def _lots_and_units() -> tuple[Matrix, np.ndarray, np.ndarray]:
    """Sku 0 needs 12 units: lots of 10 (x, 10 a lot) or single units from a dearer source (y, 3
    each); the relaxation buys 1.2 lots (12), rounding up 2 lots (20), its MILP 1 lot and 2 units
    (16). Sku 1 needs 0.5 whole units (z, 1 each): relaxation 0.5, rounding and MILP 1."""
    matrix = _matrix(
        [{0: 10.0, 1: 1.0}, {2: 1.0}], [12.0, 0.5], [INF, INF], [10.0, 3.0, 1.0], [100.0, 100.0, 100.0], [0, 2]
    )
    return matrix, np.array([0, 0, 1]), np.array([1.2, 0.0, 0.5])


def test_only_the_skus_whose_rounding_loses_most_get_a_milp():
    matrix, sku, relaxed = _lots_and_units()
    # relaxation 12.5; the rest may lose 5% of it (0.625): sku 1's rounding (loses 0.5) is kept,
    # sku 0's (loses 8) is not
    result = sku_milps(
        matrix,
        SkuBlocks.split(matrix, sku, 1),
        relaxed,
        _no_shared(),
        {"mip_rel_gap": 0.0},
        time.perf_counter() + 60,
        loss_share=0.05,
    )
    assert result.values.tolist() == pytest.approx([1.0, 2.0, 1.0])
    assert (result.solved, result.rounded, result.fractional) == (1, 1, 2)
    assert result.bound_lift == pytest.approx(4.0)


def test_without_a_loss_share_every_fractional_sku_gets_its_milp():
    matrix, sku, relaxed = _lots_and_units()
    result = sku_milps(
        matrix, SkuBlocks.split(matrix, sku, 1), relaxed, _no_shared(), {"mip_rel_gap": 0.0}, time.perf_counter() + 60
    )
    assert result.values.tolist() == pytest.approx([1.0, 2.0, 1.0])
    assert (result.solved, result.rounded) == (2, 0)


def test_a_sku_rounded_on_its_own_takes_the_cheaper_of_placing_or_skipping_its_moq_po():
    # units u (1 each) need an open PO o (MOQ 10, at most 100); a backorder b costs 2 a unit;
    # need 2. The relaxation buys 2 with o = 0.02: placing the PO buys 10 (cost 10), skipping
    # it backorders 2 (cost 4).
    matrix = _matrix(
        [{0: 1.0, 1: -10.0}, {0: 1.0, 1: -100.0}, {0: 1.0, 2: 1.0}],
        [0.0, -INF, 2.0],
        [INF, 0.0, INF],
        [1.0, 0.0, 2.0],
        [100.0, 1.0, 100.0],
        [1],
    )
    relaxed = np.array([2.0, 0.02, 0.0])
    result = sku_milps(
        matrix,
        SkuBlocks.split(matrix, np.zeros(3, dtype=int), 1),
        relaxed,
        _no_shared(),
        {},
        time.perf_counter() + 60,
        loss_share=1.0,
    )
    assert result.values.tolist() == pytest.approx([0.0, 0.0, 2.0])
    assert (result.solved, result.rounded) == (0, 1)


def test_the_skus_losing_most_come_first_and_those_without_a_rounding_before_all():
    rounded = {0: (None, 10.0), 1: (None, 1.0), 2: None, 3: (None, 5.0)}
    assert blocks_module._losing_most(rounded, 2.0) == [2, 0, 3]
    assert blocks_module._losing_most(rounded, 100.0) == [2]


def _two_periods() -> tuple[Matrix, np.ndarray]:
    """A sku needing 2 units in each of two periods. Columns: units u0, u1 (1 each) behind POs
    o0, o1 (MOQ 10, at most 100), stock h carried from period 0 to 1 (0.1), stock e left at the
    end (0.1), backorders b0, b1 (5 each). The relaxation buys 2 in each period with o = 0.02."""
    rows = [
        {0: 1.0, 1: -10.0},
        {0: 1.0, 1: -100.0},
        {2: 1.0, 3: -10.0},
        {2: 1.0, 3: -100.0},
        {0: 1.0, 4: -1.0, 6: 1.0},
        {4: 1.0, 2: 1.0, 5: -1.0, 7: 1.0},
    ]
    matrix = _matrix(
        rows,
        [0.0, -INF, 0.0, -INF, 2.0, 2.0],
        [INF, 0.0, INF, 0.0, 2.0, 2.0],
        [1.0, 0.0, 1.0, 0.0, 0.1, 0.1, 5.0, 5.0],
        [100.0, 1.0, 100.0, 1.0, 100.0, 100.0, 100.0, 100.0],
        [1, 3],
    )
    return matrix, np.array([2.0, 0.02, 2.0, 0.02, 0.0, 0.0, 0.0, 0.0])


def test_a_sku_rounded_by_the_openings_given_takes_the_cheapest_of_them():
    # both POs placed: 20 units bought (22.4); none: 4 units backordered (20); one PO in period 0
    # carrying the need of period 1 (pooled): 10 units (11.4). The rest may lose 10 times the
    # relaxation's cost (4): the roundings stand, no MILP
    matrix, relaxed = _two_periods()
    blocks = SkuBlocks.split(matrix, np.zeros(8, dtype=int), 1)
    alone = sku_milps(matrix, blocks, relaxed, _no_shared(), {}, time.perf_counter() + 60, loss_share=10.0)
    assert alone.values[[6, 7]].tolist() == pytest.approx([2.0, 2.0])
    openings = np.full((2, 8), np.nan)
    openings[:, [1, 3]] = [[1.0, 1.0], [1.0, 0.0]]
    pooled = sku_milps(
        matrix, blocks, relaxed, _no_shared(), {}, time.perf_counter() + 60, loss_share=10.0, openings=openings
    )
    assert pooled.values[[0, 1, 2, 3, 6, 7]].tolist() == pytest.approx([10.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    assert (pooled.solved, pooled.rounded) == (0, 1)
    assert float(matrix.costs @ pooled.values) == pytest.approx(11.4)


def _copies(matrix: Matrix, count: int) -> Matrix:
    """`count` skus, each with `matrix` as its own block."""
    n, _m = len(matrix.costs), len(matrix.row_low)
    starts = np.r_[0, np.cumsum(np.tile(np.diff(matrix.starts), count))].astype(np.int32)
    index = np.concatenate([matrix.index + k * n for k in range(count)]).astype(np.int32)
    integer = np.concatenate([matrix.integer + k * n for k in range(count)]).astype(np.int32)
    return Matrix(
        starts,
        index,
        np.tile(matrix.value, count),
        np.tile(matrix.row_low, count),
        np.tile(matrix.row_up, count),
        np.tile(matrix.costs, count),
        np.tile(matrix.low, count),
        np.tile(matrix.up, count),
        integer,
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_skus_rounded_warm_where_prices_hold_them_match_the_pooled_rounding_by_hand(workers):
    from planner.solve.prices import Capacities, PricedLp

    one, _ = _two_periods()
    matrix, sku = _copies(one, 3), np.repeat(np.arange(3), len(one.costs))
    none = Capacities(np.zeros(1, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0), np.zeros(0), np.zeros(0))
    lp = PricedLp.split(matrix, sku, none, {"threads": 1}, workers)
    relaxed = lp.solve(matrix.low, matrix.up, 1e-9, time.perf_counter() + 60).values
    blocks = SkuBlocks.split(matrix, sku, 1)
    assert lp.rounder(blocks) is not None
    openings = np.full((2, len(matrix.costs)), np.nan)
    for k in range(3):
        openings[:, [8 * k + 1, 8 * k + 3]] = [[1.0, 1.0], [1.0, 0.0]]
    warm = sku_milps(
        matrix,
        blocks,
        relaxed,
        _no_shared(),
        {},
        time.perf_counter() + 60,
        loss_share=10.0,
        openings=openings,
        rounder=lp.rounder(blocks),
    )
    cold = sku_milps(
        matrix, blocks, relaxed, _no_shared(), {}, time.perf_counter() + 60, loss_share=10.0, openings=openings
    )
    # each sku: one PO in period 0 carrying the need of period 1 (11.4; see the test above)
    assert warm.values.tolist() == pytest.approx(cold.values.tolist())
    assert warm.values[:8][[0, 1, 2, 3, 6, 7]].tolist() == pytest.approx([10.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    assert (warm.solved, warm.rounded) == (0, 3)
    assert float(matrix.costs @ warm.values) == pytest.approx(3 * 11.4)


def test_subsets_of_many_skus_in_one_pass_are_each_skus_own_subset():
    one, _ = _two_periods()
    matrix = _copies(one, 3)
    order = np.random.default_rng(0).permutation(len(matrix.costs))  # skus' columns spread out
    position = np.argsort(order).astype(np.int32)
    scattered = Matrix(
        matrix.starts,
        position[matrix.index],
        matrix.value,
        matrix.row_low,
        matrix.row_up,
        matrix.costs[order],
        matrix.low[order],
        matrix.up[order],
        np.sort(position[matrix.integer]),
    )
    sku = np.repeat(np.arange(3), len(one.costs))[order]
    blocks = SkuBlocks.split(scattered, sku, 1)
    together = scattered.subsets(blocks.columns, blocks.rows)
    for mine, rows, part in zip(blocks.columns, blocks.rows, together):
        alone = scattered.subset(mine, rows)
        for name in ("starts", "index", "value", "row_low", "row_up", "costs", "low", "up", "integer"):
            assert getattr(part, name).tolist() == getattr(alone, name).tolist()
        assert len(part.integer) == 2
