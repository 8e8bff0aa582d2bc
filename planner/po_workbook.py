"""purchase_orders.xlsx: the plan's PO lines as a workbook a procurement team works in.

One sheet per supplier, lines to release now first, then planned ones; numbers and dates are
typed cells, the header is frozen, and totals close each sheet. The bytes depend only on the
plan: document dates are the plan start and every zip entry carries one fixed timestamp.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from planner.formula_guard import looks_like_formula

ACTION_ORDER = {"release": 0, "planned": 1}
SORT_KEYS = ["order_date", "sku", "fc", "arrival_date"]
FORMATS = {"order_date": "yyyy-mm-dd", "arrival_date": "yyyy-mm-dd", "quantity": "#,##0.###",
           "unit_price": "#,##0.00", "total_cost": "#,##0.00"}
TOTALLED = ("quantity", "total_cost")
WIDTHS = {"supplier": 16, "sku": 14, "fc": 8, "order_date": 12, "arrival_date": 12, "quantity": 11,
          "unit_price": 11, "total_cost": 13, "action": 9, "reason": 80}
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
EMPTY_SHEET = "purchase orders"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def purchase_order_workbook(lines: pd.DataFrame, columns: list[str], created: pd.Timestamp) -> bytes:
    """The workbook's bytes: one sheet per supplier (or one empty sheet when nothing is bought)."""
    book = Workbook()
    book.remove(book.active)
    suppliers = sorted(lines["supplier"].unique())
    for supplier, title in zip(suppliers, sheet_titles(suppliers)):
        supplier_sheet(book.create_sheet(title), _release_first(lines[lines["supplier"] == supplier]), columns)
    if not suppliers:
        supplier_sheet(book.create_sheet(EMPTY_SHEET), lines, columns)
    return _deterministic_bytes(book, created.to_pydatetime())


def _release_first(lines: pd.DataFrame) -> pd.DataFrame:
    rank = lines["action"].map(ACTION_ORDER).fillna(len(ACTION_ORDER))
    return lines.assign(_rank=rank).sort_values(["_rank"] + SORT_KEYS, kind="stable").drop(columns="_rank")


def sheet_titles(suppliers: list[str]) -> list[str]:
    """Valid, distinct sheet names: Excel forbids []:*?/\\, caps names at 31 characters and
    compares them ignoring case."""
    taken, titles = set(), []
    for supplier in suppliers:
        base = SHEET_NAME_FORBIDDEN.sub("_", str(supplier)).strip("' ")[:SHEET_NAME_MAX] or "supplier"
        title, copy = base, 1
        while title.lower() in taken:
            copy += 1
            suffix = f" ({copy})"
            title = base[:SHEET_NAME_MAX - len(suffix)] + suffix
        taken.add(title.lower())
        titles.append(title)
    return titles


def supplier_sheet(sheet: Worksheet, lines: pd.DataFrame, columns: list[str]) -> None:
    """Header, one row per PO line, then totals for release-now, planned and all lines."""
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in lines[columns].itertuples(index=False):
        sheet.append([_cell_value(value) for value in row])
    _guard_text(sheet)
    _totals(sheet, lines, columns)
    _layout(sheet, columns, len(lines))


def _cell_value(value):
    """Python scalars openpyxl types itself: datetime -> date cell, float/int -> number cell."""
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value


def _guard_text(sheet: Worksheet) -> None:
    """Formula-looking text stays a string cell, quote-prefixed so editing it keeps it text."""
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and looks_like_formula(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True


def _totals(sheet: Worksheet, lines: pd.DataFrame, columns: list[str]) -> None:
    sheet.append([])
    for label, rows in (("total release now", lines[lines["action"] == "release"]),
                        ("total planned", lines[lines["action"] == "planned"]), ("total", lines)):
        values = {c: round(float(rows[c].sum()), 3) for c in TOTALLED}
        sheet.append([label if i == 0 else values.get(c) for i, c in enumerate(columns)])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)


def _layout(sheet: Worksheet, columns: list[str], line_count: int) -> None:
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{line_count + 1}"
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = WIDTHS.get(column, 14)
        if column in FORMATS:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = FORMATS[column]


class _FixedTimeZip(ZipFile):
    """A zip whose entries all carry one timestamp, so equal content gives equal bytes."""

    def writestr(self, name, data, *args, **kwargs):
        if not isinstance(name, ZipInfo):
            name = ZipInfo(name, date_time=ZIP_TIME)
            name.compress_type = ZIP_DEFLATED
        super().writestr(name, data, *args, **kwargs)

    def write(self, filename, arcname=None, *args, **kwargs):
        """openpyxl writes each worksheet from a temporary file: take its bytes, not its mtime."""
        self.writestr(arcname or Path(filename).name, Path(filename).read_bytes())


def _deterministic_bytes(book: Workbook, created: datetime) -> bytes:
    """Save without openpyxl's 'modified = now': document dates are the given day."""
    book.properties.created = book.properties.modified = created
    book.properties.creator = "planner"
    buffer = io.BytesIO()
    archive = _FixedTimeZip(buffer, "w", ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(book, archive).save()
    return buffer.getvalue()
