"""Write → audit → publish: turn the dbt staging file into the published warehouse, atomically.

The flow (one pipeline run, under `pipeline_lock()`)::

    copy_audit_into(staging_db, ingest_db)            # marts + audit only, no .wal
    gate = evalwh.quality.validate(staging_db, published_db, data_docs_dir, ...)
    publish(staging_db, published_db, ingest_db, run_id, gate)

`publish()` refuses unless ``gate.passed``. It then

1. takes the next version number, ``max(version) + 1`` of the ingest DB's
   audit.published_versions (the ingest DB is the system of record);
2. inserts this version's row into the staging file's audit.published_versions with
   ``sha256 = NULL`` (a file cannot contain its own hash: in every published file the newest row
   has sha256 NULL, the earlier versions carry theirs), CHECKPOINTs and closes it;
3. copies the staging file to a temp file beside the published one (hashing while copying),
   fsyncs it, chmods it 0o444, ``os.replace``s it onto ``published/evaluation.duckdb`` and fsyncs
   the directory. A reader that has the old file open keeps reading the old inode; a new open
   sees either the old or the new file, never a partial one. A crash before the rename leaves
   the old version, after it the new one;
4. records the full row (with the sha256) in the ingest DB and sets
   audit.load_runs.published = true for ``run_id``;
5. writes the sidecar ``evaluation.duckdb.sha256`` (sha256sum format) atomically;
6. exports every marts table to ``published/parquet/<table>.parquet`` (zstd): the tables are
   written into a fresh ``published/.parquet-v<N>-<token>/`` directory, and ``published/parquet``
   is a symlink swapped atomically (``os.replace`` of a new symlink) onto it. The directory also
   holds ``_VERSION`` (version and sha256 of the DuckDB file it was exported from).

If a crash happens between 3 and 6, the next `publish()` first reconciles (`reconcile()`): it
records the orphan version found in the published file, rewrites the sidecar, re-exports the
Parquet files, and removes stale temp files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import secrets
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from evalwh.locking import PipelineLockedError, pipeline_lock

if TYPE_CHECKING:  # no runtime import: evalwh.quality.gate imports nothing heavy either
    from evalwh.quality.gate import GateResult

__all__ = [
    "AUDIT_TABLES",
    "GateNotPassedError",
    "PipelineLockedError",
    "PublishedVersion",
    "copy_audit_into",
    "export_marts",
    "file_sha256",
    "parquet_exported_meanwhile",
    "pipeline_lock",
    "publish",
    "reconcile",
]

log = logging.getLogger(__name__)

AUDIT_TABLES = ("load_runs", "source_files", "quarantine", "rejects", "published_versions")
KEEP_SCHEMAS = ("marts", "audit")
_COPY_BUF = 8 * 1024 * 1024


class GateNotPassedError(RuntimeError):
    """publish() was asked to publish something the quality gate did not pass."""


@dataclass(frozen=True)
class PublishedVersion:
    version: int
    run_id: str | None
    published_at: dt.datetime
    checks_passed: int
    checks_total: int
    sha256: str
    path: Path
    parquet_dir: Path

    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "run_id": self.run_id,
            "published_at": self.published_at.isoformat(),
            "checks_passed": self.checks_passed,
            "checks_total": self.checks_total,
            "sha256": self.sha256,
            "path": str(self.path),
            "parquet_dir": str(self.parquet_dir),
        }


# ----------------------------------------------------------------------------- helpers
def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_COPY_BUF):
            h.update(chunk)
    return h.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _q(ident: str) -> str:
    return '"' + ident.replace('"', '""') + '"'


def _wal(db: Path) -> Path:
    return db.with_name(db.name + ".wal")


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{secrets.token_hex(4)}")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _default_lock_file(published_db: Path) -> Path:
    # <warehouse>/published/evaluation.duckdb → <warehouse>/.pipeline.lock (= paths().lock_file)
    return published_db.parent.parent / ".pipeline.lock"


# ----------------------------------------------------------------------------- step 1
def copy_audit_into(staging_db: str | Path, ingest_db: str | Path) -> None:
    """Make the dbt staging file publishable: only schemas ``marts`` and ``audit`` remain.

    * views in ``marts`` are materialised as tables first (with the ingest DB attached read-only
      as ``ingest``, as dbt sees it), so no view in the file references an attached database or a
      dropped schema;
    * every other schema is dropped (``staging``, ``intermediate``, ...), and every table, view,
      sequence and macro of ``main``;
    * schema ``audit`` is recreated with copies of the five audit tables of the ingest DB;
    * CHECKPOINT, so the file has no .wal when this returns.
    """
    staging_db, ingest_db = Path(staging_db), Path(ingest_db)
    if not ingest_db.exists():
        raise FileNotFoundError(f"ingest database {ingest_db} does not exist")
    with duckdb.connect(str(staging_db)) as con:
        db = con.execute("select current_database()").fetchall()[0][0]
        con.execute(f"attach {_lit(str(ingest_db))} as ingest (read_only)")
        try:
            views = con.execute(
                "select schema_name, view_name from duckdb_views() "
                "where not internal and database_name = ? and schema_name = 'marts'",
                [db],
            ).fetchall()
            for schema, view in views:
                tmp = f"__materialising_{view}"
                con.execute(
                    f"create table {_q(schema)}.{_q(tmp)} as select * from {_q(schema)}.{_q(view)}"
                )
                con.execute(f"drop view {_q(schema)}.{_q(view)}")
                con.execute(f"alter table {_q(schema)}.{_q(tmp)} rename to {_q(view)}")
            schemas = [
                r[0]
                for r in con.execute(
                    "select schema_name from duckdb_schemas() where database_name = ? "
                    "and not internal",
                    [db],
                ).fetchall()
            ]
            for schema in schemas:
                if schema in KEEP_SCHEMAS or schema == "main":
                    continue
                con.execute(f"drop schema {_q(schema)} cascade")
            _empty_main(con, db)
            con.execute("drop schema if exists audit cascade")
            con.execute("create schema audit")
            for t in AUDIT_TABLES:
                con.execute(f"create table audit.{t} as select * from ingest.audit.{t}")
        finally:
            con.execute("detach ingest")
        leftover = con.execute(
            "select schema_name || '.' || view_name from duckdb_views() "
            "where not internal and database_name = ?",
            [db],
        ).fetchall()
        if leftover:
            raise RuntimeError(f"views left in {staging_db}: {[r[0] for r in leftover]}")
        con.execute("checkpoint")
    if _wal(staging_db).exists():
        raise RuntimeError(f"{_wal(staging_db)} still exists after CHECKPOINT")


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _empty_main(con: duckdb.DuckDBPyConnection, db: str) -> None:
    for (v,) in con.execute(
        "select view_name from duckdb_views() where not internal and database_name = ? "
        "and schema_name = 'main'",
        [db],
    ).fetchall():
        con.execute(f"drop view main.{_q(v)} cascade")
    for (t,) in con.execute(
        "select table_name from duckdb_tables() where database_name = ? and schema_name = 'main'",
        [db],
    ).fetchall():
        con.execute(f"drop table main.{_q(t)} cascade")
    for (s,) in con.execute(
        "select sequence_name from duckdb_sequences() where database_name = ? "
        "and schema_name = 'main'",
        [db],
    ).fetchall():
        con.execute(f"drop sequence main.{_q(s)} cascade")
    for name, ftype in con.execute(
        "select distinct function_name, function_type from duckdb_functions() "
        "where not internal and database_name = ? and schema_name = 'main' "
        "and function_type in ('macro', 'table_macro')",
        [db],
    ).fetchall():
        kind = "macro table" if ftype == "table_macro" else "macro"
        con.execute(f"drop {kind} main.{_q(name)}")


# ----------------------------------------------------------------------------- parquet
def _parquet_marker(parquet_dir: Path) -> dict | None:
    try:
        return json.loads((parquet_dir / "_VERSION").read_text("utf-8"))
    except (OSError, ValueError):
        return None


def export_marts(db: Path, target_dir: Path, threads: int | None = None) -> list[str]:
    """Every marts table of ``db`` (opened read-only) to ``target_dir/<table>.parquet`` (zstd);
    returns the tables."""
    with duckdb.connect(str(db), read_only=True) as con:
        if threads:
            con.execute(f"set threads = {int(threads)}")
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' "
                "order by table_name"
            ).fetchall()
        ]
        for t in tables:
            target = target_dir / f"{t}.parquet"
            con.execute(
                f"copy (select * from marts.{_q(t)}) to {_lit(str(target))} "
                "(format parquet, compression zstd)"
            )
    return tables


# The staging file's marts exported while the gate validates it (`parquet_exported_meanwhile`),
# in the staging directory, with a marker of the file state it was exported from.
PENDING_PARQUET = "parquet-pending"
_PENDING_MARKER = "_EXPORTED_FROM"


def pending_parquet_dir(staging_db: Path) -> Path:
    return Path(staging_db).parent / PENDING_PARQUET


@contextlib.contextmanager
def parquet_exported_meanwhile(staging_db: str | Path) -> Iterator[None]:
    """While the block runs (the gate, which only reads the staging file), a subprocess exports
    the staging file's marts to Parquet, on one DuckDB thread (the gate's Great Expectations
    work is single-threaded Python: the export takes the other core). `publish()` then moves
    that export into place instead of writing it after the swap, if it was made from the file
    state the gate validated. The block's outcome does not depend on the export: if the export
    fails, publish exports as before. An interrupt kills it."""
    from evalwh.quality.gate import fingerprint

    staging_db = Path(staging_db)
    pending = pending_parquet_dir(staging_db)
    shutil.rmtree(pending, ignore_errors=True)
    command = [sys.executable, "-m", "evalwh.publish", "export-pending", str(staging_db)]
    try:
        exported_from = json.dumps(list(fingerprint(staging_db)))
        process = subprocess.Popen([*command, exported_from])
    except OSError as exc:  # no staging file (the gate says so) or no process: no export
        log.warning("no Parquet export during the gate: %s", exc)
        yield
        return
    with process:
        try:
            yield
            returncode = process.wait()
        except BaseException:
            process.kill()
            process.wait()
            shutil.rmtree(pending, ignore_errors=True)
            raise
    if returncode != 0:
        log.warning("the Parquet export during the gate failed (exit %s)", returncode)
        shutil.rmtree(pending, ignore_errors=True)


def _export_pending(staging_db: Path, exported_from: list[int]) -> None:
    """The subprocess of `parquet_exported_meanwhile`: export, then write the marker last."""
    pending = pending_parquet_dir(staging_db)
    pending.mkdir()
    tables = export_marts(staging_db, pending, threads=1)
    marker = {"fingerprint": exported_from, "tables": tables}
    (pending / _PENDING_MARKER).write_text(json.dumps(marker), encoding="utf-8")


def _usable_pending(staging_db: Path, gate: GateResult) -> list[str] | None:
    """The tables of the pending export, if it is whole and was made from the file state the
    gate validated (`fingerprint`: size and mtime); None otherwise."""
    if gate.staging_fingerprint is None:
        return None
    try:
        marker = json.loads((pending_parquet_dir(staging_db) / _PENDING_MARKER).read_text())
    except (OSError, ValueError):
        return None
    if list(marker.get("fingerprint") or ()) != list(gate.staging_fingerprint):
        return None
    tables = list(marker.get("tables") or ())
    if not all((pending_parquet_dir(staging_db) / f"{t}.parquet").is_file() for t in tables):
        return None
    return tables


def _export_parquet(
    published_db: Path,
    parquet_dir: Path,
    version: int,
    sha256: str,
    pending: tuple[Path, list[str]] | None = None,
) -> None:
    """Export marts.* into a fresh directory (or move ``pending``, an export of the same marts
    made during the gate, into it), then swap the ``parquet`` symlink onto it."""
    base = parquet_dir.parent
    new_dir = base / f".parquet-v{version}-{secrets.token_hex(4)}"
    tables = None
    if pending is not None:
        try:
            pending[0].rename(new_dir)
            (new_dir / _PENDING_MARKER).unlink()
            tables = pending[1]
        except OSError as exc:  # e.g. staging/ on another file system: export here instead
            log.warning("could not move the Parquet exported during the gate: %s", exc)
            shutil.rmtree(new_dir, ignore_errors=True)
    if tables is None:
        new_dir.mkdir()
        tables = export_marts(published_db, new_dir)
    marker = {"version": version, "sha256": sha256, "tables": tables}
    (new_dir / "_VERSION").write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    for f in new_dir.iterdir():
        with open(f, "rb") as fh:
            os.fsync(fh.fileno())
    _fsync_dir(new_dir)
    if parquet_dir.exists() and not parquet_dir.is_symlink():
        # first publish over a plain directory (e.g. made by hand): move it aside once
        parquet_dir.rename(base / f".parquet-legacy-{secrets.token_hex(4)}")
    link_tmp = base / f".parquet-link-{secrets.token_hex(4)}"
    os.symlink(new_dir.name, link_tmp)
    os.replace(link_tmp, parquet_dir)
    _fsync_dir(base)
    _prune_parquet_dirs(base, keep={new_dir.name})


def _prune_parquet_dirs(base: Path, keep: set[str], keep_previous: int = 1) -> None:
    """Remove old export directories; keep the current one and the newest ``keep_previous``
    others (a reader may still be listing it). Open files stay readable after removal."""
    olds = sorted(
        (p for p in base.glob(".parquet-*") if p.is_dir() and p.name not in keep),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for p in olds[keep_previous:]:
        shutil.rmtree(p, ignore_errors=True)
    for p in base.glob(".parquet-link-*"):
        with contextlib.suppress(OSError):
            p.unlink()


# ----------------------------------------------------------------------------- reconcile
def _newest_row(db: Path) -> tuple | None:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select version, run_id, published_at, checks_passed, checks_total "
            "from audit.published_versions order by version desc limit 1"
        ).fetchall()
    return rows[0] if rows else None


def reconcile(published_db: str | Path, ingest_db: str | Path) -> int | None:
    """Repair what a crash after the rename can leave behind; return the version repaired.

    Removes stale temp files beside the published file; if the published file's own version is
    missing from the ingest DB's audit.published_versions, records it (with the file's sha256)
    and marks its run published; rewrites a wrong sidecar; re-exports stale Parquet files.
    Call with the pipeline lock held (`publish()` does).
    """
    published_db, ingest_db = Path(published_db), Path(ingest_db)
    base = published_db.parent
    for p in base.glob(f".{published_db.name}.tmp-*"):
        with contextlib.suppress(OSError):
            p.unlink()
    if not published_db.exists():
        return None
    row = _newest_row(published_db)
    if row is None:
        return None
    version, run_id, published_at, passed, total = row
    digest = None
    repaired = None
    with duckdb.connect(str(ingest_db)) as con:
        known = con.execute(
            "select count(*) from audit.published_versions where version = ?", [version]
        ).fetchall()[0][0]
        if not known:
            digest = file_sha256(published_db)
            con.execute("begin")
            con.execute(
                "insert into audit.published_versions values (?, ?, ?, ?, ?, ?)",
                [version, run_id, published_at, passed, total, digest],
            )
            if run_id is not None:
                con.execute(
                    "update audit.load_runs set published = true where run_id = ?", [run_id]
                )
            con.execute("commit")
            con.execute("checkpoint")
            repaired = version
            log.warning("reconciled published version %s (crash after the file swap)", version)
        else:
            digest = con.execute(
                "select sha256 from audit.published_versions where version = ?", [version]
            ).fetchall()[0][0]
    sidecar = published_db.with_name(published_db.name + ".sha256")
    want = f"{digest}  {published_db.name}\n"
    if digest and (not sidecar.exists() or sidecar.read_text("utf-8") != want):
        _atomic_write_text(sidecar, want)
    parquet_dir = base / "parquet"
    marker = _parquet_marker(parquet_dir)
    if digest and (marker is None or marker.get("version") != version):
        _export_parquet(published_db, parquet_dir, version, digest)
    return repaired


# ----------------------------------------------------------------------------- step 3
def publish(
    staging_db: str | Path,
    published_db: str | Path,
    ingest_db: str | Path,
    run_id: str | None,
    gate: GateResult,
    *,
    lock_file: str | Path | None = None,
    lock_timeout: float | None = 0.0,
    now: dt.datetime | None = None,
) -> PublishedVersion:
    """Publish ``staging_db`` as the next version (see the module docstring for the steps).

    Raises `GateNotPassedError` unless ``gate.passed`` (and, when the gate recorded one, unless
    the staging file is still the one it validated: same size and mtime). Takes the pipeline
    lock (``lock_file``, default ``<warehouse>/.pipeline.lock`` next to ``published/``; the lock
    is re-entrant, so a caller that already holds it is fine); ``lock_timeout`` as in
    `pipeline_lock()`.
    """
    staging_db, published_db, ingest_db = Path(staging_db), Path(published_db), Path(ingest_db)
    if not gate.passed:
        raise GateNotPassedError(
            f"refusing to publish {staging_db}: the quality gate did not pass "
            f"({gate.checks_passed}/{gate.checks_total} checks passed"
            + (f"; Data Docs: {gate.data_docs_index}" if gate.data_docs_index else "")
            + ")"
        )
    if gate.staging_db is not None and Path(gate.staging_db) != staging_db.resolve():
        raise GateNotPassedError(
            f"the gate validated {gate.staging_db}, not {staging_db.resolve()}"
        )
    lock = Path(lock_file) if lock_file is not None else _default_lock_file(published_db)
    with pipeline_lock(lock, timeout=lock_timeout):
        if gate.staging_fingerprint is not None:
            from evalwh.quality.gate import fingerprint

            if fingerprint(staging_db) != tuple(gate.staging_fingerprint):
                raise GateNotPassedError(
                    f"{staging_db} changed after the gate validated it: validate it again"
                )
        if _wal(staging_db).exists():
            raise RuntimeError(f"{_wal(staging_db)} exists: run copy_audit_into() first")
        pending_tables = _usable_pending(staging_db, gate)  # before step 2 changes the file
        published_db.parent.mkdir(parents=True, exist_ok=True)
        reconcile(published_db, ingest_db)

        with duckdb.connect(str(ingest_db), read_only=True) as con:
            version = con.execute(
                "select coalesce(max(version), 0) + 1 from audit.published_versions"
            ).fetchall()[0][0]
        published_at = (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None)  # TIMESTAMP = UTC
        row = [version, run_id, published_at, gate.checks_passed, gate.checks_total]

        # 2. the file's own row, sha256 NULL
        with duckdb.connect(str(staging_db)) as con:
            schemas = {
                r[0]
                for r in con.execute(
                    "select schema_name from duckdb_schemas() where not internal "
                    "and database_name = current_database()"
                ).fetchall()
            }
            if not {"marts", "audit"} <= schemas:
                raise RuntimeError(f"{staging_db} lacks marts/audit: run copy_audit_into()")
            con.execute("delete from audit.published_versions where version = ?", [version])
            con.execute("insert into audit.published_versions values (?, ?, ?, ?, ?, NULL)", row)
            con.execute("checkpoint")
        if _wal(staging_db).exists():
            raise RuntimeError(f"{_wal(staging_db)} still exists after CHECKPOINT")

        # 3. copy beside the published file, fsync, rename, fsync the directory
        tmp = published_db.with_name(f".{published_db.name}.tmp-{secrets.token_hex(4)}")
        h = hashlib.sha256()
        try:
            with open(staging_db, "rb") as src, open(tmp, "xb") as dst:
                while chunk := src.read(_COPY_BUF):
                    h.update(chunk)
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)  # 0o444
            digest = h.hexdigest()
            os.replace(tmp, published_db)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        _fsync_dir(published_db.parent)

        # 4. the system of record
        with duckdb.connect(str(ingest_db)) as con:
            con.execute("begin")
            con.execute(
                "insert into audit.published_versions values (?, ?, ?, ?, ?, ?)", [*row, digest]
            )
            if run_id is not None:
                n = con.execute(
                    "update audit.load_runs set published = true where run_id = ? returning 1",
                    [run_id],
                ).fetchall()
                if not n:
                    log.warning(
                        "run %s is not in audit.load_runs; nothing marked published", run_id
                    )
            con.execute("commit")
            con.execute("checkpoint")

        # 5. sidecar, 6. parquet
        _atomic_write_text(
            published_db.with_name(published_db.name + ".sha256"),
            f"{digest}  {published_db.name}\n",
        )
        parquet_dir = published_db.parent / "parquet"
        pending = None
        if pending_tables is not None:
            pending = (pending_parquet_dir(staging_db), pending_tables)
        _export_parquet(published_db, parquet_dir, version, digest, pending)
        shutil.rmtree(pending_parquet_dir(staging_db), ignore_errors=True)  # a stale one
        log.info("published version %s (%s) from run %s", version, digest, run_id)
        return PublishedVersion(
            version=version,
            run_id=run_id,
            published_at=published_at,
            checks_passed=gate.checks_passed,
            checks_total=gate.checks_total,
            sha256=digest,
            path=published_db,
            parquet_dir=parquet_dir,
        )


if __name__ == "__main__":  # python -m evalwh.publish export-pending STAGING_DB FINGERPRINT
    if sys.argv[1:2] != ["export-pending"] or len(sys.argv) != 4:
        sys.exit("usage: python -m evalwh.publish export-pending STAGING_DB FINGERPRINT_JSON")
    _export_pending(Path(sys.argv[2]), json.loads(sys.argv[3]))
