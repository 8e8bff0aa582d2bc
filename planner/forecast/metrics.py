"""Forecast accuracy measures, per series and over a catalogue.

Errors are forecast - actual, so a positive bias means over-forecasting (too much stock).
MASE scales the mean absolute error by the in-sample mean absolute change over ``lag``
periods (Hyndman & Koehler 2006): below 1 beats the naive forecast of the history.
"""

from __future__ import annotations

import numpy as np


def mase(actual: np.ndarray, forecast: np.ndarray, history: np.ndarray, lag: int = 1) -> float:
    """Mean absolute scaled error; NaN when the history never changes (nothing to scale by)."""
    history = np.asarray(history, dtype=float)
    if len(history) <= lag:
        return float("nan")
    scale = np.mean(np.abs(history[lag:] - history[:-lag]))
    if not scale > 0:
        return float("nan")
    return float(np.mean(np.abs(np.asarray(forecast) - actual)) / scale)


def wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Absolute error over actual demand (weighted MAPE); NaN without demand."""
    total = float(np.sum(np.abs(actual)))
    return float(np.sum(np.abs(np.asarray(forecast) - actual)) / total) if total > 0 else float("nan")


def bias(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Net error over actual demand: +0.1 = forecasts 10% above what sold; NaN without demand."""
    total = float(np.sum(np.abs(actual)))
    return float(np.sum(np.asarray(forecast) - actual) / total) if total > 0 else float("nan")


def smape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Symmetric MAPE in percent, as in the M3 competition: 200 |F - A| / (|A| + |F|)."""
    forecast = np.asarray(forecast, dtype=float)
    denominator = np.abs(actual) + np.abs(forecast)
    ratio = np.divide(np.abs(forecast - actual), denominator, out=np.zeros_like(forecast), where=denominator > 0)
    return float(200.0 * ratio.mean())


def accuracy_summary(metrics: pd.DataFrame) -> dict:  # noqa: F821  (pandas frame, typed loosely)
    """Catalogue-level accuracy for kpis.json: series backtested, mean and median MASE, WAPE and
    bias over all backtested demand (absolute errors and demand summed across series)."""
    tested = metrics[metrics["origins"] > 0]
    demand = float(tested["actual_units"].sum())
    finite_mase = tested["mase"].dropna()
    return {
        "series_backtested": int(len(tested)),
        "mase_mean": _rounded(finite_mase.mean()) if len(finite_mase) else None,
        "mase_median": _rounded(finite_mase.median()) if len(finite_mase) else None,
        "wape": _rounded(tested["abs_error_units"].sum() / demand) if demand > 0 else None,
        "bias": _rounded(tested["net_error_units"].sum() / demand) if demand > 0 else None,
    }


def _rounded(value: float) -> float:
    return round(float(value), 4)
