"""The column path (convert.sheet_columns / export_columns) gives exactly what the row converters
give (convert.sheet_records / export_records): the same records, with the same Python types and
the same Arrow types, and the same rejects in the same order, on grids as messy as the readers
hand over."""

from __future__ import annotations

import datetime as dt
import math

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalwh import config
from evalwh.ingest import normalize as n
from evalwh.ingest import rows
from evalwh.ingest.convert import (
    FAILED,
    _outcome,
    arrow,
    column_outcomes,
    export_columns,
    export_records,
    sheet_columns,
    sheet_records,
)
from evalwh.ingest.errors import QuarantineError
from evalwh.ingest.grid import NOTE_PREFIXES, Header, data_row_indices, data_rows, find_header
from evalwh.ingest.inspections import parse_export
from evalwh.ingest.rows import COLUMN_RULES, Context
from evalwh.ingest.vocabulary import enums, inspection_columns, sheet_specs
from evalwh.ingest.workbook import parse_workbook
from tests.ingest.builders import cover, report_tables, write_workbook

# ---------------------------------------------------------------------------- messy cells
# Per kind of field: cells that convert (in the forms the files write them) and cells that do
# not. Most cells convert, so that rows load and the checks across rows get their turn.

CODES = ["220000", "220100", "220102", "220102001", "440100"]
_TO_FULLWIDTH = {code - 0xFEE0: code for code in range(0xFF01, 0xFF5F)}
codes = st.sampled_from(CODES)
good_regions = st.one_of(
    codes,
    codes.map(lambda c: f" {c} "),
    codes.map(lambda c: c.translate(_TO_FULLWIDTH)),
    codes.map(int),
    codes.map(float),
    codes.map(lambda c: c + ".0"),
)
bad_regions = st.sampled_from(
    ["12345", "22010A", "220100.5", "", "-", "  ", None, 220100.5, True, float("nan"), -0.0, 0.0]
)
good_dates = st.one_of(
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 12, 31)),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2040, 12, 31)),
    st.sampled_from(["2015-11-30", "2015/11/30", "2015.11.30", "2015年11月30日", "20151130",
                     "2015年11月", "2015-11", "２０１５－１１－３０", "2015-11-30 10:00", "",
                     "-", "—", " ", "2015。11。30", 20151130, 42000.0, 42000, None]),
)  # fmt: skip
bad_dates = st.sampled_from(["2015-13-01", "2015-02-30", "next year", 0.0, -0.0, 1.5, 3000000,
                             True, float("nan"), dt.time(10, 0), dt.timedelta(days=3)])  # fmt: skip
good_ids = st.sampled_from(["C1", "C2", "C3", "C4", "C5", "C6", "P2024-220100-01", "Ｃ1",
                            " C2 ", "C 3", "c1", 1, 1.0, 2, True])  # fmt: skip
