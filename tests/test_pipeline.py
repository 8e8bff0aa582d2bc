"""What the pipeline tells a buyer about the PO lines it writes."""

from __future__ import annotations

import pandas as pd

from planner.pipeline import off_terms_warnings


def test_po_lines_off_the_suppliers_terms_are_counted_and_named_in_a_warning():
    lines = pd.DataFrame({"action": ["release", "planned", "planned"], "lot_sized": [False, True, False]})
    (warning,) = off_terms_warnings(lines)
    assert warning.startswith("2 purchase order lines (1 to release now) are not whole lots of at least the MOQ")
    assert off_terms_warnings(lines.assign(lot_sized=True)) == []


def test_a_plan_sized_in_time_has_every_po_line_on_terms(tiny_plan_run):
    assert tiny_plan_run.kpis["purchase_orders"]["off_terms"] == 0
    assert not any("purchase order lines" in warning for warning in tiny_plan_run.kpis["warnings"])
