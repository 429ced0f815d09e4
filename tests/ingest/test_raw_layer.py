"""The raw layer's storage (evalwh.store): raw.<table> views over raw_rows and raw.lineage read
as the raw tables always did, older ingest DBs are moved to that layout in one transaction, and
insert_raw writes through it."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from evalwh.config import paths as make_paths
from evalwh.ingest.load import forget_year, ingest
from evalwh.store import RAW_TABLES, connect_ingest, insert_raw, upgrade_raw_layer
from tests.ingest.builders import cover, finding, report_tables, write_csv, write_workbook

LINEAGE = (
    "report_year INTEGER, province_code VARCHAR, province_name VARCHAR, batch INTEGER, "
    "template_version VARCHAR, source_file VARCHAR, file_sha256 VARCHAR, sheet VARCHAR, "
    "row_number INTEGER, run_id VARCHAR"
)
# raw.<table> as dbt's staging models, the gate and analysts read it: names, order and types
AS_READ = {
    "officials": "region_code VARCHAR, region_name VARCHAR, level VARCHAR, "
    "parent_code VARCHAR, official_name VARCHAR, took_office_date DATE, " + LINEAGE,
    "commitments": "commitment_id VARCHAR, region_code VARCHAR, category_code VARCHAR, "
    "content VARCHAR, metric_name VARCHAR, target_value DOUBLE, unit VARCHAR, due_date DATE, "
    + LINEAGE,
    "commitment_outcomes": "commitment_id VARCHAR, region_code VARCHAR, outcome_value DOUBLE, "
    "outcome_unit VARCHAR, outcome_status VARCHAR, note VARCHAR, " + LINEAGE,
    "problems": "problem_id VARCHAR, region_code VARCHAR, source VARCHAR, "
    "category_code VARCHAR, description VARCHAR, rectify_deadline DATE, " + LINEAGE,
    "rectifications": "problem_id VARCHAR, rectification_status VARCHAR, measures VARCHAR, "
    "completed_date DATE, " + LINEAGE,
    "evaluations": "region_code VARCHAR, rating VARCHAR, score DOUBLE, approval_rate DOUBLE, "
    "critique_count INTEGER, " + LINEAGE,
    "inspection_findings": "finding_id VARCHAR, inspection_date DATE, "
    "inspection_type VARCHAR, region_code VARCHAR, category_code VARCHAR, severity VARCHAR, "
    "description VARCHAR, linked_problem_id VARCHAR, rectify_deadline DATE, status VARCHAR, "
    "accountability_action VARCHAR, persons_held_accountable INTEGER, export_date DATE, "
    "export_order INTEGER, source_file VARCHAR, file_sha256 VARCHAR, row_number INTEGER, "
    "run_id VARCHAR",
}


@pytest.fixture
def loaded(tmp_path):
    """An ingest DB holding two years of one province and an export."""
    p = make_paths(tmp_path / "raw", tmp_path / "warehouse")
    write_workbook(p.reports_dir / "2015.xlsx", cover(2015), report_tables(2015))
    write_workbook(p.reports_dir / "2016.xlsx", cover(2016), report_tables(2016))
    write_csv(p.inspections_dir / "findings_2016-06-30.csv", [finding("F1"), finding("F2")])
    summary = ingest(p)
    assert summary.files_loaded == 3 and summary.rows_loaded > 0
    return p


def everything(db) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"from raw.{t} order by all").fetchall() for t in RAW_TABLES}


def kinds(db) -> dict[str, str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return dict(
            con.execute(
                "select table_name, table_type from information_schema.tables "
                "where table_schema = 'raw' and table_name in (select unnest(?::varchar[]))",
                [list(RAW_TABLES)],
            ).fetchall()
        )


def as_older_layout(source, target) -> None:
    """What an ingest DB written before raw.lineage held: raw.<table> as tables, every row with
    its lineage."""
    shutil.copyfile(source, target)
    with duckdb.connect(str(target)) as con:
        for t in RAW_TABLES:
            con.execute(f"create table raw.{t}__rows as from raw.{t}")
            con.execute(f"drop view raw.{t}")
            con.execute(f"alter table raw.{t}__rows rename to {t}")
            con.execute(f"drop table raw_rows.{t}")
        con.execute("drop table raw.lineage")
        con.execute("drop sequence raw.lineage_ids")
        con.execute("drop schema raw_rows")


def test_raw_tables_read_with_the_columns_and_types_they_always_had(loaded):
    with duckdb.connect(str(loaded.ingest_db), read_only=True) as con:
        for table, expected in AS_READ.items():
            described = con.execute(f"describe raw.{table}").fetchall()
            assert ", ".join(f"{name} {kind}" for name, kind, *_ in described) == expected


def test_a_files_lineage_is_stored_once_per_table_not_on_every_row(loaded):
    with duckdb.connect(str(loaded.ingest_db), read_only=True) as con:
        per_table = con.execute(
            "select raw_table, count(*), count(distinct source_file) from raw.lineage "
            "group by 1 order by 1"
        ).fetchall()
        stored = set(
            con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw_rows'"
            ).fetchall()
        )
    assert ("inspection_findings", 1, 1) in per_table
    assert ("commitments", 2, 2) in per_table
    assert all(count == files for _table, count, files in per_table)
    assert not stored & {("source_file",), ("file_sha256",), ("run_id",), ("report_year",)}


def test_an_older_ingest_db_is_moved_to_the_lineage_layout_unchanged(loaded, tmp_path):
    older = tmp_path / "older.duckdb"
    as_older_layout(loaded.ingest_db, older)
    assert set(kinds(older).values()) == {"BASE TABLE"}
    before = everything(older)

    connect_ingest(older).close()  # a writer opens it

    assert set(kinds(older).values()) == {"VIEW"}
    assert everything(older) == before == everything(loaded.ingest_db)
    with connect_ingest(older) as con:  # once only
        assert upgrade_raw_layer(con) == []


def test_an_upgrade_that_fails_leaves_the_older_layout_as_it_was(loaded, tmp_path):
    older = tmp_path / "older.duckdb"
    as_older_layout(loaded.ingest_db, older)
    with duckdb.connect(str(older)) as con:  # a workbook row without its sheet: refused
        con.execute("update raw.problems set sheet = null where row_number = 3")
    before = everything(older)

    with pytest.raises(duckdb.ConstraintException):
        connect_ingest(older)

    assert set(kinds(older).values()) == {"BASE TABLE"}
    assert everything(older) == before


def test_ingest_goes_on_in_an_upgraded_db(loaded, tmp_path):
    """A new year, loaded into an ingest DB moved from the older layout, reads as it would have
    in a new one; forgetting a year takes its rows and lineage."""
    p = make_paths(loaded.raw_dir, tmp_path / "upgraded")
    p.ingest_db.parent.mkdir(parents=True)
    as_older_layout(loaded.ingest_db, p.ingest_db)
    write_workbook(p.reports_dir / "2017.xlsx", cover(2017), report_tables(2017))
    for landing in (loaded, p):
        assert ingest(landing).files_loaded == 1

    def without_runs(db):
        return {t: [r[:-1] for r in rows] for t, rows in everything(db).items()}

    assert without_runs(p.ingest_db) == without_runs(loaded.ingest_db)
    assert forget_year(p, 2017) == ["reports/2017.xlsx"]
    with duckdb.connect(str(p.ingest_db), read_only=True) as con:
        for table in ("lineage", "commitments"):
            sql = f"select count(*) from raw.{table} where report_year = 2017"
            assert con.execute(sql).fetchone() == (0,)


def test_insert_raw_writes_rows_and_reuses_a_lineage_it_already_holds(loaded):
    with duckdb.connect(str(loaded.ingest_db)) as con:
        lineage = con.execute("select count(*) from raw.lineage").fetchone()[0]
        again = insert_raw(
            con,
            "evaluations",
            "select * replace (row_number + 1000 as row_number) from raw.evaluations",
        )
        elsewhere = insert_raw(
            con,
            "evaluations",
            "select * replace ('reports/elsewhere.xlsx' as source_file) "
            "from raw.evaluations where row_number < 1000",
        )
        assert again == elsewhere > 0
        assert con.execute("select count(*) from raw.lineage").fetchone()[0] == lineage + 2
        assert con.execute(
            "select count(*) from raw.evaluations where source_file = 'reports/elsewhere.xlsx'"
        ).fetchone() == (elsewhere,)
