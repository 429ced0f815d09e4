"""The report as one self-contained HTML file (jinja2, autoescaped; charts inline SVG; the
CJK font embedded as a subset)."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from html import escape
from pathlib import Path

import jinja2
from markupsafe import Markup

from evalwh.report import charts, fonts
from evalwh.report.charts import Series, fmt_number, fmt_percent

TEMPLATE = Path(__file__).with_name("report.html.j2")
FONT_PLACEHOLDER = "/*@FONT@*/"
WARNING_PLACEHOLDER = "<!--@FONT_WARNING@-->"


@dataclass
class Rendered:
    text: str
    font: fonts.EmbeddedFont
    font_seconds: float


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE.parent)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def signed(value) -> str:
    if value is None:
        return "—"
    return f"{round(value, 1) + 0.0:+.1f}"  # + 0.0: no "-0.0"


def signed_pct(value) -> str:
    if value is None:
        return "—"
    return f"{round(value * 100, 1) + 0.0:+.1f}%"


def tone(value, percent: bool = False) -> str:
    """neg / pos as the value is shown (rounded to one decimal), '' for no change."""
    if value is None:
        return ""
    shown = round(value * 100 if percent else value, 1)
    if shown == 0:
        return ""
    return "neg" if shown < 0 else "pos"


def _column(series: list[dict | None], key: str) -> list:
    return [None if m is None else m.get(key) for m in series]


def trend_charts(model) -> list[str]:
    """The year-over-year charts of the scope (pure SVG strings)."""
    L = model.labels
    years = [str(y) for y in model.scope.years]
    by_year = {m["year"]: m for m in model.totals}
    series = [by_year.get(y) for y in model.scope.years]
    col = lambda key: _column(series, key)  # noqa: E731
    rating_colors = ("#1e7b3a", "#7fb069", "#e0a030", "#c23b3b")
    return [
        charts.bar_chart(
            L["chart_commitments"],
            years,
            [
                Series(L["commitments_due"], col("commitments_due")),
                Series(L["fulfilled"], col("fulfilled")),
                Series(L["partial"], col("partial")),
                Series(L["unfulfilled"], col("unfulfilled")),
                Series(L["not_reported"], col("not_reported")),
            ],
            chart_id="commitments",
        ),
        charts.line_chart(
            L["chart_rate"],
            years,
            [Series(L["fulfilment_rate"], col("fulfilment_rate"))],
            chart_id="fulfilment_rate",
            y_format=fmt_percent,
            y_max=1.0,
        ),
        charts.bar_chart(
            L["chart_ratings"],
            years,
            [
                Series(L.code("rating", r), col(f"rating_{r}"), rating_colors[i])
                for i, r in enumerate(("good", "fairly_good", "average", "poor"))
            ],
            chart_id="ratings",
            stacked=True,
        ),
        charts.line_chart(
            L["chart_score"],
            years,
            [Series(L["avg_score"], col("avg_score"))],
            chart_id="score",
        ),
        charts.bar_chart(
            L["chart_problems"],
            years,
            [
                Series(L["problems_identified"], col("problems_identified")),
                Series(L["problems_prev"], col("problems_prev")),
                Series(L["problems_rectified"], col("problems_rectified")),
            ],
            chart_id="problems",
        ),
        charts.line_chart(
            L["chart_repeat"],
            years,
            [Series(L["repeat_problems"], col("repeat_problems"), charts.PALETTE[3])],
            chart_id="repeat_problems",
            y_min=0,
        ),
        charts.bar_chart(
            L["chart_accountability"],
            years,
            [
                Series(L["inspection_findings"], col("inspection_findings"), charts.PALETTE[4]),
                Series(
                    L["persons_held_accountable"],
                    col("persons_held_accountable"),
                    charts.PALETTE[3],
                ),
            ],
            chart_id="accountability",
        ),
    ]


def _kpis(model) -> list[dict]:
    L = model.labels
    cur = model.current
    if not cur:
        return []
    kpis = [
        {"key": "evaluated", "label": L["evaluated"], "value": fmt_number(cur["evaluated"])},
        {
            "key": "avg_score",
            "label": L["avg_score"],
            "value": fmt_number(cur["avg_score"]),
            "delta": signed(cur["score_change"]) if cur["score_change"] is not None else "",
            "tone": tone(cur["score_change"]),
        },
        {"key": "good_share", "label": L["good_share"], "value": fmt_percent(cur["good_share"])},
        {
            "key": "commitments_due",
            "label": L["commitments_due"],
            "value": fmt_number(cur["commitments_due"]),
        },
        {
            "key": "fulfilment_rate",
            "label": L["fulfilment_rate"],
            "value": fmt_percent(cur["fulfilment_rate"]),
            "delta": signed_pct(cur["fulfilment_rate_change"])
            if cur["fulfilment_rate_change"] is not None
            else "",
            "tone": tone(cur["fulfilment_rate_change"], percent=True),
        },
        {
            "key": "problems_identified",
            "label": L["problems_identified"],
            "value": fmt_number(cur["problems_identified"]),
        },
        {
            "key": "rectification_rate",
            "label": L["rectification_rate"],
            "value": fmt_percent(cur["rectification_rate"]),
        },
        {
            "key": "repeat_problems",
            "label": L["repeat_problems"],
            "value": fmt_number(cur["repeat_problems"]),
        },
        {
            "key": "inspection_findings",
            "label": L["inspection_findings"],
            "value": fmt_number(cur["inspection_findings"]),
        },
        {
            "key": "persons_held_accountable",
            "label": L["persons_held_accountable"],
            "value": fmt_number(cur["persons_held_accountable"]),
        },
    ]
    return [{"delta": "", "tone": "", **k} for k in kpis]


def _drill_groups(model) -> dict[str, list[dict]]:
    from evalwh.report import KIND_ORDER, drill_query

    out: dict[str, list[dict]] = {}
    for code, found in model.drill.items():
        groups = []
        for kind in KIND_ORDER:
            of_kind = [r for r in found if r["kind"] == kind]
            if not of_kind:
                continue
            more = max(len(of_kind) - model.drill_cap, 0)
            groups.append(
                {
                    "kind": kind,
                    "rows": of_kind[: model.drill_cap],
                    "more": more,
                    "query": drill_query(kind, code, model.scope.year) if more else "",
                }
            )
        out[code] = groups
    return out


def render(model, font_cache_dir: str | Path | None = None) -> Rendered:
    """The page; its font subset cached in `font_cache_dir` (None: built every time)."""
    from evalwh.report import REGION_TABLE_CAP, province_query, unit_query

    L = model.labels
    empty: dict = defaultdict(lambda: None)  # a unit without data this year shows dashes
    units = []
    years = [str(y) for y in model.scope.years]
    for u in model.units:
        units.append(
            {
                **u,
                "cur": u["current"] or empty,
                "spark_score": Markup(
                    charts.sparkline(_column(u["series"], "avg_score"), years, title=L["avg_score"])
                ),
                "spark_rate": Markup(
                    charts.sparkline(
                        _column(u["series"], "fulfilment_rate"),
                        years,
                        title=L["fulfilment_rate"],
                        y_format=fmt_percent,
                        color=charts.PALETTE[2],
                    )
                ),
                "query": unit_query(model.scope, u["code"]),
            }
        )
    for r in model.regressions:
        r["spark_score"] = Markup(
            charts.sparkline(
                _column(r.get("series", []), "score"), years, title=L["score"], width=90
            )
        )
    province_mode = model.scope.province_code is not None
    regions_table = model.regions[:REGION_TABLE_CAP] if province_mode else []
    regions_more = max(len(model.regions) - REGION_TABLE_CAP, 0) if province_mode else 0

    def upper(r: dict) -> str:
        return r["province_name"] or r["province_code"]

    def num(value) -> str:
        return fmt_number(value) if value is not None else "—"

    template = _env().get_template(TEMPLATE.name)
    page = template.render(
        L=L,
        m=model,
        cur=model.current,
        kpis=_kpis(model),
        charts=[Markup(svg) for svg in trend_charts(model)],
        units=units,
        units_title=L["units_province"] if province_mode else L["units_national"],
        units_label=L["city"] if province_mode else L["province"],
        upper_label=L["province"],
        upper=upper,
        regions_table=regions_table,
        regions_more=regions_more,
        regions_query=province_query(model.scope) if province_mode else "",
        drill_groups=_drill_groups(model),
        num=num,
        pct=fmt_percent,
        signed=signed,
        signed_pct=signed_pct,
        tone=tone,
        font_family=Markup(fonts.FALLBACK_STACK),
    )
    started = time.perf_counter()
    font = fonts.embed(page, cache_dir=font_cache_dir, vocabulary=model.vocabulary)
    font_seconds = time.perf_counter() - started
    warning = (
        f'<p class="warning" id="font-warning">{escape(L["font_warning"])}</p>'
        if font.warning
        else ""
    )
    page = page.replace(WARNING_PLACEHOLDER, warning, 1)
    page = page.replace(FONT_PLACEHOLDER, font.css, 1).replace(
        f"font-family: {fonts.FALLBACK_STACK};", f"font-family: {font.family};", 1
    )
    return Rendered(page, font, font_seconds)
