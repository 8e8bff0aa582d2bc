"""The latent business a synthetic dataset is drawn from, whatever the shape of its network.

Demand per sku and region (a level, trend, season and noise, a share of intermittent slow
movers), the catalogue, the suppliers' offers, open POs, storage and open customer orders.
`planner.data.generate` (today's small networks) and `planner.data.network` (regional networks
of many FCs) lay these over their FCs, regions and lanes; the functions here take the FCs and
regions as plain arrays so both can use them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from planner.data.schema import column_names

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
class Demand:
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


NOT_GENERATED = {"skus": ("service_level",), "supplier_items": ("lead_time_std_days",)}
"""Optional columns left out: a planner's own targets, and a supplier's delivery record, which a
synthetic network has no ground for (blank, they take their defaults)."""


def generated_columns(table: str) -> list[str]:
    """The contract columns a generated table holds, in contract order."""
    return [c for c in column_names(table) if c not in NOT_GENERATED.get(table, ())]


def check_arguments(n_skus: int, n_fcs: int, history_period: str, history_weeks: int) -> None:
    if n_skus < 1 or n_fcs < 1:
        raise ValueError("a dataset needs at least one sku and one FC")
    if history_period not in HISTORY_PERIODS:
        raise ValueError(f"history_period must be one of {', '.join(HISTORY_PERIODS)}, not {history_period!r}")
    if history_weeks < 1:
        raise ValueError("history_weeks must be at least 1")


def draw_demand(
    rng, n_skus: int, n_regions: int, end: pd.Timestamp, history_days: int, *, stable: bool = False
) -> Demand:
    """Heavy-tailed levels; a share of trending, seasonal and intermittent skus (`stable`: no
    trend or season, noise and intermittent skus stay)."""
    seasonal = rng.random(n_skus) < 0.5
    holiday = seasonal & (rng.random(n_skus) < 0.4)
    trending = rng.random(n_skus) < 0.35
    demand = Demand(
        end=end,
        history_days=history_days,
        level=rng.lognormal(np.log(4.0), 1.2, n_skus),
        shares=region_shares(rng, n_skus, n_regions),
        trend=np.where(trending, rng.uniform(-0.4, 0.7, n_skus), 0.0),
        sine=np.where(seasonal & ~holiday, rng.uniform(0.2, 0.6, n_skus), 0.0),
        phase=rng.random(n_skus),
        peak=np.where(holiday, rng.uniform(1.0, 3.0, n_skus), 0.0),
        slow=rng.random(n_skus) < 0.25,
        occurrence=rng.uniform(0.01, 0.08, n_skus),
        lump=rng.uniform(1.0, 6.0, n_skus),
        dispersion=rng.uniform(2.0, 20.0, n_skus),
    )
    if stable:
        flat = np.zeros(n_skus)
        demand = replace(demand, trend=flat, sine=flat, peak=flat)
    return demand


def region_shares(rng, n_skus: int, n_regions: int) -> np.ndarray:
    """Each sku's split across regions: near the regions' overall split, varying by sku."""
    overall = rng.dirichlet(np.full(n_regions, 8.0))
    draws = rng.gamma(10.0 * n_regions * overall, size=(n_skus, n_regions))
    return draws / draws.sum(axis=1, keepdims=True)


def typical_rate(demand: Demand) -> np.ndarray:
    """Expected units/day per (sku, region) around `end`: what stock and capacities are sized on."""
    start = demand.end - pd.Timedelta(days=TYPICAL_WINDOW)
    dates = pd.date_range(start, periods=2 * TYPICAL_WINDOW, freq="D")
    return demand.daily_mean(dates).mean(axis=0)


def demand_history(
    rng, demand: Demand, regions: np.ndarray, sku_ids: np.ndarray, history_period: str, history_weeks: int
) -> pd.DataFrame:
    """Demand rows dated on each period's last day; zero rows are left out (missing = zero)."""
    days = HISTORY_PERIODS[history_period]
    dates = pd.date_range(end=demand.end, periods=history_weeks * 7 // days, freq=f"{days}D")
    chunks = [
        draw_periods(rng, demand, dates[i : i + CHUNK_PERIODS], days) for i in range(0, len(dates), CHUNK_PERIODS)
    ]
    quantity = np.concatenate(chunks)
    period, sku, region = np.nonzero(quantity)
    return pd.DataFrame(
        {
            "date": dates[period],
            "sku": sku_ids[sku],
            "region": regions[region],
            "quantity": quantity[period, sku, region],
        }
    )


def draw_periods(rng, demand: Demand, last_days: pd.DatetimeIndex, days: int) -> np.ndarray:
    """Units per (period, sku, region) for periods of `days` days ending on `last_days`."""
    mean = days * demand.daily_mean(last_days - pd.Timedelta(days=(days - 1) // 2))
    size = np.broadcast_to(demand.dispersion[None, :, None], mean.shape)
    smooth = rng.negative_binomial(size, size / (size + mean))
    chance = np.minimum(demand.occurrence[:, None] * demand.shares, 1.0)
    orders = rng.binomial(days, np.broadcast_to(chance, mean.shape))
    lumpy = orders + rng.poisson(orders * (demand.lump[None, :, None] - 1))
    return np.where(demand.slow[None, :, None], lumpy, smooth)


def catalogue(rng, sku_ids: np.ndarray) -> pd.DataFrame:
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


def supplier_names(count: int) -> list[str]:
    """SUP-A .. SUP-Z, then SUP-AA, SUP-AB, ..."""
    letters = [chr(ord("A") + i) for i in range(26)]
    names = letters + [a + b for a in letters for b in letters]
    return [f"SUP-{name}" for name in names[:count]]


def supplier_offers(rng, skus: pd.DataFrame, rate: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A slow, cheap offer for every sku (fc `*`), and a fast, dearer one with capped capacity
    (fc `*` too) for about half; suppliers named SUP-A, SUP-B, ..., more for more skus."""
    n_slow = int(np.clip(round(np.sqrt(len(skus)) / 3), 2, 8))
    n_fast = int(np.clip(round(np.sqrt(len(skus)) / 4), 1, 6))
    names = np.array(supplier_names(n_slow + n_fast))
    weekly = 7 * rate.sum(axis=1)
    slow = slow_offers(rng, skus, weekly, names[:n_slow])
    return slow, fast_offers(rng, slow, weekly, names[n_slow:])


def slow_offers(rng, skus: pd.DataFrame, weekly: np.ndarray, suppliers: np.ndarray) -> pd.DataFrame:
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


def fast_offers(rng, slow: pd.DataFrame, weekly: np.ndarray, suppliers: np.ndarray) -> pd.DataFrame:
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


def inbound(
    rng,
    sku_ids: np.ndarray,
    supplier_items: pd.DataFrame,
    rate: np.ndarray,
    fcs: np.ndarray,
    end: pd.Timestamp,
    stocked: np.ndarray | None = None,
) -> pd.DataFrame:
    """Open POs from the slow suppliers for about a fifth of (sku, FC): 3-8 weeks of demand each.

    `stocked` (sku, FC) limits them to where a sku is stocked (default: everywhere).
    """
    ordered = rng.random(rate.shape) < 0.2
    sku_index, fc = np.nonzero(ordered if stocked is None else ordered & stocked)
    lines = pd.DataFrame({"sku": sku_ids[sku_index], "fc": fcs[fc], "rate": rate[sku_index, fc]})
    lines = slow_offer_of(supplier_items, lines)
    wanted = lines["rate"] * 7 * rng.uniform(3, 8, len(lines))
    lots = np.maximum(np.ceil(lines["moq"] / lines["lot_size"]), np.ceil(wanted / lines["lot_size"]))
    overdue = rng.random(len(lines)) < 0.08
    days_ahead = np.where(overdue, -rng.integers(0, 5, len(lines)), rng.integers(1, 57, len(lines)))
    lines["quantity"] = (lots * lines["lot_size"]).astype(np.int64)
    lines["eta"] = end + pd.to_timedelta(days_ahead, unit="D")
    po_number = lines.groupby(["eta", "supplier", "fc"], sort=True).ngroup() + 1
    lines["po_id"] = "PO-" + po_number.astype(str).str.zfill(6)
    return lines


def slow_offer_of(supplier_items: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Each (sku, fc) line joined with the slow supplier's row for that FC (or its `*` row)."""
    slow = supplier_items[supplier_items["lot_size"] > 1]
    fields = ["supplier", "sku", "fc", "moq", "lot_size"]
    exact = lines.merge(slow[fields], on=["sku", "fc"])
    anywhere = lines.merge(slow.loc[slow["fc"] == "*", fields].drop(columns="fc"), on="sku")
    return pd.concat([exact, anywhere], ignore_index=True)


def storage_capacity(
    rng, fcs: np.ndarray, rate: np.ndarray, skus: pd.DataFrame, inventory: pd.DataFrame, inbound: pd.DataFrame
) -> np.ndarray:
    """m3: 2-3x the larger of today's stock plus open POs and eight weeks of demand."""
    volume = skus.set_index("sku")["unit_volume"]
    stock = pd.concat([inventory.rename(columns={"on_hand": "quantity"}), inbound[["fc", "sku", "quantity"]]])
    held = (stock["quantity"] * stock["sku"].map(volume)).groupby(stock["fc"]).sum()
    held = held.reindex(fcs, fill_value=0.0).to_numpy()
    eight_weeks = 56 * (rate * volume.to_numpy()[:, None]).sum(axis=0)
    return np.ceil(np.maximum(np.maximum(held, eight_weeks), 1.0) * rng.uniform(2.0, 3.0, len(held)))


def peak_daily_receipts(fcs: np.ndarray, inbound: pd.DataFrame, end: pd.Timestamp) -> np.ndarray:
    """Largest firm receipt on one day per FC (overdue POs counted on the plan's first day)."""
    day = inbound["eta"].clip(lower=end + pd.Timedelta(days=1))
    daily = inbound.groupby([inbound["fc"], day])["quantity"].sum()
    return daily.groupby(level=0).max().reindex(fcs, fill_value=0).to_numpy()


def open_orders(
    rng, sku_ids: np.ndarray, rate: np.ndarray, regions: np.ndarray, short: np.ndarray, end: pd.Timestamp
) -> pd.DataFrame:
    """About 1.5 days of demand waiting (more in the `short` regions); some lines already overdue."""
    weight = rate.sum(axis=0) * np.where(short, 2.5, 1.0)
    n_orders = int(np.clip(round(1.5 * rate.sum() / 3.2), 10, 200_000))
    orders = order_headers(rng, n_orders, weight, end)
    line_order = np.repeat(np.arange(n_orders), np.minimum(rng.geometric(0.6, n_orders), 4))
    lines = orders.iloc[line_order].reset_index(drop=True)
    region = lines["region"].to_numpy()
    sku = pick_skus(rng, rate, region)
    lines["sku"] = sku_ids[sku]
    lines["quantity"] = 1 + rng.poisson(np.clip(0.5 + 0.02 * rate[sku, region], 0, 4))
    lines["region"] = regions[lines["region"]]
    return lines.drop_duplicates(["order_id", "sku"])


def order_headers(rng, n_orders: int, region_weight: np.ndarray, end: pd.Timestamp) -> pd.DataFrame:
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


def pick_skus(rng, rate: np.ndarray, region: np.ndarray) -> np.ndarray:
    """A sku per order line, drawn in proportion to its demand in the line's region."""
    sku = np.zeros(len(region), dtype=np.int64)
    for r in range(rate.shape[1]):
        in_region = region == r
        if not in_region.any():  # a region where no sku sells gets no order
            continue
        sku[in_region] = rng.choice(rate.shape[0], in_region.sum(), p=rate[:, r] / rate[:, r].sum())
    return sku


def sku_names(n_skus: int) -> np.ndarray:
    """SKU00001, SKU00002, ..."""
    return np.array([f"SKU{i:05d}" for i in range(1, n_skus + 1)])
