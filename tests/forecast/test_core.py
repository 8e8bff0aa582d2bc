"""The forecast orchestrator: buckets, seasonality, selected forecasts, parallel runs, consumption."""

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from planner.calendar import Calendar
from planner.forecast.core import forecast_demand, forecast_metrics, history_buckets, net_forecast
from planner.forecast.executor import LocalExecutor
from planner.forecast.methods import SimpleSmoothing
from planner.forecast.options import ForecastOptions
from planner.forecast.season import seasonal_index

START = pd.Timestamp("2026-01-05")
CALENDAR = Calendar(START, "week", 13)


def weekly(values, sku="A", region="north", start=START) -> pd.DataFrame:
    """Weekly rows ending the week before ``start``; zero weeks are left out like real extracts."""
    values = np.asarray(values, dtype=float)
    dates = start - pd.to_timedelta(7 * np.arange(len(values), 0, -1), unit="D")
    rows = pd.DataFrame({"date": dates, "sku": sku, "region": region, "quantity": values})
    return rows[rows["quantity"] > 0].reset_index(drop=True)


def one_series(frame: pd.DataFrame, sku="A", region="north") -> pd.DataFrame:
    return frame[(frame["sku"] == sku) & (frame["region"] == region)].reset_index(drop=True)


def noisy(n, seed=0, scale=2.0):
    return np.random.default_rng(seed).normal(0, scale, n)


# --- behaviour per kind of series ------------------------------------------------------------


def test_constant_series_forecasts_the_constant():
    row = forecast_demand(weekly(np.full(52, 12.0)), CALENDAR, jobs=1)
    np.testing.assert_allclose(row["forecast"], 12.0)
    assert (row["series_class"] == "smooth").all()


def test_trend_continues_above_the_last_level():
    values = 20 + 1.5 * np.arange(80) + noisy(80)
    frame = forecast_demand(weekly(values), CALENDAR, jobs=1)
    assert frame["forecast"].iloc[0] > values[-4:].mean()
    assert (np.diff(frame["forecast"]) > 0).all()
    assert frame["backtest_mase"].iloc[0] < 1.0


def test_seasonal_peak_lands_in_the_right_periods():
    weeks = np.arange(-156, 0)
    peak_week = 6
    values = 50 + 40 * np.cos(2 * np.pi * (weeks - peak_week) / 52) + noisy(156, scale=3)
    frame = forecast_demand(weekly(values), CALENDAR, jobs=1)
    assert frame.attrs["seasonal_skus"] == 1
    assert abs(int(frame["forecast"].idxmax()) - peak_week) <= 1
    truth = 50 + 40 * np.cos(2 * np.pi * (np.arange(13) - peak_week) / 52)
    assert np.abs(frame["forecast"] - truth).max() < 8


def test_intermittent_series_gets_a_rate_from_the_intermittent_methods():
    values = np.where(np.arange(60) % 3 == 0, 6.0, 0.0)
    frame = forecast_demand(weekly(values), CALENDAR, jobs=1)
    assert frame["series_class"].iloc[0] == "intermittent"
    assert frame["model"].iloc[0] == "median(croston+sba+tsb)"
    assert 1.5 < frame["forecast"].iloc[0] < 2.2


def test_new_sku_with_two_weeks_gets_the_fallback():
    frame = forecast_demand(weekly([4.0, 6.0]), CALENDAR, jobs=1)
    assert (frame["model"] == "fallback_mean").all()
    np.testing.assert_allclose(frame["forecast"], 5.0)
    assert (frame["sigma"] > 0).all()


def test_series_without_demand_in_the_window_forecasts_zero():
    old = weekly([9.0, 9.0], start=START - pd.Timedelta(weeks=200))
    frame = forecast_demand(old, CALENDAR, jobs=1)
    assert (frame["model"] == "no_history").all() and len(frame) == 13
    assert (frame["series_class"] == "no_history").all()
    assert (frame[["forecast", "lower", "upper", "sigma"]] == 0).all().all()


