"""The report's charts, drawn with matplotlib's Agg canvas into PNG bytes.

Figures are built without pyplot (no global state, no display needed), and the PNG carries no
software tag or date, so the same plan gives the same bytes.
"""

from __future__ import annotations

import io
import math

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

WIDTH_INCHES = 9.6
PANEL_HEIGHT = 2.3
LEGEND_INCHES = 0.3
DPI = 96
STYLE = {"font.size": 8}
SHIPPED, BACKLOG, CAPACITY = "#4c78a8", "#e45756", "#333333"
STOCK, SAFETY, HISTORY, FORECAST = "#4c78a8", "#f58518", "#333333", "#4c78a8"


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes, without metadata that would change from run to run."""
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer, metadata={"Software": None})
    return buffer.getvalue()


def panels(count: int, columns: int = 2) -> tuple[Figure, list]:
    """A grid of `count` panels sharing the x axis, two to a row, legend room on top.

    Margins are fixed: matplotlib's automatic layouts cost more than the drawing itself.
    """
    rows = math.ceil(count / columns)
    height = PANEL_HEIGHT * rows + LEGEND_INCHES
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    figure.subplots_adjust(
        left=0.06, right=0.97, bottom=0.5 / height, top=1 - (LEGEND_INCHES + 0.25) / height, wspace=0.15, hspace=0.45
    )
    axes = figure.subplots(rows, columns, sharex=True, squeeze=False).ravel()
    for unused in axes[count:]:
        unused.set_visible(False)
        axes[count - columns].xaxis.set_tick_params(labelbottom=True)
    return figure, list(axes[:count])


def _dates(axis, dates: pd.DatetimeIndex) -> None:
    """At most five date ticks at given dates: fixed ticks draw far faster than date locators."""
    ticks = dates[:: max(1, math.ceil(len(dates) / 5))]
    axis.set_xticks(mdates.date2num(ticks.to_pydatetime()), [d.strftime("%Y-%m-%d") for d in ticks])
    axis.grid(axis="y", color="#dddddd", linewidth=0.6)
    axis.spines[["top", "right"]].set_visible(False)


def _legend(figure: Figure, axis) -> None:
    figure.legend(*axis.get_legend_handles_labels(), loc="upper center", ncols=4, frameon=False)


def capacity_chart(capacity: pd.DataFrame, projection: pd.DataFrame, fcs: list[str], edges: pd.DatetimeIndex) -> bytes:
    """Per FC: units shipped and backlog waiting (stacked bars) under the outbound capacity line.

    `edges` are the plan's period boundaries, its end included.
    """
    backlog = projection.groupby(["fc", "period_start"])["backlog"].sum()
    bar_days = 0.8 * np.diff(edges.values).astype("timedelta64[D]").astype(float)
    figure, axes = panels(len(fcs))
    for axis, fc in zip(axes, fcs):
        rows = capacity[capacity["fc"] == fc].sort_values("period_start")
        starts = rows["period_start"].to_numpy()
        waiting = backlog.reindex(list(zip(rows["fc"], rows["period_start"])), fill_value=0.0).to_numpy()
        axis.bar(starts, rows["outbound_units"], width=bar_days, align="edge", color=SHIPPED, label="shipped")
        axis.bar(
            starts,
            waiting,
            bottom=rows["outbound_units"],
            width=bar_days,
            align="edge",
            color=BACKLOG,
            label="backlog waiting",
        )
        axis.stairs(
            rows["outbound_capacity"].to_numpy(),
            mdates.date2num(edges.to_pydatetime()),
            baseline=None,
            color=CAPACITY,
            linewidth=1.2,
            label="outbound capacity",
        )
        axis.set_title(f"{fc}: outbound units per period", loc="left", parse_math=False)
        _dates(axis, pd.DatetimeIndex(starts))
    _legend(figure, axes[0])
    return png(figure)


def stock_chart(projection: pd.DataFrame, skus: list[str]) -> bytes:
    """Per sku at risk: network closing stock against safety stock, and units backordered."""
    network = projection.groupby(["sku", "period_start"], as_index=False)[
        ["closing", "safety_stock", "backorder"]
    ].sum()
    figure, axes = panels(len(skus))
    for axis, sku in zip(axes, skus):
        rows = network[network["sku"] == sku].sort_values("period_start")
        axis.plot(rows["period_start"], rows["closing"], color=STOCK, marker="o", markersize=2.5, label="closing stock")
        axis.plot(rows["period_start"], rows["safety_stock"], color=SAFETY, linestyle="--", label="safety stock")
        axis.fill_between(
            rows["period_start"], 0, -rows["backorder"], color=BACKLOG, alpha=0.5, label="backordered (below 0)"
        )
        axis.axhline(0, color="#999999", linewidth=0.6)
        axis.set_title(f"{sku}: units in the network", loc="left", parse_math=False)
        _dates(axis, pd.DatetimeIndex(rows["period_start"]))
    _legend(figure, axes[0])
    return png(figure)


def forecast_chart(history: pd.DataFrame, forecast: pd.DataFrame, skus: list[str]) -> bytes:
    """Per top sku: demand history per period, then the forecast and its interval, all regions."""
    past = history.groupby(["sku", "period_start"], as_index=False)["quantity"].sum()
    ahead = forecast.groupby(["sku", "period_start"], as_index=False)[["forecast", "lower", "upper"]].sum()
    figure, axes = panels(len(skus))
    for axis, sku in zip(axes, skus):
        seen = past[past["sku"] == sku].sort_values("period_start")
        coming = ahead[ahead["sku"] == sku].sort_values("period_start")
        axis.plot(seen["period_start"], seen["quantity"], color=HISTORY, linewidth=1, label="history")
        axis.plot(coming["period_start"], coming["forecast"], color=FORECAST, linewidth=1.5, label="forecast")
        axis.fill_between(
            coming["period_start"],
            coming["lower"],
            coming["upper"],
            color=FORECAST,
            alpha=0.2,
            linewidth=0,
            label="interval",
        )
        axis.set_ylim(bottom=0)
        axis.set_title(f"{sku}: demand per period", loc="left", parse_math=False)
        _dates(axis, pd.DatetimeIndex(pd.concat([seen["period_start"], coming["period_start"]])))
    _legend(figure, axes[0])
    return png(figure)
