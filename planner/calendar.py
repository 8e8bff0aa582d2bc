"""Planning periods: the grid of days, weeks or months the plan and the forecast share.

Period 0 starts on the plan's start date. Days and weeks are counted from it; months are
calendar months, so when the plan starts mid-month period 0 runs from the start to the end of
that month, period 1 is the next calendar month, and so on. Negative periods reach back into
history with the same boundaries, so history buckets line up with plan periods exactly: with
months, period -1 is the calendar month before the start's month together with the days of
the start's month before the start (the month before a 1st), period -2 the month before that.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

PERIOD_LENGTHS = ("day", "week", "month")
DEFAULT_HORIZON_DAYS = 91
"""The shortest default horizon: 13 weeks, whatever the period."""
LEAD_TIME_MARGIN_DAYS = 28
"""The default horizon reaches this far past the longest supplier lead time: a PO placed in the
last weeks of a shorter plan could never arrive inside it, so its suppliers would look unused."""


@dataclass(frozen=True)
class Calendar:
    start: pd.Timestamp
    period: str = "week"
    horizon: int = 13

    def __post_init__(self):
        if self.period not in PERIOD_LENGTHS:
            raise ValueError(f"period must be one of {', '.join(PERIOD_LENGTHS)}, not {self.period!r}")
        if self.horizon < 1:
            raise ValueError("horizon must be at least one period")
        object.__setattr__(self, "start", pd.Timestamp(self.start).normalize())

    @classmethod
    def covering(cls, start, period: str, days: float) -> Calendar:
        """The calendar of the fewest periods from ``start`` that span at least ``days`` days."""
        start = pd.Timestamp(start).normalize()
        horizon = int(np.ceil(days / {"day": 1, "week": 7, "month": 28}[period])) + 1  # a month's stub may be 1 day
        probe = cls(start, period, horizon)
        spans = (probe.boundaries() - start).days.to_numpy()
        return cls(start, period, int(np.searchsorted(spans, days, side="left")) or 1)

    @property
    def _month(self) -> pd.Timestamp:
        """First day of the start's month."""
        return self.start - pd.Timedelta(days=self.start.day - 1)

    def boundary(self, i: int) -> pd.Timestamp:
        """Start of period i (i may be negative, or equal to the horizon for the plan's end)."""
        if self.period == "day":
            return self.start + pd.Timedelta(days=i)
        if self.period == "week":
            return self.start + pd.Timedelta(days=7 * i)
        if i == 0:
            return self.start
        return self._month + pd.DateOffset(months=i)

    def boundaries(self, first: int = 0, last: int | None = None) -> pd.DatetimeIndex:
        last = self.horizon if last is None else last
        if (first, last) == (0, self.horizon):
            return self._plan_boundaries
        return pd.DatetimeIndex([self.boundary(i) for i in range(first, last + 1)])

    @functools.cached_property
    def _plan_boundaries(self) -> pd.DatetimeIndex:
        """The plan's period boundaries, computed once: reports ask for them per line."""
        return pd.DatetimeIndex([self.boundary(i) for i in range(self.horizon + 1)])

    @property
    def period_starts(self) -> pd.DatetimeIndex:
        """Start dates of the plan's periods 0..horizon-1."""
        return self.boundaries()[:-1]

    @property
    def end(self) -> pd.Timestamp:
        """The first day after the plan."""
        return self.boundary(self.horizon)

    @property
    def days(self) -> int:
        """Length of the plan in days."""
        return int((self.end - self.start).days)

    @property
    def period_days(self) -> np.ndarray:
        """Length in days of each plan period (months differ; a plan starting mid-month has a short first one)."""
        return self.days_between(0, self.horizon)

    def days_between(self, first: int, last: int) -> np.ndarray:
        """Length in days of periods first..last-1."""
        return np.diff(self.boundaries(first, last).values).astype("timedelta64[D]").astype(float)

    @property
    def nominal_days(self) -> float:
        return {"day": 1.0, "week": 7.0, "month": 365.25 / 12}[self.period]

    def next_period_start(self, date) -> pd.Timestamp:
        """The same date one period later (a month later for months)."""
        date = pd.Timestamp(date)
        if self.period == "month":
            return date + pd.DateOffset(months=1)
        return date + pd.Timedelta(days=self.nominal_days)

    def period_of(self, dates) -> np.ndarray:
        """Period index of each date: negative before the start, >= horizon after the end."""
        dates = pd.DatetimeIndex(pd.to_datetime(dates))
        back = self._periods_back(dates.min() if len(dates) else self.start)
        edges = self.boundaries(-back, self.horizon + self._periods_ahead(dates))
        return np.searchsorted(edges.values, dates.values, side="right") - 1 - back

    def _periods_back(self, earliest: pd.Timestamp) -> int:
        if earliest >= self.start:
            return 0
        days = (self.start - earliest).days
        return int(np.ceil(days / {"day": 1, "week": 7, "month": 28}[self.period])) + 1

    def _periods_ahead(self, dates: pd.DatetimeIndex) -> int:
        if not len(dates) or dates.max() < self.end:
            return 0
        days = (dates.max() - self.end).days
        return int(np.ceil(days / {"day": 1, "week": 7, "month": 28}[self.period])) + 1
