"""Each sku's service level, and the safety stock it asks for.

A sku's service level is its `service_level` in skus.csv; else, with [service.segments] in the
model, the level of its ABC x XYZ segment; else the model's one `service_level`.

- ABC ranks the skus by the value of their forecast over the plan (units x unit_cost): A are the
  skus that make up the first `a_share` of the value (a sku is A while the skus ranked above it
  hold less than `a_share`), B the next ones up to `b_share`, C the rest. Ties rank by sku.
- XYZ is how well the forecast does: the coefficient of variation of its error, the one-period
  error sigma (the backtest error that sizes safety stock; regions add in variance) over the mean
  forecast per period (regions added). X up to `x_cv`, Y up to `y_cv`, Z above, and Z for a sku
  without forecast demand (nothing to go by).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from planner.config import PlanConfig, ServiceSegments

SERVICE_COLUMNS = ["sku", "segment", "service_level", "source"]
FROM_FILE, FROM_SEGMENT, FROM_MODEL = "skus.csv", "segment", "model"


def service_levels(skus: pd.DataFrame, forecast: pd.DataFrame, config: PlanConfig) -> pd.DataFrame:
    """One row per sku of skus.csv: segment ('' without [service.segments]), service_level, source."""
    levels = skus[["sku"]].reset_index(drop=True)
    if config.segments is None:
        levels = levels.assign(segment="", service_level=config.service_level, source=FROM_MODEL)
    else:
        measures = segment_measures(skus, forecast)
        segment = abc_classes(measures["value"], config.segments) + xyz_classes(measures["cv"], config.segments)
        levels = levels.assign(segment=segment.to_numpy(), source=FROM_SEGMENT)
        levels["service_level"] = levels["segment"].map(dict(config.segments.levels))
    given = skus["service_level"].to_numpy(dtype=float)
    chosen = ~np.isnan(given)
    levels.loc[chosen, "service_level"] = given[chosen]
    levels.loc[chosen, "source"] = FROM_FILE
    return levels[SERVICE_COLUMNS].astype({"service_level": float})


def segment_measures(skus: pd.DataFrame, forecast: pd.DataFrame) -> pd.DataFrame:
    """Per sku of skus.csv, in its order: forecast value over the plan and forecast error CV."""
    series = forecast.groupby(["sku", "region"]).agg(
        units=("forecast", "sum"), mean=("forecast", "mean"), sigma=("sigma", "first")
    )
    per_sku = series.assign(var=series["sigma"] ** 2).groupby(level="sku")[["units", "mean", "var"]].sum()
    per_sku = per_sku.reindex(skus["sku"], fill_value=0.0)
    value = per_sku["units"].to_numpy() * skus["unit_cost"].to_numpy(dtype=float)
    mean = per_sku["mean"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(mean > 0, np.sqrt(per_sku["var"].to_numpy()) / mean, np.inf)
    return pd.DataFrame({"sku": skus["sku"].to_numpy(), "value": value, "cv": cv})


def abc_classes(value: pd.Series, segments: ServiceSegments) -> pd.Series:
    """A, B or C per row: the share of the total value held by the rows ranked above it."""
    ranked = pd.DataFrame({"value": value.to_numpy(dtype=float), "row": np.arange(len(value))})
    ranked = ranked.sort_values(["value", "row"], ascending=[False, True], kind="stable")
    total = ranked["value"].sum()
    above = (ranked["value"].cumsum() - ranked["value"]) / total if total > 0 else np.ones(len(ranked))
    classes = np.select([above < segments.a_share, above < segments.b_share], ["A", "B"], "C")
    return pd.Series(classes, index=ranked["row"].to_numpy()).sort_index().set_axis(value.index)


def xyz_classes(cv: pd.Series, segments: ServiceSegments) -> pd.Series:
    """X, Y or Z per row by the forecast error's coefficient of variation."""
    classes = np.select([cv <= segments.x_cv, cv <= segments.y_cv], ["X", "Y"], "Z")
    return pd.Series(classes, index=cv.index)


def z_scores(levels) -> np.ndarray:
    """The standard normal quantile of each service level: safety stock in standard deviations."""
    quantile = NormalDist().inv_cdf
    return np.array([quantile(float(level)) for level in levels], dtype=float)


def safety_stock(z, sigma, periods, demand, lead_time_std):
    """z x sqrt(periods x sigma² + demand² x lead_time_std²), every figure in plan periods.

    Demand error over the periods of exposure and lead-time spread are independent and add in
    variance; `demand` is the mean demand per period, `lead_time_std` the lead time's standard
    deviation in periods. Without spread it is z x sigma x sqrt(periods) to the last bit
    (hypot(x, 0) is x), so plans without lead-time spread are unchanged by it.
    """
    return np.hypot(z * sigma * np.sqrt(periods), z * demand * lead_time_std)
