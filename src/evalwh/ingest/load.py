"""Load the landing zone into the ingest DB: idempotent, lossless, with an audit trail.

One run:
1. discovers every file under raw/reports and raw/inspections and hashes it;
2. skips files already seen (same path and sha256), records byte-identical copies under another
   name as ``duplicate``;
3. parses new files (optionally in worker processes) and writes each one in its own
   transaction: rows into ``raw.*``, bad rows into ``audit.rejects``, the file into
   ``audit.source_files``; an unusable file goes to ``audit.quarantine`` (and a copy of it to
   the warehouse's quarantine folder) and the run goes on;
4. decides which batch of each province-year is current (the highest 报送批次 wins; the others
   become ``superseded``), and reconciles links to the previous year: an outcome (整改) whose
   commitment (problem) is not in the previous year's current report moves to the rejects;
   one whose previous year has not arrived yet waits and is checked again on later runs;
5. records counts in ``audit.load_runs``.

A run killed at any point leaves every file either fully loaded or not at all (per-file
transactions), so rerunning loads each file exactly once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import json
import logging
import shutil
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from evalwh.config import Paths
from evalwh.config import paths as default_paths
from evalwh.ingest.convert import UNKNOWN_REGION_PATTERN
from evalwh.ingest.errors import QuarantineError, Reject
from evalwh.ingest.inspections import ParsedExport, export_sort_key, parse_export
from evalwh.ingest.workbook import ParsedWorkbook, parse_workbook
from evalwh.store import (
    RAW_TABLES,
    connect_ingest,
    lineage_columns,
    table_columns,
    with_tx,
)

REPORT = "report_workbook"
INSPECTION = "inspection_export"

Progress = Callable[[int, int, str], None]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Candidate:
    path: Path
    rel: str  # path relative to the raw dir, with forward slashes
    kind: str
    sha256: str


@dataclass
class RunSummary:
    run_id: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    files_seen: int = 0
    files_already_seen: int = 0
    files_loaded: int = 0  # files whose rows were loaded by this run (current or not)
    files_superseded: int = 0  # files this run marked superseded (a newer batch is current)
    files_duplicate: int = 0
    files_quarantined: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    rejects_by_reason: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def nothing_new(self) -> bool:
        return self.files_seen == self.files_already_seen

    def as_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k != "rejects_by_reason"}
        out["started_at"] = self.started_at.isoformat()
        out["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        out["rejects_by_reason"] = dict(self.rejects_by_reason)
        return out


def new_run_id() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# A file changed less than this long before it was hashed is not remembered: on a file system
# with coarse timestamps, a second write within the same tick would leave them unchanged
# (git's "racy" entries, handled the same way).
RACY_SECONDS = 2.0
HASH_THREADS = 4  # reading files is mostly I/O; hashlib releases the GIL on large blocks


@dataclass(frozen=True)
class Fingerprint:
    """What a path's stat says about its content: equal fingerprints, the same bytes (a write
    changes mtime and ctime, which no tool can set back; a replacement changes the inode)."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> Fingerprint:
        st = path.stat()
        return cls(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def file_sha256(
    path: Path, rel: str, remembered: dict[str, tuple[Fingerprint, str]]
) -> tuple[str, tuple | None]:
    """The sha256 of the file at ``path``: from ``remembered`` (audit.file_fingerprints) when
    its fingerprint is unchanged, else read and hashed. The second item is the row to remember
    it by next time (None when nothing new is to be remembered, or the file just changed)."""
    before = Fingerprint.of(path)
    known = remembered.get(rel)
    if known is not None and known[0] == before:
        return known[1], None
    sha = sha256_of(path)
    if Fingerprint.of(path) != before:  # written to while it was read: hash it again next run
        return sha, None
    if time.time_ns() - max(before.mtime_ns, before.ctime_ns) < RACY_SECONDS * 1e9:
        return sha, None
    return sha, (rel, before.size, before.mtime_ns, before.ctime_ns, before.inode, sha)


def _remembered(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[Fingerprint, str]]:
    rows = con.execute(
        "select path, size, mtime_ns, ctime_ns, inode, sha256 from audit.file_fingerprints"
    ).fetchall()
    return {path: (Fingerprint(*stat), sha) for path, *stat, sha in rows}


def _remember(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    if rows:
        con.executemany(
            "insert or replace into audit.file_fingerprints values (?, ?, ?, ?, ?, ?)", rows
        )


# The regions an export's findings may have: those a loaded report names, and those of
# findings loaded before (an export that loads again keeps every finding it had, whatever a
# later batch of a report dropped). Exports are parsed against them, and an export whose
# findings were rejected for a region now among them loads again.
KNOWN_REGIONS = (
    "select region_code from raw.officials union select region_code from raw.inspection_findings"
)


# ---------------------------------------------------------------------------- discovery


KINDS = {"reports": REPORT, "inspections": INSPECTION}


def discover(paths: Paths, kinds=tuple(KINDS)) -> Iterator[tuple[Path, str, str]]:
    """(path, relative name, kind) of every file in the landing zone, in a stable order.

    Hidden files (.gitkeep, editor droppings) are not submissions and are passed over.
    """
    wanted = {KINDS[k] for k in kinds}
    for folder, kind in ((paths.reports_dir, REPORT), (paths.inspections_dir, INSPECTION)):
        if kind not in wanted or not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink()):
            rel = path.relative_to(paths.raw_dir).as_posix()
            if any(part.startswith(".") for part in Path(rel).parts):
                continue
            yield path, rel, kind


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve(strict=True).is_relative_to(root)
    except (OSError, RuntimeError):
        return False


# ---------------------------------------------------------------------------- parsing


def _parse(
    candidate: Candidate, known_regions: frozenset[str] | None = None
) -> ParsedWorkbook | ParsedExport | QuarantineError:
    """Runs in a worker process: everything but the database. `known_regions` (for exports):
    the region codes of the loaded reports; findings of other regions become rejects.

    The cyclic garbage collector is paused meanwhile. A parse allocates a list per row (the
    readers' rows) that lives until the parse ends, so the collector walked them again and
    again (gen 2 included) while finding nothing: about a fifth of the CPU of a national file.
    What a parse frees, reference counting frees; the collector runs again after it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse_file(candidate, known_regions)
    finally:
        if enabled:
            gc.enable()


def _parse_file(
    candidate: Candidate, known_regions: frozenset[str] | None
) -> ParsedWorkbook | ParsedExport | QuarantineError:
    try:
        if candidate.kind == REPORT:
            if candidate.path.suffix.lower() != ".xlsx":
                raise QuarantineError("not_xlsx", "report files must be .xlsx workbooks")
            return parse_workbook(candidate.path, candidate.rel)
        return parse_export(candidate.path, candidate.rel, known_regions)
    except QuarantineError as exc:
        return exc
    except MemoryError:
        return QuarantineError("too_large", "the file does not fit in memory")
    except Exception as exc:  # a reader crash on a hostile file must not stop the run
        return QuarantineError("corrupt", f"unreadable: {type(exc).__name__}: {exc}")


def _worker_pool(workers: int) -> ProcessPoolExecutor | None:
    """A pool of parser processes, or None where this process may not start children (a
    daemonic host such as a Celery prefork worker)."""
    # pyarrow's first conversion of a Python list imports pandas (about 1 s of CPU), to ask
    # whether the list is a pandas object. Done here, before the workers fork, they inherit it
    # instead of each paying it; this process would pay it anyway for its own tables.
    pa.array([0])
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        pool.submit(int).result()
    except (AssertionError, OSError) as exc:
        pool.shutdown(wait=False, cancel_futures=True)
        log.warning("parsing in this process: no worker processes (%s)", exc)
        return None
    return pool


def _parsed(
    candidates: list[Candidate], workers: int, known_regions: frozenset[str] | None = None
) -> Iterable[tuple[Candidate, ParsedWorkbook | ParsedExport | QuarantineError]]:
    pool = _worker_pool(workers) if workers > 1 and len(candidates) > 1 else None
    if pool is None:
        for candidate in candidates:
            yield candidate, _parse(candidate, known_regions)
        return
    # At most 2 files per worker in flight: parsed files never pile up in the writer's memory
    # when it falls behind (pool.map would queue every result of the run).
    ahead = 2 * workers
    with pool:
        pending = deque()
        for candidate in candidates:
            pending.append((candidate, pool.submit(_parse, candidate, known_regions)))
            if len(pending) >= ahead:
                done, future = pending.popleft()
                yield done, future.result()
        for done, future in pending:
            yield done, future.result()


# ---------------------------------------------------------------------------- writing


class Loader:
    def __init__(self, con: duckdb.DuckDBPyConnection, paths: Paths, summary: RunSummary):
        self.con = con
        self.paths = paths
        self.summary = summary
        self.run_id = summary.run_id
        self.columns = {t: table_columns(con, "raw_rows", t) for t in RAW_TABLES}
        self._loaded_before: dict[str, tuple[str, str]] = {}  # rel -> (sha256, run_id)

    # -- bookkeeping
    def _source_file(self, c: Candidate, status: str, province=None, year=None, batch=None) -> None:
        self.con.execute(
            "insert into audit.source_files values (?, ?, ?, ?, ?, ?, ?, ?)",
            [c.rel, c.sha256, c.kind, province, year, batch, status, self.run_id],
        )

    def quarantine(self, c: Candidate, error: QuarantineError) -> None:
        with_tx(self.con, lambda: self._quarantine(c, error))
        self.summary.files_quarantined += 1
        self.summary.quarantined.append((c.rel, error.reason))
        target = self.paths.quarantine_dir / self.run_id / c.rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):  # the audit record counts; the copy is a convenience
            shutil.copyfile(c.path, target)

    def _quarantine(self, c: Candidate, error: QuarantineError) -> None:
        self._forget_earlier_load(c)
        self._source_file(c, "quarantined")
        self.con.execute(
            "insert into audit.quarantine values (?, ?, ?)", [c.rel, error.reason, self.run_id]
        )

    def duplicate(self, c: Candidate) -> None:
        """A byte-identical copy of a file seen before: recorded, never loaded again."""
        original = self.con.execute(
            "select province_code, year, batch from audit.source_files where sha256 = ? "
            "order by status <> 'duplicate' desc limit 1",
            [c.sha256],
        ).fetchone() or (None, None, None)
        with_tx(self.con, lambda: self._source_file(c, "duplicate", *original))
        self.summary.files_duplicate += 1

    def _rejects(self, rejects: list[Reject]) -> None:
        if not rejects:
            return
        self.con.executemany(
            "insert into audit.rejects values (?, ?, ?, ?, ?, ?)",
            [
                [
                    r.file,
                    r.sheet,
                    r.row_number,
                    r.reason,
                    json.dumps(r.raw_values, ensure_ascii=False, default=str),
                    self.run_id,
                ]
                for r in rejects
            ],
        )
        self.summary.rows_rejected += len(rejects)
        self.summary.rejects_by_reason.update(r.code for r in rejects)

    def _insert(
        self,
        tables: dict[str, pa.Table],
        constants: dict[str, object],
        sheets: dict[str, str] | None = None,
    ) -> None:
        """Insert one file's tables (a worker's Arrow tables, built column by column in the
        worker: they pickle as a few buffers, and DuckDB reads them directly): their lineage
        (`constants`, and the sheet each table came from) into raw.lineage, one row per table
        and one statement for all, then each table's rows into raw_rows.<table>."""
        tables = {table: arrow for table, arrow in tables.items() if len(arrow)}
        if not tables:
            return
        names = lineage_columns(next(iter(tables)))
        lineage_rows = pa.table(  # noqa: F841 (read by DuckDB below)
            {
                "raw_table": list(tables),
                **{
                    c: [sheets[t] if c == "sheet" else constants.get(c) for t in tables]
                    for c in names
                },
            }
        )
        ids = dict(
            self.con.execute(
                f"insert into raw.lineage (lineage_id, raw_table, {', '.join(names)}) "
                "select nextval('raw.lineage_ids'), * from lineage_rows "
                "returning raw_table, lineage_id"
            ).fetchall()
        )
        for table, arrow in tables.items():
            columns = self.columns[table]
            given = set(arrow.column_names)

            def source(column: str, given=given) -> str:
                if column == "lineage_id":
                    return "$lineage_id"
                return f'arrow."{column}"' if column in given else "null"

            select = ", ".join(source(c) for c in columns)
            self.con.execute(
                f"insert into raw_rows.{table} ({', '.join(columns)}) select {select} from arrow",
                {"lineage_id": ids[table]},
            )
            self.summary.rows_loaded += len(arrow)

    # -- one file each
    def workbook(self, c: Candidate, parsed: ParsedWorkbook) -> None:
        cover = parsed.cover
        clash = self.con.execute(
            "select path from audit.source_files where kind = ? and province_code = ? "
            "and year = ? and batch = ? and status in ('loaded', 'superseded')",
            [REPORT, cover.province_code, cover.year, cover.batch],
        ).fetchone()
        if clash:
            self.quarantine(
                c,
                QuarantineError(
                    "batch_conflict",
                    f"batch {cover.batch} of {cover.province_code}/{cover.year} was already "
                    f"loaded from {clash[0]} with different content; resubmit with a higher "
                    "报送批次",
                ),
            )
            return
        constants = {
            "report_year": cover.year,
            "province_code": cover.province_code,
            "province_name": cover.province_name,
            "batch": cover.batch,
            "template_version": cover.template_version,
            "source_file": c.rel,
            "file_sha256": c.sha256,
            "run_id": self.run_id,
        }

        def write() -> None:
            self._insert(parsed.tables, constants, parsed.sheets)
            self._rejects(parsed.rejects)
            self._source_file(c, "loaded", cover.province_code, cover.year, cover.batch)
            self.summary.files_loaded += 1
            # files this run turned into `superseded`: older batches, or this file itself
            self.summary.files_superseded += len(
                self._settle_batches(cover.province_code, cover.year)
            )

        with_tx(self.con, write)

    def _settle_batches(self, province: str, year: int) -> set[str]:
        """The highest batch of a province-year is current; return the files this superseded."""
        rows = self.con.execute(
            "select path, batch, status from audit.source_files where kind = ? "
            "and province_code = ? and year = ? and status in ('loaded', 'superseded') "
            "order by batch desc",
            [REPORT, province, year],
        ).fetchall()
        newly = {path for path, _batch, status in rows[1:] if status == "loaded"}
        if newly:
            self.con.execute(
                "update audit.source_files set status = 'superseded' where kind = ? and "
                "province_code = ? and year = ? and path in (select unnest(?::varchar[]))",
                [REPORT, province, year, sorted(newly)],
            )
        return newly

    def export(self, c: Candidate, parsed: ParsedExport) -> None:
        """An export parsed with the known regions: its rows and its rejects, in one go."""
        rows, rejects = parsed.rows, parsed.rejects
        constants = {
            "export_date": parsed.export_date,
            "export_order": 0,  # set for all exports at the end of the run
            "source_file": c.rel,
            "file_sha256": c.sha256,
            "run_id": self.run_id,
        }

        def write() -> None:
            self._forget_earlier_load(c)
            self._insert({"inspection_findings": rows}, constants)
            self._rejects(rejects)
            self._source_file(c, "loaded")
            self.summary.files_loaded += 1

        with_tx(self.con, write)

    # -- exports whose findings waited for their regions' reports
    def exports_waiting_for_regions(self) -> list[Candidate]:
        """Loaded exports with a finding rejected as unknown_region whose region is known now
        (KNOWN_REGIONS: a report has brought it since), still in the landing zone as they were
        loaded (its sha256 learnt as discovery learns it): they load again in this run, as if
        they had arrived after that report.

        An export can load before the reports that name its regions: the two ingest DAGs run
        on their own schedules (on a fresh deployment, side by side), and an export may simply
        arrive first. Without this, its findings would stay rejected for good, and the order of
        arrival would decide what the warehouse holds. A region no report names stays rejected.
        The earlier load is forgotten in the transaction that records the new one.
        """
        waiting = self.con.execute(
            "select f.path, f.sha256, f.run_id from audit.source_files as f "
            "where f.kind = ? and f.status = 'loaded' and exists ("
            "  select 1 from audit.rejects as r where r.file = f.path and r.run_id = f.run_id"
            f"  and regexp_extract(r.reason, ?, 1) in ({KNOWN_REGIONS})"
            ") order by f.path",
            [INSPECTION, UNKNOWN_REGION_PATTERN],
        ).fetchall()
        again = []
        remembered = _remembered(self.con) if waiting else {}
        for rel, sha, run_id in waiting:
            path = self.paths.raw_dir / rel
            if not (path.is_file() and _inside(path, self.paths.raw_dir)):
                continue  # gone from raw/: its rejects stay as they are
            now, fingerprint = file_sha256(path, rel, remembered)
            if fingerprint:
                with_tx(self.con, lambda row=fingerprint: _remember(self.con, [row]))
            if now != sha:
                continue  # changed since: the new version loads as a new file
            self._loaded_before[rel] = (sha, run_id)
            again.append(Candidate(path, rel, INSPECTION, sha))
        if again:
            log.info("%d export(s) load again: their regions' reports have arrived", len(again))
        return again

    def _forget_earlier_load(self, c: Candidate) -> None:
        """An export loading again (exports_waiting_for_regions): its earlier rows, rejects and
        file record go in the same transaction that records it anew."""
        earlier = self._loaded_before.pop(c.rel, None)
        if earlier is None:
            return
        sha, run_id = earlier
        earlier_rows = (
            "select lineage_id from raw.lineage where raw_table = 'inspection_findings' "
            "and source_file = ? and file_sha256 = ?"
        )
        self.con.execute(
            f"delete from raw_rows.inspection_findings where lineage_id in ({earlier_rows})",
            [c.rel, sha],
        )
        self.con.execute(
            "delete from raw.lineage where raw_table = 'inspection_findings' "
            "and source_file = ? and file_sha256 = ?",
            [c.rel, sha],
        )
        self.con.execute("delete from audit.rejects where file = ? and run_id = ?", [c.rel, run_id])
        self.con.execute(
            "delete from audit.source_files where path = ? and sha256 = ?", [c.rel, sha]
        )

    # -- after all files
    def order_exports(self) -> None:
        files = self.con.execute(
            "select distinct l.source_file from raw.lineage as l "
            "where l.raw_table = 'inspection_findings' and exists ("
            "  select 1 from raw_rows.inspection_findings as r where r.lineage_id = l.lineage_id)"
        ).fetchall()
        ranked = sorted((export_sort_key(Path(f).name), f) for (f,) in files)
        export_ranks = pa.table(  # noqa: F841 (read by DuckDB below)
            {"source_file": [f for _, f in ranked], "ord": list(range(1, len(ranked) + 1))}
        )
        self.con.execute(
            "update raw.lineage as f set export_order = o.ord from export_ranks as o "
            "where f.raw_table = 'inspection_findings' and f.source_file = o.source_file "
            "and f.export_order <> o.ord"
        )

    def reconcile_links(self) -> None:
        """Move outcomes/rectifications whose previous-year record does not exist to rejects.

        Only where a workbook could have changed the answer: the (province, year) of every
        workbook this run recorded and the year after it (whose outcomes point back at it),
        and the same for runs that did not succeed (killed or failed before they got here).
        A run that loaded no workbook checks nothing: checking the whole raw layer on every
        run cost 8 s at national scale, even for an ingest of one export.
        """
        touched = self.con.execute(
            "select distinct f.province_code, f.year from audit.source_files as f "
            "join audit.load_runs as r on r.run_id = f.run_id "
            "where f.kind = ? and f.province_code is not null and f.year is not null "
            "and (f.run_id = ? or r.status <> 'succeeded')",
            [REPORT, self.run_id],
        ).fetchall()
        if not touched:
            return
        scope = pa.table(  # noqa: F841 (read by DuckDB below)
            {
                "province_code": [p for p, _ in touched for _ in (0, 1)],
                "report_year": [y + d for _, y in touched for d in (0, 1)],
            }
        )
        for table, target, key, code in (
            ("commitment_outcomes", "commitments", "commitment_id", "unknown_commitment"),
            ("rectifications", "problems", "problem_id", "unknown_problem"),
        ):
            # on the stored rows and their lineage: the files' status is checked once per
            # lineage row, not once per raw row through the raw.<table> views
            current = (
                "select l.lineage_id, l.province_code, l.report_year from raw.lineage as l "
                "join audit.source_files as f on f.sha256 = l.file_sha256 "
                "and f.path = l.source_file and f.status = 'loaded' where l.raw_table = "
            )
            orphans = self.con.execute(
                f"""
                with checked as (
                    select c.* from ({current} '{table}') as c
                    join (select distinct province_code, report_year from scope) as s
                      on s.province_code = c.province_code and s.report_year = c.report_year
                    where exists (
                        select 1 from audit.source_files as p
                        where p.kind = '{REPORT}' and p.status = 'loaded'
                          and p.province_code = c.province_code and p.year = c.report_year - 1)
                ),
                made as (
                    select t.{key}, c.province_code, c.report_year + 1 as report_year
                    from raw_rows.{target} as t join ({current} '{target}') as c
                      on c.lineage_id = t.lineage_id
                )
                select o.rowid from raw_rows.{table} as o
                join checked as c on c.lineage_id = o.lineage_id
                where not exists (
                    select 1 from made as m where m.{key} = o.{key}
                      and m.province_code = c.province_code and m.report_year = c.report_year)
                """
            ).fetchall()
            if not orphans:
                continue
            orphan_rows = pa.table(  # read by DuckDB (replacement scan) below
                {"row_id": pa.array([row_id for (row_id,) in orphans], pa.int64())}
            )
            lineage = set(lineage_columns(table))
            as_read = ", ".join(  # raw.<table>'s columns, as its view reads them
                f"{'l' if c in lineage else 'o'}.{c}" for c in table_columns(self.con, "raw", table)
            )
            rows = self.con.execute(
                f"select v.source_file, v.sheet, v.row_number, v.{key}, v.report_year, "
                f"to_json(v) from (select {as_read} from raw_rows.{table} as o "
                "  join raw.lineage as l on l.lineage_id = o.lineage_id"
                "  where o.rowid in (select row_id from orphan_rows)) as v "
                "order by v.source_file, v.row_number"
            ).fetchall()
            rejects = [
                Reject(
                    file,
                    sheet,
                    row,
                    f"{code}: {key} {ident} was not made in the {year - 1} report",
                    json.loads(values),
                )
                for file, sheet, row, ident, year, values in rows
            ]

            def move(orphan_rows=orphan_rows, rejects=rejects, table=table) -> None:
                self._rejects(rejects)
                self.con.execute(
                    f"delete from raw_rows.{table} where rowid in (select row_id from orphan_rows)"
                )
                self.summary.rows_loaded -= len(orphan_rows)

            with_tx(self.con, move)


