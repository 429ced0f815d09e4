"""Read one yearly report workbook (.xlsx) into canonical records and row rejects.

``parse_workbook`` is pure with respect to the warehouse: it reads one file and returns what
the file says, so it can run in a worker process. File-level problems raise QuarantineError.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
from python_calamine import CalamineWorkbook

from evalwh.ingest import normalize as n
from evalwh.ingest.convert import arrow, records_as_columns, sheet_columns, sheet_records
from evalwh.ingest.errors import QuarantineError, Reject
from evalwh.ingest.grid import find_header
from evalwh.ingest.rows import Context
from evalwh.ingest.vocabulary import cover_labels, cover_sheet_name, sheet_specs

# A zip whose contents would inflate beyond these is refused before it is opened. The largest
# realistic workbook (四川, national density) inflates to 14 MB: 128 MiB is nine times that,
# and keeps a hostile file's parse within about 1 GB of memory (docs/reliability.md).
MAX_UNCOMPRESSED_BYTES = 128 << 20
MAX_COMPRESSION_RATIO = 200
# Rows per sheet. The largest realistic sheet (四川 承诺事项) has about 19,000 rows; a sheet
# over this limit is refused as too_many_rows, from its declared <dimension> before any XML is
# inflated, or (a sheet that does not declare it honestly) from the reader's row count before
# its cells become Python values.
MAX_SHEET_ROWS = 200_000
_DIMENSION_RE = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*\d*:?[A-Z]*(\d+)\"")
# Tables whose region codes must appear in the workbook's own roster (述职对象).
ROSTER_CHECKED = ("commitments", "commitment_outcomes", "problems", "evaluations")


@dataclass(frozen=True)
class Cover:
    year: int
    province_code: str
    province_name: str | None
    template_version: str
    batch: int
    submitted_date: dt.date | None


@dataclass
class ParsedWorkbook:
    cover: Cover
    # table -> its rows (the record's columns, then row_number); only tables with rows
    tables: dict[str, pa.Table] = field(default_factory=dict)
    # table -> the sheet its rows came from (raw.lineage holds it once per file and table)
    sheets: dict[str, str] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return sum(len(rows) for rows in self.tables.values())


def check_zip(path: Path) -> None:
    """Refuse what is not a zip, a broken zip, or a zip bomb, before any XML is parsed."""
    if not zipfile.is_zipfile(path):
        with path.open("rb") as handle:
            starts_like_a_zip = handle.read(4) == b"PK\x03\x04"
        if starts_like_a_zip:
            raise QuarantineError(
                "corrupt", "truncated or damaged zip archive (no central directory)"
            )
        raise QuarantineError("not_a_zip", "not an .xlsx workbook (the file is not a zip archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            inflated = sum(info.file_size for info in infos)
            packed = max(1, sum(info.compress_size for info in infos))
            if inflated > MAX_UNCOMPRESSED_BYTES or inflated / packed > MAX_COMPRESSION_RATIO:
                raise QuarantineError(
                    "zip_bomb",
                    f"refused: contents would inflate to {inflated:,} bytes "
                    f"({inflated / packed:.0f}x)",
                )
            for info in infos:
                rows = _declared_rows(archive, info)
                if rows is not None and rows > MAX_SHEET_ROWS:
                    raise QuarantineError(
                        "too_many_rows",
                        f"{info.filename} declares {rows:,} rows (limit {MAX_SHEET_ROWS:,})",
                    )
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise QuarantineError("corrupt", f"broken zip archive: {exc}") from None


def _declared_rows(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int | None:
    """The last row of a worksheet's <dimension ref="A1:F9"> (in the first KiB of its XML)."""
    if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
        return None
    try:
        with archive.open(info) as member:
            head = member.read(1024)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError):
        return None  # left to the reader, which quarantines it as corrupt
    match = _DIMENSION_RE.search(head)
    return int(match.group(1)) if match else None


_CELL_REF_RE = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_VALUE_RE = re.compile(rb"<(?:\w+:)?v>([^<]{0,64})</(?:\w+:)?v>")
_SHEET_RE = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_REL_RE = re.compile(rb'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"')


