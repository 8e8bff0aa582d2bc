"""`planner diff`: what changed between two written plans, on plan folders written by hand."""

from __future__ import annotations

import json

from click.testing import CliRunner

from planner.cli import main
from planner.plan.diff import diff_plans, diff_text

PO_HEADER = "supplier,sku,fc,order_date,arrival_date,quantity,unit_price,total_cost,action,lead_time_days,lot_sized\n"
ORDER_HEADER = "order_id,sku,region,priority,quantity,fc,due_date,ship_date,promised_date,status,reason\n"

OLD_POS = [
    "CHEAP,A,F1,2026-11-30,2026-12-21,100,5,500,release,21,True",     # released, now an open PO
    "CHEAP,A,F1,2026-12-07,2026-12-28,50,5,250,planned,21,True",      # same line, more units
    "CHEAP,B,F1,2026-12-14,2027-01-04,30,5,150,planned,21,True",      # moves a week, to FAST
    "FAST,C,F1,2026-12-14,2026-12-21,10,9,90,planned,7,True",         # dropped
]
NEW_POS = [
    "CHEAP,A,F1,2026-12-07,2026-12-28,60,5,300,release,21,True",
    "FAST,B,F1,2026-12-21,2026-12-28,30,9,270,planned,7,True",
    "CHEAP,D,F1,2026-12-07,2026-12-28,5,5,25,release,21,True",        # new
]
OLD_ORDERS = [
    "O1,A,R1,1,4,F1,2026-12-10,2026-12-07,2026-12-07,on_time,ships from stock at F1",
    "O2,B,R1,2,3,F1,2026-12-10,2026-12-28,2026-12-28,late,waits",
    "O2,B,R1,2,2,,2026-12-10,,,backorder,no stock",
    "O3,C,R1,3,1,F1,2026-12-10,2026-12-07,2026-12-07,on_time,ships",
]
NEW_ORDERS = [
    "O1,A,R1,1,4,F1,2026-12-10,2026-12-07,2026-12-07,on_time,ships from stock at F1",
    "O2,B,R1,2,5,F1,2026-12-10,2026-12-21,2026-12-21,late,waits",
    "O4,D,R1,3,1,F1,2026-12-20,2026-12-14,2026-12-14,on_time,ships",
]


def write_plan(folder, start, pos, orders):
    folder.mkdir()
    (folder / "purchase_orders.csv").write_text(PO_HEADER + "\n".join(pos) + "\n")
    (folder / "order_plan.csv").write_text(ORDER_HEADER + "\n".join(orders) + "\n")
    (folder / "kpis.json").write_text(json.dumps({"schema_version": 1, "plan": {"start": start}}))
    return folder


def two_plans(tmp_path):
    return (write_plan(tmp_path / "old", "2026-11-30", OLD_POS, OLD_ORDERS),
            write_plan(tmp_path / "new", "2026-12-07", NEW_POS, NEW_ORDERS))


def test_po_lines_added_removed_changed_and_released(tmp_path):
    pos = diff_plans(*two_plans(tmp_path))["purchase_orders"]
    assert [(p["sku"], p["quantity"]) for p in pos["added"]] == [("D", 5.0)]
    assert [(p["sku"], p["supplier"]) for p in pos["removed"]] == [("C", "FAST")]
    assert [(p["sku"], p["order_date"]) for p in pos["released"]] == [("A", "2026-11-30")]
    changes = {c["sku"]: c["changes"] for c in pos["changed"]}
    assert changes["A"] == {"quantity": {"old": 50.0, "new": 60.0}}
    assert changes["B"] == {"supplier": {"old": "CHEAP", "new": "FAST"},
                            "order_date": {"old": "2026-12-14", "new": "2026-12-21"},
                            "arrival_date": {"old": "2027-01-04", "new": "2026-12-28"}}


def test_promises_moved_new_and_gone(tmp_path):
    promises = diff_plans(*two_plans(tmp_path))["promises"]
    assert promises["moved"] == [{
        "order_id": "O2", "sku": "B", "due_date": "2026-12-10",
        "old": {"promised_date": None, "status": "backorder"},
        "new": {"promised_date": "2026-12-21", "status": "late"}, "days": None}]
    assert promises["new"] == [{"order_id": "O4", "sku": "D"}]
    assert promises["gone"] == [{"order_id": "O3", "sku": "C"}]


def test_the_text_names_every_change(tmp_path):
    text = diff_text(diff_plans(*two_plans(tmp_path)))
    assert text.splitlines()[0] == ("purchase order lines: 1 added, 1 removed, 2 changed; "
                                    "1 released by the old plan (now open POs)")
    assert "  ~ FAST B to F1, order 2026-12-21: supplier CHEAP -> FAST; order_date 2026-12-14 -> 2026-12-21; " \
           "arrival_date 2027-01-04 -> 2026-12-28" in text
    assert "  O2 B: no date backorder -> 2026-12-21 late" in text


def test_the_cli_prints_json_and_refuses_a_folder_that_is_no_plan(tmp_path):
    old, new = two_plans(tmp_path)
    result = CliRunner().invoke(main, ["diff", str(old), str(new), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["promises"]["gone"] == [{"order_id": "O3", "sku": "C"}]
    (new / "order_plan.csv").unlink()
    result = CliRunner().invoke(main, ["diff", str(old), str(new)])
    assert result.exit_code == 2
    assert "no order_plan.csv" in result.stderr and "Traceback" not in result.output
