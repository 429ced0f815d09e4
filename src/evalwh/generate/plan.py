"""What to write at each scale: provinces, years, file names, and where the deliberately bad
files and rows go."""

from __future__ import annotations

from dataclasses import dataclass, field

from evalwh.generate.inspections import ExportSpec, export_schedule
from evalwh.generate.mess import NATIONAL_MESS, SAMPLE_MESS, LayoutMess
from evalwh.generate.regions import PROVINCE_NAMES, PROVINCES
from evalwh.generate.sheets import (
    COMMITMENTS,
    EVALUATIONS,
    OUTCOMES,
    PROBLEMS,
    RECTIFICATIONS,
)
from evalwh.generate.workbooks import WorkbookSpec
from evalwh.generate.world import NATIONAL_DENSITY, SAMPLE_DENSITY, Density

SCALES = ("sample", "national")


@dataclass(frozen=True)
class ProvinceJob:
    province: str
    scale: str
    seed: int
    sim_years: tuple[int, ...]  # simulated years (may run past the report years)
    finding_years: tuple[int, ...]
    workbooks: tuple[WorkbookSpec, ...]
    exports: tuple[ExportSpec, ...]
    csv_bad_rows: tuple[tuple[int, str], ...]  # (export index, reason)
    density: Density
    mess: LayoutMess
    out_dir: str
    tmp_dir: str


@dataclass
class Plan:
    scale: str
    seed: int
    provinces: list[str]
    years: tuple[int, ...]
    jobs: list[ProvinceJob]
    exports: list[ExportSpec]
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (copy name, original name)
    truncated: list[tuple[str, str]] = field(default_factory=list)  # (name, source name): corrupt
    not_a_zip: list[str] = field(default_factory=list)
    csv_missing_column: list[tuple[str, int, str]] = field(
        default_factory=list
    )  # (name, export, column)
    csv_bad_name: list[tuple[str, int]] = field(default_factory=list)  # (name, source export)


def _national_name(province: str, year: int) -> str:
    return f"{province}_{PROVINCE_NAMES[province]}_{year}年度述职评议汇总.xlsx"


def sample_plan(seed: int, out_dir: str, tmp_dir: str) -> Plan:
    years = (2014, 2015, 2016, 2017)
    jl, hl = "220000", "230000"
    books = {
        jl: [
            WorkbookSpec(
                "吉林省2014年度抓基层党建述职评议汇总.xlsx",
                jl,
                2014,
                bad_rows=((COMMITMENTS, "unknown_region"), (COMMITMENTS, "bad_number")),
            ),
            WorkbookSpec(
                "220000_2015_shuzhi.xlsx",
                jl,
                2015,
                bad_rows=(
                    (COMMITMENTS, "duplicate_id"),
                    (OUTCOMES, "unknown_commitment"),
                    (PROBLEMS, "bad_date"),
                ),
            ),
            WorkbookSpec(
                "吉林省2016年度述职评议汇总表.xlsx", jl, 2016, status="superseded", draft=True
            ),
            WorkbookSpec("吉林省2016年度述职评议汇总表(第二批).xlsx", jl, 2016, batch=2),
            WorkbookSpec(
                "jilin_2017.xlsx",
                jl,
                2017,
                bad_rows=(
                    (COMMITMENTS, "bad_number"),
                    (RECTIFICATIONS, "bad_date"),
                    (EVALUATIONS, "unknown_region"),
                    (EVALUATIONS, "out_of_range"),
                ),
            ),
            WorkbookSpec(
                "吉林省2015年度_错误年份.xlsx",
                jl,
                2015,
                status="quarantined",
                reason="bad_year",
                cover_year=1915,
            ),
            WorkbookSpec(
                "吉林省2018年度述职评议汇总.xlsx",
                jl,
                2018,
                status="quarantined",
                reason="missing_sheet",
                drop_sheet=EVALUATIONS,
            ),
        ],
        hl: [
            WorkbookSpec("黑龙江省2014年度述职评议.xlsx", hl, 2014),
            WorkbookSpec(
                "230000-2015.xlsx",
                hl,
                2015,
                bad_rows=(
                    (EVALUATIONS, "out_of_range"),
                    (EVALUATIONS, "unknown_enum"),
                    (COMMITMENTS, "unknown_category"),
                ),
            ),
            WorkbookSpec(
                "黑龙江省2016年度汇总.xlsx",
                hl,
                2016,
                bad_rows=(
                    (PROBLEMS, "unknown_category"),
                    (OUTCOMES, "unknown_commitment"),
                    (PROBLEMS, "duplicate_id"),
                    (PROBLEMS, "unknown_region"),
                ),
            ),
            WorkbookSpec(
                "黑龙江省2017年度汇总.xlsx",
                hl,
                2017,
                bad_rows=((COMMITMENTS, "duplicate_id"), (EVALUATIONS, "unknown_enum")),
            ),
            WorkbookSpec(
                "黑龙江省2015年度汇总_旧模板.xlsx",
                hl,
                2015,
                status="quarantined",
                reason="bad_year",
                cover_year="二〇一五",
            ),
            WorkbookSpec(
                "黑龙江省2018年度述职评议汇总.xlsx",
                hl,
                2018,
                status="quarantined",
                reason="missing_column",
                drop_column=(COMMITMENTS, "类别"),
            ),
        ],
    }
    exports = export_schedule(years, supplement=True)
    jobs = [
        ProvinceJob(
            p,
            "sample",
            seed,
            (*years, 2018),
            years,
            tuple(books[p]),
            tuple(exports),
            ((3, "unknown_enum"),) if p == jl else ((8, "bad_number"),),
            SAMPLE_DENSITY,
            SAMPLE_MESS,
            out_dir,
            tmp_dir,
        )
        for p in (jl, hl)
    ]
    return Plan(
        "sample",
        seed,
        [jl, hl],
        years,
        jobs,
        exports,
        duplicates=[("黑龙江省2014年度述职评议_副本.xlsx", "黑龙江省2014年度述职评议.xlsx")],
        truncated=[("吉林省2017年度汇总_上传中断.xlsx", "jilin_2017.xlsx")],
        not_a_zip=["黑龙江省2017年度汇总_说明.xlsx"],
        csv_missing_column=[("findings_2016-09-30_缺列.csv", 4, "严重程度")],
        csv_bad_name=[("findings_latest.csv", len(exports) - 1)],
    )


