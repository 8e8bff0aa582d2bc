"""The dataset contract as data: every table, its columns, their types and defaults.

The loader, the validator, the generator and the docs all read these definitions, so a
column is described in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Kind(str, Enum):
    """How a column's text is parsed."""

    TEXT = "text"
    INT = "int"
    NUMBER = "number"
    DATE = "date"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = True
    default: object = None
    minimum: float | None = None
    maximum: float | None = None
    """The largest value the planner accepts (see MAX_UNITS and the others below)."""
    unit: str = ""
    meaning: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    required: bool
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    meaning: str = ""

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _col(name, kind, required=True, default=None, minimum=None, maximum=None, unit="", meaning=""):
    return Column(name, kind, required, default, minimum, maximum, unit, meaning)


# Sane maximums (Column.maximum): generous for any real business, far below what breaks the
# arithmetic. A plan reaches its longest lead time plus weeks past its dates, pandas dates stop
# at 2262-04-11, and the solver reads 1e20 as infinity (costs are quantities x prices).
MAX_UNITS = 1e9  # units, and units per day or week: a billion
MAX_MONEY = 1e9  # currency per unit: a billion, room for currencies of small units
MAX_VOLUME = 1e9  # m3 of storage
MAX_UNIT_VOLUME = 1e3  # m3 per unit
MAX_DAYS = 730  # lead times and transit days: two years
MAX_PRIORITY = 9999
MIN_SERVICE_LEVEL = 0.5  # service levels lie in [0.5, 1): below 0.5 the safety stock would be negative
FIRST_DATE, LAST_DATE = "1900-01-01", "2199-12-31"
"""Every date of the dataset lies in this range (pandas' own ends at 1677-09-21 and 2262-04-11)."""


T, I, N, D = Kind.TEXT, Kind.INT, Kind.NUMBER, Kind.DATE  # noqa: E741 (the kinds, one letter each)

TABLES: tuple[Table, ...] = (
    Table(
        "skus",
        True,
        (
            _col("sku", T, meaning="item identifier"),
            _col(
                "unit_cost",
                N,
                minimum=0,
                unit="currency/unit",
                meaning="inventory value of one unit",
                maximum=MAX_MONEY,
            ),
            _col("unit_volume", N, False, 0.0, 0, MAX_UNIT_VOLUME, "m3/unit", "storage volume of one unit"),
            _col("description", T, False, "", meaning="free text"),
            _col(
                "service_level",
                N,
                False,
                None,
                MIN_SERVICE_LEVEL,
                1.0,
                meaning="share of replenishment cycles without a stockout its safety stock aims at, "
                "0.5 to below 1; blank = the model's service_level (its segment's with [service.segments])",
            ),
        ),
        ("sku",),
        "one row per item",
    ),
    Table(
        "fulfillment_centers",
        True,
        (
            _col("fc", T, meaning="fulfillment center identifier"),
            _col("region", T, meaning="customer region this FC serves"),
            _col(
                "outbound_capacity", N, False, None, 0, MAX_UNITS, "units/day", "pick/pack capacity; blank = unlimited"
            ),
            _col("storage_capacity", N, False, None, 0, MAX_VOLUME, "m3", "storage volume; blank = unlimited"),
            _col(
                "inbound_capacity", N, False, None, 0, MAX_UNITS, "units/day", "receiving capacity; blank = unlimited"
            ),
        ),
        ("fc",),
        "one row per FC",
    ),
    Table(
        "supplier_items",
        True,
        (
            _col("supplier", T, meaning="supplier identifier"),
            _col("sku", T, meaning="item sold"),
            _col("fc", T, meaning="FC delivered to; * = any FC"),
            _col("unit_price", N, minimum=0, unit="currency/unit", meaning="purchase price", maximum=MAX_MONEY),
            _col("lead_time_days", I, minimum=0, unit="days", meaning="order to arrival", maximum=MAX_DAYS),
            _col("moq", N, False, 0.0, 0, MAX_UNITS, "units", "minimum order quantity per PO line"),
            _col("lot_size", N, False, 1.0, 0, MAX_UNITS, "units", "order in multiples of this"),
            _col(
                "capacity_per_week", N, False, None, 0, MAX_UNITS, "units/week", "supplier capacity; blank = unlimited"
            ),
            _col(
                "lead_time_std_days",
                N,
                False,
                0.0,
                0,
                MAX_DAYS,
                "days",
                "standard deviation of the lead time (how late or early deliveries come); blank = 0, always on time",
            ),
        ),
        ("supplier", "sku", "fc"),
        "a supplier can deliver this sku to this fc",
    ),
    Table(
        "inventory",
        True,
        (
            _col("fc", T),
            _col("sku", T),
            _col("on_hand", N, minimum=0, unit="units", meaning="stock now", maximum=MAX_UNITS),
        ),
        ("fc", "sku"),
        "stock now",
    ),
    Table(
        "inbound",
        False,
        (
            _col("fc", T),
            _col("sku", T),
            _col("quantity", N, minimum=0, unit="units", maximum=MAX_UNITS),
            _col("eta", D, meaning="expected arrival date"),
            _col("supplier", T, False, ""),
            _col("po_id", T, False, ""),
        ),
        (),
        "open POs already placed (firm)",
    ),
    Table(
        "transfer_lanes",
        False,
        (
            _col("from_fc", T),
            _col("to_fc", T),
            _col("lead_time_days", I, minimum=0, unit="days", maximum=MAX_DAYS),
            _col("cost_per_unit", N, minimum=0, unit="currency/unit", maximum=MAX_MONEY),
            _col("capacity_per_week", N, False, None, 0, MAX_UNITS, "units/week", "blank = unlimited"),
        ),
        ("from_fc", "to_fc"),
        "allowed stock transfers between FCs",
    ),
    Table(
        "shipping_lanes",
        False,
        (
            _col("fc", T),
            _col("region", T),
            _col("cost_per_unit", N, minimum=0, unit="currency/unit", maximum=MAX_MONEY),
            _col("extra_days", I, False, 0, 0, MAX_DAYS, "days", "extra transit days to the customer"),
        ),
        ("fc", "region"),
        "an FC may also serve another region",
    ),
    Table(
        "demand_history",
        True,
        (
            _col("date", D),
            _col("sku", T),
            _col("region", T),
            _col("quantity", N, minimum=0, unit="units", maximum=MAX_UNITS),
        ),
        ("date", "sku", "region"),
        "past customer demand (daily or weekly rows)",
    ),
    Table(
        "open_orders",
        False,
        (
            _col("order_id", T),
            _col("sku", T),
            _col("region", T),
            _col("quantity", N, minimum=0, unit="units", maximum=MAX_UNITS),
            _col("order_date", D),
            _col("due_date", D),
            _col("priority", I, minimum=1, meaning="1 = most urgent", maximum=MAX_PRIORITY),
        ),
        ("order_id", "sku"),
        "customer order lines not yet shipped",
    ),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def column_names(table: str) -> list[str]:
    """All contract columns of a table, in contract order."""
    return [c.name for c in TABLES_BY_NAME[table].columns]
