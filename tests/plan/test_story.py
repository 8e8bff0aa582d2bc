"""`planner explain`: an order's and a sku's story, read from a plan folder written by hand."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from planner.cli import main
from planner.data.plan_folder import PlanFolderError
from planner.plan.story import order_story, sku_story

FILES = {
    "order_plan.csv": [
        "order_id,sku,region,priority,quantity,fc,due_date,ship_date,promised_date,status,reason",
        "'=O1,A,R1,2,3,F1,2026-11-30,2026-12-14,2026-12-14,late,no stock for it until PO from S arrives",
        "'=O1,A,R1,2,2,,2026-11-30,,,backorder,no stock for it before the plan ends",
        "O2,A,R1,3,1,F1,2026-12-20,2026-12-14,2026-12-14,on_time,ships from stock at F1",
    ],
    "purchase_orders.csv": [
        "supplier,sku,fc,order_date,arrival_date,quantity,unit_price,total_cost,action,lead_time_days,lot_sized,reason",
        "S,A,F1,2026-11-30,2026-12-14,4,10,40,release,14,True,release now: why",
        "S,A,F2,2026-12-07,2026-12-21,6,10,60,planned,14,True,planned: why",
    ],
    "transfers.csv": ["from_fc,to_fc,sku,ship_date,arrival_date,quantity", "F2,F1,A,2026-12-07,2026-12-09,1"],
    "inventory_projection.csv": [
        "fc,sku,period_start,opening,receipts,transfers_in,transfers_out,allocated,shipped,closing,"
        "safety_stock,backorder,backlog",
        "F1,A,2026-11-30,0,0,0,0,0,0,0,0,5,0",
        "F1,A,2026-12-07,0,0,1,0,1,1,0,0,5,0",
        "F1,A,2026-12-14,0,4,0,0,4,3,0,0,2,1",
    ],
}


@pytest.fixture
def plan_dir(tmp_path):
    folder = tmp_path / "plan"
    folder.mkdir()
    for name, lines in FILES.items():
        (folder / name).write_text("\n".join(lines) + "\n")
    (folder / "kpis.json").write_text(json.dumps({"plan": {"start": "2026-11-30", "period": "week", "horizon": 3}}))
    return folder


def test_an_orders_story_has_each_part_its_reason_and_its_supply(plan_dir):
    assert order_story(plan_dir, "=O1").splitlines() == [
        "order =O1 (priority 2, region R1, due 2026-11-30)",
        "  A, 3 units: late, ships from F1 on 2026-12-14, promised 2026-12-14",
        "    why: no stock for it until PO from S arrives",
        "  A, 2 units: backorder, no ship date in the plan",
        "    why: no stock for it before the plan ends",
        "  supply of A: 2 PO lines, 10 units",
        "    S -> F1, 4 units: release now: why",
        "    S -> F2, 6 units: planned: why",
    ]


def test_a_skus_story_has_stock_pos_transfers_and_waiting_orders(plan_dir):
    story = sku_story(plan_dir, "A").splitlines()
    assert story[:3] == [
        "sku A",
        "  stock by FC:",
        "    F1: 0 on hand now; lowest 0 in the week of 2026-11-30; customers wait for stock in "
        "the weeks of 2026-11-30 to 2026-12-14; orders wait for capacity in the week of 2026-12-14",
    ]
    assert "  transfers: 1 line, 1 units" in story
    assert story[-3:] == [
        "  order lines not on time: 1 of 2",
        "    =O1 (priority 2, R1): 3 units late, promised 2026-12-14 (due 2026-11-30): "
        "no stock for it until PO from S arrives",
        "    =O1 (priority 2, R1): 2 units backorder, no promise date (due 2026-11-30): "
        "no stock for it before the plan ends",
    ]


def test_unknown_ids_and_missing_folders_exit_2_with_one_line(plan_dir, tmp_path):
    for args, says in (
        (["--order", "O9"], "no order 'O9'"),
        (["--sku", "Z"], "no sku 'Z'"),
        (["--order", "O2", "--sku", "A"], "give one of --order ID or --sku SKU"),
        ([], "give one of"),
    ):
        result = CliRunner().invoke(main, ["explain", str(plan_dir), *args])
        assert result.exit_code == 2, result.output
        assert says in result.stderr and "Traceback" not in result.output
    result = CliRunner().invoke(main, ["explain", str(tmp_path / "nowhere"), "--order", "O1"])
    assert result.exit_code == 2 and "no such plan folder" in result.stderr


def test_a_folder_without_the_needed_file_is_named(plan_dir):
    (plan_dir / "order_plan.csv").unlink()
    with pytest.raises(PlanFolderError, match="no order_plan.csv"):
        order_story(plan_dir, "O1")


def test_a_plan_file_without_a_needed_column_is_named(plan_dir):
    text = (plan_dir / "purchase_orders.csv").read_text().replace(",reason", ",why", 1)
    (plan_dir / "purchase_orders.csv").write_text(text)
    result = CliRunner().invoke(main, ["explain", str(plan_dir), "--order", "O2"])
    assert result.exit_code == 2, result.output
    assert "purchase_orders.csv: no column reason" in result.stderr
