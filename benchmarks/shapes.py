"""Datasets shaped unlike `planner generate`'s, so the solver is benchmarked on networks our own
generator does not make. Written apart from planner.data.generate and planner.data.network
(only `write_dataset`, the contract's CSV writer, is shared), from the issue's words:

    python benchmarks/shapes.py DIR --kind star-moq [--skus 30] [--fcs 10] [--seed 1]
    python benchmarks/shapes.py DIR --kind sparse [--skus 300] [--fcs 50] [--seed 1]

Both: every FC serves its own region (R01 = FC01's, ...), FCs stand on a ring; 104 weeks of
weekly history ending 2026-11-22 (a level per sku and region, a trend, a yearly sine, gamma-
Poisson noise), 0-6 weeks of stock where a sku is stocked, open POs for a quarter of the skus,
open orders of about two days of demand, outbound capacity 1.2-1.5x each FC's demand (two FCs
0.7-0.8x), inbound 4x, storage unlimited.

- **star-moq** (issue 22: 30 skus x 10 FCs took the whole 300 s and ended 11% from the bound):
  each sku sold in 4 to all regions; its main supplier line has fc `*` (any FC), an MOQ of
  100-200 units and a lot of 10-25, 3-6 weeks lead time; half the skus also have a fast,
  dearer supplier (2-5 days, no MOQ, a weekly capacity) with one line to each of two hub FCs
  (FC01 and the one half-way round the ring). Transfer lanes link ring neighbours, and every FC
  with both hubs. Stock sits in every FC a sku sells from.
- **sparse** (300 skus x 50 FCs): lanes along the ring plus one chord per ten FCs, half of
  them with a weekly capacity; shipping lanes from a third of the FCs to a ring neighbour's
  region; each sku sold in 2-5 regions around a ring position and stocked in 1-3 of their FCs;
  its main supplier line fc `*` (lot 5-20, MOQ 2-6 lots) and, for a third of the skus, a local
  supplier line to one of its FCs, quicker and dearer.

The same kind, size and seed give the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from planner.data.generate import write_dataset

KINDS = ("star-moq", "sparse")
END = pd.Timestamp(date(2026, 11, 22))
HISTORY_WEEKS = 104


def build(kind: str, n_skus: int, n_fcs: int, seed: int) -> dict[str, pd.DataFrame]:
    """The tables of one dataset of `kind` (table name -> frame in the contract's columns)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if n_skus < 2 or n_fcs < 4:
        raise ValueError("a shape needs at least 2 skus and 4 FCs")
    rng = np.random.default_rng([seed, KINDS.index(kind)])
    sold, stocked, lanes, shipping = (_star if kind == "star-moq" else _sparse)(rng, n_skus, n_fcs)
    weekly = sold * rng.lognormal(np.log(8.0), 0.9, sold.shape)  # units per week, sku x region
    skus = _skus(rng, n_skus)
    items = _star_items(rng, skus, weekly, n_fcs) if kind == "star-moq" else _sparse_items(rng, skus, weekly, stocked)
    return {
        "skus": skus,
        "fulfillment_centers": _centers(rng, weekly, n_fcs),
        "supplier_items": items,
        "inventory": _inventory(rng, weekly, stocked),
        "inbound": _inbound(rng, items, weekly, stocked),
        "transfer_lanes": lanes,
        "shipping_lanes": shipping,
        "demand_history": _history(rng, weekly),
        "open_orders": _orders(rng, weekly),
    }


def _fc(i) -> np.ndarray:
    return np.char.add("FC", np.char.zfill(np.asarray(i + 1).astype(str), 2))


def _region(i) -> np.ndarray:
    return np.char.add("R", np.char.zfill(np.asarray(i + 1).astype(str), 2))


def _sku(i) -> np.ndarray:
    return np.char.add("S", np.char.zfill(np.asarray(i + 1).astype(str), 4))


# ---------------------------------------------------------------- the two networks


def _star(rng, n_skus: int, n_fcs: int):
    """Ring plus two hubs; skus sold in 4 to all regions and stocked wherever sold."""
    hubs = _hubs(n_fcs)
    ring = [(i, (i + 1) % n_fcs) for i in range(n_fcs)]
    spokes = [(h, i) for h in hubs for i in range(n_fcs) if i != h]
    count = rng.integers(4, n_fcs + 1, n_skus)
    sold = np.argsort(rng.random((n_skus, n_fcs)), axis=1) < count[:, None]
    lanes = _lanes(rng, ring + spokes, n_fcs, capped_share=0.0)
    return sold, sold.copy(), lanes, _shipping(rng, np.arange(n_fcs), np.arange(n_fcs))


def _hubs(n_fcs: int) -> np.ndarray:
    return np.array([0, n_fcs // 2])


def _sparse(rng, n_skus: int, n_fcs: int):
    """Ring plus a few chords; skus sold around a ring position, stocked in 1-3 of those FCs."""
    ring = [(i, (i + 1) % n_fcs) for i in range(n_fcs)]
    ends = rng.choice(n_fcs, (max(1, n_fcs // 10), 2))
    chords = [(int(a), int(b)) for a, b in ends if abs(int(a) - int(b)) % n_fcs not in (0, 1, n_fcs - 1)]
    centre = rng.integers(0, n_fcs, n_skus)
    offset = (np.arange(n_fcs)[None, :] - centre[:, None] + n_fcs // 2) % n_fcs - n_fcs // 2
    reach = rng.integers(1, 3, n_skus)[:, None]  # 1: 2-3 regions, 2: 3-5
    sold = (np.abs(offset) <= reach) & ((offset >= 0) | (rng.random((n_skus, n_fcs)) < 0.6))
    stocked = sold & (rng.random(sold.shape) < 0.5)
    stocked[np.arange(n_skus), centre] = True
    extra = rng.random(n_fcs) < 1 / 3
    fc = np.flatnonzero(extra)
    shipping = _shipping(
        rng, np.concatenate([np.arange(n_fcs), fc]), np.concatenate([np.arange(n_fcs), (fc + 1) % n_fcs])
    )
    return sold, stocked, _lanes(rng, ring + chords, n_fcs, capped_share=0.5), shipping


def _lanes(rng, pairs: list[tuple[int, int]], n_fcs: int, capped_share: float) -> pd.DataFrame:
    """Both ways along each pair: 1-3 days, 0.2-0.6 per unit; a share with 50-150 units/week."""
    pairs = np.unique(np.sort(np.array(pairs), axis=1), axis=0)
    source, target = np.concatenate([pairs[:, 0], pairs[:, 1]]), np.concatenate([pairs[:, 1], pairs[:, 0]])
    n = len(source)
    return pd.DataFrame(
        {
            "from_fc": _fc(source),
            "to_fc": _fc(target),
            "lead_time_days": rng.integers(1, 4, n),
            "cost_per_unit": np.round(rng.uniform(0.2, 0.6, n), 2),
            "capacity_per_week": np.where(rng.random(n) < capped_share, rng.integers(50, 151, n), np.nan),
        }
    )


def _shipping(rng, fc: np.ndarray, region: np.ndarray) -> pd.DataFrame:
    """Rows for the given (fc, region) pairs: free to its own region, 1-2.5 and a day elsewhere."""
    own = fc == region
    return pd.DataFrame(
        {
            "fc": _fc(fc),
            "region": _region(region),
            "cost_per_unit": np.where(own, 0.0, np.round(rng.uniform(1.0, 2.5, len(fc)), 2)),
            "extra_days": np.where(own, 0, 1),
        }
    )


# ---------------------------------------------------------------- suppliers


def _star_items(rng, skus: pd.DataFrame, weekly: np.ndarray, n_fcs: int) -> pd.DataFrame:
    """Main line fc `*`, MOQ 100-200, lot 10-25; half the skus a fast line to each hub."""
    n = len(skus)
    every = np.arange(n)
    moq, lot = rng.integers(100, 201, n), rng.integers(10, 26, n)
    main = _lines(rng, skus, every, "*", "MAIN", 4, (0.8, 0.95), (21, 42), moq, lot, np.nan)
    fast = np.flatnonzero(rng.permutation(n) < n // 2)
    quick = _lines(rng, skus, fast, "", "FAST", 2, (1.15, 1.4), (2, 5), 0, 1, np.ceil(0.4 * weekly[fast].sum(axis=1)))
    hubs = _hubs(n_fcs)
    quick = quick.loc[quick.index.repeat(len(hubs))].assign(fc=np.tile(_fc(hubs), len(fast)))
    return pd.concat([main, quick], ignore_index=True)


def _sparse_items(rng, skus: pd.DataFrame, weekly: np.ndarray, stocked: np.ndarray) -> pd.DataFrame:
    """Main line fc `*`, lot 5-20, MOQ 2-6 lots; a third of the skus a local line to one FC."""
    n = len(skus)
    lot = rng.integers(5, 21, n)
    main = _lines(
        rng, skus, np.arange(n), "*", "MAIN", 8, (0.8, 0.95), (14, 49), lot * rng.integers(2, 7, n), lot, np.nan
    )
    local = np.flatnonzero(rng.random(n) < 1 / 3)
    where = _fc(np.array([rng.choice(np.flatnonzero(stocked[k])) for k in local], dtype=np.int64))
    capacity = np.ceil(0.5 * weekly[local].sum(axis=1))
    near = _lines(rng, skus, local, where, "LOCAL", 4, (1.0, 1.2), (3, 10), 0, 1, capacity)
    return pd.concat([main, near], ignore_index=True)


def _lines(rng, skus: pd.DataFrame, rows: np.ndarray, fc, name: str, suppliers: int, markup, days, moq, lot, capacity):
    """Supplier lines for the skus at `rows`: one of `suppliers` named `name`-1.., a price at
    `markup` times the unit cost, a lead time in `days` (both ends included)."""
    n = len(rows)
    return pd.DataFrame(
        {
            "supplier": np.char.add(f"{name}-", (rng.integers(0, suppliers, n) + 1).astype(str)),
            "sku": skus["sku"].to_numpy()[rows],
            "fc": fc,
            "unit_price": np.round(skus["unit_cost"].to_numpy()[rows] * rng.uniform(*markup, n), 2),
            "lead_time_days": rng.integers(days[0], days[1] + 1, n),
            "moq": moq,
            "lot_size": lot,
            "capacity_per_week": capacity,
        }
    )


# ---------------------------------------------------------------- the rest of the tables


def _skus(rng, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sku": _sku(np.arange(n)),
            "unit_cost": np.round(rng.uniform(4.0, 80.0, n), 2),
            "unit_volume": np.round(rng.uniform(0.001, 0.03, n), 4),
        }
    )


def _centers(rng, weekly: np.ndarray, n_fcs: int) -> pd.DataFrame:
    """Outbound 1.2-1.5x each FC's own region's daily demand (two FCs 0.7-0.8x), inbound 4x."""
    daily = np.maximum(weekly.sum(axis=0) / 7, 1.0)
    factor = rng.uniform(1.2, 1.5, n_fcs)
    factor[rng.choice(np.arange(1, n_fcs), 2, replace=False)] = rng.uniform(0.7, 0.8, 2)
    return pd.DataFrame(
        {
            "fc": _fc(np.arange(n_fcs)),
            "region": _region(np.arange(n_fcs)),
            "outbound_capacity": np.ceil(factor * daily),
            "storage_capacity": np.nan,
            "inbound_capacity": np.ceil(4 * daily),
        }
    )


def _inventory(rng, weekly: np.ndarray, stocked: np.ndarray) -> pd.DataFrame:
    """0-6 weeks of the FC's own demand (or a week's worth of the sku's), where stocked."""
    sku, fc = np.nonzero(stocked)
    base = np.where(weekly[sku, fc] > 0, weekly[sku, fc], weekly[sku].sum(axis=1) / stocked[sku].sum(axis=1))
    return pd.DataFrame(
        {"fc": _fc(fc), "sku": _sku(sku), "on_hand": np.rint(base * rng.uniform(0, 6, len(sku))).astype(np.int64)}
    )


def _inbound(rng, items: pd.DataFrame, weekly: np.ndarray, stocked: np.ndarray) -> pd.DataFrame:
    """A quarter of the skus: one open PO from the main supplier, whole lots of at least the
    MOQ, to one FC that stocks the sku, due in 1-6 weeks (a few a week overdue)."""
    main = items[items["fc"] == "*"].reset_index(drop=True)
    chosen = np.flatnonzero(rng.random(len(main)) < 0.25)
    fc = np.array([rng.choice(np.flatnonzero(stocked[k])) for k in chosen], dtype=np.int64)
    lots = np.ceil(np.maximum(main["moq"][chosen], 3 * weekly[chosen].sum(axis=1)) / main["lot_size"][chosen])
    return pd.DataFrame(
        {
            "fc": _fc(fc),
            "sku": main["sku"][chosen].to_numpy(),
            "quantity": (lots * main["lot_size"][chosen]).astype(np.int64).to_numpy(),
            "eta": END + pd.to_timedelta(rng.integers(-6, 43, len(chosen)), unit="D"),
            "supplier": main["supplier"][chosen].to_numpy(),
            "po_id": np.char.add("PO-", np.char.zfill((np.arange(len(chosen)) + 1).astype(str), 5)),
        }
    )


def _history(rng, weekly: np.ndarray) -> pd.DataFrame:
    """Weekly rows (zero weeks left out): level x trend x yearly sine x gamma-Poisson noise."""
    weeks = pd.date_range(end=END, periods=HISTORY_WEEKS, freq="7D")
    n_skus = weekly.shape[0]
    age = (np.arange(HISTORY_WEEKS) - HISTORY_WEEKS + 1)[:, None] / HISTORY_WEEKS  # -1 .. 0
    trend = 1 + rng.uniform(-0.3, 0.5, n_skus)[None, :] * age
    season = 1 + rng.uniform(0, 0.3, n_skus) * np.sin(
        2 * np.pi * (weeks.day_of_year.to_numpy()[:, None] / 365.25 - rng.random(n_skus))
    )
    mean = np.clip(trend * season, 0.05, None)[:, :, None] * weekly[None]
    quantity = rng.poisson(mean * rng.gamma(4.0, 0.25, mean.shape))
    week, sku, region = np.nonzero(quantity)
    return pd.DataFrame(
        {"date": weeks[week], "sku": _sku(sku), "region": _region(region), "quantity": quantity[week, sku, region]}
    )


def _orders(rng, weekly: np.ndarray) -> pd.DataFrame:
    """About two days of demand in 1-3 unit lines, one sku per order, priorities 1-3."""
    sku, region = np.nonzero(weekly)
    count = rng.poisson(weekly[sku, region] * 2 / 7 / 2)
    sku, region = np.repeat(sku, count), np.repeat(region, count)
    n = len(sku)
    ordered = END - pd.to_timedelta(rng.integers(0, 14, n), unit="D")
    return pd.DataFrame(
        {
            "order_id": np.char.add("SO-", np.char.zfill((np.arange(n) + 1).astype(str), 6)),
            "sku": _sku(sku),
            "region": _region(region),
            "quantity": rng.integers(1, 4, n),
            "order_date": ordered,
            "due_date": ordered + pd.to_timedelta(rng.integers(1, 15, n), unit="D"),
            "priority": rng.choice([1, 2, 3], n, p=[0.15, 0.35, 0.5]),
        }
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--kind", choices=KINDS, required=True)
    parser.add_argument("--skus", type=int, default=None, help="default: 30 (star-moq), 300 (sparse)")
    parser.add_argument("--fcs", type=int, default=None, help="default: 10 (star-moq), 50 (sparse)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--overwrite", action="store_true", help="replace DIRECTORY if it holds files")
    args = parser.parse_args(argv)
    skus = args.skus or (30 if args.kind == "star-moq" else 300)
    fcs = args.fcs or (10 if args.kind == "star-moq" else 50)
    write_dataset(build(args.kind, skus, fcs, args.seed), args.directory, overwrite=args.overwrite)
    print(f"{args.kind}: {skus} skus x {fcs} FCs (seed {args.seed}) written to {args.directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
