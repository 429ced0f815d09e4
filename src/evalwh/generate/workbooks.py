"""Render one province-year report into sheets of lines and write it with xlsxwriter
(constant_memory, fixed document properties, so the same input gives the same bytes)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import xlsxwriter

from evalwh.generate import vocabulary as vocab
from evalwh.generate.formats import CellFormatter
from evalwh.generate.mess import LayoutMess, Row, inject_bad_row, noisy_header
from evalwh.generate.regions import ProvinceTree
from evalwh.generate.sheets import (
    COMMITMENTS,
    COVER,
    DATA_SHEETS,
    EVALUATIONS,
    HEADERS,
    OFFICIALS,
    OUTCOMES,
    PROBLEMS,
    RECTIFICATIONS,
    RowBuilder,
    template_version,
)
from evalwh.generate.world import YearData, rating_for

# line kinds inside a sheet
TITLE, HEADER, DATA, BLANK, NOTE = "title", "header", "data", "blank", "note"


@dataclass(frozen=True)
class WorkbookSpec:
    """One workbook file to write, and what a correct ingestion must make of it."""

    filename: str
    province: str
    year: int
    batch: int = 1
    status: str = "loaded"  # expected: loaded | superseded | quarantined
    reason: str | None = None  # quarantine reason keyword
    cover_year: object = None  # overrides the 年度 cell (bad_year)
    drop_sheet: str | None = None  # missing_sheet
    drop_column: tuple[str, str] | None = None  # (sheet, header): missing_column
    bad_rows: tuple[tuple[str, str], ...] = ()  # (sheet, reason keyword)
    draft: bool = False  # an earlier batch: a few values differ from the final truth


@dataclass
class WrittenWorkbook:
    spec: WorkbookSpec
    path: str  # relative to the output dir
    template_version: str
    good_rows: dict[str, int] = field(default_factory=dict)
    rows_written: dict[str, int] = field(default_factory=dict)
    rejects: list[tuple[str, int, str]] = field(default_factory=list)  # (sheet, excel row, reason)


def _draft_of(data: YearData, rng: random.Random) -> YearData:
    """An earlier, superseded batch: a few scores, one target and one commitment differ."""
    evaluations = list(data.evaluations)
    for i in rng.sample(range(len(evaluations)), min(2, len(evaluations))):
        score = round(max(45.0, evaluations[i].score - rng.uniform(3, 12)), 1)
        evaluations[i] = replace(evaluations[i], score=score, rating=rating_for(score))
    commitments = list(data.commitments)
    quantitative = [i for i, c in enumerate(commitments) if c.target is not None]
    if quantitative:
        i = quantitative[0]
        commitments[i] = replace(commitments[i], target=commitments[i].target * 0.9 // 1 or 1.0)
    if len(commitments) > 1:
        commitments.pop()
    return replace(data, commitments=commitments, evaluations=evaluations)


def render_sheets(
    spec: WorkbookSpec, data: YearData, tree: ProvinceTree, mess: LayoutMess, rng: random.Random
) -> tuple[str, list[tuple[str, list[tuple[str, list, str | None]]]]]:
    version = template_version(spec.year)
    if spec.draft:
        data = _draft_of(data, rng)
    build = RowBuilder(version, CellFormatter(rng, mess.messiness))
    headers = HEADERS[version]
    known = {r.code for r in tree.regions}

    rows: dict[str, list[Row]] = {
        OFFICIALS: [
            (build.official(r, data.officials[r.code]), None, r.code) for r in tree.regions
        ],
        COMMITMENTS: [(build.commitment(c), None, c.id) for c in data.commitments],
        OUTCOMES: [(build.outcome(o), None, o.commitment.id) for o in data.outcomes],
        PROBLEMS: [(build.problem(p), None, p.id) for p in data.problems],
        RECTIFICATIONS: [(build.rectification(r), None, r.problem.id) for r in data.rectifications],
        EVALUATIONS: [(build.evaluation(e), None, e.region) for e in data.evaluations],
    }
    for sheet, kind in spec.bad_rows:
        inject_bad_row(kind, sheet, rows[sheet], data, build, rng, known)

    sheets = []
    province = tree.name
    for sheet in DATA_SHEETS:
        if sheet == spec.drop_sheet:
            continue
        header = list(headers[sheet])
        sheet_rows = rows[sheet]
        if spec.drop_column and spec.drop_column[0] == sheet:
            k = header.index(spec.drop_column[1])
            header.pop(k)
            sheet_rows = [
                ([c for j, c in enumerate(cells) if j != k], reason, key)
                for cells, reason, key in sheet_rows
            ]
        lines: list[tuple[str, list, str | None]] = []
        if rng.random() < mess.title_rate:
            title = rng.choice(vocab.TITLE_TEMPLATES).format(year=spec.year, province=province)
            lines.append((TITLE, [title], None))
            if rng.random() < 0.5:
                sub = rng.choice(vocab.SUBTITLE_TEMPLATES).format(
                    province=province, date=f"{spec.year + 1}年1月"
                )
                lines.append((TITLE, [sub], None))
        if rng.random() < mess.header_noise_rate:
            for k in rng.sample(range(len(header)), min(2, len(header))):
                header[k] = noisy_header(rng, header[k])
        lines.append((HEADER, header, None))
        body = [(DATA, cells, reason) for cells, reason, _ in sheet_rows]
        if len(body) >= 2 and rng.random() < mess.blank_rate:
            for _ in range(rng.randint(1, 2)):
                body.insert(rng.randint(1, len(body) - 1), (BLANK, [], None))
        lines.extend(body)
        if rng.random() < mess.note_rate:
            for note in rng.sample(vocab.NOTE_TEMPLATES, rng.randint(1, 2)):
                lines.append((NOTE, [note.format(year=spec.year)], None))
        sheets.append((sheet, lines))
    return version, sheets


def cover_rows(
    spec: WorkbookSpec, tree: ProvinceTree, version: str, rng: random.Random, fmt: CellFormatter
) -> list[tuple[str, object]]:
    year_cell = spec.cover_year
    if year_cell is None:
        year_cell = fmt.pick([spec.year, f"{spec.year}年度", str(spec.year)])
    submitted = date(spec.year + 1, 1, 10) + timedelta(
        days=rng.randint(0, 40) + 30 * (spec.batch - 1)
    )
    return [
        ("年度", year_cell),
        ("省份", tree.name),
        ("省份代码", fmt.code(tree.code)),
        ("模板版本", version),
        ("报送批次", fmt.pick([spec.batch, str(spec.batch)])),
        ("报送日期", fmt.date(submitted)),
    ]


class _Writer:
    def __init__(self, path: Path, created: datetime):
        self.wb = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        self.wb.set_properties({"created": created, "author": "", "title": ""})
        self.date_fmt = self.wb.add_format({"num_format": "yyyy-mm-dd"})
        self.title_fmt = self.wb.add_format({"bold": True, "align": "center"})
        self.wrap_fmt = self.wb.add_format({"bold": True, "text_wrap": True})

    def cells(self, ws, r: int, cells: list, fmt=None) -> None:
        for c, v in enumerate(cells):
            if v is None:
                continue
            t = type(v)
            if t is str:
                if fmt is None:
                    ws.write_string(r, c, v)
                else:
                    ws.write_string(r, c, v, fmt)
            elif t is int or t is float:
                ws.write_number(r, c, v)
            elif t is date:
                ws.write_datetime(r, c, datetime(v.year, v.month, v.day), self.date_fmt)
            else:  # pragma: no cover - programming error
                raise TypeError(f"cannot write {v!r}")


def write_workbook(
    out_dir: Path,
    spec: WorkbookSpec,
    data: YearData,
    tree: ProvinceTree,
    mess: LayoutMess,
    seed: int,
) -> WrittenWorkbook:
    rng = random.Random(f"{seed}:workbook:{spec.province}:{spec.year}:{spec.batch}:{spec.filename}")
    version, sheets = render_sheets(spec, data, tree, mess, rng)
    rel = f"reports/{spec.filename}"
    result = WrittenWorkbook(spec, rel, version)
    w = _Writer(
        out_dir / rel,
        datetime(spec.year + 1, 1, 20, 9, 30, 0) + timedelta(days=30 * (spec.batch - 1)),
    )
    fmt = CellFormatter(rng, mess.messiness)

    extras = [name for name in vocab.EXTRA_SHEETS if rng.random() < mess.extra_sheet_rate]
    order: list[str] = [COVER, *[s for s, _ in sheets]]
    for name in extras:
        order.insert(rng.choice((1, len(order))), name)
    lines_by_sheet = dict(sheets)

    for name in order:
        ws = w.wb.add_worksheet(name)
        if name == COVER:
            ws.set_column(0, 1, 16)
            for r, (label, value) in enumerate(cover_rows(spec, tree, version, rng, fmt)):
                w.cells(ws, r, [label, value])
            continue
        if name not in lines_by_sheet:
            for r, text in enumerate(vocab.EXTRA_SHEETS[name]):
                w.cells(ws, r, [text, r + 1] if name == "统计汇总" else [text])
            continue
        lines = lines_by_sheet[name]
        width = max(len(cells) for kind, cells, _ in lines if kind == HEADER)
        ws.set_column(0, width - 1, 14)
        good = written = 0
        for r, (kind, cells, reason) in enumerate(lines):
            if kind == TITLE:
                ws.merge_range(r, 0, r, width - 1, cells[0], w.title_fmt)
            elif kind == HEADER:
                w.cells(ws, r, cells, w.wrap_fmt)
            elif kind in (DATA, NOTE):
                w.cells(ws, r, cells)
            if kind == DATA:
                written += 1
                if reason is None:
                    good += 1
                else:
                    result.rejects.append((name, r + 1, reason))
        result.good_rows[name] = good
        result.rows_written[name] = written
    w.wb.close()
    return result
