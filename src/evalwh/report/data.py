"""What the audit report shows, read from the published warehouse (read-only).

Every value reaches SQL as a parameter; the only text composed into SQL is one of the fixed
grouping expressions of `_UNIT_EXPR`, the fixed sheet names below and the fixed column
expressions of `_lineage`. Functions return plain dicts, so that the HTML, the workbook and
the tests share one source.

Lineage: `fct_commitment`, `fct_problem` and `fct_evaluation` carry the workbook row of each
fact (`source_file`, `source_sheet`, `source_row_number`: additive columns after the
contract's) and `fct_inspection_finding_history` the CSV file and line of a finding. Outcomes
and rectifications (the year after's report) are found in the current batch of their
province-year in `audit.source_files`, on the sheet the raw contract names, by their key
(承诺编号, 问题编号). A published file from before those columns existed is read the same
way for every workbook fact: each lineage column is used when the mart has it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

# Sheets of the yearly report workbook (docs/spec/raw-formats.md): source data, never translated.
SHEET_EVALUATIONS = "评议结果"
SHEET_COMMITMENTS = "承诺事项"
SHEET_OUTCOMES = "承诺完成情况"
SHEET_PROBLEMS = "问题清单"
SHEET_RECTIFICATIONS = "整改情况"

RATINGS = ("good", "fairly_good", "average", "poor")

_UNIT_EXPR = {"province": "r.province_code", "city": "r.city_code", "all": "'*'"}


class ReportInputError(ValueError):
    """The report cannot be built for what was asked (no such year or province)."""


@dataclass
class Scope:
    year: int
    years: list[int]
    province_code: str | None = None
    province_name: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def unit_kind(self) -> str:
        return "city" if self.province_code else "province"


def connect(published_db: str | Path) -> duckdb.DuckDBPyConnection:
    path = Path(published_db)
    if not path.exists():
        raise ReportInputError(f"nothing published at {path}: run the pipeline first")
    return duckdb.connect(str(path), read_only=True)


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def resolve_scope(con: duckdb.DuckDBPyConnection, year: int | None, province: str | None) -> Scope:
    """The reporting year (default: the latest published) and the province, by code or name."""
    years = [y for (y,) in con.execute("select year from marts.dim_year order by year").fetchall()]
    if not years:
        raise ReportInputError("the published warehouse holds no reporting year")
    if year is None:
        year = years[-1]
    if year not in years:
        raise ReportInputError(
            f"no published data for {year}; published years: {years[0]}-{years[-1]}"
        )
    scope = Scope(year=int(year), years=[y for y in years if y <= year])
    if province:
        wanted = province.strip()
        found = con.execute(
            "select distinct province_code, province_name from marts.dim_region "
            "where province_code = ? or province_name = ? order by province_code",
            [wanted, wanted],
        ).fetchall()
        if not found and wanted:  # a short name: 广东 for 广东省, 广西 for 广西壮族自治区
            found = con.execute(
                "select distinct province_code, province_name from marts.dim_region "
                "where starts_with(province_name, ?) order by province_code",
                [wanted],
            ).fetchall()
            if len(found) > 1:
                names = ", ".join(str(name) for _, name in found)
                raise ReportInputError(f"{province!r} matches several provinces: {names}")
        if not found:
            raise ReportInputError(f"no province {province!r} in the published warehouse")
        scope.province_code, scope.province_name = found[0]
    return scope


def published_version(con: duckdb.DuckDBPyConnection) -> dict | None:
    found = rows(
        con,
        "select version, published_at, checks_passed, checks_total "
        "from audit.published_versions order by version desc limit 1",
    )
    return found[0] if found else None


def vocabulary(con: duckdb.DuckDBPyConnection) -> str:
    """Every character of the published file's text that the report can show: region and
    province names, categories, commitment metrics and units, source file paths (distinct,
    in no particular order). What the font subset is widened to, so that it stays the same
    from one year and scope to the next."""
    found = con.execute(
        """
