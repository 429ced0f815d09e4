"""Every marts table of a published file, to compare two warehouses table by table."""

from __future__ import annotations

from pathlib import Path

import duckdb


def published_marts(db: str | Path) -> dict[str, list]:
    """{table: its rows, sorted} for every table of schema marts in the DuckDB file `db`."""
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
            ).fetchall()
        ]
        return {t: con.execute(f"select * from marts.{t} order by all").fetchall() for t in tables}
