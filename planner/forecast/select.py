"""Per-series forecasting: classify, backtest the candidates, pick (or combine), intervals.

For one series, from its first demand on:

1. classify it by ADI (average periods between demands) and CV² (squared coefficient of
   variation of the demand sizes) with the Syntetos-Boylan cut-offs 1.32 and 0.49: smooth,
   erratic, intermittent or lumpy. Intermittent and lumpy series get the intermittent
   candidates (Croston, SBA, TSB), the others the smoothing candidates;
2. backtest: from up to ``origins`` rolling origins, the last one a horizon before the end,
   each candidate is fitted on the history before the origin and forecasts the next
   ``horizon`` periods, which the history holds. Methods rank by mean absolute error. From
   the second origin on, a method that can keeps the parameters of its first-origin fit and
   only updates its states (no optimizer run: the statsmodels fits dominate the cost);
3. refit the best method, or with ``combine`` the best ``combine_top``, on the whole series
   and forecast (an optimizer starts from the method's first-origin parameters). A
   combination takes the median or mean per period;
4. intervals: from the method's error model where it has one and stands alone; otherwise
   from the backtest errors of the chosen forecast: a variance growing linearly with the
   horizon step, fitted to all of them (calibrated_std).

Methods marked ``seasonal`` see the series as it is; the others see it divided by the sku's
seasonal index and their forecasts are multiplied back. Series too short for one backtest
window get a named fallback: ``fallback_mean`` under MIN_SMOOTHING periods, else
``fallback_<method>`` with the first candidate that fits.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from planner.forecast.intermittent import SBA, TSB, Croston
from planner.forecast.methods import Forecaster, RecentMean, SeasonalNaive, SimpleSmoothing, Theta
from planner.forecast.metrics import mase
from planner.forecast.options import ForecastOptions
from planner.forecast.smoothing import Arima, DampedHolt, Holt, HoltWinters

MIN_SMOOTHING = 10
MIN_TRAIN = 8
ADI_CUT, CV2_CUT = 1.32, 0.49


@dataclass(frozen=True)
class MethodSpec:
    """How to build a candidate for a season length, whether it sees the raw (seasonal) series,
    and the history it needs."""

    build: Callable[[int], Forecaster]
    seasonal: bool
    min_history: Callable[[int], int]


METHODS = {
    "seasonal_naive": MethodSpec(lambda m: SeasonalNaive(m), True, lambda m: m + 1),
    "ses": MethodSpec(lambda m: SimpleSmoothing(), False, lambda m: 3),
    "holt": MethodSpec(lambda m: Holt(), False, lambda m: MIN_TRAIN),
    "holt_damped": MethodSpec(lambda m: DampedHolt(), False, lambda m: MIN_TRAIN),
    "theta": MethodSpec(lambda m: Theta(), False, lambda m: 3),
    "holt_winters_add": MethodSpec(lambda m: HoltWinters(m, "add"), True, lambda m: 2 * m + 2),
    "holt_winters_mul": MethodSpec(lambda m: HoltWinters(m, "mul"), True, lambda m: 2 * m + 2),
    "arima": MethodSpec(lambda m: Arima(), False, lambda m: 12),
    "croston": MethodSpec(lambda m: Croston(), False, lambda m: 1),
    "sba": MethodSpec(lambda m: SBA(), False, lambda m: 1),
    "tsb": MethodSpec(lambda m: TSB(), False, lambda m: 1),
}


@dataclass
class SeriesForecast:
    """One series' forecast on the raw scale, with its backtest record."""

    model: str
    series_class: str
    point: np.ndarray
    std: np.ndarray
    sigma: float
    origins: int = 0
    mase: float = float("nan")
    abs_error_units: float = 0.0
    net_error_units: float = 0.0
    actual_units: float = 0.0


@dataclass
class ChunkForecast:
    """The forecasts of a chunk of series, and what went wrong while fitting them."""

    series: list[SeriesForecast]
    warnings: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)

    def merge(self, other: ChunkForecast) -> None:
        self.series.extend(other.series)
        self.warnings.update(other.warnings)
        self.errors.update(other.errors)


@dataclass(frozen=True)
class SeriesInput:
    """Demand from the first demand on, its seasonal factors, and those of the plan periods."""

    y: np.ndarray
    past: np.ndarray
    future: np.ndarray


