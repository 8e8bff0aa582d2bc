"""What a replay hands back: the comparison table (stdout and CSV), the weekly series, the charts page."""

from __future__ import annotations

import base64
import html
import io

import pandas as pd

from planner.report.outputs import csv_bytes
from planner.simulate.run import Simulation
from planner.simulate.summary import COST_COLUMNS

CHARTS = (
    ("backorder_units", "Backorder units at the end of the week", False),
    ("backlog_units", "Backlog units at the end of the week", False),
    ("inventory_value", "Inventory value on hand", False),
    ("spend", "Cumulative purchase, holding, transfer and shipping cost", True),
)
PERCENT_ROWS = ("fill_rate", "on_time_p")


def simulation_files(simulation: Simulation) -> dict[str, bytes]:
    """simulation_summary.csv, simulation.csv and simulation.html, as bytes; with scenarios,
    simulation_scenarios.csv (one summary row per demand path and policy) too."""
    files = {
        "simulation_summary.csv": csv_bytes(simulation.summary),
        "simulation.csv": csv_bytes(simulation.weekly),
        "simulation.html": simulation_page(simulation).encode("utf-8"),
    }
    if simulation.scenarios is not None:
        files["simulation_scenarios.csv"] = csv_bytes(simulation.scenarios)
    return files


def summary_text(summary: pd.DataFrame) -> str:
    """The comparison as a fixed-width table: one column per policy, one row per measure."""
    policies = [str(policy) for policy in summary["policy"]]
    rows = {name: _cells(name, summary[name]) for name in summary.columns[1:]}
    label = max(len(name) for name in rows)
    widths = [max(len(policy), *(len(cells[i]) for cells in rows.values())) for i, policy in enumerate(policies)]
    header = " " * label + "".join(f"  {policy:>{w}}" for policy, w in zip(policies, widths))
    lines = [
        f"{name:<{label}}" + "".join(f"  {cell:>{w}}" for cell, w in zip(cells, widths)) for name, cells in rows.items()
    ]
    return "\n".join([header, *lines])


def _cells(name: str, values: pd.Series) -> list[str]:
    """One row's cells, in one format: percentages, whole numbers, or decimals for small values."""
    if name.startswith(PERCENT_ROWS):
        return ["-" if pd.isna(v) else f"{v:.1%}" for v in values]
    if not pd.api.types.is_float_dtype(values):
        return [str(v) for v in values]
    decimals = 0 if values.abs().max() >= 100 else 2
    return ["-" if pd.isna(v) else f"{v:,.{decimals}f}" for v in values]


def simulation_page(simulation: Simulation) -> str:
    """A self-contained page: the table, then one chart per weekly measure (PNG embedded)."""
    charts = "\n".join(
        f'<h2>{html.escape(title)}</h2>\n<img alt="{html.escape(title)}" '
        f'src="data:image/png;base64,{_chart(simulation.weekly, column, title, cumulative)}">'
        for column, title, cumulative in CHARTS
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Simulation</title>'
        "<style>body{font-family:sans-serif;margin:2em;max-width:60em}pre{background:#f6f6f6;padding:1em}"
        "img{max-width:100%}</style></head><body>\n"
        f"<h1>Rolling-horizon replay, {len(simulation.runs[0].weekly)} weeks{_paths(simulation)}</h1>\n"
        f"<pre>{html.escape(summary_text(simulation.summary))}</pre>\n{charts}\n</body></html>\n"
    )


def _paths(simulation: Simulation) -> str:
    if simulation.scenarios is None:
        return ""
    return f", {simulation.scenarios['scenario'].nunique()} demand paths (charts: the median path week by week)"


def _chart(weekly: pd.DataFrame, column: str, title: str, cumulative: bool) -> str:
    """One line per policy over the weeks (with scenarios, each week's median over the paths),
    as base64 PNG without metadata, so the bytes repeat."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 3.2), dpi=90)
    axes = figure.subplots()
    for policy, series in _weekly_values(weekly, column).groupby("policy", sort=False):
        values = series["value"]
        axes.plot(series["week_start"], values.cumsum() if cumulative else values, label=policy, linewidth=1.6)
    axes.set_title(title, fontsize=10)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    figure.autofmt_xdate()
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer, metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _weekly_values(weekly: pd.DataFrame, column: str) -> pd.DataFrame:
    """policy, week_start, value: the column (or the week's spend), the median over the paths with scenarios."""
    values = weekly[COST_COLUMNS].sum(axis=1) if column == "spend" else weekly[column]
    frame = weekly[["policy", "week_start"]].assign(value=values.to_numpy(dtype=float))
    if "scenario" in weekly:
        frame = frame.groupby(["policy", "week_start"], sort=False, as_index=False)["value"].median()
    return frame