# ---------------------------------------------------------------------------- the run


def ingest(
    paths: Paths | None = None,
    run_id: str | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    kinds: tuple[str, ...] = tuple(KINDS),
) -> RunSummary:
    """Load everything new in the landing zone. Safe to call again: nothing loads twice.

    `kinds` limits the run to "reports" and/or "inspections" (the two ingest DAGs).
    """
    paths = paths or default_paths()
    started = time.perf_counter()
    summary = RunSummary(run_id or new_run_id(), dt.datetime.now())
    with connect_ingest(paths.ingest_db) as con:
        mark_interrupted(con)
        con.execute(
            "insert into audit.load_runs (run_id, started_at, status) values (?, ?, 'running')",
            [summary.run_id, summary.started_at],
        )
        try:
            _run(con, paths, summary, workers, progress, kinds)
        except BaseException as exc:
            finish_run(con, summary, "failed", f"{type(exc).__name__}: {exc}")
            raise
        finish_run(con, summary, "succeeded", None)
    summary.seconds = time.perf_counter() - started
    return summary


def mark_interrupted(con) -> list[str]:
    """Runs still 'running' when a new run opens the ingest DB were killed (kill -9, OOM, power):
    DuckDB lets one process write the file, so no other run can be alive. They become
    'interrupted', with the counts of what they committed (per-file transactions: each of
    their files is either fully loaded or not at all; the rest loads in a later run)."""
    rows_loaded = " + ".join(
        f"(select count(*) from raw.{t} where run_id = r.run_id)" for t in RAW_TABLES
    )
    rows = con.execute(
        "update audit.load_runs as r set status = 'interrupted', finished_at = ?, "
        "files_loaded = (select count(*) from audit.source_files as f where f.run_id = r.run_id "
        "  and f.status in ('loaded', 'superseded')), "
        "files_quarantined = (select count(*) from audit.quarantine as q "
        "  where q.run_id = r.run_id), "
        "rows_rejected = (select count(*) from audit.rejects as j where j.run_id = r.run_id), "
        f"rows_loaded = {rows_loaded}, "
        "message = 'interrupted: the run ended without finishing (killed or crashed); what it "
        "committed is counted here, the files it had not committed load in a later run' "
        "where status = 'running' returning run_id",
        [dt.datetime.now()],
    ).fetchall()
    return [r[0] for r in rows]


