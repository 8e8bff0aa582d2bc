from types import SimpleNamespace

import numpy as np
import pandas as pd

from planner.calendar import Calendar
from planner.plan.demand import plan_demand
from planner.plan.promise import fifo_match, promise_orders


def test_fifo_match_splits_demand_over_supply_in_order():
    d, s, q = fifo_match(np.array([5.0, 3.0, 4.0]), np.array([6.0, 4.0]))
    assert list(zip(d.tolist(), s.tolist(), q.tolist())) == [
        (0, 0, 5.0),
        (1, 0, 1.0),
        (1, 1, 2.0),
        (2, 1, 2.0),
        (2, 2, 2.0),
    ]


def test_fifo_match_without_supply_leaves_all_demand_unserved():
    d, s, q = fifo_match(np.array([2.0, 1.0]), np.array([]))
    assert d.tolist() == [0, 1] and s.tolist() == [0, 0] and q.tolist() == [2.0, 1.0]


START = pd.Timestamp("2026-11-30")  # a Monday
NO_FORECAST = pd.DataFrame(
    {
        "sku": pd.Series(dtype=object),
        "region": pd.Series(dtype=object),
        "period": pd.Series(dtype="int64"),
        "net_forecast": pd.Series(dtype=float),
    }
)


def _frame(columns: dict, rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns)).astype(columns)


def test_a_part_waiting_on_stock_held_free_lists_those_periods_and_at_the_end_is_late_there():
    """F1 holds A free while R1's two priority-3 lines wait and commits none of it: 4 units in
    week 0 (O1's), 2 in week 1 (O1 comes first), 4 in week 2 (O1's again, at the plan's end).
    O1 waits with its stock on hand all along: late at F1, not a backorder; O2 waits for stock."""
    calendar = Calendar(START, "week", 3)
    orders = pd.DataFrame(
        {
            "order_id": ["O1", "O2"],
            "sku": "A",
            "region": "R1",
            "quantity": 4.0,
            "order_date": START,
            "due_date": [START, START + pd.Timedelta(days=7)],
            "priority": 3,
        }
    )
    demand = plan_demand(orders, NO_FORECAST, calendar, forecast_priority=4)
    text, number = object, "float64"
    plan = SimpleNamespace(
        allocations=_frame(
            {"sku": text, "fc": text, "region": text, "priority": "int64", "period": "int64", "quantity": number}, []
        ),
        shipments=_frame({"sku": text, "fc": text, "priority": "int64", "period": "int64", "quantity": number}, []),
        on_hand_waits=_frame(
            {"sku": text, "fc": text, "region": text, "priority": "int64", "period": "int64", "quantity": number},
            [("A", "F1", "R1", 3, 0, 4.0), ("A", "F1", "R1", 3, 1, 2.0), ("A", "F1", "R1", 3, 2, 4.0)],
        ),
    )
    arcs = pd.DataFrame({"fc": ["F1"], "region": ["R1"], "cost_per_unit": [0.0], "extra_days": [0]})
    parts = promise_orders(orders, demand, plan, calendar, arcs, 4).set_index("order_id")
    assert parts.loc["O1", "on_hand"] == ((0, "F1"), (1, "F1"), (2, "F1"))
    assert (parts.loc["O1", "status"], parts.loc["O1", "fc"]) == ("late", "F1")
    assert pd.isna(parts.loc["O1", "ship_date"])
    assert parts.loc["O2", "on_hand"] == ()
    assert (parts.loc["O2", "status"], parts.loc["O2", "fc"]) == ("backorder", "")
