"""FrameModel: lazy rows enter the problem only when a solution breaks them."""

from __future__ import annotations

import pandas as pd
import pulp
import pytest

from planner.config import PlanConfig
from planner.model.frame import FrameModel
from planner.solve import solver as solver_module
from planner.solve.solver import solve


def _two_products() -> FrameModel:
    """max x + y / 2 with x <= 5 and y <= 1000 (eager), x + y <= 8 and y <= 2000 (lazy).

    The model without its lazy rows must be bounded, as the planner's is (every queue and stock
    is limited by its balance)."""
    model = FrameModel(pulp.LpProblem("lazy", pulp.LpMinimize))
    index = model.add_variables("make", pd.DataFrame({"product": ["x", "y"]}))
    model.add_cost(index, [-1.0, -0.5])
    terms = index.assign(coef=1.0)
    model.add_rows(
        "x_limit", terms[terms["product"] == "x"].assign(row=0), ["row"], "<=", pd.DataFrame({"row": [0], "rhs": [5.0]})
    )
    model.add_rows(
        "y_bound",
        terms[terms["product"] == "y"].assign(row=0),
        ["row"],
        "<=",
        pd.DataFrame({"row": [0], "rhs": [1000.0]}),
    )
    model.add_rows("both", terms.assign(row=0), ["row"], "<=", pd.DataFrame({"row": [0], "rhs": [8.0]}), lazy=True)
    model.add_rows(
        "y_limit",
        terms[terms["product"] == "y"].assign(row=0),
        ["row"],
        "<=",
        pd.DataFrame({"row": [0], "rhs": [2000.0]}),
        lazy=True,
    )
    model.set_objective()
    return model


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_a_lazy_row_enters_when_broken_and_a_slack_one_never_does(solver):
    model = _two_products()
    result = solve(model.problem, PlanConfig(solver=solver), separate=model.add_violated_rows)
    assert result.objective == pytest.approx(-6.5)
    assert model.values("make")[0] == pytest.approx(5.0)
    assert model.added == [("both", 0)]
    assert model.row_count() == 3
    assert model.lazy["both"].added.tolist() == [True]
    assert model.lazy["y_limit"].added.tolist() == [False]
    if solver == "cbc":  # CBC reads PuLP's constraints: the eager rows first, then the lazy one
        assert _constraint_names(model) == ["x_limit_0", "y_bound_0", "both_0"]


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_a_milp_gets_every_lazy_row_before_it_runs(solver, monkeypatch):
    """A branch and bound re-run for a row its plan broke starts over: the MILP runs once,
    with both lazy rows in."""
    model = _two_products()
    model.integer[:] = True
    runs = []
    run = solver_module._run
    monkeypatch.setattr(solver_module, "_run", lambda *a, **k: runs.append(k["mip"]) or run(*a, **k))
    result = solve(model.problem, PlanConfig(solver=solver), separate=model.add_violated_rows)
    assert result.objective == pytest.approx(-6.5) and runs == [True]
    assert sorted(model.added) == [("both", 0), ("y_limit", 0)] and model.row_count() == 4


def test_highs_never_needs_pulps_objects(monkeypatch):
    """Columns are arrays: a model built and solved with HiGHS makes no PuLP variable (not even
    the dummy PuLP's own solve puts in an empty objective), constraint nor objective."""
    made = []
    init = pulp.LpVariable.__init__
    monkeypatch.setattr(pulp.LpVariable, "__init__", lambda self, *a, **k: made.append(a) or init(self, *a, **k))
    model = _two_products()
    result = solve(model.problem, PlanConfig(solver="highs"), separate=model.add_violated_rows)
    assert made == [] and model.pulp_variables is None and not model.materialized
    assert model.problem.variables() == [] and model.problem.constraints() == []
    assert model.problem.objective is None and result.objective == pytest.approx(-6.5)
    assert model.value.tolist() == pytest.approx([5.0, 3.0])


def test_materialize_gives_pulp_the_objective():
    model = _two_products()
    model.materialize()
    assert {v.name: c for v, c in model.problem.objective.items()} == {"make_0": -1.0, "make_1": -0.5}


def test_materialize_puts_the_eager_rows_ahead_of_the_lazy_ones_once():
    model = _two_products()
    solve(model.problem, PlanConfig(solver="highs"), separate=model.add_violated_rows)
    model.materialize()
    model.materialize()
    assert _constraint_names(model) == ["x_limit_0", "y_bound_0", "both_0"]


