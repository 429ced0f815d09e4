"""The dbt marts built on the purpose-built fixture (raw_fixtures.py): exact values per case."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import replace

import duckdb
import pytest
from raw_fixtures import REPO_ROOT, add_next_year
from tests.marts import not_null_by_contract, nullable_in_file, stored_out_of_year_order

WAREHOUSE_SPEC = REPO_ROOT / "docs" / "spec" / "warehouse.md"
EXPORT_1 = "inspections/findings_2016-06-01.csv"
EXPORT_2 = "inspections/findings_20160901.csv"
EXPORT_3 = "inspections/findings_2017-01-15.csv"


@pytest.fixture
def con(dbt_run):
    with duckdb.connect(str(dbt_run.warehouse_db), read_only=True) as connection:
        yield connection


def query(con, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def by_key(con, table: str, key: str) -> dict:
    return {row[key]: row for row in query(con, f"select * from marts.{table}")}


def official_key(region: str, name: str, from_year: int) -> str:
    return hashlib.md5(f"{region}|{name}|{from_year}".encode()).hexdigest()


# --------------------------------------------------------------------------- contract
def published_marts_contract() -> dict[str, list[str]]:
    """Tables and their columns, in order, from the `marts` table of warehouse.md."""
    text = WAREHOUSE_SPEC.read_text(encoding="utf-8")
    section = text.split("## Schema `marts`", 1)[1].split("\n## ", 1)[0]
    contract: dict[str, list[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("table", "") or set(cells[0]) <= {"-"}:
            continue
        table, _grain, columns = cells
        names, depth, current = [], 0, ""
        for ch in columns:  # split on commas outside parentheses
            depth += ch == "("
            depth -= ch == ")"
            if ch == "," and depth == 0:
                names.append(current)
                current = ""
            else:
                current += ch
        names.append(current)
        contract[table] = [re.sub(r"\(.*\)", "", n).strip() for n in names]
    return contract


def test_contract_parser_reads_every_published_table():
    contract = published_marts_contract()
    assert len(contract) == 10
    assert contract["fct_commitment"][-3:] == ["outcome_status", "achievement_ratio", "source_file"]


# Columns the marts carry beyond warehouse.md: additive, appended after the contract's columns
# in this order, with these types, and listed in CHANGELOG.md. Any other difference fails.
KNOWN_ADDITIONS: dict[str, list[tuple[str, str]]] = {
    # the workbook row of each fact (issue #5: the report's drill-down names sheet and row)
    "fct_commitment": [("source_sheet", "VARCHAR"), ("source_row_number", "INTEGER")],
    "fct_problem": [
        ("source_file", "VARCHAR"),
        ("source_sheet", "VARCHAR"),
        ("source_row_number", "INTEGER"),
    ],
    "fct_evaluation": [
        ("source_file", "VARCHAR"),
        ("source_sheet", "VARCHAR"),
        ("source_row_number", "INTEGER"),
    ],
}
KNOWN_ADDITIONAL_TABLES = {"fct_inspection_finding_history"}
CHANGELOG = REPO_ROOT / "CHANGELOG.md"


def test_marts_match_published_contract(con):
    contract = published_marts_contract()
    built: dict[str, list[tuple[str, str]]] = {}
    for row in query(
        con,
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' order by table_name, ordinal_position",
    ):
        built.setdefault(row["table_name"], []).append((row["column_name"], row["data_type"]))
    assert set(KNOWN_ADDITIONS) <= set(contract)
    for table, columns in contract.items():
        names = [name for name, _type in built.get(table, [])]
        additions = KNOWN_ADDITIONS.get(table, [])
        # the contract's columns first, in its order, then exactly the known additions
        assert names == columns + [name for name, _type in additions], table
        assert built[table][len(columns) :] == additions, table
    # anything beyond the contract is additive and must be a known addition
    assert set(built) - set(contract) == KNOWN_ADDITIONAL_TABLES


def test_known_additions_are_in_the_changelog():
    """warehouse.md: a change to published names goes in CHANGELOG.md."""
    unreleased = CHANGELOG.read_text(encoding="utf-8").split("## Unreleased", 1)[1]
    unreleased = unreleased.split("\n## ", 1)[0]
    for table, additions in KNOWN_ADDITIONS.items():
        # one line of the entry per table: "`fct_x`: `col_a`, `col_b` ..."
        named = [f"`{table}`:", *(f"`{name}`" for name, _type in additions)]
        assert any(all(n in line for n in named) for line in unreleased.splitlines()), table


# mart -> (raw table, the mart's key columns, the raw columns they equal)
LINEAGE_KEYS = {
    "fct_commitment": (
        "commitments",
        ("commitment_id", "made_year"),
        ("commitment_id", "report_year"),
    ),
    "fct_problem": ("problems", ("problem_id", "identified_year"), ("problem_id", "report_year")),
    "fct_evaluation": ("evaluations", ("region_code", "year"), ("region_code", "report_year")),
}


@pytest.mark.parametrize("mart", list(LINEAGE_KEYS))
def test_lineage_columns_point_at_the_source_row(dbt_run, mart):
    """Every row of the mart names (file, sheet, row) of exactly one raw row of a current
    workbook, and that raw row holds the mart row's key."""
    table, mart_key, raw_key = LINEAGE_KEYS[mart]
    same_key = " and ".join(f"m.{a} = r.{b}" for a, b in zip(mart_key, raw_key, strict=True))
    with duckdb.connect(str(dbt_run.warehouse_db), read_only=True) as c:
        c.execute("attach ? as ingest (read_only)", [str(dbt_run.ingest_db)])
        total, located, keyed, current = c.execute(
            f"""
            select
                count(distinct m.rowid),
                count(r.row_number),
                count(r.row_number) filter (where {same_key}),
                count(r.row_number) filter (where f.status = 'loaded')
            from marts.{mart} as m
            left join ingest.raw.{table} as r
                on m.source_file = r.source_file
                and m.source_sheet = r.sheet
                and m.source_row_number = r.row_number
            left join ingest.audit.source_files as f
                on r.source_file = f.path and r.file_sha256 = f.sha256
            """
        ).fetchone()
        assert total > 0
        assert (located, keyed, current) == (total, total, total)


