"""benchmarks/shapes.py: the independently built star-MOQ and sparse networks, as the issue describes them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from planner.data.load import load_dataset

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "shapes.py"


@pytest.fixture(scope="module")
def shapes():
    spec = importlib.util.spec_from_file_location("shapes", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def star(shapes):
    return shapes.build("star-moq", 30, 10, seed=3)


@pytest.fixture(scope="module")
def sparse(shapes):
    return shapes.build("sparse", 300, 50, seed=3)


def _degree(lanes: pd.DataFrame) -> pd.Series:
    return lanes.groupby("from_fc")["to_fc"].nunique()


def test_star_main_lines_go_anywhere_with_moq_100_to_200_in_lots_of_10_to_25(star):
    items = star["supplier_items"]
    main = items[items["fc"] == "*"]
    assert main["sku"].is_unique and len(main) == 30
    assert main["moq"].between(100, 200).all() and main["lot_size"].between(10, 25).all()


def test_star_half_the_skus_have_a_fast_supplier_to_the_two_hubs(star):
    fast = star["supplier_items"][star["supplier_items"]["fc"] != "*"]
    assert fast["sku"].nunique() == 15
    assert set(fast["fc"]) == {"FC01", "FC06"} and (fast.groupby("sku")["fc"].nunique() == 2).all()
    assert (fast["moq"] == 0).all() and fast["capacity_per_week"].notna().all()


def test_star_lanes_link_ring_neighbours_and_the_hubs(star):
    lanes = star["transfer_lanes"]
    pairs = set(zip(lanes["from_fc"], lanes["to_fc"]))
    fcs = [f"FC{i:02d}" for i in range(1, 11)]
    ring = {(a, b) for a, b in zip(fcs, fcs[1:] + fcs[:1])}
    spokes = {(hub, fc) for hub in ("FC01", "FC06") for fc in fcs if fc != hub}
    expected = ring | spokes
    assert pairs == expected | {(b, a) for a, b in expected}
    assert _degree(lanes)[["FC01", "FC06"]].min() == 9


def test_sparse_has_few_lanes_and_skus_in_few_fcs(sparse):
    lanes = sparse["transfer_lanes"]
    assert len(lanes) <= 3 * 50 and _degree(lanes).max() <= 6
    stocked = sparse["inventory"].groupby("sku")["fc"].nunique()
    sold = sparse["demand_history"].groupby("sku")["region"].nunique()
    assert stocked.max() <= 5 and sold.between(2, 5).all()
    assert set(sparse["supplier_items"].loc[sparse["supplier_items"]["moq"] > 0, "fc"]) == {"*"}


@pytest.mark.parametrize("kind", ["star-moq", "sparse"])
def test_written_dataset_is_valid_and_the_same_for_a_seed(shapes, kind, tmp_path):
    for name in ("a", "b"):
        shapes.main([str(tmp_path / name), "--kind", kind, "--skus", "40", "--fcs", "12", "--seed", "2"])
    dataset = load_dataset(tmp_path / "a")
    assert len(dataset.skus) == 40 and len(dataset.fulfillment_centers) == 12
    assert not dataset.open_orders.empty and not dataset.inbound.empty
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)
