"""The shortcuts taken for speed give exactly what the plain code path gives."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import given
from hypothesis import strategies as st

from evalwh.ingest import normalize as n
from evalwh.ingest import rows
from evalwh.ingest.errors import RowError
from evalwh.ingest.grid import NOTE_PREFIXES, WHITESPACE, Header, _first_cells, data_rows

_SPACE_RE = re.compile(r"\s+")


def _clean_text_slow(text: str) -> str | None:
    return _SPACE_RE.sub(" ", text.replace("\u3000", " ")).strip() or None


@given(st.text())
def test_clean_text_fast_path_equals_the_regex_path(text):
    assert n.clean_text(text) == _clean_text_slow(text)


@given(st.text(alphabet=" \t\n\u3000\xa0ab党建", max_size=12))
def test_clean_text_on_whitespace_heavy_text_equals_the_regex_path(text):
    assert n.clean_text(text) == _clean_text_slow(text)


def _outcome(value):
    try:
        return ("ok", rows._region({"region_code": value}))
    except RowError as exc:
        return ("reject", exc.reason)


@given(
    st.one_of(
        st.integers(),
        st.floats(allow_nan=False),
        st.booleans(),
        st.text(alphabet="0123456789０１２.- ", max_size=12),
        st.none(),
    )
)
def test_memoised_region_code_gives_the_same_value_or_reject_every_time(value):
    first = _outcome(value)
    assert _outcome(value) == first  # the second answer comes from the memo


def test_memo_keeps_cells_of_different_types_apart():
    # 1, 1.0 and True are equal as dict keys; as cells they convert differently.
    assert rows._memo_cell(True, "x", n.clean_text, "c", (), False) == "True"
    assert rows._memo_cell(1, "x", n.clean_text, "c", (), False) == "1"
    assert rows._memo_cell(1.0, "x", n.clean_text, "c", (), False) == "1"


def test_memoised_enum_reject_is_raised_again_with_its_reason():
    values = {"category": "不存在的类别"}
    reasons = []
    for _ in range(2):
        try:
            rows._enum(values, "category", "category")
        except RowError as exc:
            reasons.append(exc.reason)
    assert len(reasons) == 2 and reasons[0] == reasons[1]
    assert reasons[0].startswith("unknown_category: category: unknown category")


def test_blank_optional_dates_stay_blank_and_bad_ones_are_rejected():
    assert rows._date({"d": None}, "d") is None
    assert rows._date({"d": "—"}, "d") is None
    assert rows._date({"d": "2015年11月"}, "d") == dt.date(2015, 11, 30)
    for _ in range(2):
        try:
            rows._date({"d": "2015-13-01"}, "d")
        except RowError as exc:
            assert exc.code == "bad_date"
        else:
            raise AssertionError("a bad date must be rejected")


def test_data_rows_skips_blank_and_note_rows_and_reads_short_rows():
    header = Header(0, {"a": 0, "c": 2}, ("A", "B", "C"))
    grid = [
        ["A", "B", "C"],
        ["1", "", "3"],
        ["", "  ", None],
        ["4"],  # shorter than the header: missing cells are None
        ["注：以下为说明", "", ""],
        ["续行说明", "", ""],  # a one-cell row after a note is note text
        ["7", "8", "9"],  # a full row after a note is still data
    ]
    got = [(r.row_number, r.values) for r in data_rows(grid, header)]
    assert got == [
        (2, {"a": "1", "c": "3"}),
        (4, {"a": "4", "c": None}),
        (7, {"a": "7", "c": "9"}),
    ]


def _first_cells_reference(row):
    filled = [text for cell in row if (text := n.clean_text(cell)) is not None]
    return (filled[0] if filled else None), min(len(filled), 2)


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(alphabet=" \t\u3000\xa0注说明填报ab1", max_size=6),
            st.floats(),
            st.integers(),
            st.booleans(),
            st.dates(),
        ),
        max_size=6,
    )
)
def test_first_cells_agrees_with_clean_text_on_blanks_and_notes(row):
    first, count = _first_cells(row)
    ref_first, ref_count = _first_cells_reference(row)
    assert count == ref_count
    if count:
        assert first.startswith(NOTE_PREFIXES) == ref_first.startswith(NOTE_PREFIXES)


def test_the_whitespace_list_is_every_character_str_isspace_holds_for():
    assert {chr(c) for c in range(0x110000) if chr(c).isspace()} == WHITESPACE
