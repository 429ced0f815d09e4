"""The gate scoped to rebuilt partitions (`validate(partition_years=...)`).

An incremental build rebuilds only some years of the year-partitioned marts; every other row
is the row the gate passed when it was published. So the scoped gate validates, of a table whose
suite declares ``partition_column``, only the rows of the rebuilt years (and rows with a NULL
partition column), decides uniqueness over the WHOLE table, and runs everything else whole;
and it checks that the partitions it did not validate are those of the published file.

The fixture has the years 2021-2023; "rebuilt" is 2023 below, and the published file is the
staging file before the defects were planted. One warehouse with independent planted defects
is validated once per scope and shared, as in test_gate.py.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest

from evalwh.quality import GateResult, load_suites, validate
from evalwh.quality.suites import ROW_LOCAL, UNIQUENESS

from .conftest import clone, plant, run_gate

REBUILT = [2023]

# each defect breaks exactly one check
IN_REBUILT = "fct_evaluation.score:column_values_to_be_between"
IN_REBUILT_INT = "fct_evaluation.critique_count:column_values_to_be_between"  # INTEGER column
IN_UNTOUCHED = "fct_evaluation.rating:column_values_to_be_in_set"
ACROSS = "fct_commitment.commitment_id:column_values_to_be_unique"
NOT_PARTITIONED = "fct_inspection_finding.severity:column_values_to_be_in_set"
NULL_YEAR = "fct_problem.identified_year:column_values_to_not_be_null"
DRIFT = "partition_scope.marts.fct_problem:untouched_partitions_match_published"
# in the published file too: the published file "passed" with it (a gate bug, or a check added
# later), so an incremental build carries it over unchanged
PUBLISHED_DEFECT = (
    "update marts.fct_evaluation set rating = 'excellent' where region_code = '440102' "
    "and year = 2021"
)
DEFECTS = [
    # a rebuilt row out of range
    "update marts.fct_evaluation set score = 150 where region_code = '440100' and year = 2023",
    "update marts.fct_evaluation set critique_count = -1 where region_code = '320100' "
    "and year = 2023",
    # the same kind of defect in a partition the build did not touch (as published)
    PUBLISHED_DEFECT,
    # a rebuilt commitment that takes the id of a commitment made in 2021 (untouched)
    "update marts.fct_commitment set commitment_id = '2021-440100-01' "
    "where commitment_id = '2023-440100-01'",
    # a table without partitions (inspection findings), defect in an old year
    "update marts.fct_inspection_finding set severity = 'bogus' where finding_id = "
    "(select min(finding_id) from marts.fct_inspection_finding "
    "where year(inspection_date) = 2021)",
    # a new row in no partition at all: an incremental build's delete would not remove it
    "insert into marts.fct_problem select * replace ('P-new' as problem_id, "
    "null as identified_year) from marts.fct_problem where problem_id = 'P2022-440102-01'",
    # a valid change to an untouched partition: not what the published file holds
    "update marts.fct_problem set source = case when source = 'self' then 'public' "
    "else 'self' end where problem_id = 'P2021-440102-01'",
]
WHOLE_FAILURES = {IN_REBUILT, IN_REBUILT_INT, IN_UNTOUCHED, ACROSS, NOT_PARTITIONED, NULL_YEAR}
SCOPED_FAILURES = WHOLE_FAILURES - {IN_UNTOUCHED} | {DRIFT}
PARTITIONED = {
    "marts.fct_commitment": "made_year",
    "marts.fct_problem": "identified_year",
    "marts.fct_evaluation": "year",
    "marts.commitment_vs_outcome": "made_year",
    "marts.region_year_trend": "year",
}


@pytest.fixture(scope="module")
def defective(template, tmp_path_factory):
    wh = clone(template, tmp_path_factory.mktemp("partitions") / "wh")
    published = wh.paths.warehouse_dir / "published.duckdb"
    shutil.copyfile(wh.paths.staging_db, published)
    plant(published, PUBLISHED_DEFECT)
    plant(wh.paths.staging_db, *DEFECTS)
    return wh, published


@pytest.fixture(scope="module")
def whole(defective):
    wh, published = defective
    return run_gate(wh, published)


@pytest.fixture(scope="module")
def scoped(defective):
    # its own Data Docs site: the other runs of this module would overwrite index.html
    wh, published = defective
    p = wh.paths
    docs = p.warehouse_dir / "data_docs_scoped"
    return validate(
        p.staging_db,
        published,
        docs,
        ingest_db=p.ingest_db,
        run_id="scoped",
        partition_years=REBUILT,
    )


def ids(gate):
    return {f.check_id for f in gate.failures}


def failure(gate, check_id):
    [f] = [f for f in gate.failures if f.check_id == check_id]
    return f


def test_partitioned_suites_are_declared_on_their_year_column():
    declared = {s.table: s.partition_column for s in load_suites() if s.partition_column}
    assert declared == PARTITIONED
    for s in load_suites():
        if s.partition_column:
            contract = s.expectations[0].kwargs["column_set"]
            assert s.partition_column in contract
            assert all(e.type in ROW_LOCAL | UNIQUENESS for e in s.expectations)


def test_whole_gate_reports_every_defect(whole):
    assert whole.partition_years is None and whole.scoped_tables == ()
    assert ids(whole) == WHOLE_FAILURES
    assert "scope: every table whole" in whole.summary()


def test_scoped_gate_fails_on_a_defect_in_a_rebuilt_partition(scoped):
    assert not scoped.passed
    f = failure(scoped, IN_REBUILT)
    assert f.sample == ({"region_code": "440100", "year": 2023, "score": 150.0},)
    f = failure(scoped, IN_REBUILT_INT)
    assert f.sample == ({"region_code": "320100", "year": 2023, "critique_count": -1},)


def test_scoped_gate_does_not_report_a_defect_in_an_untouched_partition(scoped, whole):
    """Documented: rows outside partition_years are taken as the rows already validated when
    the file was published; the same defect IS reported by a whole-table gate."""
    assert IN_UNTOUCHED in ids(whole)
    assert IN_UNTOUCHED not in ids(scoped)
    assert ids(scoped) == SCOPED_FAILURES
    # the check still ran (on the rows in scope) and counts as passed: nothing is skipped;
    # the scoped gate adds one check per scoped table (its untouched partitions as published)
    assert scoped.checks_total == whole.checks_total + len(PARTITIONED)
    assert scoped.checks_passed == scoped.checks_total - len(SCOPED_FAILURES)


def test_duplicate_key_across_a_rebuilt_and_an_untouched_partition_fails(scoped):
    f = failure(scoped, ACROSS)
    assert f.unexpected_count == 2
    assert {r["commitment_id"] for r in f.sample} == {"2021-440100-01"}


def test_tables_without_partitions_and_rows_without_a_year_stay_in_scope(scoped):
    assert failure(scoped, NOT_PARTITIONED).sample[0]["severity"] == "bogus"
    assert failure(scoped, NULL_YEAR).unexpected_count == 1


def test_an_untouched_partition_that_differs_from_the_published_file_fails(scoped):
    """The precondition, checked: what the scoped gate did not validate must be as published."""
    f = failure(scoped, DRIFT)
    assert (f.table, f.column) == ("marts.fct_problem", "identified_year")
    [row] = f.sample
    assert (row["table_name"], row["partition"]) == ("marts.fct_problem", 2021)
    assert row["published"] != row["staging"]
    assert re.fullmatch(r"14 rows, row-hash sum \d+", row["published"])


def test_scope_is_in_the_result_summary_and_data_docs(scoped, defective):
    assert scoped.partition_years == (2023,)
    assert set(scoped.scoped_tables) == set(PARTITIONED)
    summary = scoped.summary()
    assert "scope: rebuilt partitions only (years 2023)" in summary
    assert "marts.fct_inspection_finding" not in summary.split("scope:")[1].splitlines()[0]
    index = scoped.data_docs_index.read_text("utf-8")
    assert "fct_evaluation[year in (2023) or null" in index


def test_scope_survives_a_round_trip_through_json(scoped, whole):
    for gate in (scoped, whole):
        again = GateResult.from_dict(json.loads(json.dumps(gate.to_dict())))
        assert again == gate
        assert again.partition_years == gate.partition_years
        assert again.summary() == gate.summary()
    assert json.loads(json.dumps(scoped.to_dict()))["partition_years"] == [2023]


def test_chunked_scoped_gate_finds_the_same_failures(defective, scoped):
    wh, published = defective
    chunked = run_gate(wh, published, partition_years=REBUILT, chunk_rows=7)
    assert ids(chunked) == SCOPED_FAILURES
    assert failure(chunked, ACROSS).unexpected_count == 2
    assert chunked.checks_total == scoped.checks_total


def test_uniqueness_is_whole_table_even_when_no_partition_is_in_scope(defective):
    wh, published = defective
    gate = run_gate(wh, published, partition_years={1999})
    assert gate.partition_years == (1999,)
    drift = {
        f"partition_scope.marts.{t}:untouched_partitions_match_published"
        for t in ("fct_problem", "fct_evaluation", "fct_commitment")
    }
    assert ids(gate) == {ACROSS, NOT_PARTITIONED, NULL_YEAR} | drift


def test_scoped_gate_without_a_published_file_fails(wh):
    gate = run_gate(wh, None, partition_years=REBUILT)
    assert {f.check_id for f in gate.failures} == {
        f"partition_scope.{t}:untouched_partitions_match_published" for t in PARTITIONED
    }
    assert all("no published file" in f.message for f in gate.failures)


@pytest.mark.parametrize("years", ["2023", [2023.0], [True], ["2023"]])
def test_partition_years_must_be_int_years(wh, years):
    with pytest.raises(TypeError):
        run_gate(wh, partition_years=years)


def test_partitioned_suite_refuses_an_aggregate_expectation(tmp_path):
    suite = {
        "suite": "t",
        "table": "marts.t",
        "partition_column": "year",
        "expectations": [
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "year"}},
            {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}},
        ],
    }
    (tmp_path / "t.json").write_text(json.dumps(suite), "utf-8")
    with pytest.raises(ValueError, match="expect_table_row_count_to_be_between"):
        load_suites(tmp_path)
    suite["expectations"].pop()
    (tmp_path / "t.json").write_text(json.dumps(suite), "utf-8")
    assert load_suites(tmp_path)[0].partition_column == "year"


def test_frames_for_ge_are_contiguous_with_wide_integers():
    """What `_to_pandas` hands GE: one Arrow chunk per column (fast boolean filters) and
    INTEGER/SMALLINT widened to int64 (GE 1.24 checks `between` vectorised only on int64 and
    float64); values, NULLs and DECIMAL → float64 as before."""
    import duckdb
    import pyarrow as pa

    from evalwh.quality.gate import _to_pandas

    with duckdb.connect() as con:
        batches = con.sql(
            "select i::integer as a, (i % 1000)::smallint as b, i::bigint as c, i::decimal(9, 2) as d, "
            "case when i % 2 = 0 then i::integer end as e, i::varchar as s "
            "from range(300000) t(i)"
        ).to_arrow_reader(100_000)
        table = pa.Table.from_batches(list(batches))
    assert table.column("s").num_chunks > 1
    df = _to_pandas(table)
    assert {c: str(t) for c, t in df.dtypes.items() if c != "s"} == {
        "a": "int64",
        "b": "int64",
        "c": "int64",
        "d": "float64",
        "e": "float64",
    }
    assert df["a"].iloc[-1] == 299_999 and df["e"].isna().sum() == 150_000
    assert df["s"].array._pa_array.num_chunks == 1