def test_output_shape_and_intervals():
    history = pd.concat(
        [weekly(30 + 0.3 * np.arange(70) + noisy(70, 1), "B", "east"), weekly(30 + noisy(70, 2), "A", "west")]
    )
    frame = forecast_demand(history, CALENDAR, interval_level=0.8, jobs=1)
    assert list(frame[["sku", "region"]].drop_duplicates().itertuples(index=False)) == [("A", "west"), ("B", "east")]
    assert list(frame["period"]) == list(range(13)) * 2
    assert (frame["period_start"].iloc[:13] == CALENDAR.period_starts).all()
    assert ((frame["lower"] <= frame["forecast"]) & (frame["forecast"] <= frame["upper"])).all()
    width = (frame["upper"] - frame["lower"]).to_numpy().reshape(2, 13)
    assert (np.diff(width, axis=1) >= -1e-9).all() and (width[:, -1] > width[:, 0]).all()


def test_wider_level_gives_wider_intervals():
    history = weekly(30 + noisy(60))
    narrow = forecast_demand(history, CALENDAR, interval_level=0.5, jobs=1)
    wide = forecast_demand(history, CALENDAR, interval_level=0.95, jobs=1)
    assert ((wide["upper"] - wide["lower"]) > (narrow["upper"] - narrow["lower"])).all()


def test_metrics_one_row_per_series_and_catalogue_accuracy():
    frame = forecast_demand(mixed_history(), CALENDAR, jobs=1)
    metrics = forecast_metrics(frame)
    assert list(metrics.columns) == [
        "sku",
        "region",
        "model",
        "series_class",
        "backtest_origins",
        "mase",
        "wape",
        "bias",
    ]
    assert len(metrics) == 13 and (metrics["backtest_origins"] == 3).sum() == 12
    accuracy = frame.attrs["accuracy"]
    assert accuracy["series_backtested"] == 12 and 0 < accuracy["wape"] < 1
    assert sum(frame.attrs["series_classes"].values()) == 13


# --- orchestration ----------------------------------------------------------------------------


def mixed_history() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    parts = [
        weekly(rng.poisson(rate, 104).astype(float), f"S{k}", region)
        for k, rate in enumerate([0.3, 4, 25, 80])
        for region in ("east", "west", "south")
    ]
    return pd.concat(parts + [weekly([3.0, 1.0], "NEW", "east")], ignore_index=True)


def test_result_does_not_depend_on_jobs():
    history = mixed_history()
    serial = forecast_demand(history, CALENDAR, jobs=1)
    parallel = forecast_demand(history, CALENDAR, jobs=2)
    pd.testing.assert_frame_equal(serial, parallel)
    assert serial.attrs == parallel.attrs
    assert sum(serial.attrs["models"].values()) == 13


def test_progress_hears_every_chunk():
    calls = []
    forecast_demand(
        mixed_history(), CALENDAR, executor=LocalExecutor(1), progress=lambda done, total: calls.append((done, total))
    )
    assert calls[-1][0] == calls[-1][1] == len(calls) == 4


def test_options_choose_the_candidates():
    options = ForecastOptions(candidates=("ses",), combine="none")
    frame = forecast_demand(weekly(30 + noisy(60)), CALENDAR, jobs=1, options=options)
    assert (frame["model"] == "ses").all()


def test_failed_fits_drop_the_method_and_are_counted(monkeypatch):
    def broken(self, y):
        raise np.linalg.LinAlgError("singular")

    monkeypatch.setattr(SimpleSmoothing, "fit", broken)
    frame = forecast_demand(weekly(30 + noisy(60)), CALENDAR, jobs=1)
    assert "ses" not in frame["model"].iloc[0]
    assert frame.attrs["fit_errors"] == {"ses": 1}


