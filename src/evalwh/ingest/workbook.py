"""Read one yearly report workbook (.xlsx) into canonical records and row rejects.

``parse_workbook`` is pure with respect to the warehouse: it reads one file and returns what
the file says, so it can run in a worker process. File-level problems raise QuarantineError.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook

from evalwh.ingest import normalize as n
from evalwh.ingest.errors import QuarantineError, Reject, RowError
from evalwh.ingest.grid import data_rows, find_header
from evalwh.ingest.rows import CONVERTERS, UNIQUE_KEYS, Context
from evalwh.ingest.vocabulary import cover_labels, cover_sheet_name, sheet_specs

# A zip whose contents would inflate beyond these is refused before it is opened.
MAX_UNCOMPRESSED_BYTES = 1 << 30
MAX_COMPRESSION_RATIO = 200
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
    tables: dict[str, list[dict]] = field(default_factory=dict)  # + sheet, row_number
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
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise QuarantineError("corrupt", f"broken zip archive: {exc}") from None
    inflated = sum(info.file_size for info in infos)
    packed = max(1, sum(info.compress_size for info in infos))
    if inflated > MAX_UNCOMPRESSED_BYTES or inflated / packed > MAX_COMPRESSION_RATIO:
        raise QuarantineError(
            "zip_bomb",
            f"refused: contents would inflate to {inflated:,} bytes ({inflated / packed:.0f}x)",
        )


def _open(path: Path) -> CalamineWorkbook:
    check_zip(path)
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        raise QuarantineError("corrupt", f"unreadable workbook: {exc}") from None


def _sheet_grid(book: CalamineWorkbook, name: str) -> list[list[object]]:
    try:
        return book.get_sheet_by_name(name).to_python(skip_empty_area=False)
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


def peek_cover(path: Path) -> Cover:
    """Only the cover sheet: cheap, used to order files before the full parse."""
    book = _open(path)
    return read_cover(book, _sheet_names(book))


def parse_workbook(path: Path, display_name: str | None = None) -> ParsedWorkbook:
    """Every data sheet of one workbook, as canonical records plus rejects."""
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
    headers = {
        s.table: find_header(
            grids[s.table], s.for_version(cover.template_version), f"sheet {s.sheet}"
        )
        for s in specs
    }
    for spec in specs:  # officials first: the roster decides which regions are known
        sheet = names[n.header_key(spec.sheet)]
        convert, key = CONVERTERS[spec.table], UNIQUE_KEYS[spec.table]
        roster = {r["region_code"] for r in parsed.tables.get("officials", [])}
        seen: set[str] = set()
        records: list[dict] = []
        for row in data_rows(grids[spec.table], headers[spec.table]):
            try:
                record = convert(row.values, ctx)
                if record[key] in seen:
                    raise RowError("duplicate_id", f"{key} {record[key]} appears again")
                region = record.get("region_code")
                if spec.table in ROSTER_CHECKED and region is not None and region not in roster:
                    raise RowError(
                        "unknown_region", f"region {region} is not in this workbook's 述职对象"
                    )
            except RowError as exc:
                parsed.rejects.append(Reject(name, sheet, row.row_number, exc.reason, row.raw))
                continue
            seen.add(record[key])
            record["sheet"] = sheet
            record["row_number"] = row.row_number
            records.append(record)
        parsed.tables[spec.table] = records
        grids[spec.table] = []  # free the grid as soon as it is read
    return parsed
