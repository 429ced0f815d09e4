"""Layout mess (title rows, blank rows, notes, noisy headers, extra sheets) and the
deliberately bad rows, each tagged with the reason keyword the ingestion must record."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date

from evalwh.generate import vocabulary as vocab
from evalwh.generate.sheets import (
    COMMITMENTS,
    EVALUATIONS,
    OUTCOMES,
    PROBLEMS,
    RECTIFICATIONS,
    RowBuilder,
)
from evalwh.generate.world import Commitment, Outcome, YearData

# A data row: (cells, reject reason or None, key of the entity it shows)
Row = tuple[list, str | None, str]


@dataclass(frozen=True)
class LayoutMess:
    title_rate: float  # chance a sheet has title rows (half of those get two)
    blank_rate: float  # chance a sheet has blank rows inside its data
    note_rate: float  # chance a sheet has note rows at the bottom
    header_noise_rate: float  # chance a sheet has header cells with stray spaces / line breaks
    extra_sheet_rate: float  # chance a workbook has ignored extra sheets
    messiness: float  # chance a cell takes a non-canonical (but valid) form


SAMPLE_MESS = LayoutMess(0.6, 0.5, 0.5, 0.5, 0.6, 0.45)
NATIONAL_MESS = LayoutMess(0.3, 0.05, 0.1, 0.1, 0.2, 0.02)


def noisy_header(rng: random.Random, header: str) -> str:
    choice = rng.randrange(4)
    if choice == 0:
        return f" {header}"
    if choice == 1:
        return f"{header}  "
    if choice == 2 and len(header) >= 3:
        k = rng.randint(1, len(header) - 1)
        return f"{header[:k]}\n{header[k:]}"
    return f"{header}\n"


def _insert_after(rng: random.Random, rows: list[Row], key: str, row: Row) -> None:
    index = next(i for i, r in enumerate(rows) if r[2] == key and r[1] is None)
    rows.insert(rng.randint(index + 1, len(rows)), row)


def _insert_anywhere(rng: random.Random, rows: list[Row], row: Row) -> None:
    rows.insert(rng.randint(0, len(rows)), row)


def _spoil(rng: random.Random, rows: list[Row], ok: set[str] | None = None) -> tuple[int, list]:
    """Pick a good row (optionally among keys in ok) to spoil; returns its index and cells."""
    choices = [i for i, r in enumerate(rows) if r[1] is None and (ok is None or r[2] in ok)]
    i = choices[rng.randrange(len(choices))]
    return i, rows[i][0]


def inject_bad_row(
    kind: str,
    sheet: str,
    rows: list[Row],
    data: YearData,
    build: RowBuilder,
    rng: random.Random,
    known_codes: set[str],
) -> None:
    """Add (or spoil) one row of `sheet` so that it must be rejected with reason `kind`.

    Added rows carry fresh ids that nothing else references, so rejecting them leaves every
    cross-year reference intact. Spoilt rows (score, rating, date) only lose their own fact.
    """
    year = data.year
    fake_code = next(
        f"{c[:4]}{n:02d}"
        for c in sorted(known_codes)
        if len(c) == 6
        for n in range(99, 0, -1)
        if f"{c[:4]}{n:02d}" not in known_codes
    )
    if sheet == COMMITMENTS and data.commitments:
        real = data.commitments[rng.randrange(len(data.commitments))]
        last_seq = max(c.seq for c in data.commitments if c.region == real.region) + 1
        used = {r[2] for r in rows}
        while f"{year}-{real.region}-{last_seq:02d}" in used:
            last_seq += 1
        fresh = replace(real, seq=last_seq, id=f"{year}-{real.region}-{last_seq:02d}")
        if kind == "unknown_region":
            ghost = replace(real, region=fake_code, seq=1, id=f"{year}-{fake_code}-01")
            row = (build.commitment(ghost), kind, ghost.id)
        elif kind == "unknown_category":
            row = (
                build.commitment(replace(fresh, category=vocab.BAD_CATEGORIES[0])),
                kind,
                fresh.id,
            )
        elif kind == "bad_number":
            quantitative = replace(fresh, unit=fresh.unit or "%", target=fresh.target or 95.0)
            cell = vocab.BAD_TARGET + ("%" if build.version == "v1" else "")
            row = (build.commitment(quantitative, target_cell=cell), kind, fresh.id)
        elif kind == "duplicate_id":
            _insert_after(rng, rows, real.id, (build.commitment(real), kind, real.id))
            return
        else:
            raise ValueError(kind)
        _insert_anywhere(rng, rows, row)
        return
    if sheet == OUTCOMES and kind == "unknown_commitment":
        codes = sorted(known_codes)
        region = codes[rng.randrange(len(codes))]
        ghost = Commitment(
            f"{year - 1}-{region}-98",
            region,
            98,
            vocab.CATEGORIES[0],
            "",
            "",
            95.0,
            "%",
            date(year, 12, 31),
        )
        _insert_anywhere(
            rng, rows, (build.outcome(Outcome(ghost, 96.0, "已完成", "已按期完成")), kind, ghost.id)
        )
        return
    if sheet == PROBLEMS and data.problems:
        real_p = data.problems[rng.randrange(len(data.problems))]
        last_seq = max(p.seq for p in data.problems if p.region == real_p.region) + 1
        used = {r[2] for r in rows}
        while f"P{year}-{real_p.region}-{last_seq:02d}" in used:
            last_seq += 1
        fresh_p = replace(real_p, seq=last_seq, id=f"P{year}-{real_p.region}-{last_seq:02d}")
        if kind == "unknown_category":
            row = (
                build.problem(replace(fresh_p, category=vocab.BAD_CATEGORIES[1])),
                kind,
                fresh_p.id,
            )
        elif kind == "bad_date":
            cells = build.problem(fresh_p)
            cells[5] = vocab.BAD_DATES[0]
            row = (cells, kind, fresh_p.id)
        elif kind == "unknown_region":
            ghost_p = replace(fresh_p, region=fake_code, id=f"P{year}-{fake_code}-01")
            row = (build.problem(ghost_p), kind, ghost_p.id)
        elif kind == "duplicate_id":
            _insert_after(rng, rows, real_p.id, (build.problem(real_p), kind, real_p.id))
            return
        else:
            raise ValueError(kind)
        _insert_anywhere(rng, rows, row)
        return
    if sheet == RECTIFICATIONS and kind == "bad_date":
        done = {r.problem.id for r in data.rectifications if r.done is not None}
        i, cells = _spoil(rng, rows, done)
        cells[3] = vocab.BAD_DATES[1]
        rows[i] = (cells, kind, rows[i][2])
        return
    if sheet == EVALUATIONS:
        if kind == "unknown_region":
            ghost_e = replace(data.evaluations[0], region=fake_code)
            _insert_anywhere(rng, rows, (build.evaluation(ghost_e), kind, fake_code))
            return
        i, cells = _spoil(rng, rows)
        if kind == "out_of_range":
            cells[2] = rng.choice((105.0, -3.0, 120.5))
        elif kind == "unknown_enum":
            cells[1] = vocab.BAD_RATING
        else:
            raise ValueError(kind)
        rows[i] = (cells, kind, rows[i][2])
        return
    raise ValueError(f"no bad row {kind!r} for sheet {sheet!r}")
