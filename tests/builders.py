"""Build small typed Datasets in memory for hand-checkable model tests."""

from __future__ import annotations

import pandas as pd

from planner.data.dataset import Dataset
from planner.data.schema import TABLES, Kind

_DTYPES = {Kind.TEXT: "object", Kind.INT: "int64", Kind.NUMBER: "float64", Kind.DATE: "datetime64[ns]"}


def table(name: str, rows: list[dict]) -> pd.DataFrame:
    """A contract table from a few dict rows; optional columns take their schema default."""
    spec = next(t for t in TABLES if t.name == name)
    frame = pd.DataFrame(rows, columns=[c.name for c in spec.columns])
    for column in spec.columns:
        if not column.required:
            default = float("nan") if column.default is None else column.default
            frame[column.name] = frame[column.name].astype(object).where(frame[column.name].notna(), default)
        frame[column.name] = frame[column.name].astype(_DTYPES[column.kind])
    return frame


def dataset(**tables: list[dict]) -> Dataset:
    """A Dataset with the given tables (lists of row dicts); absent ones are empty."""
    return Dataset(**{t.name: table(t.name, tables.get(t.name, [])) for t in TABLES})


def weekly_history(sku: str, region: str, weeks: int, quantity: float, end: str = "2026-11-29"):
    """Constant weekly demand rows ending on `end` (the plan then starts the next day)."""
    dates = pd.date_range(end=end, periods=weeks, freq="7D")
    return [{"date": d, "sku": sku, "region": region, "quantity": quantity} for d in dates]
