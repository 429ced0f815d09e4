"""The report's tables as an .xlsx, for auditors who filter and sort.

Every text cell goes through `evalwh.export_safety.neutralise` and is written with
`write_string`; numbers with `write_number`; nothing with `write()`, which would turn text
starting with "=" into a formula (a region named "=HYPERLINK(...)" stays text).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import xlsxwriter

from evalwh.export_safety import neutralise

WIDTH_SAMPLE_ROWS = 300


class _Sheet:
    def __init__(self, book: xlsxwriter.Workbook, name: str, formats: dict) -> None:
        self.ws = book.add_worksheet(name[:31])
        self.formats = formats
        self.row = 0
        self.widths: dict[int, float] = {}

    def _width(self, col: int, text: str) -> None:
        if self.row > WIDTH_SAMPLE_ROWS:  # column widths from the first rows are enough
            return
        width = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) + 2
        self.widths[col] = min(max(self.widths.get(col, 6), width), 60)

    def header(self, names: Sequence[str]) -> None:
        for col, name in enumerate(names):
            self.ws.write_string(self.row, col, neutralise(str(name)), self.formats["header"])
            self._width(col, str(name))
        self.ws.freeze_panes(self.row + 1, 0)
        self.header_row = self.row
        self.columns = len(names)
        self.row += 1

    def values(self, values: Sequence, kinds: Sequence[str] | None = None) -> None:
        for col, value in enumerate(values):
            kind = kinds[col] if kinds else ""
            self.cell(col, value, kind)
        self.row += 1

    def cell(self, col: int, value, kind: str = "") -> None:
        ws, r = self.ws, self.row
        if value is None or value == "":
            ws.write_blank(r, col, None)
        elif isinstance(value, bool):
            ws.write_string(r, col, "TRUE" if value else "FALSE")
        elif isinstance(value, int | float):
            fmt = self.formats.get(kind)
            ws.write_number(r, col, float(value), fmt)
            self._width(col, f"{value:.2f}" if isinstance(value, float) else str(value))
        elif isinstance(value, dt.datetime | dt.date):
            text = value.isoformat()
            ws.write_string(r, col, text)
            self._width(col, text)
        else:
            text = neutralise(str(value))
            ws.write_string(r, col, text)
            self._width(col, text)

    def finish(self) -> None:
        for col, width in self.widths.items():
            self.ws.set_column(col, col, width)
        if getattr(self, "columns", 0) and self.row > self.header_row + 1:
            self.ws.autofilter(self.header_row, 0, self.row - 1, self.columns - 1)


MEASURE_COLUMNS = (
    ("regions", ""),
    ("evaluated", ""),
    ("avg_score", "score"),
    ("score_change", "score"),
    ("rating_good", ""),
    ("rating_fairly_good", ""),
    ("rating_average", ""),
    ("rating_poor", ""),
    ("commitments_due", ""),
    ("commitments_settled", ""),
    ("fulfilled", ""),
    ("partial", ""),
    ("unfulfilled", ""),
    ("not_reported", ""),
    ("fulfilment_rate", "pct"),
    ("fulfilment_rate_change", "pct"),
    ("problems_identified", ""),
    ("problems_prev", ""),
    ("problems_rectified", ""),
    ("rectification_rate", "pct"),
    ("repeat_problems", ""),
    ("inspection_findings", ""),
    ("persons_held_accountable", ""),
)
REGION_COLUMNS = (
    ("region_code", ""),
    ("region_name", ""),
    ("level", "code:level"),
    ("province_name", ""),
    ("rating", "code:rating"),
    ("score", "score"),
    ("score_prev", "score"),
    ("score_change", "score"),
    ("commitments_due", ""),
    ("fulfilment_rate", "pct"),
    ("fulfilment_rate_change", "pct"),
    ("problems_identified", ""),
    ("problems_rectified", ""),
    ("repeat_problems", ""),
    ("inspection_findings", ""),
    ("persons_held_accountable", ""),
)


def _label(labels, key: str) -> str:
    if key.startswith("rating_"):
        return labels.code("rating", key.removeprefix("rating_"))
    return labels[key]


def _region_values(labels, r: dict) -> tuple[list, list[str]]:
    values, kinds = [], []
    for key, kind in REGION_COLUMNS:
        value = r.get(key)
        if kind.startswith("code:"):
            value = labels.code(kind.removeprefix("code:"), value)
            kind = ""
        values.append(value)
        kinds.append(kind)
    return values, kinds


def write(model, path: str | Path) -> Path:
    L = model.labels
    book = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    formats = {
        "header": book.add_format({"bold": True, "bg_color": "#E8ECF0", "text_wrap": True}),
        "pct": book.add_format({"num_format": "0.0%"}),
        "score": book.add_format({"num_format": "0.0"}),
    }
    book.set_properties({"title": f"{L['title']} {model.scope_name} {model.scope.year}"})

    # trends: the scope, year by year
    sheet = _Sheet(book, L["sheet_summary"], formats)
    sheet.header([L["year"], *(_label(L, k) for k, _ in MEASURE_COLUMNS)])
    for m in model.totals:
        sheet.values(
            [m["year"], *(m.get(k) for k, _ in MEASURE_COLUMNS)],
            ["", *(kind for _, kind in MEASURE_COLUMNS)],
        )
    sheet.finish()

    # units: province (or city) x year
    province_mode = model.scope.province_code is not None
    sheet = _Sheet(book, L["sheet_units"], formats)
    sheet.header(
        [
            L["region_code"],
            L["city"] if province_mode else L["province"],
            L["year"],
            *(_label(L, k) for k, _ in MEASURE_COLUMNS),
        ]
    )
    for u in model.units:
        for m in u["series"]:
            if m is None:
                continue
            sheet.values(
                [u["code"], u["name"], m["year"], *(m.get(k) for k, _ in MEASURE_COLUMNS)],
                ["", "", "", *(kind for _, kind in MEASURE_COLUMNS)],
            )
    sheet.finish()

    # the worst regressions
    sheet = _Sheet(book, L["sheet_regressions"], formats)
    sheet.header(["#", *(_label(L, k) for k, _ in REGION_COLUMNS)])
    for i, r in enumerate(model.regressions, 1):
        values, kinds = _region_values(L, r)
        sheet.values([i, *values], ["", *kinds])
    sheet.finish()

    # every source row behind the regressions (no cap)
    sheet = _Sheet(book, L["sheet_drilldown"], formats)
    sheet.header(
        [
            L["region_code"],
            L["region_name"],
            L["kind"],
            L["source_file"],
            L["source_sheet"],
            L["source_row"],
            L["key"],
            L["year"],
            L["detail"],
        ]
    )
    names = {r["region_code"]: r["region_name"] for r in model.regressions}
    for code, found in model.drill.items():
        for d in found:
            sheet.values(
                [
                    code,
                    names.get(code),
                    L["kind_" + d["kind"]],
                    d["file"],
                    d["sheet"] or "CSV",
                    d["row"],
                    d["key"],
                    d["year"],
                    d["detail"],
                ]
            )
    sheet.finish()

    # source files per unit
    sheet = _Sheet(book, L["sheet_sources"], formats)
    sheet.header([L["region_code"], L["unit"], L["source_file"], L["source_sheet"], L["rows"]])
    unit_names = {u["code"]: u["name"] for u in model.units}
    for code, found in model.unit_sources.items():
        for s in found:
            sheet.values(
                [code, unit_names.get(code, code), s["file"], s["sheet"] or "CSV", s["rows"]]
            )
    sheet.finish()

    # every region in scope, the year's numbers (the full list behind the HTML's top N)
    sheet = _Sheet(book, L["sheet_regions"], formats)
    sheet.header([_label(L, k) for k, _ in REGION_COLUMNS])
    for r in model.regions:
        values, kinds = _region_values(L, r)
        sheet.values(values, kinds)
    sheet.finish()

    book.close()
    return Path(path)
