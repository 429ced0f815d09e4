"""Formula-injection neutralisation for everything we hand to a spreadsheet program.

A cell whose text starts with = + - @ (or a tab / carriage return that Excel strips before
looking) is run as a formula when a CSV or .xlsx is opened in Excel or LibreOffice. Region
names and free-text findings come from the outside world, so every exported text cell goes
through `neutralise`: such text gets a leading apostrophe, which spreadsheet programs show as
plain text (OWASP "CSV injection" guidance). Numbers are never touched, so -4.2 stays a number.
"""

from __future__ import annotations

from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_dangerous(text: str) -> bool:
    """True when a spreadsheet program would read this text as the start of a formula."""
    return text.startswith(FORMULA_TRIGGERS)


def neutralise(value: Any) -> Any:
    """The value to write into an exported cell: dangerous text prefixed with an apostrophe."""
    if isinstance(value, str) and is_dangerous(value):
        return "'" + value
    return value


def neutralise_sql(column_sql: str) -> str:
    """The same rule as a DuckDB SQL expression over a VARCHAR column (for bulk CSV export)."""
    return (
        f"case when left({column_sql}, 1) in ('=', '+', '-', '@', chr(9), chr(13)) "
        f"then '''' || {column_sql} else {column_sql} end"
    )
