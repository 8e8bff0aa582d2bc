"""Seeded synthetic datasets in the contract format, for tests, the demo and benchmarks.

The tables are drawn from a small latent model (a demand rate per sku and region, suppliers,
capacities sized on that rate), so their structure is known in advance: one FC is short of
outbound capacity, some skus have a fast, dearer supplier next to a slow, cheap one, a share
of the series is intermittent, some open orders are already overdue. Every draw comes from
generators spawned from `numpy.random.default_rng(seed)`, so a seed always gives the same
tables and, through `write_dataset`, the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from planner.data.files import write_folder
from planner.data.schema import TABLES_BY_NAME, column_names

HISTORY_PERIODS = {"day": 1, "week": 7}
DAYS_PER_YEAR = 365.25
PEAK_DAY, PEAK_WIDTH = 335, 20.0  # the holiday peak: early December, about three weeks wide
TYPICAL_WINDOW = 91  # days either side of `end` over which stock and capacities are sized
LOT_SIZES = np.array([10, 12, 24, 50])
CHUNK_PERIODS = 56  # history periods drawn at once, to bound memory for daily history

_ADJECTIVES = np.array(["Compact", "Classic", "Deluxe", "Eco", "Mini", "Pro", "Smart", "Ultra"])
_MATERIALS = np.array(["bamboo", "ceramic", "cotton", "glass", "oak", "silicone", "steel", "wool"])
_PRODUCTS = np.array(
    [
        "backpack",
        "blanket",
        "chopping board",
        "coffee mug",
        "desk lamp",
        "headphones",
        "phone case",
        "plant pot",
        "water bottle",
        "yoga mat",
    ]
)


@dataclass(frozen=True)
class _Network:
    """FC i serves region i; `short` is the FC whose outbound capacity is below its demand."""

    fcs: np.ndarray
    regions: np.ndarray
    short: int | None


@dataclass(frozen=True)
class _Demand:
    """Latent demand per sku: the history is drawn from it, stock and capacities sized on it."""

    end: pd.Timestamp
    history_days: int
    level: np.ndarray  # mean units/day at `end` over all regions, before seasonality
    shares: np.ndarray  # (sku, region) split of the level; rows sum to 1
    trend: np.ndarray  # growth over the history: the level started at level * (1 - trend)
    sine: np.ndarray  # amplitude of a smooth yearly cycle (0 = none)
    phase: np.ndarray  # where in the year the cycle starts, as a fraction of a year
    peak: np.ndarray  # height of the holiday peak over the base (0 = none)
    slow: np.ndarray  # intermittent slow mover: few orders, in lumps
    occurrence: np.ndarray  # slow movers: probability of an order on a day (all regions)
    lump: np.ndarray  # slow movers: mean units per order
    dispersion: np.ndarray  # negative-binomial size of the noise: lower is noisier

    def daily_mean(self, dates: pd.DatetimeIndex) -> np.ndarray:
        """Expected units per day on each date, shape (date, sku, region)."""
        offset = (dates - self.end).days.to_numpy()[:, None]
        trend = np.clip(1 + self.trend * offset / self.history_days, 0.05, None)
        season = self._season(dates.day_of_year.to_numpy()[:, None])
        per_sku = np.where(self.slow, self.occurrence * self.lump, self.level * trend * season)
        return per_sku[:, :, None] * self.shares[None]

    def _season(self, day_of_year: np.ndarray) -> np.ndarray:
        """Seasonal factor averaging 1 over a year: a sine, a holiday peak, or neither."""
        sine = 1 + self.sine * np.sin(2 * np.pi * (day_of_year / DAYS_PER_YEAR - self.phase))
        distance = np.abs(day_of_year - PEAK_DAY)
        distance = np.minimum(distance, DAYS_PER_YEAR - distance)
        bump = np.exp(-0.5 * (distance / PEAK_WIDTH) ** 2)
        mean_bump = PEAK_WIDTH * np.sqrt(2 * np.pi) / DAYS_PER_YEAR
        return sine * (1 + self.peak * bump) / (1 + self.peak * mean_bump)


def generate_dataset(
    n_skus: int,
    n_fcs: int,
    seed: int,
    *,
    history_period: str = "day",
    history_weeks: int = 104,
    end: date = date(2026, 11, 22),
    stable: bool = False,
) -> dict[str, pd.DataFrame]:
    """A complete dataset (table name -> frame with the contract columns), the same for a seed.

    `end` is the last history date; the plan starts the day after it. `stable` draws demand
    without trend or season (noise and intermittent skus stay), as a simulation baseline.
    """
    _check_arguments(n_skus, n_fcs, history_period, history_weeks)
    rngs = np.random.default_rng(seed).spawn(10)
    end = pd.Timestamp(end)
    network = _network(n_fcs)
    sku_ids = np.array([f"SKU{i:05d}" for i in range(1, n_skus + 1)])
    demand = _draw_demand(rngs[0], n_skus, n_fcs, end, 7 * history_weeks)
    if stable:
        flat = np.zeros(n_skus)
        demand = replace(demand, trend=flat, sine=flat, peak=flat)
    rate = _typical_rate(demand)
    skus = _skus(rngs[1], sku_ids)
    supplier_items = _supplier_items(rngs[2], skus, rate, network)
    inventory = _inventory(rngs[3], sku_ids, rate, network)
    inbound = _inbound(rngs[4], sku_ids, supplier_items, rate, network, end)
    tables = {
        "skus": skus,
        "fulfillment_centers": _fulfillment_centers(rngs[5], network, rate, skus, inventory, inbound, end),
        "supplier_items": supplier_items,
        "inventory": inventory,
        "inbound": inbound,
        "transfer_lanes": _transfer_lanes(rngs[6], network, rate),
        "shipping_lanes": _shipping_lanes(rngs[7], network),
        "demand_history": _demand_history(rngs[8], demand, network, sku_ids, history_period, history_weeks),
        "open_orders": _open_orders(rngs[9], sku_ids, rate, network, end),
    }
    return {name: frame[generated_columns(name)].reset_index(drop=True) for name, frame in tables.items()}


NOT_GENERATED = {"skus": ("service_level",), "supplier_items": ("lead_time_std_days",)}
"""Optional columns left out: a planner's own targets, and a supplier's delivery record, which a
synthetic network has no ground for (blank, they take their defaults)."""


def generated_columns(table: str) -> list[str]:
    """The contract columns a generated table holds, in contract order."""
    return [c for c in column_names(table) if c not in NOT_GENERATED.get(table, ())]


def _check_arguments(n_skus: int, n_fcs: int, history_period: str, history_weeks: int) -> None:
    if n_skus < 1 or n_fcs < 1:
        raise ValueError("a dataset needs at least one sku and one FC")
    if history_period not in HISTORY_PERIODS:
        raise ValueError(f"history_period must be one of {', '.join(HISTORY_PERIODS)}, not {history_period!r}")
    if history_weeks < 1:
        raise ValueError("history_weeks must be at least 1")


def _network(n_fcs: int) -> _Network:
    fcs = np.array([f"FC{i:02d}" for i in range(1, n_fcs + 1)])
    regions = np.array([f"R{i:02d}" for i in range(1, n_fcs + 1)])
    return _Network(fcs, regions, 1 if n_fcs >= 2 else None)


def _draw_demand(rng, n_skus: int, n_regions: int, end: pd.Timestamp, history_days: int) -> _Demand:
    """Heavy-tailed levels; a share of trending, seasonal and intermittent skus."""
    seasonal = rng.random(n_skus) < 0.5
    holiday = seasonal & (rng.random(n_skus) < 0.4)
    trending = rng.random(n_skus) < 0.35
    return _Demand(
        end=end,
        history_days=history_days,
        level=rng.lognormal(np.log(4.0), 1.2, n_skus),
        shares=_region_shares(rng, n_skus, n_regions),
        trend=np.where(trending, rng.uniform(-0.4, 0.7, n_skus), 0.0),
        sine=np.where(seasonal & ~holiday, rng.uniform(0.2, 0.6, n_skus), 0.0),
        phase=rng.random(n_skus),
        peak=np.where(holiday, rng.uniform(1.0, 3.0, n_skus), 0.0),
        slow=rng.random(n_skus) < 0.25,
        occurrence=rng.uniform(0.01, 0.08, n_skus),
        lump=rng.uniform(1.0, 6.0, n_skus),
        dispersion=rng.uniform(2.0, 20.0, n_skus),
    )


def _region_shares(rng, n_skus: int, n_regions: int) -> np.ndarray:
    """Each sku's split across regions: near the regions' overall split, varying by sku."""
    overall = rng.dirichlet(np.full(n_regions, 8.0))
    draws = rng.gamma(10.0 * n_regions * overall, size=(n_skus, n_regions))
    return draws / draws.sum(axis=1, keepdims=True)


def _typical_rate(demand: _Demand) -> np.ndarray:
    """Expected units/day per (sku, region) around `end`: what stock and capacities are sized on."""
    start = demand.end - pd.Timedelta(days=TYPICAL_WINDOW)
    dates = pd.date_range(start, periods=2 * TYPICAL_WINDOW, freq="D")
    return demand.daily_mean(dates).mean(axis=0)


def _demand_history(
    rng, demand: _Demand, network: _Network, sku_ids: np.ndarray, history_period: str, history_weeks: int
) -> pd.DataFrame:
    """Demand rows dated on each period's last day; zero rows are left out (missing = zero)."""
    days = HISTORY_PERIODS[history_period]
    dates = pd.date_range(end=demand.end, periods=history_weeks * 7 // days, freq=f"{days}D")
    chunks = [
        _draw_periods(rng, demand, dates[i : i + CHUNK_PERIODS], days) for i in range(0, len(dates), CHUNK_PERIODS)
    ]
    quantity = np.concatenate(chunks)
    period, sku, region = np.nonzero(quantity)
    return pd.DataFrame(
        {
            "date": dates[period],
            "sku": sku_ids[sku],
            "region": network.regions[region],
            "quantity": quantity[period, sku, region],
        }
    )


def _draw_periods(rng, demand: _Demand, last_days: pd.DatetimeIndex, days: int) -> np.ndarray:
    """Units per (period, sku, region) for periods of `days` days ending on `last_days`."""
    mean = days * demand.daily_mean(last_days - pd.Timedelta(days=(days - 1) // 2))
    size = np.broadcast_to(demand.dispersion[None, :, None], mean.shape)
    smooth = rng.negative_binomial(size, size / (size + mean))
    chance = np.minimum(demand.occurrence[:, None] * demand.shares, 1.0)
    orders = rng.binomial(days, np.broadcast_to(chance, mean.shape))
    lumpy = orders + rng.poisson(orders * (demand.lump[None, :, None] - 1))
    return np.where(demand.slow[None, :, None], lumpy, smooth)


def _skus(rng, sku_ids: np.ndarray) -> pd.DataFrame:
    n = len(sku_ids)
    names = (
        pd.Series(_ADJECTIVES[rng.integers(len(_ADJECTIVES), size=n)])
        + " "
        + _MATERIALS[rng.integers(len(_MATERIALS), size=n)]
        + " "
        + _PRODUCTS[rng.integers(len(_PRODUCTS), size=n)]
    )
    return pd.DataFrame(
        {
            "sku": sku_ids,
            "unit_cost": np.round(np.clip(rng.lognormal(np.log(30.0), 0.8, n), 5, 200), 2),
            "unit_volume": np.round(np.exp(rng.uniform(np.log(0.001), np.log(0.05), n)), 4),
            "description": names.to_numpy(),
        }
    )


def _supplier_names(count: int) -> list[str]:
    """SUP-A .. SUP-Z, then SUP-AA, SUP-AB, ..."""
    letters = [chr(ord("A") + i) for i in range(26)]
    names = letters + [a + b for a in letters for b in letters]
    return [f"SUP-{name}" for name in names[:count]]


def _supplier_items(rng, skus: pd.DataFrame, rate: np.ndarray, network: _Network) -> pd.DataFrame:
    """A slow, cheap supplier for every sku; a fast, dearer one with capped capacity for about half."""
    n_slow = int(np.clip(round(np.sqrt(len(skus)) / 3), 2, 8))
    n_fast = int(np.clip(round(np.sqrt(len(skus)) / 4), 1, 6))
    names = np.array(_supplier_names(n_slow + n_fast))
    weekly = 7 * rate.sum(axis=1)
    slow = _slow_offers(rng, skus, weekly, names[:n_slow])
    fast = _fast_offers(rng, slow, weekly, names[n_slow:])
    return pd.concat([_per_fc_rows(rng, slow, network.fcs), fast], ignore_index=True)


def _slow_offers(rng, skus: pd.DataFrame, weekly: np.ndarray, suppliers: np.ndarray) -> pd.DataFrame:
    """Overseas-style offers: 4-8 weeks lead time, lots of 10-50 units, an MOQ of a few lots."""
    n = len(skus)
    supplier = rng.integers(len(suppliers), size=n)
    typical_lead = rng.integers(28, 57, size=len(suppliers))
    lot_index = np.searchsorted(LOT_SIZES, weekly) - rng.integers(0, 2, size=n)
    lot = LOT_SIZES[np.clip(lot_index, 0, len(LOT_SIZES) - 1)]
    return pd.DataFrame(
        {
            "supplier": suppliers[supplier],
            "sku": skus["sku"].to_numpy(),
            "fc": "*",
            "unit_price": np.round(skus["unit_cost"].to_numpy() * rng.uniform(0.85, 1.0, n), 2),
            "lead_time_days": np.clip(typical_lead[supplier] + rng.integers(-4, 5, size=n), 28, 56),
            "moq": lot * rng.integers(2, 6, size=n),
            "lot_size": lot,
            "capacity_per_week": np.nan,
        }
    )


def _per_fc_rows(rng, offers: pd.DataFrame, fcs: np.ndarray) -> pd.DataFrame:
    """Turn about 40% of the `*` offers into one row per FC, each with its own lead time and price."""
    split = (rng.random(len(offers)) < 0.4) & (len(fcs) > 1)
    per_fc = offers[split].loc[lambda f: f.index.repeat(len(fcs))].reset_index(drop=True)
    per_fc["fc"] = np.tile(fcs, split.sum())
    per_fc["lead_time_days"] = np.minimum(per_fc["lead_time_days"] + rng.integers(0, 8, len(per_fc)), 56)
    per_fc["unit_price"] = np.round(per_fc["unit_price"] * rng.uniform(1.0, 1.03, len(per_fc)), 2)
    return pd.concat([offers[~split], per_fc], ignore_index=True)


def _fast_offers(rng, slow: pd.DataFrame, weekly: np.ndarray, suppliers: np.ndarray) -> pd.DataFrame:
    """Domestic-style offers: 15-35% dearer, 3-10 days, no MOQ or lot, capacity below demand."""
    n = len(slow)
    has_fast = rng.random(n) < 0.5
    offers = pd.DataFrame(
        {
            "supplier": suppliers[rng.integers(len(suppliers), size=n)],
            "sku": slow["sku"],
            "fc": "*",
            "unit_price": np.round(slow["unit_price"] * rng.uniform(1.15, 1.35, n), 2),
            "lead_time_days": rng.integers(3, 11, size=n),
            "moq": 0,
            "lot_size": 1,
            "capacity_per_week": np.maximum(1, np.rint(weekly * rng.uniform(0.5, 1.0, n))),
        }
    )
    return offers[has_fast]


def _inventory(rng, sku_ids: np.ndarray, rate: np.ndarray, network: _Network) -> pd.DataFrame:
    """2-8 weeks of each FC's own demand, some stock-outs, and some stock at the wrong FC."""
    stock = np.rint(rate * rng.uniform(14, 56, rate.shape))
    stock[rng.random(rate.shape) < 0.05] = 0
    stock = _misplace(rng, stock)
    sku, fc = np.indices(stock.shape).reshape(2, -1)
    return pd.DataFrame({"fc": network.fcs[fc], "sku": sku_ids[sku], "on_hand": stock.ravel().astype(np.int64)})


def _misplace(rng, stock: np.ndarray) -> np.ndarray:
    """Move about 6% of the (sku, FC) stocks to another FC, as after a misrouted delivery."""
    n_fcs = stock.shape[1]
    if n_fcs < 2:
        return stock
    moved = np.where(rng.random(stock.shape) < 0.06, stock, 0)
    target = (np.arange(n_fcs)[None, :] + rng.integers(1, n_fcs, size=stock.shape)) % n_fcs
    stock = stock - moved
    rows = np.broadcast_to(np.arange(stock.shape[0])[:, None], stock.shape)
    np.add.at(stock, (rows.ravel(), target.ravel()), moved.ravel())
    return stock


def _inbound(
    rng, sku_ids: np.ndarray, supplier_items: pd.DataFrame, rate: np.ndarray, network: _Network, end: pd.Timestamp
) -> pd.DataFrame:
    """Open POs from the slow suppliers for about a fifth of (sku, FC): 3-8 weeks of demand each."""
    sku_index, fc = np.nonzero(rng.random(rate.shape) < 0.2)
    lines = pd.DataFrame({"sku": sku_ids[sku_index], "fc": network.fcs[fc], "rate": rate[sku_index, fc]})
    lines = _slow_offer_of(supplier_items, lines)
    wanted = lines["rate"] * 7 * rng.uniform(3, 8, len(lines))
    lots = np.maximum(np.ceil(lines["moq"] / lines["lot_size"]), np.ceil(wanted / lines["lot_size"]))
    overdue = rng.random(len(lines)) < 0.08
    days_ahead = np.where(overdue, -rng.integers(0, 5, len(lines)), rng.integers(1, 57, len(lines)))
    lines["quantity"] = (lots * lines["lot_size"]).astype(np.int64)
    lines["eta"] = end + pd.to_timedelta(days_ahead, unit="D")
    po_number = lines.groupby(["eta", "supplier", "fc"], sort=True).ngroup() + 1
    lines["po_id"] = "PO-" + po_number.astype(str).str.zfill(6)
    return lines


def _slow_offer_of(supplier_items: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Each (sku, fc) line joined with the slow supplier's row for that FC (or its `*` row)."""
    slow = supplier_items[supplier_items["lot_size"] > 1]
    fields = ["supplier", "sku", "fc", "moq", "lot_size"]
    exact = lines.merge(slow[fields], on=["sku", "fc"])
    anywhere = lines.merge(slow.loc[slow["fc"] == "*", fields].drop(columns="fc"), on="sku")
    return pd.concat([exact, anywhere], ignore_index=True)


def _fulfillment_centers(
    rng,
    network: _Network,
    rate: np.ndarray,
    skus: pd.DataFrame,
    inventory: pd.DataFrame,
    inbound: pd.DataFrame,
    end: pd.Timestamp,
) -> pd.DataFrame:
    """Outbound 1.3-1.6x the region's demand (0.65-0.75x at the short FC); storage and inbound roomy."""
    demand = rate.sum(axis=0)
    factor = rng.uniform(1.3, 1.6, len(demand))
    if network.short is not None:
        factor[network.short] = rng.uniform(0.65, 0.75)
    return pd.DataFrame(
        {
            "fc": network.fcs,
            "region": network.regions,
            "outbound_capacity": np.maximum(1, np.rint(factor * demand)),
            "storage_capacity": _storage_capacity(rng, network, rate, skus, inventory, inbound),
            "inbound_capacity": np.ceil(np.maximum(4 * demand, 1.2 * _peak_daily_receipts(network, inbound, end))),
        }
    )


def _storage_capacity(
    rng, network: _Network, rate: np.ndarray, skus: pd.DataFrame, inventory: pd.DataFrame, inbound: pd.DataFrame
) -> np.ndarray:
    """m3: 2-3x the larger of today's stock plus open POs and eight weeks of demand."""
    volume = skus.set_index("sku")["unit_volume"]
    stock = pd.concat([inventory.rename(columns={"on_hand": "quantity"}), inbound[["fc", "sku", "quantity"]]])
    held = (stock["quantity"] * stock["sku"].map(volume)).groupby(stock["fc"]).sum()
    held = held.reindex(network.fcs, fill_value=0.0).to_numpy()
    eight_weeks = 56 * (rate * volume.to_numpy()[:, None]).sum(axis=0)
    return np.ceil(np.maximum(np.maximum(held, eight_weeks), 1.0) * rng.uniform(2.0, 3.0, len(held)))


def _peak_daily_receipts(network: _Network, inbound: pd.DataFrame, end: pd.Timestamp) -> np.ndarray:
    """Largest firm receipt on one day per FC (overdue POs counted on the plan's first day)."""
    day = inbound["eta"].clip(lower=end + pd.Timedelta(days=1))
    daily = inbound.groupby([inbound["fc"], day])["quantity"].sum()
    return daily.groupby(level=0).max().reindex(network.fcs, fill_value=0).to_numpy()


def _transfer_lanes(rng, network: _Network, rate: np.ndarray) -> pd.DataFrame:
    """Both ways between neighbouring FCs and some other pairs; 2-5 days, half with a weekly cap."""
    first, second = np.triu_indices(len(network.fcs), 1)
    keep = (second == first + 1) | (rng.random(len(first)) < 0.3)
    source = np.concatenate([first[keep], second[keep]])
    target = np.concatenate([second[keep], first[keep]])
    capped = rng.permutation(len(source)) < (len(source) + 1) // 2
    weekly_cap = np.rint(7 * rate.sum(axis=0)[target] * rng.uniform(0.3, 0.6, len(source)))
    return pd.DataFrame(
        {
            "from_fc": network.fcs[source],
            "to_fc": network.fcs[target],
            "lead_time_days": rng.integers(2, 6, len(source)),
            "cost_per_unit": np.round(rng.uniform(0.1, 0.8, len(source)), 2),
            "capacity_per_week": np.where(capped, np.maximum(weekly_cap, 1), np.nan),
        }
    )


def _shipping_lanes(rng, network: _Network) -> pd.DataFrame:
    """Each FC ships to its own region for free; neighbours sometimes serve it at a cost and delay."""
    n = len(network.fcs)
    fc = np.concatenate([np.arange(n - 1), np.arange(1, n)])
    region = np.concatenate([np.arange(1, n), np.arange(n - 1)])
    keep = rng.random(len(fc)) < 0.5
    if network.short is not None:
        keep |= (fc == network.short - 1) & (region == network.short)
    cost = np.round(rng.uniform(0.8, 3.0, len(fc)), 2)
    extra_days = rng.integers(1, 4, len(fc))
    return pd.DataFrame(
        {
            "fc": network.fcs[np.concatenate([np.arange(n), fc[keep]])],
            "region": network.regions[np.concatenate([np.arange(n), region[keep]])],
            "cost_per_unit": np.concatenate([np.zeros(n), cost[keep]]),
            "extra_days": np.concatenate([np.zeros(n, dtype=np.int64), extra_days[keep]]),
        }
    )


def _open_orders(rng, sku_ids: np.ndarray, rate: np.ndarray, network: _Network, end: pd.Timestamp) -> pd.DataFrame:
    """About 1.5 days of demand waiting (more at the short FC); some lines already overdue."""
    weight = rate.sum(axis=0) * np.where(np.arange(rate.shape[1]) == network.short, 2.5, 1.0)
    n_orders = int(np.clip(round(1.5 * rate.sum() / 3.2), 10, 200_000))
    orders = _order_headers(rng, n_orders, weight, end)
    line_order = np.repeat(np.arange(n_orders), np.minimum(rng.geometric(0.6, n_orders), 4))
    lines = orders.iloc[line_order].reset_index(drop=True)
    region = lines["region"].to_numpy()
    sku = _pick_skus(rng, rate, region)
    lines["sku"] = sku_ids[sku]
    lines["quantity"] = 1 + rng.poisson(np.clip(0.5 + 0.02 * rate[sku, region], 0, 4))
    lines["region"] = network.regions[lines["region"]]
    return lines.drop_duplicates(["order_id", "sku"])


def _order_headers(rng, n_orders: int, region_weight: np.ndarray, end: pd.Timestamp) -> pd.DataFrame:
    """One row per order: region, dates and priority; ids numbered in order-date order."""
    today = end + pd.Timedelta(days=1)
    order_date = today - pd.to_timedelta(rng.integers(1, 22, n_orders), unit="D")
    overdue = rng.random(n_orders) < 0.15
    due_in = np.where(overdue, -rng.integers(1, 6, n_orders), rng.integers(0, 29, n_orders))
    due_date = np.maximum(today + pd.to_timedelta(due_in, unit="D"), order_date)
    headers = pd.DataFrame(
        {
            "region": rng.choice(len(region_weight), n_orders, p=region_weight / region_weight.sum()),
            "order_date": order_date,
            "due_date": due_date,
            "priority": rng.choice([1, 2, 3], n_orders, p=[0.1, 0.3, 0.6]),
        }
    ).sort_values("order_date", kind="stable", ignore_index=True)
    headers["order_id"] = "SO-" + pd.Series(np.arange(1, n_orders + 1)).astype(str).str.zfill(6)
    return headers


def _pick_skus(rng, rate: np.ndarray, region: np.ndarray) -> np.ndarray:
    """A sku per order line, drawn in proportion to its demand in the line's region."""
    sku = np.zeros(len(region), dtype=np.int64)
    for r in range(rate.shape[1]):
        in_region = region == r
        sku[in_region] = rng.choice(rate.shape[0], in_region.sum(), p=rate[:, r] / rate[:, r].sum())
    return sku


def write_dataset(tables: dict[str, pd.DataFrame], directory: Path, *, overwrite: bool = False) -> None:
    """Write `<table>.csv` files in a canonical form, all at once or not at all.

    A non-empty `directory` is only replaced with `overwrite=True`.
    """
    directory = Path(directory)
    _check_target(directory, overwrite)
    write_folder(directory, dataset_files(tables), overwrite=overwrite, marker=False)


def dataset_files(tables: dict[str, pd.DataFrame]) -> dict[str, bytes]:
    """`<table>.csv` bytes in the canonical form `write_dataset` writes."""
    return {
        f"{name}.csv": _canonical(name, frame).to_csv(index=False, lineterminator="\n").encode("utf-8")
        for name, frame in tables.items()
    }


def _check_target(directory: Path, overwrite: bool) -> None:
    if directory.exists() and not directory.is_dir():
        raise FileExistsError(f"{directory} exists and is not a folder")
    if directory.is_dir() and any(directory.iterdir()) and not overwrite:
        raise FileExistsError(f"{directory} is not empty; choose an empty folder or allow overwriting")


def _canonical(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by the table's key, dates as YYYY-MM-DD, whole numbers without a '.0'."""
    table = TABLES_BY_NAME.get(name)
    key = list(table.key) if table else []
    order = key + [c for c in frame.columns if c not in key]
    frame = frame.sort_values(order, kind="stable", ignore_index=True)
    return frame.apply(_canonical_column)


def _canonical_column(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        codes, uniques = pd.factorize(values)
        text = np.append(uniques.strftime("%Y-%m-%d").to_numpy(dtype=object), "")
        return pd.Series(text[codes], index=values.index, dtype=object)
    if pd.api.types.is_float_dtype(values):
        whole = values.dropna()
        if (whole == np.round(whole)).all():
            return values.astype("Int64")
        return values.map(_decimal_text)
    return values


def _decimal_text(value: float) -> str:
    """At most six decimals, no trailing zeros ('12.5', '0'), blank for a missing value."""
    if np.isnan(value):
        return ""
    return f"{value:.6f}".rstrip("0").rstrip(".")
