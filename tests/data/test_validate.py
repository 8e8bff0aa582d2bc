"""Each validation rule, shown by breaking one thing in a small valid dataset."""

from __future__ import annotations

import pandas as pd
import pytest

from planner.data.load import load_dataset
from planner.data.schema import FIRST_DATE, LAST_DATE, TABLES, Kind
from planner.data.validate import MAX_ROWS_PER_PROBLEM, summarize


def only(problems):
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def assert_problem(problem, file, line, column, *fragments):
    assert (problem.file, problem.line, problem.column) == (file, line, column), str(problem)
    for fragment in fragments:
        assert fragment in problem.message, str(problem)


def test_the_valid_dataset_has_no_problems_and_no_notes(dataset_folder):
    assert load_dataset(dataset_folder.path).notes == ()


@pytest.mark.parametrize("name", [t.name for t in TABLES if t.required])
def test_required_file_missing(dataset_folder, name):
    dataset_folder.remove(name)
    assert_problem(only(dataset_folder.problems()), f"{name}.csv", None, None, "required file is missing")


def test_required_column_missing_names_the_columns_present(dataset_folder):
    dataset_folder.replace("skus", "sku,unit_cost", "sku,cost")
    assert_problem(
        only(dataset_folder.problems()),
        "skus.csv",
        1,
        "unit_cost",
        "required column 'unit_cost' is missing",
        "sku, cost, unit_volume, description",
    )


BAD_CELLS = {
    "required cell blank": [
        ("skus", "B,5", "B,", 3, "unit_cost", "unit_cost is blank"),
        ("demand_history", "2024-01-08,A,north,6", "2024-01-08,A,north,", 4, "quantity", "quantity is blank"),
        ("open_orders", "2024-01-25,1", "2024-01-25,", 2, "priority", "priority is blank"),
    ],
    "unparsable": [
        ("skus", "A,10", "A,ten", 2, "unit_cost", "'ten' is not a number"),
        ("inventory", "FC2,B,20", 'FC2,B,"1,000"', 3, "on_hand", "'1,000' is not a number"),
        ("supplier_items", "8,14", "8,14.5", 2, "lead_time_days", "'14.5' is not a whole number"),
        ("open_orders", "2024-01-25,1", "2024-01-25,first", 2, "priority", "'first' is not a whole number"),
        ("demand_history", "2024-01-08,A", "08/01/2024,A", 4, "date", "'08/01/2024' is not a date"),
        ("inbound", "2024-02-10", "2024-02-30", 2, "eta", "YYYY-MM-DD"),
    ],
    "below minimum": [
        ("inventory", "FC1,A,50", "FC1,A,-3", 2, "on_hand", "on_hand '-3' is negative; on_hand must be >= 0 units"),
        ("demand_history", "A,north,5", "A,north,-1", 2, "quantity", "quantity '-1' is negative"),
        ("skus", "B,5,", "B,5,-0.1", 3, "unit_volume", "unit_volume '-0.1' is negative"),
        ("open_orders", "2024-01-28,2", "2024-01-28,0", 3, "priority", "priority '0' is below 1"),
    ],
    "lot size not positive": [
        ("supplier_items", "100,10", "100,0", 2, "lot_size", "lot_size '0' must be > 0"),
    ],
}


@pytest.mark.parametrize(
    "name, old, new, line, column, says",
    [pytest.param(*case, id=f"{rule}-{case[0]}-{case[4]}") for rule, cases in BAD_CELLS.items() for case in cases],
)
def test_bad_cell(dataset_folder, name, old, new, line, column, says):
    dataset_folder.replace(name, old, new)
    assert_problem(only(dataset_folder.problems()), f"{name}.csv", line, column, says)


@pytest.mark.parametrize(
    "name, extra, line, column",
    [
        ("skus", "A,3,,again\n", 4, "sku"),
        ("inventory", " FC1 , A ,7\n", 4, "fc, sku"),
        ("demand_history", "2024-1-1,A,north,9\n", 10, "date, sku, region"),
        ("open_orders", "O1,A,north,1,2024-01-20,2024-01-25,3\n", 4, "order_id, sku"),
    ],
)
def test_duplicate_key_names_both_lines(dataset_folder, name, extra, line, column):
    dataset_folder.append(name, extra)
    assert_problem(only(dataset_folder.problems()), f"{name}.csv", line, column, "duplicate", "line 2")


