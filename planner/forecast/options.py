"""What the forecast stage may do per series: candidate methods, backtest and combination.

Kept free of numerical imports so the model file can be checked without loading statsmodels.
"""

from __future__ import annotations

from dataclasses import dataclass

METHOD_NAMES = (
    "seasonal_naive",
    "ses",
    "holt",
    "holt_damped",
    "theta",
    "holt_winters_add",
    "holt_winters_mul",
    "arima",
    "croston",
    "sba",
    "tsb",
)
COMBINE = ("none", "median", "mean")
EXECUTORS = ("local", "dask")


@dataclass(frozen=True)
class ForecastOptions:
    """Per-series settings, the same in every worker process.

    ``candidates`` are tried on smooth and erratic series, ``intermittent_candidates`` on
    intermittent and lumpy ones; each is backtested from ``origins`` rolling origins, each
    ``horizon`` periods long. With ``combine`` = median or mean the forecast is that of the
    ``combine_top`` methods with the lowest backtest error, instead of the best one alone.
    """

    horizon: int = 13
    season_length: int = 52
    candidates: tuple[str, ...] = ("seasonal_naive", "ses", "holt", "holt_damped", "theta")
    intermittent_candidates: tuple[str, ...] = ("croston", "sba", "tsb")
    origins: int = 3
    combine: str = "median"
    combine_top: int = 3

    def __post_init__(self):
        unknown = sorted(set(self.candidates + self.intermittent_candidates) - set(METHOD_NAMES))
        if unknown:
            raise ValueError(f"unknown forecast method(s) {', '.join(unknown)}; known: {', '.join(METHOD_NAMES)}")
        if not self.candidates or not self.intermittent_candidates:
            raise ValueError("candidates and intermittent_candidates must each name at least one method")
        if self.combine not in COMBINE:
            raise ValueError(f"combine must be one of {', '.join(COMBINE)}")
        if self.origins < 1 or self.combine_top < 1 or self.horizon < 1 or self.season_length < 1:
            raise ValueError("origins, combine_top, horizon and season_length must be at least 1")
