"""Executors: the same forecasts whether chunks run here, in a process pool or on a Dask cluster."""

import warnings

import numpy as np
import pandas as pd
import pytest

from planner.calendar import Calendar
from planner.forecast.core import forecast_demand
from planner.forecast.executor import ExecutorUnavailable, LocalExecutor, make_executor

START = pd.Timestamp("2026-01-05")
CALENDAR = Calendar(START, "week", 13)


def catalogue(series: int = 12) -> pd.DataFrame:
    """Weekly demand of smooth, trending and intermittent series over two years."""
    rng = np.random.default_rng(3)
    dates = START - pd.to_timedelta(7 * np.arange(104, 0, -1), unit="D")
    frames = []
    for k in range(series):
        rate = [0.4, 5.0, 30.0][k % 3] * (1 + 0.01 * (k % 4) * np.arange(104))
        frames.append(
            pd.DataFrame(
                {"date": dates, "sku": f"S{k:02d}", "region": "east", "quantity": rng.poisson(rate).astype(float)}
            )
        )
    history = pd.concat(frames, ignore_index=True)
    return history[history["quantity"] > 0]


def test_local_executor_keeps_chunk_order():
    doubled = list(LocalExecutor(2).map(_scaled, [[1, 2], [3], [4, 5]], 10))
    assert doubled == [[10, 20], [30], [40, 50]]


def _scaled(chunk, factor):
    return [value * factor for value in chunk]


def test_dask_cluster_gives_the_local_result():
    pytest.importorskip("distributed")
    history = catalogue()
    local = forecast_demand(history, CALENDAR, jobs=1)
    with make_executor("dask", jobs=2) as executor:
        assert executor.workers == 2
        remote = forecast_demand(history, CALENDAR, executor=executor)
    pd.testing.assert_frame_equal(local, remote)
    assert local.attrs == remote.attrs


def test_dask_sends_large_chunks_without_a_warning():
    pytest.importorskip("distributed")
    chunks = [np.arange(1_000_000, dtype=float) + k for k in range(2)]  # 16 MB, past Dask's 10 MB
    with make_executor("dask", jobs=2) as executor, warnings.catch_warnings():
        warnings.simplefilter("error")
        sums = list(executor.map(_total, chunks, 1.0))
    assert sums == [float(chunk.sum()) for chunk in chunks]


def _total(chunk, factor):
    return float(chunk.sum()) * factor


def test_missing_dask_is_a_clear_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_distributed(name, *args, **kwargs):
        if name == "distributed":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_distributed)
    with pytest.raises(ExecutorUnavailable, match=r"planner\[dask\]"):
        with make_executor("dask", jobs=2):
            pass
