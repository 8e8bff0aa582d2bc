"""Seeded synthetic datasets in the contract format, for tests, the demo and benchmarks.

The tables are drawn from a small latent model (`planner.data.synthetic`: a demand rate per sku
and region, suppliers, capacities sized on that rate), so their structure is known in advance:
one FC is short of outbound capacity, some skus have a fast, dearer supplier next to a slow,
cheap one, a share of the series is intermittent, some open orders are already overdue. Every
draw comes from generators spawned from `numpy.random.default_rng(seed)`, so a seed always
gives the same tables and, through `write_dataset`, the same bytes.

Small networks (up to SMALL_NETWORK_FCS FCs) are built here: FC i serves region i, every sku is
sold in every region and stocked in every FC, lanes join neighbours and about 30% of the other
pairs. Larger ones are a 3PL's regional network (`planner.data.network`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from planner.data.files import write_folder
from planner.data.network import regional_dataset
from planner.data.schema import TABLES_BY_NAME
from planner.data.synthetic import (
    NOT_GENERATED,
    catalogue,
    check_arguments,
    demand_history,
    draw_demand,
    generated_columns,
    inbound,
    open_orders,
    peak_daily_receipts,
    sku_names,
    storage_capacity,
    supplier_offers,
    typical_rate,
)

__all__ = [
    "NOT_GENERATED",
    "SMALL_NETWORK_FCS",
    "dataset_files",
    "generate_dataset",
    "generated_columns",
    "write_dataset",
]

SMALL_NETWORK_FCS = 8
"""Up to this many FCs, the small network of earlier versions, byte for byte; above, a regional one."""


@dataclass(frozen=True)
class _Network:
    """FC i serves region i; `short` is the FC whose outbound capacity is below its demand."""

    fcs: np.ndarray
    regions: np.ndarray
    short: int | None


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
    Above SMALL_NETWORK_FCS FCs the network is regional (`planner.data.network`).
    """
    check_arguments(n_skus, n_fcs, history_period, history_weeks)
    build = _small_network_tables if n_fcs <= SMALL_NETWORK_FCS else regional_dataset
    tables = build(n_skus, n_fcs, seed, history_period, history_weeks, pd.Timestamp(end), stable)
    return {name: frame[generated_columns(name)].reset_index(drop=True) for name, frame in tables.items()}


def _small_network_tables(
    n_skus: int, n_fcs: int, seed: int, history_period: str, history_weeks: int, end: pd.Timestamp, stable: bool
) -> dict[str, pd.DataFrame]:
    """Every table of a small network: FC i serves region i; draws in the order of earlier versions."""
    rngs = np.random.default_rng(seed).spawn(10)
    network = _network(n_fcs)
    sku_ids = sku_names(n_skus)
    demand = draw_demand(rngs[0], n_skus, n_fcs, end, 7 * history_weeks, stable=stable)
    rate = typical_rate(demand)
    skus = catalogue(rngs[1], sku_ids)
    supplier_items = _supplier_items(rngs[2], skus, rate, network)
    inventory = _inventory(rngs[3], sku_ids, rate, network)
    open_pos = inbound(rngs[4], sku_ids, supplier_items, rate, network.fcs, end)
    short = np.arange(n_fcs) == network.short
    return {
        "skus": skus,
        "fulfillment_centers": _fulfillment_centers(rngs[5], network, rate, skus, inventory, open_pos, end),
        "supplier_items": supplier_items,
        "inventory": inventory,
        "inbound": open_pos,
        "transfer_lanes": _transfer_lanes(rngs[6], network, rate),
        "shipping_lanes": _shipping_lanes(rngs[7], network),
        "demand_history": demand_history(rngs[8], demand, network.regions, sku_ids, history_period, history_weeks),
        "open_orders": open_orders(rngs[9], sku_ids, rate, network.regions, short, end),
    }


def _network(n_fcs: int) -> _Network:
    fcs = np.array([f"FC{i:02d}" for i in range(1, n_fcs + 1)])
    regions = np.array([f"R{i:02d}" for i in range(1, n_fcs + 1)])
    return _Network(fcs, regions, 1 if n_fcs >= 2 else None)


def _supplier_items(rng, skus: pd.DataFrame, rate: np.ndarray, network: _Network) -> pd.DataFrame:
    """A slow, cheap supplier for every sku (40% of them with a line per FC); a fast one for about half."""
    slow, fast = supplier_offers(rng, skus, rate)
    return pd.concat([_per_fc_rows(rng, slow, network.fcs), fast], ignore_index=True)


def _per_fc_rows(rng, offers: pd.DataFrame, fcs: np.ndarray) -> pd.DataFrame:
    """Turn about 40% of the `*` offers into one row per FC, each with its own lead time and price."""
    split = (rng.random(len(offers)) < 0.4) & (len(fcs) > 1)
    per_fc = offers[split].loc[lambda f: f.index.repeat(len(fcs))].reset_index(drop=True)
    per_fc["fc"] = np.tile(fcs, split.sum())
    per_fc["lead_time_days"] = np.minimum(per_fc["lead_time_days"] + rng.integers(0, 8, len(per_fc)), 56)
    per_fc["unit_price"] = np.round(per_fc["unit_price"] * rng.uniform(1.0, 1.03, len(per_fc)), 2)
    return pd.concat([offers[~split], per_fc], ignore_index=True)


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


def _fulfillment_centers(
    rng,
    network: _Network,
    rate: np.ndarray,
    skus: pd.DataFrame,
    inventory: pd.DataFrame,
    open_pos: pd.DataFrame,
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
            "storage_capacity": storage_capacity(rng, network.fcs, rate, skus, inventory, open_pos),
            "inbound_capacity": np.ceil(np.maximum(4 * demand, 1.2 * peak_daily_receipts(network.fcs, open_pos, end))),
        }
    )


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
