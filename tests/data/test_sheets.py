"""A dataset given as one .xlsx workbook (one sheet per table): loads like CSVs, problems name
the workbook, sheet, row and column."""

from __future__ import annotations

from datetime import date, datetime
from zipfile import ZipFile

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from planner.cli import main
from planner.data.dataset import DatasetError
from planner.data.load import load_dataset
from planner.data.schema import TABLES
from planner.data.sheets import cell_text

BOOK = "dataset.xlsx"


def typed(value):
    """A CSV cell as a spreadsheet user's typed cell: numbers as numbers, ISO dates as dates."""
    for parse in (int, float, date.fromisoformat):
        try:
            return parse(value)
        except ValueError:
            pass
    return value or None


def write_workbook(dataset_folder, path=None):
    """Move every CSV of the folder into one workbook, a sheet per table, with typed cells."""
    book = Workbook()
    book.active.title = "notes"
    for table in TABLES:
        source = dataset_folder.file(table.name)
        frame = pd.read_csv(source, dtype=str, keep_default_na=False)
        sheet = book.create_sheet(table.name)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([typed(v) for v in row])
        source.unlink()
    path = path or dataset_folder.path / BOOK
    book.save(path)
    return path


def edit_cell(path, sheet, cell, value):
    book = load_workbook(path)
    book[sheet][cell] = value
    book.save(path)


def problems_of(path):
    with pytest.raises(DatasetError) as caught:
        load_dataset(path)
    return caught.value.problems


@pytest.fixture
def csv_dataset(dataset_folder):
    return load_dataset(dataset_folder.path)


def test_a_workbook_folder_loads_the_same_as_csv_files(dataset_folder, csv_dataset):
    write_workbook(dataset_folder)
    loaded = load_dataset(dataset_folder.path)
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(loaded, table.name), getattr(csv_dataset, table.name))


def test_the_workbook_itself_can_be_the_dataset(dataset_folder, csv_dataset, tmp_path):
    path = write_workbook(dataset_folder, tmp_path / "elsewhere.xlsx")
    pd.testing.assert_frame_equal(load_dataset(path).inventory, csv_dataset.inventory)


def test_a_bad_cell_names_workbook_sheet_row_and_column(dataset_folder):
    path = write_workbook(dataset_folder)
    edit_cell(path, "inventory", "C3", -20)
    (problem,) = problems_of(dataset_folder.path)
    assert (problem.file, problem.line, problem.column) == (f"{BOOK}, sheet 'inventory'", 3, "on_hand")
    assert str(problem).startswith(f"{BOOK}, sheet 'inventory', row 3, column 'on_hand': ")


@pytest.mark.parametrize(
    "sheet, cell, value, column, says",
    [
        ("demand_history", "A4", "2024-13-45", "date", "2024-13-45"),
        ("demand_history", "A4", datetime(2024, 1, 8, 14, 30), "date", "2024-01-08 14:30:00"),
        ("skus", "B2", "#DIV/0!", "unit_cost", "#DIV/0!"),
        ("inventory", "B2", "#N/A", "sku", "spreadsheet error #N/A"),
    ],
)
def test_unparsable_and_error_cells_are_problems(dataset_folder, sheet, cell, value, column, says):
    path = write_workbook(dataset_folder)
    edit_cell(path, sheet, cell, value)
    row = int(cell[1:])
    found = [p for p in problems_of(path) if (p.line, p.column) == (row, column)]
    assert found and found[0].file == f"{path.name}, sheet '{sheet}'" and says in str(found[0])


def test_blank_rows_keep_the_row_numbers_excel_shows(dataset_folder):
    path = write_workbook(dataset_folder)
    book = load_workbook(path)
    book["inventory"].insert_rows(2, amount=3)
    book["inventory"]["C6"] = -1
    book.save(path)
    (problem,) = problems_of(path)
    assert (problem.line, problem.column) == (6, "on_hand")


def test_a_table_as_csv_and_as_sheet_is_given_twice(dataset_folder):
    path = write_workbook(dataset_folder)
    dataset_folder.write("skus", "sku,unit_cost\nA,10\nB,5\n")
    (problem,) = problems_of(dataset_folder.path)
    assert f"given twice (skus.csv and {path.name}, sheet 'skus')" in problem.message


def test_tables_may_come_from_files_and_the_workbook_together(dataset_folder, csv_dataset):
    write_workbook(dataset_folder)
    dataset_folder.write("skus", "sku,unit_cost,unit_volume,description\nA,10,0.01,Widget\nB,5,,Gadget\n")
    book = load_workbook(dataset_folder.path / BOOK)
    del book["skus"]
    book.save(dataset_folder.path / BOOK)
    pd.testing.assert_frame_equal(load_dataset(dataset_folder.path).skus, csv_dataset.skus)


def test_two_workbooks_in_one_folder_are_a_problem(dataset_folder):
    write_workbook(dataset_folder)
    Workbook().save(dataset_folder.path / "other.xlsx")
    (dataset_folder.path / "~$dataset.xlsx").write_bytes(b"lock")
    (problem,) = problems_of(dataset_folder.path)
    assert "2 workbooks (dataset.xlsx, other.xlsx)" in problem.message


def test_a_damaged_workbook_is_a_problem_not_a_traceback(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip")
    (problem,) = problems_of(path)
    assert problem.file == "broken.xlsx" and "cannot be read as an .xlsx workbook" in problem.message


def test_a_workbook_with_a_damaged_sheet_is_a_problem(dataset_folder):
    path = write_workbook(dataset_folder)
    with ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts["xl/worksheets/sheet2.xml"] = b"<worksheet><sheetData><row"  # skus; sheet1 is notes
    with ZipFile(path, "w") as damaged:
        for name, content in parts.items():
            damaged.writestr(name, content)
    (problem,) = problems_of(path)
    assert problem.file == BOOK and "cannot be read as an .xlsx workbook" in problem.message


def test_validate_command_names_the_cell_and_exits_2(dataset_folder):
    path = write_workbook(dataset_folder)
    edit_cell(path, "supplier_items", "E3", "soon")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{BOOK}, sheet 'supplier_items', row 3, column 'lead_time_days'" in result.stderr


@pytest.mark.parametrize(
    "value, text",
    [
        (None, ""),
        ("x", "x"),
        (5, "5"),
        (5.0, "5"),
        (2.5, "2.5"),
        (True, "TRUE"),
        (datetime(2024, 2, 1), "2024-02-01"),
        (date(2024, 2, 1), "2024-02-01"),
    ],
)
def test_cell_text_is_what_a_csv_export_shows(value, text):
    assert cell_text(value) == text


def test_a_sheet_column_named_twice_names_the_sheet_and_column(dataset_folder):
    path = write_workbook(dataset_folder)
    edit_cell(path, "inventory", "D1", "on_hand")
    edit_cell(path, "inventory", "D2", 999)
    (problem,) = problems_of(path)
    assert (problem.file, problem.line, problem.column) == (f"{BOOK}, sheet 'inventory'", 1, "on_hand")
    assert "2 times (columns 3 and 4)" in problem.message


@pytest.mark.parametrize(
    "cell, value, says",
    [
        ("D2", 1e308, "is above 1,000,000,000 currency/unit"),
        ("E2", 100000, "is above 730 days"),
    ],
)
def test_a_sheet_value_past_its_maximum_names_the_row(dataset_folder, cell, value, says):
    path = write_workbook(dataset_folder)
    edit_cell(path, "supplier_items", cell, value)
    (problem,) = problems_of(path)
    assert (problem.file, problem.line) == (f"{BOOK}, sheet 'supplier_items'", 2) and says in problem.message
