"""Read a written plan folder back: `planner diff` and `planner explain` look only at these files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from planner.data.formula_guard import plain_text

DATE_COLUMNS = {
    "purchase_orders.csv": ["order_date", "arrival_date"],
    "order_plan.csv": ["due_date", "ship_date", "promised_date"],
    "inventory_projection.csv": ["period_start"],
    "transfers.csv": ["ship_date", "arrival_date"],
    "open_purchase_orders.csv": ["arrival_date"],
}
TEXT_COLUMNS = [
    "order_id",
    "sku",
    "fc",
    "supplier",
    "region",
    "from_fc",
    "to_fc",
    "status",
    "reason",
    "action",
    "why",
    "po_id",
    "source",
]


class PlanFolderError(ValueError):
    """The folder is not a plan written by `planner plan`, or lacks a file this command needs."""


def read_table(folder: Path, name: str, columns: list[str]) -> pd.DataFrame:
    """One CSV of a plan folder, ids kept as text and dates parsed; `columns` are the ones the
    caller reads, and a file without them (an older planner's) is named, never a traceback."""
    path = _plan_file(folder, name)
    header = pd.read_csv(path, nrows=0).columns
    missing = [column for column in columns if column not in header]
    if missing:
        raise PlanFolderError(f"{path}: no column {', '.join(missing)}; rewrite the plan with this planner")
    try:
        frame = pd.read_csv(
            path,
            dtype={c: str for c in TEXT_COLUMNS},
            keep_default_na=False,
            na_values={c: [""] for c in DATE_COLUMNS.get(name, [])},
        )
        for column in DATE_COLUMNS.get(name, []):
            frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d")
        for column in frame.columns.intersection(TEXT_COLUMNS):
            frame[column] = plain_text(frame[column])
    except (ValueError, pd.errors.ParserError) as error:
        raise PlanFolderError(f"{path}: not a plan file this planner wrote ({error})") from None
    return frame


def has_table(folder: Path, name: str) -> bool:
    """Whether the plan folder holds `name`: files a newer planner added are optional to readers."""
    return (Path(folder) / name).is_file()


def read_kpis(folder: Path) -> dict:
    path = _plan_file(folder, "kpis.json")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise PlanFolderError(f"{path}: not valid JSON ({error})") from None


def _plan_file(folder: Path, name: str) -> Path:
    folder = Path(folder)
    if not folder.is_dir():
        raise PlanFolderError(f"{folder}: no such plan folder (write one with `planner plan DATASET --out DIR`)")
    path = folder / name
    if not path.is_file():
        raise PlanFolderError(f"{folder}: no {name}; is this a plan folder written by `planner plan`?")
    return path
