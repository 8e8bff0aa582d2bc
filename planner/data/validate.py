"""The rules a dataset must follow, as small check functions that each collect every problem.

Each `check_<rule>` takes the tables as read (text cells, parsed values, line numbers) and
returns the problems it finds, each naming file, line and column and saying how to fix it.
Cross-file rules only look at rows whose cells all parsed, so a bad cell is reported once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd

from planner.data.dataset import Dataset, Problem
from planner.data.schema import FIRST_DATE, LAST_DATE, Kind, Table

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
                    lambda i: _unparsed(column, _cell(t, column.name, i)),
                )
    return problems


ISO_FORM = re.compile(r"\d{4}-\d{2}-\d{2}")


def _unparsed(column, value: str) -> str:
    """Why a cell did not parse: its form, or a well-formed value out of range."""
    if column.kind is Kind.DATE and ISO_FORM.fullmatch(value) and _is_calendar_date(value):
        return (
            f"{column.name} '{value}' is outside the dates the planner supports, {FIRST_DATE} to {LAST_DATE} "
            "(the plan's dates must stay within the calendar pandas can hold); check the year"
        )
    if column.kind is not Kind.DATE and _is_infinite(value):
        return (
            f"{column.name} '{value}' is too large; {column.name} must be <= {_amount(column.maximum)}{_unit(column)}"
        )
    return f"{column.name} '{value}' {_FORMATS[column.kind]}"


def _is_calendar_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_infinite(value: str) -> bool:
    """A number too large for a float ('1e400'), not the words 'inf' or 'infinity'."""
    try:
        return math.isinf(float(value)) and not any(c.isalpha() and c not in "eE" for c in value)
    except ValueError:
        return False


def _amount(value: float | None) -> str:
    if value is None:
        return "a finite number"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


def _unit(column) -> str:
    return f" {column.unit}" if column.unit else ""


def _below_minimum(column, value: str) -> str:
    below = "is negative" if column.minimum == 0 else f"is below {column.minimum:g}"
    return f"{column.name} '{value}' {below}; {column.name} must be >= {column.minimum:g}{_unit(column)}"


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


def check_maximums(inputs: Inputs) -> list[Problem]:
    """Values past the schema's sane maximum: a typo, or sizes whose dates and costs overflow."""
    problems = []
    for t in inputs.read_tables():
        for column in t.table.columns:
            if column.maximum is not None and column.name in t.values:
                high = t.values[column.name].gt(column.maximum)
                problems += row_problems(
                    t,
                    high,
                    column.name,
                    lambda i: (
                        f"{column.name} '{_cell(t, column.name, i)}' is above {_amount(column.maximum)}"
                        f"{_unit(column)}, the most the planner accepts; check the value and its unit"
                    ),
                )
    return problems


def check_repeated_columns(inputs: Inputs) -> list[Problem]:
    """A contract column named twice in a header: which of its values count is anybody's guess."""
    problems = []
    for t in inputs.read_tables():
        for column in t.table.columns:
            places = [str(i + 1) for i, name in enumerate(t.header) if name == column.name]
            if len(places) > 1:
                problems.append(
                    Problem(
                        t.file,
                        f"column '{column.name}' is in the header {len(places)} times (columns "
                        f"{', '.join(places[:-1])} and {places[-1]}); keep one of them, with the values that count",
                        1,
                        column.name,
                    )
                )
    return problems


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
FREE_TEXT = ("description",)  # text no output carries, so any character will do


def check_control_characters(inputs: Inputs) -> list[Problem]:
    """Names with control characters: no output carries them intact (an .xlsx cell refuses them)."""
    problems = []
    for t in inputs.read_tables():
        for column in t.table.columns:
            if column.kind is Kind.TEXT and column.name not in FREE_TEXT and column.name in t.text:
                name = column.name
                problems += row_problems(
                    t,
                    t.text[name].str.contains(CONTROL_CHARACTERS),
                    name,
                    lambda i: _control_character(name, _cell(t, name, i)),
                )
    return problems


def _control_character(name: str, value: str) -> str:
    found = CONTROL_CHARACTERS.search(value).group()
    return (
        f"{name} {value!r} holds the control character U+{ord(found):04X}, which the outputs cannot carry "
        "(the .xlsx workbook refuses it); retype the value without it"
    )


def check_lot_size_positive(inputs: Inputs) -> list[Problem]:
    return _refused_value(
        inputs,
        "supplier_items",
        "lot_size",
        0,
        "must be > 0; POs are ordered in multiples of it (1 or blank = any quantity)",
    )


def check_service_level_below_one(inputs: Inputs) -> list[Problem]:
    """A service level of 1 asks for an infinite safety stock (z of 100% is infinite); above 1
    is past the column's maximum, named by check_maximums."""
    return _refused_value(
        inputs,
        "skus",
        "service_level",
        1,
        "must be below 1: no safety stock covers every cycle; write a share such as 0.99, "
        "or leave it blank for the model's service level",
    )


def _refused_value(inputs: Inputs, table: str, column: str, value: float, why: str) -> list[Problem]:
    """Cells holding the one value a column's minimum or maximum lets through but the planner cannot use."""
    t = inputs.tables[table]
    if not t.has(column):
        return []
    return row_problems(t, t.values[column].eq(value), column, lambda i: f"{column} '{_cell(t, column, i)}' {why}")


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


