"""charts.py is pure: numbers in, SVG out. Parsed back as XML, never eyeballed."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest

from evalwh.report import charts
from evalwh.report.charts import Series

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises on anything that is not well-formed


def marks(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter() if e.get("class") == "mark"]


def test_line_chart_has_a_dot_with_a_tooltip_per_value_and_a_gap_for_none():
    svg = charts.line_chart(
        "完成率",
        ["2021", "2022", "2023", "2024"],
        [Series("吉林省", [0.5, None, 0.7, 0.8]), Series("黑龙江省", [0.6, 0.65, 0.7, 0.75])],
        chart_id="rate",
        y_format=charts.fmt_percent,
    )
    root = parse(svg)
    assert root.get("data-chart") == "rate"
    dots = marks(root)
    assert len(dots) == 7
    tooltips = [d.find("svg:title", NS).text for d in dots]
    assert "2021 · 吉林省: 50.0%" in tooltips
    assert "2024 · 黑龙江省: 75.0%" in tooltips
    # the None splits 吉林省's line: no polyline through 2022, one run of two points after it
    lines = [e for e in root.iter("{http://www.w3.org/2000/svg}polyline")]
    assert [len(p.get("points").split()) for p in lines] == [2, 4]
    legend = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "完成率" in legend and "吉林省" in legend and "黑龙江省" in legend


def test_bar_chart_grouped_and_stacked():
    cats = ["2022", "2023"]
    series = [Series("好", [3, 4]), Series("差", [1, 0])]
    grouped = parse(charts.bar_chart("评议", cats, series, chart_id="r"))
    assert len(marks(grouped)) == 4
    stacked = parse(charts.bar_chart("评议", cats, series, chart_id="r", stacked=True))
    bars = marks(stacked)
    assert len(bars) == 4
    # stacked: each category's bars sit on each other, total height proportional to the sum
    by_x: dict[str, float] = {}
    for b in bars:
        by_x[b.get("x")] = by_x.get(b.get("x"), 0) + float(b.get("height"))
    assert len(by_x) == 2
    first, second = by_x.values()
    assert first == pytest.approx(second, rel=0.05)  # 3+1 and 4+0


def test_values_are_escaped_and_the_svg_stays_well_formed():
    nasty = '<script>alert("x")</script> & "q"'
    svg = charts.line_chart(nasty, [nasty], [Series(nasty, [1])])
    assert "<script>" not in svg
    root = parse(svg)
    assert root.find("svg:title", NS).text == nasty


def test_axis_ticks_cover_the_data():
    root = parse(charts.bar_chart("x", ["a", "b"], [Series("s", [0, 137])]))
    ticks = [
        float(t.text.replace(",", ""))
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        if g.get("class") == "axis y-axis"
        for t in g.iter("{http://www.w3.org/2000/svg}text")
    ]
    assert min(ticks) <= 0 and max(ticks) >= 137


@pytest.mark.parametrize(
    "low, high", [(0, 1), (83.1, 84.9), (0, 137), (-5, 5), (2, 2), (0, 0), (0.001, 0.004)]
)
def test_nice_ticks(low, high):
    ticks = charts.nice_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high
    assert 2 <= len(ticks) <= 12
    steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1


def test_empty_inputs_still_give_valid_svg():
    assert marks(parse(charts.line_chart("t", [], [Series("s", [])]))) == []
    assert marks(parse(charts.bar_chart("t", [], []))) == []
    spark = parse(charts.sparkline([None, None], ["2021", "2022"], title="得分"))
    assert spark.get("class") == "spark"
    one = parse(charts.sparkline([None, 80.5], ["2021", "2022"]))
    assert len(marks(one)) == 1


@pytest.mark.parametrize(
    "low, high, fmt",
    [
        (83.9, 84.2, charts.fmt_number),
        (83.91, 84.06, charts.fmt_number),
        (0, 400_000, charts.fmt_number),
        (0.72, 0.74, charts.fmt_percent),
        (0.7, 1.0, charts.fmt_percent),
    ],
)
def test_tick_labels_are_distinct(low, high, fmt):
    ticks = charts.nice_ticks(low, high)
    labels = [charts.tick_label(t, ticks, fmt) for t in ticks]
    assert len(set(labels)) == len(labels), labels
