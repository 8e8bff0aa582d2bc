"""The regional network `generate_dataset` builds above SMALL_NETWORK_FCS FCs: a 3PL's shape."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planner.data.generate import SMALL_NETWORK_FCS, generate_dataset, write_dataset
from planner.data.load import load_dataset


@pytest.fixture(scope="module")
def fifty():
    return generate_dataset(200, 50, seed=4, history_period="week")


@pytest.fixture(scope="module")
def hundred():
    return generate_dataset(20, 100, seed=4, history_period="week")


def _hubs(tables) -> set[str]:
    """The FCs the fast suppliers (no lot) deliver to."""
    items = tables["supplier_items"]
    return set(items.loc[items["lot_size"] == 1, "fc"])


def _reached(lanes: pd.DataFrame, start: str, forward: bool = True) -> set[str]:
    step = lanes.groupby("from_fc" if forward else "to_fc")["to_fc" if forward else "from_fc"].apply(set)
    seen, frontier = {start}, {start}
    while frontier:
        frontier = set().union(*(step.get(fc, set()) for fc in frontier)) - seen
        seen |= frontier
    return seen


def _stocked(tables) -> pd.DataFrame:
    """Each sku x FC with a stock row or an open PO."""
    return pd.concat([tables["inventory"][["sku", "fc"]], tables["inbound"][["sku", "fc"]]]).drop_duplicates()


def test_fcs_are_grouped_in_regions_big_markets_holding_several(fifty):
    per_region = fifty["fulfillment_centers"].groupby("region").size()
    assert len(fifty["fulfillment_centers"]) == 50
    assert 10 <= len(per_region) <= 20
    assert per_region.max() >= 4 and per_region.min() >= 1


def test_just_above_the_threshold_is_regional_and_at_it_one_region_per_fc():
    regional = generate_dataset(10, SMALL_NETWORK_FCS + 1, seed=1, history_weeks=8)["fulfillment_centers"]
    small = generate_dataset(10, SMALL_NETWORK_FCS, seed=1, history_weeks=8)["fulfillment_centers"]
    assert regional["region"].nunique() < len(regional)
    assert small["region"].nunique() == len(small)


@pytest.mark.parametrize("tables", ["fifty", "hundred"])
def test_transfer_lanes_grow_with_the_fcs_not_with_their_pairs(tables, request):
    tables = request.getfixturevalue(tables)
    lanes, n = tables["transfer_lanes"], len(tables["fulfillment_centers"])
    assert 2 * n <= len(lanes) <= 6 * n  # 30% of all pairs would be 0.3 n (n - 1)
    assert not lanes.duplicated(["from_fc", "to_fc"]).any()
    pairs = set(zip(lanes["from_fc"], lanes["to_fc"]))
    assert all((b, a) in pairs for a, b in pairs)


@pytest.mark.parametrize("tables", ["fifty", "hundred"])
def test_every_fc_reaches_every_other_by_transfer(tables, request):
    tables = request.getfixturevalue(tables)
    fcs = set(tables["fulfillment_centers"]["fc"])
    lanes = tables["transfer_lanes"]
    assert _reached(lanes, "FC01") == fcs and _reached(lanes, "FC01", forward=False) == fcs


def test_lanes_join_neighbours_or_a_hub(fifty):
    """A lane not touching a hub stays in a region or crosses to a region it ships to."""
    region = fifty["fulfillment_centers"].set_index("fc")["region"]
    lanes = fifty["transfer_lanes"]
    shipping = fifty["shipping_lanes"]
    borders = set(zip(shipping["fc"].map(region), shipping["region"]))
    hubs = _hubs(fifty)
    local = lanes[~lanes["from_fc"].isin(hubs) & ~lanes["to_fc"].isin(hubs)]
    joined = [(region[a], region[b]) for a, b in zip(local["from_fc"], local["to_fc"])]
    assert len(local) > len(lanes) / 3
    assert all(a == b or (a, b) in borders or (b, a) in borders for a, b in joined)
    linked_to_hub = set(lanes.loc[lanes["to_fc"].isin(hubs), "from_fc"]) | hubs
    assert linked_to_hub == set(region.index)


def test_fast_suppliers_deliver_to_the_hubs_only(fifty):
    items = fifty["supplier_items"]
    fast = items[items["lot_size"] == 1]
    hubs = _hubs(fifty)
    degree = fifty["transfer_lanes"].groupby("from_fc").size()
    assert 2 <= len(hubs) <= 6 and "*" not in hubs
    assert degree[list(hubs)].min() > 2 * degree.drop(list(hubs)).median()
    assert (fast.groupby(["supplier", "sku"])["fc"].nunique() == len(hubs)).all()
    assert 0.35 < fast["sku"].nunique() / len(fifty["skus"]) < 0.65
    assert fast["capacity_per_week"].notna().all() and (fast["moq"] == 0).all()


def test_every_sku_has_one_main_line_to_any_fc_with_moq_and_lot(fifty):
    items = fifty["supplier_items"]
    main = items[items["fc"] == "*"]
    assert set(items.loc[items["lot_size"] > 1, "fc"]) == {"*"}
    assert main["sku"].is_unique and set(main["sku"]) == set(fifty["skus"]["sku"])
    assert (main["lot_size"] >= 10).all() and (main["moq"] >= 2 * main["lot_size"]).all()
    assert (main["moq"] % main["lot_size"] == 0).all()
    cheaper = main.set_index("sku")["unit_price"]
    fast = items[items["lot_size"] == 1]
    assert (fast["unit_price"].to_numpy() > 1.1 * cheaper[fast["sku"]].to_numpy()).all()


def test_each_sku_sells_in_a_few_regions_and_is_stocked_in_a_few_fcs(fifty):
    regions = fifty["demand_history"].groupby("sku")["region"].nunique()
    stocked = _stocked(fifty).groupby("sku")["fc"].nunique()
    assert regions.max() <= 6 and 1.5 < regions.mean() < 4
    assert set(stocked.index) == set(fifty["skus"]["sku"])
    assert stocked.max() <= 10 and 1.5 < stocked.mean() < 4.5
    assert len(fifty["inventory"]) < 0.1 * 50 * len(fifty["skus"])


def test_stock_sits_where_the_sku_sells(fifty):
    """Most stocking FCs serve a region the sku sells in (a few stocks are misrouted)."""
    arcs = pd.concat([fifty["fulfillment_centers"][["fc", "region"]], fifty["shipping_lanes"][["fc", "region"]]])
    sold = fifty["demand_history"][["sku", "region"]].drop_duplicates()
    serving = sold.merge(arcs, on="region")[["sku", "fc"]].drop_duplicates()
    stocked = _stocked(fifty).merge(serving, on=["sku", "fc"], how="left", indicator=True)
    assert (stocked["_merge"] == "both").mean() > 0.85


def _outbound_over_served_demand(tables) -> pd.Series:
    """Outbound capacity per FC over the recent demand it serves: each sku x region's demand
    split between the FCs of the region that stock the sku or, if none, those shipping there."""
    history = tables["demand_history"]
    recent = history[history["date"] > history["date"].max() - pd.Timedelta(weeks=26)]
    daily = (
        recent.groupby(["sku", "region"], as_index=False)["quantity"]
        .sum()
        .assign(quantity=lambda f: f["quantity"] / 182)
    )
    centers = tables["fulfillment_centers"]
    own = centers[["fc", "region"]].assign(own=True)
    arcs = pd.concat([own, tables["shipping_lanes"][["fc", "region"]].assign(own=False)])
    servers = daily.merge(arcs.drop_duplicates(["fc", "region"]), on="region").merge(_stocked(tables))
    servers = servers[servers["own"] == servers.groupby(["sku", "region"])["own"].transform("max")]
    share = servers["quantity"] / servers.groupby(["sku", "region"])["fc"].transform("size")
    served = share.groupby(servers["fc"]).sum()
    return (centers.set_index("fc")["outbound_capacity"] / served).dropna()


def test_a_few_fcs_are_short_of_outbound_capacity(fifty):
    ratio = _outbound_over_served_demand(fifty)
    assert 3 <= (ratio < 0.9).sum() <= 10
    assert (ratio > 1.2).mean() > 0.6
    assert not set(ratio[ratio < 0.9].index) & _hubs(fifty)


def test_hubs_can_take_in_their_fast_suppliers(fifty):
    items = fifty["supplier_items"]
    weekly = items[items["lot_size"] == 1].groupby("fc")["capacity_per_week"].sum()
    inbound = fifty["fulfillment_centers"].set_index("fc")["inbound_capacity"]
    assert (inbound[weekly.index] * 7 > weekly).all()


def test_regional_dataset_passes_validation(fifty, tmp_path):
    write_dataset(fifty, tmp_path / "fifty")
    dataset = load_dataset(tmp_path / "fifty")
    assert len(dataset.fulfillment_centers) == 50 and len(dataset.skus) == 200


def _files(tables, directory: Path) -> dict[str, bytes]:
    write_dataset(tables, directory)
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_same_seed_gives_the_same_bytes_and_another_seed_another_network(tmp_path):
    first = _files(generate_dataset(30, 20, seed=5, history_period="week"), tmp_path / "a")
    again = _files(generate_dataset(30, 20, seed=5, history_period="week"), tmp_path / "b")
    other = _files(generate_dataset(30, 20, seed=6, history_period="week"), tmp_path / "c")
    assert first == again
    assert first["transfer_lanes.csv"] != other["transfer_lanes.csv"]


def test_the_network_of_a_seed_does_not_depend_on_the_skus_or_weeks():
    few = generate_dataset(10, 30, seed=2, history_period="week", history_weeks=20)
    many = generate_dataset(60, 30, seed=2, history_period="week")
    route = ["from_fc", "to_fc", "lead_time_days"]
    assert few["fulfillment_centers"][["fc", "region"]].equals(many["fulfillment_centers"][["fc", "region"]])
    assert few["transfer_lanes"][route].equals(many["transfer_lanes"][route])
    assert _hubs(few) == _hubs(many)