select string_agg(distinct ch, '') from (
    select unnest(string_split(t, '')) as ch from (
        select distinct region_name as t from marts.dim_region
        union select distinct province_name from marts.dim_region
        union select category_name_zh from marts.dim_category
        union select category_name_en from marts.dim_category
        union select distinct metric_name from marts.fct_commitment
        union select distinct unit from marts.fct_commitment
        union select distinct path from audit.source_files
        union select distinct source_file from marts.fct_inspection_finding_history
    )
)
"""
    ).fetchone()
    return (found[0] if found else None) or ""


def categories(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    return {
        r["category_code"]: r
        for r in rows(
            con, "select category_code, category_name_zh, category_name_en from marts.dim_category"
        )
    }


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {
        c
        for (c,) in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = ?",
            [table],
        ).fetchall()
    }


@dataclass(frozen=True)
class _Lineage:
    """SQL expressions locating a mart row in its workbook: file, sheet and row."""

    file: str
    sheet: str
    row: str


def _lineage(
    con: duckdb.DuckDBPyConnection, table: str, alias: str, file_fallback: str, sheet: str
) -> _Lineage:
    """The mart's own `source_file` / `source_sheet` / `source_row_number` where it carries
    them; else `file_fallback` (the current workbook of the province-year), the sheet the raw
    contract names, and NULL (the row is found by its key)."""
    found = _columns(con, table)
    return _Lineage(
        file=f"{alias}.source_file" if "source_file" in found else file_fallback,
        sheet=f"{alias}.source_sheet" if "source_sheet" in found else f"'{sheet}'",
        row=f"{alias}.source_row_number" if "source_row_number" in found else "null",
    )


# --------------------------------------------------------------------------- measures
def _measures_sql(unit: str) -> str:
    expr = _UNIT_EXPR[unit]
    return f"""
with
regions as (
    select r.region_code, {expr} as unit
    from marts.dim_region as r
    where ?::varchar is null or r.province_code = ?
),
trend as (
    select
        regions.unit,
        t.year,
        count(*) as regions,
        count(t.rating) as evaluated,
        avg(t.score) as avg_score,
        count(*) filter (where t.rating = 'good') as rating_good,
        count(*) filter (where t.rating = 'fairly_good') as rating_fairly_good,
        count(*) filter (where t.rating = 'average') as rating_average,
        count(*) filter (where t.rating = 'poor') as rating_poor,
        sum(t.problems_identified) as problems_identified,
        sum(t.problems_rectified) as problems_rectified,
        sum(t.repeat_problems) as repeat_problems,
        sum(t.inspection_findings) as inspection_findings,
        sum(t.persons_held_accountable) as persons_held_accountable
    from marts.region_year_trend as t
    inner join regions on t.region_code = regions.region_code
    where t.year <= ?
    group by all
),
due as (
    select
        regions.unit,
        c.target_year as year,
        count(*) as commitments_due,
        count(c.outcome_status) as commitments_settled,
        count(*) filter (where c.outcome_status = 'fulfilled') as fulfilled,
        count(*) filter (where c.outcome_status = 'partial') as partial,
        count(*) filter (where c.outcome_status = 'unfulfilled') as unfulfilled,
        count(*) filter (where c.outcome_status = 'not_reported') as not_reported
    from marts.fct_commitment as c
    inner join regions on c.region_code = regions.region_code
    where c.target_year <= ?
    group by all
)
select
    trend.*,
    coalesce(due.commitments_due, 0) as commitments_due,
    coalesce(due.commitments_settled, 0) as commitments_settled,
    coalesce(due.fulfilled, 0) as fulfilled,
    coalesce(due.partial, 0) as partial,
    coalesce(due.unfulfilled, 0) as unfulfilled,
    coalesce(due.not_reported, 0) as not_reported
