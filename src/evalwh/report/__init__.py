"""The auditor's report: one self-contained HTML file and an .xlsx with the same tables.

    build_report(published_db, year=None, province=None, lang="zh", out_dir=...) -> ReportResult

Read from the published warehouse only (opened read-only, safe while the pipeline runs).
The HTML needs nothing from the network: charts are inline SVG (`charts`), the CJK font is a
subset embedded as base64 WOFF2 (`fonts`). Labels are data (`labels.yaml`).

Size stays bounded at national scale: the HTML shows one row per province (or per city with
--province), the worst-N regressions, and the source rows behind those N regions (capped per
kind, with the `evalwh query` that lists them all); the workbook holds every region and every
drill-down row of the N regions.
"""

from __future__ import annotations

import datetime as dt
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from evalwh.report import data
from evalwh.report.data import ReportInputError
from evalwh.report.labels import LANGUAGES, Labels

__all__ = [
    "LANGUAGES",
    "ReportInputError",
    "ReportResult",
    "build_latest",
    "build_report",
]

DEFAULT_TOP = 20
DEFAULT_DRILL_CAP = 15  # source rows per region and kind in the HTML (all of them in the xlsx)
REGION_TABLE_CAP = 500  # rows of the province's region table in the HTML

KIND_ORDER = (
    "evaluation",
    "evaluation_prev",
    "commitment",
    "problem",
    "rectification",
    "finding",
)


@dataclass
class ReportResult:
    html_path: Path
    xlsx_path: Path
    year: int
    province_code: str | None
    lang: str
    seconds: dict[str, float] = field(default_factory=dict)
    html_bytes: int = 0
    xlsx_bytes: int = 0
    font: str | None = None
    font_bytes: int = 0
    font_cache: str = "off"  # hit, miss (built and cached) or off
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "html": str(self.html_path),
            "xlsx": str(self.xlsx_path),
            "year": self.year,
            "province_code": self.province_code,
            "lang": self.lang,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "html_bytes": self.html_bytes,
            "xlsx_bytes": self.xlsx_bytes,
            "font": self.font,
            "font_bytes": self.font_bytes,
            "font_cache": self.font_cache,
            "warnings": self.warnings,
        }


@dataclass
class ReportModel:
    """Everything the HTML and the workbook show, already labelled."""

    labels: Labels
    scope: data.Scope
    scope_name: str
    published_db: Path
    version: dict | None
    generated_at: dt.datetime
    totals: list[dict]  # the scope's measures per year
    units: list[dict]  # {code, name, series, current}
    regressions: list[dict]
    drill: dict[str, list[dict]]  # region_code -> source rows (all)
    unit_sources: dict[str, list[dict]]
    regions: list[dict]  # every region in scope for the year
    top: int
    drill_cap: int
    vocabulary: str = ""  # every character the report could show (fonts.embed)

    @property
    def current(self) -> dict | None:
        return (
            self.totals[-1] if self.totals and self.totals[-1]["year"] == self.scope.year else None
        )


