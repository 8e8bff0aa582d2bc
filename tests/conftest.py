"""Shared fixtures: a tiny valid dataset folder that a test breaks in one place."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.data.dataset import DatasetError, Problem
from planner.data.load import load_dataset

VALID_TABLES = {
    "skus": "sku,unit_cost,unit_volume,description\nA,10,0.01,Widget\nB,5,,Gadget\n",
    "fulfillment_centers": "fc,region,outbound_capacity,storage_capacity\nFC1,north,100,\nFC2,south,80,500\n",
    "supplier_items": "supplier,sku,fc,unit_price,lead_time_days,moq,lot_size\nS1,A,FC1,8,14,100,10\nS2,B,*,4,21,,\n",
    "inventory": "fc,sku,on_hand\nFC1,A,50\nFC2,B,20\n",
    "inbound": "fc,sku,quantity,eta,supplier,po_id\nFC1,A,100,2024-02-10,S1,PO1\n",
    "transfer_lanes": "from_fc,to_fc,lead_time_days,cost_per_unit\nFC1,FC2,2,0.5\n",
    "shipping_lanes": "fc,region,cost_per_unit,extra_days\nFC1,south,1.5,1\n",
    "demand_history": "date,sku,region,quantity\n"
    + "".join(
        f"2024-01-{day:02d},A,north,{5 + week}\n2024-01-{day:02d},B,south,{3 + week}\n"
        for week, day in enumerate((1, 8, 15, 22))
    ),
    "open_orders": "order_id,sku,region,quantity,order_date,due_date,priority\n"
    "O1,A,north,2,2024-01-20,2024-01-25,1\nO2,B,south,1,2024-01-21,2024-01-28,2\n",
}


class DatasetFolder:
    """A folder holding the valid tables, with one-line ways to break them."""

    def __init__(self, path: Path):
        self.path = path
        path.mkdir()
        for name, text in VALID_TABLES.items():
            self.write(name, text)

    def file(self, name: str, suffix: str = ".csv") -> Path:
        return self.path / f"{name}{suffix}"

    def write(self, name: str, text: str) -> None:
        self.file(name).write_text(text, encoding="utf-8")

    def replace(self, name: str, old: str, new: str) -> None:
        text = self.file(name).read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        self.write(name, text.replace(old, new, 1))

    def append(self, name: str, lines: str) -> None:
        self.write(name, self.file(name).read_text(encoding="utf-8") + lines)

    def remove(self, name: str) -> None:
        self.file(name).unlink()

    def problems(self, **options) -> list[Problem]:
        with pytest.raises(DatasetError) as caught:
            load_dataset(self.path, **options)
        return caught.value.problems


def pytest_addoption(parser):
    parser.addoption(
        "--regen-golden",
        action="store_true",
        default=False,
        help="rewrite tests/scenarios/*/expected/ from the current planner (tests/test_scenarios.py); review the diff",
    )


@pytest.fixture
def dataset_folder(tmp_path) -> DatasetFolder:
    return DatasetFolder(tmp_path / "dataset")


@pytest.fixture(scope="session")
def tiny_plan_run():
    """A real plan of the tiny network in report_instance.py, shared by the report tests."""
    from report_instance import tiny_run

    return tiny_run()