def finish_run(con, summary: RunSummary, status: str, message: str | None) -> None:
    summary.finished_at = dt.datetime.now()
    con.execute(
        "update audit.load_runs set finished_at = ?, files_loaded = ?, files_quarantined = ?, "
        "rows_loaded = ?, rows_rejected = ?, status = ?, message = ? where run_id = ?",
        [
            summary.finished_at,
            summary.files_loaded,
            summary.files_quarantined,
            summary.rows_loaded,
            summary.rows_rejected,
            status,
            message,
            summary.run_id,
        ],
    )


def _run(con, paths: Paths, summary: RunSummary, workers: int, progress, kinds) -> None:
    loader = Loader(con, paths, summary)
    known = set(con.execute("select path, sha256 from audit.source_files").fetchall())
    seen_shas = {sha for _path, sha in known}
    fresh: list[Candidate] = []
    copies: list[Candidate] = []
    inside: list[tuple[Path, str, str]] = []
    for path, rel, kind in discover(paths, kinds):
        summary.files_seen += 1
        if not _inside(path, paths.raw_dir):  # never read: no hash, recorded once
            if (rel, "") in known:
                summary.files_already_seen += 1
            else:
                known.add((rel, ""))
                loader.quarantine(
                    Candidate(path, rel, kind, ""),
                    QuarantineError("outside_landing_zone", "links outside raw/"),
                )
            continue
        inside.append((path, rel, kind))
    # the files' sha256, in discovery order: a file seen before (same fingerprint) is not read
    remembered = _remembered(con)
    with ThreadPoolExecutor(HASH_THREADS) as hashing:
        digests = list(hashing.map(lambda f: file_sha256(f[0], f[1], remembered), inside))
    with_tx(con, lambda: _remember(con, [row for _sha, row in digests if row]))
    for (path, rel, kind), (sha, _row) in zip(inside, digests, strict=True):
        candidate = Candidate(path, rel, kind, sha)
        if (rel, candidate.sha256) in known:
            summary.files_already_seen += 1
        elif candidate.sha256 in seen_shas:
            copies.append(candidate)
        else:
            seen_shas.add(candidate.sha256)
            fresh.append(candidate)

    reports = [c for c in fresh if c.kind == REPORT]
    exports = sorted(
        (c for c in fresh if c.kind == INSPECTION),
        key=lambda c: _export_key(c.path.name),
    )
    total, done = len(fresh), 0
    for candidate, parsed in _parsed(reports, workers):
        if isinstance(parsed, QuarantineError):
            loader.quarantine(candidate, parsed)
        else:
            loader.workbook(candidate, parsed)
        done += 1
        if progress:
            progress(done, total, candidate.rel)

    waited = loader.exports_waiting_for_regions()
    if waited:
        exports = sorted([*exports, *waited], key=lambda c: _export_key(c.path.name))
        total += len(waited)
    known_regions = (
        frozenset(r for (r,) in con.execute(KNOWN_REGIONS).fetchall()) if exports else None
    )
    for candidate, parsed in _parsed(exports, workers, known_regions):
        if isinstance(parsed, QuarantineError):
            loader.quarantine(candidate, parsed)
        else:
            loader.export(candidate, parsed)
        done += 1
        if progress:
            progress(done, total, candidate.rel)

    for candidate in copies:  # after the originals, so their province/year/batch are known
        loader.duplicate(candidate)
    loader.reconcile_links()
    if exports:
        with_tx(con, loader.order_exports)


