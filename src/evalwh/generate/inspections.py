"""Inspection-system exports: overlapping CSV snapshots of findings and their status.

Each province job writes its share of every export as a headerless UTF-8 chunk; the parent
process then concatenates the chunks in province order into the export file, in that
export's encoding (UTF-8 with BOM, UTF-8, or GB18030).
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from evalwh.generate import vocabulary as vocab
from evalwh.generate.world import Finding

COLUMNS = (
    "发现编号",
    "检查日期",
    "检查方式",
    "行政区划代码",
    "类别",
    "严重程度",
    "问题描述",
    "关联问题编号",
    "整改期限",
    "整改状态",
    "问责方式",
    "问责人数",
)
ENCODINGS = ("utf-8-sig", "utf-8", "gb18030")
WINDOW_DAYS = 183


@dataclass(frozen=True)
class ExportSpec:
    name: str
    day: date
    encoding: str
    window_days: int = WINDOW_DAYS

    def includes(self, f: Finding) -> bool:
        start = self.day - timedelta(days=self.window_days)
        if f.date > self.day:
            return False
        return f.date > start or any(start < since <= self.day for since, _ in f.timeline)


def export_schedule(years: tuple[int, ...], supplement: bool) -> list[ExportSpec]:
    """Half-yearly exports over the report years plus one in the following spring."""
    days = [date(y, m, 30 if m == 6 else 31) for y in years for m in (6, 12)]
    days.append(date(years[-1] + 1, 3, 31))
    out = []
    for i, day in enumerate(days):
        stamp = day.isoformat() if i % 2 == 0 else day.strftime("%Y%m%d")
        out.append(ExportSpec(f"findings_{stamp}.csv", day, ENCODINGS[i % 3]))
    if supplement and len(days) > 6:
        # a second export on the same date: ordered after the first by the rest of its name
        base = out[5]
        out.insert(
            6,
            ExportSpec(
                f"findings_{base.day.strftime('%Y%m%d')}_补报.csv",
                base.day,
                ENCODINGS[(5 + 1) % 3],
                window_days=45,
            ),
        )
    return out


def _day(rng: random.Random, d: date, messiness: float) -> str:
    if rng.random() < messiness:
        return d.strftime("%Y/%m/%d")
    return d.isoformat()


def finding_row(f: Finding, on: date, rng: random.Random, messiness: float) -> list[str]:
    return [
        f.id,
        _day(rng, f.date, messiness),
        f.type,
        f.region,
        f.category,
        f.severity,
        f.description,
        f.linked_problem or "",
        _day(rng, f.deadline, messiness),
        f.status_on(on),
        f.action,
        str(f.persons),
    ]


def write_chunks(
    tmp_dir: Path,
    province: str,
    findings: list[Finding],
    exports: list[ExportSpec],
    bad_rows: tuple[tuple[int, str], ...],
    seed: int,
    messiness: float,
) -> dict[int, tuple[int, list[tuple[int, str]]]]:
    """Write this province's rows of every export; returns {export: (rows, [(row index, reason)])}."""
    rng = random.Random(f"{seed}:inspections:{province}")
    out: dict[int, tuple[int, list[tuple[int, str]]]] = {}
    bad_counter = 0
    for index, export in enumerate(exports):
        rows = [finding_row(f, export.day, rng, messiness) for f in findings if export.includes(f)]
        bad: list[tuple[int, str]] = []
        for _, reason in (b for b in bad_rows if b[0] == index):
            bad_counter += 1
            template = findings[rng.randrange(len(findings))]
            ghost = replace(
                template,
                id=f"F{export.day.year}{province[:2]}99{bad_counter:04d}",
                date=min(template.date, export.day),
                linked_problem=None,
            )
            cells = finding_row(ghost, export.day, rng, 0.0)
            if reason == "unknown_enum":
                cells[2] = vocab.BAD_INSPECTION_TYPE
            elif reason == "bad_number":
                cells[11] = vocab.BAD_PERSONS
            else:
                raise ValueError(reason)
            at = rng.randint(0, len(rows))
            rows.insert(at, cells)
            bad = [(i + 1 if i >= at else i, r) for i, r in bad]
            bad.append((at, reason))
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows(rows)
        (tmp_dir / f"{index:03d}_{province}.csv").write_text(buf.getvalue(), encoding="utf-8")
        out[index] = (len(rows), sorted(bad))
    return out


def header_line() -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(COLUMNS)
    return buf.getvalue()


def assemble(
    out_dir: Path,
    tmp_dir: Path,
    exports: list[ExportSpec],
    provinces: list[str],
    chunks: dict[str, dict[int, tuple[int, list[tuple[int, str]]]]],
) -> list[dict]:
    """Concatenate the chunks into the export files; returns one record per export."""
    records = []
    for index, export in enumerate(exports):
        parts = [header_line()]
        line = 2  # first data line (header is line 1)
        rejects = []
        for province in provinces:
            n, bad = chunks[province][index]
            rejects.extend((line + offset, reason) for offset, reason in bad)
            parts.append((tmp_dir / f"{index:03d}_{province}.csv").read_text(encoding="utf-8"))
            line += n
        rel = f"inspections/{export.name}"
        (out_dir / rel).write_bytes("".join(parts).encode(export.encoding))
        total = line - 2
        records.append(
            {
                "path": rel,
                "export": export,
                "rows": total,
                "good": total - len(rejects),
                "rejects": rejects,
            }
        )
    return records


def drop_column(text: str, column: str) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    k = rows[0].index(column)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([r[:k] + r[k + 1 :] for r in rows])
    return buf.getvalue()
