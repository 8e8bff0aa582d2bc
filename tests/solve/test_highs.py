"""The HiGHS driver: the time limit of each call on a model HiGHS already ran."""

from __future__ import annotations

import time

import highspy
import numpy as np

from planner.solve.highs import WarmHighs


def _knapsacks(columns: int = 3000, rows: int = 200) -> highspy.Highs:
    """A MILP HiGHS does not close in seconds: random packing rows over integer columns."""
    rng = np.random.default_rng(0)
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.addVars(columns, np.zeros(columns), np.full(columns, 10.0))
    highs.changeColsCost(columns, np.arange(columns, dtype=np.int32), -rng.random(columns))
    for _ in range(rows):
        index = rng.choice(columns, 50, replace=False).astype(np.int32)
        highs.addRow(-highspy.kHighsInf, 30.0, 50, index, rng.random(50) + 0.5)
    return highs


def test_a_milp_after_earlier_runs_gets_its_own_seconds():
    """After 1.5 s of runs on the model, a MILP given 1 s stops after about 1 s (HiGHS's MIP
    solver clocks each run from its start), not 1.5 s later."""
    highs = _knapsacks()
    highs.changeColsIntegrality(3000, np.arange(3000, dtype=np.int32), np.ones(3000, dtype=np.uint8))
    highs.setOptionValue("time_limit", 1.5)
    highs.run()
    assert highs.getRunTime() >= 1.4
    WarmHighs(mip=True, msg=False, timeLimit=1.0)._configure(highs, warm_lp=False)
    started = time.perf_counter()
    highs.run()
    assert time.perf_counter() - started < 2.0
    assert highs.modelStatusToString(highs.getModelStatus()) == "Time limit reached"
