import numpy as np
import pandas as pd
import pytest

from planner.calendar import Calendar


def test_weekly_periods_start_on_the_plan_start_and_reach_back_into_history():
    calendar = Calendar(pd.Timestamp("2026-11-23"), "week", 3)
    assert list(calendar.period_starts) == list(pd.to_datetime(["2026-11-23", "2026-11-30", "2026-12-07"]))
    assert calendar.end == pd.Timestamp("2026-12-14")
    dates = pd.to_datetime(["2026-11-22", "2026-11-16", "2026-11-15", "2026-11-23", "2026-11-29", "2026-12-14"])
    assert calendar.period_of(dates).tolist() == [-1, -1, -2, 0, 0, 3]


def test_monthly_periods_have_their_true_length():
    calendar = Calendar(pd.Timestamp("2027-01-01"), "month", 3)
    assert calendar.period_days.tolist() == [31.0, 28.0, 31.0]
    assert calendar.period_of(pd.to_datetime(["2026-12-31", "2027-02-28", "2027-03-01"])).tolist() == [-1, 1, 2]


def test_daily_periods():
    calendar = Calendar(pd.Timestamp("2026-11-23"), "day", 7)
    assert np.all(calendar.period_days == 1.0)
    assert calendar.period_of(pd.to_datetime(["2026-11-20"])).tolist() == [-3]


@pytest.mark.parametrize("period, horizon", [("fortnight", 3), ("week", 0)])
def test_bad_calendar_is_refused(period, horizon):
    with pytest.raises(ValueError):
        Calendar(pd.Timestamp("2026-11-23"), period, horizon)