def test_lineage_names_the_current_batch_row(con):
    """Exact rows of the fixture: 吉林 2015 batch 2 repeats batch 1's ids on the same rows,
    so only the file tells them apart."""
    second = "reports/2015/吉林2015_第二批.xlsx"

    def lineage(table: str, where: str) -> list[tuple]:
        return con.execute(
            f"select source_file, source_sheet, source_row_number from marts.{table} where {where}"
        ).fetchall()

    assert lineage("fct_commitment", "commitment_id = '2015-220102-01'") == [
        (second, "承诺事项", 3)
    ]
    assert lineage("fct_commitment", "commitment_id = '2014-220100-01'") == [
        ("reports/2014/吉林省2014年度述职评议汇总.xlsx", "承诺事项", 6)
    ]
    # the problem's own row (问题清单 of the year it was identified), not its rectification's
    assert lineage("fct_problem", "problem_id = 'JL-P-2014-02'") == [
        ("reports/2014/吉林省2014年度述职评议汇总.xlsx", "问题清单", 4)
    ]
    assert lineage("fct_problem", "problem_id = 'JL-P-2015-02'") == [(second, "问题清单", 4)]
    assert lineage("fct_evaluation", "region_code = '220102001' and year = 2017") == [
        ("reports/2017/jilin_2017.xlsx", "评议结果", 5)
    ]