def forecast_chunk(chunk: list[SeriesInput], options: ForecastOptions) -> ChunkForecast:
    """Forecast each series of a chunk; runs in a worker process. Warnings are counted, not shown.

    BLAS runs on one thread: a multi-threaded BLAS sums in an order that depends on its thread
    count, and the optimizers amplify those last-bit differences into different forecasts
    between this process, a process pool and Dask workers (which start with one BLAS thread).
    """
    result = ChunkForecast([])
    with threadpool_limits(limits=1, user_api="blas"):
        for series in chunk:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result.series.append(forecast_series(series, options, result.errors))
            result.warnings.update(w.category.__name__ for w in caught)
    return result


def series_class(y: np.ndarray) -> str:
    """Syntetos-Boylan class from ADI and the CV² of the non-zero demand sizes."""
    sizes = y[y > 0]
    adi = len(y) / len(sizes) if len(sizes) else np.inf
    cv2 = float((sizes.std() / sizes.mean()) ** 2) if len(sizes) > 1 else 0.0
    if adi < ADI_CUT:
        return "smooth" if cv2 < CV2_CUT else "erratic"
    return "intermittent" if cv2 < CV2_CUT else "lumpy"


def forecast_series(series: SeriesInput, options: ForecastOptions, errors: Counter) -> SeriesForecast:
    """The selected (or combined) forecast of one series; see the module docstring."""
    kind = series_class(series.y)
    origins = _origins(len(series.y), options)
    names = [
        n for n in names_for(kind, options) if origins and METHODS[n].min_history(options.season_length) <= origins[0]
    ]
    if not names:
        return _fallback(series, options, kind, names_for(kind, options), errors)
    backtest = Backtest(series, options, errors)
    scores = {name: backtest.score(name, origins) for name in names}
    chosen = _chosen(scores, options)
    if not chosen:
        return _fallback(series, options, kind, names, errors)
    return backtest.final(chosen, kind, origins)


def names_for(kind: str, options: ForecastOptions) -> tuple[str, ...]:
    """The candidates for a series class."""
    return options.intermittent_candidates if kind in ("intermittent", "lumpy") else options.candidates