@pytest.mark.parametrize(
    "name, old, new",
    [
        ("inventory", "FC1,A,50", "FC1,Z,50"),
        ("supplier_items", "S1,A,FC1", "S1,Z,FC1"),
        ("inbound", "FC1,A,100", "FC1,Z,100"),
        ("demand_history", "2024-01-01,A,north", "2024-01-01,Z,north"),
        ("open_orders", "O1,A,north", "O1,Z,north"),
    ],
)
def test_unknown_sku(dataset_folder, name, old, new):
    dataset_folder.replace(name, old, new)
    assert_problem(only(dataset_folder.problems()), f"{name}.csv", 2, "sku", "sku 'Z' is not in skus.csv")


@pytest.mark.parametrize(
    "name, old, new, column",
    [
        ("inventory", "FC1,A,50", "FC9,A,50", "fc"),
        ("inbound", "FC1,A,100", "FC9,A,100", "fc"),
        ("shipping_lanes", "FC1,south", "FC9,south", "fc"),
        ("transfer_lanes", "FC1,FC2", "FC9,FC2", "from_fc"),
        ("transfer_lanes", "FC1,FC2", "FC1,FC9", "to_fc"),
        ("supplier_items", "S1,A,FC1", "S1,A,FC9", "fc"),
    ],
)
def test_unknown_fc(dataset_folder, name, old, new, column):
    dataset_folder.replace(name, old, new)
    assert_problem(
        only(dataset_folder.problems()), f"{name}.csv", 2, column, "fc 'FC9' is not in fulfillment_centers.csv"
    )


@pytest.mark.parametrize(
    "name, old, new",
    [
        ("demand_history", "2024-01-01,A,north", "2024-01-01,A,west"),
        ("open_orders", "O1,A,north", "O1,A,west"),
    ],
)
def test_region_no_fc_serves(dataset_folder, name, old, new):
    dataset_folder.replace(name, old, new)
    assert_problem(only(dataset_folder.problems()), f"{name}.csv", 2, "region", "region 'west' is served by no FC")


def test_region_served_only_by_a_shipping_lane_is_fine(dataset_folder):
    dataset_folder.replace("fulfillment_centers", "FC2,south", "FC2,east")
    assert load_dataset(dataset_folder.path).fulfillment_centers["region"].tolist() == ["north", "east"]


def test_shipping_lanes_absent_means_each_fc_serves_its_own_region(dataset_folder):
    dataset_folder.remove("shipping_lanes")
    dataset_folder.replace("fulfillment_centers", "FC2,south", "FC2,east")
    problems = dataset_folder.problems()
    assert {(p.file, p.column) for p in problems} == {("demand_history.csv", "region"), ("open_orders.csv", "region")}


def test_transfer_lane_to_itself(dataset_folder):
    dataset_folder.replace("transfer_lanes", "FC1,FC2", "FC1,FC1")
    assert_problem(only(dataset_folder.problems()), "transfer_lanes.csv", 2, "to_fc", "to itself")


def test_due_date_before_order_date(dataset_folder):
    dataset_folder.replace("open_orders", "2024-01-20,2024-01-25", "2024-01-20,2024-01-10")
    assert_problem(
        only(dataset_folder.problems()),
        "open_orders.csv",
        2,
        "due_date",
        "due_date 2024-01-10 is before order_date 2024-01-20",
    )


def test_demand_history_without_rows(dataset_folder):
    dataset_folder.write("demand_history", "date,sku,region,quantity\n")
    assert_problem(only(dataset_folder.problems()), "demand_history.csv", None, None, "has no rows")


def test_a_bad_cell_is_reported_once(dataset_folder):
    dataset_folder.replace("inventory", "FC1,A,50", "FC1,,50")
    dataset_folder.replace("demand_history", "2024-01-01,A,north,5", "2024-01-01,A,west,lots")
    problems = dataset_folder.problems()
    assert [(p.file, p.line, p.column) for p in problems] == [
        ("inventory.csv", 2, "sku"),
        ("demand_history.csv", 2, "quantity"),
    ]


def test_all_problems_of_a_run_are_reported_together(dataset_folder):
    dataset_folder.remove("inventory")
    dataset_folder.replace("skus", "A,10", "A,-10")
    dataset_folder.replace("open_orders", "O2,B", "O2,Q")
    problems = dataset_folder.problems()
    assert {p.file for p in problems} == {"inventory.csv", "skus.csv", "open_orders.csv"}


