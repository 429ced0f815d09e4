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


def connect_ingest(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the ingest DB; a writer also makes sure every raw and audit table exists."""
    if read_only:
        return duckdb.connect(str(path), read_only=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute(schema_sql())
    return con


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [r[0] for r in rows]
