"""Property tests over whole rows and whole grids: any input gives a typed record or a reject
(RowError), a header or a quarantine (QuarantineError); never a crash, never an untyped value.

Cells are what the readers hand over: calamine gives str, float, int, bool, date, datetime,
time and timedelta (and an error cell as ""; workbook.error_cells puts its text back); the CSV
reader gives str.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalwh.ingest.errors import QuarantineError, RowError
from evalwh.ingest.grid import data_rows, find_header
from evalwh.ingest.inspections import parse_export
from evalwh.ingest.rows import CONVERTERS, Context
from evalwh.ingest.vocabulary import enums, inspection_columns, sheet_specs

REGION_RE = re.compile(r"^\d{6}(\d{3})?$")
ENUM_CODES = {code for mapping in enums().values() for code in mapping.values()}
ENUM_TERMS = sorted({term for mapping in enums().values() for term in mapping})
FIELDS = sorted(
    {c.field for s in sheet_specs() for v in ("v1", "v2") for c in s.for_version(v)}
    | {c.field for c in inspection_columns()}
)

# cells that look like the real thing, and cells that do not
text_cells = st.one_of(
    st.text(max_size=20),
    st.sampled_from(ENUM_TERMS),
    st.sampled_from(["220100", " 220102001 ", "２２０１０２", "95%", "1.2万户", "6000万元", "１８０",
                     "2015年11月", "2015-02-30", "#REF!", "#DIV/0!", "=1/0", "-", "无数据",
                     "9" * 400, "1e999", "NaN", "inf", "0x10", "1,1,1", "\x00", "𠀀" * 3]),
    st.from_regex(r"[+-]?\d{1,6}(\.\d{1,3})?(万|%|天|人)?", fullmatch=True),
)  # fmt: skip
cells = st.one_of(
    st.none(),
    text_cells,
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(),
)
contexts = st.builds(
    Context,
    st.integers(min_value=2000, max_value=2030),
    st.sampled_from(["v1", "v2"]),
)


def _check_typed(table: str, record: dict) -> None:
    for key, value in record.items():
        if value is None:
            continue
        if key.endswith(("_date", "deadline")):
            assert isinstance(value, dt.date), (key, value)
        elif key in ("region_code", "parent_code"):
            assert REGION_RE.match(value), (key, value)
        elif isinstance(value, float):
            assert math.isfinite(value), (key, value)
        elif isinstance(value, int):
            assert not isinstance(value, bool) and value >= 0, (key, value)
        else:
            assert isinstance(value, str), (key, value)
            assert value.strip() == value and value, (key, value)
    for key in ("level", "rating", "source", "outcome_status", "rectification_status",
                "inspection_type", "severity", "status", "accountability_action",
                "category_code"):  # fmt: skip
        if record.get(key) is not None:
            assert record[key] in ENUM_CODES, (table, key, record[key])


@settings(max_examples=200, deadline=None)
@given(
    table=st.sampled_from(sorted(CONVERTERS)),
    values=st.fixed_dictionaries({}, optional={f: cells for f in FIELDS}),
    ctx=contexts,
)
def test_any_row_gives_a_typed_record_or_a_reject(table, values, ctx):
    try:
        record = CONVERTERS[table](values, ctx)
    except RowError as exc:
        assert exc.code in {
            "missing_value", "bad_region_code", "unknown_category", "unknown_enum", "bad_number",
            "bad_date", "out_of_range",
        }, exc.reason  # fmt: skip
        return
    _check_typed(table, record)


def _header_rows(columns):
    """A plausible header row for `columns` (first alias each), possibly shuffled or cut."""
    labels = [c.aliases[0] for c in columns]
    return st.permutations(labels).flatmap(
        lambda row: st.integers(min_value=0, max_value=len(row)).map(lambda k: list(row[k:]))
    )


specs = [(s, v) for s in sheet_specs() for v in ("v1", "v2")] + [(None, "csv")]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), spec=st.sampled_from(specs))
def test_any_grid_gives_a_header_and_rows_or_a_quarantine(data, spec):
    sheet, version = spec
    columns = inspection_columns() if sheet is None else sheet.for_version(version)
    before = data.draw(st.lists(st.lists(cells, max_size=6), max_size=4))
    header = data.draw(_header_rows(columns))
    after = data.draw(st.lists(st.lists(cells, max_size=len(header) + 2), max_size=8))
    grid = [*before, header, *after]
    try:
        found = find_header(grid, columns, "sheet")
    except QuarantineError as exc:
        assert exc.code == "missing_column" and exc.message.startswith("sheet")
        return
    assert 0 <= found.row_index < len(grid)
    assert set(found.positions) >= {c.field for c in columns if c.required}
    numbers = [row.row_number for row in data_rows(grid, found)]
    assert numbers == sorted(set(numbers))
    assert all(found.row_index + 1 < n <= len(grid) for n in numbers)
    if found.row_index == len(before):  # the header row we planted: every data row is seen
        assert len(numbers) <= len(after)


@settings(max_examples=100, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=400),
        st.lists(st.lists(text_cells, max_size=14), max_size=6).map(
            lambda rows: "\n".join(",".join(r) for r in rows).encode("utf-8")
        ),
    ),
    header=st.booleans(),
)
def test_any_csv_bytes_give_an_export_or_a_quarantine(data, header):
    from tests.ingest.builders import INSPECTION_HEADERS

    if header:
        data = (",".join(INSPECTION_HEADERS) + "\n").encode() + data
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "findings_2016-06-30.csv"
        path.write_bytes(data)
        try:
            parsed = parse_export(path)
        except QuarantineError as exc:
            assert exc.code in {"bad_encoding", "missing_column", "corrupt"}, exc.reason
            return
    for record in parsed.rows.to_pylist():
        _check_typed(
            "inspection_findings", {k: v for k, v in record.items() if not k.startswith("_")}
        )
    for reject in parsed.rejects:
        assert reject.row_number and reject.reason
