"""Small, internally consistent warehouses built in code, for tests (no binary fixtures).

`build_fixture(warehouse_dir)` writes, in the `config.paths()` layout under ``warehouse_dir``:

* ``ingest/raw.duckdb``: raw_schema.sql, one succeeded load run, the source files (one workbook
  per province-year, one inspection export per year), raw.evaluations and
  raw.inspection_findings with full lineage;
* ``staging/evaluation.duckdb``: schema ``marts`` with all ten tables of warehouse.md filled
  consistently (every key unique, every code in its dimension, no year gaps, rates in range;
  the fact tables with their additive lineage columns, as dbt builds them),
  plus leftover ``staging``/``intermediate`` schemas as dbt leaves them.

Then `evalwh.publish.copy_audit_into()` (which the tests call, as the pipeline does) turns the
staging file into a publishable one. Sizes scale with ``provinces``, ``years``,
``counties_per_city`` and ``townships_per_county``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

import duckdb

from evalwh.config import Paths, paths
from evalwh.store import insert_raw

__all__ = ["CATEGORIES", "Fixture", "build_fixture", "build_ingest_db", "build_staging_db"]

RAW_SCHEMA = Path(__file__).resolve().parents[1] / "store" / "raw_schema.sql"

PROVINCES = [
    ("440000", "广东省"),
    ("320000", "江苏省"),
    ("510000", "四川省"),
    ("330000", "浙江省"),
    ("370000", "山东省"),
    ("410000", "河南省"),
]
CATEGORIES = [
    ("responsibility", "落实党建责任", "Party-building responsibility"),
    ("leadership", "带头人队伍建设", "Leader team building"),
    ("weak_organizations", "整顿软弱涣散基层党组织", "Weak and lax organisations"),
    ("organizational_life", "党的组织生活", "Organisational life"),
    ("public_service", "联系服务群众", "Serving the public"),
    ("misconduct", "整治不作为乱作为", "Inaction and misconduct"),
    ("funding", "基层基础保障", "Grassroots funding"),
]
RATINGS = [(90, "good"), (80, "fairly_good"), (70, "average"), (0, "poor")]


@dataclass(frozen=True)
class Fixture:
    paths: Paths
    run_id: str
    years: tuple[int, ...]
    province_codes: tuple[str, ...]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _workbook(province: str, year: int) -> str:
    return f"reports/{province}/{year}.xlsx"


def _export(year: int) -> str:
    return f"inspections/{year}-12-31.csv"


def _regions(n_provinces: int, counties_per_city: int, townships_per_county: int) -> list[dict]:
    out = []
    for pcode, pname in PROVINCES[:n_provinces]:
        city = pcode[:2] + "0100"
        out.append(
            dict(
                region_code=city,
                region_name=f"{pname[:-1]}第一市",
                level="city",
                parent_code=pcode,
                province_code=pcode,
                province_name=pname,
                city_code=city,
            )
        )
        for j in range(counties_per_city):
            county = city[:4] + f"{j + 2:02d}"
            out.append(
                dict(
                    region_code=county,
                    region_name=f"第{j + 1}区",
                    level="county",
                    parent_code=city,
                    province_code=pcode,
                    province_name=pname,
                    city_code=city,
                )
            )
            for k in range(townships_per_county):
                out.append(
                    dict(
                        region_code=county + f"{k + 1:03d}",
                        region_name=f"第{k + 1}街道",
                        level="township",
                        parent_code=county,
                        province_code=pcode,
                        province_name=pname,
                        city_code=city,
                    )
                )
    return out


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    cols = list(rows[0])
    con.executemany(
        f"insert into {table} ({', '.join(cols)}) values ({', '.join('?' for _ in cols)})",
        [[r[c] for c in cols] for r in rows],
    )


def _df_insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    """Bulk insert via pandas (much faster than executemany for thousands of rows)."""
    import pandas as pd

    if not rows:
        return
    frame = pd.DataFrame(rows)
    con.register("_rows", frame)
    try:
        schema, _, name = table.partition(".")
        if schema == "raw":  # a view over raw_rows and raw.lineage
            insert_raw(con, name, "from _rows")
        else:
            cols = ", ".join(frame.columns)
            con.execute(f"insert into {table} ({cols}) select {cols} from _rows")
    finally:
        con.unregister("_rows")


def build_ingest_db(
    path: str | Path,
    *,
    provinces: int = 2,
    years: tuple[int, ...] = (2021, 2022, 2023),
    counties_per_city: int = 2,
    townships_per_county: int = 2,
    run_id: str = "run-0001",
    seed: int = 7,
) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    regions = _regions(provinces, counties_per_city, townships_per_county)
    started = dt.datetime(2024, 3, 1, 8, 0, 0)
    with duckdb.connect(str(path)) as con:
        con.execute(RAW_SCHEMA.read_text("utf-8"))
        files = []
        for pcode, _ in PROVINCES[:provinces]:
            for y in years:
                p = _workbook(pcode, y)
                files.append(
                    dict(
                        path=p,
                        sha256=_sha(p),
                        kind="report_workbook",
                        province_code=pcode,
                        year=y,
                        batch=1,
                        status="loaded",
                        run_id=run_id,
                    )
                )
        for y in years:
            p = _export(y)
            files.append(
                dict(
                    path=p,
                    sha256=_sha(p),
                    kind="inspection_export",
                    province_code=None,
                    year=y,
                    batch=None,
                    status="loaded",
                    run_id=run_id,
                )
            )
        _insert(con, "audit.source_files", files)
        evals = []
        for r in regions:
            for i, y in enumerate(years):
                f = _workbook(r["province_code"], y)
                evals.append(
                    dict(
                        region_code=r["region_code"],
                        rating="good",
                        score=round(rng.uniform(60, 99), 1),
                        approval_rate=0.9,
                        critique_count=1,
                        report_year=y,
                        province_code=r["province_code"],
                        province_name=r["province_name"],
                        batch=1,
                        template_version="v1",
                        source_file=f,
                        file_sha256=_sha(f),
                        sheet="评议结果",
                        row_number=3 + i,
                        run_id=run_id,
                    )
                )
        _df_insert(con, "raw.evaluations", evals)
        con.execute(
            "insert into audit.load_runs (run_id, started_at, finished_at, files_loaded, "
            "files_quarantined, rows_loaded, rows_rejected, published, status) "
            "values (?, ?, ?, ?, 0, ?, 0, false, 'succeeded')",
            [run_id, started, started + dt.timedelta(minutes=3), len(files), len(evals)],
        )
        con.execute(
            "insert into audit.quarantine values ('reports/999999/2021.xlsx', "
            "'cover sheet missing 年度', ?)",
            [run_id],
        )
        con.execute(
            "insert into audit.rejects values (?, '评议结果', 17, 'rating not recognised', "
            '\'{"评议等次": "优"}\', ?)',
            [_workbook(PROVINCES[0][0], years[0]), run_id],
        )
        con.execute("checkpoint")
    return path


def build_staging_db(
    path: str | Path,
    *,
    provinces: int = 2,
    years: tuple[int, ...] = (2021, 2022, 2023),
    counties_per_city: int = 2,
    townships_per_county: int = 2,
    seed: int = 7,
    ingest_db: str | Path | None = None,
    dim_year_as_view: bool = False,
) -> Path:
    """Write the marts (and dbt-style leftovers) into ``path``.

    ``dim_year_as_view`` (needs ``ingest_db``): make marts.dim_year a VIEW over the attached
    ingest DB, as a careless dbt model could, to exercise `copy_audit_into`'s clean-up.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    regions = _regions(provinces, counties_per_city, townships_per_county)
    last = max(years)
    cats = [c[0] for c in CATEGORIES]

    officials, official_for = [], {}
    for i, r in enumerate(regions):
        rc = r["region_code"]
        spans = [(years[0], None)]
        if i % 3 == 0 and len(years) > 1:
            spans = [(years[0], years[0]), (years[1], None)]
        for n, (start, end) in enumerate(spans, start=1):
            key = f"{rc}-{n:02d}"
            officials.append(
                dict(
                    official_key=key,
                    region_code=rc,
                    official_name=f"书记{rc[-3:]}{n}",
                    took_office_date=dt.date(start - 1, 3, 1),
                    valid_from_year=start,
                    valid_to_year=end,
                    is_current=end is None,
                )
            )
            for y in years:
                if y >= start and (end is None or y <= end):
                    official_for[(rc, y)] = key

    evaluations, commitments, problems, findings = [], [], [], []
    sheet_rows: dict[tuple[str, int, str], int] = {}

    def lineage(province: str, year: int, sheet: str) -> dict:
        """The workbook row of a fact: the next row of its sheet (a title and a header above)."""
        row = sheet_rows.get((province, year, sheet), 2) + 1
        sheet_rows[(province, year, sheet)] = row
        return dict(
            source_file=_workbook(province, year), source_sheet=sheet, source_row_number=row
        )

    for r in regions:
        rc, pc = r["region_code"], r["province_code"]
        prev_cat = None
        for y in years:
            score = round(rng.uniform(55, 99), 1)
            rating = next(name for floor, name in RATINGS if score >= floor)
            evaluations.append(
                dict(
                    region_code=rc,
                    year=y,
                    rating=rating,
                    score=score,
                    approval_rate=round(rng.uniform(0.6, 0.99), 2),
                    critique_count=rng.randint(0, 5),
                    **lineage(pc, y, "评议结果"),
                )
            )
            for seq in (1, 2):
                target = rng.choice([90.0, 95.0, 100.0])
                if y + 1 <= last:
                    status = rng.choice(["fulfilled", "fulfilled", "partial", "unfulfilled"])
                    if seq == 2 and rng.random() < 0.2:
                        status = "not_reported"
                    value = {
                        "fulfilled": target,
                        "partial": target * 0.8,
                        "unfulfilled": target * 0.3,
                        "not_reported": None,
                    }[status]
                else:
                    status, value = None, None  # still open: due next year
                commitments.append(
                    dict(
                        commitment_id=f"{y}-{rc}-{seq:02d}",
                        made_year=y,
                        target_year=y + 1,
                        region_code=rc,
                        official_key=official_for[(rc, y)],
                        category_code=cats[(seq + y + int(rc[-1])) % len(cats)],
                        metric_name="覆盖率",
                        target_value=target,
                        unit="%",
                        outcome_value=value,
                        outcome_status=status,
                        achievement_ratio=None if value is None else round(value / target, 4),
                        **lineage(pc, y, "承诺事项"),
                    )
                )
            cat = rng.choice(cats)
            rect = None
            if y < last:
                rect = rng.choice(["rectified", "rectified", "in_progress", "not_rectified"])
            pid = f"P{y}-{rc}-01"
            problems.append(
                dict(
                    problem_id=pid,
                    identified_year=y,
                    region_code=rc,
                    source=rng.choice(["self", "superior", "public", "inspection"]),
                    category_code=cat,
                    rectification_status=rect,
                    rectified_date=dt.date(y + 1, 6, 30) if rect == "rectified" else None,
                    is_repeat=cat == prev_cat,
                    **lineage(pc, y, "问题清单"),
                )
            )
            prev_cat = cat
            if r["level"] == "township":
                action = rng.choice(["interview", "public_criticism", "none", "none"])
                findings.append(
                    dict(
                        finding_id=f"F{y}-{rc}",
                        inspection_date=dt.date(y, 5, 10),
                        inspection_type=rng.choice(
                            ["random_visit", "unannounced", "circuit_inspection", "special_check"]
                        ),
                        region_code=rc,
                        category_code=cat,
                        severity=rng.choice(["minor", "serious", "grave"]),
                        linked_problem_id=pid,
                        status=rng.choice(["rectified", "in_progress", "not_rectified"]),
                        accountability_action=action,
                        persons_held_accountable=0 if action == "none" else rng.randint(1, 2),
                        first_seen_file=_export(y),
                        last_seen_file=_export(last),
                    )
                )

    with duckdb.connect(str(path)) as con:
        for schema in ("marts", "staging", "intermediate"):
            con.execute(f"create schema if not exists {schema}")
        con.execute(
            "create table staging.stg_evaluations as select 1 as leftover; "
            "create table intermediate.int_regions as select 'x' as leftover; "
            "create view staging.v_leftover as select * from staging.stg_evaluations; "
            "create table main.dbt_leftover as select 42 as answer"
        )
        con.execute(
            """
            create table marts.dim_region (region_code varchar, region_name varchar,
                level varchar, parent_code varchar, province_code varchar,
                province_name varchar, city_code varchar);
            create table marts.dim_official (official_key varchar, region_code varchar,
                official_name varchar, took_office_date date, valid_from_year integer,
                valid_to_year integer, is_current boolean);
            create table marts.dim_category (category_code varchar, category_name_zh varchar,
                category_name_en varchar);
            create table marts.fct_evaluation (region_code varchar, year integer,
                rating varchar, score double, approval_rate double, critique_count integer,
                source_file varchar, source_sheet varchar, source_row_number integer);
            create table marts.fct_commitment (commitment_id varchar, made_year integer,
                target_year integer, region_code varchar, official_key varchar,
                category_code varchar, metric_name varchar, target_value double, unit varchar,
                outcome_value double, outcome_status varchar, achievement_ratio double,
                source_file varchar, source_sheet varchar, source_row_number integer);
            create table marts.fct_problem (problem_id varchar, identified_year integer,
                region_code varchar, source varchar, category_code varchar,
                rectification_status varchar, rectified_date date, is_repeat boolean,
                source_file varchar, source_sheet varchar, source_row_number integer);
            create table marts.fct_inspection_finding (finding_id varchar, inspection_date date,
                inspection_type varchar, region_code varchar, category_code varchar,
                severity varchar, linked_problem_id varchar, status varchar,
                accountability_action varchar, persons_held_accountable integer,
                first_seen_file varchar, last_seen_file varchar);
            """
        )
        _df_insert(con, "marts.dim_region", regions)
        _df_insert(con, "marts.dim_official", officials)
        _insert(
            con,
            "marts.dim_category",
            [
                dict(category_code=c, category_name_zh=zh, category_name_en=en)
                for c, zh, en in CATEGORIES
            ],
        )
        _df_insert(con, "marts.fct_evaluation", evaluations)
        _df_insert(con, "marts.fct_commitment", commitments)
        _df_insert(con, "marts.fct_problem", problems)
        _df_insert(con, "marts.fct_inspection_finding", findings)
        year_rows = ", ".join(f"({y}, '{'v2' if y == last else 'v1'}')" for y in years)
        if dim_year_as_view:
            if ingest_db is None:
                raise ValueError("dim_year_as_view needs ingest_db")
            con.execute("attach ? as ingest (read_only)", [str(Path(ingest_db))])
            con.execute(
                "create view marts.dim_year as select distinct report_year as year, "
                f"case when report_year = {last} then 'v2' else 'v1' end as template_version "
                "from ingest.raw.evaluations"
            )
            con.execute("detach ingest")
        else:
            con.execute(
                "create table marts.dim_year (year integer, template_version varchar); "
                f"insert into marts.dim_year values {year_rows}"
            )
        con.execute(
            """
            create table marts.commitment_vs_outcome as
            select region_code, made_year, category_code,
                   count(*) as commitments,
                   count(*) filter (where outcome_status = 'fulfilled') as fulfilled,
                   count(*) filter (where outcome_status = 'partial') as partial,
                   count(*) filter (where outcome_status = 'unfulfilled') as unfulfilled,
                   count(*) filter (where outcome_status = 'not_reported') as not_reported,
                   count(*) filter (where outcome_status = 'fulfilled') / count(*)
                       as fulfilment_rate
            from marts.fct_commitment group by all;

            create table marts.region_year_trend as
            with e as (
                select region_code, year, rating, score,
                       score - lag(score) over (partition by region_code order by year)
                           as score_change
                from marts.fct_evaluation),
            c as (
                select region_code, target_year as year, count(*) as commitments_due,
                       count(*) filter (where outcome_status = 'fulfilled')
                         / nullif(count(outcome_status), 0) as fulfilment_rate
                from marts.fct_commitment group by all),
            p as (
                select region_code, identified_year as year, count(*) as problems_identified,
                       count(*) filter (where is_repeat) as repeat_problems
                from marts.fct_problem group by all),
            pr as (
                select region_code, identified_year + 1 as year,
                       count(*) filter (where rectification_status = 'rectified')
                           as problems_rectified
                from marts.fct_problem group by all),
            f as (
                select region_code, year(inspection_date) as year,
                       count(*) as inspection_findings,
                       sum(persons_held_accountable) as persons_held_accountable
                from marts.fct_inspection_finding group by all)
            select e.region_code, e.year, e.rating, e.score, round(e.score_change, 1)
                       as score_change,
                   coalesce(c.commitments_due, 0) as commitments_due, c.fulfilment_rate,
                   c.fulfilment_rate - lag(c.fulfilment_rate)
                       over (partition by e.region_code order by e.year)
                       as fulfilment_rate_change,
                   coalesce(p.problems_identified, 0) as problems_identified,
                   coalesce(pr.problems_rectified, 0) as problems_rectified,
                   coalesce(p.repeat_problems, 0) as repeat_problems,
                   coalesce(f.inspection_findings, 0) as inspection_findings,
                   coalesce(f.persons_held_accountable, 0) as persons_held_accountable
            from e
            left join c using (region_code, year)
            left join p using (region_code, year)
            left join pr using (region_code, year)
            left join f using (region_code, year);
            """
        )
        con.execute("checkpoint")
    return path


