"""Read a dataset folder into a typed, validated Dataset, reporting every problem at once.

Each table is read as text first, so a bad cell can be reported with its file, line and
column; the rules in planner.data.validate then judge the text and the values parsed from it.
Line numbers are what an editor shows: the header is line 1, the first data row line 2.
Parquet rows are numbered the same way, as if the table were written as CSV, and so are the
rows of a workbook sheet (planner/data/sheets.py), which are then the rows Excel shows.
"""

from __future__ import annotations

import csv
import os
import warnings
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from planner.data.dataset import Dataset, DatasetError, Problem
from planner.data.schema import FIRST_DATE, LAST_DATE, TABLES, TABLES_BY_NAME, Column, Kind, Table
from planner.data.sheets import WORKBOOK_SUFFIX, Sheet, UnreadableWorkbook, find_workbooks, read_sheets
from planner.data.validate import Inputs, ParsedTable, check_dataset, collect_notes, repair

SUFFIXES = (".csv", ".parquet")
DTYPES = {Kind.TEXT: "object", Kind.NUMBER: "float64", Kind.INT: "int64", Kind.DATE: "datetime64[ns]"}
ISO_DATE = "%Y-%m-%d"
FIRST_DATA_LINE = 2


class UnreadableFile(Exception):
    """A file that is not a table at all; its message says why and how to fix it."""


def load_dataset(path, *, require: Iterable[str] | None = None) -> Dataset:
    """Read and validate every table of the contract in a folder (or one .xlsx workbook).

    `require` names the tables that must be present (default: those the contract requires);
    absent tables load as empty frames. Raises DatasetError with every problem found.
    """
    folder, sheets, required = *_sources(Path(path)), _required(require)
    problems, tables = [], {}
    for table in TABLES:
        tables[table.name], read_problems = read_table(folder, table, sheets.get(table.name))
        problems += read_problems
    problems += check_dataset(Inputs(tables, required))
    if problems:
        raise DatasetError(problems)
    tables, repairs = repair(tables)
    dataset = Dataset(**{name: typed_frame(t) for name, t in tables.items()})
    return replace(dataset, notes=tuple(repairs) + collect_notes(dataset))


def _sources(path: Path) -> tuple[Path | None, dict[str, Sheet]]:
    """The folder of table files, and the table sheets of its one workbook (or of `path` itself)."""
    if path.is_file() and path.suffix.lower() == WORKBOOK_SUFFIX:
        return None, _sheets(path)
    if not path.is_dir():
        raise DatasetError(
            [
                Problem(
                    str(path),
                    "dataset folder not found; pass the folder that holds "
                    "skus.csv and the other tables, or an .xlsx workbook",
                )
            ]
        )
    if not os.access(path, os.R_OK | os.X_OK):
        raise DatasetError([Problem(str(path), _unreadable("folder", path, PermissionError()))])
    workbooks = find_workbooks(path)
    if len(workbooks) > 1:
        names = ", ".join(w.name for w in workbooks)
        raise DatasetError(
            [
                Problem(
                    str(path),
                    f"the folder holds {len(workbooks)} workbooks ({names}); keep one, with one sheet per table",
                )
            ]
        )
    return path, _sheets(workbooks[0]) if workbooks else {}


def _sheets(workbook: Path) -> dict[str, Sheet]:
    try:
        _check_readable(workbook)
        return read_sheets(workbook)
    except (UnreadableFile, UnreadableWorkbook) as error:
        raise DatasetError([Problem(workbook.name, str(error))]) from None


def _required(require: Iterable[str] | None) -> frozenset[str]:
    if require is None:
        return frozenset(t.name for t in TABLES if t.required)
    names = frozenset(require)
    unknown = names - TABLES_BY_NAME.keys()
    if unknown:
        raise ValueError(f"unknown tables in require: {', '.join(sorted(unknown))}")
    return names


def read_table(folder: Path | None, table: Table, sheet: Sheet | None = None) -> tuple[ParsedTable, list[Problem]]:
    """The table's file (or workbook sheet) parsed, or why it could not be read."""
    candidates = [folder / f"{table.name}{suffix}" for suffix in SUFFIXES] if folder else []
    sources = [path for path in candidates if path.is_file()]
    names = [s.name for s in sources] + ([sheet.label] if sheet else [])
    folders = [path for path in candidates if path.is_dir()]
    if folders and not names:
        return ParsedTable(table, folders[0].name, found=True), [
            Problem(
                folders[0].name,
                f"is a folder, not a file; table {table.name} must be a file {folders[0].name} "
                "in the dataset folder: move the table's file out of that folder, or rename the folder",
            )
        ]
    if not names:
        return ParsedTable(table, table.file_name), []
    if len(names) > 1:
        return ParsedTable(table, names[0], found=True), [
            Problem(names[0], f"table {table.name} is given twice ({' and '.join(names)}); keep one of them")
        ]
    if sheet:
        return parse_table(table, sheet.label, sheet.cells), sheet.problems
    source = sources[0]
    try:
        _check_readable(source)
        cells = _read_csv(source) if source.suffix == ".csv" else _read_parquet(source)
    except UnreadableFile as error:
        return ParsedTable(table, source.name, found=True), [Problem(source.name, str(error))]
    return parse_table(table, source.name, cells), []


def _check_readable(source: Path) -> None:
    """Open the file, so a file the user may not read is named with what to do, not a traceback."""
    try:
        with open(source, "rb"):
            pass
    except OSError as error:
        raise UnreadableFile(_unreadable("file", source, error)) from None


