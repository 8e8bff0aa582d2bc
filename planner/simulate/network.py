"""The static facts the simulator enforces: capacities, lanes, supplier lines, who serves whom.

Read once from the dataset, so every week of a replay checks decisions against the same
network whatever the policy believes about it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from planner.data.dataset import Dataset
from planner.model.inputs import service_arcs

UNLIMITED = math.inf


@dataclass(frozen=True)
class SupplierLine:
    """One supplier item line; `line` names the dataset row whose weekly capacity its FCs share."""

    line: int
    unit_price: float
    lead_time_days: int
    moq: float
    lot_size: float
    capacity_per_week: float
    lead_time_std_days: float = 0.0  # the policies' safety stocks count it; the replay delivers on time


@dataclass(frozen=True)
class Lane:
    lead_time_days: int
    cost_per_unit: float
    capacity_per_week: float


@dataclass(frozen=True)
class Network:
    unit_cost: dict[str, float]
    replacement_price: dict[str, float]  # lowest purchase price of each sku (unit cost without a supplier)
    unit_volume: dict[str, float]
    outbound_per_week: dict[str, float]
    inbound_per_week: dict[str, float]
    storage_m3: dict[str, float]
    serving_fcs: dict[str, tuple[tuple[str, float], ...]]  # region -> (fc, shipping cost), preferred first
    lanes: dict[tuple[str, str], Lane]
    supplier_lines: dict[tuple[str, str, str], SupplierLine]  # (supplier, sku, fc)

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> Network:
        fcs = dataset.fulfillment_centers.set_index("fc")
        skus = dataset.skus.set_index("sku")
        unit_cost = skus["unit_cost"].astype(float)
        lowest = dataset.supplier_items.groupby("sku")["unit_price"].min().astype(float)
        return cls(
            unit_cost=unit_cost.to_dict(),
            replacement_price=lowest.reindex(unit_cost.index).fillna(unit_cost).to_dict(),
            unit_volume=skus["unit_volume"].astype(float).to_dict(),
            outbound_per_week=_weekly(fcs["outbound_capacity"]),
            inbound_per_week=_weekly(fcs["inbound_capacity"]),
            storage_m3=fcs["storage_capacity"].astype(float).fillna(UNLIMITED).to_dict(),
            serving_fcs=_serving_fcs(dataset),
            lanes=_lanes(dataset.transfer_lanes),
            supplier_lines=_supplier_lines(dataset),
        )

    def supplier_line(self, supplier: str, sku: str, fc: str) -> SupplierLine:
        """The line a PO is placed on; a policy naming a line that does not exist is a bug."""
        try:
            return self.supplier_lines[(supplier, sku, fc)]
        except KeyError:
            raise ValueError(f"no supplier line {supplier} / {sku} / {fc}") from None


def _weekly(per_day: pd.Series) -> dict[str, float]:
    """Units per day (blank = unlimited) as units per week."""
    return (per_day.astype(float) * 7).fillna(UNLIMITED).to_dict()


def _serving_fcs(dataset: Dataset) -> dict[str, tuple[tuple[str, float], ...]]:
    """Per region, the FCs that serve it: cheapest and quickest first (its own FC costs nothing)."""
    arcs = service_arcs(dataset).sort_values(["region", "cost_per_unit", "extra_days", "fc"])
    return {
        region: tuple(zip(group["fc"], group["cost_per_unit"].astype(float)))
        for region, group in arcs.groupby("region", sort=True)
    }


def _lanes(lanes: pd.DataFrame) -> dict[tuple[str, str], Lane]:
    return {
        (row.from_fc, row.to_fc): Lane(
            int(row.lead_time_days), float(row.cost_per_unit), _or_unlimited(row.capacity_per_week)
        )
        for row in lanes.itertuples(index=False)
    }


def _supplier_lines(dataset: Dataset) -> dict[tuple[str, str, str], SupplierLine]:
    """Every (supplier, sku, fc) a PO may name; a `*` line is offered at every FC."""
    fcs = dataset.fulfillment_centers["fc"].tolist()
    lines = {}
    for line, row in enumerate(dataset.supplier_items.itertuples(index=False)):
        lot = float(row.lot_size) if row.lot_size > 0 else 1.0
        offer = SupplierLine(
            line,
            float(row.unit_price),
            int(row.lead_time_days),
            float(row.moq),
            lot,
            _or_unlimited(row.capacity_per_week),
            float(row.lead_time_std_days),
        )
        for fc in fcs if row.fc == "*" else [row.fc]:
            lines.setdefault((row.supplier, row.sku, fc), offer)
    return lines


def _or_unlimited(value) -> float:
    return UNLIMITED if pd.isna(value) else float(value)