def build_fixture(
    warehouse_dir: str | Path,
    *,
    provinces: int = 2,
    years: tuple[int, ...] = (2021, 2022, 2023),
    counties_per_city: int = 2,
    townships_per_county: int = 2,
    run_id: str = "run-0001",
    seed: int = 7,
    dim_year_as_view: bool = False,
    ingest: bool = True,
) -> Fixture:
    """Build the ingest DB (unless ``ingest=False``) and the staging DB under ``warehouse_dir``."""
    warehouse_dir = Path(warehouse_dir)
    p = paths(raw_dir=warehouse_dir / "raw", warehouse_dir=warehouse_dir)
    sizes = dict(
        provinces=provinces,
        years=tuple(years),
        counties_per_city=counties_per_city,
        townships_per_county=townships_per_county,
        seed=seed,
    )
    if ingest:
        build_ingest_db(p.ingest_db, run_id=run_id, **sizes)
    if p.staging_db.exists():
        p.staging_db.unlink()
    build_staging_db(
        p.staging_db, ingest_db=p.ingest_db, dim_year_as_view=dim_year_as_view, **sizes
    )
    return Fixture(p, run_id, tuple(years), tuple(c for c, _ in PROVINCES[:provinces]))


def build_publishable(warehouse_dir: str | Path, **kwargs) -> Fixture:
    """`build_fixture` + `copy_audit_into`: a staging file ready for the gate."""
    from evalwh.publish import copy_audit_into

    fx = build_fixture(warehouse_dir, **kwargs)
    copy_audit_into(fx.paths.staging_db, fx.paths.ingest_db)
    return fx


def passing_gate(checks: int = 1):
    """A GateResult that passed, for publish tests that do not exercise GE."""
    from evalwh.quality.gate import GateResult

    return GateResult(checks_passed=checks, checks_total=checks)


def reader_loop(db_path: str, table: str, stop, out) -> None:
    """Concurrent-reader helper (a multiprocessing target): open ``db_path`` read-only over and
    over, read the published version and the row count of ``table`` in one connection, until
    ``stop`` is set; put ``(reads, errors, sorted distinct (version, count) pairs)`` on ``out``."""
    seen: set[tuple[int, int]] = set()
    errors: list[str] = []
    reads = 0
    while not stop.is_set():
        try:
            with duckdb.connect(db_path, read_only=True) as con:
                version = con.execute("select max(version) from audit.published_versions")
                version = version.fetchall()[0][0]
                count = con.execute(f"select count(*) from {table}").fetchall()[0][0]
            seen.add((version, count))
            reads += 1
        except Exception as exc:  # every error is a test failure: report it
            errors.append(f"{type(exc).__name__}: {exc}")
    out.put((reads, errors, sorted(seen)))
