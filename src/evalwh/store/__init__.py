"""The ingest database: connection and schema."""

from __future__ import annotations

from collections.abc import Callable
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

# What one file's rows in one raw table share: stored once in raw.lineage, read on every row
# of the raw.<table> views (raw_schema.sql).
WORKBOOK_LINEAGE = (
    "report_year",
    "province_code",
    "province_name",
    "batch",
    "template_version",
    "source_file",
    "file_sha256",
    "sheet",
    "run_id",
)
EXPORT_LINEAGE = ("export_date", "export_order", "source_file", "file_sha256", "run_id")


def lineage_columns(table: str) -> tuple[str, ...]:
    """The columns of raw.<table> that come from raw.lineage."""
    return EXPORT_LINEAGE if table == "inspection_findings" else WORKBOOK_LINEAGE


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
    upgrade_raw_layer(con)
    con.execute(schema_sql())
    return con


def insert_raw(
    con: duckdb.DuckDBPyConnection, table: str, select: str, params: object = None
) -> int:
    """Insert the rows of a query shaped like raw.<table> (any of its columns, by name, lineage
    included) into the raw layer: a lineage row for each distinct lineage they carry that
    raw.lineage does not hold yet, and the rows in raw_rows.<table>. Returns the rows inserted.

    For tests, fixtures and the upgrade of older ingest DBs; the ingest writer inserts its
    files' rows itself (evalwh.ingest.load).
    """
    con.execute(f"create or replace temp table _raw_in as {select}", params)
    given = set(_temp_columns(con))
    lineage = [c for c in lineage_columns(table) if c in given]
    same = " and ".join(
        ["l.raw_table = $table"] + [f"l.{c} is not distinct from i.{c}" for c in lineage]
    )
    con.execute(
        f"insert into raw.lineage (lineage_id, raw_table, {', '.join(lineage)}) "
        f"select nextval('raw.lineage_ids'), $table, * from ("
        f"  select distinct {', '.join(lineage)} from _raw_in as i"
        f"  where not exists (select 1 from raw.lineage as l where {same})"
        f"  order by all)",
        {"table": table},
    )
    own = [c for c in table_columns(con, "raw_rows", table) if c in given]
    inserted = con.execute(
        f"insert into raw_rows.{table} (lineage_id, {', '.join(own)}) "
        f"select l.lineage_id, {', '.join(f'i.{c}' for c in own)} "
        f"from _raw_in as i join raw.lineage as l on {same}",
        {"table": table},
    ).fetchone()[0]
    # (a failed insert leaves it to the connection: a rollback or the next call replaces it)
    con.execute("drop table temp.main._raw_in")
    return inserted


def _temp_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [row[0] for row in con.execute("describe temp.main._raw_in").fetchall()]


def upgrade_raw_layer(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Move an ingest DB written before raw.lineage (every raw row with its lineage columns, in
    tables named raw.<table>) to the current layout, in one transaction: the rows and their
    lineage go to raw_rows.<table> and raw.lineage, and raw.<table> becomes the view that reads
    them back as they were. Returns the tables moved (none for a new or current DB)."""
    old = [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = current_database() and table_schema = 'raw' "
            "and table_type = 'BASE TABLE' and table_name in (select unnest(?::varchar[]))",
            [list(RAW_TABLES)],
        ).fetchall()
    ]
    if not old:
        return []

    def move() -> None:
        for table in old:
            con.execute(f"alter table raw.{table} rename to {table}__before_lineage")
        con.execute(schema_sql())
        for table in old:
            insert_raw(con, table, f"select * from raw.{table}__before_lineage")
            con.execute(f"drop table raw.{table}__before_lineage")

    with_tx(con, move)
    return old


def with_tx(con: duckdb.DuckDBPyConnection, work: Callable[[], None]) -> None:
    """Run `work` in one transaction: committed whole, or rolled back whole."""
    con.execute("begin transaction")
    try:
        work()
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def checkpoint_ingest(path: Path) -> None:
    """Fold the WAL into the database file (a run killed with -9 leaves committed work in the
    WAL), so that a byte copy of the file holds everything committed."""
    with connect_ingest(path) as con:
        con.execute("checkpoint")


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_catalog = current_database() and table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [r[0] for r in rows]
