"""report.html: one self-contained page a planner reads before releasing the plan.

Headline KPIs, waiting by priority, costs, charts (outbound capacity per FC, stock against
safety stock for the SKUs most at risk, forecast against history for the top SKUs) and the
exceptions, worst first. Charts are PNGs embedded as base64 and the style is inline, so the
page needs no network; every text from the input is HTML-escaped.
"""

from __future__ import annotations

import base64
import numbers
from html import escape

import matplotlib
import numpy as np
import pandas as pd

from planner.calendar import Calendar
from planner.model.service import FROM_FILE
from planner.report import exceptions
from planner.report.charts import STYLE, capacity_chart, forecast_chart, stock_chart
from planner.report.kpis import covered_demand, sku_fill

PANELS = 6
HISTORY_PERIODS = 26
MAX_ROWS = 25
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1000px;
color:#222;padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:32px;border-bottom:1px solid #ddd}
.sub{color:#666;margin-top:0}.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:120px}
.card b{display:block;font-size:20px}.card span{color:#666;font-size:12px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{border-bottom:1px solid #eee;padding:3px 8px;text-align:left}td.n{text-align:right}
th{background:#f6f6f6}td{white-space:nowrap}td:last-child{white-space:normal}img{max-width:100%}.more{color:#666;font-size:12px}
"""


def report_html(run, history: pd.DataFrame) -> bytes:
    """The page's bytes for a plan run and the demand history it was forecast from."""
    sections = [_headline(run.kpis), _waiting(run.kpis), *_risk(run), *_service_targets(run), _costs(run.kpis)]
    with matplotlib.rc_context(STYLE):
        sections += [_capacity(run), _stock(run), _forecast(run, history)]
    sections.append(_exceptions(run))
    kpis = run.kpis["plan"]
    title = f"Plan {kpis['start']} to {kpis['end']}"
    page = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>\n"
        + "\n".join(sections)
        + "\n</body></html>\n"
    )
    return page.encode("utf-8")


def _headline(kpis: dict) -> str:
    plan, service, orders, solver = kpis["plan"], kpis["service"], kpis["orders"], kpis["solver"]
    gap = "" if solver["mip_gap"] is None else f", gap {solver['mip_gap']:.2%}"
    cards = [
        ("fill rate", f"{service['fill_rate']:.1%}"),
        ("backorder units", _number(service["backorder_units"], 0)),
        ("backlog units", _number(service["backlog_units"], 0)),
        ("order lines late", f"{orders['lines_by_status']['late']} of {orders['lines']}"),
        ("order lines backordered", str(orders["lines_by_status"]["backorder"])),
        ("PO lines to release now", f"{kpis['purchase_orders']['release_now']} of {kpis['purchase_orders']['lines']}"),
        ("total cost", _money(kpis["costs"]["total"])),
    ]
    items = "".join(f'<div class="card"><b>{escape(v)}</b><span>{escape(k)}</span></div>' for k, v in cards)
    return (
        f"<h1>Replenishment plan {escape(plan['start'])} to {escape(plan['end'])}</h1>"
        f'<p class="sub">{plan["horizon"]} periods of one {escape(plan["period"])}; solver '
        f'{escape(solver["name"])} {escape(solver["status"])}{gap}</p><div class="cards">{items}</div>'
    )


def _waiting(kpis: dict) -> str:
    """Units waiting (service) and order lines by status, per priority."""
    service, orders = kpis["service"]["by_priority"], kpis["orders"]["by_priority"]
    header = [
        "priority",
        "demand units",
        "backorder units",
        "backlog units",
        "lines on time",
        "lines late",
        "lines backordered",
    ]
    rows = []
    for priority in sorted(set(service) | set(orders), key=int):
        units, lines = service.get(priority, {}), orders.get(priority, {})
        rows.append(
            [priority]
            + [units.get(k) for k in ("demand_units", "backorder_units", "backlog_units")]
            + [lines.get(k) for k in ("on_time", "late", "backorder")]
        )
    note = (
        '<p class="more">Priorities without order lines are forecast demand. A backorder waits for stock: '
        "no free stock at an FC serving the customer is left for it. A backlog unit waits with its stock in an FC: "
        "committed to it and waiting for outbound capacity, or kept free there while it waits (the FC ships "
        "all it can, or the plan keeps that stock for a transfer or for more urgent orders).</p>"
    )
    return "<h2>Waiting by priority</h2>" + table(header, rows) + note


def _risk(run) -> list[str]:
    """The SKU x FC pairs most likely to stock out over the scenarios (no section without them)."""
    risk = run.kpis.get("risk")
    if risk is None:
        return []
    spread = " / ".join(f"{risk['fill_rate'][q]:.1%}" for q in ("p10", "p50", "p90"))
    intro = (
        f"<p>The plan applied to {risk['scenarios']} demand paths drawn from the forecast's error (seed "
        f"{risk['seed']}): network fill rate P10 / P50 / P90 {escape(spread)}; {risk['pairs_at_risk']} of "
        f"{risk['pairs']} SKU x FC pairs stock out in at least half of them.</p>"
    )
    if not risk["top_pairs"]:
        return ["<h2>Stock-out risk</h2>" + intro + "<p>No SKU stocks out at any FC in any scenario.</p>"]
    pairs = pd.DataFrame(risk["top_pairs"]).merge(run.risk.by_pair, on=["sku", "fc"], suffixes=("", "_all"))
    rows = [
        [
            row.sku,
            row.fc,
            round(100 * row.stockout_probability, 1),
            row.peak_period_start,
            round(100 * row.peak_probability, 1),
            " / ".join(f"{100 * v:.1f}" for v in (row.fill_rate_p10, row.fill_rate_p50, row.fill_rate_p90)),
            row.backorder_units_p50,
            row.backorder_units_p90,
        ]
        for row in pairs.itertuples(index=False)
    ]
    header = [
        "sku",
        "fc",
        "stock-out odds %",
        "first week at its worst",
        "odds that week %",
        "fill rate % P10 / P50 / P90",
        "backorder units P50",
        "P90",
    ]
    note = (
        '<p class="more">A pair stocks out in a week when customers of the regions the FC serves first still '
        "wait for stock no FC serving them holds at the week's end. risk.csv has every pair's odds per week "
        "and its closing stock's spread; risk_summary.csv every pair's odds and spreads.</p>"
    )
    return ["<h2>Stock-out risk: the SKUs most likely to stock out</h2>" + intro + table(header, rows) + note]


def _service_targets(run) -> list[str]:
    """Safety stock's service level by segment and where it is set, against the plan's fill rate
    (no section while one model-wide level serves every sku)."""
    service = run.service
    if service is None or not (service["segment"].ne("") | service["source"].eq(FROM_FILE)).any():
        return []
    rows = sku_fill(covered_demand(run.demand, run.plan), service)
    groups = rows.groupby(["segment", "service_level", "source"], sort=True)
    table_rows = [
        [
            segment,
            round(100 * level, 2),
            source,
            len(g),
            g["quantity"].sum(),
            _percent(g["covered"].sum(), g["quantity"].sum()),
        ]
        for (segment, level, source), g in groups
    ]
    header = ["segment", "service level %", "set by", "skus", "demand units", "plan fill rate %"]
    note = (
        "<p class=\"more\">A sku's service level is its own in skus.csv, else its segment's (ABC by forecast "
        "value, XYZ by forecast error over demand; [service.segments] in the model), else the model's: the share "
        "of replenishment cycles without a stockout its safety stock aims at. The fill rate is the share of "
        "demand that finds stock for it at an FC serving it in its period. forecast.csv gives every sku's segment and level.</p>"
    )
    return ["<h2>Service levels by segment</h2>" + table(header, table_rows) + note]


def _percent(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole > 0 else None


def _costs(kpis: dict) -> str:
    rows = "".join(
        f'<tr><td>{escape(kind)}</td><td class="n">{_money(value)}</td></tr>' for kind, value in kpis["costs"].items()
    )
    return f"<h2>Cost breakdown</h2><table><thead><tr><th>cost</th><th>amount</th></tr></thead><tbody>{rows}</tbody></table>"


def _capacity(run) -> str:
    capacity, projection = run.plan.capacity, run.plan.inventory_projection
    peak = (
        capacity.assign(
            use=capacity["outbound_units"] / capacity["outbound_capacity"].where(capacity["outbound_capacity"] > 0)
        )
        .groupby("fc")["use"]
        .max()
        .fillna(0.0)
    )
    fcs = sorted(peak.index, key=lambda fc: (-peak[fc], fc))[:PANELS]
    hidden = len(peak) - len(fcs)
    note = f'<p class="more">The chart shows the {len(fcs)} busiest FCs; the table has all.</p>' if hidden > 0 else ""
    chart = capacity_chart(capacity, projection, fcs, run.calendar.boundaries())
    return (
        "<h2>Outbound capacity use per FC</h2>"
        + image(chart, "outbound units and capacity per FC and period")
        + note
        + _capacity_table(run.kpis["capacity"])
    )


def _capacity_table(kpis: dict) -> str:
    """Every FC's outbound and inbound use from kpis.json, in percent of capacity."""

    def percent(share):
        return None if share is None else round(100 * share, 1)

    rows = [
        [
            fc,
            use["outbound_units"],
            percent(use["outbound_utilization_mean"]),
            percent(use["outbound_utilization_peak"]),
            use["inbound_units"],
            percent(use["inbound_utilization_peak"]),
        ]
        for fc, use in sorted(kpis.items())
    ]
    return table(
        ["fc", "outbound units", "outbound use mean %", "outbound use peak %", "inbound units", "inbound use peak %"],
        rows,
    )


def _stock(run) -> str:
    projection = run.plan.inventory_projection
    skus = exceptions.skus_at_risk(projection, PANELS)
    if not skus:
        return "<h2>SKUs most at risk</h2><p>No SKU runs below its safety stock or into backorders.</p>"
    return "<h2>SKUs most at risk: stock against safety stock</h2>" + image(
        stock_chart(projection, skus), "network stock and safety stock of the SKUs most at risk"
    )


def _forecast(run, history: pd.DataFrame) -> str:
    totals = run.forecast.groupby("sku")["forecast"].sum().sort_values(ascending=False, kind="stable")
    skus = totals.index[:PANELS].tolist()
    if not skus:
        return "<h2>Forecast against history</h2><p>No forecast.</p>"
    past = history_by_period(history[history["sku"].isin(skus)], run.calendar, HISTORY_PERIODS)
    return "<h2>Forecast against history: top SKUs by forecast units</h2>" + image(
        forecast_chart(past, run.forecast, skus), "demand history and forecast of the top SKUs"
    )


def history_by_period(history: pd.DataFrame, calendar: Calendar, periods: int) -> pd.DataFrame:
    """Demand summed into the last `periods` plan-aligned periods before the start, zeros kept.

    Periods the history does not fully cover (before its first date) are left out, so they
    do not read as a demand dip.
    """
    if len(history):
        first = int(calendar.period_of([history["date"].min()])[0])
        periods = min(periods, -first - int(calendar.boundary(first) < history["date"].min()))
    periods = max(periods, 0)
    recent = history[(history["date"] >= calendar.boundary(-periods)) & (history["date"] < calendar.start)]
    skus = sorted(history["sku"].unique())
    grid = pd.MultiIndex.from_product([skus, range(-periods, 0)], names=["sku", "period"])
    sums = recent.assign(period=calendar.period_of(recent["date"])).groupby(["sku", "period"])["quantity"].sum()
    frame = sums.reindex(grid, fill_value=0.0).reset_index()
    starts = calendar.boundaries(-periods, 0)
    return frame.assign(period_start=starts[frame["period"].to_numpy() + periods])


def _exceptions(run) -> str:
    plan = run.plan
    parts = [
        ("SKUs that stock out", exceptions.stockouts(plan.inventory_projection), "No SKU runs into backorders."),
        (
            "Order lines that ship late",
            _columns(
                exceptions.late_orders(run.order_plan),
                [
                    "order_id",
                    "sku",
                    "priority",
                    "quantity",
                    "due_date",
                    "promised_date",
                    "days_late",
                    "status",
                    "reason",
                ],
            ),
            "Every open order line ships on time.",
        ),
        (
            "FCs at or over outbound capacity",
            _as_percent(exceptions.full_fcs(plan.capacity, plan.inventory_projection), "peak_utilization"),
            "No FC runs out of outbound capacity.",
        ),
        (
            "Purchase orders to release now",
            _columns(
                exceptions.release_now(plan.purchase_orders),
                ["supplier", "sku", "fc", "quantity", "total_cost", "arrival_date", "reason"],
            ),
            "No PO needs releasing now.",
        ),
    ]
    html = ["<h2>Exceptions, worst first</h2>"]
    for title, frame, none in parts:
        html.append(f"<h3>{escape(title)} ({len(frame)})</h3>")
        digits = 2 if "total_cost" in frame.columns else 1
        html.append(frame_table(frame, digits) if len(frame) else f"<p>{escape(none)}</p>")
    return "\n".join(html)


def _columns(frame: pd.DataFrame, wanted: list[str]) -> pd.DataFrame:
    """The wanted columns the frame has, in that order (reasons are optional)."""
    return frame[[c for c in wanted if c in frame.columns]]


def _as_percent(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.assign(**{column: (100 * frame[column].astype(float)).round(1)}).rename(
        columns={column: f"{column} %"}
    )


def frame_table(frame: pd.DataFrame, digits: int = 1) -> str:
    """The first MAX_ROWS rows of a frame as a table, and how many more there are."""
    shown = frame.head(MAX_ROWS)
    rows = shown.astype(object).where(shown.notna(), None).values.tolist()
    more = len(frame) - len(shown)
    note = f'<p class="more">and {more} more rows in the output files.</p>' if more > 0 else ""
    return table([str(c).replace("_", " ") for c in frame.columns], rows, digits) + note


def table(header: list[str], rows: list[list], digits: int = 1) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(_cell(v, digits) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value, digits: int) -> str:
    if isinstance(value, numbers.Number) and not isinstance(value, (bool, np.bool_)):
        return f'<td class="n">{escape(_number(value, digits))}</td>'
    if isinstance(value, pd.Timestamp):
        return f"<td>{value.date().isoformat()}</td>"
    return f"<td>{escape('' if value is None else str(value))}</td>"


def _money(value) -> str:
    return f"{float(value):,.2f}"


def _number(value, digits: int = 1) -> str:
    """Thousands separated, at most `digits` decimals, no trailing zeros."""
    text = f"{float(value):,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def image(content: bytes, description: str) -> str:
    data = base64.b64encode(content).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{escape(description)}">'
