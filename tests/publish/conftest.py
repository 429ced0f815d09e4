"""Publish tests: fixture warehouses built in code; gates faked unless GE is the point."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from evalwh.config import paths
from evalwh.publish import copy_audit_into
from evalwh.quality.testing import Fixture, build_publishable


@pytest.fixture(scope="session")
def template(tmp_path_factory) -> Fixture:
    return build_publishable(tmp_path_factory.mktemp("template") / "wh")


@pytest.fixture
def wh(template: Fixture, tmp_path: Path) -> Fixture:
    root = tmp_path / "wh"
    shutil.copytree(template.paths.warehouse_dir, root)
    return Fixture(
        paths(raw_dir=root / "raw", warehouse_dir=root),
        template.run_id,
        template.years,
        template.province_codes,
    )


def restage(wh: Fixture, template: Fixture, *statements: str) -> None:
    """A fresh publishable staging file (as the next dbt build + copy_audit_into make it)."""
    shutil.copyfile(template.paths.staging_db, wh.paths.staging_db)
    copy_audit_into(wh.paths.staging_db, wh.paths.ingest_db)
    with duckdb.connect(str(wh.paths.staging_db)) as con:
        for sql in statements:
            con.execute(sql)
        con.execute("checkpoint")


def count(db: Path, sql: str):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()
