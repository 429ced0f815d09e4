"""Which reporting years an incremental build rebuilds: the dbt var ``rebuild_years``.

An incremental build starts from a copy of the published file; the year-grained marts
(``fct_commitment``, ``fct_problem``, ``fct_evaluation``, ``commitment_vs_outcome``,
``region_year_trend``) then delete and rebuild only the partitions whose year is in
``rebuild_years`` (strategy ``replace_years``, dbt_project/macros/rebuild_years.sql). This
module works that list out from the ingest snapshot the build reads:

1. What changed since the published version: every file in ``audit.source_files`` whose
   load run is not published yet (``audit.load_runs.published`` false, whatever the run's
   status: an interrupted run committed whole files; a run with no ``load_runs`` row counts
   as unpublished too).

   * a report workbook changes its reporting year (``source_files.year``): a new year, a
     later batch replacing a year, a reloaded year;
   * an inspection export changes the current state of every finding it holds, and
     ``region_year_trend`` counts findings by the year of their ``inspection_date``. The
     changed years are those of every row (any export) of those findings: the year the
     finding counted in before (its old current state) and the year it counts in now.

2. Which mart partitions such a change can reach: ``WORKBOOK_REACH`` and ``FINDING_REACH``
   below, the one place that says it (offsets from the changed year, per mart).

3. ``rebuild_years`` is the union over the marts, capped at the latest year loaded. One list
   serves every mart: rebuilding a partition a change did not reach recomputes the same rows,
   so a union is never wrong, only a little more work.

The finding-grained inspection models are not by year: they re-sequence only the findings
with a row in a new export or ranked after one (``rebuild_findings_from``, strategy
``replace_findings``, dbt_project/macros/rebuild_findings.sql), and are skipped when no
export is new.

Nothing here knows the published file: a reporting year that vanished from the ingest DB
altogether (``forget_year`` whose files are no longer in raw/) leaves no trace; pass it in
``also_changed`` (mode ``year`` knows its year) or build with ``--full-refresh``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class Reach:
    """The partitions (years) of one mart that a change to year N can alter: N + first
    through N + last; ``last`` None means through the latest year loaded."""

    first: int
    last: int | None
    why: str


# A changed report workbook of reporting year N (every sheet of that year's report).
WORKBOOK_REACH: dict[str, Reach] = {
    "fct_evaluation": Reach(0, 0, "the evaluations of report N"),
    "fct_commitment": Reach(
        -1,
        None,
        "commitments made in N; report N carries the outcomes of N-1's commitments, and its "
        "arrival turns N-1's missing outcomes not_reported; roster N can split or join a "
        "secretary's tenure (SCD2), changing official_key of every later year of it",
    ),
    "commitment_vs_outcome": Reach(-1, 0, "fct_commitment by made_year, outcomes included"),
    "fct_problem": Reach(
        -1,
        1,
        "problems of N; report N carries the rectifications of N-1's problems (or turns them "
        "not_reported); is_repeat of N+1 looks at the same region and category in N",
    ),
    "region_year_trend": Reach(
        0,
        2,
        "year N's own row; N+1: score_change (vs N), commitments made in N due in N+1, "
        "problems of N rectified by N+1, repeat problems of N+1; N+2: "
        "fulfilment_rate_change compares with N+1's rate, which counts N's commitments",
    ),
}

# A changed inspection export, by the year of the findings' inspection_date.
FINDING_REACH: dict[str, Reach] = {
    "region_year_trend": Reach(
        0,
        0,
        "inspection_findings and persons_held_accountable count the findings whose "
        "inspection_date falls in the year; no year-over-year column reads them",
    ),
}

_UNPUBLISHED_FILES = """
    select source_files.path, source_files.sha256, source_files.kind, source_files.year
    from audit.source_files as source_files
    left join audit.load_runs as load_runs
        on source_files.run_id = load_runs.run_id
    where load_runs.published is not true
"""

_CHANGED_REPORT_YEARS = f"""
    select distinct files.year
    from ({_UNPUBLISHED_FILES}) as files
    where files.kind = 'report_workbook' and files.year is not null
"""

_CHANGED_FINDING_YEARS = f"""
    with new_exports as (
        select files.path, files.sha256
        from ({_UNPUBLISHED_FILES}) as files
        where files.kind = 'inspection_export'
    ),
    touched as (
        select distinct findings.finding_id
        from raw.inspection_findings as findings
        inner join new_exports
            on findings.source_file = new_exports.path
            and findings.file_sha256 = new_exports.sha256
    )
    select distinct extract(year from findings.inspection_date)
    from raw.inspection_findings as findings
    where findings.inspection_date is not null
        and findings.finding_id in (select touched.finding_id from touched)
"""

_LATEST_YEAR = """
    select max(year) from (
        select max(year) as year from audit.source_files where kind = 'report_workbook'
        union all
        select max(extract(year from inspection_date)) from raw.inspection_findings
    )
