"""Charts as inline SVG: pure functions from numbers to an SVG string.

No JavaScript and nothing fetched: the report opens offline and prints as it shows. Every
text is HTML-escaped; every mark carries a ``<title>`` (the browser's tooltip) with its exact
value. Text uses the page's font (CSS ``font-family`` inherits into inline SVG), so the
embedded CJK font applies to chart labels too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#2f6db5", "#d9822b", "#3a9b5d", "#c23b3b", "#7b57b0", "#8c6d3f", "#5f7d8c")
Number = float | int | None


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Number]
    color: str | None = None


def fmt_number(value: Number) -> str:
    if value is None:
        return "—"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def fmt_percent(value: Number) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def tick_label(value: float, ticks: Sequence[float], y_format: Callable[[Number], str]) -> str:
    """A tick's label with as many decimals as the step needs (83.95 is not shown as 84.0)."""
    step = round(abs(ticks[1] - ticks[0]), 10) if len(ticks) > 1 else 1.0
    if y_format is fmt_percent:
        decimals = max(0, -math.floor(math.log10(step * 100) + 1e-9))
        return f"{value * 100:.{decimals}f}%"
    if y_format is fmt_number:
        decimals = max(0, -math.floor(math.log10(step) + 1e-9))
        if not float(step * 10**decimals).is_integer():
            decimals += 1
        return f"{value:,.{decimals}f}"
    return y_format(value)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 2.5, 5 x 10^n steps)."""
    if high < low:
        low, high = high, low
    if math.isclose(high, low):
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step + 1e-9) * step
    ticks = []
    value = start
    while value < high + step * 0.5:
        ticks.append(round(value, 10))
        value += step
        if len(ticks) > 50:  # pragma: no cover - guards against float surprises
            break
    if ticks[-1] < high - 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _frame(
    title: str,
    chart_id: str,
    width: int,
    height: int,
    series: Sequence[Series],
    kind: str,
) -> list[str]:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{escape(chart_id)}" '
        f'data-kind="{kind}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text class="chart-title" x="{width / 2:.0f}" y="18" text-anchor="middle" '
        f'font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    # legend: one row under the title, wrapped when long
    x, y = 12.0, 36.0
    for i, s in enumerate(series):
        color = s.color or PALETTE[i % len(PALETTE)]
        label_width = 18 + _text_width(s.name, 11)
        if x + label_width > width - 8 and x > 12:
            x, y = 12.0, y + 16
        parts.append(
            f'<g class="legend-item"><rect x="{x:.0f}" y="{y - 9:.0f}" width="10" height="10" '
            f'fill="{color}"/><text x="{x + 14:.0f}" y="{y:.0f}" font-size="11">'
            f"{escape(s.name)}</text></g>"
        )
        x += label_width + 12
    return parts


def _text_width(text: str, size: float) -> float:
    """A rough rendered width: CJK characters are square, Latin ones about half as wide."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.58 for ch in text)


def _plot_area(
    width: int, height: int, series: Sequence[Series]
) -> tuple[float, float, float, float]:
    legend_rows = 1
    x = 12.0
    for s in series:
        w = 18 + _text_width(s.name, 11)
        if x + w > width - 8 and x > 12:
            legend_rows += 1
            x = 12.0
        x += w + 12
    top = 36 + 16 * legend_rows
    return 56.0, top, width - 16.0, height - 30.0  # left, top, right, bottom


def _axes(
    parts: list[str],
    categories: Sequence[str],
    ticks: list[float],
    box: tuple[float, float, float, float],
    y_of: Callable[[float], float],
    x_of: Callable[[int], float],
    y_format: Callable[[Number], str],
) -> None:
    left, _top, right, bottom = box
    parts.append('<g class="axis y-axis" font-size="10">')
    for t in ticks:
        y = y_of(t)
        parts.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" '
            f'stroke="#e3e3e3"/><text x="{left - 6:.1f}" y="{y + 3:.1f}" text-anchor="end">'
            f"{escape(tick_label(t, ticks, y_format))}</text>"
        )
    parts.append("</g>")
    parts.append('<g class="axis x-axis" font-size="10">')
    parts.append(
        f'<line x1="{left:.1f}" y1="{bottom:.1f}" x2="{right:.1f}" y2="{bottom:.1f}" stroke="#888"/>'
    )
    # label every category when they fit, else every k-th
    slot = (right - left) / max(len(categories), 1)
    widest = max((_text_width(c, 10) for c in categories), default=0)
    every = max(1, math.ceil((widest + 6) / max(slot, 1)))
    for i, c in enumerate(categories):
        if i % every:
            continue
        parts.append(
            f'<text x="{x_of(i):.1f}" y="{bottom + 14:.1f}" text-anchor="middle">{escape(c)}</text>'
        )
    parts.append("</g>")


def _range(series: Sequence[Series], y_min: float | None, y_max: float | None, stacked: bool):
    if stacked:
        totals = [
            sum(v or 0 for v in column) for column in zip(*(s.values for s in series), strict=True)
        ] or [0]
        values = [*totals, 0]
    else:
        values = [v for s in series for v in s.values if v is not None] or [0]
    low = min(values) if y_min is None else y_min
    high = max(values) if y_max is None else y_max
    return min(low, high), max(low, high)


