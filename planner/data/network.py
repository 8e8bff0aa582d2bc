"""A 3PL's regional network: what `planner generate --fcs M` builds above SMALL_NETWORK_FCS FCs.

The shape of a European 3PL (sellers store products in several of its FCs, sell across borders
and expect next-day delivery):

- **regions** are customer delivery zones (a country, or part of a large one), laid out on a
  jittered grid: each borders its grid neighbours and, now and then, a diagonal one. There are
  about 3.5 FCs per region (at least 3 regions), more in the big markets, one in small ones:
  50 FCs make 14 regions. `fulfillment_centers.region` is the region an FC delivers to next day;
- **hubs**: the first FC of each of the largest markets, about one per 16 FCs (2 to 6);
- **transfer lanes** (both ways): a ring through the FCs of each region, the two closest FCs of
  every pair of neighbouring regions, each FC to its nearest hub, and hub to hub. About four to
  five lanes per FC whatever the size (not a share of all pairs); lead time and cost grow with
  distance, about half the lanes not leaving a hub have a weekly capacity;
- **shipping lanes**: every FC serves its own region; the FC of a region closest to a
  neighbouring region, a quarter of the others and every hub also ship there, at a cost and
  one or two extra days;
- **skus** are each sold in a few regions (1 to 6) grown from a home market through its
  neighbours, and stocked (opening stock, open POs) in one FC per region sold: an FC of that
  region, or for about a third of the regions past the home market, an FC next door that ships
  there. About 6% of the stock sits one lane away, as after a misrouted delivery;
- **suppliers**: each sku's main supplier delivers to any FC (fc `*`) with an MOQ of a few lots;
  about half the skus also have a fast, dearer supplier with a weekly capacity, delivering to
  the hubs only (one line per hub, the capacity split between them);
- **capacities**: outbound 1.3-1.6x the demand an FC serves, 0.65-0.75x at about one FC in
  eight (never a hub), so those FCs build a backlog unless a neighbour ships for them; inbound
  and storage roomy, a hub's inbound sized for its fast suppliers too.

Demand, the catalogue, open POs and orders come from `planner.data.synthetic`, as for the small
networks; every draw comes from generators spawned from the seed, and the network itself from
one of its own, so a seed gives the same network whatever the number of skus or weeks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from planner.data.synthetic import (
    catalogue,
    demand_history,
    draw_demand,
    inbound,
    open_orders,
    peak_daily_receipts,
    sku_names,
    storage_capacity,
    supplier_offers,
    typical_rate,
)

FCS_PER_REGION = 3.5
FCS_PER_HUB = 16
MAX_REGIONS_SOLD = 6
SHORT_FC_SHARE = 1 / 8  # of the FCs, short of outbound capacity


@dataclass(frozen=True)
class RegionalNetwork:
    """FCs grouped by region (FC ids in region order), on a map where a grid step is ~400 km."""

    fcs: np.ndarray  # FC ids
    regions: np.ndarray  # region ids
    fc_region: np.ndarray  # region index of each FC
    fc_xy: np.ndarray  # (fc, 2) position
    region_xy: np.ndarray  # (region, 2) centre
    borders: np.ndarray  # (pair, 2) neighbouring regions, lower index first
    market: np.ndarray  # each region's share of the customers
    hubs: np.ndarray  # FC indices

    def neighbours(self, region: int) -> np.ndarray:
        """The regions bordering `region`."""
        pairs = self.borders[(self.borders == region).any(axis=1)]
        return pairs[pairs != region]

    def distance(self, fc: np.ndarray, other: np.ndarray) -> np.ndarray:
        return np.linalg.norm(self.fc_xy[fc] - self.fc_xy[other], axis=-1)


def regional_dataset(
    n_skus: int, n_fcs: int, seed: int, history_period: str, history_weeks: int, end: pd.Timestamp, stable: bool
) -> dict[str, pd.DataFrame]:
    """Every table of a regional network of `n_fcs` FCs (the module docstring says its shape)."""
    rngs = np.random.default_rng(seed).spawn(12)
    network = regional_network(rngs[10], n_fcs)
    sku_ids = sku_names(n_skus)
    demand = draw_demand(rngs[0], n_skus, len(network.regions), end, 7 * history_weeks, stable=stable)
    demand = replace(demand, shares=sold_shares(rngs[11], network, demand.level))
    rate = typical_rate(demand)
    shipping = shipping_lanes(rngs[7], network)
    served = fc_rate(rngs[11], network, rate, shipping)
    stocked = served > 0
    short = short_fcs(rngs[5], network, served)
    lanes = transfer_lanes(rngs[6], network, served)
    skus = catalogue(rngs[1], sku_ids)
    supplier_items = regional_supplier_items(rngs[2], skus, rate, network)
    inventory = stock_on_hand(rngs[3], sku_ids, served, network, lanes)
    open_pos = inbound(rngs[4], sku_ids, supplier_items, served, network.fcs, end, stocked=stocked)
    short_regions = np.isin(np.arange(len(network.regions)), network.fc_region[short])
    centers = fulfillment_centers(rngs[5], network, served, short, skus, inventory, open_pos, supplier_items, end)
    return {
        "skus": skus,
        "fulfillment_centers": centers,
        "supplier_items": supplier_items,
        "inventory": inventory,
        "inbound": open_pos,
        "transfer_lanes": lanes,
        "shipping_lanes": shipping,
        "demand_history": demand_history(rngs[8], demand, network.regions, sku_ids, history_period, history_weeks),
        "open_orders": open_orders(rngs[9], sku_ids, rate, network.regions, short_regions, end),
    }


# ---------------------------------------------------------------- the map


def regional_network(rng, n_fcs: int) -> RegionalNetwork:
    """Regions on a jittered grid, FCs spread over them by market size, hubs in the largest."""
    n_regions = max(3, round(n_fcs / FCS_PER_REGION))
    region_xy, borders = _region_grid(rng, n_regions)
    market = rng.lognormal(0.0, 0.8, n_regions)
    market /= market.sum()
    fc_region = np.repeat(np.arange(n_regions), _fcs_per_region(market, n_fcs))
    fc_xy = region_xy[fc_region] + rng.normal(0.0, 0.12, (n_fcs, 2))
    first_fc = np.searchsorted(fc_region, np.arange(n_regions))
    n_hubs = int(np.clip(round(n_fcs / FCS_PER_HUB), 2, 6))
    hubs = np.sort(first_fc[np.argsort(-market, kind="stable")[:n_hubs]])
    return RegionalNetwork(
        fcs=np.array([f"FC{i:02d}" for i in range(1, n_fcs + 1)]),
        regions=np.array([f"R{i:02d}" for i in range(1, n_regions + 1)]),
        fc_region=fc_region,
        fc_xy=fc_xy,
        region_xy=region_xy,
        borders=borders,
        market=market,
        hubs=hubs,
    )


def _region_grid(rng, n_regions: int) -> tuple[np.ndarray, np.ndarray]:
    """Region centres on a jittered grid filled row by row; borders between grid neighbours
    (always) and diagonal ones (a quarter of them): a connected map."""
    columns = int(np.ceil(np.sqrt(n_regions)))
    cell = np.column_stack([np.arange(n_regions) % columns, np.arange(n_regions) // columns])
    xy = cell + rng.uniform(-0.2, 0.2, (n_regions, 2))
    first, second = np.triu_indices(n_regions, 1)
    step = np.abs(cell[first] - cell[second])
    side = step.sum(axis=1) == 1
    diagonal = (step == 1).all(axis=1) & (rng.random(len(first)) < 0.25)
    keep = side | diagonal
    return xy, np.column_stack([first[keep], second[keep]])


def _fcs_per_region(market: np.ndarray, n_fcs: int) -> np.ndarray:
    """One FC per region, the rest by market share (largest remainders)."""
    extra = market * (n_fcs - len(market))
    count = np.floor(extra).astype(np.int64)
    left = n_fcs - len(market) - count.sum()
    count[np.argsort(-(extra - count), kind="stable")[:left]] += 1
    return 1 + count


# ---------------------------------------------------------------- lanes


def transfer_lanes(rng, network: RegionalNetwork, served: np.ndarray) -> pd.DataFrame:
    """Both ways along each link (`_links`); days and cost by distance; about half the lanes not
    leaving a hub capped at 30-60% of the destination's weekly demand."""
    pairs = _links(network)
    source = np.concatenate([pairs[:, 0], pairs[:, 1]])
    target = np.concatenate([pairs[:, 1], pairs[:, 0]])
    distance = network.distance(source, target)
    capped = (rng.random(len(source)) < 0.5) & ~np.isin(source, network.hubs)
    weekly = 7 * served.sum(axis=0)[target] * rng.uniform(0.3, 0.6, len(source))
    return pd.DataFrame(
        {
            "from_fc": network.fcs[source],
            "to_fc": network.fcs[target],
            "lead_time_days": np.clip(1 + np.rint(2 * distance), 1, 4).astype(np.int64),
            "cost_per_unit": np.round(0.1 + 0.25 * distance + rng.uniform(0.0, 0.1, len(source)), 2),
            "capacity_per_week": np.where(capped, np.maximum(np.rint(weekly), 10), np.nan),
        }
    )


