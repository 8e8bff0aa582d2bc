"""The `planner` command line as a user and a CI pipeline see it: exit codes, messages, outputs."""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

import planner.data.load
import planner.pipeline
import planner.report.outputs
from planner.cli import main
from planner.data.files import MARKER, write_folder
from planner.report.outputs import FORECAST_COLUMNS
from planner.solve.solver import SolveResult, SolveStatus


def run(*args) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def leftovers(out: Path) -> list[str]:
    """Staging or retired folders (`.OUT.*`) left beside an output folder."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def assert_nothing_written(out: Path) -> None:
    assert not out.exists(), sorted(p.name for p in out.iterdir())
    assert leftovers(out) == []


@pytest.fixture
def out(tmp_path) -> Path:
    return tmp_path / "out"


# ---------------------------------------------------------------- help and validate


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output and command in result.output
    assert main.commands[command].help, f"{command} has no docstring"


def test_the_group_has_help():
    result = run("--help")
    assert result.exit_code == 0, result.output
    for command in main.commands:
        assert command in result.output


def test_validate_prints_the_summary_of_a_valid_dataset(dataset_folder):
    result = run("validate", dataset_folder.path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"{dataset_folder.path}: valid"
    assert "  skus: 2" in result.stdout
    assert "  open_order_lines: 2" in result.stdout


def test_validate_json_is_parseable(dataset_folder):
    result = run("validate", dataset_folder.path, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["skus"] == 2 and summary["fcs"] == 2
    assert summary["history_last"] == "2024-01-22"


def test_validate_reports_every_problem_and_exits_2(dataset_folder):
    dataset_folder.replace("skus", "A,10", "A,ten")
    dataset_folder.remove("inventory")
    result = run("validate", dataset_folder.path)
    assert result.exit_code == 2, result.output
    assert "skus.csv, line 2, column 'unit_cost'" in result.stderr
    assert "inventory.csv" in result.stderr
    assert "2 problem(s)" in result.stderr
    assert result.stdout == ""


def test_validate_of_a_missing_folder_exits_2(tmp_path):
    result = run("validate", tmp_path / "nowhere")
    assert result.exit_code == 2, result.output
    assert "dataset folder not found" in result.stderr


# ---------------------------------------------------------------- bad input never writes

BAD_INPUT = {
    # rule family: (break the tiny dataset, the location the message must name)
    "missing required file": (lambda d: d.remove("inventory"), "inventory.csv"),
    "missing column": (
        lambda d: d.replace("skus", "sku,unit_cost", "sku,cost"),
        "skus.csv, line 1, column 'unit_cost'",
    ),
    "unparsable number": (lambda d: d.replace("skus", "A,10", "A,ten"), "skus.csv, line 2, column 'unit_cost'"),
    "unparsable date": (
        lambda d: d.replace("demand_history", "2024-01-08,A", "08/01/2024,A"),
        "demand_history.csv, line 4, column 'date'",
    ),
    "negative quantity": (
        lambda d: d.replace("inventory", "FC1,A,50", "FC1,A,-3"),
        "inventory.csv, line 2, column 'on_hand'",
    ),
    "duplicate key": (lambda d: d.append("skus", "A,3,,again\n"), "skus.csv, line 4, column 'sku'"),
    "unknown sku": (
        lambda d: d.replace("open_orders", "O1,A,north", "O1,Z,north"),
        "open_orders.csv, line 2, column 'sku'",
    ),
    "unknown fc": (lambda d: d.replace("inventory", "FC1,A,50", "FC9,A,50"), "inventory.csv, line 2, column 'fc'"),
    "unserved region": (
        lambda d: d.replace("open_orders", "O1,A,north", "O1,A,west"),
        "open_orders.csv, line 2, column 'region'",
    ),
    "lot_size 0": (
        lambda d: d.replace("supplier_items", "100,10", "100,0"),
        "supplier_items.csv, line 2, column 'lot_size'",
    ),
    "self transfer lane": (
        lambda d: d.replace("transfer_lanes", "FC1,FC2", "FC1,FC1"),
        "transfer_lanes.csv, line 2, column 'to_fc'",
    ),
    "service level of 1": (
        lambda d: d.write("skus", "sku,unit_cost,service_level\nA,10,0.99\nB,5,1\n"),
        "skus.csv, line 3, column 'service_level'",
    ),
    "negative lead time spread": (
        lambda d: d.replace(
            "supplier_items",
            "lead_time_days,moq,lot_size\nS1,A,FC1,8,14,100,10",
            "lead_time_days,moq,lot_size,lead_time_std_days\nS1,A,FC1,8,14,100,10,-1",
        ),
        "supplier_items.csv, line 2, column 'lead_time_std_days'",
    ),
    "due before order date": (
        lambda d: d.replace("open_orders", "2024-01-20,2024-01-25", "2024-01-20,2024-01-10"),
        "open_orders.csv, line 2, column 'due_date'",
    ),
}


@pytest.mark.parametrize("rule", list(BAD_INPUT))
def test_bad_input_exits_2_names_the_place_and_writes_nothing(dataset_folder, out, rule):
    breaks, where = BAD_INPUT[rule]
    breaks(dataset_folder)
    result = run("plan", dataset_folder.path, "--out", out)
    assert result.exit_code == 2, result.output
    assert where in result.stderr
    assert "nothing was written" in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert_nothing_written(out)


def test_an_existing_plan_survives_a_run_on_bad_input(dataset_folder, out):
    write_folder(out, {"marker.txt": b"last week's plan"})
    before = snapshot(out)
    dataset_folder.replace("skus", "A,10", "A,ten")
    result = run("plan", dataset_folder.path, "--out", out)
    assert result.exit_code == 2, result.output
    assert snapshot(out) == before
    assert leftovers(out) == []


# ---------------------------------------------------------------- the model file


@pytest.mark.parametrize(
    "toml, named",
    [
        ("[plan]\nhorizonn = 3\n", "horizonn"),
        ("[planning]\nhorizon = 3\n", "[planning]"),
        ("[service]\nservice_level = 2\n", "service_level"),
        ("[plan]\nhorizon = 0\n", "horizon"),
        ('[plan]\nhorizon = "ten"\n', "horizon"),
        ('[plan]\nperiod = "fortnight"\n', "period"),
        ('[solver]\nname = "gurobi"\n', "solver"),
        ("[solver]\nmip_gap = -0.1\n", "mip_gap"),
        ("[service]\npriority_weights = { 1 = -5 }\n", "priority_weights"),
        ("[costs]\nend_stock_value = 1.5\n", "end_stock_value"),
        ("[plan\nhorizon = 3\n", "not valid TOML"),
        ("[plan]\nhorizon = 2.5\n", "horizon"),
        ('[solver]\nrelax = "false"\n', "relax"),
        ("[service.segments]\nlevels = { AX = 0.99 }\n", "no level for AY"),
        ("[service.segments]\nx_cv = -1\n", "x_cv"),
    ],
)
def test_bad_model_file_exits_2_naming_the_key(dataset_folder, out, tmp_path, toml, named):
    model = tmp_path / "model.toml"
    model.write_text(toml)
    result = run("plan", dataset_folder.path, "--out", out, "--model", model)
    assert result.exit_code == 2, result.output
    assert named in result.stderr
    assert "Traceback" not in result.output
    assert_nothing_written(out)


def test_a_missing_model_file_exits_2(dataset_folder, out, tmp_path):
    result = run("plan", dataset_folder.path, "--out", out, "--model", tmp_path / "nope.toml")
    assert result.exit_code == 2, result.output
    assert "model file not found" in result.stderr


def test_bad_option_value_is_a_usage_error(dataset_folder, out):
    result = run("plan", dataset_folder.path, "--out", out, "--solver", "gurobi")
    assert result.exit_code == 2, result.output
    assert_nothing_written(out)


# ---------------------------------------------------------------- solving and exit codes


def test_plan_with_highs_writes_a_plan(dataset_folder, out):
    result = run(
        "plan", dataset_folder.path, "--out", out, "--solver", "highs", "--highs-method", "ipm", "--threads", "1"
    )
    assert result.exit_code == 0, result.output
    assert f"written to {out}" in result.stdout
    kpis = json.loads((out / "kpis.json").read_text())
    assert kpis["solver"]["name"] == "highs"
    assert kpis["solver"]["status"] == "optimal"
    assert {
        "purchase_orders.csv",
        "transfers.csv",
        "order_plan.csv",
        "inventory_projection.csv",
        "forecast.csv",
        "kpis.json",
    } <= set(snapshot(out))
    assert leftovers(out) == []


def test_json_prints_the_kpis_and_nothing_else_on_stdout(dataset_folder, out):
    write_folder(out, {"stale.txt": b"last week"})
    result = run("plan", dataset_folder.path, "--out", out, "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)  # fails if anything else is on stdout
    assert printed == json.loads((out / "kpis.json").read_text())
    assert printed["solver"]["name"] == "highs"
    assert not (out / "stale.txt").exists(), "the output folder is replaced as a whole"
    assert leftovers(out) == []


def no_solution(problem, config, **options):
    return SolveResult(SolveStatus.NO_SOLUTION, config.solver, None, None, 0.1, "stopped on time")


def test_no_solution_exits_3_and_writes_nothing(dataset_folder, out, monkeypatch):
    monkeypatch.setattr(planner.pipeline, "solve", no_solution)
    result = run("plan", dataset_folder.path, "--out", out)
    assert result.exit_code == 3, result.output
    assert "no plan" in result.stderr and "no_solution" in result.stderr
    assert result.stdout == ""
    assert_nothing_written(out)


def test_a_time_limit_with_a_feasible_plan_writes_it_and_reports_the_gap(dataset_folder, out, monkeypatch):
    real = planner.pipeline.solve

    def stopped_with_a_plan(problem, config, **options):
        found = real(problem, config, **options)
        return replace(found, status=SolveStatus.FEASIBLE, mip_gap=0.05, message="Time limit reached")

    monkeypatch.setattr(planner.pipeline, "solve", stopped_with_a_plan)
    result = run("plan", dataset_folder.path, "--out", out, "--json")
    assert result.exit_code == 0, result.output
    solver = json.loads((out / "kpis.json").read_text())["solver"]
    assert (solver["status"], solver["mip_gap"], solver["message"]) == ("feasible", 0.05, "Time limit reached")
    assert "purchase_orders.csv" in snapshot(out)


def test_no_solution_keeps_the_previous_plan(dataset_folder, out, monkeypatch):
    write_folder(out, {"marker.txt": b"last week's plan"})
    before = snapshot(out)
    monkeypatch.setattr(planner.pipeline, "solve", no_solution)
    result = run("plan", dataset_folder.path, "--out", out)
    assert result.exit_code == 3, result.output
    assert snapshot(out) == before


def test_an_unexpected_error_exits_1_with_one_line_and_no_traceback(dataset_folder, out, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(planner.pipeline, "build_model", explode)
    result = run("plan", dataset_folder.path, "--out", out)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: unexpected RuntimeError: boom")
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert_nothing_written(out)


def test_out_that_is_a_file_exits_2_and_is_left_alone(dataset_folder, out, monkeypatch):
    """Only the writing step is under test: the plan itself is stubbed out."""
    out.write_text("not a folder")
    monkeypatch.setattr(planner.pipeline, "run_plan", lambda *a, **k: SimpleNamespace(kpis={}))
    monkeypatch.setattr(planner.report.outputs, "plan_files", lambda run: {"kpis.json": b"{}\n"})
    result = run("plan", dataset_folder.path, "--out", out)
    assert result.exit_code == 2, result.output
    assert "not a folder" in result.stderr
    assert out.read_text() == "not a folder"
    assert leftovers(out) == []


# ---------------------------------------------------------------- generate and forecast


def test_generate_writes_a_valid_dataset_and_refuses_a_non_empty_folder(tmp_path):
    target = tmp_path / "generated"
    result = run("generate", target, "--skus", 5, "--fcs", 2, "--seed", 3)
    assert result.exit_code == 0, result.output
    checked = run("validate", target)
    assert checked.exit_code == 0, checked.output
    assert "  skus: 5" in checked.stdout and "  fcs: 2" in checked.stdout
    before = snapshot(target)
    again = run("generate", target, "--skus", 5, "--fcs", 2, "--seed", 4)
    assert again.exit_code == 2, again.output
    assert "not empty" in again.stderr
    assert snapshot(target) == before


def test_forecast_writes_the_contract_columns(dataset_folder, out):
    result = run("forecast", dataset_folder.path, "--out", out)
    assert result.exit_code == 0, result.output
    assert set(snapshot(out)) == {"forecast.csv", "forecast_metrics.csv", "kpis.json", MARKER}
    forecast = pd.read_csv(out / "forecast.csv")
    assert list(forecast.columns[: len(FORECAST_COLUMNS)]) == [
        "sku",
        "region",
        "period_start",
        "forecast",
        "lower",
        "upper",
        "model",
    ]
    assert sorted(set(zip(forecast["sku"], forecast["region"]))) == [("A", "north"), ("B", "south")]
    assert len(forecast) == 2 * 13
    assert (forecast["period_start"].str.match(r"^\d{4}-\d{2}-\d{2}$")).all()
    assert (forecast["lower"] <= forecast["forecast"] + 1e-9).all()
    assert (forecast["forecast"] <= forecast["upper"] + 1e-9).all()
    assert list(forecast.columns[-2:]) == ["segment", "service_level"]
    assert forecast["segment"].isna().all() and forecast["service_level"].eq(0.95).all()
    assert leftovers(out) == []


def test_forecast_and_plan_show_each_skus_segment_and_service_level(dataset_folder, out, tmp_path):
    """A holds most of the value: with A and B closed at half of it, A is A and B is C; both
    forecasts have some error, and no error is X or Y here (Z). B's level comes from skus.csv."""
    dataset_folder.replace(
        "skus",
        "description\nA,10,0.01,Widget\nB,5,,Gadget",
        "description,service_level\nA,10,0.01,Widget,\nB,5,,Gadget,0.8",
    )
    model = tmp_path / "model.toml"
    model.write_text("[service.segments]\na_share = 0.5\nb_share = 0.5\nx_cv = 0\ny_cv = 0\n")
    for command in ("forecast", "plan"):
        folder = out / command
        result = run(command, dataset_folder.path, "--out", folder, "--model", model)
        assert result.exit_code == 0, result.output
        forecast = pd.read_csv(folder / "forecast.csv").drop_duplicates("sku").set_index("sku")
        assert forecast["segment"].to_dict() == {"A": "AZ", "B": "CZ"}, command
        assert forecast["service_level"].to_dict() == {"A": 0.96, "B": 0.8}, command
    segments = json.loads((out / "plan" / "kpis.json").read_text())["service"]["by_segment"]
    assert {name: block["skus"] for name, block in segments.items()} == {"AZ": 1, "CZ": 1}
    assert segments["CZ"]["service_level_min"] == 0.8


