"""Which text a spreadsheet would run as a formula, and how CSV text is guarded."""

import pandas as pd
import pytest

from planner.data.formula_guard import csv_safe_text, is_text_column, looks_like_formula, plain_text


@pytest.mark.parametrize("text", ["=SUM(A1)", "+1", "-1", "@x", "\tx", "\rx"])
def test_formula_triggers(text):
    assert looks_like_formula(text)


@pytest.mark.parametrize("text", ["", "SKU=1", " =x", "'=x", "1-2"])
def test_plain_text(text):
    assert not looks_like_formula(text)


def test_csv_safe_text_changes_only_formula_looking_strings():
    values = pd.Series(["=x", "ok", None, 3], dtype=object)
    assert csv_safe_text(values).tolist() == ["'=x", "ok", None, 3]


def test_text_columns():
    assert is_text_column(pd.Series(["a"])) and is_text_column(pd.Series(["a"], dtype=object))
    assert not is_text_column(pd.Series([1.0])) and not is_text_column(pd.Series([True]))


def test_plain_text_undoes_the_csv_guard_only():
    values = pd.Series(["=x", "-1", "'quoted", "ok"], dtype=object)
    assert plain_text(csv_safe_text(values)).tolist() == values.tolist()
    assert plain_text(pd.Series([None, 2.5], dtype=object)).tolist()[1] == 2.5