def test_repeated_problems_are_capped_per_column(dataset_folder):
    rows = "".join(f"2023-06-{day:02d},A,north,-1\n" for day in range(1, 31))
    dataset_folder.write("demand_history", "date,sku,region,quantity\n" + rows * 2)
    problems = [p for p in dataset_folder.problems() if p.column == "quantity"]
    assert len(problems) == MAX_ROWS_PER_PROBLEM + 1
    assert problems[-1].message == f"... and {60 - MAX_ROWS_PER_PROBLEM} more rows with the same problem"
    assert [p.line for p in problems[:3]] == [2, 3, 4]


def test_notes_do_not_stop_loading(dataset_folder):
    dataset_folder.replace("skus", "B,5,,Gadget", "B,5,,Gadget\nC,1,,New")
    dataset_folder.replace("inbound", "2024-02-10", "2024-01-05")
    notes = load_dataset(dataset_folder.path).notes
    assert len(notes) == 3
    assert "no supplier_items row" in notes[0] and notes[0].endswith(": C")
    assert "no demand_history rows" in notes[1] and notes[1].endswith(": C")
    assert "A to FC1 (PO PO1)" in notes[2] and "2024-01-22" in notes[2]


def test_summarize_counts_a_valid_dataset(dataset_folder):
    assert summarize(load_dataset(dataset_folder.path)) == {
        "skus": 2,
        "fcs": 2,
        "regions": 2,
        "suppliers": 2,
        "supplier_items": 2,
        "open_order_lines": 2,
        "open_order_units": 3.0,
        "inbound_pos": 1,
        "history_first": "2024-01-01",
        "history_last": "2024-01-22",
        "history_rows": 8,
        "notes": 0,
    }


# ---------------------------------------------------------------- data safety: values, names, headers, dates

PAST_MAXIMUM = [
    ("supplier_items", "S1,A,FC1,8,14", "S1,A,FC1,8,100000", 2, "lead_time_days", "'100000' is above 730 days"),
    ("inventory", "FC1,A,50", "FC1,A,1e308", 2, "on_hand", "'1e308' is above 1,000,000,000 units"),
    ("demand_history", "A,north,5", "A,north,1e308", 2, "quantity", "'1e308' is above 1,000,000,000 units"),
    ("supplier_items", "S1,A,FC1,8", "S1,A,FC1,1e308", 2, "unit_price", "'1e308' is above 1,000,000,000"),
    ("transfer_lanes", "FC1,FC2,2", "FC1,FC2,999", 2, "lead_time_days", "'999' is above 730 days"),
    ("open_orders", "2024-01-25,1", "2024-01-25,1e20", 2, "priority", "'1e20' is above 9,999"),
    ("skus", "A,10,0.01", "A,10,5000", 2, "unit_volume", "'5000' is above 1,000 m3/unit"),
]


@pytest.mark.parametrize("name, old, new, line, column, says", PAST_MAXIMUM, ids=[c[4] for c in PAST_MAXIMUM])
def test_a_value_past_its_sane_maximum_names_the_cell(dataset_folder, name, old, new, line, column, says):
    dataset_folder.replace(name, old, new)
    assert_problem(only(dataset_folder.problems()), f"{name}.csv", line, column, says, "check the value")


def test_every_number_column_has_a_documented_maximum():
    for table in TABLES:
        for column in table.columns:
            if column.kind in (Kind.NUMBER, Kind.INT):
                assert column.maximum is not None and column.maximum > (column.minimum or 0), (table.name, column.name)


def test_values_at_the_maximum_load(dataset_folder):
    dataset_folder.replace("inventory", "FC1,A,50", "FC1,A,1000000000")
    dataset_folder.replace("supplier_items", "S1,A,FC1,8,14", "S1,A,FC1,8,730")
    assert load_dataset(dataset_folder.path).inventory["on_hand"].max() == 1e9


def test_a_number_too_large_for_a_float_says_so(dataset_folder):
    dataset_folder.replace("inventory", "FC1,A,50", "FC1,A,1e400")
    assert_problem(only(dataset_folder.problems()), "inventory.csv", 2, "on_hand", "'1e400' is too large")


@pytest.mark.parametrize("day", ["9999-12-31", "2262-04-01", "2262-06-01", "1677-01-01", "1899-12-31"])
def test_a_well_formed_date_out_of_range_says_the_supported_range(dataset_folder, day):
    dataset_folder.replace("inbound", "2024-02-10", day)
    problem = only(dataset_folder.problems())
    assert_problem(problem, "inbound.csv", 2, "eta", f"'{day}' is outside the dates the planner supports")
    assert f"{FIRST_DATE} to {LAST_DATE}" in problem.message and "YYYY-MM-DD" not in problem.message