bad_ids = st.sampled_from(["", "-", "N/A", "  ", "\u3000", None, float("nan")])
good_seqs = st.sampled_from([1, 2, 3, 1.0, 2.0, "01", "1", "１", " 2 ", "3个", 0, 0.0, -0.0])
bad_seqs = st.sampled_from([True, 1.5, -1, "", "-", None, "二"])
GOOD_NUMBERS = {
    "target": ["95%", "1.2万户", "6000万元", "１８０", "180天", "1,117", "-5", "-0", "", "-",
               "无数据", " 12 ", 0.0, -0.0, 1, 2.5, None, float("nan")],
    "outcome": ["95%", "441万", "5052户", "0", 17.0, -0.0, 0, "", None],
    "score": [0.0, -0.0, 87.5, 100, "87分", "60", "", None, float("nan")],
    "approval_rate": [0.87, "87%", 87, 0, -0.0, "0.5", "", None],
    "critique_count": [0, 0.0, -0.0, 2, 2.0, "3人", "2条", "", None, "１"],
    "persons_held_accountable": [0, 0.0, -0.0, 2, "3人", "", None],
}  # fmt: skip
bad_numbers = st.one_of(
    st.sampled_from(["abc", "9" * 400, "120%", "101", "-1", "1e3", "2.5人", True, float("inf"),
                     -1, 101.0, 0.5, 1.5, "87%分"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
)  # fmt: skip
texts = st.one_of(
    st.text(alphabet=" \t\n\u3000\xa0ab党建，。１Ａ-—", max_size=8),
    st.sampled_from(["完善制度机制", " 前后空格 ", "两个  空格", "", "-", "天", "%", "元", "注意"]),
    st.sampled_from([1, 1.0, 2.5, True, None, float("nan"), dt.date(2015, 1, 1)]),
)
any_cell = st.one_of(
    st.none(),
    st.text(max_size=6),
    st.floats(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(),
)


def _enum_cells(enum: str) -> tuple[st.SearchStrategy, st.SearchStrategy]:
    terms = st.sampled_from(sorted(enums()[enum]))
    good = st.one_of(terms, terms.map(lambda t: f" {t[:1]} {t[1:]} "))
    return good, st.sampled_from(["不存在的词", "", "-", None, 1, True])


ENUM_OF_FIELD = {
    "level": "level",
    "category": "category",
    "source": "problem_source",
    "outcome_status": "outcome_status",
    "rectification_status": "rectification_status",
    "rating": "rating",
    "inspection_type": "inspection_type",
    "severity": "severity",
    "status": "rectification_status",
    "accountability_action": "accountability_action",
}
IDS = {"commitment_id", "problem_id", "finding_id", "official_name"}


def field_cells(field: str | None) -> st.SearchStrategy:
    """Cells for a field: 19 in 20 of a kind that converts."""
    if field in ENUM_OF_FIELD:
        good, bad = _enum_cells(ENUM_OF_FIELD[field])
    elif field in ("region_code", "parent_code"):
        good, bad = good_regions, bad_regions
    elif field and field.endswith(("_date", "deadline")):
        good, bad = good_dates, bad_dates
    elif field in IDS:
        good, bad = good_ids, bad_ids
    elif field in ("seq", "prev_seq"):
        good, bad = good_seqs, bad_seqs
    elif field in GOOD_NUMBERS:
        good, bad = st.sampled_from(GOOD_NUMBERS[field]), bad_numbers
    else:
        good, bad = texts, any_cell
    # (one_of would give each branch the same weight, however often it is listed)
    return st.tuples(st.integers(0, 39), good, bad, any_cell).map(
        lambda t: t[1] if t[0] < 38 else t[2] if t[0] == 38 else t[3]
    )


# ---------------------------------------------------------------------------- messy grids

note_rows = st.sampled_from(
    [
        ["注：以下为填报说明"],
        ["说明", "", ""],
        [" 注 1. 代码为6位或9位"],
        ["填报说明：", None],
        ["注"],
    ]
)
blank_rows = st.sampled_from([[], [""], ["", None, "  "], [None, "\u3000"], [float("nan"), ""]])
one_cell_rows = st.sampled_from([["续行说明"], ["", "续行"], [220100.0], ["x", ""]])


@st.composite
def grids(draw, columns, titles: bool = True):
    """A header row for `columns` (first aliases, shuffled, optional ones maybe left out, an
    unknown column maybe added), title rows above it, and rows of every kind below it."""
    wanted = [c for c in columns if c.required or draw(st.booleans())]
    labels = [(c.aliases[0], c.field) for c in wanted]
    if draw(st.booleans()):
        labels.append(("备注", None))
    labels = draw(st.permutations(labels))
    width = len(labels)
    data_row = st.tuples(*[field_cells(f) for _, f in labels]).map(list)
    ragged = st.tuples(data_row, st.integers(min_value=-width, max_value=2)).map(
        lambda pair: pair[0][: width + pair[1]] if pair[1] < 0 else pair[0] + [None] * pair[1]
    )
    body = draw(
        st.lists(
            st.sampled_from(
                [data_row] * 6 + [ragged, note_rows, blank_rows, one_cell_rows]
            ).flatmap(lambda kind: kind),
            max_size=14,
        )
    )
    above = [["2016年度述职评议汇总"], [], ["单位：个"]]
    above = draw(st.lists(st.sampled_from(above), max_size=2)) if titles else []
    return [*above, [label for label, _ in labels], *body]


def _typed(value):
    """A value with its type, so that 1, 1.0 and True, or 0.0 and -0.0, or NaN, compare apart."""
    return type(value).__name__, repr(value)


def _typed_records(records: list[dict]) -> list[list]:
    return [[(key, _typed(value)) for key, value in record.items()] for record in records]


def _same_result(columns, rejects, records, ref_rejects) -> None:
    assert rejects == ref_rejects
    if not records:
        assert not columns.get("row_number")
        return
    assert list(columns) == list(records[0])  # the columns in the converter's key order
    reference = {key: [r[key] for r in records] for key in records[0]}  # what load.columnar built
    try:
        expected = pa.table(reference)
    except (pa.ArrowException, OverflowError) as exc:  # a count too large for int64
        with pytest.raises(type(exc)):
            arrow(columns)
        return
    table = arrow(columns)
    assert table.schema == expected.schema
    assert _typed_records(table.to_pylist()) == _typed_records(expected.to_pylist())
    assert _typed_records([dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]) == _typed_records(records)  # fmt: skip


roster_sets = st.one_of(st.none(), st.frozensets(st.sampled_from(CODES)))
sheets = [(spec, version) for spec in sheet_specs() for version in ("v1", "v2")]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(), sheet=st.sampled_from(sheets), roster=roster_sets, year=st.integers(2001, 2030)
)
def test_column_conversion_equals_the_row_converters(data, sheet, roster, year):
    spec, version = sheet
    grid = data.draw(grids(spec.for_version(version)))
    try:
        header = find_header(grid, spec.for_version(version), "sheet")
    except QuarantineError:
        return
    ctx = Context(year, version)
    args = (header, spec.table, ctx, "f.xlsx", spec.sheet, roster)
    rows._MEMO.clear()
    records, ref_rejects = sheet_records([list(r) for r in grid], *args)
    rows._MEMO.clear()
    columns, rejects = sheet_columns([list(r) for r in grid], *args)
    _same_result(columns, rejects, records, ref_rejects)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), known=roster_sets, as_text=st.booleans())
