"""Text bound for a spreadsheet cell (.xlsx or CSV) is never a formula: a cell that begins with `=`, `+`, `-`, `@`,
a tab or a carriage return is read by spreadsheet programs as a formula (CSV/formula injection, OWASP), so such
text is written with a leading apostrophe, which shows the text as typed. Numbers and dates are left alone."""

from __future__ import annotations

from typing import TypeVar

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

V = TypeVar("V")


def cell_text(value: V) -> V | str:
    """`value` as a spreadsheet may safely hold it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