def _constraint_names(model: FrameModel) -> list[str]:
    """PuLP's constraints in order, by the names they were added under."""
    names = ["x_limit_0", "y_bound_0", "both_0", "y_limit_0"]
    by_identity = {id(model.problem.get_constraint_by_name(n)): n for n in names}
    return [by_identity[id(c)] for c in model.problem.constraints()]


def test_without_separation_lazy_rows_are_ignored():
    model = _two_products()
    result = solve(model.problem, PlanConfig(solver="highs"))
    assert result.objective == pytest.approx(-505.0)


def test_a_kept_highs_model_gets_each_calls_full_time_limit():
    """HiGHS's time limit runs on a clock that adds up every run of the model kept across calls:
    after a MILP that used its whole second, the next LP must still get its own second."""
    import numpy as np

    from planner.solve.solver import _run

    rng = np.random.default_rng(7)
    model = FrameModel(pulp.LpProblem("market_split", pulp.LpMinimize))
    index = model.add_variables("pick", pd.DataFrame({"item": range(60)}), integer=True, upper=1)
    weights = rng.integers(0, 100, size=(5, 60))
    terms = pd.concat([index.assign(row=r, coef=weights[r]) for r in range(5)])
    rhs = pd.DataFrame({"row": range(5), "rhs": weights.sum(axis=1) // 2})
    model.add_rows("split", terms, ["row"], "==", rhs)
    model.add_cost(index, rng.integers(1, 10, size=60))
    model.set_objective()
    config = PlanConfig(solver="highs", time_limit=1.0)
    hard = _run(model.problem, config, mip=True, time_limit=1.0)
    assert hard.status.value in ("feasible", "no_solution")  # stopped by its limit
    assert model.problem.highs_session.highs.getRunTime() >= 1.0
    relaxed = _run(model.problem, config, mip=False, time_limit=1.0)
    assert relaxed.status.value == "optimal"


def _knapsack() -> FrameModel:
    """max 3a + 4b + 5c + 6d, binary, within weights 2a + 3b + 4c + 5d <= 5: a and b, 7."""
    model = FrameModel(pulp.LpProblem("knapsack", pulp.LpMinimize))
    index = model.add_variables("pick", pd.DataFrame({"item": range(4)}), integer=True, upper=1)
    model.add_rows(
        "weight", index.assign(row=0, coef=[2, 3, 4, 5]), ["row"], "<=", pd.DataFrame({"row": [0], "rhs": [5.0]})
    )
    model.add_cost(index, [-3.0, -4.0, -5.0, -6.0])
    model.set_objective()
    return model


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_a_milp_of_column_arrays_reaches_its_known_optimum(solver):
    model = _knapsack()
    result = solve(model.problem, PlanConfig(solver=solver))
    assert result.status.value == "optimal" and result.objective == pytest.approx(-7.0)
    assert model.values("pick").tolist() == pytest.approx([1.0, 1.0, 0.0, 0.0])


def test_cbc_gets_pulp_variables_made_from_the_arrays_under_their_names():
    model = _knapsack()
    solve(model.problem, PlanConfig(solver="cbc"))
    variables = model.pulp_variables
    assert [v.name for v in variables] == ["pick_0", "pick_1", "pick_2", "pick_3"]
    assert {(v.cat, v.lowBound, v.upBound) for v in variables} == {(pulp.LpInteger, 0.0, 1.0)}
    assert [v.varValue for v in variables] == pytest.approx(model.value.tolist())


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_a_repair_fixes_columns_for_its_solve_and_restores_their_bounds_and_values(solver):
    """y fixed at 1: x = 5, cost -5.5; afterwards the bounds are free again, in the arrays and
    in what the solver gets, and the kept values come back."""
    from planner.solve.solver import _run, _with_fixed

    model = _two_products()
    config = PlanConfig(solver=solver)
    solve(model.problem, config, separate=model.add_violated_rows)
    kept = model.solution()
    fixed = _with_fixed(model, {1: 1.0}, lambda: _run(model.problem, config, mip=False))
    assert fixed.objective == pytest.approx(-5.5)
    assert model.values("make").tolist() == pytest.approx([5.0, 1.0])
    assert model.lower.tolist() == [0.0, 0.0] and model.upper.tolist() == [float("inf")] * 2
    model.set_solution(kept)
    assert model.values("make").tolist() == pytest.approx([5.0, 3.0])
    again = _run(model.problem, config, mip=False)
    assert again.objective == pytest.approx(-6.5)
    if solver == "cbc":
        assert [(v.lowBound, v.upBound) for v in model.pulp_variables] == [(0.0, None), (0.0, None)]
