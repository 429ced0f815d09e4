"""Every messy form the generator writes reads back, by the rules of raw-formats.md, as the
value it stands for."""

from __future__ import annotations

import re
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from evalwh.generate.formats import date_forms, number_forms
from evalwh.generate.world import month_end

FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
UNITS = ("%", "天", "人", "人次", "次", "户", "件", "个", "元")


def read_number(cell: object) -> tuple[float, str | None]:
    """Reference reading of raw-formats.md: '1,117', '１８０', '95%', '1.2万户', '6000万元'."""
    if isinstance(cell, int | float):
        return float(cell), None
    text = str(cell).strip().translate(FULLWIDTH).replace(",", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(万)?(.*)", text)
    assert m, cell
    value = float(m.group(1)) * (10000 if m.group(2) else 1)
    unit = m.group(3) or None
    assert unit is None or unit in UNITS, cell
    return value, unit


def read_date(cell: object) -> date:
    if isinstance(cell, date):
        return cell
    m = re.fullmatch(r"(\d{4})[-/.](\d{2})[-/.](\d{2})", cell) or re.fullmatch(
        r"(\d{4})年(\d{1,2})月(\d{1,2})日", cell
    )
    if m:
        return date(*map(int, m.groups()))
    m = re.fullmatch(r"(\d{4})年(\d{1,2})月", cell)
    assert m, cell
    return month_end(int(m.group(1)), int(m.group(2)))


@given(
    st.one_of(
        st.integers(min_value=0, max_value=60_000_000).map(float),
        st.integers(min_value=0, max_value=100_000).map(lambda n: n / 100),
    ),
    st.sampled_from(UNITS),
    st.booleans(),
)
def test_every_number_form_reads_back_as_its_value(value, unit, glued):
    for form in number_forms(value, unit, glued):
        got, got_unit = read_number(form)
        assert abs(got - value) < 1e-6, (form, value)
        assert got_unit in (None, unit), (form, unit)
        if glued:
            assert got_unit == unit or (unit == "%" and got_unit == "%"), form


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)))
def test_every_date_form_reads_back_as_its_date(day):
    forms = date_forms(day)
    assert len(forms) == (6 if day == month_end(day.year, day.month) else 5)
    for form in forms:
        assert read_date(form) == day, form
