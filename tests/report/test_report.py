"""The auditor's report built from a real published warehouse (the shipped sample through
ingest, dbt and publish), read back: HTML parsed, xlsx opened with openpyxl, source rows
looked up in the real raw files."""

from __future__ import annotations

import base64
import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from fontTools.ttLib import TTFont
from python_calamine import CalamineWorkbook

from evalwh import pipeline
from evalwh.cli import main as cli
from evalwh.report import ReportInputError, build_report
from evalwh.report.labels import Labels
from tests.report.conftest import query, writable_copy

pytestmark = pytest.mark.xdist_group("report_sample")


class Page(HTMLParser):
    """Elements with their attributes, and the visible text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self._skip = 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)

    def all(self, tag: str, **attrs) -> list[dict]:
        return [
            a
            for t, a in self.elements
            if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def with_attr(self, tag: str, name: str) -> list[dict]:
        return [a for t, a in self.elements if t == tag and name in a]


@pytest.fixture(scope="module")
def national(published_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("national")
    result = build_report(published_db, lang="zh", out_dir=out, top=6)
    return result, Page(result.html_path.read_text("utf-8"))


def test_report_files_and_what_the_national_report_holds(national, published_db):
    result, page = national
    assert result.html_path.name == f"report-{result.year}-zh.html"
    assert result.xlsx_path.exists() and result.html_bytes > 0 and not result.warnings
    latest = query(published_db, "select max(year) from marts.dim_year")[0][0]
    assert result.year == latest
    charts = page.with_attr("svg", "data-chart")
    assert [c["data-chart"] for c in charts] == [
        "commitments",
        "fulfilment_rate",
        "ratings",
        "score",
        "problems",
        "repeat_problems",
        "accountability",
    ]
    provinces = {p for (p,) in query(published_db, "select province_code from marts.dim_region")}
    assert {r["data-unit"] for r in page.all("tr") if "data-unit" in r} == provinces
    # every number of the unit table has its sources
    assert {d["data-unit"] for d in page.all("details", **{"class": "sources"})} == provinces


def test_kpis_are_the_warehouse_numbers(national, published_db):
    result, _page = national
    html = result.html_path.read_text("utf-8")
    due = query(
        published_db,
        "select count(*) from marts.fct_commitment where target_year = ?",
        [result.year],
    )[0][0]
    kpi = re.search(r'data-kpi="commitments_due">.*?class="value">([^<]+)<', html, re.S)
    assert kpi and kpi.group(1) == f"{due:,}"
    findings = query(
        published_db,
        "select sum(inspection_findings) from marts.region_year_trend where year = ?",
        [result.year],
    )[0][0]
    kpi = re.search(r'data-kpi="inspection_findings">.*?class="value">([^<]+)<', html, re.S)
    assert kpi and kpi.group(1) == f"{findings:,}"


def test_worst_regressions_in_order_each_with_its_drill_down(national, published_db):
    result, page = national
    expected = [
        code
        for (code,) in query(
            published_db,
            "select region_code from marts.region_year_trend where year = ? and score_change < 0 "
            "order by score_change, fulfilment_rate_change nulls last, region_code limit 6",
            [result.year],
        )
    ]
    assert len(expected) == 6
    shown = [
        r["data-region"]
        for t, r in page.elements
        if t == "tr" and "data-region" in r and "data-kind" not in r
    ]
    assert shown == expected
    drills = [d["data-region"] for d in page.all("details", **{"class": "drill"})]
    assert drills == expected
    links = {a["href"] for a in page.with_attr("a", "href")}
    assert {f"#dd-{code}" for code in expected} <= links


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", "", str(value))


def _sheet_rows(path: Path, sheet: str) -> list[list[str]]:
    book = CalamineWorkbook.from_path(str(path))
    return [[_cell(v) for v in row] for row in book.get_sheet_by_name(sheet).to_python()]


def _csv_lines(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    return list(csv.reader(io.StringIO(text)))


def test_drill_down_rows_point_at_real_files_sheets_and_rows(national, sample_paths):
    """Each drill-down row names a raw file that exists, a sheet of it, and a row holding the
    key (a CSV line number for a finding: that exact line holds the finding)."""
    _result, page = national
    rows = [r for r in page.all("tr") if "data-kind" in r]
    assert rows
    kinds = {r["data-kind"] for r in rows}
    assert {"evaluation", "commitment", "problem", "finding"} <= kinds
    cache: dict = {}
    for r in rows:
        path = sample_paths.raw_dir / r["data-file"]
        assert path.is_file(), r
        key = r["data-key"]
        if r["data-kind"] == "finding":
            lines = cache.setdefault(path, _csv_lines(path))
            line = int(r["data-row"])  # header is line 1
            assert key in lines[line - 1], (r, lines[line - 1])
            continue
        sheet = r["data-sheet"]
        found = cache.setdefault((path, sheet), _sheet_rows(path, sheet))
        cells = [c for row in found for c in row]
        if key in cells:
            continue
        # a v1 commitment id is built by ingestion as {year}-{region}-{序号}
        _made_year, region, number = key.split("-")
        assert any(region in row and str(int(number)) in row for row in found), r


def test_xlsx_has_the_same_tables_and_every_drill_down_row(national):
    result, page = national
    book = openpyxl.load_workbook(result.xlsx_path, read_only=True)
    assert book.sheetnames == ["逐年趋势", "分地区", "退步最大", "溯源", "来源文件", "地区"]
    regressions = list(book["退步最大"].iter_rows(values_only=True))
    shown = [r for t, r in page.elements if t == "details" and r.get("class") == "drill"]
    assert len(regressions) - 1 == len(shown)
    drill = list(book["溯源"].iter_rows(values_only=True))
    assert len(drill) - 1 >= len([r for r in page.all("tr") if "data-kind" in r])


def test_province_narrows_to_its_cities_and_regions(published_db, tmp_path):
    result = build_report(published_db, province="吉林", out_dir=tmp_path, top=50)
    assert result.province_code == "220000"
    page = Page(result.html_path.read_text("utf-8"))
    cities = {
        c
        for (c,) in query(
            published_db,
            "select region_code from marts.dim_region where level = 'city' "
            "and province_code = '220000'",
        )
    }
    assert {r["data-unit"] for r in page.all("tr") if "data-unit" in r} == cities
    regions = {
        c
        for (c,) in query(
            published_db, "select region_code from marts.dim_region where province_code = '220000'"
        )
    }
    listed = {r["data-region"] for r in page.all("tr") if "data-region" in r}
    assert listed and listed <= regions
    table = {
        r["data-region"] for t, r in page.elements if t == "tr" and "data-region" in r
    }  # the region table lists every region of the province that reported this year
    reported = {
        c
        for (c,) in query(
            published_db,
            "select t.region_code from marts.region_year_trend t join marts.dim_region r "
            "using (region_code) where r.province_code = '220000' and t.year = ?",
            [result.year],
        )
    }
    assert reported <= table
    levels = {lvl for (lvl,) in query(published_db, "select distinct level from marts.dim_region")}
    assert {"city", "county", "township"} <= levels
    assert "黑龙江" not in "".join(page.text)
    with pytest.raises(ReportInputError, match="no province"):
        build_report(published_db, province="西藏", out_dir=tmp_path)


HOSTILE_NAME = '=HYPERLINK("http://evil.example/x","click")'
SCRIPT_NAME = '<script>alert("x")</script>'
HOSTILE_PROVINCE = "吉林省'); drop table marts.dim_region; --"


@pytest.fixture(scope="module")
def hostile(published_db, tmp_path_factory):
    """A copy of the published file whose worst region is called like a formula, another one
    like a script, and whose province name looks like SQL injection."""
    root = tmp_path_factory.mktemp("hostile")
    year = query(published_db, "select max(year) from marts.dim_year")[0][0]
    worst = [
        c
        for (c,) in query(
            published_db,
            "select region_code from marts.region_year_trend where year = ? and score_change < 0 "
            "order by score_change, fulfilment_rate_change nulls last, region_code limit 2",
            [year],
        )
    ]
    db = writable_copy(
        published_db,
        root / "published" / "evaluation.duckdb",
        f"update marts.dim_region set region_name = '{HOSTILE_NAME.replace(chr(39), chr(39) * 2)}' "
        f"where region_code = '{worst[0]}'",
        f"update marts.dim_region set region_name = '{SCRIPT_NAME}' where region_code = '{worst[1]}'",
        f"update marts.dim_region set province_name = '{HOSTILE_PROVINCE.replace(chr(39), chr(39) * 2)}' "
        "where province_code = '220000'",
    )
    return db, worst


def test_formula_looking_names_stay_text_in_the_xlsx(hostile, tmp_path):
    db, _worst = hostile
    result = build_report(db, out_dir=tmp_path, top=5)
    book = openpyxl.load_workbook(result.xlsx_path)  # not read-only: data_type is exact
    texts = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    assert "'" + HOSTILE_NAME in texts
    assert HOSTILE_NAME not in texts
    assert SCRIPT_NAME in texts  # not a formula trigger: kept as it is, as text


def test_html_escapes_every_value(hostile, tmp_path):
    db, _ = hostile
    result = build_report(db, out_dir=tmp_path, top=5)
    html = result.html_path.read_text("utf-8")
    assert SCRIPT_NAME not in html
    assert "&lt;script&gt;alert(" in html
    page = Page(html)
    assert SCRIPT_NAME in "".join(page.text)  # shown as text
    assert len(page.all("script")) == 1  # only the report's own


def test_sql_injection_looking_province_name_harms_nothing(hostile, tmp_path):
    db, _ = hostile
    before = query(db, "select count(*) from marts.dim_region")[0][0]
    result = build_report(db, province=HOSTILE_PROVINCE, out_dir=tmp_path, top=5)
    assert result.province_code == "220000"  # matched exactly, as a value
    assert HOSTILE_PROVINCE in "".join(Page(result.html_path.read_text("utf-8")).text)
    with pytest.raises(ReportInputError):
        build_report(db, province="x' or '1'='1", out_dir=tmp_path)
    assert query(db, "select count(*) from marts.dim_region")[0][0] == before


def _embedded_font(html: str) -> TTFont:
    found = re.search(r"url\(data:font/woff2;base64,([A-Za-z0-9+/=]+)\)", html)
    assert found, "no embedded font"
    return TTFont(io.BytesIO(base64.b64decode(found.group(1))))


def test_embedded_font_covers_every_character_of_the_page_and_nothing_is_fetched(national):
    result, page = national
    html = result.html_path.read_text("utf-8")
    cmap = _embedded_font(html).getBestCmap()
    text = "".join(page.text) + "".join(a.get("aria-label", "") for _t, a in page.elements)
    missing = {ch for ch in text if not ch.isspace() and ord(ch) not in cmap}
    assert not missing, sorted(missing)[:20]
    assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 100
    assert 10_000 < result.font_bytes < 400_000
    # self-contained: no stylesheet, script, image or font from anywhere else
    for tag, attrs in page.elements:
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            assert not value or value.startswith(("#", "data:")), (tag, attrs)
    assert "@import" not in html


def test_english_report(published_db, tmp_path):
    result = build_report(published_db, lang="en", out_dir=tmp_path, top=3)
    html = result.html_path.read_text("utf-8")
    assert result.html_path.name.endswith("-en.html")
    assert '<html lang="en">' in html
    assert "Worst regressions" in html and "退步最大" not in html
    book = openpyxl.load_workbook(result.xlsx_path, read_only=True)
    assert book.sheetnames == [
        "Trends",
        "Units",
        "Regressions",
        "Drill-down",
        "Source files",
        "Regions",
    ]


def test_without_a_font_it_still_builds_and_says_so(published_db, tmp_path, monkeypatch):
    monkeypatch.setenv("EVALWH_REPORT_FONT", "none")
    result = build_report(published_db, out_dir=tmp_path, top=3)
    html = result.html_path.read_text("utf-8")
    assert result.warnings and "font" in result.warnings[0]
    assert "@font-face" not in html and 'id="font-warning"' in html
    assert '"Noto Sans CJK SC"' in html


def test_pipeline_step_and_cli(sample_paths, tmp_path):
    written = pipeline.write_report(sample_paths)
    html = Path(written["html"])
    assert html.parent == sample_paths.report_dir(written["year"])
    assert html.exists() and Path(written["xlsx"]).exists()
    runner = CliRunner()
    base = ["--warehouse-dir", str(sample_paths.warehouse_dir), "report"]
    ok = runner.invoke(cli, [*base, "--out", str(tmp_path), "--lang", "en", "--top", "2"])
    assert ok.exit_code == 0, ok.output
    assert str(tmp_path) in ok.output.replace("\n", "")
    default = runner.invoke(cli, [*base, "--lang", "en", "--top", "2", "--json"])
    assert default.exit_code == 0, default.output
    assert (sample_paths.report_dir(written["year"]) / html.name.replace("-zh", "-en")).exists()
    bad = runner.invoke(cli, [*base, "--year", "1999", "--out", str(tmp_path)])
    assert bad.exit_code != 0 and "no published data for 1999" in bad.output


WORKBOOK_FACTS = ("evaluation", "evaluation_prev", "commitment", "problem")
LINEAGE_ADDITIONS = {  # the marts' additive lineage columns (CHANGELOG.md)
    "fct_commitment": ("source_sheet", "source_row_number"),
    "fct_problem": ("source_file", "source_sheet", "source_row_number"),
    "fct_evaluation": ("source_file", "source_sheet", "source_row_number"),
}


def _excel_rows(path: Path, sheet: str) -> list[list[str]]:
    """The sheet's rows indexed by Excel row number - 1 (leading empty rows kept)."""
    book = CalamineWorkbook.from_path(str(path))
    grid = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return [[_cell(v) for v in row] for row in grid]


