"""Values reach SQL only as parameters: names written to look like SQL are stored as text and
harm nothing, through ingestion, the full dbt build, the gate, publishing and `evalwh query`.

(The f-strings that build SQL in src/ interpolate only identifiers from code, quoted with
publish._q, or paths quoted with publish._lit; docs/reliability.md lists them.)"""

from __future__ import annotations

import pytest

from evalwh.config import paths as make_paths
from tests.ingest.builders import (
    CITY,
    COUNTY,
    cover,
    finding,
    report_tables,
    write_csv,
    write_workbook,
)

from .conftest import q
from .procs import child_env, start, wait_measured

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(600)]

REGION = "x'); DROP TABLE marts.fct_commitment; --"
SECRETARY = "'; DELETE FROM audit.load_runs; --"
FINDING = "'); drop table raw.officials; --"

RUN_ALL = """
import sys
from evalwh.config import paths
from evalwh.pipeline import run_all
version = run_all(paths(sys.argv[1], sys.argv[2]))
print("published", version.version)
"""


def test_sql_looking_names_are_stored_as_text_through_the_whole_pipeline(tmp_path):
    p = make_paths(tmp_path / "raw", tmp_path / "wh")
    for year in (2015, 2016, 2017):
        tables = report_tables(year)
        tables["述职对象"][1][0][1] = REGION  # the city's 地区名称
        tables["述职对象"][1][1][4] = SECRETARY  # the county's 书记姓名
        if year == 2015:  # the first year: nothing from a year before to account for
            tables["承诺完成情况"] = (tables["承诺完成情况"][0], [])
            tables["整改情况"] = (tables["整改情况"][0], [])
        write_workbook(p.reports_dir / f"{year}.xlsx", cover(year), tables)
    write_csv(p.inspections_dir / "findings_2016-06-30.csv", [finding("F1", 问题描述=FINDING)])

    proc = start(RUN_ALL, str(p.raw_dir), str(p.warehouse_dir), env=child_env())
    result = wait_measured(proc, 500)
    assert result.returncode == 0, (result.stdout[-3000:], result.stderr[-3000:])
    assert "published 1" in result.stdout

    db = p.published_db
    assert q(db, "select region_name from marts.dim_region where region_code = ?", [CITY]) == [
        (REGION,)
    ]
    names = {
        n
        for (n,) in q(
            db, "select official_name from marts.dim_official where region_code = ?", [COUNTY]
        )
    }
    assert SECRETARY in names
    assert q(db, "select count(*) from marts.fct_commitment")[0][0] > 0  # not dropped
    assert q(db, "select count(*) from audit.load_runs")[0][0] == 1  # not deleted
    assert q(p.ingest_db, "select description from raw.inspection_findings") == [(FINDING,)]
    assert q(p.ingest_db, "select count(*) from raw.officials")[0][0] == 9

    # and through the analysts' command line, as a query result and as an exported CSV
    out = tmp_path / "regions.csv"
    query = start(
        "import sys; from evalwh.cli import main; sys.exit(main())",
        "--warehouse-dir", str(p.warehouse_dir), "query",
        f"select region_code, region_name from marts.dim_region where region_code = '{CITY}'",
        "--csv", str(out),
        env=child_env(),
    )  # fmt: skip
    assert wait_measured(query, 120).returncode == 0
    assert out.read_text("utf-8").splitlines()[1] == f"{CITY},{REGION}"
