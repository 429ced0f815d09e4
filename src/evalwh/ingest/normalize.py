"""Pure functions that turn one raw cell value into a typed, canonical value.

Every parser takes what a spreadsheet or CSV reader hands over (str, float, int, bool,
date/datetime or None) and either returns a typed value or raises ``ValueError`` with a
message fit for a reject reason. None of them touches I/O.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from functools import lru_cache

# Full-width ASCII (！ to ～) maps onto ASCII; the ideographic space onto a plain space.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
_FULLWIDTH[0x3002] = ord(".")  # 。 used as a decimal point in dates such as 2015。11。30
_FULLWIDTH[0xFF0E] = ord(".")

_SPACE_RE = re.compile(r"\s+")
_BLANKS = {"", "-", "—", "－", "/", "／", "无数据", "N/A", "n/a", "NA"}


class OutOfRange(ValueError):
    """A value that parsed but lies outside what the contract allows."""


def fold_width(text: str) -> str:
    """Full-width letters, digits and punctuation become their ASCII forms."""
    return text.translate(_FULLWIDTH)


def clean_text(value: object) -> str | None:
    """Strip a cell to its text; blank cells become None. Inner line breaks become one space."""
    if value is None:
        return None
    if type(value) is str:
        # Fast path (most cells): printable text holds no whitespace but the ASCII space, so
        # text without leading, trailing or doubled spaces is already clean.
        if value.isprintable() and value[:1] != " " and value[-1:] != " " and "  " not in value:
            return value or None
        text = value
    elif isinstance(value, float):
        if math.isnan(value):
            return None
        text = repr(int(value)) if value.is_integer() else repr(value)
    else:
        text = str(value)
    text = _SPACE_RE.sub(" ", text.replace("\u3000", " ")).strip()
    return text or None


def _texts_as_they_are(texts: list[str]) -> bool:
    """Whether clean_text's fast path takes every one of these strings: printable, with no
    leading, trailing or doubled spaces. Checked over the whole column at once."""
    if not "".join(texts).isprintable():
        return False
    lines = "\n".join(texts)  # printable text holds no line break: one line per text
    return (
        "  " not in lines
        and " \n" not in lines
        and "\n " not in lines
        and lines[:1] != " "
        and lines[-1:] != " "
    )


def clean_texts(texts: list[str], required: bool = False) -> list[str | None] | None:
    """[clean_text(t) for t in texts] when every text is one clean_text returns as it is (or
    as None, when empty); with `required`, only when none of them is blank (is_blank). None
    when that does not hold: then each text has to be looked at."""
    if not _texts_as_they_are(texts):
        return None
    if required:
        return list(texts) if _BLANKS.isdisjoint(texts) else None
    return [text or None for text in texts]


def identifiers(texts: list[str], required: bool = True) -> list[str | None] | None:
    """[parse_identifier(t) for t in texts] when every text is ASCII (which fold_width leaves
    as it is), non-blank and one clean_text returns as it is; else None. Without `required`,
    [fold_width(clean_text(t)) or None ...] for such texts, blank ones allowed."""
    if not "".join(texts).isascii():
        return None
    return clean_texts(texts, required=required)


def header_key(value: object) -> str:
    """The form in which header cells and labels are compared: no whitespace at all, ASCII."""
    if value is None:
        return ""
    return _header_key_text(value if type(value) is str else str(value))


@lru_cache(maxsize=65536)  # enum cells repeat a handful of terms hundreds of thousands of times
def _header_key_text(text: str) -> str:
    return _SPACE_RE.sub("", fold_width(text))


def is_blank(value: object) -> bool:
    text = clean_text(value)
    return text is None or text in _BLANKS


# ---------------------------------------------------------------------------- numbers

_MULTIPLIERS = {"万": 1e4, "亿": 1e8, "千": 1e3, "百万": 1e6}
_QUANTITY_RE = re.compile(
    r"^(?P<sign>[+-]?)(?P<num>\d+(?:\.\d+)?|\.\d+)\s*(?P<mult>百万|万|亿|千)?\s*(?P<unit>%|‰|[\u4e00-\u9fffA-Za-z/·]{1,8})?$"
)


def parse_quantity(value: object) -> tuple[float | None, str | None]:
    """A number with an optional multiplier and unit: "1,117", "１８０", "95%", "1.2万户".

    Returns (value, unit); a blank cell gives (None, None). 万/亿 multiply the value and are
    not part of the unit: "6000万元" is (60_000_000, "元"), "95%" is (95, "%").
    """
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            raise ValueError(f"not a number: {value!r}")
        return None, None
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            if math.isnan(value):
                return None, None
            raise ValueError(f"not a finite number: {value!r}")
        return float(value), None
    if isinstance(value, dt.date):
        raise ValueError(f"a date where a number was expected: {value!r}")
    return _parse_quantity_text(str(value))


@lru_cache(maxsize=65536)
def _parse_quantity_text(raw: str) -> tuple[float | None, str | None]:
    text = _SPACE_RE.sub("", fold_width(raw))
    if text in _BLANKS:
        return None, None
    text = text.replace(",", "").replace("，", "")
    match = _QUANTITY_RE.match(text)
    if not match:
        raise ValueError(f"not a number: {raw!r}")
    number = float(match["num"]) * _MULTIPLIERS.get(match["mult"] or "", 1.0)
    if not math.isfinite(number):  # 400 digits, or a 32,767-character cell of 9s, is inf
        raise ValueError(f"not a finite number: {raw[:40]!r}... ({len(raw):,} characters)")
    if match["sign"] == "-":
        number = -number
    unit = match["unit"] or None
    if unit == "％":
        unit = "%"
    return number, unit


def parse_number(value: object, allowed_units: frozenset[str] = frozenset()) -> float | None:
    """A plain number; a unit is tolerated only when it is one of ``allowed_units``."""
    number, unit = parse_quantity(value)
    if unit is not None and unit not in allowed_units:
        raise ValueError(f"not a number (unexpected unit {unit!r}): {value!r}")
    return number


def parse_count(value: object, allowed_units: frozenset[str] = frozenset()) -> int | None:
    """A non-negative whole number (a count of people, of critiques)."""
    number = parse_number(value, allowed_units)
    if number is None:
        return None
    if not number.is_integer():
        raise ValueError(f"not a whole number: {value!r}")
    if number < 0:
        raise OutOfRange(f"negative count: {value!r}")
    return int(number)


def parse_share(value: object) -> float | None:
    """A share in 0..1 from "87%", 0.87 or 87 (a bare number above 1 is read as percent)."""
    number, unit = parse_quantity(value)
    if number is None:
        return None
    if unit not in (None, "%"):
        raise ValueError(f"not a share (unexpected unit {unit!r}): {value!r}")
    share = number / 100 if unit == "%" or number > 1 else number
    if not 0 <= share <= 1:
        raise OutOfRange(f"share outside 0-100%: {value!r}")
    return round(share, 10)


# ---------------------------------------------------------------------------- dates

_DATE_RE = re.compile(
    r"^(?P<y>\d{4})\s*(?:[-/.年])\s*(?P<m>\d{1,2})\s*(?:(?:[-/.月])\s*(?P<d>\d{1,2})\s*日?|月?)$"
)
_COMPACT_DATE_RE = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
_TIME_SUFFIX_RE = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value: object) -> dt.date | None:
    """A date from an Excel date, an Excel serial number or text in any of the forms

    2015-11-30, 2015/11/30, 2015.11.30, 2015年11月30日, 20151130, or 2015年11月 / 2015-11
    (month only: the last day of that month).
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueError(f"not a date: {value!r}")
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            return None
        if not (float(value).is_integer() and 1 <= value <= 2958465):
            raise ValueError(f"not a date: {value!r}")
        if 19000101 <= value <= 21001231:  # 20151130 typed as a number
            return _parse_date_text(str(int(value)))
        return _EXCEL_EPOCH + dt.timedelta(days=int(value))
    return _parse_date_text(str(value))


