"""What the data team asks first: how did the last runs go, and what is published."""

from __future__ import annotations

import duckdb

from evalwh.config import Paths

RUN_COLUMNS = (
    "run_id",
    "started_at",
    "finished_at",
    "status",
    "files_loaded",
    "files_quarantined",
    "rows_loaded",
    "rows_rejected",
    "published",
)


def collect_status(paths: Paths, runs: int = 5) -> dict | None:
    """A plain dict of recent runs, quarantine, rejects by reason and the published version."""
    if not paths.ingest_db.exists():
        return None
    with duckdb.connect(str(paths.ingest_db), read_only=True) as con:
        recent = con.execute(
            f"select {', '.join(RUN_COLUMNS)} from audit.load_runs "
            "order by started_at desc limit ?",
            [runs],
        ).fetchall()
        quarantine = con.execute(
            "select q.file, q.reason from audit.quarantine q "
            "join audit.source_files f on f.path = q.file and f.status = 'quarantined' "
            "order by q.file"
        ).fetchall()
        by_reason = con.execute(
            "select split_part(reason, ':', 1) as code, count(*) from audit.rejects "
            "group by all order by 2 desc, 1"
        ).fetchall()
        latest = con.execute(
            "select version, published_at, checks_passed, checks_total, sha256 "
            "from audit.published_versions order by version desc limit 1"
        ).fetchone()
    published = None
    if latest:
        keys = ("version", "published_at", "checks_passed", "checks_total", "sha256")
        published = dict(zip(keys, latest, strict=True)) | {"path": str(paths.published_db)}
    return {
        "runs_columns": RUN_COLUMNS,
        "runs": recent,
        "quarantine": sorted(set(quarantine)),
        "rejects_by_reason": by_reason,
        "published": published,
    }
