"""Golden scenario tests: tiny datasets planned end to end, compared byte for byte with the expected plan.

Layout, one folder per scenario under tests/scenarios/<name>/:

- the input CSVs in the dataset contract format (docs: /DESIGN.md, "Dataset contract");
- ``model.toml``: the planning model (solver pinned to highs, short horizon); the plan's start is
  the day after the last demand_history date, so nothing depends on today's date;
- ``WHAT.md``: one line on what the scenario shows;
- ``expected/``: the plan files it must produce: purchase_orders.csv, transfers.csv,
  order_plan.csv, inventory_projection.csv (not kpis.json, which holds timings, nor the
  report or the workbook).

Each scenario is planned the way ``planner plan`` does it (load_dataset, load_config, run_plan,
plan_files), once per session. ``test_scenario_plan_matches_expected`` compares every expected
file exactly with the produced bytes and shows a diff of the first differing lines;
``test_scenario_facts`` asserts the hand-checked facts of the scenario (its function in CHECKS),
which must hold whatever the expected files say.

After an intended change to the planner's output, regenerate the expected files, then review
and commit the diff:

    python -m pytest tests/test_scenarios.py --regen-golden
    git diff tests/scenarios

A new scenario is a new folder with its inputs, model.toml and WHAT.md, plus a check function
here; ``--regen-golden`` writes its expected/ folder.
"""

from __future__ import annotations

import difflib
import functools
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from planner.config import load_config
from planner.data.load import load_dataset
from planner.pipeline import PlanRun, run_plan
from planner.plan.story import order_story, sku_story
from planner.report.outputs import plan_files

SCENARIOS = Path(__file__).parent / "scenarios"
EXPECTED_FILES = ("purchase_orders.csv", "transfers.csv", "order_plan.csv", "inventory_projection.csv")
NAMES = sorted(path.name for path in SCENARIOS.iterdir() if path.is_dir())
DIFF_LINES = 30


@functools.cache
def planned(name: str) -> tuple[PlanRun, dict[str, bytes]]:
    """The plan run of a scenario folder and its output files, as the CLI's plan command makes them."""
    folder = SCENARIOS / name
    model = folder / "model.toml"
    config = load_config(model if model.is_file() else None)
    run = run_plan(load_dataset(folder), config)
    return run, plan_files(run)


@pytest.fixture
def regen_golden(request) -> bool:
    return request.config.getoption("--regen-golden")


@pytest.mark.parametrize("name", NAMES)
def test_scenario_plan_matches_expected(name, regen_golden):
    _, files = planned(name)
    expected = SCENARIOS / name / "expected"
    if regen_golden:
        expected.mkdir(exist_ok=True)
        for file in EXPECTED_FILES:
            (expected / file).write_bytes(files[file])
    differences = [text for file in EXPECTED_FILES if (text := _difference(expected / file, files[file]))]
    if differences:
        pytest.fail(
            "\n\n".join(differences) + "\n\n(an intended change? run pytest with --regen-golden)", pytrace=False
        )


def _difference(path: Path, produced: bytes) -> str:
    """'' when the file holds exactly the produced bytes, else a unified diff of the first differing lines."""
    if not path.is_file():
        return f"{path}: missing"
    wanted = path.read_bytes()
    if wanted == produced:
        return ""
    diff = list(
        difflib.unified_diff(
            wanted.decode("utf-8").splitlines(keepends=True),
            produced.decode("utf-8").splitlines(keepends=True),
            fromfile=f"{path} (expected)",
            tofile="produced",
            n=1,
        )
    )
    if not diff:  # same lines, different bytes (line ends, a missing final newline)
        return f"{path}: differs only in line ends or the final newline"
    cut = [f"... {len(diff) - DIFF_LINES} more diff lines\n"] if len(diff) > DIFF_LINES else []
    return "".join(diff[:DIFF_LINES] + cut)


@pytest.mark.parametrize("name", NAMES)
def test_scenario_facts(name):
    CHECKS[name](planned(name)[0])


def test_every_scenario_has_its_inputs_a_what_and_a_check():
    assert NAMES == sorted(CHECKS)
    for name in NAMES:
        folder = SCENARIOS / name
        assert len((folder / "WHAT.md").read_text(encoding="utf-8").strip().splitlines()) == 1, name
        assert (folder / "model.toml").is_file(), name


# The hand-checked facts of each scenario, those of the tiny instances of tests/model/test_build.py. Dual
# sourcing and MOQ/lot size stay there too: they run across solvers and rounding paths.


def dual_sourcing(run: PlanRun) -> None:
    """FAST (13, 0 days) covers weeks 0-2, SLOW (10, 21 days) weeks 3-5, 10 units each."""
    by_arrival = run.plan.purchase_orders.groupby(["supplier", "arrival_date"])["quantity"].sum()
    weeks = run.calendar.period_starts
    assert list(by_arrival["FAST"].index) == list(weeks[:3])
    assert list(by_arrival["SLOW"].index) == list(weeks[3:])
    assert by_arrival.eq(10.0).all()
    assert run.plan.costs["purchase"] == pytest.approx(3 * 130 + 3 * 100)
    assert run.plan.backorders.empty


