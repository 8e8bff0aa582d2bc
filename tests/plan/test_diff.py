"""`planner diff`: what changed between two written plans, on plan folders written by hand."""

from __future__ import annotations

import json

from click.testing import CliRunner

from planner.cli import main
from planner.plan.diff import diff_plans, diff_text

PO_HEADER = "supplier,sku,fc,order_date,arrival_date,quantity,unit_price,total_cost,action,lead_time_days,lot_sized\n"
ORDER_HEADER = "order_id,sku,region,priority,quantity,fc,due_date,ship_date,promised_date,status,reason\n"

OPEN_HEADER = "supplier,sku,fc,po_id,arrival_date,quantity,source\n"

# The old plan starts 2026-11-30, the new one a week later, 2026-12-07.
OLD_POS = [
    "CHEAP,A,F1,2026-11-30,2026-12-21,100,5,500,release,21,True",  # released, now open PO PO-7: placed
    "CHEAP,A,F1,2026-12-07,2026-12-28,50,5,250,planned,21,True",  # same line and date, more units
    "CHEAP,B,F1,2026-12-14,2027-01-04,30,5,150,planned,21,True",  # bought from FAST instead: removed
    "FAST,C,F1,2026-12-14,2026-12-21,10,9,90,planned,7,True",  # dropped
    "CHEAP,E,F1,2026-11-30,2026-12-21,40,5,200,release,21,True",  # inbound.csv holds 35: unconfirmed
    "FAST,E,F1,2026-11-30,2026-12-05,8,9,72,release,5,True",  # due before the new plan starts: arrived
    "CHEAP,E,F1,2026-12-14,2027-01-04,20,5,100,planned,21,True",  # moves a week
]
NEW_POS = [
    "CHEAP,A,F1,2026-12-07,2026-12-28,60,5,300,release,21,True",
    "CHEAP,A,F1,2026-12-14,2027-01-04,0.202,5,1.01,planned,21,False",  # new: not the released line moved
    "FAST,B,F1,2026-12-21,2026-12-28,30,9,270,planned,7,True",  # new: another supplier, another PO
    "CHEAP,D,F1,2026-12-07,2026-12-28,5,5,25,release,21,True",  # new
    "CHEAP,E,F1,2026-12-21,2027-01-11,20,5,100,planned,21,True",
]
NEW_OPEN_POS = [
    "CHEAP,A,F1,PO-7,2026-12-21,100.0,inbound",
    "CHEAP,E,F1,PO-8,2026-12-21,35.0,inbound",
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


def write_plan(folder, start, pos, orders, open_pos=None):
    folder.mkdir()
    (folder / "purchase_orders.csv").write_text(PO_HEADER + "".join(f"{line}\n" for line in pos))
    (folder / "order_plan.csv").write_text(ORDER_HEADER + "".join(f"{line}\n" for line in orders))
    (folder / "kpis.json").write_text(json.dumps({"schema_version": 1, "plan": {"start": start}}))
    if open_pos is not None:
        (folder / "open_purchase_orders.csv").write_text(OPEN_HEADER + "".join(f"{line}\n" for line in open_pos))
    return folder


def two_plans(tmp_path, open_pos=NEW_OPEN_POS):
    return (
        write_plan(tmp_path / "old", "2026-11-30", OLD_POS, OLD_ORDERS),
        write_plan(tmp_path / "new", "2026-12-07", NEW_POS, NEW_ORDERS, open_pos),
    )


def keys(lines):
    return [(p["supplier"], p["sku"], p["order_date"], p["quantity"]) for p in lines]


def test_a_released_line_that_became_an_open_po_is_placed_not_changed(tmp_path):
    pos = diff_plans(*two_plans(tmp_path))["purchase_orders"]
    assert keys(pos["placed"]) == [("CHEAP", "A", "2026-11-30", 100.0)]
    assert keys(pos["arrived"]) == [("FAST", "E", "2026-11-30", 8.0)]
    assert keys(pos["unconfirmed"]) == [("CHEAP", "E", "2026-11-30", 40.0)]  # no open PO of 40 units
    assert pos["open_pos_recorded"] is True
    # the released A line is not paired with the new plan's small A line (the "40 -> 0.202")
    assert ("CHEAP", "A", "2026-12-14", 0.202) in keys(pos["added"])
    assert all(c["order_date"] != "2026-12-14" or c["sku"] != "A" for c in pos["changed"])


def test_lines_are_paired_only_within_their_supplier(tmp_path):
    pos = diff_plans(*two_plans(tmp_path))["purchase_orders"]
    assert keys(pos["added"]) == [
        ("CHEAP", "A", "2026-12-14", 0.202),
        ("CHEAP", "D", "2026-12-07", 5.0),
        ("FAST", "B", "2026-12-21", 30.0),
    ]
    assert keys(pos["removed"]) == [("CHEAP", "B", "2026-12-14", 30.0), ("FAST", "C", "2026-12-14", 10.0)]
    changes = {(c["supplier"], c["sku"]): c["changes"] for c in pos["changed"]}
    assert changes == {
        ("CHEAP", "A"): {"quantity": {"old": 50.0, "new": 60.0}},
        ("CHEAP", "E"): {
            "order_date": {"old": "2026-12-14", "new": "2026-12-21"},
            "arrival_date": {"old": "2027-01-04", "new": "2027-01-11"},
        },
    }


def test_a_plan_folder_without_its_open_pos_confirms_no_released_line(tmp_path):
    pos = diff_plans(*two_plans(tmp_path, open_pos=None))["purchase_orders"]
    assert pos["open_pos_recorded"] is False
    assert pos["placed"] == []
    assert keys(pos["unconfirmed"]) == [("CHEAP", "A", "2026-11-30", 100.0), ("CHEAP", "E", "2026-11-30", 40.0)]
    assert keys(pos["arrived"]) == [("FAST", "E", "2026-11-30", 8.0)]
    assert len(pos["changed"]) == 2 and len(pos["added"]) == 3  # released lines are never paired


def test_an_open_po_that_names_no_supplier_places_a_released_line(tmp_path):
    open_pos = [",A,F1,PO-7,2026-12-21,100,inbound", "CHEAP,E,F1,PO-8,2026-12-21,40,inbound"]
    pos = diff_plans(*two_plans(tmp_path, open_pos))["purchase_orders"]
    assert keys(pos["placed"]) == [("CHEAP", "A", "2026-11-30", 100.0), ("CHEAP", "E", "2026-11-30", 40.0)]
    assert pos["unconfirmed"] == []


def test_promises_moved_new_and_gone(tmp_path):
    promises = diff_plans(*two_plans(tmp_path))["promises"]
    assert promises["moved"] == [
        {
            "order_id": "O2",
            "sku": "B",
            "due_date": "2026-12-10",
            "old": {"promised_date": None, "status": "backorder"},
            "new": {"promised_date": "2026-12-21", "status": "late"},
            "days": None,
        }
    ]
    assert promises["new"] == [{"order_id": "O4", "sku": "D"}]
    assert promises["gone"] == [{"order_id": "O3", "sku": "C"}]


def test_the_text_names_every_change(tmp_path):
    text = diff_text(diff_plans(*two_plans(tmp_path)))
    assert text.splitlines()[:2] == [
        "purchase order lines: 3 added, 2 removed, 2 changed",
        "released by the old plan: 1 placed (open POs of the new plan), 1 due before the new plan starts, "
        "1 unconfirmed",
    ]
    assert "  + FAST B to F1: 30 units, order 2026-12-21, arrive 2026-12-28 (planned)" in text
    assert "  - CHEAP B to F1: 30 units, order 2026-12-14, arrive 2027-01-04 (planned)" in text
    assert (
        "  ~ CHEAP E to F1, order 2026-12-21: order_date 2026-12-14 -> 2026-12-21; "
        "arrival_date 2027-01-04 -> 2027-01-11" in text
    )
    assert "  ? CHEAP E to F1: 40 units, order 2026-11-30, arrive 2026-12-21 (release): no open PO" in text
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


def test_plans_without_open_orders_diff_their_promises(tmp_path):
    old, new, newer = tmp_path / "old", tmp_path / "new", tmp_path / "newer"
    write_plan(old, "2026-11-30", OLD_POS, OLD_ORDERS)
    write_plan(new, "2026-12-07", NEW_POS, [], NEW_OPEN_POS)
    write_plan(newer, "2026-12-14", NEW_POS, [], [])
    promises = diff_plans(old, new)["promises"]
    assert promises["moved"] == [] and promises["new"] == []
    assert [p["order_id"] for p in promises["gone"]] == ["O1", "O2", "O3"]
    assert diff_plans(new, newer)["promises"] == {"moved": [], "new": [], "gone": []}  # was a pyarrow error