def _links(network: RegionalNetwork) -> np.ndarray:
    """Unordered FC pairs (lower index first, sorted, unique): rings in regions, border
    crossings, spokes to the nearest hub, and hub to hub."""
    rings = [_ring(network, region) for region in range(len(network.regions))]
    crossings = [_closest_pair(network, a, b) for a, b in network.borders]
    spokes = [(fc, _nearest(network, fc, network.hubs)) for fc in range(len(network.fcs))]
    mesh = [(a, b) for i, a in enumerate(network.hubs) for b in network.hubs[i + 1 :]]
    pairs = np.array([*(p for ring in rings for p in ring), *crossings, *spokes, *mesh], dtype=np.int64)
    pairs = np.sort(pairs[pairs[:, 0] != pairs[:, 1]], axis=1)
    return np.unique(pairs, axis=0)


def _ring(network: RegionalNetwork, region: int) -> list[tuple[int, int]]:
    """The FCs of a region in a ring, by their bearing from its centre (two FCs: one link)."""
    fcs = np.flatnonzero(network.fc_region == region)
    offset = network.fc_xy[fcs] - network.region_xy[region]
    fcs = fcs[np.argsort(np.arctan2(offset[:, 1], offset[:, 0]), kind="stable")]
    if len(fcs) < 3:
        return list(zip(fcs[:-1], fcs[1:]))
    return list(zip(fcs, np.roll(fcs, -1)))