def test_marts_are_tables_and_open_without_ingest(dbt_run, tmp_path):
    """The publish step drops staging/intermediate; the marts must still read alone."""
    copy = tmp_path / "published.duckdb"
    shutil.copy(dbt_run.warehouse_db, copy)
    with duckdb.connect(str(copy)) as c:
        assert (
            query(
                c,
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' and table_type <> 'BASE TABLE'",
            )
            == []
        )
        for schema in ("staging", "intermediate"):
            c.execute(f"drop schema {schema} cascade")
    with duckdb.connect(str(copy), read_only=True) as c:
        tables = [
            r[0]
            for r in c.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        assert len(tables) == 11
        for table in tables:
            c.execute(f"select count(*) from marts.{table}").fetchone()


# --------------------------------------------------------------------------- dimensions
def test_dim_region_from_latest_roster(con):
    regions = by_key(con, "dim_region", "region_code")
    assert set(regions) == {"220100", "220102", "220102001", "230100", "230102"}  # no 220199
    assert regions["220102"] == dict(
        region_code="220102",
        region_name="南关区",
        level="county",
        parent_code="220100",
        province_code="220000",
        province_name="吉林省",
        city_code="220100",
    )
    assert regions["220102001"]["level"] == "township"
    assert regions["220102001"]["city_code"] == "220100"
    assert regions["220100"]["city_code"] == "220100"
    assert regions["220100"]["region_name"] == "长春市"  # 2014 said 长春
    assert regions["230102"]["province_name"] == "黑龙江省"


def test_dim_official_scd2_with_returning_secretary(con):
    rows = query(
        con,
        "select * from marts.dim_official where region_code = '220102' order by valid_from_year",
    )
    assert [
        (r["official_name"], r["valid_from_year"], r["valid_to_year"], r["is_current"])
        for r in rows
    ] == [("王芳", 2014, 2015, False), ("李强", 2016, 2016, False), ("王芳", 2017, None, True)]
    assert [r["official_key"] for r in rows] == [
        official_key("220102", "王芳", 2014),
        official_key("220102", "李强", 2016),
        official_key("220102", "王芳", 2017),
    ]
    assert str(rows[2]["took_office_date"]) == "2017-02-01"
    names = {r["official_name"] for r in query(con, "select * from marts.dim_official")}
    assert "赵错" not in names and "钱多" not in names  # superseded batch only


def test_dim_official_untouched_tenure_and_trimmed_name(con):
    rows = query(con, "select * from marts.dim_official where region_code = '220100'")
    assert len(rows) == 1  # " 张伟 " in 2017 is the same secretary
    assert (
        rows[0]["official_name"],
        rows[0]["valid_from_year"],
        rows[0]["valid_to_year"],
        rows[0]["is_current"],
    ) == ("张伟", 2014, None, True)
    township = query(
        con,
        "select official_name, valid_from_year, valid_to_year, is_current "
        "from marts.dim_official where region_code = '220102001' "
        "order by valid_from_year",
    )
    assert [tuple(r.values()) for r in township] == [
        ("刘洋", 2016, 2016, False),
        ("陈静", 2017, None, True),
    ]


def test_dim_year_and_category(con):
    assert query(con, "select * from marts.dim_year order by year") == [
        {"year": 2014, "template_version": "v1"},
        {"year": 2015, "template_version": "v1"},
        {"year": 2016, "template_version": "v2"},
        {"year": 2017, "template_version": "v2"},
    ]
    categories = by_key(con, "dim_category", "category_code")
    assert len(categories) == 7
    assert categories["weak_organizations"]["category_name_zh"] == "整顿软弱涣散基层党组织"


# --------------------------------------------------------------------------- commitments
def test_fct_commitment_outcomes(con):
    c = by_key(con, "fct_commitment", "commitment_id")
    assert set(c) == {
        "2014-220102-01",
        "2014-220102-02",
        "2014-220102-03",
        "2014-220100-01",
        "2015-220102-01",
        "2015-220100-01",
        "JL2016-0001",
        "JL2016-0002",
        "JL2017-0001",
        "2015-230102-01",
        "2015-230102-02",
        "HL2016-0001",
    }  # 2015-220102-09 was only in the superseded batch
    first = c["2014-220102-01"]
    assert (
        first["made_year"],
        first["target_year"],
        first["outcome_status"],
        first["outcome_value"],
        first["unit"],
    ) == (2014, 2015, "fulfilled", 96.0, "%")
    assert first["achievement_ratio"] == pytest.approx(96 / 95)
    assert c["2014-220102-02"]["outcome_status"] == "partial"
    assert c["2014-220102-02"]["achievement_ratio"] == pytest.approx(150 / 180)
    # qualitative: no target, no value, status alone
    assert (c["2014-220102-03"]["outcome_status"], c["2014-220102-03"]["achievement_ratio"]) == (
        "unfulfilled",
        None,
    )
    # target zero: no ratio; batch 2's target (0) wins over superseded batch 1's (50)
    assert c["2015-220102-01"]["target_value"] == 0
    assert c["2015-220102-01"]["achievement_ratio"] is None
    assert c["2015-220102-01"]["source_file"] == "reports/2015/吉林2015_第二批.xlsx"
    assert c["2015-220100-01"]["achievement_ratio"] == pytest.approx(0.8)


def test_commitment_never_reported_is_not_reported(con):
    c = by_key(con, "fct_commitment", "commitment_id")
    # only the superseded 2015 batch carried this outcome
    assert c["2014-220100-01"]["outcome_status"] == "not_reported"
    assert c["2014-220100-01"]["outcome_value"] is None
    assert c["2015-230102-02"]["outcome_status"] == "not_reported"


def test_open_commitments_have_no_status(con):
    c = by_key(con, "fct_commitment", "commitment_id")
    assert c["JL2017-0001"]["outcome_status"] is None  # 2018 not loaded
    assert c["HL2016-0001"]["outcome_status"] is None  # 黑龙江 2017 quarantined


def test_fct_commitment_official_is_the_one_in_office_in_made_year(con):
    c = by_key(con, "fct_commitment", "commitment_id")
    assert c["2014-220102-01"]["official_key"] == official_key("220102", "王芳", 2014)
    assert c["JL2016-0001"]["official_key"] == official_key("220102", "李强", 2016)
    assert c["JL2017-0001"]["official_key"] == official_key("220102", "王芳", 2017)
    assert c["JL2016-0002"]["official_key"] == official_key("220102001", "刘洋", 2016)


def test_commitment_vs_outcome(con):
    rows = {
        (r["region_code"], r["made_year"], r["category_code"]): r
        for r in query(con, "select * from marts.commitment_vs_outcome")
    }
    assert len(rows) == 12
    assert rows[("220100", 2014, "funding")] == dict(
        region_code="220100",
        made_year=2014,
        category_code="funding",
        commitments=1,
        fulfilled=0,
        partial=0,
        unfulfilled=0,
        not_reported=1,
        fulfilment_rate=0.0,
    )
    assert rows[("220102", 2014, "responsibility")]["fulfilment_rate"] == 1.0
    assert rows[("220102", 2014, "leadership")]["partial"] == 1
    open_row = rows[("220102", 2017, "responsibility")]
    assert (
        open_row["commitments"],
        open_row["fulfilled"],
        open_row["not_reported"],
        open_row["fulfilment_rate"],
    ) == (1, 0, 0, None)
    assert rows[("230102", 2016, "misconduct")]["fulfilment_rate"] is None


def test_commitment_vs_outcome_is_stored_by_year_then_region(dbt_run):
    # analysts' group-bys over region and year read it in this order (docs/performance.md)
    order = ("region_code", "category_code")
    table = "marts.commitment_vs_outcome"
    assert stored_out_of_year_order(dbt_run.warehouse_db, table, "made_year", order) == []
    with duckdb.connect(str(dbt_run.warehouse_db), read_only=True) as con:
        stored = con.execute(f"select made_year from {table} order by rowid").fetchall()
    years = [y for (y,) in stored]
    assert years == sorted(years)  # a full build: the years in order too


# --------------------------------------------------------------------------- problems
def test_fct_problem_rectification_and_repeat(con):
    p = by_key(con, "fct_problem", "problem_id")
    assert "JL-P-2015-09" not in p  # superseded batch only
    expected = {
        # id: (status, rectified_date, is_repeat)
        "JL-P-2014-01": ("rectified", "2015-06-30", False),
        "JL-P-2014-02": ("in_progress", None, False),  # batch 1 said rectified
        "JL-P-2015-01": ("not_rectified", None, True),
        "JL-P-2015-02": ("not_reported", None, False),
        "JL-P-2016-01": ("rectified", "2017-05-31", False),  # 2014 funding is 2 years back
        "JL-P-2016-02": ("not_reported", None, False),
        "JL-P-2017-01": (None, None, False),  # misconduct in 2015, not 2016
        "JL-P-2017-02": (None, None, True),
        "HL-P-2015-01": ("rectified", "2016-04-30", False),
        "HL-P-2016-01": (None, None, True),
    }
    got = {
        k: (
            v["rectification_status"],
            None if v["rectified_date"] is None else str(v["rectified_date"]),
            v["is_repeat"],
        )
        for k, v in p.items()
    }
    assert got == expected
    assert p["JL-P-2015-02"]["source"] == "inspection"


# --------------------------------------------------------------------------- evaluations
def test_fct_evaluation_current_batch(con):
    rows = {
        (r["region_code"], r["year"]): r for r in query(con, "select * from marts.fct_evaluation")
    }
    assert len(rows) == 14  # 16 raw rows, 2 of them in the superseded batch
    assert rows[("220102", 2015)] == dict(
        region_code="220102",
        year=2015,
        rating="good",
        score=85.0,
        approval_rate=0.90,
        critique_count=2,
        source_file="reports/2015/吉林2015_第二批.xlsx",
        source_sheet="评议结果",
        source_row_number=4,  # batch 1 had it on row 4 too, in its own file
    )  # batch 1 said poor / 40


# --------------------------------------------------------------------------- inspections
def test_fct_inspection_finding_current_state(con):
    f = by_key(con, "fct_inspection_finding", "finding_id")
    assert set(f) == {"F-2016-001", "F-2016-002", "F-2017-001"}
    backwards = f["F-2016-001"]
    assert (
        backwards["status"],
        backwards["accountability_action"],
        backwards["persons_held_accountable"],
    ) == ("not_rectified", "admonishment", 2)
    assert (backwards["first_seen_file"], backwards["last_seen_file"]) == (EXPORT_1, EXPORT_3)
    dropped = f["F-2016-002"]
    assert (dropped["status"], dropped["first_seen_file"], dropped["last_seen_file"]) == (
        "rectified",
        EXPORT_1,
        EXPORT_2,
    )
    late = f["F-2017-001"]
    assert (late["first_seen_file"], late["last_seen_file"], late["linked_problem_id"]) == (
        EXPORT_3,
        EXPORT_3,
        "JL-P-2016-01",
    )


def test_fct_inspection_finding_history_keeps_every_state(con):
    rows = query(
        con,
        "select state_number, export_order, status, previous_status, is_current, source_file "
        "from marts.fct_inspection_finding_history where finding_id = 'F-2016-001' "
        "order by state_number",
    )
    assert [tuple(r.values()) for r in rows] == [
        (1, 1, "in_progress", None, False, EXPORT_1),
        (2, 2, "rectified", "in_progress", False, EXPORT_2),
        (3, 3, "not_rectified", "rectified", True, EXPORT_3),
    ]
    assert query(con, "select count(*) as n from marts.fct_inspection_finding_history") == [
        {"n": 6}
    ]


# --------------------------------------------------------------------------- trend
TREND_COLUMNS = (
    "rating",
    "score",
    "score_change",
    "commitments_due",
    "fulfilment_rate",
    "fulfilment_rate_change",
    "problems_identified",
    "problems_rectified",
    "repeat_problems",
    "inspection_findings",
    "persons_held_accountable",
)
TREND = {
    ("220102", 2014): ("fairly_good", 80.0, None, 0, None, None, 1, 0, 0, 0, 0),
    ("220102", 2015): ("good", 85.0, 5.0, 3, 1 / 3, None, 2, 1, 1, 0, 0),
    ("220102", 2016): ("good", 90.0, 5.0, 1, 1.0, 2 / 3, 0, 0, 0, 1, 2),
    ("220102", 2017): ("poor", 60.0, -30.0, 1, 1.0, 0.0, 1, 0, 0, 0, 0),
    ("220100", 2014): ("good", 92.5, None, 0, None, None, 1, 0, 0, 0, 0),
    ("220100", 2015): ("good", 93.0, 0.5, 1, 0.0, None, 0, 0, 0, 0, 0),
    ("220100", 2016): ("average", 88.0, -5.0, 1, 0.0, 0.0, 1, 0, 0, 0, 0),
    ("220100", 2017): ("good", 91.0, 3.0, 0, None, None, 1, 1, 1, 1, 1),
    ("220102001", 2016): ("fairly_good", 75.0, None, 0, None, None, 1, 0, 0, 0, 0),
    ("220102001", 2017): ("good", 82.0, 7.0, 1, 0.0, None, 0, 0, 0, 0, 0),
    ("230100", 2015): ("good", 89.0, None, 0, None, None, 0, 0, 0, 0, 0),
    ("230100", 2016): ("good", 90.0, 1.0, 0, None, None, 0, 0, 0, 0, 0),
    ("230102", 2015): ("average", 70.0, None, 0, None, None, 1, 0, 0, 0, 0),
    ("230102", 2016): ("fairly_good", 78.0, 8.0, 2, 0.5, None, 1, 1, 1, 1, 0),
}


def test_region_year_trend(con):
    got = {
        (r["region_code"], r["year"]): tuple(r[c] for c in TREND_COLUMNS)
        for r in query(con, "select * from marts.region_year_trend")
    }
    assert set(got) == set(TREND)
    for key, expected in TREND.items():
        assert got[key] == pytest.approx(expected), key


# --------------------------------------------------------------------------- dbt project
def test_build_ran_every_test_kind(dbt_run):
    results = json.loads(dbt_run.build_results.read_text())
    kinds = {}
    for r in results["results"]:
        kind = r["unique_id"].split(".")[0]
        kinds.setdefault(kind, set()).add(r["status"])
    assert kinds["unit_test"] == {"pass"}
    assert kinds["test"] == {"pass"}
    assert kinds["model"] == {"success"}
    names = {r["unique_id"] for r in results["results"]}
    for singular in (
        "assert_outcomes_point_at_commitments_made_year_before",
        "assert_no_superseded_batch_in_marts",
        "assert_rates_between_0_and_1",
    ):
        assert f"test.evalwh.{singular}" in names


def test_docs_generate_and_everything_documented(dbt_run):
    """`dbt docs generate` ran in the fixture; every model, seed and column has a description."""
    manifest = json.loads((dbt_run.target_path / "manifest.json").read_text())
    catalog = json.loads((dbt_run.target_path / "catalog.json").read_text())
    missing = []
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] not in ("model", "seed") or node["package_name"] != "evalwh":
            continue
        if not node["description"].strip():
            missing.append(uid)
        built = catalog["nodes"].get(uid, {}).get("columns", {})
        assert built, f"{uid} not in the catalog"
        for column in built:
            documented = node["columns"].get(column.lower(), {}).get("description", "")
            if not documented.strip():
                missing.append(f"{uid}.{column}")
    assert missing == []


