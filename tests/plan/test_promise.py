import numpy as np

from planner.plan.promise import fifo_match


def test_fifo_match_splits_demand_over_supply_in_order():
    d, s, q = fifo_match(np.array([5.0, 3.0, 4.0]), np.array([6.0, 4.0]))
    assert list(zip(d.tolist(), s.tolist(), q.tolist())) == [
        (0, 0, 5.0),
        (1, 0, 1.0),
        (1, 1, 2.0),
        (2, 1, 2.0),
        (2, 2, 2.0),
    ]


def test_fifo_match_without_supply_leaves_all_demand_unserved():
    d, s, q = fifo_match(np.array([2.0, 1.0]), np.array([]))
    assert d.tolist() == [0, 1] and s.tolist() == [0, 0] and q.tolist() == [2.0, 1.0]