def _closest_pair(network: RegionalNetwork, a: int, b: int) -> tuple[int, int]:
    """The two closest FCs of regions a and b."""
    in_a, in_b = np.flatnonzero(network.fc_region == a), np.flatnonzero(network.fc_region == b)
    distance = network.distance(in_a[:, None], in_b[None, :])
    i, j = np.unravel_index(np.argmin(distance), distance.shape)
    return int(in_a[i]), int(in_b[j])


def _nearest(network: RegionalNetwork, fc: int, candidates: np.ndarray) -> int:
    return int(candidates[np.argmin(network.distance(np.full(len(candidates), fc), candidates))])


def shipping_lanes(rng, network: RegionalNetwork) -> pd.DataFrame:
    """Each FC's own region for free; across each border, the FC closest to the other region,
    a quarter of the others and every hub, at 0.8-3 per unit and one or two extra days."""
    fc, region = np.nonzero(_ships_across(rng, network))
    distance = np.linalg.norm(network.fc_xy[fc] - network.region_xy[region], axis=1)
    n_fcs = len(network.fcs)
    return pd.DataFrame(
        {
            "fc": network.fcs[np.concatenate([np.arange(n_fcs), fc])],
            "region": network.regions[np.concatenate([network.fc_region, region])],
            "cost_per_unit": np.concatenate([np.zeros(n_fcs), np.round(np.clip(0.8 + distance, 0.8, 3.0), 2)]),
            "extra_days": np.concatenate([np.zeros(n_fcs, dtype=np.int64), 1 + (distance > 1.2)]),
        }
    )