def test_forecast_without_skus_csv_leaves_the_service_columns_out(dataset_folder, out):
    dataset_folder.remove("skus")
    result = run("forecast", dataset_folder.path, "--out", out)
    assert result.exit_code == 0, result.output
    assert "segment" not in pd.read_csv(out / "forecast.csv").columns


# ---------------------------------------------------------------- KPI gates


def test_a_tripped_gate_exits_4_after_writing_a_plan_that_follows_the_kpi_schema(dataset_folder, out):
    from planner.report.kpi_schema import missing, undocumented

    result = run(
        "plan", dataset_folder.path, "--out", out, "--fail-on", "fill_rate<=1", "--fail-on", "backorder_units>0"
    )
    assert result.exit_code == 4, result.output
    assert "gate tripped: fill_rate<=1: service.fill_rate = 1" in result.stderr
    assert "backorder_units>0" not in result.stderr
    assert f"written to {out}" in result.stdout
    kpis = json.loads((out / "kpis.json").read_text())
    assert (undocumented(kpis), missing(kpis)) == ([], [])
    assert leftovers(out) == []


def test_gates_that_hold_exit_0(dataset_folder, out):
    result = run(
        "plan",
        dataset_folder.path,
        "--out",
        out,
        "--fail-on",
        "fill_rate<0.5",
        "--fail-on",
        "capacity.*.outbound_utilization_peak>1",
    )
    assert result.exit_code == 0, result.output
    assert "gate" not in result.stderr


