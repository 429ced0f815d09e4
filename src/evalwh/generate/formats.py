"""Valid but messy cell representations: every form here is allowed by raw-formats.md and must
load. `CellFormatter.messiness` is the chance a cell takes a non-canonical form."""

from __future__ import annotations

import random
from datetime import date

from evalwh.generate.world import month_end

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def plain(value: float) -> str:
    """95.0 -> '95', 1.25 -> '1.25' (never scientific notation)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def wan(value: float) -> str | None:
    """12000 -> '1.2' (in 万) when that is exact with at most two decimals, else None."""
    if value < 10000 or round(value) != value or int(value) % 100:
        return None
    return plain(value / 10000)


def number_forms(value: float, unit: str | None, glued: bool) -> list[str | float | int]:
    """All acceptable writings of value (canonical unit) for one cell.

    glued=True: the unit must be in the cell (v1 目标). Otherwise the unit may be given
    elsewhere (v2 单位 column) and only %, 万 and 万+unit forms carry it in the cell.
    """
    p = plain(value)
    is_int = float(value).is_integer()
    u = unit or ""
    forms: list[str | float | int] = []
    if glued:
        forms.append(f"{p}{u}")
        if is_int and value >= 1000 and u != "%":
            forms.append(f"{int(value):,}{u}")
        if is_int:
            forms.append(p.translate(FULLWIDTH) + u)
        w = wan(value)
        if w and u != "%":
            forms.append(f"{w}万{u}")
        return forms
    forms.append(int(value) if is_int else float(value))
    forms.append(p)
    if is_int and value >= 1000:
        forms.append(f"{int(value):,}")
    if is_int:
        forms.append(p.translate(FULLWIDTH))
    if u == "%":
        forms.append(f"{p}%")
    w = wan(value)
    if w and u != "%":
        forms.append(f"{w}万")
        if u:
            forms.append(f"{w}万{u}")
    return forms


def date_forms(day: date) -> list[str | date]:
    forms: list[str | date] = [
        day,
        day.strftime("%Y-%m-%d"),
        day.strftime("%Y/%m/%d"),
        day.strftime("%Y.%m.%d"),
        f"{day.year}年{day.month}月{day.day}日",
    ]
    if day == month_end(day.year, day.month):
        forms.append(f"{day.year}年{day.month}月")
    return forms


class CellFormatter:
    def __init__(self, rng: random.Random, messiness: float):
        self.rng = rng
        self.messiness = messiness

    def pick(self, forms: list) -> object:
        """The canonical form (first); another one with probability `messiness`."""
        if len(forms) == 1 or self.rng.random() >= self.messiness:
            return forms[0]
        return self.rng.choice(forms[1:])

    def code(self, code: str) -> str | int:
        return self.pick([code, int(code), f" {code}", f"{code} ", f" {code} "])  # type: ignore[return-value]

    def number(
        self, value: float | None, unit: str | None, glued: bool = False
    ) -> str | float | int | None:
        if value is None:
            return None
        return self.pick(number_forms(value, unit, glued))  # type: ignore[return-value]

    def integer(self, value: int) -> int | str:
        return self.pick([value, str(value), str(value).translate(FULLWIDTH)])  # type: ignore[return-value]

    def date(self, day: date | None) -> str | date | None:
        if day is None:
            return None
        return self.pick(date_forms(day))  # type: ignore[return-value]

    def approval(self, share: float) -> str | float | int:
        percent = round(share * 100)
        return self.pick([share, percent, f"{percent}%"])  # type: ignore[return-value]

    def score(self, score: float) -> str | float:
        return self.pick([score, plain(score)])  # type: ignore[return-value]

    def region_name(self, name: str, short: str) -> str:
        return self.pick([name, short])  # type: ignore[return-value]