def test_export_column_conversion_equals_the_row_converter(data, known, as_text):
    grid = data.draw(grids(inspection_columns(), titles=False))
    if as_text:  # what the CSV reader hands over
        grid = [["" if c is None else str(c) for c in row] for row in grid]
    try:
        header = find_header(grid[:1], inspection_columns(), "f.csv")
    except QuarantineError:
        return
    rows._MEMO.clear()
    records, ref_rejects = export_records(grid, header, "f.csv", known)
    rows._MEMO.clear()
    columns, rejects = export_columns(grid, header, "f.csv", known)
    _same_result(columns, rejects, records, ref_rejects)


# ---------------------------------------------------------------------------- the pieces

ALL_CELLS = [
    (table, name, cell)
    for table, rules in COLUMN_RULES.items()
    for version in ("v1", "v2")
    for name, cell in rules.cells(Context(2016, version)).items()
]


@settings(max_examples=400, deadline=None)
@given(data=st.data(), which=st.sampled_from(ALL_CELLS))
def test_a_column_of_cells_gets_each_cells_own_outcome(data, which):
    _table, _name, cell = which
    cells = data.draw(st.lists(st.one_of(field_cells(cell.field), any_cell), max_size=12))
    rows._MEMO.clear()
    expected = [_typed(_outcome(cell.rule, c)) for c in cells]
    rows._MEMO.clear()
    out, failed = column_outcomes(cells, cell)
    assert [_typed(o) for o in out] == expected
    assert failed == any(o is FAILED for o in out)


plain_texts = st.lists(
    st.one_of(
        st.text(alphabet="ab C1-党建，Ａ", max_size=6),
        st.sampled_from(["", "-", "N/A", "NA", "无数据", " x", "x ", "a  b", "a\nb", "\u3000"]),
        st.sampled_from(CODES),
        st.text(alphabet="0123456789１٣.", min_size=5, max_size=10),
    ),
    max_size=10,
)


@given(plain_texts)
def test_whole_column_text_shortcuts_agree_with_each_cell(texts):
    def each(rule):
        return [_typed(_outcome(rule, t)) for t in texts]

    required_text = rows._rule("x", n.clean_text, "missing_value", required=True)
    identifier = rows._rule("x", n.parse_identifier, "missing_value", required=True)
    for told, rule in (
        (n.clean_texts(texts), n.clean_text),
        (n.clean_texts(texts, required=True), required_text),
        (n.identifiers(texts), identifier),
        (n.identifiers(texts, required=False), rows.linked_cell),
        (n.region_codes(texts), rows.region_cell),
    ):
        if told is not None:
            assert [_typed(t) for t in told] == each(rule)


