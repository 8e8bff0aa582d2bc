"""Service levels by sku (skus.csv, ABC x XYZ segment, model) and the safety stock they ask for,
on sets small enough to check by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from builders import dataset, table, weekly_history

from planner.calendar import Calendar
from planner.config import PlanConfig, ServiceSegments
from planner.model.inputs import purchase_options, safety_stock_targets
from planner.model.service import abc_classes, segment_measures, service_levels, xyz_classes
from planner.pipeline import run_plan

SEGMENTS = ServiceSegments()  # A below 80% of value above it, B below 95%; X cv <= 0.5, Y <= 1
START = pd.Timestamp("2026-11-30")
Z95, Z975, Z99 = 1.6448536, 1.9599640, 2.3263479  # standard normal quantiles


def forecast(rows: list[tuple[str, str, float, float]], periods: int = 4) -> pd.DataFrame:
    """A forecast frame: (sku, region, forecast per period, sigma) held flat over `periods`."""
    return pd.DataFrame(
        [
            {"sku": sku, "region": region, "period": t, "forecast": units, "sigma": sigma}
            for sku, region, units, sigma in rows
            for t in range(periods)
        ]
    )


def skus(costs: dict[str, float], levels: dict[str, float] | None = None) -> pd.DataFrame:
    levels = levels or {}
    return table("skus", [{"sku": k, "unit_cost": c, "service_level": levels.get(k)} for k, c in costs.items()])


# ---------------------------------------------------------------- ABC x XYZ


def test_abc_takes_the_skus_up_to_80_then_95_percent_of_value():
    # value shares 50, 30, 15, 5 (listed out of order): above each, 0, 50, 80, 95 percent
    value = pd.Series([15.0, 50.0, 5.0, 30.0], index=["P", "Q", "R", "S"])
    assert abc_classes(value, SEGMENTS).to_dict() == {"P": "B", "Q": "A", "R": "C", "S": "A"}


def test_the_sku_that_crosses_a_threshold_belongs_to_the_class_below_it():
    # 90% in one sku: it is A (nothing above it); the next holds 90% above it: B; the last 95%: C
    value = pd.Series([90.0, 5.0, 5.0])
    assert abc_classes(value, SEGMENTS).tolist() == ["A", "B", "C"]


def test_skus_of_equal_value_rank_in_their_order_and_no_value_at_all_is_c():
    assert abc_classes(pd.Series([10.0, 10.0]), ServiceSegments(a_share=0.5)).tolist() == ["A", "B"]
    assert abc_classes(pd.Series([0.0, 0.0]), SEGMENTS).tolist() == ["C", "C"]


def test_xyz_by_the_forecast_errors_coefficient_of_variation():
    cv = pd.Series([0.2, 0.5, 0.7, 1.0, 1.5, math.inf])
    assert xyz_classes(cv, SEGMENTS).tolist() == ["X", "X", "Y", "Y", "Z", "Z"]


def test_value_and_cv_pool_the_regions_of_a_sku():
    # A: 10 + 10 a period, errors 3 and 4 -> sigma 5, cv 5/20; 4 periods x 20 x cost 2 = 160
    # B: 5 a period, error 6 -> cv 1.2; C: no forecast -> value 0, cv infinite
    frame = forecast([("A", "R1", 10.0, 3.0), ("A", "R2", 10.0, 4.0), ("B", "R1", 5.0, 6.0)])
    measures = segment_measures(skus({"A": 2.0, "B": 1.0, "C": 9.0}), frame).set_index("sku")
    assert measures["value"].to_dict() == {"A": 160.0, "B": 20.0, "C": 0.0}
    assert measures.loc["A", "cv"] == pytest.approx(0.25)
    assert measures.loc["B", "cv"] == pytest.approx(1.2)
    assert measures.loc["C", "cv"] == math.inf


FOUR = forecast(
    [
        ("A", "R1", 100.0, 20.0),  # value 400 x 5 = 2000 (80%), cv 0.2
        ("B", "R1", 50.0, 40.0),  # value 200 x 2 = 400 (16%), cv 0.8
        ("C", "R1", 10.0, 15.0),  # value 40 x 2.5 = 100 (4%), cv 1.5
    ]
)
COSTS = {"A": 5.0, "B": 2.0, "C": 2.5, "D": 1.0}  # D: no forecast


def test_segments_give_each_sku_its_segments_level():
    config = PlanConfig(segments=SEGMENTS)
    levels = service_levels(skus(COSTS), FOUR, config).set_index("sku")
    assert levels["segment"].to_dict() == {"A": "AX", "B": "BY", "C": "CZ", "D": "CZ"}
    assert levels["service_level"].to_dict() == {"A": 0.99, "B": 0.95, "C": 0.90, "D": 0.90}
    assert set(levels["source"]) == {"segment"}


def test_a_service_level_in_skus_csv_overrides_the_segment_and_keeps_it_shown():
    config = PlanConfig(segments=SEGMENTS)
    levels = service_levels(skus(COSTS, {"C": 0.97}), FOUR, config).set_index("sku")
    assert levels.loc["C"].to_dict() == {"segment": "CZ", "service_level": 0.97, "source": "skus.csv"}
    assert levels.loc["A", "service_level"] == 0.99


def test_without_segments_every_sku_has_the_models_level_unless_skus_csv_says():
    levels = service_levels(skus(COSTS, {"B": 0.6}), FOUR, PlanConfig(service_level=0.9)).set_index("sku")
    assert levels["segment"].eq("").all()
    assert levels["service_level"].to_dict() == {"A": 0.9, "B": 0.6, "C": 0.9, "D": 0.9}
    assert levels["source"].to_dict() == {"A": "model", "B": "skus.csv", "C": "model", "D": "model"}


# ---------------------------------------------------------------- safety stock


def targets(lines: list[dict], service: pd.DataFrame | None = None, config: PlanConfig | None = None):
    """Safety stock of sku A at F1 (region R1): weekly forecast error 20, demand 100 a week."""
    data = dataset(
        skus=[{"sku": "A", "unit_cost": 1.0}],
        fulfillment_centers=[{"fc": "F1", "region": "R1"}],
        supplier_items=[{"sku": "A", "fc": "F1", "unit_price": 1.0, **line} for line in lines],
    )
    calendar = Calendar(START, "week", 8)
    sigma = pd.DataFrame({"sku": ["A"], "region": ["R1"], "sigma": [20.0], "demand": [100.0]})
    purchase = purchase_options(data, calendar, pd.DataFrame({"sku": ["A"], "fc": ["F1"]}))
    frame = safety_stock_targets(sigma, data.fulfillment_centers, purchase, calendar, config or PlanConfig(), service)
    return frame.set_index(["sku", "fc"])["target"].iloc[0]


def test_a_certain_lead_time_covers_demand_error_over_lead_time_and_review():
    # 14 days = 2 weeks + 1 review: 1.6449 x 20 x sqrt(3) = 56.98
    assert targets([{"supplier": "S", "lead_time_days": 14}]) == pytest.approx(Z95 * 20 * math.sqrt(3), rel=1e-6)
    assert targets([{"supplier": "S", "lead_time_days": 14}]) == pytest.approx(56.98, abs=0.01)


def test_lead_time_spread_adds_demand_times_its_deviation_in_variance():
    # sigma_L 7 days = 1 week: 1.6449 x sqrt(3 x 20² + 100² x 1²) = 1.6449 x sqrt(11200) = 174.08
    got = targets([{"supplier": "S", "lead_time_days": 14, "lead_time_std_days": 7.0}])
    assert got == pytest.approx(Z95 * math.sqrt(3 * 20**2 + 100**2 * 1**2), rel=1e-6)
    assert got == pytest.approx(174.08, abs=0.01)


def test_the_fastest_lines_spread_counts_and_the_largest_of_equally_fast_ones():
    fast_sure = {"supplier": "F", "lead_time_days": 14, "lead_time_std_days": 0.0}
    slow_late = {"supplier": "S", "lead_time_days": 28, "lead_time_std_days": 21.0}
    assert targets([fast_sure, slow_late]) == pytest.approx(Z95 * 20 * math.sqrt(3), rel=1e-6)
    fast_late = {"supplier": "G", "lead_time_days": 14, "lead_time_std_days": 3.5}  # half a week
    expected = Z95 * math.sqrt(3 * 20**2 + (100 * 0.5) ** 2)
    assert targets([fast_sure, fast_late, slow_late]) == pytest.approx(expected, rel=1e-6)


def test_a_fast_line_capped_below_the_demand_leaves_the_safety_stock_to_the_line_that_carries_it():
    """Demand 100 a week: a 1-week line capped at 30 a week cannot replenish it, so the stock
    waits for the 4-week line (4 weeks + 1 review: 1.6449 x 20 x sqrt(5) = 73.56); with a
    2-week line capped at 70 the two carry 100 and the 2 weeks count (56.98); uncapped, the
    fast line's 1 week (46.53)."""
    capped_fast = {"supplier": "F", "lead_time_days": 7, "capacity_per_week": 30.0}
    slow = {"supplier": "S", "lead_time_days": 28}
    assert targets([capped_fast, slow]) == pytest.approx(Z95 * 20 * math.sqrt(5), rel=1e-6)
    assert targets([capped_fast, slow]) == pytest.approx(73.56, abs=0.01)
    middle = {"supplier": "M", "lead_time_days": 14, "capacity_per_week": 70.0}
    assert targets([capped_fast, middle, slow]) == pytest.approx(Z95 * 20 * math.sqrt(3), rel=1e-6)
    assert targets([{"supplier": "F", "lead_time_days": 7}, slow]) == pytest.approx(Z95 * 20 * math.sqrt(2), rel=1e-6)


