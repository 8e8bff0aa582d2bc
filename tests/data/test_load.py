"""Reading a dataset folder: typed frames, defaults, file formats, and unreadable files."""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import pytest

from planner.data.dataset import DatasetError
from planner.data.load import load_dataset
from planner.data.schema import TABLES, Kind, column_names

EXPECTED_DTYPE = {
    Kind.TEXT: np.dtype(object),
    Kind.NUMBER: np.dtype("float64"),
    Kind.INT: np.dtype("int64"),
    Kind.DATE: np.dtype("datetime64[ns]"),
}


def assert_contract_frame(frame: pd.DataFrame, table) -> None:
    assert list(frame.columns) == column_names(table.name)
    assert isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0
    for column in table.columns:
        assert frame[column.name].dtype == EXPECTED_DTYPE[column.kind], (table.name, column.name)


def test_every_table_has_contract_columns_dtypes_and_a_fresh_index(dataset_folder):
    dataset = load_dataset(dataset_folder.path)
    for table in TABLES:
        assert_contract_frame(getattr(dataset, table.name), table)
    assert isinstance(dataset.skus["sku"].iloc[0], str)


def test_blank_and_absent_optional_columns_take_their_default(dataset_folder):
    dataset = load_dataset(dataset_folder.path)
    assert dataset.skus["unit_volume"].tolist() == [0.01, 0.0]
    assert dataset.skus["description"].tolist() == ["Widget", "Gadget"]
    fcs = dataset.fulfillment_centers
    assert math.isnan(fcs["storage_capacity"][0]) and fcs["storage_capacity"][1] == 500
    assert fcs["inbound_capacity"].isna().all()
    items = dataset.supplier_items
    assert items["moq"].tolist() == [100.0, 0.0] and items["lot_size"].tolist() == [10.0, 1.0]
    assert items["capacity_per_week"].isna().all()
    assert dataset.transfer_lanes["capacity_per_week"].isna().all()
    assert dataset.shipping_lanes["extra_days"].tolist() == [1]


def test_values_are_parsed(dataset_folder):
    dataset = load_dataset(dataset_folder.path)
    assert dataset.inbound["eta"][0] == pd.Timestamp("2024-02-10")
    assert dataset.supplier_items["lead_time_days"].tolist() == [14, 21]
    assert dataset.demand_history["quantity"].sum() == 5 + 6 + 7 + 8 + 3 + 4 + 5 + 6
    assert dataset.last_history_date == pd.Timestamp("2024-01-22")


def test_whitespace_extra_columns_blank_lines_and_bom(dataset_folder):
    dataset_folder.file("inventory").write_bytes(
        "\ufeff fc ,sku,on_hand,comment\n\n FC1 , A ,50,x\n,,,\nFC2,B, 20 ,y\n\n".encode()
    )
    inventory = load_dataset(dataset_folder.path).inventory
    assert inventory.to_dict("list") == {"fc": ["FC1", "FC2"], "sku": ["A", "B"], "on_hand": [50.0, 20.0]}


def test_line_numbers_count_blank_lines(dataset_folder):
    dataset_folder.write("inventory", "fc,sku,on_hand\n\nFC1,A,50\n\nFC2,B,-20\n")
    (problem,) = dataset_folder.problems()
    assert (problem.file, problem.line, problem.column) == ("inventory.csv", 5, "on_hand")


def test_row_order_is_kept(dataset_folder):
    dataset_folder.write("skus", "sku,unit_cost\nB,5\nA,10\n")
    assert load_dataset(dataset_folder.path).skus["sku"].tolist() == ["B", "A"]


@pytest.mark.parametrize("name", ["inbound", "transfer_lanes", "shipping_lanes", "open_orders"])
def test_absent_optional_table_is_an_empty_contract_frame(dataset_folder, name):
    dataset_folder.remove(name)
    frame = getattr(load_dataset(dataset_folder.path), name)
    assert frame.empty
    assert_contract_frame(frame, next(t for t in TABLES if t.name == name))


def test_require_only_history_loads_without_the_other_tables(dataset_folder):
    for name in ("skus", "fulfillment_centers", "supplier_items", "inventory", "open_orders"):
        dataset_folder.remove(name)
    dataset = load_dataset(dataset_folder.path, require=("demand_history",))
    assert len(dataset.demand_history) == 8 and dataset.skus.empty and dataset.inventory.empty


def test_require_still_reports_the_required_table(dataset_folder):
    dataset_folder.remove("demand_history")
    (problem,) = dataset_folder.problems(require=("demand_history",))
    assert problem.file == "demand_history.csv"


def test_require_rejects_a_table_the_contract_does_not_have(dataset_folder):
    with pytest.raises(ValueError, match="orders"):
        load_dataset(dataset_folder.path, require=("orders",))


def test_missing_folder_is_one_problem(tmp_path):
    with pytest.raises(DatasetError) as caught:
        load_dataset(tmp_path / "nowhere")
    (problem,) = caught.value.problems
    assert "dataset folder not found" in problem.message


def _typed_parquet(dataset_folder, name: str) -> None:
    """Write a table as Parquet with native types, as a pandas user would, and drop its CSV."""
    frame = getattr(load_dataset(dataset_folder.path), name)
    frame.to_parquet(dataset_folder.file(name, ".parquet"))
    dataset_folder.remove(name)