def test_an_unreadable_gate_exits_2_before_solving(dataset_folder, out, monkeypatch):
    monkeypatch.setattr(planner.pipeline, "run_plan", lambda *a, **k: pytest.fail("solved anyway"))
    result = run("plan", dataset_folder.path, "--out", out, "--fail-on", "fillrate<0.95")
    assert result.exit_code == 2, result.output
    assert "unknown metric 'fillrate'" in result.stderr


# ---------------------------------------------------------------- simulate


def test_simulate_compares_the_policies_and_writes_its_files(dataset_folder, out):
    result = run("simulate", dataset_folder.path, "--out", out, "--weeks", 2, "--solver", "highs")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        MARKER,
        "simulation.csv",
        "simulation.html",
        "simulation_summary.csv",
    ]
    header = result.stdout.splitlines()[0].split()
    assert header == ["lp", "minmax", "order-up-to"]
    weekly = pd.read_csv(out / "simulation.csv")
    assert weekly.groupby("policy").size().to_dict() == {"lp": 2, "minmax": 2, "order-up-to": 2}
    assert "data:image/png;base64," in (out / "simulation.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--weeks", 9], "no history is left"),
        (["--supplier-delay", "NOBODY=7"], "no supplier 'NOBODY'"),
        (["--policy", "lp,guess"], "guess"),
    ],
)
def test_simulate_refuses_what_it_cannot_replay_with_exit_2(dataset_folder, out, args, message):
    result = run("simulate", dataset_folder.path, "--out", out, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert_nothing_written(out)


# ---------------------------------------------------------------- explain


def test_explain_tells_the_story_from_the_plan_it_wrote(dataset_folder, out):
    assert run("plan", dataset_folder.path, "--out", out).exit_code == 0
    told = run("explain", out, "--order", "O1")
    assert told.exit_code == 0, told.output
    assert told.stdout.startswith("order O1 (priority 1, region north, due 2024-01-25)\n  A, 2 units: ")
    assert "    why: " in told.stdout
    sku = run("explain", out, "--sku", "B")
    assert sku.exit_code == 0, sku.output
    assert sku.stdout.startswith("sku B\n  stock by FC:\n") and "    FC2: 20 on hand now" in sku.stdout


def test_a_plan_with_previous_keeps_the_released_pos_firm(dataset_folder, out, tmp_path):
    first = tmp_path / "last_week"
    assert run("plan", dataset_folder.path, "--out", first).exit_code == 0
    released = pd.read_csv(first / "purchase_orders.csv").query("action == 'release'")
    assert len(released) > 0
    result = run("plan", dataset_folder.path, "--out", out, "--previous", first)
    assert result.exit_code == 0, result.output
    changes = json.loads(run("diff", first, out, "--json").stdout)["purchase_orders"]
    assert len(changes["placed"]) == len(released)  # open POs of the new plan (open_purchase_orders.csv)
    assert run("plan", dataset_folder.path, "--out", out, "--previous", tmp_path / "nowhere").exit_code == 2


def test_a_dataset_without_open_orders_gets_a_plan(dataset_folder, out):
    dataset_folder.remove("open_orders")
    result = run("plan", dataset_folder.path, "--out", out)
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out / "order_plan.csv").empty