def test_a_date_that_is_not_a_calendar_day_still_asks_for_the_form(dataset_folder):
    dataset_folder.replace("inbound", "2024-02-10", "2024-02-30")
    assert_problem(only(dataset_folder.problems()), "inbound.csv", 2, "eta", "write dates as YYYY-MM-DD")


def test_a_column_named_twice_names_the_file_and_column(dataset_folder):
    dataset_folder.write("inventory", "fc,sku,on_hand,on_hand\nFC1,A,0,999\nFC2,B,20,20\n")
    assert_problem(
        only(dataset_folder.problems()),
        "inventory.csv",
        1,
        "on_hand",
        "column 'on_hand' is in the header 2 times (columns 3 and 4)",
    )


def test_a_column_named_twice_once_with_spaces_is_named_twice(dataset_folder):
    dataset_folder.write("inventory", "fc,sku,on_hand, on_hand\nFC1,A,0,999\nFC2,B,20,20\n")
    assert_problem(only(dataset_folder.problems()), "inventory.csv", 1, "on_hand", "2 times")


def test_an_extra_column_named_twice_is_ignored_like_any_extra_column(dataset_folder):
    dataset_folder.write("inventory", "fc,sku,on_hand,note,note\nFC1,A,50,a,b\nFC2,B,20,,\n")
    assert load_dataset(dataset_folder.path).inventory["on_hand"].tolist() == [50.0, 20.0]


@pytest.mark.parametrize(
    "name, old, new, column",
    [
        ("skus", "B,5", "B\x07x,5", "sku"),
        ("fulfillment_centers", "FC2,south", "FC2,so\x00uth", "region"),
        ("supplier_items", "S2,B", "S\x1b2,B", "supplier"),
        ("inbound", "S1,PO1", "S1,PO\x7f1", "po_id"),
        ("open_orders", "O2,B", "O\t2,B", "order_id"),
    ],
)
def test_a_name_with_a_control_character_is_refused(dataset_folder, name, old, new, column):
    dataset_folder.replace(name, old, new)
    problems = [p for p in dataset_folder.problems() if "control character" in p.message]
    (problem,) = problems
    assert (problem.file, problem.column) == (f"{name}.csv", column)
    assert "retype the value" in problem.message and "U+00" in problem.message


def test_a_description_may_hold_a_line_break(dataset_folder):
    dataset_folder.replace("skus", "A,10,0.01,Widget", 'A,10,0.01,"Widget\nblue"')
    assert load_dataset(dataset_folder.path).skus["description"].iloc[0] == "Widget\nblue"


def test_names_with_any_printable_text_load_intact(dataset_folder):
    for name in ("skus", "inventory", "supplier_items", "inbound", "demand_history", "open_orders"):
        text = dataset_folder.file(name).read_text(encoding="utf-8")
        dataset_folder.write(name, text.replace("A,", '"A$\\frac{x$ <b>&amp; =1+2 ü 漢",'))
    skus = load_dataset(dataset_folder.path).skus["sku"].tolist()
    assert skus == ["A$\\frac{x$ <b>&amp; =1+2 ü 漢", "B"]


# ---------------------------------------------------------------- a stray history date far after the rest


def test_one_history_row_far_after_the_rest_is_refused(dataset_folder):
    dataset_folder.append("demand_history", "2030-01-01,A,north,5\n")
    problem = only(dataset_folder.problems())
    assert_problem(problem, "demand_history.csv", 10, "date", "date 2030-01-01 is 2171 days after the rest")
    for says in ("ends 2024-01-22", "inbound date (2024-02-10)", "would start on 2030-01-02", "every open order late"):
        assert says in problem.message


def test_every_stray_row_is_named(dataset_folder):
    dataset_folder.append("demand_history", "2030-01-01,A,north,5\n2030-01-01,B,south,4\n2031-05-05,A,north,1\n")
    assert [(p.line, p.column) for p in dataset_folder.problems()] == [(10, "date"), (11, "date"), (12, "date")]


def test_a_stray_row_is_refused_without_open_orders_or_inbound(dataset_folder):
    dataset_folder.remove("open_orders")
    dataset_folder.remove("inbound")
    dataset_folder.append("demand_history", "2024-06-30,A,north,5\n")
    problem = only(dataset_folder.problems())
    assert problem.line == 10 and "inbound" not in problem.message and "late" not in problem.message


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param("2024-02-12,A,north,5\n", id="the next weeks after a short hole"),
        pytest.param("2024-01-29,A,north,5\n2024-12-30,A,north,5\n", id="the hole is before an open order"),
    ],
)
def test_history_that_goes_on_normally_is_not_stray(dataset_folder, rows):
    dataset_folder.replace("open_orders", "2024-01-28,2", "2025-01-05,2")
    dataset_folder.append("demand_history", rows)
    load_dataset(dataset_folder.path)