def test_every_candidate_failing_falls_back_to_the_mean(monkeypatch):
    def broken(self, y):
        raise np.linalg.LinAlgError("singular")

    monkeypatch.setattr(SimpleSmoothing, "fit", broken)
    options = ForecastOptions(candidates=("ses",))
    frame = forecast_demand(weekly(30 + noisy(60)), CALENDAR, jobs=1, options=options)
    assert (frame["model"] == "fallback_mean").all()


def test_warnings_are_counted_not_shown(monkeypatch):
    original = SimpleSmoothing.fit

    def grumbling(self, y):
        warnings.warn("optimizer did not converge", ConvergenceWarning, stacklevel=2)
        return original(self, y)

    monkeypatch.setattr(SimpleSmoothing, "fit", grumbling)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = forecast_demand(weekly(30 + noisy(60)), CALENDAR, jobs=1)
    assert frame.attrs["warnings"] >= 3
    assert list(frame.attrs["warning_types"]) == ["ConvergenceWarning"]


def test_daily_and_weekly_rows_make_the_same_buckets():
    daily_dates = pd.date_range(START - pd.Timedelta(weeks=30), START - pd.Timedelta(days=1))
    quantity = np.random.default_rng(5).integers(0, 6, len(daily_dates)).astype(float)
    daily = pd.DataFrame({"date": daily_dates, "sku": "A", "region": "north", "quantity": quantity})
    weekly_rows = weekly(quantity.reshape(30, 7).sum(axis=1))
    pd.testing.assert_frame_equal(
        forecast_demand(daily, CALENDAR, jobs=1), forecast_demand(weekly_rows, CALENDAR, jobs=1)
    )


def test_partly_covered_first_period_is_left_out():
    dates = pd.date_range(START - pd.Timedelta(days=17), START - pd.Timedelta(days=1))
    daily = pd.DataFrame({"date": dates, "sku": "A", "region": "north", "quantity": 1.0})
    buckets = history_buckets(daily, CALENDAR, 104)
    assert list(buckets.periods) == [-2, -1]
    np.testing.assert_allclose(buckets.quantity, [[7.0, 7.0]])


def test_history_window_keeps_the_most_recent_periods():
    buckets = history_buckets(weekly(np.arange(1, 31, dtype=float)), CALENDAR, 8)
    assert list(buckets.periods) == list(range(-8, 0))
    np.testing.assert_allclose(buckets.quantity[0], np.arange(23, 31))


def test_seasonal_index_needs_a_real_season():
    periods = np.arange(-104, 0)
    rng = np.random.default_rng(2)
    assert seasonal_index(100 + rng.normal(0, 5, 104), periods, 52) is None
    assert seasonal_index(100 + rng.normal(0, 5, 60), periods[-60:], 52) is None
    season = 100 + 50 * np.sin(2 * np.pi * periods / 52) + rng.normal(0, 5, 104)
    index = seasonal_index(season, periods, 52)
    assert index.mean() == pytest.approx(1.0)
    assert abs(int(np.argmax(index)) - 13) <= 2


# --- calendar months ---------------------------------------------------------------------------

MID_MONTH = pd.Timestamp("2026-11-23")


def daily(rate, start=MID_MONTH, days=730) -> pd.DataFrame:
    """Daily rows of one series at ``rate(dates)`` units a day, ending the day before ``start``."""
    dates = pd.date_range(start - pd.Timedelta(days=days), start - pd.Timedelta(days=1))
    return pd.DataFrame({"date": dates, "sku": "A", "region": "north", "quantity": rate(dates)})


def test_monthly_forecast_is_per_calendar_month_and_its_days():
    frame = forecast_demand(daily(lambda d: np.full(len(d), 2.0)), Calendar(MID_MONTH, "month", 4), jobs=1)
    assert list(frame["period_start"]) == list(pd.to_datetime(["2026-11-23", "2026-12-01", "2027-01-01", "2027-02-01"]))
    np.testing.assert_allclose(frame["forecast"], [16.0, 62.0, 62.0, 56.0])  # 8, 31, 31 and 28 days of 2 a day