# ---------------------------------------------------------------- horizon, periods and start warnings


def test_a_horizon_shorter_than_the_lead_times_warns_on_stderr_and_in_kpis_and_exits_0(dataset_folder, out):
    result = run("plan", dataset_folder.path, "--out", out, "--horizon", "3", "--json")
    assert result.exit_code == 0, result.output
    warning = (
        "the horizon of 3 weeks (21 days) from 2024-01-23 is shorter than the longest supplier lead time plus "
        "4 weeks (21 + 28 = 49 days): 1 of 2 supplier items (lead times 21 days) cannot deliver inside it and "
        "are never used; plan at least 7 weeks (--horizon 7) or leave the horizon to the default"
    )
    assert result.stderr.splitlines() == [f"warning: {warning}"]
    kpis = json.loads(result.stdout)  # the warning stays off stdout
    assert kpis["warnings"] == [warning] and kpis["plan"]["horizon"] == 3
    assert json.loads((out / "kpis.json").read_text())["warnings"] == [warning]


@pytest.mark.parametrize(
    "period, horizon, first_starts",
    [
        ("week", 16, ["2024-01-23", "2024-01-30"]),  # 112 days
        ("day", 112, ["2024-01-23", "2024-01-24"]),
        ("month", 5, ["2024-01-23", "2024-02-01", "2024-03-01"]),  # 9 + 29 + 31 + 30 + 31 = 130 days
    ],
)
def test_the_default_horizon_covers_the_longest_lead_time_plus_4_weeks_whatever_the_period(
    dataset_folder, out, period, horizon, first_starts
):
    dataset_folder.replace("supplier_items", "S2,B,*,4,21", "S2,B,*,4,84")
    result = run("plan", dataset_folder.path, "--out", out, "--period", period)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    kpis = json.loads((out / "kpis.json").read_text())
    assert (kpis["plan"]["horizon"], kpis["warnings"]) == (horizon, [])
    starts = sorted(pd.read_csv(out / "inventory_projection.csv")["period_start"].unique())
    assert starts[: len(first_starts)] == first_starts and len(starts) == horizon
    assert (pd.read_csv(out / "purchase_orders.csv")["supplier"] == "S2").any(), "the 84-day supplier is used"


