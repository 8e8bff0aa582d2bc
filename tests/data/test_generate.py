"""The synthetic dataset generator: deterministic, inside the contract, with the promised structure."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.data.generate import SMALL_NETWORK_FCS, dataset_files, generate_dataset, generated_columns, write_dataset
from planner.data.schema import TABLES, TABLES_BY_NAME, Kind

DEMO = Path(__file__).resolve().parents[2] / "datasets" / "demo"
END = pd.Timestamp(date(2026, 11, 22))
TODAY = END + pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def weekly():
    return generate_dataset(150, 4, seed=11, history_period="week")


@pytest.fixture(scope="module")
def daily():
    return generate_dataset(40, 3, seed=7, history_period="day")


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def _written(tables, directory: Path) -> dict[str, bytes]:
    write_dataset(tables, directory)
    return _files(directory)


def test_same_seed_gives_identical_files_and_another_seed_differs(tmp_path):
    first = _written(generate_dataset(30, 3, seed=5, history_period="week"), tmp_path / "a")
    again = _written(generate_dataset(30, 3, seed=5, history_period="week"), tmp_path / "b")
    other = _written(generate_dataset(30, 3, seed=6, history_period="week"), tmp_path / "c")
    assert first == again
    assert first.keys() == other.keys() and first != other


def test_files_are_canonical_text(tmp_path):
    files = _written(generate_dataset(20, 2, seed=3), tmp_path / "out")
    assert set(files) == {f"{t.name}.csv" for t in TABLES}
    for name, content in files.items():
        text = content.decode()
        assert "\r" not in text and text.endswith("\n"), name
        assert ".0," not in text and not any(line.endswith(".0") for line in text.splitlines()), name
    assert files["fulfillment_centers.csv"].startswith(b"fc,region,outbound_capacity,")


@pytest.mark.parametrize("tables", ["weekly", "daily"])
def test_tables_follow_the_contract(tables, request):
    tables = request.getfixturevalue(tables)
    assert set(tables) == {t.name for t in TABLES}
    for name, frame in tables.items():
        table = TABLES_BY_NAME[name]
        assert list(frame.columns) == generated_columns(name)
        assert all(not c.required for c in table.columns if c.name not in frame.columns), name
        assert not frame.empty, name
        if table.key:
            assert not frame.duplicated(list(table.key)).any(), name
        for column in (c for c in table.columns if c.name in frame.columns):
            values = frame[column.name]
            if column.required:
                assert values.notna().all(), (name, column.name)
            if column.minimum is not None:
                assert (values.dropna() >= column.minimum).all(), (name, column.name)
            if column.kind == Kind.INT:
                assert (values.dropna() % 1 == 0).all(), (name, column.name)


@pytest.mark.parametrize("tables", ["weekly", "daily"])
def test_references_exist(tables, request):
    tables = request.getfixturevalue(tables)
    skus = set(tables["skus"]["sku"])
    fcs = set(tables["fulfillment_centers"]["fc"])
    regions = set(tables["fulfillment_centers"]["region"])
    for name, column, known in [
        ("supplier_items", "sku", skus),
        ("supplier_items", "fc", fcs | {"*"}),
        ("inventory", "sku", skus),
        ("inventory", "fc", fcs),
        ("inbound", "sku", skus),
        ("inbound", "fc", fcs),
        ("transfer_lanes", "from_fc", fcs),
        ("transfer_lanes", "to_fc", fcs),
        ("shipping_lanes", "fc", fcs),
        ("shipping_lanes", "region", regions),
        ("demand_history", "sku", skus),
        ("demand_history", "region", regions),
        ("open_orders", "sku", skus),
        ("open_orders", "region", regions),
    ]:
        assert set(tables[name][column]) <= known, (name, column)
    assert set(tables["inventory"]["sku"]) == skus


def test_history_ends_on_end_and_weeks_end_on_the_same_weekday(weekly, daily):
    weeks = weekly["demand_history"]["date"].drop_duplicates().sort_values()
    assert weeks.max() == END and len(weeks) == 104
    assert (weeks.diff().dropna() == pd.Timedelta(days=7)).all()
    days = daily["demand_history"]
    assert days["date"].max() == END and days["date"].nunique() == 104 * 7
    assert (days["quantity"] > 0).all()


def _capacity_over_demand(tables) -> pd.Series:
    """Outbound capacity per FC divided by its region's mean daily demand over the last 13 weeks."""
    history = tables["demand_history"]
    recent = history[history["date"] > END - pd.Timedelta(weeks=13)]
    daily = recent.groupby("region")["quantity"].sum() / 91
    centers = tables["fulfillment_centers"].set_index("fc")
    return centers["outbound_capacity"] / centers["region"].map(daily)


@pytest.mark.parametrize("tables", ["weekly", "daily"])
def test_fc02_alone_is_short_of_outbound_capacity(tables, request):
    tables = request.getfixturevalue(tables)
    ratio = _capacity_over_demand(tables)
    assert 0.5 < ratio["FC02"] < 0.9
    assert (ratio.drop("FC02") > 1.2).all()
    lanes = tables["shipping_lanes"]
    assert ((lanes["region"] == "R02") & (lanes["fc"] != "FC02")).any()


