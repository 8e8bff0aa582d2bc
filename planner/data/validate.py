"""The rules a dataset must follow, as small check functions that each collect every problem.

Each `check_<rule>` takes the tables as read (text cells, parsed values, line numbers) and
returns the problems it finds, each naming file, line and column and saying how to fix it.
Cross-file rules only look at rows whose cells all parsed, so a bad cell is reported once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from planner.data.dataset import Dataset, Problem
from planner.data.schema import Kind, Table

MAX_ROWS_PER_PROBLEM = 20
MAX_NAMES_PER_NOTE = 10


@dataclass(frozen=True, eq=False)
class ParsedTable:
    """One table as read: stripped text cells, values parsed from them, the line of each row.

    `header` is None when no file was found or the file could not be read. `text` and
    `values` hold the contract columns the file has; `values` is NaN/NaT where a cell is
    blank or unparsable, so the rules can tell the two apart from `text`.
    """

    table: Table
    file: str
    found: bool = False
    header: tuple[str, ...] | None = None
    text: pd.DataFrame = field(default_factory=pd.DataFrame)
    values: pd.DataFrame = field(default_factory=pd.DataFrame)
    lines: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    @property
    def readable(self) -> bool:
        return self.header is not None

    @property
    def missing_columns(self) -> list[str]:
        return [c.name for c in self.table.columns if c.required and c.name not in self.text]

    def has(self, *columns: str) -> bool:
        """Read, with these columns: a rule about them can run."""
        return self.readable and all(c in self.text for c in columns)

    def blank(self, column: str) -> pd.Series:
        return self.text[column].eq("")

    def unparsed(self, column: str) -> pd.Series:
        """Cells with text that did not parse as the column's kind."""
        if self.table.column(column).kind is Kind.TEXT:
            return pd.Series(False, index=self.text.index)
        return ~self.blank(column) & self.values[column].isna()

    @cached_property
    def parsed_rows(self) -> pd.Series:
        """Rows whose required cells are filled and whose every cell parsed."""
        ok = pd.Series(True, index=self.text.index)
        for column in self.table.columns:
            if column.name in self.text:
                ok &= ~self.unparsed(column.name)
                if column.required:
                    ok &= ~self.blank(column.name)
        return ok


@dataclass(frozen=True)
class Inputs:
    """Everything the rules look at: every table of the contract, and which must be present."""

    tables: dict[str, ParsedTable]
    required: frozenset[str]

    def read_tables(self) -> list[ParsedTable]:
        return [t for t in self.tables.values() if t.readable]


def row_problems(t: ParsedTable, mask, column: str, say: Callable[[int], str]) -> list[Problem]:
    """One problem per flagged row (say(row) words it), capped so a huge bad file stays readable."""
    rows = np.flatnonzero(np.asarray(mask, dtype=bool))
    problems = [Problem(t.file, say(i), int(t.lines[i]), column) for i in rows[:MAX_ROWS_PER_PROBLEM]]
    if len(rows) > MAX_ROWS_PER_PROBLEM:
        more = len(rows) - MAX_ROWS_PER_PROBLEM
        problems.append(Problem(t.file, f"... and {more} more rows with the same problem", column=column))
    return problems


def _cell(t: ParsedTable, column: str, row: int) -> str:
    return t.text[column].iat[row]


def check_required_files(inputs: Inputs) -> list[Problem]:
    missing = [t for t in inputs.tables.values() if t.table.name in inputs.required and not t.found]
    return [
        Problem(
            t.file,
            f"required file is missing; add {t.table.name}.csv (or .parquet, or a sheet "
            f"'{t.table.name}' in the dataset's .xlsx workbook) "
            f"with columns: {_contract_columns(t.table)}",
        )
        for t in missing
    ]


def _contract_columns(table: Table) -> str:
    """The header to write, optional columns in [brackets] as in the docs."""
    return ", ".join(c.name if c.required else f"[{c.name}]" for c in table.columns)


def check_required_columns(inputs: Inputs) -> list[Problem]:
    problems = []
    for t in inputs.read_tables():
        present = ", ".join(t.header) or "none"
        for name in t.missing_columns:
            problems.append(
                Problem(
                    t.file,
                    f"required column '{name}' is missing (the file has: "
                    f"{present}); add it to the header line, names are case-sensitive",
                    1,
                    name,
                )
            )
    return problems


def check_blank_cells(inputs: Inputs) -> list[Problem]:
    problems = []
    for t in inputs.read_tables():
        for column in t.table.columns:
            if column.required and column.name in t.text:
                name, why = column.name, f" ({column.meaning})" if column.meaning else ""
                problems += row_problems(
                    t, t.blank(name), name, lambda i: f"{name} is blank; every row needs a {name}{why}"
                )
    return problems


_FORMATS = {
    Kind.NUMBER: "is not a number; write plain digits with '.' for decimals, e.g. 12.5",
    Kind.INT: "is not a whole number; write digits only, e.g. 7",
    Kind.DATE: "is not a date; write dates as YYYY-MM-DD, e.g. 2024-03-31",
}