def test_a_short_horizon_in_the_model_file_warns_too(dataset_folder, out, tmp_path):
    model = tmp_path / "model.toml"
    model.write_text('[plan]\nperiod = "day"\nhorizon = 13\n')
    result = run("plan", dataset_folder.path, "--out", out, "--model", model)
    assert result.exit_code == 0, result.output
    assert "warning: the horizon of 13 days from 2024-01-23 is shorter" in result.stderr
    assert "2 of 2 supplier items (lead times 14-21 days) cannot deliver inside it" in result.stderr


@pytest.mark.parametrize(
    "command, start, period, named",
    [
        (
            "plan",
            "2024-01-15",
            "week",
            "before the demand history ends (2024-01-22): the forecast leaves out the 8 days",
        ),
        ("forecast", "2024-01-22", "week", "before the demand history ends (2024-01-22)"),
        ("forecast", "2024-01-30", "week", "8 days after the demand history ends (2024-01-22), more than one week"),
        ("forecast", "2024-01-25", "day", "3 days after the demand history ends (2024-01-22), more than one day"),
        ("forecast", "2024-03-01", "month", "39 days after the demand history ends (2024-01-22), more than one month"),
    ],
)
def test_a_start_outside_the_history_is_named_in_a_warning(dataset_folder, out, command, start, period, named):
    result = run(command, dataset_folder.path, "--out", out, "--start", start, "--period", period)
    assert result.exit_code == 0, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"warning: the plan starts on {start}, ") and named in line
    assert json.loads((out / "kpis.json").read_text())["warnings"] == [line.removeprefix("warning: ")]


@pytest.mark.parametrize("start, period", [("2024-01-23", "week"), ("2024-01-29", "week"), ("2024-02-22", "month")])
def test_a_start_up_to_one_period_after_the_history_gives_no_warning(dataset_folder, out, start, period):
    result = run("forecast", dataset_folder.path, "--out", out, "--start", start, "--period", period)
    assert result.exit_code == 0, result.output
    assert result.stderr == "" and json.loads((out / "kpis.json").read_text())["warnings"] == []


# ---------------------------------------------------------------- --out: what may be replaced

OUT_COMMANDS = {"plan": [], "forecast": [], "simulate": ["--weeks", 2]}