from trend
left join due on trend.unit = due.unit and trend.year = due.year
order by trend.unit, trend.year
"""


def _finish(series: list[dict]) -> list[dict]:
    """Rates and changes from the counts, per unit in year order."""
    previous: dict | None = None
    for m in series:
        for key in (
            "problems_identified",
            "problems_rectified",
            "repeat_problems",
            "inspection_findings",
            "persons_held_accountable",
        ):
            m[key] = int(m[key] or 0)
        settled = m["commitments_settled"]
        m["fulfilment_rate"] = m["fulfilled"] / settled if settled else None
        m["good_share"] = m["rating_good"] / m["evaluated"] if m["evaluated"] else None
        adjacent = previous is not None and previous["year"] == m["year"] - 1
        m["problems_prev"] = previous["problems_identified"] if adjacent else None
        m["rectification_rate"] = (
            m["problems_rectified"] / m["problems_prev"] if m["problems_prev"] else None
        )
        m["score_change"] = (
            m["avg_score"] - previous["avg_score"]
            if adjacent and m["avg_score"] is not None and previous["avg_score"] is not None
            else None
        )
        m["fulfilment_rate_change"] = (
            m["fulfilment_rate"] - previous["fulfilment_rate"]
            if adjacent
            and m["fulfilment_rate"] is not None
            and previous["fulfilment_rate"] is not None
            else None
        )
        previous = m
    return series


def measures(con: duckdb.DuckDBPyConnection, scope: Scope, unit: str) -> dict[str, list[dict]]:
    """Year-by-year measures per unit ('province', 'city' or 'all'), years up to scope.year."""
    out: dict[str, list[dict]] = {}
    for m in rows(
        con,
        _measures_sql(unit),
        [scope.province_code, scope.province_code, scope.year, scope.year],
    ):
        out.setdefault(m["unit"], []).append(m)
    return {k: _finish(v) for k, v in out.items()}


def unit_names(con: duckdb.DuckDBPyConnection, scope: Scope) -> dict[str, str]:
    if scope.province_code is None:
        found = con.execute(
            "select province_code, min(province_name) from marts.dim_region group by 1"
        ).fetchall()
    else:
        found = con.execute(
            "select region_code, region_name from marts.dim_region "
            "where level = 'city' and province_code = ?",
            [scope.province_code],
        ).fetchall()
    return {code: name or code for code, name in found}


# --------------------------------------------------------------------------- regions
_REGION_YEAR_SQL = """
select
    r.region_code, r.region_name, r.level, r.province_code, r.province_name, r.city_code,
    t.rating, t.score, t.score_change, t.score - t.score_change as score_prev,
    t.commitments_due, t.fulfilment_rate, t.fulfilment_rate_change,
    t.problems_identified, t.problems_rectified, t.repeat_problems,
    t.inspection_findings, t.persons_held_accountable
