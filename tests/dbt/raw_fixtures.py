"""Purpose-built ingest database for the dbt tests.

Builds an ingest DuckDB file from ``src/evalwh/store/raw_schema.sql`` and fills it with a few
rows per hard case, exactly as ingestion would have written them (typed, canonical codes,
normalised ids, every batch kept, audit.source_files saying which batch is current).

Cases covered (the expected values are asserted in test_dbt_marts.py):

* two provinces: 220000 吉林省 (2014-2017) and 230000 黑龙江省 (2015-2016; its 2017
  workbook was quarantined, so 2017 has not loaded there);
* v1 years (2014, 2015) and v2 years (2016, 2017);
* a superseded batch: 吉林 2015 batch 1 (different secretary, an extra region, an extra
  commitment and problem, a different score, and an outcome that batch 2 no longer has);
* a returning secretary: 220102 王芳 2014-2015, 李强 2016, 王芳 again 2017;
* a commitment never reported (2014-220100-01: only the superseded batch had its outcome);
* open commitments in the last loaded year (JL2017-0001; HL2016-0001 whose 2017 is missing);
* repeat problems (JL-P-2015-01, JL-P-2017-02, HL-P-2016-01) and a non-repeat two years on;
* an inspection finding in 3 exports whose status moves backwards (F-2016-001), a finding
  that drops out of the latest export (F-2016-002) and one seen only in the latest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from evalwh.store import insert_raw

REPO_ROOT = Path(__file__).resolve().parents[2]
RAW_SCHEMA = REPO_ROOT / "src" / "evalwh" / "store" / "raw_schema.sql"

RUN_ID = "run-fixture-0001"

SHEETS = {
    "officials": "述职对象",
    "commitments": "承诺事项",
    "commitment_outcomes": "承诺完成情况",
    "problems": "问题清单",
    "rectifications": "整改情况",
    "evaluations": "评议结果",
}

D = dt.date


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Workbook:
    path: str
    province_code: str
    province_name: str
    year: int
    batch: int
    template_version: str
    status: str = "loaded"
    rows: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return sha(f"{self.path}|{self.batch}")

    def add(self, table: str, **values) -> Workbook:
        rows = self.rows.setdefault(table, [])
        values.update(
            report_year=self.year,
            province_code=self.province_code,
            province_name=self.province_name,
            batch=self.batch,
            template_version=self.template_version,
            source_file=self.path,
            file_sha256=self.sha256,
            sheet=SHEETS[table],
            row_number=len(rows) + 3,  # a title row and the header row above
            run_id=RUN_ID,
        )
        rows.append(values)
        return self


def officials(wb: Workbook, *rows: tuple) -> None:
    for region_code, region_name, level, parent_code, name, took_office in rows:
        wb.add(
            "officials",
            region_code=region_code,
            region_name=region_name,
            level=level,
            parent_code=parent_code,
            official_name=name,
            took_office_date=took_office,
        )


def commitment(wb, cid, region, category, metric, target, unit, content="承诺内容"):
    wb.add(
        "commitments",
        commitment_id=cid,
        region_code=region,
        category_code=category,
        content=content,
        metric_name=metric,
        target_value=target,
        unit=unit,
        due_date=D(wb.year + 1, 12, 31),
    )


def outcome(wb, cid, status, value=None, unit=None, region=None):
    wb.add(
        "commitment_outcomes",
        commitment_id=cid,
        region_code=region,
        outcome_value=value,
        outcome_unit=unit,
        outcome_status=status,
        note="情况说明",
    )


def problem(wb, pid, region, source, category):
    wb.add(
        "problems",
        problem_id=pid,
        region_code=region,
        source=source,
        category_code=category,
        description="问题描述",
        rectify_deadline=D(wb.year + 1, 6, 30),
    )


def rectification(wb, pid, status, completed=None):
    wb.add(
        "rectifications",
        problem_id=pid,
        rectification_status=status,
        measures="整改措施",
        completed_date=completed,
    )


def evaluation(wb, region, rating, score, approval, critiques):
    wb.add(
        "evaluations",
        region_code=region,
        rating=rating,
        score=score,
        approval_rate=approval,
        critique_count=critiques,
    )


JL, JL_NAME = "220000", "吉林省"
HL, HL_NAME = "230000", "黑龙江省"


def workbooks() -> list[Workbook]:
    jl14 = Workbook("reports/2014/吉林省2014年度述职评议汇总.xlsx", JL, "吉林", 2014, 1, "v1")
    jl15a = Workbook("reports/2015/吉林2015.xlsx", JL, JL_NAME, 2015, 1, "v1", "superseded")
    jl15b = Workbook("reports/2015/吉林2015_第二批.xlsx", JL, JL_NAME, 2015, 2, "v1")
    jl16 = Workbook("reports/2016/jilin_2016.xlsx", JL, JL_NAME, 2016, 1, "v2")
    jl17 = Workbook("reports/2017/jilin_2017.xlsx", JL, JL_NAME, 2017, 1, "v2")
    hl15 = Workbook("reports/2015/黑龙江2015.xlsx", HL, HL_NAME, 2015, 1, "v1")
    hl16 = Workbook("reports/2016/黑龙江2016.xlsx", HL, HL_NAME, 2016, 1, "v2")

    # ------------------------------------------------------------------ rosters
    city, county, town = "city", "county", "township"
    officials(
        jl14,
        ("220100", "长春", city, JL, "张伟", D(2013, 3, 1)),
        ("220102", "南关", county, "220100", "王芳", D(2012, 6, 1)),
    )
    officials(
        jl15a,  # superseded: wrong secretary and a region that batch 2 dropped
        ("220100", "长春市", city, JL, "张伟", D(2013, 3, 1)),
        ("220102", "南关区", county, "220100", "赵错", D(2015, 1, 1)),
        ("220199", "测试区", county, "220100", "钱多", D(2015, 1, 1)),
    )
    officials(
        jl15b,
        ("220100", "长春市", city, JL, "张伟", D(2013, 3, 1)),
        ("220102", "南关区", county, "220100", "王芳", D(2012, 6, 1)),
    )
    officials(
        jl16,
        ("220100", "长春市", city, JL, "张伟", D(2013, 3, 1)),
        ("220102", "南关区", county, "220100", "李强", D(2016, 1, 10)),
        ("220102001", "南岭街道", town, "220102", "刘洋", D(2014, 9, 1)),
    )
    officials(
        jl17,
        ("220100", "长春市", city, JL, " 张伟 ", D(2013, 3, 1)),
        ("220102", "南关区", county, "220100", "王芳", D(2017, 2, 1)),
        ("220102001", "南岭街道", town, "220102", "陈静", D(2017, 3, 1)),
    )
    officials(
        hl15,
        ("230100", "哈尔滨市", city, HL, "孙丽", D(2014, 5, 1)),
        ("230102", "道里区", county, "230100", "周杰", D(2013, 1, 1)),
    )
    officials(
        hl16,
        ("230100", "哈尔滨市", city, HL, "孙丽", D(2014, 5, 1)),
        ("230102", "道里区", county, "230100", "周杰", D(2013, 1, 1)),
    )

    # ------------------------------------------------------------------ commitments
    commitment(jl14, "2014-220102-01", "220102", "responsibility", "党组织覆盖率", 95.0, "%")
    commitment(jl14, "2014-220102-02", "220102", "leadership", "培训天数", 180.0, "天")
    commitment(jl14, "2014-220102-03", "220102", "public_service", None, None, None)
    commitment(jl14, "2014-220100-01", "220100", "funding", "保障经费", 60_000_000.0, "元")

    commitment(jl15a, "2015-220102-01", "220102", "misconduct", "问责案件数", 50.0, "件")
    commitment(jl15a, "2015-220102-09", "220102", "weak_organizations", "整顿数", 3.0, "个")
    commitment(jl15b, "2015-220102-01", "220102", "misconduct", "问责案件数", 0.0, "件")
    commitment(jl15b, "2015-220100-01", "220100", "responsibility", "述职覆盖率", 100.0, "%")

    commitment(jl16, "JL2016-0001", "220102", "organizational_life", "组织生活次数", 12.0, "次")
    commitment(jl16, "JL2016-0002", "220102001", "public_service", "走访户数", 12000.0, "户")
    commitment(jl17, "JL2017-0001", "220102", "responsibility", "党组织覆盖率", 98.0, "%")

    commitment(hl15, "2015-230102-01", "230102", "leadership", "培训人数", 10.0, "人")
    commitment(hl15, "2015-230102-02", "230102", "funding", None, None, None)
    commitment(hl16, "HL2016-0001", "230102", "misconduct", "问责案件数", 5.0, "件")

    # ------------------------------------------------------------------ outcomes
    outcome(jl15a, "2014-220100-01", "fulfilled", 60_000_000.0, "元", region="220100")
    outcome(jl15a, "2014-220102-01", "unfulfilled", 10.0, "%", region="220102")
    outcome(jl15b, "2014-220102-01", "fulfilled", 96.0, "%", region="220102")
    outcome(jl15b, "2014-220102-02", "partial", 150.0, "天", region="220102")
    outcome(jl15b, "2014-220102-03", "unfulfilled", region="220102")
    # 2014-220100-01: no outcome in the current batch -> not_reported
    outcome(jl16, "2015-220102-01", "fulfilled", 5.0, "件")
    outcome(jl16, "2015-220100-01", "unfulfilled", 80.0, "%")
    outcome(jl17, "JL2016-0001", "fulfilled", 12.0, "次")
    outcome(jl17, "JL2016-0002", "partial", 9000.0, "户")
    outcome(hl16, "2015-230102-01", "fulfilled", 10.0, "人")
    # 2015-230102-02: no outcome in 2016 -> not_reported

    # ------------------------------------------------------------------ problems
    problem(jl14, "JL-P-2014-01", "220102", "self", "misconduct")
    problem(jl14, "JL-P-2014-02", "220100", "superior", "funding")
    problem(jl15a, "JL-P-2015-09", "220102", "self", "leadership")
    problem(jl15b, "JL-P-2015-01", "220102", "public", "misconduct")
    problem(jl15b, "JL-P-2015-02", "220102", "inspection", "funding")
    problem(jl16, "JL-P-2016-01", "220100", "self", "funding")
    problem(jl16, "JL-P-2016-02", "220102001", "superior", "leadership")
    problem(jl17, "JL-P-2017-01", "220102", "self", "misconduct")
    problem(jl17, "JL-P-2017-02", "220100", "public", "funding")
    problem(hl15, "HL-P-2015-01", "230102", "self", "responsibility")
    problem(hl16, "HL-P-2016-01", "230102", "superior", "responsibility")

    rectification(jl15a, "JL-P-2014-02", "rectified", D(2015, 3, 1))
    rectification(jl15b, "JL-P-2014-01", "rectified", D(2015, 6, 30))
    rectification(jl15b, "JL-P-2014-02", "in_progress", D(2015, 12, 31))
    rectification(jl16, "JL-P-2015-01", "not_rectified")
    # JL-P-2015-02: no rectification in 2016 -> not_reported
    rectification(jl17, "JL-P-2016-01", "rectified", D(2017, 5, 31))
    # JL-P-2016-02: no rectification in 2017 -> not_reported
    rectification(hl16, "HL-P-2015-01", "rectified", D(2016, 4, 30))

    # ------------------------------------------------------------------ evaluations
    evaluation(jl14, "220100", "good", 92.5, 0.95, 1)
    evaluation(jl14, "220102", "fairly_good", 80.0, 0.87, 3)
    evaluation(jl15a, "220100", "good", 93.0, 0.96, 0)
    evaluation(jl15a, "220102", "poor", 40.0, 0.20, 9)
    evaluation(jl15b, "220100", "good", 93.0, 0.96, 0)
    evaluation(jl15b, "220102", "good", 85.0, 0.90, 2)
    evaluation(jl16, "220100", "average", 88.0, 0.80, 4)
    evaluation(jl16, "220102", "good", 90.0, 0.93, 1)
    evaluation(jl16, "220102001", "fairly_good", 75.0, 0.85, 2)
    evaluation(jl17, "220100", "good", 91.0, 0.94, 1)
    evaluation(jl17, "220102", "poor", 60.0, 0.55, 6)
    evaluation(jl17, "220102001", "good", 82.0, 0.91, 0)
    evaluation(hl15, "230100", "good", 89.0, 0.92, 1)
    evaluation(hl15, "230102", "average", 70.0, 0.75, 5)
    evaluation(hl16, "230100", "good", 90.0, 0.93, 0)
    evaluation(hl16, "230102", "fairly_good", 78.0, 0.84, 3)

    return [jl14, jl15a, jl15b, jl16, jl17, hl15, hl16]


EXPORTS = [
    ("inspections/findings_2016-06-01.csv", D(2016, 6, 1), 1),
    ("inspections/findings_20160901.csv", D(2016, 9, 1), 2),
    ("inspections/findings_2017-01-15.csv", D(2017, 1, 15), 3),
]

# finding_id -> its fixed attributes; then per export order: (status, action, persons)
FINDINGS = {
    "F-2016-001": dict(
        inspection_date=D(2016, 5, 10),
        inspection_type="unannounced",
        region_code="220102",
        category_code="misconduct",
        severity="serious",
        linked_problem_id="JL-P-2015-01",
        states={
            1: ("in_progress", "interview", 0),
            2: ("rectified", "interview", 1),
            3: ("not_rectified", "admonishment", 2),  # the rectification was false
        },
    ),
    "F-2016-002": dict(
        inspection_date=D(2016, 3, 1),
        inspection_type="random_visit",
        region_code="230102",
        category_code="responsibility",
        severity="minor",
        linked_problem_id=None,
        states={1: ("in_progress", "none", 0), 2: ("rectified", "none", 0)},
    ),
    "F-2017-001": dict(
        inspection_date=D(2017, 1, 5),
        inspection_type="circuit_inspection",
        region_code="220100",
        category_code="funding",
        severity="grave",
        linked_problem_id="JL-P-2016-01",
        states={3: ("in_progress", "dismissal", 1)},
    ),
}


def finding_rows() -> list[dict]:
    rows = []
    for path, export_date, order in EXPORTS:
        line = 1
        for finding_id, f in FINDINGS.items():
            if order not in f["states"]:
                continue
            line += 1
            status, action, persons = f["states"][order]
            rows.append(
                dict(
                    finding_id=finding_id,
                    inspection_date=f["inspection_date"],
                    inspection_type=f["inspection_type"],
                    region_code=f["region_code"],
                    category_code=f["category_code"],
                    severity=f["severity"],
                    description="问题描述",
                    linked_problem_id=f["linked_problem_id"],
                    rectify_deadline=None,
                    status=status,
                    accountability_action=action,
                    persons_held_accountable=persons,
                    export_date=export_date,
                    export_order=order,
                    source_file=path,
                    file_sha256=sha(path),
                    row_number=line,
                    run_id=RUN_ID,
                )
            )
    return rows


def _source_file_row(wb: Workbook) -> dict:
    return dict(
        path=wb.path,
        sha256=wb.sha256,
        kind="report_workbook",
        province_code=wb.province_code,
        year=wb.year,
        batch=wb.batch,
        status=wb.status,
        run_id=RUN_ID,
    )


def source_file_rows(wbs: list[Workbook]) -> list[dict]:
    rows = [_source_file_row(wb) for wb in wbs]
    jl16 = next(wb for wb in wbs if wb.year == 2016 and wb.province_code == JL)
    rows += [
        # the same 2016 workbook sent again under another name: a duplicate, no rows
        dict(
            path="reports/2016/jilin_2016 (1).xlsx",
            sha256=jl16.sha256,
            kind="report_workbook",
            province_code=JL,
            year=2016,
            batch=1,
            status="duplicate",
            run_id=RUN_ID,
        ),
        # 黑龙江 2017 was quarantined: 2017 has not loaded for that province
        dict(
            path="reports/2017/黑龙江2017.xlsx",
            sha256=sha("hl2017-broken"),
            kind="report_workbook",
            province_code=HL,
            year=2017,
            batch=1,
            status="quarantined",
            run_id=RUN_ID,
        ),
    ]
    rows += [export_source_file_row(path) for path, _, _ in EXPORTS]
    return rows


def export_source_file_row(path: str, run_id: str = RUN_ID) -> dict:
    """audit.source_files' row of an inspection export loaded by run ``run_id``."""
    return dict(
        path=path,
        sha256=sha(path),
        kind="inspection_export",
        province_code=None,
        year=None,
        batch=None,
        status="loaded",
        run_id=run_id,
    )


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    """Insert rows (dicts by column name) into a table; into a raw.<table> view through
    evalwh.store.insert_raw, from a temporary table typed like it."""
    schema, _, name = table.partition(".")
    target = "_fixture_rows" if schema == "raw" else table
    if schema == "raw":
        con.execute(f"create or replace temp table _fixture_rows as from raw.{name} limit 0")
    for row in rows:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        con.execute(f"insert into {target} ({cols}) values ({marks})", list(row.values()))
    if schema == "raw":
        insert_raw(con, name, "from _fixture_rows")
        con.execute("drop table _fixture_rows")


