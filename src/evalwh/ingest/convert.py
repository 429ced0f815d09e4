"""A grid's data rows to canonical records and rejects: column by column, or row by row.

The row-by-row loops (``sheet_records`` and ``export_records``) are the reference: each data row
goes through its converter (evalwh.ingest.rows), then through the checks that need other rows
(a key seen before, a region outside the workbook's roster or outside the loaded reports).

The column path (``sheet_columns`` and ``export_columns``) gives the same records as columns,
which is what the writer inserts (an Arrow table), without a dict per row or several Python
calls per cell:

1. the data rows are found without building them (grid.data_row_indices);
2. each field's column of cells goes through its rule (rows.COLUMN_RULES) once per distinct
   cell, and is mapped through that table of outcomes by C-level builtins;
3. a row where any rule fails (or raises) goes through its row converter instead, so its
   reject (or, for a cell the column path sets aside, its record) is the converter's;
4. the steps that combine fields run on the columns of the rows that passed;
5. the checks against other rows run over the columns at once when nothing can trip them (no
   reject so far, no key twice, every region known), and row by row, in the reference's
   order and with its messages, otherwise.

tests/ingest/test_column_conversion.py proves both paths equal on messy grids.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from evalwh.ingest.errors import Reject, RowError
from evalwh.ingest.grid import DataRow, Header, data_row, data_row_indices, data_rows
from evalwh.ingest.rows import (
    COLUMN_RULES,
    CONVERTERS,
    UNIQUE_KEYS,
    Cell,
    CellRule,
    Columns,
    Context,
)

Grid = Sequence[Sequence[object]]


# ---------------------------------------------------------------------------- the reference


def _bad_width(row: DataRow, width: int) -> RowError:
    return RowError("bad_row", f"{len(row.cells)} fields where the header has {width}")


def _duplicate(key: str, value: object, where: str = "") -> RowError:
    return RowError("duplicate_id", f"{key} {value} appears again{where}")


def _off_roster(region: object) -> RowError:
    return RowError("unknown_region", f"region {region} is not in this workbook's 述职对象")


UNKNOWN_REGION = "unknown_region: region {} is in no loaded report"
# The region of such a reject, read back by SQL (load.Loader.exports_waiting_for_regions)
UNKNOWN_REGION_PATTERN = r"^unknown_region: region (\S+) is in no loaded report$"


def _unknown_region(region: object) -> str:
    return UNKNOWN_REGION.format(region)


IN_THIS_EXPORT = " in this export"


def sheet_records(
    grid: Grid,
    header: Header,
    table: str,
    ctx: Context,
    file: str,
    sheet: str,
    roster: frozenset[str] | set[str] | None,
) -> tuple[list[dict], list[Reject]]:
    """One workbook sheet row by row. With `roster`, a row whose region_code is not in it is
    rejected (unknown_region) before its key counts as seen."""
    convert, key = CONVERTERS[table], UNIQUE_KEYS[table]
    seen: set[str] = set()
    records: list[dict] = []
    rejects: list[Reject] = []
    for row in data_rows(grid, header):
        try:
            record = convert(row.values, ctx)
            if record[key] in seen:
                raise _duplicate(key, record[key])
            region = record.get("region_code")
            if roster is not None and region is not None and region not in roster:
                raise _off_roster(region)
        except RowError as exc:
            rejects.append(Reject(file, sheet, row.row_number, exc.reason, row.raw))
            continue
        seen.add(record[key])
        record["row_number"] = row.row_number
        records.append(record)
    return records, rejects


def export_records(
    grid: Grid, header: Header, file: str, known_regions: frozenset[str] | None
) -> tuple[list[dict], list[Reject]]:
    """One export row by row. With `known_regions`, a finding of another region is rejected
    (unknown_region) after its key counts as seen."""
    convert, key = CONVERTERS["inspection_findings"], UNIQUE_KEYS["inspection_findings"]
    width = len(header.labels)
    ctx = Context(None, None)
    seen: set[str] = set()
    records: list[dict] = []
    rejects: list[Reject] = []
    for row in data_rows(grid, header):
        try:
            if len(row.cells) != width:
                raise _bad_width(row, width)
            record = convert(row.values, ctx)
            if record[key] in seen:
                raise _duplicate(key, record[key], IN_THIS_EXPORT)
        except RowError as exc:
            rejects.append(Reject(file, None, row.row_number, exc.reason, row.raw))
            continue
        seen.add(record[key])
        region = record["region_code"]
        if known_regions is not None and region not in known_regions:
            rejects.append(Reject(file, None, row.row_number, _unknown_region(region), row.raw))
            continue
        record["row_number"] = row.row_number
        records.append(record)
    return records, rejects


# ---------------------------------------------------------------------------- one column


class _Failed:
    __slots__ = ()

    def __repr__(self) -> str:
        return "FAILED"


FAILED: Any = _Failed()  # a cell whose rule raised: its row goes to the row converter

# Values of these types equal a value of another of them only across int, float and bool
# (1 == 1.0 == True): a column holding at most one of those three can key its outcomes by
# the cell itself; any other column keys them by (type, cell), as rows._memo_cell does.
_NUMBERS = frozenset({int, float, bool})
_PLAIN = frozenset({str, type(None), int, float, bool, dt.date, dt.datetime, dt.time, dt.timedelta})


def _outcome(rule: CellRule, cell: object) -> Any:
    try:
        return rule(cell)
    except Exception:  # the row converter meets it again, and raises or rejects as it does
        return FAILED


def column_outcomes(cells: Sequence, cell: Cell) -> tuple[list, bool]:
    """cell.rule(c) for every cell c, FAILED where it raises; and whether any cell failed.

    A column of text whose outcomes cell.texts can tell at once takes them from there. Any
    other column computes each distinct cell's outcome once and maps the column through them.
    Equal cells of one type give equal outcomes, with one exception: 0.0 and -0.0 are equal
    keys, and a float rule keeps the sign of zero, so float zeros are looked at once per sign.
    (NaN equals nothing, not even itself: each NaN object is a key of its own.)
    """
    rule = cell.rule
    types = set(map(type, cells))
    if cell.texts is not None and types == {str}:
        told = cell.texts(cells)
        if told is not None:
            return told, False
    if types <= _PLAIN and len(types & _NUMBERS) <= 1:
        keys: Sequence = cells
        table = {c: _outcome(rule, c) for c in dict.fromkeys(cells)}
    else:
        keys = list(zip(map(type, cells), cells, strict=True))
        table = {key: _outcome(rule, key[1]) for key in dict.fromkeys(keys)}
    out = list(map(table.__getitem__, keys))
    failed = any(value is FAILED for value in table.values())
    if float in types and (0.0 in table if keys is cells else (float, 0.0) in table):
        by_sign: dict[float, Any] = {}
        for i in [i for i, c in enumerate(cells) if type(c) is float and c == 0]:
            sign = math.copysign(1.0, cells[i])
            if sign not in by_sign:
                by_sign[sign] = _outcome(rule, cells[i])
                failed = failed or by_sign[sign] is FAILED
            out[i] = by_sign[sign]
    return out, failed


def _columns(rows: list[Sequence[object]], width: int) -> list[Sequence[object]]:
    """The first `width` columns of these rows (None where a row is shorter)."""
    if not rows:
        return [()] * width
    lengths = set(map(len, rows))
    if len(lengths) == 1 and width <= min(lengths):
        return list(zip(*rows, strict=True))[:width]
    return [[row[pos] if pos < len(row) else None for row in rows] for pos in range(width)]


# ---------------------------------------------------------------------------- one grid


@dataclass(frozen=True)
class _Checks:
    """What a row must pass besides its converter, as the reference loops check it."""

    file: str
    sheet: str | None
    width: int | None = None  # exports: as many fields as the header
    duplicate_where: str = ""
    roster: frozenset[str] | set[str] | None = None  # checked before the key counts as seen
    known_regions: frozenset[str] | None = None  # checked after it counts


def _convert(
    grid: Grid, header: Header, table: str, ctx: Context, checks: _Checks
) -> tuple[Columns, list[int], list[Reject]]:
    """The record columns of a grid, the 0-based grid indices of their rows, and the rejects."""
    indices = data_row_indices(grid, header)
    if indices and indices[-1] - indices[0] == len(indices) - 1:  # no row left out between
        rows = grid[indices[0] : indices[-1] + 1]
    else:
        rows = [grid[i] for i in indices]
    count = len(rows)
    rules = COLUMN_RULES[table]
    cells = rules.cells(ctx)
    positions = header.positions
    columns = _columns(
        rows,
        max((positions[c.field] + 1 for c in cells.values() if c.field in positions), default=0),
    )
    outcomes: Columns = {}
    failed: set[int] = set()
    for name, cell in cells.items():
        pos = positions.get(cell.field)
        out, any_failed = column_outcomes([None] * count if pos is None else columns[pos], cell)
        if any_failed:
            failed.update(i for i, value in enumerate(out) if value is FAILED)
        outcomes[name] = out
    del columns
    width = checks.width
    if width is not None:
        lengths = set(map(len, rows))
        if lengths - {width}:
            failed.update(i for i, row in enumerate(rows) if len(row) != width)
    passed = range(count)
    if failed:
        passed = [i for i in passed if i not in failed]
        outcomes = {name: [out[i] for i in passed] for name, out in outcomes.items()}
    columns = rules.combine(outcomes, ctx) if rules.combine else outcomes

    # the rows set aside, through their row converter: a record, or the reason of the RowError
    # it raises (the reason only: an exception kept would hold its traceback, and that the frames)
    convert = CONVERTERS[table]
    aside: dict[int, tuple[DataRow, dict | str]] = {}
    for i in sorted(failed):
        row = data_row(grid, header, indices[i])
        try:
            if width is not None and len(row.cells) != width:
                raise _bad_width(row, width)
            aside[i] = (row, convert(row.values, ctx))
        except RowError as exc:
            aside[i] = (row, exc.reason)

    key = UNIQUE_KEYS[table]
    keys, regions = columns[key], columns.get("region_code")
    region_set = set(regions) if regions is not None else {None}
    if (
        all(type(result) is str for _row, result in aside.values())
        and len(set(keys)) == len(keys)
        and (checks.roster is None or checks.roster.issuperset(region_set - {None}))
        and (checks.known_regions is None or checks.known_regions.issuperset(region_set))
    ):
        rejects = [
            Reject(checks.file, checks.sheet, row.row_number, result, row.raw)
            for row, result in aside.values()
        ]
        return columns, [indices[i] for i in passed], rejects
    return _checked_row_by_row(grid, header, indices, columns, aside, key, checks)


def _checked_row_by_row(
    grid: Grid,
    header: Header,
    indices: list[int],
    columns: Columns,
    aside: dict[int, tuple[DataRow, dict | str]],
    key: str,
    checks: _Checks,
) -> tuple[Columns, list[int], list[Reject]]:
    """The reference loops' checks, in row order, over the column rows and the rows set aside."""
    keys, regions = columns[key], columns.get("region_code")
    rejects: list[Reject] = []
    kept: list[tuple[int, int | dict]] = []  # (position, column row or a converter's record)
    seen: set[object] = set()
    j = 0

    def reject(i: int, row: DataRow | None, reason: str) -> None:
        row = row or data_row(grid, header, indices[i])
        rejects.append(Reject(checks.file, checks.sheet, row.row_number, reason, row.raw))

    for i in range(len(indices)):
        row: DataRow | None = None
        item: int | dict
        if i in aside:
            row, result = aside[i]
            if type(result) is str:
                reject(i, row, result)
                continue
            item, value, region = result, result[key], result.get("region_code")
        else:
            item, value = j, keys[j]
            region = regions[j] if regions is not None else None
            j += 1
        if value in seen:
            reject(i, row, _duplicate(key, value, checks.duplicate_where).reason)
            continue
        if checks.roster is not None and region is not None and region not in checks.roster:
            reject(i, row, _off_roster(region).reason)
            continue
        seen.add(value)
        if checks.known_regions is not None and region not in checks.known_regions:
            reject(i, row, _unknown_region(region))
            continue
        kept.append((i, item))

    def pick(name: str) -> list:
        column = columns[name]
        return [column[item] if type(item) is int else item[name] for _i, item in kept]

    return {name: pick(name) for name in columns}, [indices[i] for i, _ in kept], rejects