def test_build_time_is_recorded(dbt_run):
    # not a benchmark; keeps the figure visible in -rA output and guards runaway builds
    print(f"dbt build on the fixture: {dbt_run.build_seconds:.1f}s")
    assert dbt_run.build_seconds < 120


# --------------------------------------------------------------------------- next year
def test_rebuild_from_published_copy_after_next_year_loads(dbt_run, tmp_path):
    """The real flow: start from a copy of the last published file (staging/intermediate
    dropped), load one more province-year, build again. Items that were open close."""
    ingest = tmp_path / "ingest" / "raw.duckdb"
    ingest.parent.mkdir()
    shutil.copy(dbt_run.ingest_db, ingest)
    add_next_year(ingest)
    warehouse = tmp_path / "staging" / "evaluation.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(dbt_run.warehouse_db, warehouse)
    with duckdb.connect(str(warehouse)) as c:
        c.execute("drop schema staging cascade")
        c.execute("drop schema intermediate cascade")
    env = {**dbt_run.env, "EVALWH_INGEST_DB": str(ingest), "EVALWH_DBT_TARGET_PATH": str(warehouse)}
    rebuild = replace(dbt_run, env=env, target_path=tmp_path / "target", log_path=tmp_path / "logs")
    rebuild.dbt("build", "--exclude", "resource_type:unit_test")
    with duckdb.connect(str(warehouse), read_only=True) as c:
        commitments = by_key(c, "fct_commitment", "commitment_id")
        assert commitments["HL2016-0001"]["outcome_status"] == "fulfilled"
        assert commitments["HL2016-0001"]["achievement_ratio"] == pytest.approx(6 / 5)
        assert commitments["JL2017-0001"]["outcome_status"] is None  # 吉林 2018 still open
        problems = by_key(c, "fct_problem", "problem_id")
        assert problems["HL-P-2016-01"]["rectification_status"] == "not_reported"
        trend = query(
            c,
            "select commitments_due, fulfilment_rate, fulfilment_rate_change, score_change "
            "from marts.region_year_trend where region_code = '230102' and year = 2017",
        )
        assert trend == [
            {
                "commitments_due": 1,
                "fulfilment_rate": 1.0,
                "fulfilment_rate_change": 0.5,
                "score_change": 6.0,
            }
        ]
        spans = query(
            c,
            "select official_key, valid_from_year, valid_to_year, is_current "
            "from marts.dim_official where region_code = '230102'",
        )
        assert spans == [
            {
                "official_key": official_key("230102", "周杰", 2015),  # key unchanged
                "valid_from_year": 2015,
                "valid_to_year": None,
                "is_current": True,
            }
        ]


