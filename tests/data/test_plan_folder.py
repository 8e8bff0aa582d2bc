"""Reading a written plan back gives the names the plan was written with."""

import pandas as pd

from planner.data.plan_folder import read_table
from planner.report.outputs import csv_bytes


def test_formula_looking_names_read_back_without_the_csv_guard(tmp_path):
    lines = pd.DataFrame({"order_id": ["=1+1", "O2"], "sku": ["-SKU", "'quoted"], "quantity": [-1.0, 2.0]})
    for column in ("due_date", "ship_date", "promised_date"):
        lines[column] = pd.to_datetime(["2026-01-05", None])
    (tmp_path / "order_plan.csv").write_bytes(csv_bytes(lines))
    assert b"'=1+1" in (tmp_path / "order_plan.csv").read_bytes()
    back = read_table(tmp_path, "order_plan.csv", ["order_id", "sku", "quantity"])
    assert back["order_id"].tolist() == ["=1+1", "O2"] and back["sku"].tolist() == ["-SKU", "'quoted"]
    assert back["quantity"].tolist() == [-1.0, 2.0]