def line_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    chart_id: str = "line",
    width: int = 460,
    height: int = 250,
    y_format: Callable[[Number], str] = fmt_number,
    y_min: float | None = None,
    y_max: float | None = None,
) -> str:
    """Lines with a dot per value (a gap where a value is None)."""
    parts = _frame(title, chart_id, width, height, series, "line")
    if not categories:
        return "".join([*parts, "</svg>"])
    box = left, top, right, bottom = _plot_area(width, height, series)
    ticks = nice_ticks(*_range(series, y_min, y_max, stacked=False))
    lo, hi = ticks[0], ticks[-1]

    def y_of(v: float) -> float:
        return bottom - (v - lo) / (hi - lo) * (bottom - top)

    def x_of(i: int) -> float:
        if len(categories) == 1:
            return (left + right) / 2
        return left + 12 + i * (right - left - 24) / (len(categories) - 1)

    _axes(parts, categories, ticks, box, y_of, x_of, y_format)
    for k, s in enumerate(series):
        color = s.color or PALETTE[k % len(PALETTE)]
        parts.append(f'<g class="series" data-series="{escape(s.name)}">')
        run: list[str] = []
        for i, v in enumerate(s.values):
            if v is None:
                if len(run) > 1:
                    parts.append(_polyline(run, color))
                run = []
                continue
            run.append(f"{x_of(i):.1f},{y_of(v):.1f}")
        if len(run) > 1:
            parts.append(_polyline(run, color))
        for i, v in enumerate(s.values):
            if v is None:
                continue
            parts.append(
                f'<circle class="mark" cx="{x_of(i):.1f}" cy="{y_of(v):.1f}" r="3.5" '
                f'fill="{color}"><title>{escape(categories[i])} · {escape(s.name)}: '
                f"{escape(y_format(v))}</title></circle>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def _polyline(points: list[str], color: str) -> str:
    return (
        f'<polyline points="{" ".join(points)}" fill="none" stroke="{color}" '
        f'stroke-width="2" stroke-linejoin="round"/>'
    )


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    chart_id: str = "bar",
    stacked: bool = False,
    width: int = 460,
    height: int = 250,
    y_format: Callable[[Number], str] = fmt_number,
) -> str:
    """Grouped (or stacked) vertical bars, one group per category."""
    parts = _frame(title, chart_id, width, height, series, "stacked" if stacked else "bar")
    if not categories:
        return "".join([*parts, "</svg>"])
    box = left, top, right, bottom = _plot_area(width, height, series)
    low, high = _range(series, 0, None, stacked)
    ticks = nice_ticks(min(low, 0), high)
    lo, hi = ticks[0], ticks[-1]

    def y_of(v: float) -> float:
        return bottom - (v - lo) / (hi - lo) * (bottom - top)

    slot = (right - left) / len(categories)

    def x_of(i: int) -> float:
        return left + slot * (i + 0.5)

    _axes(parts, categories, ticks, box, y_of, x_of, y_format)
    group = slot * 0.75
    bar_w = group if stacked else group / max(len(series), 1)
    base = [0.0] * len(categories)
    for k, s in enumerate(series):
        color = s.color or PALETTE[k % len(PALETTE)]
        parts.append(f'<g class="series" data-series="{escape(s.name)}">')
        for i, v in enumerate(s.values):
            if v is None:
                continue
            if stacked:
                y0, y1 = y_of(base[i]), y_of(base[i] + v)
                x = x_of(i) - group / 2
                base[i] += v
            else:
                y0, y1 = y_of(0), y_of(v)
                x = x_of(i) - group / 2 + k * bar_w
            parts.append(
                f'<rect class="mark" x="{x:.1f}" y="{min(y0, y1):.1f}" width="{max(bar_w - 1, 1):.1f}" '
                f'height="{max(abs(y0 - y1), 0.5):.1f}" fill="{color}"><title>'
                f"{escape(categories[i])} · {escape(s.name)}: {escape(y_format(v))}</title></rect>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def sparkline(
    values: Sequence[Number],
    labels: Sequence[str],
    *,
    title: str = "",
    width: int = 110,
    height: int = 26,
    y_format: Callable[[Number], str] = fmt_number,
    color: str = PALETTE[0],
) -> str:
    """A tiny line without axes for a table cell; the last value is marked."""
    known = [v for v in values if v is not None]
    tooltip = escape(
        (title + ": " if title else "")
        + ", ".join(f"{lab} {y_format(v)}" for lab, v in zip(labels, values, strict=True))
    )
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="spark" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{tooltip}</title>'
    )
    if not known:
        return head + "</svg>"
    lo, hi = min(known), max(known)
    if math.isclose(lo, hi):
        lo, hi = lo - 1, hi + 1
    n = len(values)

    def xy(i: int, v: float) -> str:
        x = 3 + (i * (width - 6) / (n - 1) if n > 1 else (width - 6) / 2)
        y = height - 3 - (v - lo) / (hi - lo) * (height - 6)
        return f"{x:.1f},{y:.1f}"

    points = [xy(i, v) for i, v in enumerate(values) if v is not None]
    last_x, last_y = points[-1].split(",")
    line = _polyline(points, color) if len(points) > 1 else ""
    return (
        head
        + line
        + f'<circle class="mark" cx="{last_x}" cy="{last_y}" r="2.5" fill="{color}"/></svg>'
    )
