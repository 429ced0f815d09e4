"""One published warehouse of the shipped sample (raw/), built once per test run.

The real steps of `evalwh.pipeline` (ingest -> snapshot -> dbt build -> audit copy -> atomic
publish), without Airflow and without the Great Expectations run (the gate has its own tests;
here a passed gate is stated for the one staging file that was built). Under pytest-xdist
the workers share the build through a file lock in the run's common temp dir.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from evalwh import config, pipeline
from evalwh.publish import copy_audit_into
from evalwh.quality.gate import GateResult, fingerprint

from ..once import once_per_run

SAMPLE_RAW = config.PROJECT_DIR / "raw"
ARTIFACTS = config.PROJECT_DIR / "warehouse" / "test-artifacts"


def _build(root: Path) -> None:
    raw = root / "raw"
    shutil.copytree(SAMPLE_RAW, raw)
    paths = config.paths(raw_dir=raw, warehouse_dir=root / "wh")
    summary = pipeline.ingest(paths)
    pipeline.prepare_build(paths, "full")
    pipeline.dbt_build(paths)
    copy_audit_into(paths.staging_db, pipeline.snapshot_db(paths))
    gate = GateResult(
        checks_passed=1,
        checks_total=1,
        staging_db=paths.staging_db.resolve(),
        staging_fingerprint=fingerprint(paths.staging_db),
    )
    pipeline.publish(gate, paths, summary.run_id)


@pytest.fixture(scope="session")
def sample_paths(tmp_path_factory) -> config.Paths:
    def build(root: Path) -> dict:
        _build(root)
        return {"ok": True}

    root, _ = once_per_run(tmp_path_factory, "report_sample", build)
    return config.paths(raw_dir=root / "raw", warehouse_dir=root / "wh")


@pytest.fixture(scope="session")
def published_db(sample_paths) -> Path:
    return sample_paths.published_db


def writable_copy(published_db: Path, target: Path, *statements: str) -> Path:
    """A private, writable copy of the published file with `statements` applied."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(published_db, target)
    target.chmod(0o644)
    with duckdb.connect(str(target)) as con:
        for sql in statements:
            con.execute(sql)
        con.execute("checkpoint")
    return target


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