@pytest.mark.parametrize("name", ["demand_history", "supplier_items", "fulfillment_centers"])
def test_parquet_table_loads_the_same_as_its_csv(dataset_folder, name):
    expected = getattr(load_dataset(dataset_folder.path), name)
    _typed_parquet(dataset_folder, name)
    pd.testing.assert_frame_equal(getattr(load_dataset(dataset_folder.path), name), expected)


def test_parquet_problems_use_csv_line_numbers(dataset_folder):
    text = pd.read_csv(dataset_folder.file("inventory"), dtype=str)
    text.loc[1, "on_hand"] = "-4"
    text.to_parquet(dataset_folder.file("inventory", ".parquet"))
    dataset_folder.remove("inventory")
    (problem,) = dataset_folder.problems()
    assert (problem.file, problem.line, problem.column) == ("inventory.parquet", 3, "on_hand")


def test_table_given_as_csv_and_parquet(dataset_folder):
    pd.read_csv(dataset_folder.file("skus")).to_parquet(dataset_folder.file("skus", ".parquet"))
    (problem,) = dataset_folder.problems()
    assert problem.file == "skus.csv" and "given twice (skus.csv and skus.parquet)" in problem.message


@pytest.mark.parametrize(
    "content, says",
    [
        ("sku,unit_cost\nCafé,10\n".encode("latin-1"), "is not UTF-8"),
        (b"sku,unit_cost\nA,10,extra\n", "cannot be read as CSV"),
        (b'sku,unit_cost\n"A,10\n', "cannot be read as CSV"),
        (b"", "is empty"),
    ],
)
def test_unreadable_csv_is_a_problem_not_a_traceback(dataset_folder, content, says):
    dataset_folder.file("skus").write_bytes(content)
    problems = dataset_folder.problems()
    assert [p.file for p in problems] == ["skus.csv"] and says in problems[0].message


def test_damaged_parquet_is_a_problem(dataset_folder):
    dataset_folder.remove("skus")
    dataset_folder.file("skus", ".parquet").write_bytes(b"not parquet")
    (problem,) = dataset_folder.problems()
    assert problem.file == "skus.parquet" and "cannot be read as Parquet" in problem.message


def test_input_files_are_not_changed(dataset_folder):
    before = {p.name: p.read_bytes() for p in dataset_folder.path.iterdir()}
    load_dataset(dataset_folder.path)
    assert {p.name: p.read_bytes() for p in dataset_folder.path.iterdir()} == before


# ---------------------------------------------------------------- files that are there but cannot be read


def test_a_folder_named_like_a_table_is_said_to_be_a_folder(dataset_folder):
    dataset_folder.remove("skus")
    dataset_folder.file("skus").mkdir()
    (problem,) = dataset_folder.problems()
    assert problem.file == "skus.csv" and problem.message.startswith("is a folder, not a file")
    assert "missing" not in problem.message


def test_a_folder_named_like_an_optional_table_is_said_to_be_a_folder(dataset_folder):
    dataset_folder.remove("inbound")
    dataset_folder.file("inbound").mkdir()
    (problem,) = dataset_folder.problems()
    assert problem.file == "inbound.csv" and "is a folder" in problem.message


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads a chmod 000 file")
def test_a_file_without_read_permission_names_the_path_and_what_to_do(dataset_folder):
    dataset_folder.file("skus").chmod(0)
    try:
        (problem,) = dataset_folder.problems()
    finally:
        dataset_folder.file("skus").chmod(0o644)
    assert problem.file == "skus.csv" and "permission denied" in problem.message
    assert str(dataset_folder.file("skus").resolve()) in problem.message and "chmod a+r" in problem.message


@pytest.mark.parametrize(
    "error, says",
    [
        (PermissionError(13, "Permission denied"), "permission denied"),
        (OSError(5, "Input/output error"), "Input/output error"),
    ],
)
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_file_the_system_will_not_read_names_the_path_and_what_to_do(
    dataset_folder, monkeypatch, error, says, suffix
):
    """Whoever runs the tests (root reads any file), an OSError on opening the file is a problem."""
    if suffix == ".parquet":
        pd.read_csv(dataset_folder.file("skus")).to_parquet(dataset_folder.file("skus", suffix))
        dataset_folder.remove("skus")
    target = dataset_folder.file("skus", suffix)
    real_open = open

    def failing_open(file, *args, **kwargs):
        if str(file) == str(target):
            raise error
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", failing_open)
    (problem,) = dataset_folder.problems()
    assert problem.file == f"skus{suffix}" and says in problem.message
    assert str(target.resolve()) in problem.message


def test_a_folder_the_user_may_not_open_names_it(dataset_folder, monkeypatch):
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda path, mode: False if path == dataset_folder.path else real_access(path, mode)
    )
    (problem,) = dataset_folder.problems()
    assert problem.file == str(dataset_folder.path) and "permission denied" in problem.message
    assert "chmod a+rx" in problem.message


# ---------------------------------------------------------------- a column named twice, whatever the format


def test_a_parquet_column_named_twice_is_a_problem(dataset_folder):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        [["FC1", "FC2"], ["A", "B"], [0.0, 20.0], [999.0, 20.0]], names=["fc", "sku", "on_hand", "on_hand"]
    )
    pq.write_table(table, dataset_folder.file("inventory", ".parquet"))
    dataset_folder.remove("inventory")
    (problem,) = dataset_folder.problems()
    assert (problem.file, problem.line, problem.column) == ("inventory.parquet", 1, "on_hand")
    assert "2 times" in problem.message