def error_cells(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """Cells Excel stored as errors (#REF!, #DIV/0!, ...), per sheet name, as {(row, column)
    0-based: error text}. The reader turns an error cell into an empty one; put back as its
    text, it is a value no number, date, code or enum parser accepts, so the row is rejected
    with the usual reason instead of loading as blank."""
    found: dict[str, dict[tuple[int, int], str]] = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = info.filename
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            data = archive.read(info)  # bounded: check_zip capped the inflated size
            at = data.find(b't="e"')
            cells: dict[tuple[int, int], str] = {}
            while at != -1:
                start = data.rfind(b"<c ", 0, at)
                close = data.find(b">", at)
                end = data.find(b"</c>", close)
                ref = _CELL_REF_RE.search(data, start, close)
                value = _VALUE_RE.search(data, close, end if end != -1 else close + 200)
                # the attribute must sit in a cell's start tag, not in text that reads t="e"
                if ref and start != -1 and data.find(b">", start, at) == -1:
                    column = 0
                    for letter in ref.group(1):
                        column = column * 26 + letter - 64
                    text = value.group(1).decode("utf-8", "replace") if value else "#ERROR"
                    cells[int(ref.group(2)) - 1, column - 1] = text or "#ERROR"
                at = data.find(b't="e"', close)
            if cells:
                found[name] = cells
        if not found:
            return {}
        try:
            rels = {
                rid: target.lstrip(b"/").removeprefix(b"xl/")
                for rid, target in _REL_RE.findall(archive.read("xl/_rels/workbook.xml.rels"))
            }
            sheets = _SHEET_RE.findall(archive.read("xl/workbook.xml"))
        except KeyError:
            return {}
    out = {}
    for sheet_name, rid in sheets:
        member = "xl/" + rels.get(rid, b"").decode()
        if member in found:
            out[html.unescape(sheet_name.decode("utf-8", "replace"))] = found[member]
    return out


def _open(path: Path) -> CalamineWorkbook:
    check_zip(path)
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        raise QuarantineError("corrupt", f"unreadable workbook: {exc}") from None


def _sheet_grid(book: CalamineWorkbook, name: str) -> list[list[object]]:
    try:
        sheet = book.get_sheet_by_name(name)
    except Exception as exc:
        raise QuarantineError("corrupt", f"sheet {name}: unreadable: {exc}") from None
    rows = max(sheet.height, sheet.total_height)
    if rows > MAX_SHEET_ROWS:
        raise QuarantineError(
            "too_many_rows",
            f"sheet {name} has {rows:,} rows (limit {MAX_SHEET_ROWS:,})",
        )
    try:
        return sheet.to_python(skip_empty_area=False)
    except Exception as exc:
        raise QuarantineError("corrupt", f"sheet {name}: unreadable: {exc}") from None


def _sheet_names(book: CalamineWorkbook) -> dict[str, str]:
    """header_key(sheet name) -> actual sheet name (sheet names may carry stray spaces)."""
    return {n.header_key(name): name for name in book.sheet_names}


def read_cover(book: CalamineWorkbook, names: dict[str, str]) -> Cover:
    cover_name = names.get(n.header_key(cover_sheet_name()))
    if cover_name is None:
        raise QuarantineError("missing_sheet", f"cover sheet {cover_sheet_name()} missing")
    labels = cover_labels()
    found: dict[str, object] = {}
    for row in _sheet_grid(book, cover_name):
        cells = [c for c in row if c not in ("", None)]
        if len(cells) >= 2 and (label := labels.get(n.header_key(cells[0]))):
            found.setdefault(label, cells[1])
    try:
        year = n.parse_year(found.get("year"))
    except ValueError as exc:
        raise QuarantineError("bad_year", f"cover 年度: {exc}") from None
    try:
        province_code = n.parse_region_code(found.get("province_code"))
    except ValueError as exc:
        raise QuarantineError("bad_cover", f"cover 省份代码: {exc}") from None
    if len(province_code) != 6 or not province_code.endswith("0000"):
        raise QuarantineError("bad_cover", f"cover 省份代码 {province_code} is not a province code")
    version_text = n.header_key(found.get("template_version")).lower()
    version = {"v1": "v1", "1": "v1", "v2": "v2", "2": "v2"}.get(version_text)
    if version is None:
        if version_text:
            raise QuarantineError("bad_cover", f"cover 模板版本 {version_text!r} is not v1 or v2")
        version = "v1" if year <= 2015 else "v2"
    try:
        batch = n.parse_count(found.get("batch")) or 1
        submitted = n.parse_date(found.get("submitted_date"))
    except ValueError as exc:
        raise QuarantineError("bad_cover", f"cover: {exc}") from None
    return Cover(
        year, province_code, n.clean_text(found.get("province_name")), version, batch, submitted
    )


def parse_workbook(
    path: Path, display_name: str | None = None, row_by_row: bool = False
) -> ParsedWorkbook:
    """Every data sheet of one workbook, as canonical records (Arrow tables) plus rejects.

    `row_by_row` converts with the reference loop (convert.sheet_records), for tests.
    """
    name = display_name or path.name
    book = _open(path)
    names = _sheet_names(book)
    cover = read_cover(book, names)
    specs = sheet_specs()
    missing = [s.sheet for s in specs if n.header_key(s.sheet) not in names]
    if missing:
        raise QuarantineError("missing_sheet", f"required sheet(s) missing: {', '.join(missing)}")

    ctx = Context(cover.year, cover.template_version)
    parsed = ParsedWorkbook(cover)
    grids = {s.table: _sheet_grid(book, names[n.header_key(s.sheet)]) for s in specs}
    errors = error_cells(path)
    for spec in specs:
        for (r, c), text in errors.get(names[n.header_key(spec.sheet)], {}).items():
            grid = grids[spec.table]
            if r < len(grid) and c < len(grid[r]):
                grid[r][c] = text
    headers = {
        s.table: find_header(
            grids[s.table], s.for_version(cover.template_version), f"sheet {s.sheet}"
        )
        for s in specs
    }
    roster: set[str] = set()  # officials first: the roster decides which regions are known
    for spec in specs:
        sheet = names[n.header_key(spec.sheet)]
        args = (grids[spec.table], headers[spec.table], spec.table, ctx, name, sheet)
        checked = roster if spec.table in ROSTER_CHECKED else None
        if row_by_row:
            records, rejects = sheet_records(*args, checked)
            columns = records_as_columns(records)
        else:
            columns, rejects = sheet_columns(*args, checked)
        parsed.rejects.extend(rejects)
        if spec.table == "officials":
            roster = set(columns.get("region_code", ()))
        if columns.get("row_number"):
            parsed.tables[spec.table] = arrow(columns)
            parsed.sheets[spec.table] = sheet
        grids[spec.table] = []  # free the grid as soon as it is read
    return parsed