def _ships_across(rng, network: RegionalNetwork) -> np.ndarray:
    """(fc, region): whether the FC ships to that neighbouring region."""
    n_fcs, n_regions = len(network.fcs), len(network.regions)
    ships = np.zeros((n_fcs, n_regions), dtype=bool)
    hub = np.isin(np.arange(n_fcs), network.hubs)
    for a, b in np.concatenate([network.borders, network.borders[:, ::-1]]):
        fcs = np.flatnonzero(network.fc_region == a)
        distance = np.linalg.norm(network.fc_xy[fcs] - network.region_xy[b], axis=1)
        chosen = (rng.random(len(fcs)) < 0.25) | hub[fcs] | (distance == distance.min())
        ships[fcs[chosen], b] = True
    return ships


# ---------------------------------------------------------------- skus on the network


def sold_shares(rng, network: RegionalNetwork, level: np.ndarray) -> np.ndarray:
    """(sku, region) split of each sku's demand over the few regions it sells in: a home market
    drawn by market size, grown through its neighbours; busier skus sell in more regions."""
    n_regions = len(network.regions)
    n_sold = np.clip(1 + rng.poisson(1.0 + 0.5 * np.log1p(level)), 1, min(MAX_REGIONS_SOLD, n_regions))
    shares = np.zeros((len(level), n_regions))
    for sku, count in enumerate(n_sold):
        sold = _grow_market(rng, network, count)
        weight = network.market[sold] * rng.gamma(4.0, size=len(sold))
        weight[0] *= 2.0  # the home market
        shares[sku, sold] = weight / weight.sum()
    return shares


def _grow_market(rng, network: RegionalNetwork, count: int) -> list[int]:
    """`count` connected regions: a home market, then neighbours of the regions taken so far."""
    sold = [int(rng.choice(len(network.market), p=network.market))]
    while len(sold) < count:
        border = np.setdiff1d(np.concatenate([network.neighbours(r) for r in sold]), sold)
        if len(border) == 0:
            break
        sold.append(int(rng.choice(border, p=network.market[border] / network.market[border].sum())))
    return sold


def fc_rate(rng, network: RegionalNetwork, rate: np.ndarray, shipping: pd.DataFrame) -> np.ndarray:
    """Units/day per (sku, FC) that each FC serves: each (sku, region sold) is served from one FC
    that stocks it, an FC of the region or, for a third of the regions past the home market,
    an FC next door that ships there (one already stocking the sku if it can)."""
    ships = pd.crosstab(shipping["fc"], shipping["region"]).reindex(
        index=network.fcs, columns=network.regions, fill_value=0
    )
    shippers = ships.to_numpy() > 0
    served = np.zeros((rate.shape[0], len(network.fcs)))
    for sku in range(rate.shape[0]):
        for number, region in enumerate(np.argsort(-rate[sku], kind="stable")[: np.count_nonzero(rate[sku])]):
            fc = _server(rng, network, shippers[:, region], served[sku] > 0, region, number == 0)
            served[sku, fc] += rate[sku, region]
    return served


def _server(rng, network: RegionalNetwork, ships: np.ndarray, stocking: np.ndarray, region: int, home: bool) -> int:
    """The FC that serves a sku's customers in `region` (`ships`: FCs shipping there)."""
    next_door = ships & (network.fc_region != region)
    if not home and next_door.any() and rng.random() < 1 / 3:
        already = next_door & stocking
        return int(rng.choice(np.flatnonzero(already if already.any() else next_door)))
    return int(rng.choice(np.flatnonzero(network.fc_region == region)))