def _drill_sheet(xlsx: Path) -> set[tuple]:
    """(kind label, file, sheet, row, key) of every row of the xlsx drill-down sheet."""
    L = Labels("zh")
    book = openpyxl.load_workbook(xlsx, read_only=True)
    header, *body = book[L["sheet_drilldown"]].iter_rows(values_only=True)
    col = {name: i for i, name in enumerate(header)}
    names = ("kind", "source_file", "source_sheet", "source_row", "key")
    return {tuple(row[col[L[n]]] for n in names) for row in body}


def test_workbook_facts_name_their_exact_sheet_row_in_html_and_xlsx(national, sample_paths):
    """Evaluations, commitments and problems carry their workbook row (the marts'
    source_sheet / source_row_number): that very row of the real workbook holds the key, and
    the xlsx drill-down shows the same file, sheet and row. Outcomes and rectifications
    (the following year's report) stay located by key."""
    result, page = national
    drill = [r for r in page.all("tr") if "data-kind" in r]
    facts = [r for r in drill if r["data-kind"] in WORKBOOK_FACTS]
    assert {"evaluation", "commitment", "problem"} <= {r["data-kind"] for r in facts}
    cache: dict = {}
    for r in facts:
        assert r["data-row"].isdigit(), r
        path = sample_paths.raw_dir / r["data-file"]
        grid = cache.setdefault((path, r["data-sheet"]), _excel_rows(path, r["data-sheet"]))
        cells = grid[int(r["data-row"]) - 1]
        key = r["data-key"]
        if key not in cells:  # a v1 commitment id, built by ingestion as {year}-{region}-{序号}
            _made_year, region, number = key.split("-")
            assert region in cells and str(int(number)) in cells, (r, cells)
    assert all(r["data-row"] == "" for r in drill if r["data-kind"] == "rectification")
    L = Labels("zh")
    in_book = _drill_sheet(result.xlsx_path)
    for r in facts:
        shown = (L["kind_" + r["data-kind"]], r["data-file"], r["data-sheet"])
        assert (*shown, int(r["data-row"]), r["data-key"]) in in_book, r


