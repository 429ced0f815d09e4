"""Every marts table of a published file, to compare two warehouses table by table."""

from __future__ import annotations

from itertools import pairwise
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


def stored_out_of_year_order(
    db: str | Path, table: str, year: str, within: tuple[str, ...]
) -> list[str]:
    """How `table` is stored (rowid order) against "each `year`'s rows together, sorted by
    `within`": the first few breaks found, [] when it is stored so. The years' blocks may come
    in any order: an incremental build appends the years it rebuilds."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            f"select {year}, {', '.join(within)} from {table} order by rowid"
        ).fetchall()
    breaks, finished = [], set()
    for before, row in pairwise(rows):
        if row[0] != before[0]:
            finished.add(before[0])
            if row[0] in finished:
                breaks.append(f"{year} {row[0]} stored in two places")
        elif row[1:] < before[1:]:
            breaks.append(f"{row} stored after {before}")
    return breaks[:5]
