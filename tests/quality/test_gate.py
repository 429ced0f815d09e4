"""The quality gate: GE 1.x suites over the staging file, Data Docs, and what a failure says.

A gate run costs ~3 s here (plus ~10 s to import GE once per worker), so one warehouse with
several independent planted defects is validated once per module and shared by the tests that
each look for their own defect.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import duckdb
import pytest

from evalwh.quality import load_suites
from evalwh.store import insert_raw

from .conftest import clone, plant, run_gate

# Each defect breaks exactly one check (and nothing else).
DEFECTS = [
    "update marts.fct_evaluation set score = 150 where region_code = '440100' and year = 2022",
    "update marts.fct_evaluation set rating = 'excellent' where region_code = '440102' "
    "and year = 2021",
    "update marts.fct_commitment set commitment_id = (select min(commitment_id) "
    "from marts.fct_commitment) where commitment_id = (select max(commitment_id) "
    "from marts.fct_commitment)",
    "update marts.fct_problem set region_code = '449999' where problem_id = 'P2023-440103001-01'",
    "delete from marts.fct_evaluation where region_code = '320102' and year = 2022",
    "delete from marts.region_year_trend where region_code = '320102' and year = 2022",
    # the additive lineage columns (CHANGELOG.md): a fact without its row, a row 0
    # (the mart's contract makes the column NOT NULL: the constraint is dropped first, as a
    # file built some other way would lack it; the gate must still catch the null)
    "alter table marts.fct_problem alter column source_row_number drop not null",
    "update marts.fct_problem set source_row_number = null where problem_id = 'P2022-440102-01'",
    "update marts.fct_evaluation set source_row_number = 0 where region_code = '440102' "
    "and year = 2023",
]
RAW_DEFECT = (  # a raw row of a file never recorded (evalwh.store.insert_raw)
    "evaluations",
    "select * replace ('reports/x.xlsx' as source_file) from raw.evaluations limit 1",
)
EXPECTED_FAILURES = {
    "fct_evaluation.score:column_values_to_be_between",
    "fct_evaluation.rating:column_values_to_be_in_set",
    "fct_commitment.commitment_id:column_values_to_be_unique",
    "referential_integrity.marts.fct_problem.region_code->marts.dim_region.region_code",
    "cross_year_continuity.marts.region_year_trend:no_gap_years",
    "raw_lineage.raw.evaluations:traced_to_registered_file",
    "fct_problem.source_row_number:column_values_to_not_be_null",
    "fct_evaluation.source_row_number:column_values_to_be_between",
}


@pytest.fixture(scope="module")
def clean(template, tmp_path_factory):
    wh = clone(template, tmp_path_factory.mktemp("clean") / "wh")
    return wh, run_gate(wh)


@pytest.fixture(scope="module")
def defective(template, tmp_path_factory):
    wh = clone(template, tmp_path_factory.mktemp("defective") / "wh")
    plant(wh.paths.staging_db, *DEFECTS)
    with duckdb.connect(str(wh.paths.ingest_db)) as con:
        insert_raw(con, *RAW_DEFECT)
    return wh, run_gate(wh)


def failure(gate, check_id):
    [f] = [f for f in gate.failures if f.check_id == check_id]
    return f


def test_gate_passes_on_consistent_warehouse(clean):
    wh, gate = clean
    assert gate.passed, gate.summary()
    assert gate.checks_passed == gate.checks_total > 150
    assert gate.failures == ()
    # nothing published before: the row-count suite is skipped, and not counted
    assert [s.split(":")[0] for s in gate.skipped] == ["row_counts"]
    assert gate.data_docs_index == wh.paths.data_docs_dir / "index.html"
    assert gate.data_docs_index.is_file()
    assert gate.staging_fingerprint is not None


def test_each_planted_defect_fails_exactly_its_check(defective):
    _, gate = defective
    assert not gate.passed
    assert {f.check_id for f in gate.failures} == EXPECTED_FAILURES
    assert gate.checks_passed == gate.checks_total - len(EXPECTED_FAILURES)


def test_out_of_range_score_reported_with_table_column_and_failing_row(defective):
    _, gate = defective
    f = failure(gate, "fct_evaluation.score:column_values_to_be_between")
    assert f.expectation == "expect_column_values_to_be_between"
    assert (f.table, f.column, f.unexpected_count) == ("marts.fct_evaluation", "score", 1)
    assert f.sample == ({"region_code": "440100", "year": 2022, "score": 150.0},)
    assert "fct_evaluation.score:column_values_to_be_between" in gate.summary()


def test_unknown_enum_value_fails_gate(defective):
    _, gate = defective
    f = failure(gate, "fct_evaluation.rating:column_values_to_be_in_set")
    assert f.sample == ({"region_code": "440102", "year": 2021, "rating": "excellent"},)


def test_data_docs_html_names_failing_expectation_and_shows_the_value(defective):
    wh, gate = defective
    pages = list((wh.paths.data_docs_dir / "validations").rglob("*.html"))
    evaluation = "".join(p.read_text("utf-8") for p in pages if "fct_evaluation" in p.parts)
    assert "fct_evaluation.score:column_values_to_be_between" in evaluation
    assert "150.0" in evaluation and "excellent" in evaluation
    assert "fct_evaluation" in gate.data_docs_index.read_text("utf-8")


def test_duplicate_key_fails_uniqueness(defective):
    _, gate = defective
    f = failure(gate, "fct_commitment.commitment_id:column_values_to_be_unique")
    assert f.unexpected_count == 2
    assert f.sample[0]["commitment_id"] == f.sample[1]["commitment_id"]


def test_orphan_region_fails_referential_check(defective):
    _, gate = defective
    f = failure(
        gate, "referential_integrity.marts.fct_problem.region_code->marts.dim_region.region_code"
    )
    assert f.sample[0]["value"] == "449999" and f.sample[0]["reference"] is None


def test_silent_year_gap_fails_cross_year_check(defective):
    _, gate = defective
    f = failure(gate, "cross_year_continuity.marts.region_year_trend:no_gap_years")
    assert f.sample == (
        {
            "province_code": "320000",
            "region_code": "320102",
            "year": 2021,
            "expected_next": "320102@2022",
            "found_next": None,
        },
    )


def test_raw_row_from_unregistered_file_fails_lineage(defective):
    _, gate = defective
    f = failure(gate, "raw_lineage.raw.evaluations:traced_to_registered_file")
    assert f.sample[0]["source_file"] == "reports/x.xlsx"


def test_chunked_validation_finds_the_same_failures(defective):
    """Tables read in chunks of 40 rows: same verdicts, incl. a duplicate across chunks."""
    wh, whole = defective
    chunked = run_gate(wh, chunk_rows=40)
    assert {f.check_id for f in chunked.failures} == EXPECTED_FAILURES
    assert chunked.checks_total == whole.checks_total
    dup = failure(chunked, "fct_commitment.commitment_id:column_values_to_be_unique")
    assert dup.unexpected_count == 2


def test_region_may_stop_after_its_provinces_latest_year(wh):
    # the whole province lacks 2023: its latest reported year is 2022, so nothing is missing
    plant(
        wh.paths.staging_db,
        "delete from marts.fct_evaluation where region_code like '32%' and year = 2023",
        "delete from marts.region_year_trend where region_code like '32%' and year = 2023",
    )
    gate = run_gate(wh, ingest_db=None)
    assert gate.passed, gate.summary()
    assert any(s.startswith("raw_lineage") for s in gate.skipped)


def test_row_count_drop_beyond_threshold_fails_gate(wh, clean, tmp_path):
    previous = tmp_path / "previous.duckdb"
    shutil.copyfile(wh.paths.staging_db, previous)
    plant(
        wh.paths.staging_db, "delete from marts.fct_commitment where hash(commitment_id) % 10 = 0"
    )
    gate = run_gate(wh, previous)
    [f] = gate.failures
    assert f.check_id == "row_counts.marts.fct_commitment:shrinks_at_most_5%"
    row = f.sample[0]
    assert row["table_name"] == "marts.fct_commitment"
    assert row["current_rows"] < 0.95 * row["previous_rows"]
    # with a previous version the ten row-count checks run and count
    assert gate.checks_total == clean[1].checks_total + 10
    assert not any(s.startswith("row_counts") for s in gate.skipped)
    # a 20% tolerance lets the same drop through
    assert run_gate(wh, previous, max_shrink=0.2).passed


def test_missing_table_or_contract_column_fails_its_checks(wh):
    plant(
        wh.paths.staging_db,
        "drop table marts.dim_year",
        "alter table marts.fct_problem drop column is_repeat",
    )
    gate = run_gate(wh)
    gone = [f for f in gate.failures if f.table == "marts.dim_year"]
    assert gone and all("does not exist" in f.message for f in gone)
    assert len(gone) == sum(
        len(s.expectations) for s in load_suites() if s.table == "marts.dim_year"
    )
    [cols] = [f for f in gate.failures if f.suite == "fct_problem"]
    assert cols.expectation == "expect_table_columns_to_match_set"
    assert "is_repeat" in cols.message
    refs = {f.check_id for f in gate.failures if f.suite == "referential_integrity"}
    assert all("dim_year" in r for r in refs) and refs


def test_every_suite_loads_and_names_real_ge_expectations():
    from great_expectations.expectations.registry import get_expectation_impl

    suites = load_suites()
    marts = {s.table for s in suites if s.kind == "table" and s.table.startswith("marts.")}
    assert len(marts) == 10
    ids = [e.check_id for s in suites for e in s.expectations]
    assert len(ids) == len(set(ids))
    for s in suites:
        for e in s.expectations:
            get_expectation_impl(e.type)


@pytest.mark.parametrize("module", ["evalwh.quality", "evalwh.publish"])
def test_import_does_not_load_great_expectations(module):
    code = (
        f"import sys, {module}; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'great_expectations'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_failure_report_is_serialisable(defective):
    import json

    _, gate = defective
    d = json.loads(json.dumps(gate.to_dict()))
    assert d["passed"] is False
    assert {f["check_id"] for f in d["failures"]} == EXPECTED_FAILURES
