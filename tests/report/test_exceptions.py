"""The exceptions of a plan built to have each kind, worst first."""

import pandas as pd
from report_instance import ALPHA, BETA, SUPPLIER

from planner.report import exceptions


def projection_rows(rows):
    frame = pd.DataFrame(rows, columns=["fc", "sku", "period_start", "closing", "safety_stock", "backorder", "backlog"])
    return frame.assign(period_start=pd.to_datetime(frame["period_start"]))


def test_stockouts_name_each_sku_with_waiting_customers(tiny_plan_run):
    table = exceptions.stockouts(tiny_plan_run.plan.inventory_projection)
    assert set(table["sku"]) == {ALPHA, BETA}
    alpha = table.set_index("sku").loc[ALPHA]
    assert alpha["first_stockout"] == tiny_plan_run.calendar.start and alpha["fcs"] == "W1"


def test_stockouts_worst_first():
    table = exceptions.stockouts(
        projection_rows(
            [
                ("A", "S1", "2026-01-05", 0, 5, 2, 0),
                ("B", "S2", "2026-01-12", 0, 5, 9, 0),
                ("A", "S2", "2026-01-12", 0, 5, 3, 0),
                ("A", "S3", "2026-01-05", 4, 5, 0, 0),
            ]
        )
    )
    assert table["sku"].tolist() == ["S2", "S1"]
    assert table["peak_backorder"].tolist() == [12, 2]


def test_no_stockout_is_an_empty_table():
    table = exceptions.stockouts(projection_rows([("A", "S1", "2026-01-05", 4, 5, 0, 0)]))
    assert table.empty and "sku" in table.columns


def test_late_orders_backorders_and_urgent_first():
    plan = pd.DataFrame(
        {
            "order_id": ["a", "b", "c", "d"],
            "sku": ["X"] * 4,
            "priority": [3, 1, 1, 2],
            "status": ["late", "late", "on_time", "backorder"],
            "due_date": pd.to_datetime(["2026-01-01"] * 4),
            "promised_date": pd.to_datetime(["2026-01-20", "2026-01-03", "2026-01-01", None]),
        }
    )
    table = exceptions.late_orders(plan)
    assert table["order_id"].tolist() == ["d", "b", "a"]
    assert table["days_late"].iloc[1:].tolist() == [2, 19]


def test_late_orders_of_the_tiny_plan(tiny_plan_run):
    late = exceptions.late_orders(tiny_plan_run.order_plan)
    assert late["order_id"].tolist() == ["<O1>"] and late["days_late"].iloc[0] > 0


def test_full_fcs_of_the_tiny_plan(tiny_plan_run):
    table = exceptions.full_fcs(tiny_plan_run.plan.capacity, tiny_plan_run.plan.inventory_projection)
    assert table["fc"].tolist() == ["W1"]
    assert table["peak_utilization"].iloc[0] >= exceptions.FULL and table["peak_backlog"].iloc[0] > 0


def test_release_now_lists_only_release_lines_biggest_first(tiny_plan_run):
    table = exceptions.release_now(tiny_plan_run.plan.purchase_orders)
    assert len(table) and set(table["action"]) == {"release"} and set(table["supplier"]) == {SUPPLIER}
    assert table["total_cost"].is_monotonic_decreasing


def test_skus_at_risk_rank_waiting_then_shortfall():
    projection = projection_rows(
        [
            ("A", "S1", "2026-01-05", 1, 5, 0, 0),
            ("A", "S2", "2026-01-05", 0, 5, 1, 0),
            ("A", "S3", "2026-01-05", 9, 5, 0, 0),
            ("A", "S4", "2026-01-05", 0, 5, 0, 0),
        ]
    )
    assert exceptions.skus_at_risk(projection, 2) == ["S2", "S4"]
    assert exceptions.skus_at_risk(projection, 9) == ["S2", "S4", "S1"]
