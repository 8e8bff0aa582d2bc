"""Text that a spreadsheet would run as a formula, kept as plain text (CSV injection, OWASP).

Names come from the input (suppliers, skus, order ids); a cell like `=HYPERLINK(...)` typed by
anyone upstream must reach a buyer's spreadsheet as the text it is, never as a formula.
"""

from __future__ import annotations

import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_TEXT_MARK = "'"


def looks_like_formula(text: str) -> bool:
    """A spreadsheet opening this text as a cell would read it as a formula."""
    return text.startswith(FORMULA_TRIGGERS)


def csv_safe_text(values: pd.Series) -> pd.Series:
    """Prefix formula-looking text with a single quote, as OWASP advises for CSV files.

    Only str cells change: numbers (a negative quantity) stay numbers.
    """

    def guard(value):
        return CSV_TEXT_MARK + value if isinstance(value, str) and looks_like_formula(value) else value

    return values.map(guard, na_action="ignore")


def is_text_column(values: pd.Series) -> bool:
    """Object or string columns: where names and free text live."""
    return pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)


def plain_text(values: pd.Series) -> pd.Series:
    """Undo csv_safe_text when reading a written CSV back: the quote is the guard's, not data."""

    def unguard(value):
        guarded = isinstance(value, str) and value.startswith(CSV_TEXT_MARK) and looks_like_formula(value[1:])
        return value[1:] if guarded else value

    return values.map(unguard, na_action="ignore")