def no_work(monkeypatch):
    """Refusals of --out come before any work: loading the dataset fails the test."""
    monkeypatch.setattr(planner.data.load, "load_dataset", lambda *a, **k: pytest.fail("loaded the dataset"))


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
@pytest.mark.parametrize("command", sorted(OUT_COMMANDS))
def test_out_naming_the_dataset_or_a_folder_holding_it_exits_2_before_any_work(
    dataset_folder, tmp_path, monkeypatch, command, overwrite
):
    before = snapshot(dataset_folder.path)
    no_work(monkeypatch)
    for out in (dataset_folder.path, tmp_path):
        result = run(command, dataset_folder.path, "--out", out, *OUT_COMMANDS[command], *overwrite)
        assert result.exit_code == 2, result.output
        assert (
            f"error: {out} {'is' if out == dataset_folder.path else 'holds'} {dataset_folder.path}, which this run reads"
            in result.stderr
        )
    assert snapshot(dataset_folder.path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset"]


@pytest.mark.parametrize("command", sorted(OUT_COMMANDS))
def test_out_holding_a_users_files_exits_2_naming_overwrite(dataset_folder, tmp_path, monkeypatch, command):
    notes = tmp_path / "notes"
    (notes / "sub").mkdir(parents=True)
    (notes / "ideas.txt").write_text("mine")
    (notes / "sub" / "deep.txt").write_text("mine too")
    no_work(monkeypatch)
    result = run(command, dataset_folder.path, "--out", notes, *OUT_COMMANDS[command])
    assert result.exit_code == 2, result.output
    assert f"{notes} holds files this planner did not write (ideas.txt, sub/)" in result.stderr
    assert "--overwrite" in result.stderr
    assert (notes / "ideas.txt").read_text() == "mine" and (notes / "sub" / "deep.txt").read_text() == "mine too"
    assert leftovers(notes) == []


def test_overwrite_replaces_a_users_folder_with_the_plan(dataset_folder, tmp_path):
    notes = tmp_path / "notes"
    (notes / "sub").mkdir(parents=True)
    (notes / "ideas.txt").write_text("mine")
    result = run("plan", dataset_folder.path, "--out", notes, "--overwrite")
    assert result.exit_code == 0, result.output
    assert {"purchase_orders.csv", "kpis.json", MARKER} <= set(snapshot(notes))
    assert not (notes / "ideas.txt").exists() and not (notes / "sub").exists()
    assert leftovers(notes) == []


def test_a_plan_folder_is_replaced_by_next_weeks_plan_read_from_it(dataset_folder, out):
    assert run("plan", dataset_folder.path, "--out", out).exit_code == 0
    first = snapshot(out)
    result = run("plan", dataset_folder.path, "--out", out, "--previous", out)
    assert result.exit_code == 0, result.output
    assert set(snapshot(out)) == set(first)
    assert leftovers(out) == []


def test_the_same_input_writes_the_same_bytes_marker_included(dataset_folder, tmp_path):
    for name in ("one", "two"):
        assert run("forecast", dataset_folder.path, "--out", tmp_path / name).exit_code == 0
    one, two = snapshot(tmp_path / "one"), snapshot(tmp_path / "two")
    assert one[MARKER] == two[MARKER] and one["forecast.csv"] == two["forecast.csv"]


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
def test_out_dot_in_an_empty_current_folder_exits_2_cleanly(dataset_folder, tmp_path, monkeypatch, overwrite):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    no_work(monkeypatch)
    result = run("plan", dataset_folder.path, "--out", ".", *overwrite)
    assert result.exit_code == 2, result.output
    assert "error: . is the current folder" in result.stderr and "--out plan" in result.stderr
    assert list(here.iterdir()) == [] and leftovers(here) == []


def test_out_that_is_a_file_exits_2_before_any_work(dataset_folder, out, monkeypatch):
    out.write_text("not a folder")
    no_work(monkeypatch)
    result = run("forecast", dataset_folder.path, "--out", out, "--overwrite")
    assert result.exit_code == 2, result.output
    assert f"error: {out} exists and is not a folder" in result.stderr
    assert out.read_text() == "not a folder"


def test_out_holding_the_model_file_exits_2_even_with_overwrite(dataset_folder, tmp_path, monkeypatch):
    model = tmp_path / "models" / "mine.toml"
    model.parent.mkdir()
    model.write_text("[plan]\nhorizon = 3\n")
    no_work(monkeypatch)
    result = run("plan", dataset_folder.path, "--out", model.parent, "--model", model, "--overwrite")
    assert result.exit_code == 2, result.output
    assert f"holds {model}, which this run reads" in result.stderr
    assert model.read_text() == "[plan]\nhorizon = 3\n"


def test_generate_keeps_its_overwrite_and_writes_no_marker(tmp_path, monkeypatch):
    target = tmp_path / "generated"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    refused = run("generate", target, "--skus", 3, "--fcs", 1)
    assert refused.exit_code == 2, refused.output
    assert "not empty (notes.txt)" in refused.stderr and "--overwrite" in refused.stderr
    assert snapshot(target) == {"notes.txt": b"mine"}
    result = run("generate", target, "--skus", 3, "--fcs", 1, "--overwrite")
    assert result.exit_code == 0, result.output
    assert "skus.csv" in snapshot(target) and MARKER not in snapshot(target) and "notes.txt" not in snapshot(target)
    monkeypatch.chdir(target)
    here = run("generate", ".", "--skus", 3, "--fcs", 1, "--overwrite")
    assert here.exit_code == 2 and "current folder" in here.stderr
    assert leftovers(target) == []


# ---------------------------------------------------------------- data safety: what a planner types, the CLI takes or names

SAFETY_BAD_INPUT = {
    # case: (break the tiny dataset, the place the message names, what it says)
    "stray future history row": (
        lambda d: d.append("demand_history", "2030-01-01,A,north,5\n"),
        "demand_history.csv, line 10, column 'date'",
        "would start on 2030-01-02",
    ),
    "a column named twice": (
        lambda d: d.write("inventory", "fc,sku,on_hand,on_hand\nFC1,A,0,999\nFC2,B,20,20\n"),
        "inventory.csv, line 1, column 'on_hand'",
        "2 times",
    ),
    "control character in a sku": (
        lambda d: d.replace("skus", "B,5", "B\x07,5"),
        "skus.csv, line 3, column 'sku'",
        "control character U+0007",
    ),
    "lead time 100000 days": (
        lambda d: d.replace("supplier_items", "S1,A,FC1,8,14", "S1,A,FC1,8,100000"),
        "supplier_items.csv, line 2, column 'lead_time_days'",
        "above 730 days",
    ),
    "history date in 2262": (
        lambda d: d.append("demand_history", "2262-04-01,A,north,5\n"),
        "demand_history.csv, line 10, column 'date'",
        "outside the dates the planner supports",
    ),
    "date 9999-12-31": (
        lambda d: d.replace("inbound", "2024-02-10", "9999-12-31"),
        "inbound.csv, line 2, column 'eta'",
        "outside the dates the planner supports",
    ),
    "on_hand 1e308": (
        lambda d: d.replace("inventory", "FC1,A,50", "FC1,A,1e308"),
        "inventory.csv, line 2, column 'on_hand'",
        "above 1,000,000,000 units",
    ),
    "history quantity 1e308": (
        lambda d: d.replace("demand_history", "2024-01-22,A,north,8", "2024-01-22,A,north,1e308"),
        "demand_history.csv, line 8, column 'quantity'",
        "above 1,000,000,000 units",
    ),
    "unit_price 1e308": (
        lambda d: d.replace("supplier_items", "S1,A,FC1,8,", "S1,A,FC1,1e308,"),
        "supplier_items.csv, line 2, column 'unit_price'",
        "above 1,000,000,000 currency/unit",
    ),
    "a folder named skus.csv": (
        lambda d: (d.remove("skus"), d.file("skus").mkdir()),
        "skus.csv: is a folder, not a file",
        "rename the folder",
    ),
}


@pytest.mark.parametrize("case", list(SAFETY_BAD_INPUT))
def test_unsafe_input_exits_2_naming_the_cell_in_validate_and_plan(dataset_folder, out, case):
    breaks, where, says = SAFETY_BAD_INPUT[case]
    breaks(dataset_folder)
    checked = run("validate", dataset_folder.path)
    assert checked.exit_code == 2, checked.output
    assert f"{where}" in checked.stderr and says in checked.stderr
    planned = run("plan", dataset_folder.path, "--out", out)
    assert planned.exit_code == 2, planned.output
    assert where in planned.stderr and "nothing was written" in planned.stderr
    assert "unexpected" not in planned.output and "Traceback" not in planned.output
    assert_nothing_written(out)


def test_a_repeated_inbound_line_is_planned_once_and_noted(dataset_folder, out):
    dataset_folder.append("inbound", "FC1,A,100,2024-02-10,S1,PO1\n")
    checked = run("validate", dataset_folder.path, "--json")
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["inbound_pos"] == 1
    assert (
        "note: inbound.csv: 1 line repeats an earlier line" in checked.stderr and "line 3 (= line 2" in checked.stderr
    )
    planned = run("plan", dataset_folder.path, "--out", out)
    assert planned.exit_code == 0, planned.output
    assert pd.read_csv(out / "open_purchase_orders.csv")["quantity"].sum() == 100


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads a chmod 000 file")
def test_an_unreadable_file_exits_2_with_its_path(dataset_folder):
    dataset_folder.file("skus").chmod(0)
    try:
        result = run("validate", dataset_folder.path)
    finally:
        dataset_folder.file("skus").chmod(0o644)
    assert result.exit_code == 2, result.output
    assert "permission denied" in result.stderr and str(dataset_folder.file("skus").resolve()) in result.stderr


def test_a_file_the_system_refuses_to_open_exits_2_with_its_path(dataset_folder, monkeypatch):
    skus, real_open = str(dataset_folder.file("skus")), open

    def refusing_open(file, *args, **kwargs):
        if str(file) == skus:
            raise PermissionError(13, "Permission denied", skus)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refusing_open)
    result = run("validate", dataset_folder.path)
    assert result.exit_code == 2, result.output
    assert "skus.csv: cannot be read: permission denied" in result.stderr and "chmod a+r" in result.stderr


