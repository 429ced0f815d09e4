"""Shared data for the reliability tests: a generated landing zone and its clean ingest."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from evalwh.config import Paths
from evalwh.config import paths as make_paths
from evalwh.store import RAW_TABLES

from ..once import once_per_run

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Landing:
    raw_dir: Path
    baseline: Paths  # a clean, uninterrupted ingest of raw_dir

    def fresh(self, root: Path) -> Paths:
        """A new, empty warehouse on a private copy of the landing zone."""
        raw = root / "raw"
        shutil.copytree(self.raw_dir, raw)
        return make_paths(raw, root / "wh")


def shared_dir(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """A directory built once per pytest run and shared by its xdist workers
    (tests/once.py). Users must treat it as read-only (copy it to change it)."""

    def built(root: Path) -> dict:
        build(root)
        return {}

    return once_per_run(tmp_path_factory, name, built)[0]


@pytest.fixture(scope="session")
def landing(tmp_path_factory) -> Landing:
    """海南 2020-2023 at national density (4 large workbooks, 9 exports) plus the repo's sample
    (every kind of bad file and row): 41 files, ~59,000 rows. Built once per run."""

    def build(root: Path) -> None:
        from evalwh.generate import generate
        from evalwh.ingest.load import ingest

        raw = root / "raw"
        generate(raw, scale="national", provinces=["460000"], years=[2020, 2021, 2022, 2023])
        for kind in ("reports", "inspections"):
            shutil.copytree(REPO / "raw" / kind, raw / kind, dirs_exist_ok=True)
        ingest(make_paths(raw, root / "baseline"))

    root = shared_dir(tmp_path_factory, "landing", build)
    return Landing(root / "raw", make_paths(root / "raw", root / "baseline"))


def q(db: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def fingerprint(p: Paths) -> dict[str, list[tuple]]:
    """Everything ingestion decided, without run ids and timestamps."""
    db = p.ingest_db
    out = {t: q(db, f"select * exclude (run_id) from raw.{t} order by all") for t in RAW_TABLES}
    out["source_files"] = q(db, "select * exclude (run_id) from audit.source_files order by all")
    out["quarantine"] = q(db, "select file, reason from audit.quarantine order by all")
    out["rejects"] = sorted(
        (file, sheet, row, reason, _without_run_id(values))
        for file, sheet, row, reason, values in q(
            db, "select * exclude (run_id) from audit.rejects"
        )
    )
    return out


def _without_run_id(raw_values: str | None) -> str | None:
    """A reject moved out of raw (unknown_commitment) keeps the whole raw row, run_id included."""
    if raw_values is None:
        return None
    values = json.loads(raw_values)
    values.pop("run_id", None)
    return json.dumps(values, sort_keys=True, ensure_ascii=False)