"""


def _years(con: duckdb.DuckDBPyConnection, sql: str) -> set[int]:
    return {int(year) for (year,) in con.execute(sql).fetchall() if year is not None}


def changed_report_years(con: duckdb.DuckDBPyConnection) -> set[int]:
    """Reporting years of the report workbooks loaded by runs not yet published."""
    return _years(con, _CHANGED_REPORT_YEARS)


def changed_finding_years(con: duckdb.DuckDBPyConnection) -> set[int]:
    """inspection_date years of every finding held by an export not yet published."""
    return _years(con, _CHANGED_FINDING_YEARS)


def latest_year(con: duckdb.DuckDBPyConnection) -> int | None:
    (year,) = con.execute(_LATEST_YEAR).fetchone()
    return None if year is None else int(year)


def reached_partitions(
    report_years: set[int] | list[int],
    finding_years: set[int] | list[int],
    latest: int | None,
) -> dict[str, list[int]]:
    """Per year-grained mart, the partitions the changes can reach (capped at ``latest``)."""
    reached: dict[str, set[int]] = {mart: set() for mart in WORKBOOK_REACH}
    for years, reach_table in ((report_years, WORKBOOK_REACH), (finding_years, FINDING_REACH)):
        for mart, reach in reach_table.items():
            for year in years:
                last = year + reach.last if reach.last is not None else max(latest or year, year)
                reached[mart].update(range(year + reach.first, last + 1))
    if latest is not None:
        reached = {mart: {y for y in years if y <= latest} for mart, years in reached.items()}
    return {mart: sorted(years) for mart, years in reached.items()}


def rebuild_years(
    con: duckdb.DuckDBPyConnection, also_changed: tuple[int, ...] | list[int] = ()
) -> list[int]:
    """The dbt var ``rebuild_years`` for a build of the ingest snapshot behind ``con``.

    ``also_changed``: reporting years known to have changed although the ingest DB may not
    show it (the year a ``year`` build reloads). An empty result means nothing the
    year-grained marts read has changed: they are left as published.
    """
    reports = changed_report_years(con) | {int(y) for y in also_changed}
    findings = changed_finding_years(con)
    reached = reached_partitions(reports, findings, latest_year(con))
    return sorted(set().union(*reached.values()))


# Models that read only the inspection exports and are not by year: an incremental build may
# leave them as published (``dbt build --exclude ...``) when no export changed. dbt excludes
# their tests with them; region_year_trend then reads the published fct_inspection_finding.
INSPECTION_MODELS = (
    "int_inspection_findings_sequenced",
    "fct_inspection_finding",
    "fct_inspection_finding_history",
)


_FIRST_NEW_EXPORT_RANK = f"""
    with new_exports as (
        select files.path, files.sha256
        from ({_UNPUBLISHED_FILES}) as files
        where files.kind = 'inspection_export'
    )
    select min(findings.export_order)
    from raw.inspection_findings as findings
    inner join new_exports
        on findings.source_file = new_exports.path
        and findings.file_sha256 = new_exports.sha256
"""


def rebuild_findings_from(con: duckdb.DuckDBPyConnection) -> int | None:
    """The dbt var ``rebuild_findings_from``: the lowest rank (export_order) of a new
    inspection export, or None when no export is new (the models are skipped then,
    ``skippable_models``). The finding-grained models (INSPECTION_MODELS) re-sequence only
    the findings that have a row ranked there or later, every row of each.

    Sound whatever the dates: ingestion ranks exports by date, so a late export dated before
    published ones moves only the exports after it, whose rows then rank after it too and
    are re-sequenced with it. A finding with no row that far keeps its rows, their ranks and
    its current state, exactly what a full build gives it.
    """
    (first_new,) = con.execute(_FIRST_NEW_EXPORT_RANK).fetchone()
    return None if first_new is None else int(first_new)


def unpublished_files(con: duckdb.DuckDBPyConnection) -> int:
    """How many files (loaded, superseded, quarantined or duplicate) were recorded by runs not
    yet published: none, and a build would publish the same marts and audit trail again."""
    return con.execute(f"select count(*) from ({_UNPUBLISHED_FILES}) as files").fetchone()[0]


def exports_changed(con: duckdb.DuckDBPyConnection) -> bool:
    """True when an inspection export was loaded by a run not yet published."""
    sql = f"select count(*) from ({_UNPUBLISHED_FILES}) as files where kind = 'inspection_export'"
    return con.execute(sql).fetchone()[0] > 0


def skippable_models(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Models an incremental build (staging file copied from the published one, same dbt
    project) need not rebuild: INSPECTION_MODELS when no export changed."""
    return [] if exports_changed(con) else list(INSPECTION_MODELS)


def dbt_vars(years: list[int] | None, findings_from: int | None = None) -> str:
    """The ``--vars`` argument of ``dbt build``: ``{"rebuild_years": [...]}``; None (rebuild
    every partition) gives ``{"rebuild_years": null}``. With ``findings_from``, also
    ``rebuild_findings_from`` (``rebuild_findings_from()``)."""
    out: dict = {"rebuild_years": None if years is None else [int(y) for y in years]}
    if findings_from is not None:
        out["rebuild_findings_from"] = int(findings_from)
    return json.dumps(out)


def rebuild_years_vars(
    con: duckdb.DuckDBPyConnection, also_changed: tuple[int, ...] | list[int] = ()
) -> str:
    """``dbt_vars(rebuild_years(con, also_changed))``."""
    return dbt_vars(rebuild_years(con, also_changed))