# (province index, year index, sheet, reason): a handful of bad rows at national scale,
# resolved against whatever provinces/years a run covers.
NATIONAL_BAD_ROWS = (
    (0, 0, COMMITMENTS, "unknown_region"),
    (0, 1, OUTCOMES, "unknown_commitment"),
    (1, 1, PROBLEMS, "unknown_category"),
    (1, 2, EVALUATIONS, "out_of_range"),
    (2, 3, COMMITMENTS, "bad_number"),
    (3, 4, PROBLEMS, "bad_date"),
    (4, 5, COMMITMENTS, "duplicate_id"),
    (5, 6, EVALUATIONS, "unknown_enum"),
)


def national_plan(
    seed: int,
    out_dir: str,
    tmp_dir: str,
    provinces: list[str] | None = None,
    years: tuple[int, ...] | None = None,
) -> Plan:
    provinces = sorted(provinces or [p[0] for p in PROVINCES])
    years = tuple(years or range(2014, 2026))
    bad: dict[tuple[str, int], list[tuple[str, str]]] = {}
    for pi, yi, sheet, reason in NATIONAL_BAD_ROWS:
        year = years[yi % len(years)]
        if sheet == OUTCOMES and year == years[0]:
            year = years[min(1, len(years) - 1)]
        bad.setdefault((provinces[pi % len(provinces)], year), []).append((sheet, reason))
    exports = export_schedule(years, supplement=False)
    jobs = []
    for p in provinces:
        books = tuple(
            WorkbookSpec(_national_name(p, y), p, y, bad_rows=tuple(bad.get((p, y), ())))
            for y in years
        )
        csv_bad = ((len(exports) // 2, "bad_number"),) if p == provinces[0] else ()
        jobs.append(
            ProvinceJob(
                p,
                "national",
                seed,
                years,
                years,
                books,
                tuple(exports),
                csv_bad,
                NATIONAL_DENSITY,
                NATIONAL_MESS,
                out_dir,
                tmp_dir,
            )
        )
    # biggest provinces first, for load balance across worker processes
    size = {code: n for code, _, _, n in PROVINCES}
    jobs.sort(key=lambda j: (-size[j.province], j.province))
    return Plan("national", seed, provinces, years, jobs, exports)
