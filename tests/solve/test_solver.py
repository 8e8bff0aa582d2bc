"""Solver outcomes become a typed SolveResult, for both solvers."""

import pulp
import pytest

from planner.config import PlanConfig
from planner.solve.solver import SolveStatus, _cbc_gap, _status_from_pulp, solve

SOLVERS = ["cbc", "highs"]


def small_problem(infeasible=False, integer=False):
    problem = pulp.LpProblem("t", pulp.LpMinimize)
    x = pulp.LpVariable("x", lowBound=0, cat=pulp.LpInteger if integer else pulp.LpContinuous)
    y = pulp.LpVariable("y", lowBound=0)
    problem += 2 * x + 3 * y
    problem += x + y >= 2.5
    if infeasible:
        problem += x + y <= 1
    return problem


@pytest.mark.parametrize("solver", SOLVERS)
def test_optimal_lp(solver):
    result = solve(small_problem(), PlanConfig(solver=solver))
    assert result.status is SolveStatus.OPTIMAL and result.has_solution
    assert result.objective == pytest.approx(5.0)
    assert result.mip_gap is None


@pytest.mark.parametrize("solver", SOLVERS)
def test_optimal_milp_reports_a_gap(solver):
    result = solve(small_problem(integer=True), PlanConfig(solver=solver))
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == pytest.approx(2 * 2 + 3 * 0.5)
    assert result.mip_gap is not None and 0 <= result.mip_gap <= 0.01


@pytest.mark.parametrize("solver", SOLVERS)
def test_infeasible(solver):
    result = solve(small_problem(infeasible=True), PlanConfig(solver=solver))
    assert result.status is SolveStatus.INFEASIBLE and not result.has_solution
    assert result.objective is None


@pytest.mark.parametrize("solver", SOLVERS)
def test_solver_output_never_reaches_stdout(solver, capfd):
    solve(small_problem(integer=True), PlanConfig(solver=solver))
    assert capfd.readouterr().out == ""


def test_time_limit_with_a_solution_is_feasible_and_without_one_is_no_solution():
    assert _status_from_pulp(pulp.LpSolutionIntegerFeasible, stopped=True) is SolveStatus.FEASIBLE
    assert _status_from_pulp(pulp.LpSolutionOptimal, stopped=True) is SolveStatus.FEASIBLE
    assert _status_from_pulp(pulp.LpSolutionNoSolutionFound, stopped=True) is SolveStatus.NO_SOLUTION


def test_an_lp_or_an_infeasible_incumbent_stopped_by_the_time_limit_is_no_plan():
    assert _status_from_pulp(pulp.LpSolutionOptimal, stopped=True, mip=False) is SolveStatus.NO_SOLUTION
    assert (
        _status_from_pulp(pulp.LpSolutionIntegerFeasible, stopped=True, mip=True, primal_feasible=False)
        is SolveStatus.NO_SOLUTION
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_time_limit_on_a_large_lp_gives_no_plan_not_a_half_solved_one(solver):
    problem = pulp.LpProblem("big", pulp.LpMinimize)
    x = [pulp.LpVariable(f"x{i}", lowBound=0) for i in range(4000)]
    problem += pulp.lpSum((i % 7 + 1) * v for i, v in enumerate(x))
    for i in range(0, 3990, 2):
        problem += x[i] + x[i + 1] + x[i + 7] >= 1 + i % 3
    result = solve(problem, PlanConfig(solver=solver, time_limit=1e-9))
    assert result.status in (SolveStatus.NO_SOLUTION, SolveStatus.OPTIMAL)
    assert result.has_solution == (result.status is SolveStatus.OPTIMAL)


def test_cbc_gap_from_its_log():
    assert _cbc_gap("Result - Stopped on time limit\nObjective value: 100\nGap: 0.05\n", SolveStatus.FEASIBLE) == 0.05
    exit_line = "Cbc0011I Exiting as integer gap of 12.5 less than 1e-10 or 1%\nObjective value:   2500\n"
    assert _cbc_gap(exit_line, SolveStatus.OPTIMAL) == pytest.approx(0.005)
    assert _cbc_gap("Result - Optimal solution found\n", SolveStatus.OPTIMAL) == 0.0


def test_highs_runs_with_another_thread_count_in_the_same_process():
    """HiGHS keeps one scheduler per process; a later solve with other threads must still run."""
    for threads in (1, 2, 1):
        result = solve(small_problem(), PlanConfig(solver="highs", threads=threads))
        assert result.status is SolveStatus.OPTIMAL