def sheet_columns(
    grid: Grid,
    header: Header,
    table: str,
    ctx: Context,
    file: str,
    sheet: str,
    roster: frozenset[str] | set[str] | None,
) -> tuple[Columns, list[Reject]]:
    """sheet_records, as columns (with row_number)."""
    columns, rows, rejects = _convert(grid, header, table, ctx, _Checks(file, sheet, roster=roster))
    columns["row_number"] = [i + 1 for i in rows]
    return columns, rejects


def export_columns(
    grid: Grid, header: Header, file: str, known_regions: frozenset[str] | None
) -> tuple[Columns, list[Reject]]:
    """export_records, as columns (with row_number)."""
    checks = _Checks(
        file,
        None,
        width=len(header.labels),
        duplicate_where=IN_THIS_EXPORT,
        known_regions=known_regions,
    )
    ctx = Context(None, None)
    columns, rows, rejects = _convert(grid, header, "inspection_findings", ctx, checks)
    columns["row_number"] = [i + 1 for i in rows]
    return columns, rejects


def records_as_columns(records: list[dict]) -> Columns:
    """The reference loops' records (all with the same keys) as columns."""
    return {key: [r[key] for r in records] for key in records[0]} if records else {}


def arrow(columns: Columns) -> pa.Table:
    """The columns as an Arrow table, each column's type inferred from its values (as
    pa.Table.from_pylist would from the records): text as string, dates as date32, counts and
    row numbers as int64, values as double, a column of None as null."""
    return pa.table(columns)
