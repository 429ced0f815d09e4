"""The ingest database: connection and schema."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import duckdb

RAW_TABLES = (
    "officials",
    "commitments",
    "commitment_outcomes",
    "problems",
    "rectifications",
    "evaluations",
    "inspection_findings",
)


def schema_sql() -> str:
    return resources.files("evalwh.store").joinpath("raw_schema.sql").read_text("utf-8")


# The ingest writer commits once per file. DuckDB checkpoints (rewrites and compresses row
# groups into the database file) whenever its write-ahead log passes checkpoint_threshold,
# 16 MB by default: with national-size workbooks that was nearly every commit, about 0.3 s
# each (measured: 18.7 s of commits for 62 workbooks, 4.3 s with a large threshold). Every
# commit is still written and fsynced to the WAL, so nothing committed is lost to a crash;
# the WAL is replayed on the next open. memory_limit keeps the writer's buffer bounded.
WRITER_SETTINGS = {"checkpoint_threshold": "1GB", "memory_limit": "2GB"}


def connect_ingest(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the ingest DB; a writer also makes sure every raw and audit table exists."""
    if read_only:
        return duckdb.connect(str(path), read_only=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), config=dict(WRITER_SETTINGS))
    con.execute(schema_sql())
    return con


def checkpoint_ingest(path: Path) -> None:
    """Fold the WAL into the database file (a run killed with -9 leaves committed work in the
    WAL), so that a byte copy of the file holds everything committed."""
    with connect_ingest(path) as con:
        con.execute("checkpoint")


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [r[0] for r in rows]
