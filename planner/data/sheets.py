"""Dataset tables given as the sheets of one .xlsx workbook, read as the text a CSV would hold.

A sheet named like a table (`skus`, `inventory`, ...) is that table, its first row the header;
other sheets are ignored. Cells become the text a CSV export would show (dates as ISO dates,
whole numbers without '.0'), so a workbook passes the same rules as CSV files, and a problem's
row is the row Excel shows. Spreadsheet error values (#N/A, #DIV/0!, ...) are problems.
Formulas count by the value the spreadsheet saved with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import load_workbook
from openpyxl.cell.cell import ERROR_CODES

from planner.data.dataset import Problem, sheet_label
from planner.data.schema import TABLES_BY_NAME, Kind, Table
from planner.data.validate import MAX_ROWS_PER_PROBLEM

WORKBOOK_SUFFIX = ".xlsx"
HEADER_ROW = 1


class UnreadableWorkbook(Exception):
    """The workbook is not an .xlsx file openpyxl can open; the message says why."""


@dataclass(frozen=True)
class Sheet:
    """One table's sheet: where it is (for messages), its cells as text, its error cells."""

    label: str
    cells: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)


def find_workbooks(folder: Path) -> list[Path]:
    """The folder's .xlsx files, without the lock files Excel leaves beside an open workbook."""
    return sorted(p for p in folder.glob(f"*{WORKBOOK_SUFFIX}") if p.is_file() and not p.name.startswith(("~$", ".")))


def read_sheets(path: Path) -> dict[str, Sheet]:
    """Every sheet named like a contract table, keyed by table name."""
    try:
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            return {name: _sheet(path.name, name, book[name]) for name in book.sheetnames if name in TABLES_BY_NAME}
        finally:
            book.close()
    except Exception as error:  # openpyxl raises many types for a damaged file, some while reading rows
        raise UnreadableWorkbook(
            f"cannot be read as an .xlsx workbook ({type(error).__name__}: {error}); "
            "save it from your spreadsheet as 'Excel Workbook (.xlsx)'"
        ) from None


def _sheet(workbook: str, name: str, sheet) -> Sheet:
    """Header from row 1, then one text row per sheet row (blank rows kept, so rows keep their number)."""
    sheet.reset_dimensions()
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = [cell_text(v) for v in rows[0]] if rows else []
    width = len(header)
    body = [[cell_text(v) for v in (row + [None] * width)[:width]] for row in rows[1:]]
    cells = pd.DataFrame(body, columns=range(width), dtype=object).set_axis(header, axis=1)
    label = sheet_label(workbook, name)
    return Sheet(label, cells, _text_errors(label, TABLES_BY_NAME[name], cells))


def _text_errors(label: str, table: Table, cells: pd.DataFrame) -> list[Problem]:
    """Error values in text columns, where they would pass as names; in number and date
    columns the rules already reject them as unparsable."""
    problems = []
    for column in (c.name for c in table.columns if c.kind is Kind.TEXT and c.name in cells):
        rows = np.flatnonzero(cells[column].isin(ERROR_CODES).to_numpy())[:MAX_ROWS_PER_PROBLEM]
        problems += [
            Problem(
                label,
                f"holds the spreadsheet error {cells[column].iat[row]}; fix the cell or the formula behind it",
                HEADER_ROW + 1 + int(row),
                column,
            )
            for row in rows
        ]
    return problems


def cell_text(value) -> str:
    """What the cell would read as in a CSV export."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