def test_one_fc_is_never_short():
    ratio = _capacity_over_demand(generate_dataset(30, 1, seed=2, history_period="week"))
    assert (ratio > 1.2).all()


def test_fast_supplier_is_dearer_quicker_and_capped(weekly):
    offers = weekly["supplier_items"]
    fast = offers[offers["lot_size"] == 1].set_index("sku")
    slow = offers[offers["lot_size"] > 1]
    assert (slow["moq"] >= 2 * slow["lot_size"]).all()
    assert slow["lead_time_days"].between(28, 56).all() and slow["capacity_per_week"].isna().all()
    assert fast["lead_time_days"].between(3, 10).all() and fast["capacity_per_week"].notna().all()
    pairs = slow.merge(fast, left_on="sku", right_index=True, suffixes=("", "_fast"))
    assert (pairs["unit_price_fast"] > 1.1 * pairs["unit_price"]).all()
    share_with_two = offers.groupby("sku")["supplier"].nunique().eq(2).mean()
    assert 0.35 < share_with_two < 0.65
    assert (offers["fc"] == "*").any() and (offers["fc"] != "*").any()


def test_some_series_are_intermittent(weekly):
    history = weekly["demand_history"]
    weeks_with_demand = history.groupby(["sku", "region"]).size() / 104
    assert (weeks_with_demand < 0.5).mean() > 0.1
    assert (weeks_with_demand > 0.9).mean() > 0.3


def test_open_orders_have_priorities_overdue_lines_and_several_lines(weekly):
    orders = weekly["open_orders"]
    counts = orders["priority"].value_counts()
    assert set(counts.index) == {1, 2, 3} and counts[1] < counts[3]
    assert (orders["due_date"] < TODAY).any() and (orders["due_date"] > TODAY).any()
    assert (orders["due_date"] >= orders["order_date"]).all()
    assert (orders["order_date"] < TODAY).all()
    assert orders.groupby("order_id").size().max() > 1


def test_inbound_in_transit_and_stock_has_gaps(weekly):
    inbound = weekly["inbound"]
    assert (inbound["eta"] > END).mean() > 0.8 and (inbound["eta"] <= END).any()
    assert inbound["eta"].max() <= END + pd.Timedelta(weeks=8)
    assert inbound["po_id"].str.match(r"PO-\d{6}$").all()
    assert (weekly["inventory"]["on_hand"] == 0).any()


def test_storage_holds_todays_stock(weekly):
    stock = weekly["inventory"].merge(weekly["skus"], on="sku")
    volume = (stock["on_hand"] * stock["unit_volume"]).groupby(stock["fc"]).sum()
    storage = weekly["fulfillment_centers"].set_index("fc")["storage_capacity"]
    assert (storage > 1.5 * volume).all()


def test_demo_on_disk_equals_a_fresh_generation(daily, tmp_path):
    assert _files(DEMO) == _written(daily, tmp_path / "demo")


def test_refuses_to_overwrite_a_non_empty_folder(tmp_path):
    tables = generate_dataset(5, 2, seed=1, history_period="week", history_weeks=8)
    target = tmp_path / "out"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError):
        write_dataset(tables, target)
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    write_dataset(tables, target, overwrite=True)
    assert not (target / "notes.txt").exists() and (target / "skus.csv").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_writes_into_an_empty_existing_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    write_dataset(generate_dataset(5, 1, seed=1, history_weeks=4), tmp_path / "empty")
    assert (tmp_path / "empty" / "demand_history.csv").exists()


def test_rejects_bad_arguments():
    with pytest.raises(ValueError):
        generate_dataset(0, 2, seed=1)
    with pytest.raises(ValueError):
        generate_dataset(5, 2, seed=1, history_period="month")


def test_five_thousand_skus_is_feasible_in_size():
    tables = generate_dataset(1000, 6, seed=1, history_period="week")
    assert len(tables["demand_history"]) < 1000 * 6 * 104
    assert np.isclose(tables["skus"]["unit_cost"].between(5, 200).mean(), 1.0)


# sha256 over every file's name and bytes, as generated before regional networks came (c473b4e)
SMALL_NETWORK_FINGERPRINTS = {
    (30, 8, 3, "week"): "87ca1678dea1e09908365efeefdb772269c1fc5b0798c11c2bdc4fbcdeacd457",
    (25, 8, 2, "week"): "bfa4cffce516ea75fd90a6611df451f280a7f72cb42760dd87b9e238ebffaf70",
    (12, 7, 9, "day"): "a724d56bfa190fa09e18cec3e003d74a27f069a51ec878d4148e1305ca049f6b",
    (60, 6, 1, "week"): "573b1d992891e85e260bf214532c817a28aeede9877268bdd41629ab1bbcf35b",
}


@pytest.mark.parametrize(("skus", "fcs", "seed", "period"), SMALL_NETWORK_FINGERPRINTS)
def test_small_networks_keep_their_bytes(skus, fcs, seed, period):
    assert fcs <= SMALL_NETWORK_FCS
    files = dataset_files(generate_dataset(skus, fcs, seed, history_period=period))
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name])
    assert digest.hexdigest() == SMALL_NETWORK_FINGERPRINTS[skus, fcs, seed, period]
