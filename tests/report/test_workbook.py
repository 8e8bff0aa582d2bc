"""purchase_orders.xlsx read back as a buyer's spreadsheet would: sheets, types, totals, safe text."""

from __future__ import annotations

import io
from datetime import datetime
from zipfile import ZipFile

import pandas as pd
import pytest
from openpyxl import load_workbook

from planner.report.outputs import PO_COLUMNS
from planner.report.workbook import ZIP_TIME, purchase_order_workbook, sheet_titles

START = pd.Timestamp("2026-11-23")
LATER = pd.Timestamp("2026-12-07")


def po_line(supplier, sku, order_date, quantity, action, fc="FC1", price=2.5):
    return {
        "supplier": supplier,
        "sku": sku,
        "fc": fc,
        "order_date": order_date,
        "arrival_date": order_date + pd.Timedelta(days=14),
        "quantity": float(quantity),
        "unit_price": price,
        "total_cost": round(quantity * price, 2),
        "action": action,
        "lead_time_days": 14,
        "lot_sized": True,
        "reason": "cheapest supplier",
    }


@pytest.fixture
def lines() -> pd.DataFrame:
    return pd.DataFrame(
        [
            po_line("SUP-B", "B1", LATER, 40, "planned"),
            po_line("SUP-A", "A2", LATER, 10, "planned"),
            po_line("SUP-A", "A1", START, 100, "release"),
            po_line("SUP-A", '=HYPERLINK("http://x")', START, 5, "release", fc="@FC"),
            po_line("SUP-B", "-B2", START, 7.5, "release"),
        ]
    )


def read_back(lines: pd.DataFrame):
    return load_workbook(io.BytesIO(purchase_order_workbook(lines, PO_COLUMNS, START)))


def data_rows(sheet) -> list[tuple]:
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    return rows[: rows.index((None,) * len(PO_COLUMNS))]


def test_one_sheet_per_supplier_with_the_contract_header(lines):
    book = read_back(lines)
    assert book.sheetnames == ["SUP-A", "SUP-B"]
    for sheet in book.worksheets:
        assert [c.value for c in sheet[1]] == PO_COLUMNS
        assert sheet.freeze_panes == "A2"
        assert {row[0] for row in data_rows(sheet)} == {sheet.title}


def test_release_now_lines_come_first(lines):
    rows = data_rows(read_back(lines)["SUP-A"])
    actions = [row[PO_COLUMNS.index("action")] for row in rows]
    assert actions == ["release", "release", "planned"]


def test_cells_are_typed(lines):
    sheet = read_back(lines)["SUP-B"]
    row = {c: sheet.cell(2, i + 1) for i, c in enumerate(PO_COLUMNS)}
    assert row["order_date"].is_date and row["order_date"].value == datetime(2026, 11, 23)
    assert row["arrival_date"].value == datetime(2026, 12, 7)
    assert row["quantity"].data_type == "n" and row["quantity"].value == 7.5
    assert row["total_cost"].value == 18.75 and row["lead_time_days"].value == 14
    assert row["lot_sized"].data_type == "b"


def test_totals_close_each_sheet(lines):
    rows = list(read_back(lines)["SUP-A"].iter_rows(values_only=True))
    totals = {row[0]: row for row in rows[-3:]}
    quantity, cost = PO_COLUMNS.index("quantity"), PO_COLUMNS.index("total_cost")
    assert totals["total release now"][quantity] == 105
    assert totals["total planned"][quantity] == 10
    assert totals["total"][quantity] == 115 and totals["total"][cost] == 287.5


def test_formula_looking_text_is_kept_as_text(lines):
    book = read_back(lines)
    cells = [
        c
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value[:1] in "=+-@"
    ]
    assert {c.value for c in cells} >= {'=HYPERLINK("http://x")', "@FC", "-B2"}
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_no_purchase_orders_gives_one_sheet_with_header_and_zero_totals(lines):
    book = read_back(lines.iloc[0:0])
    (sheet,) = book.worksheets
    assert [c.value for c in sheet[1]] == PO_COLUMNS
    assert list(sheet.iter_rows(values_only=True))[-1][PO_COLUMNS.index("quantity")] == 0


def test_bytes_depend_only_on_the_plan(lines):
    content = purchase_order_workbook(lines, PO_COLUMNS, START)
    assert content == purchase_order_workbook(lines.copy(), PO_COLUMNS, START)
    assert {info.date_time for info in ZipFile(io.BytesIO(content)).infolist()} == {ZIP_TIME}
    properties = load_workbook(io.BytesIO(content)).properties
    assert properties.created == properties.modified == datetime(2026, 11, 23)


@pytest.mark.parametrize(
    "suppliers, titles",
    [
        (["A/B", "a_b", "A:B"], ["A_B", "a_b (2)", "A_B (3)"]),
        (["'quoted'", "x" * 40], ["quoted", "x" * 31]),
        (["[]", "?*"], ["__", "__ (2)"]),
    ],
)
def test_sheet_titles_are_valid_and_distinct(suppliers, titles):
    assert sheet_titles(suppliers) == titles