def _origins(n: int, options: ForecastOptions) -> list[int]:
    """Training lengths of the backtest origins, earliest first, each followed by a full horizon."""
    count = min(options.origins, (n - MIN_TRAIN) // options.horizon)
    return [n - k * options.horizon for k in range(count, 0, -1)]


def _chosen(scores: dict[str, float], options: ForecastOptions) -> list[str]:
    """Methods by backtest error (ties keep the candidate order), the best or the best few."""
    finite = sorted((s, i, name) for i, (name, s) in enumerate(scores.items()) if np.isfinite(s))
    ranked = [name for _, _, name in finite]
    return ranked[: options.combine_top] if options.combine != "none" else ranked[:1]


class Backtest:
    """Fits candidates on a series (or its head) and keeps their backtest forecasts."""

    def __init__(self, series: SeriesInput, options: ForecastOptions, errors: Counter):
        self.series, self.options, self.errors = series, options, errors
        self.forecasts: dict[str, np.ndarray] = {}
        self.first_fits: dict[str, Forecaster] = {}

    def fitted(
        self, name: str, length: int, earlier: Forecaster | None = None, reuse: str = "with_fitted_parameters"
    ) -> Forecaster | None:
        """The method fitted on the first ``length`` periods (deseasonalized unless seasonal),
        from an ``earlier`` fit where the method can: keeping its parameters, or with ``reuse`` =
        ``warm_started`` starting its optimizer from them."""
        spec = METHODS[name]
        y = self.series.y[:length]
        if not spec.seasonal:
            y = y / self.series.past[:length]
        derive = getattr(earlier, reuse, None)
        try:
            return (derive() if derive else spec.build(self.options.season_length)).fit(y)
        except Exception:  # one odd series must never stop the plan: count it, drop the method
            self.errors[name] += 1
            return None

    def predict(self, name: str, method: Forecaster, factors: np.ndarray) -> np.ndarray:
        point = method.predict(len(factors))
        return point if METHODS[name].seasonal else point * factors

    def score(self, name: str, origins: list[int]) -> float:
        """Mean absolute backtest error over all origins and steps (inf if a fit failed)."""
        h, rows, first = self.options.horizon, [], None
        for t in origins:
            method = self.fitted(name, t, first)
            if method is None:
                return np.inf
            first = first or method
            rows.append(self.predict(name, method, self.series.past[t : t + h]))
        self.first_fits[name] = first
        self.forecasts[name] = np.array(rows)
        actual = self._actuals(origins)
        return float(np.mean(np.abs(self.forecasts[name] - actual)))

    def _actuals(self, origins: list[int]) -> np.ndarray:
        h = self.options.horizon
        return np.array([self.series.y[t : t + h] for t in origins])

    def final(self, chosen: list[str], kind: str, origins: list[int]) -> SeriesForecast:
        """Refit the chosen methods on the whole series; intervals and the backtest record."""
        fits = {name: self.fitted(name, len(self.series.y), self.first_fits[name], "warm_started") for name in chosen}
        fits = {name: method for name, method in fits.items() if method is not None}
        if not fits:
            return _fallback(self.series, self.options, kind, chosen, self.errors)
        points = [self.predict(name, m, self.series.future) for name, m in fits.items()]
        past_forecast = self._combine([self.forecasts[name] for name in fits])
        residual = past_forecast - self._actuals(origins)
        std = self.model_std(fits) if len(fits) == 1 else None
        y = self.series.y
        return SeriesForecast(
            model=_label(list(fits), self.options.combine),
            series_class=kind,
            point=np.clip(self._combine(points), 0, None),
            std=std if std is not None else calibrated_std(residual),
            sigma=float(np.sqrt(np.mean(residual**2))),
            origins=len(origins),
            mase=mase(self._actuals(origins), past_forecast, y[: origins[0]]),
            abs_error_units=float(np.abs(residual).sum()),
            net_error_units=float(residual.sum()),
            actual_units=float(self._actuals(origins).sum()),
        )

    def _combine(self, forecasts: list[np.ndarray]) -> np.ndarray:
        stacked = np.stack(forecasts)
        return np.mean(stacked, axis=0) if self.options.combine == "mean" else np.median(stacked, axis=0)

    def model_std(self, fits: dict[str, Forecaster]) -> np.ndarray | None:
        ((name, method),) = fits.items()
        std = method.horizon_std(self.options.horizon)
        if std is None or METHODS[name].seasonal:
            return std
        return std * self.series.future


def _label(names: list[str], combine: str) -> str:
    """The method's name, or e.g. ``median(ses+theta)`` with the members in a fixed order."""
    members = sorted(names, key=list(METHODS).index)
    return names[0] if len(names) == 1 else f"{combine}({'+'.join(members)})"


def calibrated_std(residual: np.ndarray) -> np.ndarray:
    """Std per horizon step h = 1..H from backtest errors (origins x steps).

    The variance is a + b·h with a, b >= 0 (noise plus a level that drifts, as in a random
    walk), fitted by least squares to every step's mean squared error, so each step's std rests
    on all the errors and never shrinks with the horizon. Step by step estimates rest on the
    errors of their own step alone: with the one origin a monthly history often allows, a
    lucky first step gave an interval of nothing (15.00-15.06 around 15.03, with a backtest
    error of 9.88). The variance is raised by n / (n - 2) for the two numbers fitted to n errors.
    """
    per_step = np.mean(residual**2, axis=0)
    h = np.arange(1, len(per_step) + 1, dtype=float)
    b = float(np.mean((h - h.mean()) * (per_step - per_step.mean())) / h.var()) if len(h) > 1 else 0.0
    a = float(per_step.mean()) - b * h.mean()
    if b < 0:
        a, b = float(per_step.mean()), 0.0
    elif a < 0:
        a, b = 0.0, float((h * per_step).sum() / (h**2).sum())
    n = residual.size
    return np.sqrt((a + b * h) * n / max(n - 2, 1))


def _fallback(series: SeriesInput, options: ForecastOptions, kind: str, names, errors: Counter) -> SeriesForecast:
    """A forecast without backtest (too little history, or every candidate failed): the first
    candidate that fits the whole series, or the recent mean under MIN_SMOOTHING periods."""
    if len(series.y) >= MIN_SMOOTHING:
        backtest = Backtest(series, options, errors)
        for name in names:
            if METHODS[name].min_history(options.season_length) > len(series.y):
                continue
            method = backtest.fitted(name, len(series.y))
            if method is not None:
                return _unchecked(backtest, name, method, kind)
    window = len(series.y) if kind in ("intermittent", "lumpy") else 13
    mean = RecentMean(window=window).fit(series.y)
    h = options.horizon
    return SeriesForecast("fallback_mean", kind, mean.predict(h), mean.horizon_std(h), mean.sigma_)


def _unchecked(backtest: Backtest, name: str, method: Forecaster, kind: str) -> SeriesForecast:
    """A fallback method's forecast; without an error model its one-step error is held flat."""
    future = backtest.series.future
    std = backtest.model_std({name: method})
    if std is None:
        std = np.full(len(future), method.sigma_) * (1.0 if METHODS[name].seasonal else future)
    point = np.clip(backtest.predict(name, method, future), 0, None)
    return SeriesForecast(f"fallback_{name}", kind, point, std, method.sigma_ * float(future.mean()))