def build_ingest_db(path: Path) -> Path:
    """Create the ingest DuckDB file at ``path`` holding every fixture case."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wbs = workbooks()
    # Attach under an alias: opened directly, a file named raw.duckdb gets catalog `raw`,
    # which makes `raw.officials` ambiguous (catalog raw or schema raw) in DuckDB.
    with duckdb.connect() as con:
        con.execute("attach ? as ingest", [str(path)])
        con.execute("use ingest")
        con.execute(RAW_SCHEMA.read_text(encoding="utf-8"))
        for table in SHEETS:
            _insert(con, f"raw.{table}", [r for wb in wbs for r in wb.rows.get(table, [])])
        _insert(con, "raw.inspection_findings", finding_rows())
        _insert(con, "audit.source_files", source_file_rows(wbs))
        _insert(
            con,
            "audit.load_runs",
            [
                dict(
                    run_id=RUN_ID,
                    started_at=dt.datetime(2018, 1, 1, 8, 0),
                    finished_at=dt.datetime(2018, 1, 1, 8, 5),
                    status="succeeded",
                )
            ],
        )
    return path


def next_year_workbook() -> Workbook:
    """黑龙江 2017, arriving after the first build: it closes that province's 2016 items."""
    hl17 = Workbook("reports/2017/黑龙江2017_重报.xlsx", HL, HL_NAME, 2017, 2, "v2")
    officials(
        hl17,
        ("230100", "哈尔滨市", "city", HL, "孙丽", D(2014, 5, 1)),
        ("230102", "道里区", "county", "230100", "周杰", D(2013, 1, 1)),
    )
    outcome(hl17, "HL2016-0001", "fulfilled", 6.0, "件")
    # HL-P-2016-01: no rectification in 2017 -> not_reported
    evaluation(hl17, "230100", "good", 91.0, 0.94, 0)
    evaluation(hl17, "230102", "good", 84.0, 0.90, 1)
    return hl17


def add_next_year(path: Path) -> Workbook:
    """Load next_year_workbook() into an existing fixture ingest DB, as ingestion would."""
    wb = next_year_workbook()
    with duckdb.connect() as con:
        con.execute("attach ? as ingest", [str(path)])
        con.execute("use ingest")
        for table in SHEETS:
            _insert(con, f"raw.{table}", wb.rows.get(table, []))
        _insert(con, "audit.source_files", [_source_file_row(wb)])
    return wb


if __name__ == "__main__":  # pragma: no cover - handy for poking at the fixture by hand
    import sys

    print(build_ingest_db(Path(sys.argv[1] if len(sys.argv) > 1 else "ingest.duckdb")))