def check_unparsable_cells(inputs: Inputs) -> list[Problem]:
    problems = []
    for t in inputs.read_tables():
        for column in t.table.columns:
            if column.kind in _FORMATS and column.name in t.text:
                problems += row_problems(
                    t,
                    t.unparsed(column.name),
                    column.name,
                    lambda i: f"{column.name} '{_cell(t, column.name, i)}' {_FORMATS[column.kind]}",
                )
    return problems


def _below_minimum(column, value: str) -> str:
    below = "is negative" if column.minimum == 0 else f"is below {column.minimum:g}"
    unit = f" {column.unit}" if column.unit else ""
    return f"{column.name} '{value}' {below}; {column.name} must be >= {column.minimum:g}{unit}"


def check_minimums(inputs: Inputs) -> list[Problem]:
    problems = []
    for t in inputs.read_tables():
        for column in t.table.columns:
            if column.minimum is not None and column.name in t.values:
                low = t.values[column.name].lt(column.minimum)
                problems += row_problems(
                    t, low, column.name, lambda i: _below_minimum(column, _cell(t, column.name, i))
                )
    return problems


def check_lot_size_positive(inputs: Inputs) -> list[Problem]:
    t = inputs.tables["supplier_items"]
    if not t.has("lot_size"):
        return []
    return row_problems(
        t,
        t.values["lot_size"].eq(0),
        "lot_size",
        lambda i: (
            f"lot_size '{_cell(t, 'lot_size', i)}' must be > 0; POs are "
            "ordered in multiples of it (1 or blank = any quantity)"
        ),
    )


def check_duplicate_keys(inputs: Inputs) -> list[Problem]:
    return [p for t in inputs.read_tables() if t.table.key and t.has(*t.table.key) for p in _duplicates(t)]


def _duplicates(t: ParsedTable) -> list[Problem]:
    """Every repeat of a key names the line that first had it."""
    key = list(t.table.key)
    keys = t.values.loc[t.parsed_rows, key]
    same = keys[keys.duplicated(keep=False)]
    if same.empty:
        return []
    lines = pd.Series(t.lines[same.index], index=same.index)
    first = lines.groupby([same[k] for k in key], sort=False).transform("first")
    repeat = pd.Series(False, index=t.text.index)
    repeat[same.index[lines.ne(first)]] = True
    columns = ", ".join(key)
    per = columns if len(key) == 1 else f"({columns})"
    return row_problems(
        t,
        repeat,
        columns,
        lambda i: (
            f"duplicate key {', '.join(f'{k}={_cell(t, k, i)}' for k in key)}: line {first[i]} "
            f"has the same; keep one row per {per}"
        ),
    )


SKU_REFERENCES = {
    "inventory": ("sku",),
    "supplier_items": ("sku",),
    "inbound": ("sku",),
    "demand_history": ("sku",),
    "open_orders": ("sku",),
}
FC_REFERENCES = {
    "inventory": ("fc",),
    "inbound": ("fc",),
    "shipping_lanes": ("fc",),
    "transfer_lanes": ("from_fc", "to_fc"),
    "supplier_items": ("fc",),
}
ANY_FC = "*"


def _known(t: ParsedTable, column: str) -> set[str] | None:
    """The values a table defines, or None when it cannot tell (absent or broken file)."""
    if not t.has(column):
        return None
    return set(t.text[column][~t.blank(column)])


def _unknown_references(
    inputs: Inputs, target: str, column: str, references: dict, allowed: Iterable[str] = ()
) -> list[Problem]:
    defined = inputs.tables[target]
    known = _known(defined, column)
    if known is None:
        return []
    known |= set(allowed)
    problems = []
    for name, columns in references.items():
        t = inputs.tables[name]
        for ref in filter(t.has, columns):
            unknown = t.parsed_rows & ~t.text[ref].isin(known)
            problems += row_problems(
                t,
                unknown,
                ref,
                lambda i: f"{column} '{_cell(t, ref, i)}' is not in {defined.file}; add it there or fix the spelling",
            )
    return problems


def check_unknown_skus(inputs: Inputs) -> list[Problem]:
    return _unknown_references(inputs, "skus", "sku", SKU_REFERENCES)


def check_unknown_fcs(inputs: Inputs) -> list[Problem]:
    return _unknown_references(inputs, "fulfillment_centers", "fc", FC_REFERENCES, allowed=[ANY_FC])


def check_unserved_regions(inputs: Inputs) -> list[Problem]:
    """Demand in a region no FC serves can never be shipped."""
    fcs, lanes = inputs.tables["fulfillment_centers"], inputs.tables["shipping_lanes"]
    served = _known(fcs, "region")
    lane_regions = _known(lanes, "region") if lanes.found else set()
    if served is None or lane_regions is None:
        return []
    served |= lane_regions
    problems = []
    for t in (inputs.tables["demand_history"], inputs.tables["open_orders"]):
        if t.has("region"):
            unserved = t.parsed_rows & ~t.text["region"].isin(served)
            problems += row_problems(
                t,
                unserved,
                "region",
                lambda i: (
                    f"region '{_cell(t, 'region', i)}' is served by no FC, so this demand can never "
                    f"ship; give an FC that region in {fcs.file}, add a shipping_lanes row, "
                    "or fix the spelling"
                ),
            )
    return problems


