"""The report in a real browser: headless Chromium (Debian's `chromium`, installed by
`make setup`) opens the HTML, with the system's CJK fonts HIDDEN (a fontconfig holding only
Latin fonts), so Chinese can only render through the embedded subset.

A probe script, added to a copy of the report, measures what the browser rendered and writes
it into the DOM, which `--dump-dom` returns; a screenshot of the real report is kept in
warehouse/test-artifacts/report-<lang>.png for a human to look at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from evalwh.report import build_report
from tests.report.conftest import ARTIFACTS

pytestmark = pytest.mark.xdist_group("report_sample")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--run-all-compositor-stages-before-draw",
]
# Only Latin fonts: a CJK character the embedded subset lacks would come out as a box.
LATIN_ONLY_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>/usr/share/fonts/truetype/dejavu</dir>
  <dir>/usr/share/fonts/truetype/liberation</dir>
  <cachedir>{cache}</cachedir>
</fontconfig>
"""

PROBE = """
<script>
(async () => {
  const out = {};
  try {
    await document.fonts.ready;
    const faces = [...document.fonts].filter(f => f.family.replace(/["']/g, "") === "EvalwhCJK");
    await Promise.all(faces.map(f => f.load().catch(() => null)));
    out.faces = faces.map(f => f.status);
    out.check = document.fonts.check('16px "EvalwhCJK"', document.querySelector("h1").textContent);
    out.bodyFont = getComputedStyle(document.body).fontFamily;
    out.charts = [...document.querySelectorAll("svg.chart")].map(svg => {
      const box = svg.getBoundingClientRect();
      const marks = [...svg.querySelectorAll(".mark")];
      return {id: svg.dataset.chart, w: box.width, h: box.height, marks: marks.length,
              visible: marks.filter(m => { const r = m.getBoundingClientRect();
                                           return r.width > 0 && r.height > 0; }).length,
              texts: svg.querySelectorAll("text").length};
    });
    out.sparks = [...document.querySelectorAll("svg.spark")].filter(
      s => s.getBoundingClientRect().width > 0).length;
    out.rows = {};
    for (const id of ["units-table", "regressions-table"]) {
      out.rows[id] = document.querySelectorAll("#" + id + " tbody tr").length;
    }
    out.drill = document.querySelectorAll("details.drill").length;
    // Width of a Chinese heading in the embedded face vs in a face that cannot exist: with
    // the system CJK fonts hidden, the fallback draws boxes of another width.
    const width = (family, text) => {
      const s = document.createElement("span");
      s.style.cssText = "font-size:40px;white-space:nowrap;position:absolute;font-family:" + family;
      s.textContent = text; document.body.appendChild(s);
      const w = s.getBoundingClientRect().width; s.remove(); return w;
    };
    const sample = document.querySelector("h1").textContent.trim();
    out.sample = sample;
    out.widthEmbedded = width('"EvalwhCJK"', sample);
    out.widthFallback = width('"NoSuchFontAnywhere", monospace', sample);
    // the heading's glyphs in the embedded font are full-width: one em each
    out.em = out.widthEmbedded / (sample.length * 40);
  } catch (e) { out.error = String(e); }
  const pre = document.createElement("pre");
  pre.id = "probe-result"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


def chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    cache = tmp / "fc-cache"
    cache.mkdir(exist_ok=True)
    conf = tmp / "fonts.conf"
    conf.write_text(LATIN_ONLY_FONTS.format(cache=cache))
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "HOME": str(tmp)}
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp / 'profile'}", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def reports(published_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("browser")
    built = {
        lang: build_report(published_db, lang=lang, out_dir=out, top=8) for lang in ("zh", "en")
    }
    # the font from the cache: the second of two builds sharing a fresh cache
    cache = tmp_path_factory.mktemp("font-cache")
    for attempt in ("miss", "hit"):
        cached = build_report(published_db, out_dir=out / attempt, top=8, font_cache_dir=cache)
        assert cached.font_cache == attempt
    built["zh-cached"] = cached
    return built


@pytest.mark.parametrize("report_name", ["zh", "en", "zh-cached"])
def test_report_renders_in_chromium_with_the_embedded_font(reports, report_name, tmp_path):
    assert Path(CHROMIUM).exists(), "chromium missing: `make setup` installs it"
    report = reports[report_name]
    lang = report.lang
    html = report.html_path.read_text("utf-8")
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", PROBE + "</body>", 1), "utf-8")
    dumped = chromium(tmp_path, "--virtual-time-budget=10000", "--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="probe-result">(.*?)</pre>', dumped.stdout, re.S)
    assert found, dumped.stdout[-2000:] + dumped.stderr[-3000:]
    result = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert "error" not in result, result

    # the embedded CJK face loaded and is what the page asks for first
    assert result["faces"] == ["loaded"], result
    assert result["check"] is True
    assert result["bodyFont"].replace('"', "").startswith("EvalwhCJK,")
    # with system CJK fonts hidden, the heading in the embedded face is full-width (1 em per
    # character for Chinese) and differs from what the fallback draws
    if lang == "zh":
        assert result["em"] == pytest.approx(1.0, abs=0.02), result
    assert abs(result["widthEmbedded"] - result["widthFallback"]) > 5, result

    # seven charts, each drawn with a size and all its marks visible
    charts = result["charts"]
    assert [c["id"] for c in charts] == [
        "commitments",
        "fulfilment_rate",
        "ratings",
        "score",
        "problems",
        "repeat_problems",
        "accountability",
    ]
    for chart in charts:
        assert chart["w"] > 200 and chart["h"] > 100, chart
        assert chart["marks"] > 0 and chart["visible"] == chart["marks"], chart
        assert chart["texts"] > 5, chart
    # the tables have rows; two sparklines per unit row, one per regression
    assert result["rows"]["units-table"] == 2
    assert 0 < result["rows"]["regressions-table"] <= 8
    assert result["drill"] == result["rows"]["regressions-table"]
    assert result["sparks"] == (
        2 * result["rows"]["units-table"] + result["rows"]["regressions-table"]
    )

    # the screenshot of the report itself, for people to look at
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"report-{report_name}.png"
    shot.unlink(missing_ok=True)
    done = chromium(
        tmp_path,
        "--window-size=1300,2400",
        "--virtual-time-budget=10000",
        f"--screenshot={shot}",
        report.html_path.as_uri(),
    )
    assert shot.exists() and shot.stat().st_size > 50_000, done.stderr[-3000:]
    print(f"screenshot: {shot}")