def short_fcs(rng, network: RegionalNetwork, served: np.ndarray) -> np.ndarray:
    """About one FC in eight, never a hub nor an idle FC: short of outbound capacity."""
    busy = np.flatnonzero((served.sum(axis=0) > 0) & ~np.isin(np.arange(len(network.fcs)), network.hubs))
    count = min(len(busy), max(1, round(SHORT_FC_SHARE * len(network.fcs))))
    return np.sort(rng.choice(busy, count, replace=False))


# ---------------------------------------------------------------- supply, stock and capacity


def regional_supplier_items(rng, skus: pd.DataFrame, rate: np.ndarray, network: RegionalNetwork) -> pd.DataFrame:
    """Each sku's main supplier delivers anywhere (fc `*`, MOQ and lot); about half the skus
    have a fast, dearer one delivering to the hubs, its weekly capacity split between them."""
    main, fast = supplier_offers(rng, skus, rate)
    to_hubs = fast.loc[fast.index.repeat(len(network.hubs))].reset_index(drop=True)
    to_hubs["fc"] = np.tile(network.fcs[network.hubs], len(fast))
    to_hubs["capacity_per_week"] = np.ceil(to_hubs["capacity_per_week"] / len(network.hubs))
    return pd.concat([main, to_hubs], ignore_index=True)


def stock_on_hand(
    rng, sku_ids: np.ndarray, served: np.ndarray, network: RegionalNetwork, lanes: pd.DataFrame
) -> pd.DataFrame:
    """2-8 weeks of what each stocking FC serves, some stock-outs, and about 6% of the stocks
    one transfer lane away (a misrouted delivery). Rows only where a sku is stocked."""
    sku, fc = np.nonzero(served > 0)
    on_hand = np.rint(served[sku, fc] * rng.uniform(14, 56, len(sku)))
    on_hand[rng.random(len(sku)) < 0.05] = 0
    moved = rng.random(len(sku)) < 0.06
    index = pd.Index(network.fcs)
    origin, destination = index.get_indexer(lanes["from_fc"]), index.get_indexer(lanes["to_fc"])
    where = fc.copy()
    for i in np.flatnonzero(moved):
        where[i] = rng.choice(destination[origin == fc[i]])
    rows = pd.DataFrame({"fc": network.fcs[where], "sku": sku_ids[sku], "on_hand": on_hand.astype(np.int64)})
    return rows.groupby(["fc", "sku"], as_index=False)["on_hand"].sum()


def fulfillment_centers(
    rng,
    network: RegionalNetwork,
    served: np.ndarray,
    short: np.ndarray,
    skus: pd.DataFrame,
    inventory: pd.DataFrame,
    open_pos: pd.DataFrame,
    supplier_items: pd.DataFrame,
    end: pd.Timestamp,
) -> pd.DataFrame:
    """Outbound 1.3-1.6x the demand an FC serves (0.65-0.75x at the short FCs; an idle FC as a
    quarter of the average); inbound 4x it, the firm receipts' peak day and the hubs' fast
    suppliers; storage as on a small network."""
    demand = served.sum(axis=0)
    floor = 0.25 * demand.mean()
    factor = rng.uniform(1.3, 1.6, len(demand))
    factor[short] = rng.uniform(0.65, 0.75, len(short))
    outbound = np.where(np.isin(np.arange(len(demand)), short), factor * demand, factor * np.maximum(demand, floor))
    fast = supplier_items[supplier_items["lot_size"] == 1].groupby("fc")["capacity_per_week"].sum() / 7
    fast = fast.reindex(network.fcs, fill_value=0.0).to_numpy()
    receipts = peak_daily_receipts(network.fcs, open_pos, end)
    return pd.DataFrame(
        {
            "fc": network.fcs,
            "region": network.regions[network.fc_region],
            "outbound_capacity": np.maximum(1, np.rint(outbound)),
            "storage_capacity": storage_capacity(rng, network.fcs, served, skus, inventory, open_pos),
            "inbound_capacity": np.ceil(np.maximum(4 * np.maximum(demand, floor) + 2 * fast, 1.2 * receipts)),
        }
    )