def check_self_transfers(inputs: Inputs) -> list[Problem]:
    t = inputs.tables["transfer_lanes"]
    if not t.has("from_fc", "to_fc"):
        return []
    same = t.parsed_rows & t.text["from_fc"].eq(t.text["to_fc"])
    return row_problems(
        t,
        same,
        "to_fc",
        lambda i: f"transfer lane from '{_cell(t, 'from_fc', i)}' to itself; remove the row or name another to_fc",
    )


def check_due_after_order(inputs: Inputs) -> list[Problem]:
    t = inputs.tables["open_orders"]
    if not t.has("order_date", "due_date"):
        return []
    early = t.parsed_rows & t.values["due_date"].lt(t.values["order_date"])
    return row_problems(
        t,
        early,
        "due_date",
        lambda i: (
            f"due_date {_cell(t, 'due_date', i)} is before order_date {_cell(t, 'order_date', i)}; "
            "fix one of the two dates"
        ),
    )


def check_history_not_empty(inputs: Inputs) -> list[Problem]:
    t = inputs.tables["demand_history"]
    if not t.readable or len(t.text):
        return []
    return [
        Problem(
            t.file,
            "has no rows; the forecast needs past demand: add one row per "
            "date, sku and region with the quantity ordered",
        )
    ]


CHECKS = (
    check_required_files,
    check_required_columns,
    check_blank_cells,
    check_unparsable_cells,
    check_minimums,
    check_lot_size_positive,
    check_duplicate_keys,
    check_unknown_skus,
    check_unknown_fcs,
    check_unserved_regions,
    check_self_transfers,
    check_due_after_order,
    check_history_not_empty,
)


def check_dataset(inputs: Inputs) -> list[Problem]:
    """Every problem every rule finds, in rule order."""
    return [problem for check in CHECKS for problem in check(inputs)]


def _listing(names: Iterable[str]) -> str:
    names = sorted(names)
    shown = ", ".join(names[:MAX_NAMES_PER_NOTE])
    more = len(names) - MAX_NAMES_PER_NOTE
    return shown + (f" and {more} more" if more > 0 else "")


def note_skus_without_supplier(dataset: Dataset) -> list[str]:
    unsupplied = set(dataset.skus["sku"]) - set(dataset.supplier_items["sku"].unique())
    if not unsupplied:
        return []
    return [
        f"{len(unsupplied)} skus have no supplier_items row and can only be moved between "
        f"FCs, never bought: {_listing(unsupplied)}"
    ]


def note_skus_without_history(dataset: Dataset) -> list[str]:
    unseen = set(dataset.skus["sku"]) - set(dataset.demand_history["sku"].unique())
    if not unseen:
        return []
    return [f"{len(unseen)} skus have no demand_history rows, so no demand is forecast for them: {_listing(unseen)}"]


def note_inbound_in_past(dataset: Dataset) -> list[str]:
    if dataset.demand_history.empty:
        return []
    last = dataset.last_history_date
    past = dataset.inbound[dataset.inbound["eta"].le(last)]
    if past.empty:
        return []
    pos = (f"{r.sku} to {r.fc}" + (f" (PO {r.po_id})" if r.po_id else "") for r in past.itertuples())
    return [
        f"{len(past)} inbound rows have an eta on or before the last demand_history date "
        f"{last.date()}; if they already arrived, move them to inventory: {_listing(pos)}"
    ]


NOTES = (note_skus_without_supplier, note_skus_without_history, note_inbound_in_past)


def collect_notes(dataset: Dataset) -> tuple[str, ...]:
    """Findings worth a warning that do not stop planning."""
    return tuple(note for rule in NOTES for note in rule(dataset))


def summarize(dataset: Dataset) -> dict:
    """Sizes of a valid dataset, as plain JSON-able values, for `planner validate`."""
    fcs, history, orders = dataset.fulfillment_centers, dataset.demand_history, dataset.open_orders
    regions = set().union(*(frame["region"].unique() for frame in (fcs, dataset.shipping_lanes, history, orders)))
    dates = history["date"]
    return {
        "skus": len(dataset.skus),
        "fcs": len(fcs),
        "regions": len(regions),
        "suppliers": int(dataset.supplier_items["supplier"].nunique()),
        "supplier_items": len(dataset.supplier_items),
        "open_order_lines": len(orders),
        "open_order_units": float(orders["quantity"].sum()),
        "inbound_pos": len(dataset.inbound),
        "history_first": None if dates.empty else str(dates.min().date()),
        "history_last": None if dates.empty else str(dates.max().date()),
        "history_rows": len(history),
        "notes": len(dataset.notes),
    }
