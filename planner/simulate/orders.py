"""Customer order lines the replay serves: the dataset's open orders, then each week's actual demand.

History rows hold demand per sku x region and day or week, not orders; each week's demand is
cut into order lines by priority with a seeded draw, due within the week (priority 1 sooner)
or, for the least urgent, by the end of the next week.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.simulate.ledger import WEEK, OrderLine

PRIORITY_SHARES = {1: 0.1, 2: 0.3, 3: 0.6}
DUE_DAYS = {1: 2, 2: 6, 3: 13}


def open_order_lines(open_orders: pd.DataFrame, shift: pd.Timedelta) -> list[OrderLine]:
    """The dataset's open order lines, their dates moved back by `shift` to the replay's first day."""
    return [
        OrderLine(
            row.order_id,
            row.sku,
            row.region,
            float(row.quantity),
            row.order_date - shift,
            row.due_date - shift,
            int(row.priority),
        )
        for row in open_orders.sort_values(["order_id", "sku"]).itertuples(index=False)
    ]


def weekly_demand(history: pd.DataFrame, week_start: pd.Timestamp) -> pd.DataFrame:
    """Actual units per sku x region in the week from `week_start`, sorted."""
    rows = history[(history["date"] >= week_start) & (history["date"] < week_start + WEEK)]
    demand = rows.groupby(["sku", "region"], as_index=False, sort=True)["quantity"].sum()
    return demand[demand["quantity"] > 0].reset_index(drop=True)


def demand_lines(
    demand: pd.DataFrame, week: int, week_start: pd.Timestamp, rng: np.random.Generator
) -> list[OrderLine]:
    """One order line per sku x region x priority with demand: whole units drawn by priority share."""
    priorities = np.array(list(PRIORITY_SHARES))
    shares = np.array(list(PRIORITY_SHARES.values()))
    whole = np.floor(demand["quantity"].to_numpy(dtype=float))
    split = rng.multinomial(whole.astype(np.int64), shares).astype(float)
    split[:, -1] += demand["quantity"].to_numpy(dtype=float) - whole
    lines = []
    for i, row in enumerate(demand.itertuples(index=False)):
        for j in np.flatnonzero(split[i] > 0):
            priority = int(priorities[j])
            lines.append(
                OrderLine(
                    f"SIM-W{week:03d}-{i:05d}-P{priority}",
                    row.sku,
                    row.region,
                    float(split[i, j]),
                    week_start,
                    week_start + pd.Timedelta(days=DUE_DAYS[priority]),
                    priority,
                )
            )
    return lines