def _sql_literal(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def drill_query(kind: str, region_code: str, year: int) -> str:
    """The `evalwh query` command that lists every source row of one kind (for the hints)."""
    code = _sql_literal(region_code)
    sql = {
        "evaluation": f"from marts.fct_evaluation where region_code = {code} and year = {year}",
        "evaluation_prev": (
            f"from marts.fct_evaluation where region_code = {code} and year = {year - 1}"
        ),
        "commitment": (
            f"from marts.fct_commitment where region_code = {code} and target_year = {year}"
        ),
        "problem": f"from marts.fct_problem where region_code = {code} and identified_year = {year}",
        "rectification": (
            f"from marts.fct_problem where region_code = {code} and identified_year = {year - 1} "
            "and rectification_status = 'rectified'"
        ),
        "finding": (
            "from marts.fct_inspection_finding_history where is_current and finding_id in "
            f"(select finding_id from marts.fct_inspection_finding where region_code = {code} "
            f"and year(inspection_date) = {year})"
        ),
    }[kind]
    return "evalwh query " + shlex.quote(sql)


def unit_query(scope: data.Scope, unit_code: str) -> str:
    column = "city_code" if scope.province_code else "province_code"
    sql = (
        "select t.* from marts.region_year_trend t join marts.dim_region r using (region_code) "
        f"where r.{column} = {_sql_literal(unit_code)} and t.year = {scope.year}"
    )
    return "evalwh query " + shlex.quote(sql)


def province_query(scope: data.Scope) -> str:
    sql = (
        "select t.* from marts.region_year_trend t join marts.dim_region r using (region_code) "
        f"where r.province_code = {_sql_literal(scope.province_code)} and t.year = {scope.year}"
    )
    return "evalwh query " + shlex.quote(sql)


def _detail(row: dict, labels: Labels, categories: dict[str, dict]) -> str:
    """One line saying what a source row holds, in the report's language."""

    def category(code: str | None) -> str:
        entry = categories.get(code or "")
        if not entry:
            return code or ""
        return entry["category_name_zh" if labels.lang == "zh" else "category_name_en"]

    def number(v) -> str:
        from evalwh.report.charts import fmt_number

        return fmt_number(v)

    kind = row["kind"]
    if kind in ("evaluation", "evaluation_prev"):
        share = "" if row["approval_rate"] is None else f" · {row['approval_rate'] * 100:.0f}%"
        return (
            f"{row['year']} · {labels.code('rating', row['rating'])} · "
            f"{labels['score']} {number(row['score'])}{share}"
        )
    if kind == "commitment":
        unit = row["unit"] or ""
        target = "" if row["target_value"] is None else f"{number(row['target_value'])}{unit}"
        outcome = "" if row["outcome_value"] is None else f"{number(row['outcome_value'])}{unit}"
        status = labels.code("status", row["outcome_status"]) or "…"
        metric = row["metric_name"] or ""
        text = f"{category(row['category_code'])} · {metric} {target}".strip()
        if outcome:
            text += f" → {outcome}"
        text += f" ({status})"
        if row.get("outcome_file"):
            text += f" · {labels['kind_outcome']}: {row['outcome_file']} / {row['outcome_sheet']}"
        return text
    if kind in ("problem", "rectification"):
        text = f"{row['year']} · {category(row['category_code'])} · {labels.code('source', row['source'])}"
        if row["is_repeat"]:
            text += f" · {labels['repeat_mark']}"
        if kind == "rectification":
            text += f" · {labels.code('status', row['rectification_status'])}"
            if row["rectified_date"]:
                text += f" {row['rectified_date']}"
        return text
    if kind == "finding":
        return (
            f"{row['inspection_date']} · {category(row['category_code'])} · "
            f"{labels.code('severity', row['severity'])} · "
            f"{labels.code('action', row['accountability_action'])} · "
            f"{labels['persons_held_accountable']} {row['persons_held_accountable'] or 0}"
        )
    return ""


def collect(
    con,
    scope: data.Scope,
    labels: Labels,
    published_db: Path,
    top: int = DEFAULT_TOP,
    drill_cap: int = DEFAULT_DRILL_CAP,
    step: Callable[[str], None] = lambda _: None,
) -> ReportModel:
    step("measures")
    totals = data.measures(con, scope, "all").get("*", [])
    per_unit = data.measures(con, scope, scope.unit_kind)
    names = data.unit_names(con, scope)
    units = []
    for code, series in sorted(per_unit.items()):
        by_year = {m["year"]: m for m in series}
        units.append(
            {
                "code": code,
                "name": names.get(code, code),
                "series": [by_year.get(y) for y in scope.years],
                "current": by_year.get(scope.year),
            }
        )
    step("regressions")
    worst = data.regressions(con, scope, top)
    series = data.region_series(con, scope, [r["region_code"] for r in worst])
    for r in worst:
        by_year = series.get(r["region_code"], {})
        r["series"] = [by_year.get(y) for y in scope.years]
    step("drill-down")
    categories = data.categories(con)
    drill: dict[str, list[dict]] = {r["region_code"]: [] for r in worst}
    for row in data.drilldown(con, scope.year, list(drill)):
        row["detail"] = _detail(row, labels, categories)
        drill[row["region_code"]].append(row)
    for code, found in drill.items():
        found.sort(key=lambda r: (KIND_ORDER.index(r["kind"]), str(r["key"])))
        drill[code] = found
    sources = data.unit_sources(con, scope)
    step("regions")
    regions = data.all_regions(con, scope)
    vocabulary = static_vocabulary() + data.vocabulary(con)
    if scope.province_code:
        scope_name = scope.province_name or scope.province_code
    else:
        scope_name = labels["scope_national"]
    return ReportModel(
        labels=labels,
        scope=scope,
        scope_name=scope_name,
        published_db=Path(published_db),
        version=data.published_version(con),
        generated_at=dt.datetime.now().replace(microsecond=0),
        totals=totals,
        units=units,
        regressions=worst,
        drill=drill,
        unit_sources=sources,
        regions=regions,
        top=top,
        drill_cap=drill_cap,
        vocabulary=vocabulary,
    )


@cache
def static_vocabulary() -> str:
    """The characters of the report's own text: every label in both languages, the
    template, the sheet names and the marks `_detail` writes."""
    from evalwh.report.html import TEMPLATE

    text = [TEMPLATE.read_text("utf-8"), "→·…", data.SHEET_EVALUATIONS, data.SHEET_COMMITMENTS]
    text += [data.SHEET_OUTCOMES, data.SHEET_PROBLEMS, data.SHEET_RECTIFICATIONS]
    for key in Labels.all_keys():
        text += [str(v) for v in Labels.entry(key).values()]
    return "".join(sorted(set("".join(text))))


def default_font_cache_dir(published_db: str | Path) -> Path | None:
    """<warehouse>/cache/fonts for a published file where the warehouse keeps it
    (<warehouse>/published/evaluation.duckdb); None (no cache) for a file anywhere else."""
    from evalwh import config

    path = Path(published_db).resolve()
    if path.parent.name != "published":
        return None
    return config.paths(warehouse_dir=path.parent.parent).font_cache_dir


_DEFAULT = object()


def build_report(
    published_db: str | Path,
    year: int | None = None,
    province: str | None = None,
    lang: str = "zh",
    out_dir: str | Path | None = None,
    *,
    top: int = DEFAULT_TOP,
    drill_cap: int = DEFAULT_DRILL_CAP,
    progress: Callable[[str], None] | None = None,
    reports_dir: str | Path | None = None,
    font_cache_dir: str | Path | object | None = _DEFAULT,
) -> ReportResult:
    """Write report-<year>[-<province>]-<lang>.html and .xlsx into out_dir (default:
    <reports_dir>/<year>, reports_dir defaulting to config's warehouse/reports); return the
    paths, sizes and the time each step took. The font subset is cached in font_cache_dir
    (default: `default_font_cache_dir`; None: no cache)."""
    from evalwh.report import html, xlsx

    labels = Labels(lang)
    seconds: dict[str, float] = {}
    started = time.perf_counter()

    def step(name: str) -> None:
        if progress:
            progress(name)

    def timed(name: str, since: float) -> float:
        now = time.perf_counter()
        seconds[name] = now - since
        return now

    with data.connect(published_db) as con:
        scope = data.resolve_scope(con, year, province)
        mark = time.perf_counter()
        model = collect(con, scope, labels, Path(published_db), top, drill_cap, step)
        mark = timed("query", mark)
    if out_dir is None:
        from evalwh import config

        out_dir = Path(reports_dir or config.paths().audit_reports_dir) / str(scope.year)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"report-{scope.year}" + (f"-{scope.province_code}" if scope.province_code else "")
    stem += f"-{lang}"
    if progress:
        progress("html")
    if font_cache_dir is _DEFAULT:
        font_cache_dir = default_font_cache_dir(published_db)
    rendered = html.render(model, font_cache_dir)  # type: ignore[arg-type]
    mark = timed("html", mark)
    html_path = out / f"{stem}.html"
    _write_atomically(html_path, rendered.text.encode("utf-8"))
    if progress:
        progress("xlsx")
    xlsx_path = out / f"{stem}.xlsx"
    tmp = xlsx_path.with_name(xlsx_path.name + ".tmp")
    xlsx.write(model, tmp)
    tmp.replace(xlsx_path)
    mark = timed("xlsx", mark)
    seconds["font"] = rendered.font_seconds
    seconds["html"] -= rendered.font_seconds
    seconds["total"] = time.perf_counter() - started
    result = ReportResult(
        html_path=html_path,
        xlsx_path=xlsx_path,
        year=scope.year,
        province_code=scope.province_code,
        lang=lang,
        seconds=seconds,
        html_bytes=html_path.stat().st_size,
        xlsx_bytes=xlsx_path.stat().st_size,
        font=f"{rendered.font.source.path}#{rendered.font.source.index}"
        if rendered.font.source
        else None,
        font_bytes=rendered.font.size_bytes,
        font_cache=rendered.font.cache,
    )
    if rendered.font.warning:
        result.warnings.append(rendered.font.warning)
    return result


def _write_atomically(path: Path, payload: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(payload)
    tmp.replace(path)


def build_latest(paths=None, lang: str = "zh") -> ReportResult:
    """The report of the latest published year, into warehouse/reports/<year>/ (the pipeline's
    `report` step)."""
    from evalwh import config

    paths = paths or config.paths()
    with data.connect(paths.published_db) as con:
        year = data.resolve_scope(con, None, None).year
    return build_report(
        paths.published_db,
        year,
        lang=lang,
        out_dir=paths.report_dir(year),
        font_cache_dir=paths.font_cache_dir,
    )