@lru_cache(maxsize=65536)
def _parse_date_text(raw: str) -> dt.date | None:
    text = _SPACE_RE.sub("", fold_width(_TIME_SUFFIX_RE.sub("", raw.strip())))
    if text in _BLANKS:
        return None
    match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if not match:
        raise ValueError(f"not a date: {raw!r}")
    year, month = int(match["y"]), int(match["m"])
    if not 1 <= month <= 12:
        raise ValueError(f"not a date (month {month}): {raw!r}")
    day = int(match["d"]) if match["d"] else calendar.monthrange(year, month)[1]
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"not a date: {raw!r}") from None


_YEAR_RE = re.compile(r"^(\d{4})(?:年度?)?$")


def parse_year(value: object, earliest: int = 2000, latest: int | None = None) -> int:
    """A reporting year from 2015, "2015", "2015年" or "2015年度", within a plausible range."""
    latest = latest or dt.date.today().year + 1
    text = clean_text(value)
    match = _YEAR_RE.match(_SPACE_RE.sub("", fold_width(text))) if text else None
    if not match:
        raise ValueError(f"not a year: {value!r}")
    year = int(match[1])
    if not earliest <= year <= latest:
        raise ValueError(f"year {year} outside {earliest}-{latest}")
    return year


# ---------------------------------------------------------------------------- codes

_CODE_RE = re.compile(r"^(\d{6}|\d{9})$")


def parse_region_code(value: object) -> str:
    """A 6-digit (province/city/county) or 9-digit (township) code, as text.

    Accepts numbers (220102 or 220102.0), text, padded text and full-width digits.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"missing region code: {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"not a region code: {value!r}")
        value = int(value)
    text = _region_code_text(str(value))
    if text is None:
        raise ValueError(f"not a 6- or 9-digit region code: {value!r}")
    return text


def region_codes(texts: list[str]) -> list[str] | None:
    """[parse_region_code(t) for t in texts] when every text is 6 or 9 ASCII digits (the code
    as it is); else None."""
    joined = "".join(texts)
    if joined.isascii() and joined.isdigit() and set(map(len, texts)) <= {6, 9}:
        return list(texts)
    return None


@lru_cache(maxsize=65536)  # a region's code recurs on every sheet and every row it owns
def _region_code_text(raw: str) -> str | None:
    """The canonical code in `raw`, or None when it holds none."""
    text = _SPACE_RE.sub("", fold_width(raw))
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text if _CODE_RE.match(text) else None


def parse_identifier(value: object) -> str:
    """An id as text (numbers lose a trailing .0); blank is an error."""
    text = clean_text(value)
    if text is None:
        raise ValueError("missing id")
    return fold_width(text)


def map_enum(value: object, mapping: dict[str, str], what: str) -> str:
    """Map a source term onto its canonical code; unknown terms are an error naming the term."""
    key = header_key(value)
    if not key:
        raise ValueError(f"missing {what}")
    try:
        return mapping[key]
    except KeyError:
        raise ValueError(f"unknown {what}: {clean_text(value)!r}") from None