STRAY_GAP_DAYS = 28


def check_stray_history_dates(inputs: Inputs) -> list[Problem]:
    """History rows far after the rest: the plan starts the day after the last history date,
    so one mistyped year (2030 for 2024) moves the whole plan and leaves every order late.

    Rows are stray when a hole of more than STRAY_GAP_DAYS without any history lies before
    them, the hole is longer than the span they cover, and they are later than every date of
    the open orders and inbound POs; the earliest such hole counts. History that resumes after
    a real gap is told apart by its length or by the orders placed since.
    """
    t = inputs.tables["demand_history"]
    if not t.has("date"):
        return []
    dates = t.values["date"]
    distinct = np.sort(dates.dropna().unique())
    latest_other = _latest_order_or_inbound_date(inputs)
    holes = np.flatnonzero(np.diff(distinct) > np.timedelta64(STRAY_GAP_DAYS, "D")) + 1
    for first in holes:
        start, previous = pd.Timestamp(distinct[first]), pd.Timestamp(distinct[first - 1])
        hole, span = start - previous, pd.Timestamp(distinct[-1]) - start
        if hole > span and (latest_other is None or start > latest_other):
            plan_start = (pd.Timestamp(distinct[-1]) + pd.Timedelta(days=1)).date()
            beyond = (
                "" if latest_other is None else f" and after every open order and inbound date ({latest_other.date()})"
            )
            late = " with every open order late" if inputs.tables["open_orders"].has("due_date") else ""
            return row_problems(
                t,
                dates.ge(start),
                "date",
                lambda i: (
                    f"date {_cell(t, 'date', i)} is {(dates.iat[i] - previous).days} days after the rest of the "
                    f"history (which ends {previous.date()}){beyond}: the plan would start on {plan_start}{late}; "
                    "fix the date or remove the row (if demand really resumed after a gap, add the dates in "
                    "between with quantity 0)"
                ),
            )
    return []


def _latest_order_or_inbound_date(inputs: Inputs) -> pd.Timestamp | None:
    found = [
        inputs.tables[name].values[column].max()
        for name, column in (("open_orders", "order_date"), ("open_orders", "due_date"), ("inbound", "eta"))
        if inputs.tables[name].has(column)
    ]
    found = [d for d in found if not pd.isna(d)]
    return max(found) if found else None


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
    check_repeated_columns,
    check_blank_cells,
    check_unparsable_cells,
    check_minimums,
    check_maximums,
    check_control_characters,
    check_lot_size_positive,
    check_service_level_below_one,
    check_duplicate_keys,
    check_unknown_skus,
    check_unknown_fcs,
    check_unserved_regions,
    check_self_transfers,
    check_due_after_order,
    check_history_not_empty,
    check_stray_history_dates,
)


def check_dataset(inputs: Inputs) -> list[Problem]:
    """Every problem every rule finds, in rule order."""
    return [problem for check in CHECKS for problem in check(inputs)]


def repair_repeated_inbound_lines(tables: dict[str, ParsedTable]) -> tuple[dict[str, ParsedTable], list[str]]:
    """An inbound line repeating an earlier one in every column, its po_id given, is the same
    open PO entered twice (an export or copy slip): counted once. Without a po_id two equal
    lines may be two POs, and lines of one PO that differ may be split deliveries: both kept."""
    t = tables["inbound"]
    if not t.has("po_id") or t.text.empty:
        return tables, []
    values = t.values[list(t.values.columns)]
    repeat = values.duplicated(keep="first") & t.text["po_id"].ne("")
    if not repeat.any():
        return tables, []
    lines = pd.Series(t.lines, index=values.index)
    first = lines.groupby([values[c] for c in values.columns], sort=False, dropna=False).transform("first")
    shown = [
        f"line {lines[i]} (= line {first[i]}: PO {t.text['po_id'][i]}, {t.text['quantity'][i]} of "
        f"{t.text['sku'][i]} to {t.text['fc'][i]} on {t.text['eta'][i]})"
        for i in np.flatnonzero(repeat)
    ]
    keep = ~repeat.to_numpy()
    kept = replace(
        t, text=t.text[keep].reset_index(drop=True), values=values[keep].reset_index(drop=True), lines=t.lines[keep]
    )
    many = len(shown) > 1
    note = (
        f"{t.file}: {len(shown)} line{'s' if many else ''} repeat{'' if many else 's'} an earlier line in every "
        f"column, po_id included, and {'are' if many else 'is'} counted once; remove {'them' if many else 'it'} from the file: "
        + _listing(shown, sort=False)
    )
    return {**tables, "inbound": kept}, [note]


REPAIRS = (repair_repeated_inbound_lines,)


def repair(tables: dict[str, ParsedTable]) -> tuple[dict[str, ParsedTable], list[str]]:
    """The unambiguous slips of a valid dataset, fixed, and a note for each saying what was done."""
    notes = []
    for fix in REPAIRS:
        tables, said = fix(tables)
        notes += said
    return tables, notes


def _listing(names: Iterable[str], sort: bool = True) -> str:
    names = sorted(names) if sort else list(names)
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
