"""Fixture warehouses for the gate tests: built in code (no binary blobs)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from evalwh.config import paths
from evalwh.quality import validate
from evalwh.quality.testing import Fixture, build_publishable


@pytest.fixture(scope="session")
def template(tmp_path_factory) -> Fixture:
    return build_publishable(tmp_path_factory.mktemp("template") / "wh")


def clone(template: Fixture, root: Path) -> Fixture:
    """A private copy of the template warehouse under ``root``."""
    shutil.copytree(template.paths.warehouse_dir, root)
    return Fixture(
        paths(raw_dir=root / "raw", warehouse_dir=root),
        template.run_id,
        template.years,
        template.province_codes,
    )


def plant(db: Path, *statements: str) -> None:
    with duckdb.connect(str(db)) as con:
        for sql in statements:
            con.execute(sql)
        con.execute("checkpoint")


def run_gate(wh: Fixture, previous=None, **kwargs):
    p = wh.paths
    kwargs.setdefault("ingest_db", p.ingest_db)
    return validate(p.staging_db, previous, p.data_docs_dir, run_id=wh.run_id, **kwargs)


@pytest.fixture
def wh(template: Fixture, tmp_path: Path) -> Fixture:
    """A consistent, publishable staging file + ingest DB (a private copy for this test)."""
    return clone(template, tmp_path / "wh")