from marts.region_year_trend as t
inner join marts.dim_region as r on t.region_code = r.region_code
where t.year = ? and (?::varchar is null or r.province_code = ?)
"""


def regressions(con: duckdb.DuckDBPyConnection, scope: Scope, top: int) -> list[dict]:
    """The regions whose score fell most against the year before (then fulfilment rate);
    only regions whose score fell."""
    return rows(
        con,
        _REGION_YEAR_SQL + " and t.score_change < 0 "
        "order by t.score_change, t.fulfilment_rate_change nulls last, r.region_code limit ?",
        [scope.year, scope.province_code, scope.province_code, top],
    )


def region_series(
    con: duckdb.DuckDBPyConnection, scope: Scope, region_codes: list[str]
) -> dict[str, dict[int, dict]]:
    """Score and fulfilment rate per year (up to the scope's year) of each listed region."""
    out: dict[str, dict[int, dict]] = {code: {} for code in region_codes}
    if not region_codes:
        return out
    for r in rows(
        con,
        "select region_code, year, score, fulfilment_rate from marts.region_year_trend "
        "where region_code in (select unnest(?::varchar[])) and year <= ? "
        "order by region_code, year",
        [list(region_codes), scope.year],
    ):
        out[r["region_code"]][r["year"]] = r
    return out


def all_regions(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[dict]:
    """Every region in scope for the year (the workbook's full list)."""
    return rows(
        con,
        _REGION_YEAR_SQL + " order by r.province_code, r.region_code",
        [scope.year, scope.province_code, scope.province_code],
    )


# --------------------------------------------------------------------------- lineage
# The current-batch workbook of each province-year (status 'loaded'; the highest batch wins).
_WORKBOOKS = """
workbooks as (
    select province_code, year, arg_max(path, coalesce(batch, 0)) as path
    from audit.source_files
    where kind = 'report_workbook' and status = 'loaded'
    group by province_code, year
)"""


def drilldown(con: duckdb.DuckDBPyConnection, year: int, region_codes: list[str]) -> list[dict]:
    """Every source row behind one region-year's numbers, for each region of the list.

    One dict per source row: region_code, kind, file, sheet, row (a line number or None),
    key (the row's identifier on its sheet) and the values the report shows.
    """
    if not region_codes:
        return []
    params = [list(region_codes), year]
    out: list[dict] = []
    ev = _lineage(con, "fct_evaluation", "e", "w.path", SHEET_EVALUATIONS)
    cm = _lineage(con, "fct_commitment", "c", "c.source_file", SHEET_COMMITMENTS)
    pr = _lineage(con, "fct_problem", "p", "w.path", SHEET_PROBLEMS)
    out += rows(
        con,
        f"""
with {_WORKBOOKS},
picked as (select unnest(?::varchar[]) as region_code)
select
    e.region_code,
    case when e.year = ? then 'evaluation' else 'evaluation_prev' end as kind,
    {ev.file} as file, {ev.sheet} as sheet, {ev.row} as row,
    e.region_code as key, e.year, e.rating, e.score, e.approval_rate, e.critique_count
from marts.fct_evaluation as e
inner join picked on e.region_code = picked.region_code
inner join marts.dim_region as r on e.region_code = r.region_code
left join workbooks as w on w.province_code = r.province_code and w.year = e.year
where e.year in (?, ? - 1)
order by e.region_code, e.year desc
""",
        [list(region_codes), year, year, year],
    )
    out += rows(
        con,
        f"""
with {_WORKBOOKS},
picked as (select unnest(?::varchar[]) as region_code)
select
    c.region_code, 'commitment' as kind, {cm.file} as file,
    {cm.sheet} as sheet, {cm.row} as row, c.commitment_id as key,
    c.made_year as year, c.category_code, c.metric_name, c.target_value, c.unit,
    c.outcome_value, c.outcome_status, c.achievement_ratio,
    case when c.outcome_status in ('fulfilled', 'partial', 'unfulfilled') then w.path end
        as outcome_file,
    '{SHEET_OUTCOMES}' as outcome_sheet
from marts.fct_commitment as c
inner join picked on c.region_code = picked.region_code
inner join marts.dim_region as r on c.region_code = r.region_code
left join workbooks as w on w.province_code = r.province_code and w.year = c.target_year
where c.target_year = ?
order by c.region_code, c.commitment_id
""",
        params,
    )
    out += rows(
        con,
        f"""
with {_WORKBOOKS},
picked as (select unnest(?::varchar[]) as region_code)
select
    p.region_code,
    case when p.identified_year = ? then 'problem' else 'rectification' end as kind,
    case when p.identified_year = ? then {pr.file} else wn.path end as file,
    case when p.identified_year = ? then {pr.sheet} else '{SHEET_RECTIFICATIONS}' end
        as sheet,
    case when p.identified_year = ? then {pr.row} end as row,
    p.problem_id as key, p.identified_year as year, p.category_code,
    p.source, p.rectification_status, p.rectified_date, p.is_repeat,
    {pr.file} as problem_file
from marts.fct_problem as p
inner join picked on p.region_code = picked.region_code
inner join marts.dim_region as r on p.region_code = r.region_code
left join workbooks as w on w.province_code = r.province_code and w.year = p.identified_year
left join workbooks as wn on wn.province_code = r.province_code and wn.year = p.identified_year + 1
where p.identified_year = ?
    or (p.identified_year = ? - 1 and p.rectification_status = 'rectified')
order by p.region_code, p.identified_year desc, p.problem_id
""",
        [list(region_codes), year, year, year, year, year, year],
    )
    out += rows(
        con,
        """
with picked as (select unnest(?::varchar[]) as region_code)
select
    f.region_code, 'finding' as kind, h.source_file as file, null as sheet,
    h.source_row_number as row, f.finding_id as key, year(f.inspection_date) as year,
    f.inspection_date, f.category_code, f.severity, f.status, f.accountability_action,
    f.persons_held_accountable
from marts.fct_inspection_finding as f
inner join picked on f.region_code = picked.region_code
left join marts.fct_inspection_finding_history as h
    on f.finding_id = h.finding_id and h.is_current
where year(f.inspection_date) = ?
order by f.region_code, f.inspection_date, f.finding_id
""",
        params,
    )
    return out


def unit_sources(con: duckdb.DuckDBPyConnection, scope: Scope) -> dict[str, list[dict]]:
    """Per unit of the unit table: the source files and sheets behind its numbers of the year,
    with how many rows each contributes."""
    expr = _UNIT_EXPR[scope.unit_kind]
    ev = _lineage(con, "fct_evaluation", "e", "w.path", SHEET_EVALUATIONS)
    cm = _lineage(con, "fct_commitment", "c", "c.source_file", SHEET_COMMITMENTS)
    pr = _lineage(con, "fct_problem", "p", "w.path", SHEET_PROBLEMS)
    sql = f"""
with {_WORKBOOKS},
regions as (
    select r.region_code, r.province_code, {expr} as unit
    from marts.dim_region as r
    where ?::varchar is null or r.province_code = ?
),
parts as (
    select regions.unit, {ev.file} as file, {ev.sheet} as sheet, 1 as ord
    from marts.fct_evaluation as e
    inner join regions on e.region_code = regions.region_code
    left join workbooks as w on w.province_code = regions.province_code and w.year = e.year
    where e.year = ?
    union all
    select regions.unit, {cm.file}, {cm.sheet}, 2
    from marts.fct_commitment as c
    inner join regions on c.region_code = regions.region_code
    where c.target_year = ?
    union all
    select regions.unit, w.path, '{SHEET_OUTCOMES}', 3
    from marts.fct_commitment as c
    inner join regions on c.region_code = regions.region_code
    left join workbooks as w on w.province_code = regions.province_code and w.year = c.target_year
    where c.target_year = ? and c.outcome_status in ('fulfilled', 'partial', 'unfulfilled')
    union all
    select regions.unit, {pr.file}, {pr.sheet}, 4
    from marts.fct_problem as p
    inner join regions on p.region_code = regions.region_code
    left join workbooks as w on w.province_code = regions.province_code and w.year = p.identified_year
    where p.identified_year = ?
    union all
    select regions.unit, w.path, '{SHEET_RECTIFICATIONS}', 5
    from marts.fct_problem as p
    inner join regions on p.region_code = regions.region_code
    left join workbooks as w on w.province_code = regions.province_code
        and w.year = p.identified_year + 1
    where p.identified_year = ? - 1 and p.rectification_status = 'rectified'
    union all
    select regions.unit, h.source_file, null, 6
    from marts.fct_inspection_finding as f
    inner join regions on f.region_code = regions.region_code
    inner join marts.fct_inspection_finding_history as h
        on f.finding_id = h.finding_id and h.is_current
    where year(f.inspection_date) = ?
)
select unit, file, sheet, count(*) as rows, min(ord) as ord
from parts
group by all
order by unit, ord, file
"""
    y = scope.year
    out: dict[str, list[dict]] = {}
    for r in rows(con, sql, [scope.province_code, scope.province_code, y, y, y, y, y, y]):
        out.setdefault(r["unit"], []).append(r)
    return out