def test_monthly_seasonal_peak_lands_in_its_calendar_month():
    history = daily(lambda d: np.where(d.month == 12, 6.0, 2.0), days=3 * 365)
    frame = forecast_demand(history, Calendar(MID_MONTH, "month", 5), jobs=1)
    assert frame.attrs["seasonal_skus"] == 1
    np.testing.assert_allclose(frame["forecast"], [16.0, 186.0, 62.0, 56.0, 62.0], rtol=0.01)


def test_less_than_a_month_of_history_forecasts_its_rate():
    history = daily(lambda d: np.full(len(d), 2.0), days=20)  # 2026-11-03 to 2026-11-22, in period -1
    frame = forecast_demand(history, Calendar(MID_MONTH, "month", 2), jobs=1)
    assert (frame["model"] == "fallback_mean").all()
    np.testing.assert_allclose(frame["forecast"], [16.0, 62.0])


@pytest.mark.parametrize("horizon", [4, 13])
def test_monthly_interval_coverage_is_near_nominal(horizon):
    """Poisson demand a day, 120 series, two years of history, from mid-month: the monthly actuals fall
    inside the 80% intervals about 80% of the time in every period. With 13 months only one backtest
    window fits in the history, one error per step, and the first month's interval was nearly empty."""
    rng = np.random.default_rng(0)
    n, calendar = 120, Calendar(MID_MONTH, "month", horizon)
    dates = pd.date_range(MID_MONTH - pd.Timedelta(days=730), calendar.end - pd.Timedelta(days=1))
    quantity = rng.poisson(rng.uniform(0.3, 3.0, n)[:, None], (n, len(dates))).astype(float)
    past = dates < MID_MONTH
    history = pd.DataFrame(
        {
            "date": np.tile(dates[past], n),
            "sku": np.repeat([f"S{i:03d}" for i in range(n)], past.sum()),
            "region": "north",
            "quantity": quantity[:, past].ravel(),
        }
    )
    frame = forecast_demand(history[history["quantity"] > 0], calendar, interval_level=0.8, jobs=1)
    periods = calendar.period_of(dates[~past])
    actual = np.stack([np.bincount(periods, weights=q[~past], minlength=horizon) for q in quantity]).ravel()
    inside = ((frame["lower"] <= actual) & (actual <= frame["upper"])).to_numpy().reshape(n, horizon)
    assert 0.72 <= inside.mean() <= 0.9, inside.mean()
    assert inside.mean(axis=0).min() >= 0.65, inside.mean(axis=0)


# --- forecast consumption by open orders ------------------------------------------------------


def test_open_orders_consume_the_forecast_of_their_period():
    forecast = pd.DataFrame({"sku": "A", "region": "north", "period": [0, 1, 2], "forecast": [10.0, 10.0, 10.0]})
    due = [
        START - pd.Timedelta(days=3),
        START + pd.Timedelta(days=1),
        START + pd.Timedelta(days=8),
        START + pd.Timedelta(days=9),
        START + pd.Timedelta(weeks=20),
    ]
    orders = pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o4", "o5"],
            "sku": "A",
            "region": "north",
            "quantity": [50.0, 4.0, 7.0, 5.0, 99.0],
            "order_date": START - pd.Timedelta(days=10),
            "due_date": due,
            "priority": 1,
        }
    )
    net = net_forecast(forecast, orders, CALENDAR)
    assert list(net.columns) == ["sku", "region", "period", "net_forecast"]
    assert list(net["net_forecast"]) == [6.0, 0.0, 10.0]


def test_orders_of_other_series_consume_nothing():
    forecast = pd.DataFrame({"sku": ["A", "B"], "region": "north", "period": 0, "forecast": 10.0})
    orders = pd.DataFrame(
        {
            "order_id": ["o1"],
            "sku": "B",
            "region": "north",
            "quantity": 3.0,
            "order_date": START,
            "due_date": START,
            "priority": 2,
        }
    )
    assert list(net_forecast(forecast, orders, CALENDAR)["net_forecast"]) == [10.0, 7.0]