def test_whole_column_text_shortcuts_take_plain_columns_and_leave_the_rest():
    assert n.clean_texts(["党建 工作", "", "a-b"]) == ["党建 工作", None, "a-b"]
    assert n.clean_texts(["a", ""], required=True) is None  # a blank: missing_value
    assert n.identifiers(["C1", "P2024-220100-01"]) == ["C1", "P2024-220100-01"]
    assert n.identifiers(["Ｃ1"]) is None  # fold_width changes it
    assert n.identifiers(["C1", ""], required=False) == ["C1", None]
    assert n.region_codes(["220100", "220102001"]) == ["220100", "220102001"]
    assert n.region_codes(["220100", "22010"]) is None
    assert n.region_codes(["２２０１００"]) is None  # full-width: each one is looked at
    for messy in ([" a"], ["a "], ["a  b"], ["a\nb"], ["a\u3000b"], ["a\xa0b"]):
        assert n.clean_texts(messy) is None


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.lists(st.one_of(st.none(), st.sampled_from(["", " ", "\u3000", "x", " x", "注", "说明a", "说x", "填表", "填报说明", " 注", "a"]), st.floats(), st.integers(), st.dates()), max_size=4),
            note_rows,
            blank_rows,
        ),
        max_size=12,
    )
)  # fmt: skip
def test_data_row_indices_are_the_rows_data_rows_yields(body):
    header = Header(0, {"a": 0, "b": 1}, ("A", "B"))
    grid = [["A", "B"], *body]
    assert data_row_indices(grid, header) == [row.row_number - 1 for row in data_rows(grid, header)]
    assert NOTE_PREFIXES  # the rule data_rows applies is the one data_row_indices defers to


# ---------------------------------------------------------------------------- whole files


def _parsed_both_ways(parse, path):
    rows._MEMO.clear()
    ref = parse(path, row_by_row=True)
    rows._MEMO.clear()
    return ref, parse(path)


def test_whole_workbooks_and_exports_parse_the_same_both_ways(tmp_path):
    """The shipped sample (bad cells, duplicates, regions off the roster, bad CSV lines) and
    the builders' workbooks (title rows, blank and note rows), with the reference loops."""
    workbooks = sorted((config.PROJECT_DIR / "raw" / "reports").glob("*.xlsx"))
    for year in (2015, 2016):
        tables = report_tables(year)
        headers, body = tables["承诺事项"]
        tables["承诺事项"] = (headers, [*body, body[0], [None] * len(headers)])
        workbooks.append(write_workbook(tmp_path / f"{year}.xlsx", cover(year), tables))
    compared = 0
    for path in workbooks:
        try:
            ref, got = _parsed_both_ways(parse_workbook, path)
        except QuarantineError:
            continue
        assert got.rejects == ref.rejects, path.name
        assert {t: (a.schema, a.to_pylist()) for t, a in got.tables.items()} == {
            t: (a.schema, a.to_pylist()) for t, a in ref.tables.items()
        }, path.name
        compared += 1
    exports = sorted((config.PROJECT_DIR / "raw" / "inspections").glob("findings_*.csv"))
    for path in exports:
        try:
            ref, got = _parsed_both_ways(parse_export, path)
        except QuarantineError:
            continue
        assert got.rejects == ref.rejects, path.name
        assert (got.rows.schema, got.rows.to_pylist()) == (ref.rows.schema, ref.rows.to_pylist())
        compared += 1
    assert compared >= 12


def test_float_zeros_keep_their_sign_and_their_reject_text():
    cell = rows.Cell("target", rows._rule("target", n.parse_quantity, "bad_number"))
    out, _ = column_outcomes([0.0, -0.0, 0.0], cell)
    assert [math.copysign(1.0, value) for value, _unit in out] == [1.0, -1.0, 1.0]
    for first, second in ((0.0, -0.0), (-0.0, 0.0)):
        rows._MEMO.clear()
        reasons = []
        for value in (first, second):
            try:
                rows.date_cell(value, "d")
            except rows.RowError as exc:
                reasons.append(exc.reason)
        assert reasons == [
            f"bad_date: d: not a date: {first!r}",
            f"bad_date: d: not a date: {second!r}",
        ]
