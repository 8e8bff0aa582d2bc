"""Seeded disruptions a replay can face: a supplier that delivers late, and a promotion spike.

A delay is unknown to the policies: they are told the supplier's usual lead time and see the
goods as overdue once that date passes. A promotion multiplies some skus' demand history in a
window of weeks, so it is actual demand in the replay and, later, history the policies learn from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class SupplierDelay:
    """POs placed with `supplier` in replay weeks first_week..last_week arrive `extra_days` late."""

    supplier: str
    extra_days: int
    first_week: int = 0
    last_week: int | None = None

    def applies(self, supplier: str, week: int) -> bool:
        last = self.last_week if self.last_week is not None else week
        return supplier == self.supplier and self.first_week <= week <= last


def extra_days(delays: tuple[SupplierDelay, ...], week: int):
    """The delay function for POs released in `week`: supplier -> extra days."""
    return lambda supplier: sum(d.extra_days for d in delays if d.applies(supplier, week))


def parse_delay(text: str) -> SupplierDelay:
    """'SUPPLIER=DAYS' (the whole replay) or 'SUPPLIER=DAYS@FIRST-LAST' (replay weeks, from 0)."""
    supplier, _, rest = text.partition("=")
    days, _, weeks = rest.partition("@")
    try:
        first, _, last = weeks.partition("-")
        delay = SupplierDelay(supplier.strip(), int(days), int(first) if first else 0, int(last) if last else None)
    except ValueError:
        raise ValueError(f"supplier delay {text!r}: expected SUPPLIER=DAYS or SUPPLIER=DAYS@FIRST-LAST") from None
    if not delay.supplier or delay.extra_days < 0:
        raise ValueError(f"supplier delay {text!r}: name a supplier and a delay of 0 days or more")
    return delay


def with_promotion(
    history: pd.DataFrame, skus: list[str], first_day: pd.Timestamp, weeks: int, factor: float
) -> pd.DataFrame:
    """History with the demand of `skus` multiplied by `factor` for `weeks` weeks from `first_day`."""
    window = (history["date"] >= first_day) & (history["date"] < first_day + pd.Timedelta(weeks=weeks))
    boosted = window & history["sku"].isin(skus)
    quantity = history["quantity"].to_numpy(dtype=float)
    return history.assign(quantity=np.where(boosted, np.round(quantity * factor), quantity))


@dataclass(frozen=True)
class Promotion:
    """`skus` sell `factor` times their demand for `weeks` weeks from replay week `first_week`,
    unannounced: actual demand in the replay, history the policies learn from afterwards."""

    skus: tuple[str, ...]
    first_week: int
    weeks: int
    factor: float


def promoted(history: pd.DataFrame, promotions: tuple[Promotion, ...], start: pd.Timestamp) -> pd.DataFrame:
    """History with every promotion of a replay starting on `start` applied."""
    for promotion in promotions:
        first_day = start + pd.Timedelta(weeks=promotion.first_week)
        history = with_promotion(history, list(promotion.skus), first_day, promotion.weeks, promotion.factor)
    return history
