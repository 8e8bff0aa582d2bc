import pandas as pd
from builders import table

from planner.calendar import Calendar
from planner.plan.demand import plan_demand


def test_orders_at_their_priority_and_period_plus_net_forecast():
    calendar = Calendar(pd.Timestamp("2026-11-23"), "week", 4)
    orders = table(
        "open_orders",
        [
            {
                "order_id": "O1",
                "sku": "A",
                "region": "R",
                "quantity": 3,
                "order_date": "2026-11-01",
                "due_date": "2026-11-10",
                "priority": 1,
            },  # overdue: period 0
            {
                "order_id": "O2",
                "sku": "A",
                "region": "R",
                "quantity": 5,
                "order_date": "2026-11-20",
                "due_date": "2026-12-01",
                "priority": 2,
            },  # period 1
            {
                "order_id": "O3",
                "sku": "A",
                "region": "R",
                "quantity": 2,
                "order_date": "2026-11-20",
                "due_date": "2027-06-01",
                "priority": 2,
            },
        ],
    )  # after the plan: last period
    net = pd.DataFrame({"sku": "A", "region": "R", "period": [0, 1, 2, 3], "net_forecast": [4.0, 0.0, 6.0, 0.0]})
    demand = plan_demand(orders, net, calendar, forecast_priority=4)
    rows = {(p, t): q for p, t, q in demand[["priority", "period", "quantity"]].itertuples(index=False)}
    assert rows == {(1, 0): 3.0, (2, 1): 5.0, (2, 3): 2.0, (4, 0): 4.0, (4, 2): 6.0}