# --------------------------------------------------------------------------- contracts
def test_contracts_not_null_columns_are_not_null_in_the_built_file(dbt_run):
    """The marts' required columns are constraints of their contract, enforced by the table
    as rows are written (not data tests run after): every one is NOT NULL in the file."""
    manifest = json.loads((dbt_run.target_path / "manifest.json").read_text())
    required = not_null_by_contract(manifest)
    assert len(required) > 50 and ("fct_problem", "source") in required
    assert nullable_in_file(dbt_run.warehouse_db, required) == set()


def _with_one_null(dbt_run, tmp_path, view: str, key: str, column: str):
    """A copy of the built warehouse whose view `view` gives a null in `column` for the row
    with the lowest `key` (what a faulty join upstream would give), and dbt pointed at it:
    (the copy, a DbtRun for it)."""
    warehouse = tmp_path / "staging" / "evaluation.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(dbt_run.warehouse_db, warehouse)
    schema = view.split(".")[0]
    with duckdb.connect(str(warehouse)) as c:
        c.execute("attach ? as ingest (read_only)", [str(dbt_run.ingest_db)])  # what views read
        c.execute(f"alter view {view} rename to faulty")
        c.execute(
            f"create view {view} as select * replace (case when {key} = (select min({key}) "
            f"from {schema}.faulty) then null else {column} end as {column}) from {schema}.faulty"
        )
    env = {**dbt_run.env, "EVALWH_DBT_TARGET_PATH": str(warehouse)}
    return warehouse, replace(
        dbt_run, env=env, target_path=tmp_path / "target", log_path=tmp_path / "logs"
    )


