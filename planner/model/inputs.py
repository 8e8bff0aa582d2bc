"""The model's index sets and parameters, derived from the dataset, the demand and the calendar.

Everything here is plain frames: which purchase, transfer and allocation options can exist,
when each would arrive, and what each period may hold. The builder turns these rows into
variables one-to-one, so the model stays as sparse as the network really is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.calendar import Calendar
from planner.config import PlanConfig
from planner.data.dataset import Dataset
from planner.data.previous import PREVIOUS_COLUMNS, capacity_left, previous_purchases, released_receipts
from planner.model.service import safety_stock, z_scores


@dataclass(frozen=True)
class ModelInputs:
    calendar: Calendar
    config: PlanConfig
    skus: pd.DataFrame  # sku, unit_cost, unit_volume
    fcs: pd.DataFrame  # fc, region, outbound/inbound/storage capacity per period (wide by t)
    period_days: np.ndarray  # days in each period
    purchase_options: pd.DataFrame  # line, supplier, sku, fc, period, arrival_period, price, lot, moq, ...
    transfer_options: pd.DataFrame  # lane, from_fc, to_fc, sku, period, arrival_period, cost
    lanes: pd.DataFrame  # lane, from_fc, to_fc, lead_time_days, cost_per_unit, capacity_per_week
    service_arcs: pd.DataFrame  # fc, region, cost_per_unit, extra_days
    demand: pd.DataFrame  # sku, region, priority, period, quantity
    stock: pd.DataFrame  # sku, fc (every place a sku can be held), on_hand
    receipts: pd.DataFrame  # sku, fc, period, quantity (firm inbound)
    safety_stock: pd.DataFrame  # sku, fc, target
    previous_purchases: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PREVIOUS_COLUMNS))
    # supplier, sku, fc, period, previous: units the previous plan planned (planner.data.previous)

    @property
    def horizon(self) -> int:
        return self.calendar.horizon


def model_inputs(
    dataset: Dataset,
    demand: pd.DataFrame,
    error_sigma: pd.DataFrame,
    calendar: Calendar,
    config: PlanConfig,
    previous: pd.DataFrame | None = None,
    service: pd.DataFrame | None = None,
) -> ModelInputs:
    """Derive every index set and parameter of the model (see MODEL.md, 'Sets').

    `previous` is the last plan's PO lines (planner.data.previous.read_previous): its released lines
    become firm receipts and its planned ones `previous_purchases`. `service` is each sku's service
    level (planner.model.service.service_levels); without it every sku has the model's.
    """
    arcs = service_arcs(dataset)
    serving = serving_fcs(demand, error_sigma, arcs)
    purchase = purchase_options(dataset, calendar, serving)
    if previous is not None:
        purchase = capacity_left(purchase, previous, calendar)
    lanes = transfer_lanes(dataset)
    sources = stock_sources(dataset, purchase)
    transfers = transfer_options(lanes, sources, purchase, calendar, serving)
    stock = stock_positions(sources, transfers)
    return ModelInputs(
        calendar=calendar,
        config=config,
        skus=dataset.skus[["sku", "unit_cost", "unit_volume"]].reset_index(drop=True),
        fcs=dataset.fulfillment_centers.reset_index(drop=True),
        period_days=calendar.period_days,
        purchase_options=purchase,
        transfer_options=transfers,
        lanes=lanes,
        service_arcs=arcs,
        demand=demand,
        stock=stock,
        receipts=firm_receipts(dataset, calendar, previous),
        safety_stock=safety_stock_targets(
            error_sigma, dataset.fulfillment_centers, purchase, calendar, config, service
        ),
        previous_purchases=(
            previous_purchases(previous, purchase, calendar)
            if previous is not None
            else pd.DataFrame(columns=PREVIOUS_COLUMNS)
        ),
    )


def serving_fcs(demand: pd.DataFrame, error_sigma: pd.DataFrame, arcs: pd.DataFrame) -> pd.DataFrame:
    """Each sku x fc that can serve the sku's customers: the FC serves (own region or shipping
    lane) a region with demand of the sku in the plan, or with a forecast error (a safety stock).

    Stock of a sku is worth holding, buying or moving only where it can reach its customers: on
    a network of 50 FCs, each sku sold in a few regions, this keeps the model to those FCs.
    """
    sold = demand.loc[demand["quantity"] > 0, ["sku", "region"]]
    uncertain = error_sigma.loc[error_sigma["sigma"] > 0, ["sku", "region"]]
    regions = pd.concat([sold, uncertain]).drop_duplicates()
    return regions.merge(arcs[["fc", "region"]], on="region")[["sku", "fc"]].drop_duplicates()


def purchase_options(dataset: Dataset, calendar: Calendar, serving: pd.DataFrame) -> pd.DataFrame:
    """One row per supplier item line and order period whose arrival is in the plan.

    A line with fc `*` is expanded to the FCs that serve the sku's customers (`serving`): one
    that serves none would only buy to transfer on, which buying straight into the FC does
    sooner and cheaper."""
    items = dataset.supplier_items.reset_index(drop=True).rename_axis("item").reset_index()
    star = items["fc"] == "*"
    expanded = items[star].drop(columns="fc").merge(serving, on="sku")
    lines = pd.concat([items[~star], expanded]).sort_values(["item", "fc"]).reset_index(drop=True)
    periods = pd.DataFrame({"period": range(calendar.horizon), "order_date": calendar.period_starts})
    options = lines.merge(periods, how="cross")
    options["arrival_date"] = options["order_date"] + pd.to_timedelta(options["lead_time_days"], unit="D")
    options["arrival_period"] = calendar.period_of(options["arrival_date"])
    options = options[options["arrival_period"] < calendar.horizon]
    return options.reset_index(drop=True)


def service_arcs(dataset: Dataset) -> pd.DataFrame:
    """Which FC can serve which region: its own region for free, plus the shipping lanes."""
    own = dataset.fulfillment_centers[["fc", "region"]].assign(cost_per_unit=0.0, extra_days=0)
    lanes = dataset.shipping_lanes[["fc", "region", "cost_per_unit", "extra_days"]]
    arcs = pd.concat([lanes, own]).drop_duplicates(["fc", "region"], keep="first")
    return arcs.sort_values(["fc", "region"]).reset_index(drop=True)


def stock_sources(dataset: Dataset, purchase: pd.DataFrame) -> pd.DataFrame:
    """Each sku x fc where stock starts or arrives: on hand, firm inbound, or a supplier line.

    `existing` marks the positions with stock now or in transit (on hand or firm inbound).
    """
    on_hand = dataset.inventory.groupby(["sku", "fc"], as_index=False)["on_hand"].sum()
    existing = pd.concat([on_hand[on_hand["on_hand"] > 0][["sku", "fc"]], dataset.inbound[["sku", "fc"]]])
    existing = existing.drop_duplicates().assign(existing=True)
    sources = pd.concat([on_hand[["sku", "fc"]], existing[["sku", "fc"]], purchase[["sku", "fc"]]])
    sources = sources.drop_duplicates().merge(on_hand, on=["sku", "fc"], how="left")
    sources = sources.merge(existing, on=["sku", "fc"], how="left")
    return sources.fillna({"on_hand": 0.0, "existing": False}).astype({"existing": bool})


def stock_positions(sources: pd.DataFrame, transfers: pd.DataFrame) -> pd.DataFrame:
    """Every sku x fc that can ever hold stock: a source, or the end of a transfer lane."""
    destinations = transfers[["sku", "to_fc"]].drop_duplicates().rename(columns={"to_fc": "fc"})
    positions = pd.concat([sources[["sku", "fc", "on_hand"]], destinations.assign(on_hand=0.0)])
    positions = positions.drop_duplicates(["sku", "fc"], keep="first")
    return positions.sort_values(["sku", "fc"]).reset_index(drop=True)


def firm_receipts(dataset: Dataset, calendar: Calendar, previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """Open POs by arrival period; late ones arrive in period 0, those after the plan are left out.

    POs the previous plan released are open POs too (planner.data.previous.released_receipts).
    """
    inbound = dataset.inbound
    period = np.maximum(calendar.period_of(inbound["eta"]), 0) if len(inbound) else []
    receipts = inbound.assign(period=period)
    receipts = receipts[receipts["period"] < calendar.horizon]
    if previous is not None:
        receipts = pd.concat([receipts, released_receipts(previous, inbound, calendar)], ignore_index=True)
    return receipts.groupby(["sku", "fc", "period"], as_index=False)["quantity"].sum()


def transfer_lanes(dataset: Dataset) -> pd.DataFrame:
    lanes = dataset.transfer_lanes.sort_values(["from_fc", "to_fc"]).reset_index(drop=True)
    return lanes.rename_axis("lane").reset_index()


def transfer_options(
    lanes: pd.DataFrame, sources: pd.DataFrame, purchase: pd.DataFrame, calendar: Calendar, serving: pd.DataFrame
) -> pd.DataFrame:
    """Lane x sku x period options worth having.

    A transfer can move stock that exists at the origin (on hand or firm inbound), or stock
    only the origin can buy: a supplier line that also delivers to the destination makes
    buying straight into the destination cheaper and sooner than buying and transferring,
    unless that line has an MOQ (one PO at the origin, passed on, beats an MOQ at each FC:
    300 skus x 50 FCs planned 7.3% cheaper, at 1,000 x 6 FCs 0.16%, for 10% more transfers). It
    goes only to an FC that serves the sku's customers (`serving`).
    """
    origin_stock = sources[sources["existing"]][["sku", "fc"]]
    bought = purchase[["item", "sku", "fc", "moq"]].drop_duplicates(["item", "sku", "fc"])
    candidates = lanes.merge(bought.rename(columns={"fc": "from_fc"}), on="from_fc")
    direct = bought[["item", "sku", "fc"]].rename(columns={"fc": "to_fc"}).assign(direct=True)
    candidates = candidates.merge(direct, on=["item", "sku", "to_fc"], how="left")
    only_origin = candidates[candidates["direct"].isna() | (candidates["moq"] > 0)][["lane", "sku"]]
    with_stock = lanes.merge(origin_stock.rename(columns={"fc": "from_fc"}), on="from_fc")[["lane", "sku"]]
    pairs = pd.concat([only_origin, with_stock]).drop_duplicates().merge(lanes, on="lane")
    pairs = pairs.merge(serving.rename(columns={"fc": "to_fc"}), on=["sku", "to_fc"])
    options = pairs.merge(
        pd.DataFrame({"period": range(calendar.horizon), "ship_date": calendar.period_starts}), how="cross"
    )
    options["arrival_date"] = options["ship_date"] + pd.to_timedelta(options["lead_time_days"], unit="D")
    options["arrival_period"] = calendar.period_of(options["arrival_date"])
    options = options[options["arrival_period"] < calendar.horizon]
    return options.sort_values(["lane", "sku", "period"]).reset_index(drop=True)


def safety_stock_targets(
    error_sigma: pd.DataFrame,
    fcs: pd.DataFrame,
    purchase: pd.DataFrame,
    calendar: Calendar,
    config: PlanConfig,
    service: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """SS[k,f] = z(service level of k) x sqrt((L + 1) x sigma[k,f]² + d[k,f]² x sigma_L²).

    sigma[k,f] pools the one-period forecast error of the FC's own region(s) (independent
    errors add in variance) and d[k,f] their mean forecast per period (`demand`; a frame without
    it makes lead-time spread count for nothing). L and sigma_L, in periods, are the lead time and
    its standard deviation (lead_time_std_days) of the line the FC's replenishment waits for
    (`carrying_lines`): the fastest one whose capacity, with the faster lines', carries the
    FC's demand. The + 1 review period is demand risk only; its length is certain. `service` gives each sku's level
    (planner.model.service.service_levels); without it, or for a sku it lacks, the model's.
    """
    pooled = error_sigma.merge(fcs[["fc", "region"]], on="region").assign(var=lambda f: f["sigma"] ** 2)
    if "demand" not in pooled:
        pooled["demand"] = 0.0
    spread = pooled.groupby(["sku", "fc"], as_index=False)[["var", "demand"]].sum()
    targets = spread.merge(carrying_lines(purchase, spread, calendar), on=["sku", "fc"], how="inner")
    levels = service.set_index("sku")["service_level"] if service is not None else pd.Series(dtype=float)
    z = z_scores(targets["sku"].map(levels).fillna(config.service_level))
    periods = targets["lead_time_days"] / calendar.nominal_days + 1.0
    lead_std = targets["lead_time_std_days"] / calendar.nominal_days
    targets["target"] = safety_stock(z, np.sqrt(targets["var"]), periods, targets["demand"], lead_std)
    targets = targets[targets["target"] > 1e-9]
    return targets[["sku", "fc", "target"]].sort_values(["sku", "fc"]).reset_index(drop=True)


def carrying_lines(purchase: pd.DataFrame, spread: pd.DataFrame, calendar: Calendar) -> pd.DataFrame:
    """Per sku x fc, the lead time and spread of the line its replenishment waits for.

    A fast line capped below the demand cannot replenish the stock: the rest waits for a slower
    line, and the safety stock must cover that one's lead time. Lines are taken fastest first
    (the most uncertain first among equals) until their capacities carry the FC's mean demand
    per period (`demand` in `spread`; a line shared by FCs carries its share in proportion to
    their demand); without enough capacity, the slowest line. Uncapped lines, or no demand,
    make it the fastest line.
    """
    lines = purchase[["item", "sku", "fc", "lead_time_days", "lead_time_std_days", "capacity_per_week"]]
    lines = lines.drop_duplicates(["item", "fc"]).merge(spread[["sku", "fc", "demand"]], on=["sku", "fc"], how="left")
    served = lines["demand"].fillna(0.0).groupby(lines["item"]).transform("sum")
    capacity = lines["capacity_per_week"].to_numpy(dtype=float) * calendar.nominal_days / 7.0
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(np.isnan(capacity) | (served <= 0), np.inf, capacity / served)
    lines = lines.assign(share=share).sort_values(
        ["sku", "fc", "lead_time_days", "lead_time_std_days"], ascending=[True, True, True, False], kind="stable"
    )
    carried = lines.groupby(["sku", "fc"])["share"].cumsum() >= 1.0 - 1e-9
    slowest = ~lines.duplicated(["sku", "fc"], keep="last")
    chosen = lines[carried | slowest].drop_duplicates(["sku", "fc"])
    return chosen[["sku", "fc", "lead_time_days", "lead_time_std_days"]].reset_index(drop=True)