def test_without_capacity_enough_for_the_demand_the_slowest_line_counts():
    lines = [{"supplier": "F", "lead_time_days": 7, "capacity_per_week": 30.0}]
    lines.append({"supplier": "S", "lead_time_days": 21, "capacity_per_week": 40.0})
    assert targets(lines) == pytest.approx(Z95 * 20 * math.sqrt(4), rel=1e-6)


def test_each_sku_takes_its_own_service_level():
    line = [{"supplier": "S", "lead_time_days": 14}]
    own = pd.DataFrame({"sku": ["A"], "segment": ["AX"], "service_level": [0.99], "source": ["segment"]})
    assert targets(line, own) == pytest.approx(Z99 * 20 * math.sqrt(3), rel=1e-6)
    assert targets(line, None, PlanConfig(service_level=0.99)) == pytest.approx(Z99 * 20 * math.sqrt(3), rel=1e-6)


def test_a_plan_sizes_safety_stock_with_the_skus_level_and_its_suppliers_spread():
    """Constant history, so no forecast error: all safety stock is lead-time spread,
    z(0.975) x 70 a week x 2 weeks (14 days) = 274.395."""
    data = dataset(
        skus=[{"sku": "A", "unit_cost": 10.0, "service_level": 0.975}],
        fulfillment_centers=[{"fc": "F1", "region": "R1"}],
        supplier_items=[
            {
                "supplier": "S",
                "sku": "A",
                "fc": "F1",
                "unit_price": 8.0,
                "lead_time_days": 14,
                "lead_time_std_days": 14.0,
            }
        ],
        inventory=[{"fc": "F1", "sku": "A", "on_hand": 500.0}],
        demand_history=weekly_history("A", "R1", 30, 70.0),
    )
    run = run_plan(data, PlanConfig(horizon=6), jobs=1)
    assert run.forecast["sigma"].eq(0).all()
    assert run.plan.inventory_projection["safety_stock"].unique() == pytest.approx([Z975 * 70 * 2], rel=1e-6)
