"""Planning periods: the grid of days, weeks or months the plan and the forecast share.

Period 0 starts on the plan's start date; negative periods reach back into history with the
same boundaries, so history buckets line up with plan periods exactly.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

PERIOD_LENGTHS = ("day", "week", "month")


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

    def boundary(self, i: int) -> pd.Timestamp:
        """Start of period i (i may be negative, or equal to the horizon for the plan's end)."""
        if self.period == "day":
            return self.start + pd.Timedelta(days=i)
        if self.period == "week":
            return self.start + pd.Timedelta(days=7 * i)
        return self.start + pd.DateOffset(months=i)

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
    def period_days(self) -> np.ndarray:
        """Length in days of each plan period (months differ)."""
        return np.diff(self.boundaries().values).astype("timedelta64[D]").astype(float)

    @property
    def nominal_days(self) -> float:
        return {"day": 1.0, "week": 7.0, "month": 365.25 / 12}[self.period]

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
