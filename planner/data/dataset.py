"""The validated input of a planning run, as typed frames, and the problems found in it."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

SHEET = ", sheet "


def sheet_label(workbook: str, sheet: str) -> str:
    """Where a table given as a workbook sheet is: its problems then say 'row', as Excel does."""
    return f"{workbook}{SHEET}'{sheet}'"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is and how to fix it."""

    file: str
    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        row = "row" if SHEET in self.file else "line"
        where = self.file if self.line is None else f"{self.file}, {row} {self.line}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class DatasetError(Exception):
    """Raised with every problem of a dataset at once, so a user fixes them in one pass."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Dataset:
    """All tables of the contract, typed: text as str, numbers as float, dates as datetime64.

    Optional tables that are absent are empty frames with the contract columns. Optional
    numeric columns left blank are NaN (for capacities: unlimited).
    """

    skus: pd.DataFrame
    fulfillment_centers: pd.DataFrame
    supplier_items: pd.DataFrame
    inventory: pd.DataFrame
    inbound: pd.DataFrame
    transfer_lanes: pd.DataFrame
    shipping_lanes: pd.DataFrame
    demand_history: pd.DataFrame
    open_orders: pd.DataFrame
    notes: tuple[str, ...] = ()
    """Non-fatal findings (e.g. a sku nobody supplies), shown to the user as warnings."""

    @property
    def last_history_date(self) -> pd.Timestamp:
        return pd.Timestamp(self.demand_history["date"].max())
