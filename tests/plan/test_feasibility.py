"""Audit one whole plan like a planner would: every output file obeys the network and the contract.

The plan is run once per module, through the CLI, on a small generated dataset (12 skus, 3 FCs,
seed 5) with two urgent (priority 1) copies of the cheapest sku's priority-3 lines added, so the
priority checks have something to bite on. The checks read the written files, not the model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import planner.pipeline
from planner.calendar import Calendar
from planner.cli import main
from planner.data.dataset import Dataset
from planner.data.generate import generate_dataset, write_dataset
from planner.data.load import load_dataset
from planner.pipeline import PlanRun
from planner.report.kpis import KPI_SCHEMA_VERSION

# Quantities are written rounded (at least to 3 decimals), each number on its own, so sums of
# written numbers carry up to half a last digit of error per term: that is not a violation.
HALF_DIGIT = 0.0005
TOL = HALF_DIGIT + 1e-9
DAY = pd.Timedelta(days=1)
KPI_KEYS = {
    "schema_version",
    "plan",
    "warnings",
    "service",
    "orders",
    "costs",
    "purchase_orders",
    "transfers",
    "capacity",
    "solver",
    "forecast",
    "input_sizes",
    "run",
}


def rounding_tol(terms: int | np.ndarray) -> float | np.ndarray:
    """What a sum of `terms` independently rounded numbers may be off by, plus solver tolerance."""
    return terms * HALF_DIGIT + 1e-5


@dataclass(frozen=True)
class Audit:
    root: Path
    dataset: Dataset
    run: PlanRun  # the run behind the files, captured from the CLI call
    purchase_orders: pd.DataFrame
    transfers: pd.DataFrame
    projection: pd.DataFrame
    order_plan: pd.DataFrame
    kpis: dict

    @property
    def calendar(self) -> Calendar:
        return self.run.calendar

    @property
    def start(self) -> pd.Timestamp:
        return self.calendar.start

    @property
    def end(self) -> pd.Timestamp:
        return self.calendar.end

    def weeks(self, dates: pd.Series) -> np.ndarray:
        """Length in weeks of the plan period each date falls in."""
        return self.calendar.period_days[self.calendar.period_of(dates)] / 7.0


def with_urgent_twins(open_orders: pd.DataFrame, skus: pd.DataFrame, count: int = 2) -> pd.DataFrame:
    """Add priority-1 copies (same sku, region, dates) of the cheapest sku's priority-3 lines.

    A cheap sku is where priority is easiest to lose: its waiting costs the least.
    """
    p3 = open_orders[open_orders["priority"] == 3].merge(skus[["sku", "unit_cost"]], on="sku")
    picked = p3.sort_values(["unit_cost", "order_id", "sku"]).head(count).drop(columns="unit_cost")
    twins = picked.assign(order_id=picked["order_id"] + "-URGENT", priority=1)
    return pd.concat([open_orders, twins], ignore_index=True)


def plan_through_cli(dataset: Path, out: Path) -> list[PlanRun]:
    """`planner plan DATASET --out OUT`, returning the PlanRun the command produced."""
    runs, real = [], planner.pipeline.run_plan

    def recording(*args, **kwargs):
        runs.append(real(*args, **kwargs))
        return runs[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(planner.pipeline, "run_plan", recording)
        result = CliRunner().invoke(main, ["plan", str(dataset), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return runs


def read(folder: Path, name: str, dates: list[str], **options) -> pd.DataFrame:
    return pd.read_csv(folder / name, parse_dates=dates, **options)


@pytest.fixture(scope="module")
def audit(tmp_path_factory) -> Audit:
    root = tmp_path_factory.mktemp("feasibility")
    tables = generate_dataset(12, 3, seed=5, history_period="week")
    tables["open_orders"] = with_urgent_twins(tables["open_orders"], tables["skus"])
    write_dataset(tables, root / "dataset")
    [run] = plan_through_cli(root / "dataset", root / "plan")
    out = root / "plan"
    return Audit(
        root=root,
        dataset=load_dataset(root / "dataset"),
        run=run,
        purchase_orders=read(out, "purchase_orders.csv", ["order_date", "arrival_date"]),
        transfers=read(out, "transfers.csv", ["ship_date", "arrival_date"]),
        projection=read(out, "inventory_projection.csv", ["period_start"]),
        order_plan=read(
            out, "order_plan.csv", ["due_date", "ship_date", "promised_date"], dtype={"order_id": str, "fc": str}
        ),
        kpis=json.loads((out / "kpis.json").read_text()),
    )


def test_the_plan_is_not_trivial(audit):
    """Guards the audit against passing vacuously."""
    assert audit.kpis["solver"]["status"] in ("optimal", "feasible")
    po = audit.purchase_orders
    assert po["lot_sized"].any() and (po["action"] == "release").any() and (po["action"] == "planned").any()
    assert len(audit.transfers) > 0
    assert (audit.order_plan["priority"] == 1).sum() >= 2


# ---------------------------------------------------------------- inventory projection


def test_projection_has_no_negative_quantities(audit):
    numbers = audit.projection.drop(columns=["fc", "sku", "period_start"])
    assert (numbers >= -TOL).all().all(), numbers[(numbers < -TOL).any(axis=1)]


def test_projection_rows_balance(audit):
    p = audit.projection
    balance = p["opening"] + p["receipts"] + p["transfers_in"] - p["transfers_out"] - p["allocated"]
    off = p[(balance - p["closing"]).abs() > rounding_tol(6)]
    assert off.empty, off


def test_projection_covers_every_period_and_chains_closing_to_opening(audit):
    p = audit.projection.sort_values(["fc", "sku", "period_start"])
    for (fc, sku), rows in p.groupby(["fc", "sku"]):
        assert list(rows["period_start"]) == list(audit.calendar.period_starts), (fc, sku)
        opening, closing = rows["opening"].to_numpy(), rows["closing"].to_numpy()
        assert np.allclose(opening[1:], closing[:-1], atol=rounding_tol(2)), (fc, sku)


def test_projection_starts_from_inventory_on_hand(audit):
    first = audit.projection[audit.projection["period_start"] == audit.start]
    on_hand = audit.dataset.inventory.set_index(["fc", "sku"])["on_hand"]
    opening = first.set_index(["fc", "sku"])["opening"]
    stocked = on_hand[on_hand > 0]
    assert set(stocked.index) <= set(opening.index), "stock on hand missing from the projection"
    expected = on_hand.reindex(opening.index).fillna(0.0)
    assert np.allclose(opening, expected, atol=TOL), pd.concat([opening, expected], axis=1)


def test_projection_receipts_are_the_purchase_orders_and_open_pos(audit):
    """receipts = planned POs arriving + firm inbound (late ETAs land in the first period)."""
    po = audit.purchase_orders.assign(period=audit.calendar.period_of(audit.purchase_orders["arrival_date"]))
    inbound = audit.dataset.inbound
    firm = inbound.assign(period=np.maximum(audit.calendar.period_of(inbound["eta"]), 0))
    firm = firm[firm["period"] < audit.calendar.horizon]
    arrivals = pd.concat([po[["fc", "sku", "period", "quantity"]], firm[["fc", "sku", "period", "quantity"]]])
    expected = arrivals.groupby(["fc", "sku", "period"])["quantity"].sum()
    projected = _by_period(audit, audit.projection, "receipts")
    compare = pd.concat([projected, expected], axis=1).fillna(0.0)
    assert np.allclose(compare.iloc[:, 0], compare.iloc[:, 1], atol=1e-2), compare


def test_projection_transfers_match_transfers_csv(audit):
    t = audit.transfers
    moved_in = t.assign(fc=t["to_fc"], period=audit.calendar.period_of(t["arrival_date"]))
    moved_out = t.assign(fc=t["from_fc"], period=audit.calendar.period_of(t["ship_date"]))
    for column, moves in (("transfers_in", moved_in), ("transfers_out", moved_out)):
        expected = moves.groupby(["fc", "sku", "period"])["quantity"].sum()
        compare = pd.concat([_by_period(audit, audit.projection, column), expected], axis=1).fillna(0.0)
        assert np.allclose(compare.iloc[:, 0], compare.iloc[:, 1], atol=1e-2), (column, compare)


def _by_period(audit: Audit, projection: pd.DataFrame, column: str) -> pd.Series:
    rows = projection.assign(period=audit.calendar.period_of(projection["period_start"]))
    rows = rows[rows[column] > TOL]
    return rows.groupby(["fc", "sku", "period"])[column].sum()


def test_no_fc_keeps_stock_free_while_its_regions_customers_wait_for_stock(audit):
    """Free stock at an FC whose region waits counts for those customers (backlog_uncommitted)."""
    p = audit.projection
    unclaimed = p["closing"] - p["backlog_uncommitted"]
    both = p[(unclaimed > 0.5) & (p["backorder"] > TOL)]
    assert both.empty, both


def test_outbound_capacity_is_respected(audit):
    shipped = audit.projection.groupby(["fc", "period_start"], as_index=False).agg(
        shipped=("shipped", "sum"), rows=("shipped", "size")
    )
    per_day = shipped["fc"].map(audit.dataset.fulfillment_centers.set_index("fc")["outbound_capacity"])
    days = audit.weeks(shipped["period_start"]) * 7
    limited = per_day.notna()
    assert limited.any()
    over = shipped[limited & (shipped["shipped"] > per_day * days + rounding_tol(shipped["rows"]))]
    assert over.empty, over


# ---------------------------------------------------------------- purchase orders


def supplier_lines(audit: Audit) -> pd.DataFrame:
    """Each PO row with the supplier_items line it was placed on (explicit fc, else fc '*')."""
    items = audit.dataset.supplier_items.reset_index(drop=True).rename_axis("line").reset_index()
    po = audit.purchase_orders.reset_index(drop=True).rename_axis("po").reset_index()
    keys = ["supplier", "sku"]
    explicit = po.merge(
        items.drop(columns=["unit_price", "lead_time_days"]).add_prefix("item_"),
        left_on=keys + ["fc"],
        right_on=["item_" + k for k in keys + ["fc"]],
    )
    star = po.merge(
        items[items["fc"] == "*"].drop(columns=["unit_price", "lead_time_days"]).add_prefix("item_"),
        left_on=keys,
        right_on=["item_" + k for k in keys],
    )
    star = star[~star["po"].isin(explicit["po"])]
    matched = pd.concat([explicit, star]).sort_values("po")
    assert matched["po"].tolist() == po["po"].tolist(), "POs on no supplier_items line, or on two"
    line = items.set_index("line")
    return matched.assign(
        line_lead_time=matched["item_line"].map(line["lead_time_days"]),
        line_price=matched["item_line"].map(line["unit_price"]),
    )


def test_po_lead_time_and_price_are_the_supplier_lines(audit):
    po = supplier_lines(audit)
    transit = (po["arrival_date"] - po["order_date"]) / DAY
    assert (transit == po["line_lead_time"]).all(), po[transit != po["line_lead_time"]]
    assert (po["lead_time_days"] == po["line_lead_time"]).all()
    assert np.allclose(po["unit_price"], po["line_price"])
    assert np.allclose(po["total_cost"], po["quantity"] * po["unit_price"], atol=0.01)


def test_po_dates_are_inside_the_plan_and_released_lines_start_now(audit):
    po = audit.purchase_orders
    assert (po["quantity"] > 0).all()
    assert po["order_date"].between(audit.start, audit.end - DAY).all()
    assert po["arrival_date"].between(audit.start, audit.end - DAY).all()
    released = po["action"] == "release"
    assert (po.loc[released, "order_date"] == audit.start).all()
    assert (po.loc[~released, "action"] == "planned").all()
    assert (po.loc[~released, "order_date"] > audit.start).all()


def test_lot_sized_pos_respect_moq_and_lot_multiples(audit):
    po = supplier_lines(audit)
    sized = po[po["lot_sized"]]
    assert len(sized) > 0 and (sized["item_moq"] > 0).any() and (sized["item_lot_size"] > 1).any()
    below = sized[sized["quantity"] < sized["item_moq"] - TOL]
    assert below.empty, below
    in_lots = sized[sized["item_lot_size"] > 1]
    lots = in_lots["quantity"] / in_lots["item_lot_size"]
    off = in_lots[~np.isclose(lots, lots.round(), atol=1e-6)]
    assert off.empty, off


def test_lot_sized_pos_with_lot_size_one_are_whole_units(audit):
    po = supplier_lines(audit)
    sized = po[po["lot_sized"] & (po["item_lot_size"] == 1)]
    assert len(sized) > 0
    off = sized[~np.isclose(sized["quantity"], sized["quantity"].round(), atol=1e-6)]
    assert off.empty, off[["supplier", "sku", "fc", "order_date", "quantity", "action"]]


def test_supplier_capacity_per_week_is_respected(audit):
    po = supplier_lines(audit)
    limited = po[po["item_capacity_per_week"].notna()]
    assert len(limited) > 0, "no capacitated supplier line was used; the check would be vacuous"
    per_week = limited.groupby(["item_line", "order_date"], as_index=False).agg(
        quantity=("quantity", "sum"), cap=("item_capacity_per_week", "first")
    )
    cap = per_week["cap"] * audit.weeks(per_week["order_date"])
    per_week["rows"] = limited.groupby(["item_line", "order_date"]).size().to_numpy()
    over = per_week[per_week["quantity"] > cap + rounding_tol(per_week["rows"])]
    assert over.empty, over


# ---------------------------------------------------------------- transfers


def test_transfers_use_lanes_with_their_lead_time(audit):
    lanes = audit.dataset.transfer_lanes.set_index(["from_fc", "to_fc"])
    t = audit.transfers
    keys = pd.MultiIndex.from_frame(t[["from_fc", "to_fc"]])
    assert keys.isin(lanes.index).all(), t[~keys.isin(lanes.index)]
    transit = (t["arrival_date"] - t["ship_date"]) / DAY
    assert (transit.to_numpy() == lanes["lead_time_days"].reindex(keys).to_numpy()).all()
    assert (t["quantity"] > 0).all()
    assert t["ship_date"].between(audit.start, audit.end - DAY).all()
    assert t["arrival_date"].between(audit.start, audit.end - DAY).all()


def test_lane_capacity_is_respected(audit):
    lanes = audit.dataset.transfer_lanes
    capped = lanes[lanes["capacity_per_week"].notna()]
    moved = audit.transfers.merge(capped, on=["from_fc", "to_fc"])
    assert len(moved) > 0, "no capacitated lane was used; the check would be vacuous"
    per_week = moved.groupby(["from_fc", "to_fc", "ship_date"], as_index=False).agg(
        quantity=("quantity", "sum"), cap=("capacity_per_week", "first")
    )
    per_week["rows"] = moved.groupby(["from_fc", "to_fc", "ship_date"]).size().to_numpy()
    cap = per_week["cap"] * audit.weeks(per_week["ship_date"])
    over = per_week[per_week["quantity"] > cap + rounding_tol(per_week["rows"])]
    assert over.empty, over


# ---------------------------------------------------------------- order plan


def test_every_open_order_line_is_planned_in_full(audit):
    lines = audit.dataset.open_orders.set_index(["order_id", "sku"])
    parts = audit.order_plan.groupby(["order_id", "sku"])
    assert set(parts.groups) == set(lines.index)
    planned = parts["quantity"].sum().reindex(lines.index)
    assert np.allclose(planned, lines["quantity"], atol=1e-3 * parts.size().max())
    first = parts[["region", "priority", "due_date"]].first().reindex(lines.index)
    assert (first["region"] == lines["region"]).all() and (first["priority"] == lines["priority"]).all()
    assert (first["due_date"] == lines["due_date"]).all()
    assert (audit.order_plan["quantity"] > 0).all()


def test_order_plan_statuses_and_dates_are_consistent(audit):
    plan = audit.order_plan
    assert set(plan["status"]) <= {"on_time", "late", "backorder"}
    on_time = plan[plan["status"] == "on_time"]
    assert on_time["promised_date"].notna().all() and (on_time["promised_date"] <= on_time["due_date"]).all()
    late = plan[plan["status"] == "late"]
    assert (late["promised_date"].isna() | (late["promised_date"] > late["due_date"])).all()
    backorder = plan[plan["status"] == "backorder"]
    assert backorder["ship_date"].isna().all() and backorder["promised_date"].isna().all()
    shipped = plan[plan["ship_date"].notna()]
    assert shipped["ship_date"].between(audit.start, audit.end - DAY).all()
    assert (shipped["promised_date"] >= shipped["ship_date"]).all()
    assert shipped["fc"].notna().all()
    assert plan["reason"].notna().all()


def line_outcomes(order_plan: pd.DataFrame) -> pd.DataFrame:
    """Per order line: when its last part reaches the customer (never = NaT -> +inf)."""
    never = pd.Timestamp.max
    arrival = order_plan["promised_date"].fillna(never)
    return (
        order_plan.assign(arrives=arrival)
        .groupby(["order_id", "sku", "region", "priority"], as_index=False)
        .agg(arrives=("arrives", "max"), due_date=("due_date", "first"))
    )


def test_priority_one_is_never_worse_off_than_priority_three(audit):
    lines = line_outcomes(audit.order_plan)
    pairs = lines[lines["priority"] == 1].merge(
        lines[lines["priority"] == 3], on=["sku", "region"], suffixes=("_p1", "_p3")
    )
    pairs = pairs[pairs["due_date_p3"] >= pairs["due_date_p1"]]
    assert len(pairs) >= 2, "no priority pairs: the check would be vacuous"
    worse = pairs[pairs["arrives_p1"] > pairs["arrives_p3"]]
    assert worse.empty, worse


def test_customer_orders_never_wait_for_capacity_used_by_forecast_demand(audit):
    """In a period where an FC ships forecast units, it leaves no customer-order units waiting."""
    plan, forecast_priority = audit.run.plan, 4
    keys = ["sku", "fc", "priority", "period"]
    flows = (
        plan.allocations.groupby(keys, as_index=False)["quantity"]
        .sum()
        .merge(plan.shipments, on=keys, how="outer", suffixes=("_in", "_out"))
        .fillna(0.0)
    )
    flows = flows.sort_values(keys)
    grouped = flows.groupby(["sku", "fc", "priority"])
    flows["waiting"] = grouped["quantity_in"].cumsum() - grouped["quantity_out"].cumsum()
    waiting = flows[(flows["priority"] < forecast_priority) & (flows["waiting"] > 1e-3)]
    forecast_shipped = flows[flows["priority"] >= forecast_priority].groupby(["fc", "period"])["quantity_out"].sum()
    clash = waiting.merge(forecast_shipped[forecast_shipped > 1e-3].reset_index(), on=["fc", "period"])
    assert clash.empty, clash


# ---------------------------------------------------------------- kpis and determinism


def test_kpis_have_the_documented_sections(audit):
    kpis = audit.kpis
    assert set(kpis) == KPI_KEYS
    assert kpis["schema_version"] == KPI_SCHEMA_VERSION and isinstance(kpis["schema_version"], int)
    assert kpis["plan"]["start"] == audit.start.date().isoformat()
    assert kpis["solver"]["name"] == "highs"
    assert set(kpis["capacity"]) == set(audit.dataset.fulfillment_centers["fc"])
    assert {"forecast", "build", "solve", "total"} <= set(kpis["run"]["timings_seconds"])
    assert kpis["orders"]["lines"] == len(audit.dataset.open_orders)
    assert kpis["purchase_orders"]["lines"] == len(audit.purchase_orders)
    assert kpis["purchase_orders"]["release_now"] == int((audit.purchase_orders["action"] == "release").sum())
    assert kpis["transfers"]["lines"] == len(audit.transfers)
    assert 0.0 <= kpis["service"]["fill_rate"] <= 1.0


def test_the_same_input_gives_byte_identical_files(audit):
    again = audit.root / "plan-again"
    plan_through_cli(audit.root / "dataset", again)
    first, second = audit.root / "plan", again
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    assert {"purchase_orders.xlsx", "report.html"} <= set(names)
    for name in names:
        if name == "kpis.json":
            continue
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    without_run = [
        {k: v for k, v in json.loads((f / "kpis.json").read_text()).items() if k != "run"} for f in (first, second)
    ]
    assert without_run[0] == without_run[1]