def test_a_null_in_a_required_mart_column_fails_the_build_and_keeps_the_table(dbt_run, tmp_path):
    """A model whose SQL gives a null in a required column fails its build, and its table
    keeps the rows of the last good build."""
    warehouse, rebuild = _with_one_null(  # one problem without its 来源
        dbt_run,
        tmp_path,
        "intermediate.int_problems_joined_to_rectifications",
        "problem_id",
        "problem_source",
    )
    counts = "select count(*), count(source) from marts.fct_problem"
    with duckdb.connect(str(warehouse), read_only=True) as c:
        before = c.execute(counts).fetchone()
    result = rebuild.dbt("run", "--select", "fct_problem", "--full-refresh", check=False)
    assert result.returncode != 0
    assert re.search(r"NOT NULL constraint failed: \S*fct_problem\S*\.\W?source", result.stdout)
    with duckdb.connect(str(warehouse), read_only=True) as c:
        assert c.execute(counts).fetchone() == before


def test_a_null_in_a_staging_column_fails_its_not_null_columns_test_naming_the_column(
    dbt_run, tmp_path
):
    """The staging models test their required columns together (tests/generic/
    not_null_columns.sql): one null fails that model's test, and the failure names the
    column and how many rows are null there."""
    warehouse, retest = _with_one_null(
        dbt_run, tmp_path, "staging.stg_ingest__problems", "problem_id", "category_code"
    )
    result = retest.dbt(
        "test",
        "--select",
        "stg_ingest__problems,test_name:not_null_columns",
        "--store-failures",
        check=False,
    )
    assert result.returncode != 0
    assert re.search(r"Got 1 result", result.stdout), result.stdout[-2000:]
    with duckdb.connect(str(warehouse), read_only=True) as c:
        (failures,) = [
            t
            for (t,) in c.execute(
                "select table_schema || '.' || table_name from information_schema.tables "
                "where table_schema = 'dbt_test__audit'"
            ).fetchall()
        ]
        assert c.execute(f"select * from {failures}").fetchall() == [("category_code", 1)]
