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


def test_monthly_periods_are_calendar_months_with_a_short_first_one():
    calendar = Calendar(pd.Timestamp("2026-11-23"), "month", 4)
    assert list(calendar.period_starts) == list(
        pd.to_datetime(["2026-11-23", "2026-12-01", "2027-01-01", "2027-02-01"])
    )
    assert calendar.period_days.tolist() == [8.0, 31.0, 31.0, 28.0]
    assert calendar.end == pd.Timestamp("2027-03-01") and calendar.days == 98
    # history: period -1 is October with the days of November before the start, then whole months
    dates = pd.to_datetime(["2026-11-22", "2026-11-01", "2026-10-01", "2026-09-30", "2026-11-30", "2026-12-01"])
    assert calendar.period_of(dates).tolist() == [-1, -1, -1, -2, 0, 1]
    assert calendar.days_between(-2, 0).tolist() == [30.0, 53.0]


@pytest.mark.parametrize(
    "start, period, days, horizon, span",
    [
        ("2026-11-23", "day", 91, 91, 91),
        ("2026-11-23", "week", 91, 13, 91),
        ("2026-11-23", "week", 92, 14, 98),
        ("2026-11-23", "month", 91, 4, 98),  # 8 + 31 + 31 + 28 days
        ("2026-12-01", "month", 84, 3, 90),
        ("2026-12-01", "month", 91, 4, 121),
        ("2027-01-31", "month", 84, 4, 90),  # 1 + 28 + 31 + 30 days
        ("2027-01-31", "month", 400, 15, 426),  # 395 days in 14 periods
    ],
)
def test_covering_calendar_is_the_fewest_periods_that_span_the_days(start, period, days, horizon, span):
    calendar = Calendar.covering(pd.Timestamp(start), period, days)
    assert (calendar.horizon, calendar.days) == (horizon, span)


def test_next_period_start_is_one_period_later():
    date = pd.Timestamp("2026-01-31")
    assert Calendar(date, "day", 1).next_period_start(date) == pd.Timestamp("2026-02-01")
    assert Calendar(date, "week", 1).next_period_start(date) == pd.Timestamp("2026-02-07")
    assert Calendar(date, "month", 1).next_period_start(date) == pd.Timestamp("2026-02-28")
