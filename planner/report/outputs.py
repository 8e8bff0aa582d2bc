"""Render a plan run into its output files, and write a folder of files all at once or not at all."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING

import pandas as pd

from planner.data.files import write_folder  # noqa: F401  (re-exported: the CLI writes plans with it)
from planner.data.formula_guard import csv_safe_text, is_text_column
from planner.report.page import report_html
from planner.report.workbook import purchase_order_workbook

if TYPE_CHECKING:
    from planner.pipeline import PlanRun

FORECAST_COLUMNS = ["sku", "region", "period_start", "forecast", "lower", "upper", "model"]
SERVICE_COLUMNS = ["sku", "segment", "service_level"]  # per sku, after the forecast's own columns
PO_COLUMNS = [
    "supplier",
    "sku",
    "fc",
    "order_date",
    "arrival_date",
    "quantity",
    "unit_price",
    "total_cost",
    "action",
    "lead_time_days",
    "lot_sized",
    "reason",
]


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Deterministic CSV: ISO dates, shortest float repr rounded to 6 decimals, '\\n' line ends.

    Text a spreadsheet would run as a formula gets a leading single quote (planner.data.formula_guard).
    """
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d").fillna("")
        elif pd.api.types.is_float_dtype(frame[column]):
            frame[column] = frame[column].round(6) + 0.0
        elif is_text_column(frame[column]):
            frame[column] = csv_safe_text(frame[column])
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def json_bytes(data) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n").encode("utf-8")


def forecast_files(forecast: pd.DataFrame, service: pd.DataFrame | None = None) -> dict[str, bytes]:
    """forecast.csv (with the series class and backtest error, and each sku's segment and
    service level when `service` gives them) and forecast_metrics.csv."""
    from planner.forecast.core import forecast_metrics

    extra = ("series_class", "backtest_mase", "sigma")
    table = forecast[FORECAST_COLUMNS + [c for c in extra if c in forecast.columns]]
    if service is not None:
        table = table.merge(service[SERVICE_COLUMNS], on="sku", how="left")
    files = {"forecast.csv": csv_bytes(table)}
    if "backtest_mase" in forecast.columns:
        files["forecast_metrics.csv"] = csv_bytes(forecast_metrics(forecast))
    return files


def _history(run: PlanRun) -> pd.DataFrame:
    return (
        run.dataset.demand_history
        if run.dataset is not None
        else pd.DataFrame(columns=["date", "sku", "region", "quantity"])
    )


def plan_tables(run: PlanRun) -> dict[str, pd.DataFrame]:
    """The plan's CSV tables as frames, keyed by file stem: what the CSV files hold, before text formatting."""
    plan = run.plan
    return {
        "purchase_orders": plan.purchase_orders[PO_COLUMNS],
        "transfers": plan.transfers,
        "order_plan": run.order_plan,
        "inventory_projection": plan.inventory_projection,
    }


def plan_files(run: PlanRun) -> dict[str, bytes]:
    """Every output file of a plan, as bytes, keyed by file name."""
    return {
        **{f"{stem}.csv": csv_bytes(frame) for stem, frame in plan_tables(run).items()},
        "purchase_orders.xlsx": purchase_order_workbook(run.plan.purchase_orders, PO_COLUMNS, run.calendar.start),
        **forecast_files(run.forecast, run.service),
        "kpis.json": json_bytes(run.kpis),
        "report.html": report_html(run, _history(run)),
        **_open_purchase_orders(run),
        **risk_files(run.risk),
    }


def risk_files(risk) -> dict[str, bytes]:
    """risk.csv (per sku, FC and period) and risk_summary.csv (per sku and FC), with scenarios only."""
    if risk is None:
        return {}
    return {"risk.csv": csv_bytes(risk.by_period), "risk_summary.csv": csv_bytes(risk.by_pair)}


def _open_purchase_orders(run: PlanRun) -> dict[str, bytes]:
    """open_purchase_orders.csv: the open POs the plan counted on (inbound.csv, and with --previous
    the old plan's released lines not in it yet); `planner diff` finds placed lines in it."""
    from planner.data.previous import open_purchase_orders

    if run.dataset is None:
        return {}
    return {
        "open_purchase_orders.csv": csv_bytes(open_purchase_orders(run.dataset.inbound, run.previous, run.calendar))
    }