def test_validate_json_prints_every_problem_on_stdout_and_exits_2(dataset_folder):
    dataset_folder.replace("skus", "A,10", "A,ten")
    dataset_folder.remove("inventory")
    result = run("validate", dataset_folder.path, "--json")
    assert result.exit_code == 2, result.output
    printed = json.loads(result.stdout)
    assert printed["valid"] is False
    assert printed["problems"] == [
        {"file": "inventory.csv", "line": None, "column": None, "message": printed["problems"][0]["message"]},
        {"file": "skus.csv", "line": 2, "column": "unit_cost", "message": printed["problems"][1]["message"]},
    ]
    assert "required file is missing" in printed["problems"][0]["message"]
    assert "'ten' is not a number" in printed["problems"][1]["message"]
    assert "2 problem(s)" in result.stderr


def test_validate_json_of_a_valid_dataset_says_valid(dataset_folder):
    result = run("validate", dataset_folder.path, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["valid"] is True


def _planner(*args, **options) -> subprocess.CompletedProcess:
    """The installed command in a process of its own: real file descriptors, stderr not a terminal."""
    command = [sys.executable, "-c", "from planner.cli import main; main()", *map(str, args)]
    return subprocess.run(command, stderr=subprocess.PIPE, text=True, timeout=300, **options)


@pytest.mark.parametrize(
    "breaks, args, code",
    [
        pytest.param(lambda d: None, (), 0, id="valid"),
        pytest.param(lambda d: d.replace("skus", "A,10", "A,ten"), ("--json",), 2, id="problems as json"),
    ],
)
def test_validate_into_a_closed_pipe_exits_quietly_with_its_own_code(dataset_folder, breaks, args, code):
    """`planner validate DS | head -1`: the reader is gone before the results are written."""
    breaks(dataset_folder)
    reader, writer = os.pipe()
    os.close(reader)
    try:
        result = _planner("validate", dataset_folder.path, *args, stdout=writer)
    finally:
        os.close(writer)
    assert result.returncode == code, result.stderr
    assert "Broken" not in result.stderr and "unexpected" not in result.stderr and "Exception" not in result.stderr


def test_plan_with_stderr_not_a_terminal_prints_no_solver_banner(dataset_folder, out):
    result = _planner("plan", dataset_folder.path, "--out", out, stdout=subprocess.PIPE)
    assert result.returncode == 0, result.stderr
    assert "HiGHS" not in result.stderr and "HiGHS" not in result.stdout
    assert result.stderr == ""
    assert result.stdout.startswith("plan 2024-01-23")


def test_any_printable_name_reaches_every_output_intact(dataset_folder, out):
    """Mathtext dollars, HTML, formula signs and non-Latin letters in ids: charts draw them
    literally, CSVs and the workbook hold them as typed, the report escapes them."""
    sku, fc = "A$\\frac{x$ <b>&", "F$_1$ =1+1 Ωü"
    dataset_folder.replace("open_orders", "O1,A,north,2", "O1,A,north,500")  # so that A is bought
    for name in ("skus", "inventory", "supplier_items", "inbound", "demand_history", "open_orders"):
        text = dataset_folder.file(name).read_text(encoding="utf-8")
        dataset_folder.write(name, text.replace("A,", f'"{sku}",'))
    for name in ("fulfillment_centers", "inventory", "supplier_items", "inbound", "transfer_lanes", "shipping_lanes"):
        text = dataset_folder.file(name).read_text(encoding="utf-8")
        dataset_folder.write(name, text.replace("FC1,", f"{fc},"))
    result = run("plan", dataset_folder.path, "--out", out)
    assert result.exit_code == 0, result.output
    purchases = pd.read_csv(out / "purchase_orders.csv", dtype=str, keep_default_na=False)
    assert (sku, fc) in set(zip(purchases["sku"], purchases["fc"]))
    for name in ("order_plan.csv", "inventory_projection.csv", "forecast.csv"):
        assert sku in set(pd.read_csv(out / name, dtype=str, keep_default_na=False)["sku"]), name
    workbook = load_workbook(out / "purchase_orders.xlsx", read_only=True)
    cells = {cell for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row}
    assert sku in cells and fc in cells
    page = (out / "report.html").read_text(encoding="utf-8")
    assert html.escape(sku) in page and "<b>&" not in page


def test_a_model_whose_priced_rounds_never_meet_the_shared_rows_still_writes_a_plan(dataset_folder, out, monkeypatch):
    """Always a plan: the model is feasible by construction, so when the prices' master never
    meets the shared capacities in its rounds, each sku's plan within its share of them is
    the plan (exit 0, with its gap), not exit 3."""
    from planner.solve.highs import HighsSession
    from planner.solve.prices import _Master

    monkeypatch.setattr(HighsSession, "PRICED_COLUMNS", 1)
    monkeypatch.setattr(_Master, "solve", lambda self, deadline: None)
    result = run("plan", dataset_folder.path, "--out", out, "--solver", "highs", "--threads", "1")
    assert result.exit_code == 0, result.output
    kpis = json.loads((out / "kpis.json").read_text())
    assert kpis["solver"]["status"] in ("optimal", "feasible")
    assert kpis["solver"]["mip_gap"] is not None
    assert kpis["solver"]["mip_gap"] >= 0.0


# ---------------------------------------------------------------- the odds of the plan (--scenarios)


def test_scenarios_write_risk_files_a_kpi_block_and_a_report_section(dataset_folder, tmp_path):
    from planner.plan.risk import RISK_COLUMNS, SUMMARY_COLUMNS
    from planner.report.kpi_schema import missing, undocumented

    one, two, other = tmp_path / "one", tmp_path / "two", tmp_path / "other"
    result = run("plan", dataset_folder.path, "--out", one, "--scenarios", "30", "--seed", "4")
    assert result.exit_code == 0, result.output
    assert "risk over 30 scenarios (seed 4)" in result.stdout
    risk = pd.read_csv(one / "risk.csv")
    assert list(risk.columns) == RISK_COLUMNS
    assert list(pd.read_csv(one / "risk_summary.csv").columns) == SUMMARY_COLUMNS
    assert risk["stockout_probability"].between(0, 1).all() and len(risk) > 0
    kpis = json.loads((one / "kpis.json").read_text())
    assert (undocumented(kpis), missing(kpis)) == ([], [])
    assert kpis["risk"]["scenarios"] == 30 and kpis["risk"]["seed"] == 4
    assert "Stock-out risk" in (one / "report.html").read_text()
    assert run("plan", dataset_folder.path, "--out", two, "--scenarios", "30", "--seed", "4").exit_code == 0
    assert run("plan", dataset_folder.path, "--out", other, "--scenarios", "30", "--seed", "5").exit_code == 0
    for name in ("risk.csv", "risk_summary.csv", "report.html"):
        assert (one / name).read_bytes() == (two / name).read_bytes()
    assert (one / "risk_summary.csv").read_bytes() != (other / "risk_summary.csv").read_bytes()


def test_without_scenarios_no_risk_file_block_or_section(dataset_folder, out):
    result = run("plan", dataset_folder.path, "--out", out)
    assert result.exit_code == 0, result.output
    assert not (out / "risk.csv").exists() and not (out / "risk_summary.csv").exists()
    assert "risk" not in json.loads((out / "kpis.json").read_text())
    assert "Stock-out risk" not in (out / "report.html").read_text() and "risk over" not in result.stdout


def test_a_risk_gate_without_scenarios_trips(dataset_folder, out):
    result = run("plan", dataset_folder.path, "--out", out, "--fail-on", "risk_fill_rate_p10<0.9")
    assert result.exit_code == 4, result.output
    assert "kpis.json has no value at risk.fill_rate.p10" in result.stderr


def test_scenarios_must_not_be_negative(dataset_folder, out):
    result = run("plan", dataset_folder.path, "--out", out, "--scenarios", "-1")
    assert result.exit_code == 2 and not out.exists()


def test_simulate_on_demand_paths_gives_each_policys_spread(dataset_folder, out):
    args = ["--weeks", 2, "--policy", "minmax,order-up-to", "--scenarios", 3, "--seed", 1]
    result = run("simulate", dataset_folder.path, "--out", out, *args)
    assert result.exit_code == 0, result.output
    assert "simulation_scenarios.csv" in {p.name for p in out.iterdir()}
    assert "on 3 demand paths" in result.stdout
    rows = [line.split()[0] for line in result.stdout.splitlines()[1:]]
    assert {"scenarios", "fill_rate_p10", "backorder_unit_weeks_p90", "net_cost_p50"} <= set(rows)
    paths = pd.read_csv(out / "simulation_scenarios.csv")
    assert sorted(paths.groupby("policy").size().to_dict().items()) == [("minmax", 3), ("order-up-to", 3)]
