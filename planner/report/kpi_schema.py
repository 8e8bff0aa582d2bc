"""The kpis.json schema as data: every field's path, type, unit and meaning, in one place.

Pipelines read kpis.json and gate on it (`--fail-on`), so its shape is a contract: docs/kpis.md
is rendered from KPI_FIELDS, a test checks a real kpis.json against it, and the short metric
names that `--fail-on` accepts are the `gate` names below. Adding a field is compatible;
renaming, removing or changing the meaning of one raises KPI_SCHEMA_VERSION (planner.report.kpis).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KpiField:
    path: str  # dotted; <name> segments are keys that depend on the data (an FC, a priority)
    kind: str  # number | integer | text | date | null-or-number | null-or-text | list-of-text | list-of-object
    unit: str
    meaning: str
    gate: str = ""  # the short name `--fail-on` accepts for it
    optional: bool = False  # there only when asked for (the `risk` block: `planner plan --scenarios N`)

    @property
    def segments(self) -> list[str]:
        return self.path.split(".")

    @property
    def numeric(self) -> bool:
        return self.kind in ("number", "integer", "null-or-number")


RISK_FIELDS = [
    KpiField(
        "risk.scenarios",
        "integer",
        "scenarios",
        "demand paths the written plan was applied to (`--scenarios N`); the block is there only with it",
        optional=True,
    ),
    KpiField(
        "risk.seed", "integer", "", "seed of the draws (`--seed`): the same seed gives the same figures", optional=True
    ),
    *[
        KpiField(
            f"risk.{measure}.p{q}",
            "number",
            unit,
            f"{q}th percentile over the scenarios of the network's {meaning} (planner/plan/risk.py)",
            f"risk_{measure}_p{q}",
            optional=True,
        )
        for measure, unit, meaning in (
            ("fill_rate", "share 0..1", "fill rate: demand units finding stock in their own period"),
            ("backorder_units", "units", "units not covered in their own period"),
            ("backlog_units", "units", "units waiting at their period's end with their stock on hand"),
        )
        for q in (10, 50, 90)
    ],
    KpiField("risk.pairs", "integer", "pairs", "sku x FC pairs the plan can hold", optional=True),
    KpiField(
        "risk.pairs_at_risk",
        "integer",
        "pairs",
        "pairs whose home customers wait for stock in some week in at least half of the scenarios",
        "risk_pairs_at_risk",
        optional=True,
    ),
    KpiField(
        "risk.top_pairs",
        "list-of-object",
        "",
        "up to 10 pairs most likely to stock out, most likely first: sku, fc, stockout_probability (some week), "
        "peak_period_start and peak_probability (the first week at its highest weekly odds, and those), backorder_units_p50",
        optional=True,
    ),
]

KPI_FIELDS = [
    KpiField("schema_version", "integer", "", "version of this schema; raised on any incompatible change"),
    KpiField("plan.start", "date", "", "first day of the plan"),
    KpiField("plan.end", "date", "", "last day of the plan"),
    KpiField("plan.period", "text", "", "day, week or month"),
    KpiField("plan.horizon", "integer", "periods", "number of periods planned"),
    KpiField(
        "warnings",
        "list-of-text",
        "",
        "what to know before executing the plan, one sentence each (also printed on stderr as `warning: ...`): "
        "a horizon shorter than the longest supplier lead time plus 4 weeks, a start before the demand history "
        "ends or more than one period after it; empty when none",
    ),
    KpiField(
        "service.fill_rate",
        "number",
        "share 0..1",
        "demand units that find stock for them at an FC serving them in the period they are due (committed to "
        "them, or held there while they wait: backlog); 1 - backorder_units / demand_units",
        "fill_rate",
    ),
    KpiField("service.demand_units", "number", "units", "open orders plus forecast over the plan", "demand_units"),
    KpiField(
        "service.backorder_units",
        "number",
        "units",
        "demand units with no stock for them at an FC serving them in their own period",
        "backorder_units",
    ),
    KpiField(
        "service.backlog_units",
        "number",
        "units",
        "units that wait with their stock in an FC: committed and not shipped in that period (outbound capacity), "
        "or waiting in their own period while an FC serving them keeps the stock free",
        "backlog_units",
    ),
    KpiField(
        "service.backorder_unit_weeks",
        "number",
        "unit-weeks",
        "sum over periods of units waiting for stock (none free at an FC serving them) x period length; "
        "inventory_projection.csv shows them at their region's FC",
        "backorder_unit_weeks",
    ),
    KpiField(
        "service.backorder_units_at_end",
        "number",
        "units",
        "units still waiting for stock when the plan ends",
        "backorder_units_at_end",
    ),
    KpiField("service.by_priority.<priority>.demand_units", "number", "units", "demand of the priority"),
    KpiField("service.by_priority.<priority>.backorder_units", "number", "units", "as above, per priority"),
    KpiField("service.by_priority.<priority>.backlog_units", "number", "units", "as above, per priority"),
    KpiField("service.by_priority.<priority>.backorder_unit_weeks", "number", "unit-weeks", "as above, per priority"),
    KpiField(
        "service.by_segment.<segment>.skus",
        "integer",
        "skus",
        "skus of the ABC x XYZ segment (AX ... CZ); the block is there only with [service.segments] in the model",
    ),
    KpiField(
        "service.by_segment.<segment>.service_level_min",
        "number",
        "share 0..1",
        "lowest service level of its skus: the segment's, or a sku's own from skus.csv",
    ),
    KpiField("service.by_segment.<segment>.service_level_max", "number", "share 0..1", "highest, as above"),
    KpiField("service.by_segment.<segment>.demand_units", "number", "units", "demand of its skus"),
    KpiField("service.by_segment.<segment>.fill_rate", "number", "share 0..1", "fill rate of its skus' demand"),
    KpiField("orders.lines", "integer", "order lines", "open order lines (order_id x sku)", "order_lines"),
    KpiField(
        "orders.lines_by_status.on_time",
        "integer",
        "order lines",
        "lines all of whose parts ship by the due date",
        "on_time_lines",
    ),
    KpiField(
        "orders.lines_by_status.late",
        "integer",
        "order lines",
        "lines with a part promised after the due date",
        "late_lines",
    ),
    KpiField(
        "orders.lines_by_status.backorder",
        "integer",
        "order lines",
        "lines with a part no stock reaches in the plan",
        "backorder_lines",
    ),
    KpiField("orders.units_by_status.on_time", "number", "units", "order units promised on time"),
    KpiField("orders.units_by_status.late", "number", "units", "order units promised late", "late_units"),
    KpiField(
        "orders.units_by_status.backorder", "number", "units", "order units with no promise", "backorder_order_units"
    ),
    KpiField("orders.on_time_rate", "number", "share 0..1", "on-time lines / lines", "on_time_rate"),
    KpiField("orders.by_priority.<priority>.on_time", "integer", "order lines", "per priority"),
    KpiField("orders.by_priority.<priority>.late", "integer", "order lines", "per priority"),
    KpiField("orders.by_priority.<priority>.backorder", "integer", "order lines", "per priority"),
    KpiField("costs.purchase", "number", "currency", "purchase orders planned in the horizon", "purchase_cost"),
    KpiField("costs.holding", "number", "currency", "holding cost of the projected stock", "holding_cost"),
    KpiField("costs.transfer", "number", "currency", "transfers between FCs", "transfer_cost"),
    KpiField("costs.shipping", "number", "currency", "shipping over lanes to other regions", "shipping_cost"),
    KpiField("costs.total", "number", "currency", "sum of the above", "total_cost"),
    KpiField("purchase_orders.lines", "integer", "PO lines", "purchase order lines planned", "po_lines"),
    KpiField(
        "purchase_orders.release_now", "integer", "PO lines", "lines to place now (action release)", "po_release_now"
    ),
    KpiField(
        "purchase_orders.off_terms",
        "integer",
        "PO lines",
        "lines not in whole lots of at least the MOQ (lot_sized false: the solve had no time to size them)",
        "po_off_terms",
    ),
    KpiField("purchase_orders.units", "number", "units", "units on all PO lines", "po_units"),
    KpiField("transfers.lines", "integer", "lines", "transfer lines planned", "transfer_lines"),
    KpiField("transfers.units", "number", "units", "units moved between FCs", "transfer_units"),
    KpiField("capacity.<fc>.outbound_units", "number", "units", "units shipped from the FC over the plan"),
    KpiField(
        "capacity.<fc>.outbound_utilization_mean",
        "null-or-number",
        "share",
        "mean shipped / outbound capacity over the periods (null: unlimited)",
    ),
    KpiField(
        "capacity.<fc>.outbound_utilization_peak",
        "null-or-number",
        "share",
        "highest period's shipped / outbound capacity (null: unlimited)",
    ),
    KpiField("capacity.<fc>.inbound_units", "number", "units", "units received at the FC over the plan"),
    KpiField(
        "capacity.<fc>.inbound_utilization_mean",
        "null-or-number",
        "share",
        "mean received / inbound capacity (null: unlimited)",
    ),
    KpiField(
        "capacity.<fc>.inbound_utilization_peak",
        "null-or-number",
        "share",
        "highest period's received / inbound capacity (null: unlimited)",
    ),
    KpiField("solver.name", "text", "", "cbc or highs"),
    KpiField("solver.status", "text", "", "optimal, feasible (stopped at the gap or time limit with a plan)"),
    KpiField("solver.objective", "null-or-number", "", "objective value (waiting penalties plus money)"),
    KpiField("solver.mip_gap", "null-or-number", "share", "relative gap to the best bound (null: LP)", "mip_gap"),
    KpiField("solver.message", "null-or-text", "", "what the solver stage did"),
    KpiField("forecast.series", "integer", "series", "sku x region series forecast"),
    KpiField("forecast.models.<method>", "integer", "series", "series whose chosen method is <method>"),
    KpiField(
        "forecast.series_classes.<class>",
        "integer",
        "series",
        "series per demand class: smooth, erratic, intermittent, lumpy (ADI and CV²), no_history",
    ),
    KpiField(
        "forecast.accuracy.series_backtested",
        "integer",
        "series",
        "series with at least one rolling-origin backtest window",
    ),
    KpiField(
        "forecast.accuracy.mase_mean",
        "null-or-number",
        "ratio",
        "mean backtest MASE of the chosen forecasts (below 1 beats the naive forecast)",
    ),
    KpiField("forecast.accuracy.mase_median", "null-or-number", "ratio", "median backtest MASE"),
    KpiField(
        "forecast.accuracy.wape",
        "null-or-number",
        "ratio",
        "backtest absolute error over backtest demand, all series pooled",
    ),
    KpiField(
        "forecast.accuracy.bias",
        "null-or-number",
        "ratio",
        "backtest net error (forecast - actual) over backtest demand; > 0 over-forecasts",
    ),
    KpiField("forecast.warnings", "integer", "count", "statsmodels/numpy warnings captured while fitting"),
    KpiField(
        "forecast.fit_errors.<method>",
        "integer",
        "count",
        "fits of <method> that failed; the method was dropped for that series",
    ),
    *RISK_FIELDS,
    KpiField(
        "input_sizes.<size>",
        "integer",
        "count",
        "skus, fcs, regions, supplier_items, open_order_lines, history_rows, variables, integer_variables, constraints",
    ),
    KpiField(
        "run.timings_seconds.<stage>", "number", "seconds", "wall time per stage and total; changes from run to run"
    ),
    KpiField("run.peak_memory_mb", "number", "MB", "peak resident memory; changes from run to run"),
]


def is_placeholder(segment: str) -> bool:
    return segment.startswith("<") and segment.endswith(">")


def matching_field(path: str) -> KpiField | None:
    """The documented field a concrete (or `*`-wildcard) dotted path names, if any."""
    segments = path.split(".")
    for field in KPI_FIELDS:
        pattern = field.segments
        if len(pattern) == len(segments) and all(
            p == s or (is_placeholder(p) and s) for p, s in zip(pattern, segments)
        ):
            return field
    return None


def gate_names() -> dict[str, str]:
    """Short metric name -> dotted path, for `--fail-on`."""
    return {f.gate: f.path for f in KPI_FIELDS if f.gate}


def leaf_paths(data: dict, prefix: str = "") -> list[str]:
    """Every dotted path to a value that is not a dict, in file order."""
    paths = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        paths.extend(leaf_paths(value, path + ".") if isinstance(value, dict) else [path])
    return paths


def undocumented(kpis: dict) -> list[str]:
    """Leaf paths of a kpis.json that no documented field describes."""
    return [path for path in leaf_paths(kpis) if matching_field(path) is None]


def missing(kpis: dict) -> list[str]:
    """Documented fields without data-dependent segments that a kpis.json lacks."""
    present = set(leaf_paths(kpis))
    return [
        f.path
        for f in KPI_FIELDS
        if not f.optional and not any(map(is_placeholder, f.segments)) and f.path not in present
    ]


def markdown_table() -> str:
    """The field table of docs/kpis.md."""
    rows = ["| path | type | unit | meaning | `--fail-on` name |", "|---|---|---|---|---|"]
    rows += [
        f"| `{f.path}` | {f.kind} | {f.unit} | {f.meaning} | {f'`{f.gate}`' if f.gate else ''} |" for f in KPI_FIELDS
    ]
    return "\n".join(rows) + "\n"