def _export_key(name: str) -> tuple:
    try:
        return (0, *export_sort_key(name))
    except QuarantineError:
        return (1, dt.date.min, name)  # badly named files sort last; they are quarantined


def forget_year(paths: Paths, year: int) -> list[str]:
    """Unload one reporting year's workbooks so that the next ingest reads them again from raw/.

    For the data team's "rebuild one reporting year" (after a parser fix, say): the year's raw
    rows, rejects and file records go; the files themselves stay in raw/ and load again, each
    in its own transaction, on the next run. Returns the paths that were unloaded.
    """
    workbook_tables = [t for t in RAW_TABLES if t != "inspection_findings"]
    with connect_ingest(paths.ingest_db) as con:
        files = [
            path
            for (path,) in con.execute(
                "select path from audit.source_files where kind = ? and year = ? "
                "and status in ('loaded', 'superseded', 'duplicate')",
                [REPORT, year],
            ).fetchall()
        ]

        def unload() -> None:
            for table in workbook_tables:
                con.execute(
                    f"delete from raw_rows.{table} where lineage_id in (select lineage_id "
                    "from raw.lineage where raw_table = ? and report_year = ?)",
                    [table, year],
                )
            con.execute(
                "delete from raw.lineage where raw_table <> 'inspection_findings' "
                "and report_year = ?",
                [year],
            )
            con.execute(
                "delete from audit.rejects where file in (select unnest(?::varchar[]))", [files]
            )
            con.execute(
                "delete from audit.source_files where kind = ? and year = ?", [REPORT, year]
            )

        with_tx(con, unload)
    return files
