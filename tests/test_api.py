"""The Python API: the README's notebook session runs, and returns the frames the CLI writes."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import planner
from planner.data.plan_folder import read_table

ROOT = Path(__file__).resolve().parents[1]


def notebook_session() -> str:
    section = (ROOT / "README.md").read_text().split("## In a notebook", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """The README's five lines, run in a scratch folder that sees the shipped demo dataset."""
    folder = tmp_path_factory.mktemp("notebook")
    (folder / "datasets").symlink_to(ROOT / "datasets")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        names: dict = {}
        exec(notebook_session(), names)
    return folder, names


def test_the_readme_session_writes_the_plan_folder(session):
    folder, names = session
    written = {p.name for p in (folder / "plan").iterdir()}
    assert {
        "purchase_orders.csv",
        "purchase_orders.xlsx",
        "transfers.csv",
        "order_plan.csv",
        "inventory_projection.csv",
        "forecast.csv",
        "kpis.json",
        "report.html",
    } <= written
    assert names["result"].kpis["solver"]["name"] == "highs"


@pytest.mark.parametrize("table", ["purchase_orders", "transfers", "order_plan", "inventory_projection"])
def test_the_frames_are_the_files_the_cli_writes(session, table):
    folder, names = session
    frame = getattr(names["result"], table)
    written = pd.read_csv(folder / "plan" / f"{table}.csv", keep_default_na=False)
    assert list(frame.columns) == list(written.columns)
    assert len(frame) == len(written) > 0 or table == "transfers"


def test_validate_returns_every_problem_as_rows(dataset_folder):
    assert planner.validate_dataset(dataset_folder.path).empty
    dataset_folder.write("inventory", "fc,sku,on_hand\nFC1,A,-5\nFC9,B,1\n")
    problems = planner.validate_dataset(dataset_folder.path)
    assert list(problems.columns) == ["file", "line", "column", "message"]
    assert len(problems) >= 2
    assert set(problems["file"]) == {"inventory.csv"}


def test_load_raises_with_the_problems(dataset_folder):
    dataset_folder.write("inventory", "fc,sku,on_hand\nFC1,A,-5\n")
    with pytest.raises(planner.DatasetError) as raised:
        planner.load_dataset(dataset_folder.path)
    assert raised.value.problems[0].column == "on_hand"


def test_forecast_takes_settings_as_keywords(dataset_folder):
    forecast = planner.run_forecast(planner.load_dataset(dataset_folder.path), period="week", horizon=5)
    assert forecast["period_start"].nunique() == 5
    assert {"sku", "region", "forecast", "lower", "upper", "model"} <= set(forecast.columns)


def test_help_shows_the_api():
    for name in ("load_dataset", "validate_dataset", "run_forecast", "run_plan", "write_plan", "run_simulation"):
        assert name in planner.__all__
        assert getattr(planner, name).__doc__
    assert "planner.run_plan(" in planner.__doc__


def test_read_back_plan_matches_the_result(session):
    folder, names = session
    orders = read_table(folder / "plan", "order_plan.csv", ["order_id"])
    assert sorted(orders["order_id"]) == sorted(names["result"].order_plan["order_id"].astype(str))


def test_run_plan_with_scenarios_returns_the_risk_files_frames(dataset_folder, tmp_path):
    dataset = planner.load_dataset(dataset_folder.path)
    result = planner.run_plan(dataset, scenarios=10, seed=1)
    planner.write_plan(result, tmp_path / "plan")
    written = pd.read_csv(tmp_path / "plan" / "risk_summary.csv")
    assert list(result.risk.by_pair.columns) == list(written.columns) and len(written) == len(result.risk.by_pair)
    assert result.kpis["risk"]["scenarios"] == 10
    assert planner.run_plan(dataset).risk is None