def transfer(run: PlanRun) -> None:
    """The 20 units ordered in R2 move from F1 to F2 by the 3-day lane: 20 units of transfer cost, no backorder."""
    moved = run.plan.transfers
    assert moved["quantity"].sum() == pytest.approx(20.0)
    assert set(moved["from_fc"]) == {"F1"} and set(moved["to_fc"]) == {"F2"}
    assert (moved["arrival_date"] - moved["ship_date"]).dt.days.eq(3).all()
    assert run.plan.backorders.empty
    assert run.plan.costs["transfer"] == pytest.approx(20.0)


def capacity_backlog(run: PlanRun) -> None:
    """F1 ships 1 unit a day; the other 7 a week wait at F1 as backlog while its stock sits there."""
    shipped = run.plan.shipments.groupby("period")["quantity"].sum()
    assert shipped.to_dict() == pytest.approx({0: 7.0, 1: 7.0})  # 1 unit/day x 7 days
    end = run.plan.inventory_projection.query("fc == 'F1'").iloc[-1]
    assert end["backlog"] == pytest.approx(14.0)
    assert run.plan.backorders.empty  # stock was there all along


def alternative_fc(run: PlanRun) -> None:
    """With the lane F2 -> R1, F2 ships what F1 cannot, at once."""
    by_fc = run.plan.shipments.groupby("fc")["quantity"].sum()
    assert by_fc["F1"] == pytest.approx(14.0)  # F1 ships all it can
    assert by_fc["F2"] == pytest.approx(14.0)  # F2 ships the rest at once
    assert run.plan.inventory_projection["backlog"].sum() == pytest.approx(0.0)


def priorities(run: PlanRun) -> None:
    """10 units for two orders of 8: priority 1 gets 8 on time, priority 3 gets 2 and waits for 6."""
    allocated = run.plan.allocations.groupby("priority")["quantity"].sum()
    assert allocated[1] == pytest.approx(8.0) and allocated[3] == pytest.approx(2.0)
    orders = run.order_plan
    high = orders[orders["order_id"] == "HIGH"]
    low = orders[orders["order_id"] == "LOW"]
    assert high["status"].tolist() == ["on_time"] and high["quantity"].sum() == pytest.approx(8.0)
    assert low.set_index("status")["quantity"].to_dict() == pytest.approx({"on_time": 2.0, "backorder": 6.0})


def moq_lot_size(run: PlanRun) -> None:
    """42 units needed: one PO of 50 in week 0 is the cheapest cover (two POs would be >= 60)."""
    quantities = run.plan.purchase_orders["quantity"]
    assert (quantities >= 30).all()
    assert (quantities % 10 == 0).all()
    assert run.plan.backorders.empty
    assert quantities.tolist() == [50.0]
    assert run.plan.purchase_orders["order_date"].tolist() == [pd.Timestamp(run.calendar.start)]


def stock_kept_for_transfer(run: PlanRun) -> None:
    """F1 ships 7 a week, URGENT's, and keeps 7 units for FAR (priority 1, F2's region) until the
    transfer leaves in week 1: LOW (priority 3) waits in week 0 with its stock on hand at F1, a
    backlog everywhere the plan says so; in week 1 it waits for stock; the PO ships it in week 2."""
    f1 = run.plan.inventory_projection.query("fc == 'F1'").set_index("period_start")
    week0, week1 = run.calendar.period_starts[:2]
    assert f1.loc[week0, ["closing", "backorder", "backlog", "backlog_uncommitted"]].tolist() == [7, 0, 7, 7]
    assert f1.loc[week1, ["closing", "backorder", "backlog", "transfers_out"]].tolist() == [0, 7, 0, 7]
    low = run.kpis["service"]["by_priority"]["3"]
    assert (low["backorder_units"], low["backlog_units"], low["backorder_unit_weeks"]) == (0, 7, 7)
    assert run.kpis["orders"]["lines_by_status"] == {"on_time": 2, "late": 1, "backorder": 0}
    [line] = run.order_plan.query("order_id == 'LOW'").itertuples()
    held = (
        "waits with its stock on hand at F1 in the week of 2026-11-30: F1 outbound capacity full in the week of "
        "2026-11-30 (it ships priority-1 orders first) and F1 keeps the stock for a transfer to F2 on 2026-12-07; "
        "no stock for it until PO from S arrives at F1 on 2026-12-14"
    )
    assert (line.status, line.fc) == ("late", "F1") and line.reason.startswith(held)
    with tempfile.TemporaryDirectory() as folder:
        for name, content in plan_files(run).items():
            (Path(folder) / name).write_bytes(content)
        assert f"    why: {line.reason}" in order_story(Path(folder), "LOW").splitlines()
        assert "customers wait on stock it keeps uncommitted in the week of 2026-11-30" in sku_story(Path(folder), "A")


CHECKS = {
    check.__name__: check
    for check in (
        dual_sourcing,
        transfer,
        capacity_backlog,
        alternative_fc,
        priorities,
        moq_lot_size,
        stock_kept_for_transfer,
    )
}