def test_sheet_and_row_are_the_marts_values_through_the_escaping(published_db, tmp_path):
    """The drill-down shows each mart's source_sheet / source_row_number as they are, through
    the HTML escaping and the xlsx formula neutralising."""
    db = writable_copy(
        published_db,
        tmp_path / "published" / "evaluation.duckdb",
        "update marts.fct_evaluation set source_row_number = 1000 + year - 2000, "
        "source_sheet = '<i>评议结果</i>'",
        "update marts.fct_commitment set source_sheet = '=1+2'",
    )
    result = build_report(db, out_dir=tmp_path, top=6)
    html = result.html_path.read_text("utf-8")
    page = Page(html)
    evaluations = [r for r in page.all("tr") if r.get("data-kind") == "evaluation"]
    assert evaluations
    assert {r["data-row"] for r in evaluations} == {str(1000 + result.year - 2000)}
    assert {r["data-sheet"] for r in evaluations} == {"<i>评议结果</i>"}
    assert "<i>评议结果</i>" not in html and "&lt;i&gt;评议结果&lt;/i&gt;" in html
    commitments = [r for r in page.all("tr") if r.get("data-kind") == "commitment"]
    assert commitments and {r["data-sheet"] for r in commitments} == {"=1+2"}
    sheets = {row[2] for row in _drill_sheet(result.xlsx_path)}
    assert "'=1+2" in sheets and "=1+2" not in sheets


def test_a_file_published_before_the_lineage_columns_is_located_by_key(published_db, tmp_path):
    """A published file from before the marts carried source_sheet / source_row_number (the
    columns are additive) still reports: workbook rows named by file, sheet and key."""
    db = writable_copy(
        published_db,
        tmp_path / "published" / "evaluation.duckdb",
        *(
            f"alter table marts.{table} drop column {column}"
            for table, columns in LINEAGE_ADDITIONS.items()
            for column in columns
        ),
    )
    result = build_report(db, out_dir=tmp_path, top=6)
    page = Page(result.html_path.read_text("utf-8"))
    facts = [r for r in page.all("tr") if r.get("data-kind") in WORKBOOK_FACTS]
    assert {"evaluation", "commitment", "problem"} <= {r["data-kind"] for r in facts}
    for r in facts:
        assert r["data-row"] == "" and r["data-file"].startswith("reports/"), r
    assert {r["data-sheet"] for r in facts if r["data-kind"] == "evaluation"} == {"评议结果"}
    assert {r["data-sheet"] for r in facts if r["data-kind"] == "problem"} == {"问题清单"}