def test_history_resuming_after_a_gap_for_longer_than_the_gap_is_not_stray(dataset_folder):
    weeks = pd.date_range("2024-04-01", periods=12, freq="7D")  # a 70-day hole, then 77 days of history
    dataset_folder.append("demand_history", "".join(f"{d.date()},A,north,5\n" for d in weeks))
    dataset_folder.remove("open_orders")
    dataset_folder.remove("inbound")
    assert str(load_dataset(dataset_folder.path).last_history_date.date()) == "2024-06-17"


# ---------------------------------------------------------------- a repeated open PO line counted once


def test_a_repeated_inbound_line_is_counted_once_with_a_note(dataset_folder):
    dataset_folder.append("inbound", "FC1,A,100,2024-02-10,S1,PO1\nFC1,A,100.0,2024-02-10,S1,PO1\n")
    loaded = load_dataset(dataset_folder.path)
    assert loaded.inbound["quantity"].tolist() == [100.0]
    (note,) = loaded.notes
    assert note.startswith("inbound.csv: 2 lines repeat an earlier line") and "counted once" in note
    assert "line 3 (= line 2: PO PO1, 100 of A to FC1 on 2024-02-10)" in note and "line 4 (= line 2" in note


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param("FC1,A,100,2024-02-10,S1,\nFC1,A,100,2024-02-10,S1,\n", id="no po_id: maybe two POs"),
        pytest.param("FC1,A,100,2024-02-17,S1,PO1\n", id="another eta: a split delivery"),
        pytest.param("FC1,A,60,2024-02-10,S1,PO1\n", id="another quantity"),
    ],
)
def test_inbound_lines_that_may_be_different_pos_are_all_kept(dataset_folder, rows):
    dataset_folder.append("inbound", rows)
    loaded = load_dataset(dataset_folder.path)
    assert len(loaded.inbound) == 1 + rows.count("\n") and loaded.notes == ()


# ---------------------------------------------------------------- service targets and lead-time spread (issue 23)

SKUS_WITH_LEVELS = "sku,unit_cost,unit_volume,description,service_level\nA,10,0.01,Widget,{}\nB,5,,Gadget,\n"
SUPPLIERS_WITH_SPREAD = "supplier,sku,fc,unit_price,lead_time_days,lead_time_std_days\nS1,A,FC1,8,14,{}\nS2,B,*,4,21,\n"


@pytest.mark.parametrize(
    "name, template, column, value, says",
    [
        ("skus", SKUS_WITH_LEVELS, "service_level", "0.3", "'0.3' is below 0.5; service_level must be >= 0.5"),
        ("skus", SKUS_WITH_LEVELS, "service_level", "1", "service_level '1' must be below 1"),
        ("skus", SKUS_WITH_LEVELS, "service_level", "95", "service_level '95' is above 1, the most the planner"),
        ("skus", SKUS_WITH_LEVELS, "service_level", "high", "service_level 'high' is not a number"),
        (
            "supplier_items",
            SUPPLIERS_WITH_SPREAD,
            "lead_time_std_days",
            "-2",
            "'-2' is negative; lead_time_std_days must be >= 0 days",
        ),
        ("supplier_items", SUPPLIERS_WITH_SPREAD, "lead_time_std_days", "1000", "'1000' is above 730 days"),
        ("supplier_items", SUPPLIERS_WITH_SPREAD, "lead_time_std_days", "late", "'late' is not a number"),
    ],
    ids=lambda value: value if isinstance(value, str) and "\n" not in value else "",
)
def test_a_bad_service_level_or_lead_time_spread_names_the_cell(dataset_folder, name, template, column, value, says):
    dataset_folder.write(name, template.format(value))
    assert_problem(only(dataset_folder.problems()), f"{name}.csv", 2, column, says)


def test_a_blank_service_level_is_the_models_and_a_blank_lead_time_spread_is_zero(dataset_folder):
    dataset_folder.write("skus", SKUS_WITH_LEVELS.format("0.99"))
    dataset_folder.write("supplier_items", SUPPLIERS_WITH_SPREAD.format("3.5"))
    dataset = load_dataset(dataset_folder.path)
    levels = dataset.skus.set_index("sku")["service_level"]
    assert levels["A"] == 0.99 and pd.isna(levels["B"])
    assert dataset.supplier_items.set_index("sku")["lead_time_std_days"].to_dict() == {"A": 3.5, "B": 0.0}
