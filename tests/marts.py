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


def not_null_by_contract(manifest: dict) -> set[tuple[str, str]]:
    """(table, column) of every mart column whose contract declares a not_null constraint
    (manifest: a dbt target's manifest.json)."""
    return {
        (node["name"], column["name"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("schema") == "marts"
        for column in node["columns"].values()
        if any(c["type"] == "not_null" for c in column.get("constraints", []))
    }


def nullable_in_file(db: str | Path, columns: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Those of `columns` (mart table, column) that the DuckDB file `db` lets hold a null."""
    with duckdb.connect(str(db), read_only=True) as con:
        allowed = set(
            con.execute(
                "select table_name, column_name from information_schema.columns "
                "where table_schema = 'marts' and is_nullable = 'YES'"
            ).fetchall()
        )
    return columns & allowed