def _unreadable(what: str, path: Path, error: OSError) -> str:
    if isinstance(error, PermissionError):
        return (
            f"cannot be read: permission denied ({path.resolve()}); give the user running the planner "
            f"read access to the {what} (e.g. chmod a+r{'x' if what == 'folder' else ''} '{path}'), "
            f"or copy the {what} somewhere you can read"
        )
    return (
        f"cannot be read ({error.strerror or error}: {path.resolve()}); check that the disk or share "
        f"holding it is reachable, or copy the {what} somewhere local"
    )


def _read_csv(source: Path) -> pd.DataFrame:
    """Every cell as text, blank lines kept so row positions map to line numbers.

    The columns carry the header's own names: pandas would rename a repeated name ('on_hand',
    'on_hand.1'), and the rules must see the repeat.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            cells = pd.read_csv(
                source, dtype=str, keep_default_na=False, skip_blank_lines=False, index_col=False, encoding="utf-8-sig"
            ).fillna("")
        header = _header(source)
        return cells.set_axis(header, axis=1) if len(header) == cells.shape[1] else cells
    except OSError as error:
        raise UnreadableFile(_unreadable("file", source, error)) from None
    except UnicodeDecodeError:
        raise UnreadableFile("is not UTF-8 text; save it as 'CSV UTF-8'") from None
    except pd.errors.EmptyDataError:
        raise UnreadableFile("is empty; it needs at least a header line naming the columns") from None
    except (pd.errors.ParserError, pd.errors.ParserWarning) as error:
        raise UnreadableFile(
            f"cannot be read as CSV ({error}); check the quotes and that every line has as many commas as the header"
        ) from None


def _header(source: Path) -> list[str]:
    """The CSV's first line as written (pandas' names when the csv module cannot read it)."""
    with open(source, encoding="utf-8-sig", newline="") as text:
        try:
            return next(csv.reader(text), [])
        except csv.Error:
            return []


def _read_parquet(source: Path) -> pd.DataFrame:
    """Every cell as text, as it would read in a CSV, so both formats pass the same rules.

    Read as one file, not as a pyarrow dataset (pd.read_parquet): a dataset refuses a column
    named twice, which the rules name instead."""
    import pyarrow.parquet as pq

    try:
        frame = pq.ParquetFile(source).read().to_pandas()
    except Exception as error:  # pyarrow raises many types for a damaged file
        raise UnreadableFile(f"cannot be read as Parquet ({error})") from None
    columns = {position: _as_text(frame.iloc[:, position]) for position in range(frame.shape[1])}
    return pd.DataFrame(columns, index=frame.index).set_axis([str(name) for name in frame.columns], axis=1)


def _as_text(values: pd.Series) -> pd.Series:
    """Timestamps as ISO dates (Parquet date cells already print that way), nulls as blanks."""
    if pd.api.types.is_datetime64_any_dtype(values):
        text = values.dt.strftime(ISO_DATE)
    else:
        text = values.astype(str)
    return text.where(values.notna(), "")


def parse_table(table: Table, file: str, cells: pd.DataFrame) -> ParsedTable:
    """Strip the cells, drop blank rows (keeping each row's line), parse the contract columns.

    A column named twice keeps its first cells, and the header as read, so the rules refuse it."""
    cells = cells.set_axis([str(name).strip() for name in cells.columns], axis=1)
    header = tuple(cells.columns)
    cells = cells.loc[:, ~cells.columns.duplicated()]
    filled = cells.ne("").any(axis=1).to_numpy()
    contract = [c for c in table.columns if c.name in cells.columns]
    text = pd.DataFrame({c.name: cells[c.name].str.strip() for c in contract}, index=cells.index)
    text = text[filled].reset_index(drop=True)
    values = pd.DataFrame({c.name: parse_column(c, text[c.name]) for c in contract}, index=text.index)
    lines = np.flatnonzero(filled) + FIRST_DATA_LINE
    return ParsedTable(table, file, True, header, text, values, lines)


def parse_column(column: Column, text: pd.Series) -> pd.Series:
    """The column's values; NaN/NaT where a cell is blank or does not parse.

    Each distinct cell is parsed once: big tables repeat few dates and quantities.
    """
    if column.kind is Kind.TEXT:
        return text
    codes, distinct = pd.factorize(text)
    parsed = _parse_distinct(column.kind, pd.Series(distinct, dtype="str"))
    return pd.Series(parsed.to_numpy()[codes], index=text.index)


def _parse_distinct(kind: Kind, text: pd.Series) -> pd.Series:
    if kind is Kind.DATE:
        dates = pd.to_datetime(text, format=ISO_DATE, errors="coerce")
        return dates.where(dates.between(FIRST_DATE, LAST_DATE)).astype(DTYPES[kind])
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    numbers = numbers.where(np.isfinite(numbers))
    return numbers.where(numbers.eq(numbers.round())) if kind is Kind.INT else numbers


def typed_frame(t: ParsedTable) -> pd.DataFrame:
    """The contract columns in contract order, blanks set to their default, in their dtypes."""
    rows = pd.RangeIndex(len(t.lines))
    return pd.DataFrame({c.name: _typed_column(t, c, rows) for c in t.table.columns}, index=rows)


def _typed_column(t: ParsedTable, column: Column, rows: pd.RangeIndex) -> pd.Series:
    dtype = DTYPES[column.kind]
    if column.name not in t.values:
        return pd.Series(column.default, index=rows, dtype=dtype)
    values = t.values[column.name]
    if column.default is not None:
        values = values.where(t.text[column.name].ne(""), column.default)
    return values.astype(dtype)
