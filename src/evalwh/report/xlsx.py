"""The report's tables as an .xlsx, for auditors who filter and sort.

Every text cell goes through `evalwh.export_safety.neutralise` and is written with
`write_string`; numbers with `write_number`; nothing with `write()`, which would turn text
starting with "=" into a formula (a region named "=HYPERLINK(...)" stays text).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import RE_LEADING_WHITESPACE, RE_TRAILING_WHITESPACE, xl_col_to_name

from evalwh.export_safety import neutralise

WIDTH_SAMPLE_ROWS = 300
FAST_ROWS = True  # `_RowWriter` past the width sample rows (off: every cell through the API)

# text xlsxwriter writes as it is: nothing it escapes (control characters, its _xHHHH_
# escapes, XML specials, non-characters), no leading or trailing space, no rich string
_NOT_PLAIN = re.compile('[\x00-\x08\x0b-\x1f&<>"\n\ufffe\uffff]|_x')


class _RowWriter:
    """Whole rows straight into the worksheet's row file, exactly as xlsxwriter writes them in
    constant_memory mode: its own <row> tag and, per cell, the <c> element its `_write_cell`
    makes for a number (format and all) or a plain inline string.

    xlsxwriter's per-cell path (write_number -> _write_single_row -> _write_cell ->
    _xml_number_element) is three quarters of the workbook's time at national scale (41,569 rows
    of 16 cells); this writes the same bytes at a fraction of the cost. It uses xlsxwriter's
    internals (`_write_single_row`, `_write_row`, `_check_dimensions`, `fh`; the version is
    pinned in uv.lock), so `test_fast_rows_write_what_xlsxwriter_writes` writes rows both ways
    and compares the sheets' XML byte for byte. A row holding anything else (a date, a bool,
    a non-finite number, text that needs escaping) returns False, and `_Sheet` writes it the
    ordinary way.
    """

    def __init__(self, ws) -> None:
        self.ws = ws
        self.letters: list[str] = []

    @staticmethod
    def usable(ws) -> bool:
        return bool(
            FAST_ROWS
            and ws.constant_memory
            and not ws.col_info  # no column formats: a cell without a format has no s=""
            and ws.excel_version == 2007
            and ws.default_row_height == ws.original_row_height
            and all(
                hasattr(ws, name)
                for name in ("_write_single_row", "_write_row", "_check_dimensions", "fh")
            )
        )

    def row(self, r: int, values: Sequence, formats: Sequence) -> bool:
        ws = self.ws
        if r in ws.row_info or r in ws.comments or r >= ws.xls_rowmax:
            return False
        if len(values) > len(self.letters):
            self.letters = [xl_col_to_name(c) for c in range(min(len(values), ws.xls_colmax))]
            if len(values) > len(self.letters):
                return False
        # the row before, as xlsxwriter writes it (its formats get their indexes first)
        ws._write_single_row(r)
        n = r + 1
        parts = []
        first = last = -1
        for col, value in enumerate(values):
            t = type(value)
            if t is str:
                if not value:
                    continue
                text = neutralise(value)
                if (
                    len(text) > ws.xls_strmax // 2
                    or _NOT_PLAIN.search(text)
                    or RE_LEADING_WHITESPACE.search(text)
                    or RE_TRAILING_WHITESPACE.search(text)
                ):
                    return False
                parts.append(
                    f'<c r="{self.letters[col]}{n}" t="inlineStr"><is><t>{text}</t></is></c>'
                )
            elif t is float or t is int:
                number = float(value)
                if not math.isfinite(number):
                    return False
                fmt = formats[col]
                if fmt is None:
                    parts.append(f'<c r="{self.letters[col]}{n}"><v>{number:.16G}</v></c>')
                else:
                    parts.append(
                        f'<c r="{self.letters[col]}{n}" s="{fmt._get_xf_index()}">'
                        f"<v>{number:.16G}</v></c>"
                    )
            elif value is None:
                continue
            else:
                return False
            if first < 0:
                first = col
            last = col
        if parts:
            ws._check_dimensions(r, first)
            ws._check_dimensions(r, last)
            ws._write_row(r, None)
            ws.fh.write("".join(parts))
            ws._xml_end_tag("row")
        return True


class _Sheet:
    def __init__(self, book: xlsxwriter.Workbook, name: str, formats: dict) -> None:
        self.ws = book.add_worksheet(name[:31])
        self.formats = formats
        self.row = 0
        self.widths: dict[int, float] = {}
        self.fast = _RowWriter(self.ws) if _RowWriter.usable(self.ws) else None
        self._row_formats: tuple[Sequence[str] | None, list] = (None, [])

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
        if self.row <= WIDTH_SAMPLE_ROWS:
            for col, value in enumerate(values):
                self.cell(col, value, kinds[col] if kinds else "")
            self.row += 1
            return
        # past the rows that set the widths: the same cells as `cell` writes, without its
        # per-cell width and kind bookkeeping (the workbook's 41,569 regions at national scale)
        if self.fast is not None:
            known, formats = self._row_formats
            if known is not kinds:
                formats = [self.formats.get(k) for k in kinds] if kinds else [None] * len(values)
                self._row_formats = (kinds, formats)
            if len(formats) >= len(values) and self.fast.row(self.row, values, formats):
                self.row += 1
                return
        ws, r, formats = self.ws, self.row, self.formats
        for col, value in enumerate(values):
            t = type(value)
            if t is str:
                if value:
                    ws.write_string(r, col, neutralise(value))
            elif t is float or t is int:
                ws.write_number(r, col, float(value), formats.get(kinds[col]) if kinds else None)
            elif value is not None:
                self.cell(col, value, kinds[col] if kinds else "")
            # None and "": nothing (write_blank without a format writes no cell)
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


REGION_KINDS = ["" if kind.startswith("code:") else kind for _, kind in REGION_COLUMNS]


def _region_rows(labels, regions: list[dict]):
    """The cells of REGION_COLUMNS for each region (codes as their labels)."""
    keys = [key for key, _ in REGION_COLUMNS]
    coded = [
        (i, kind.removeprefix("code:"), {})
        for i, (_, kind) in enumerate(REGION_COLUMNS)
        if kind.startswith("code:")
    ]
    for r in regions:
        values = [r.get(key) for key in keys]
        for i, prefix, known in coded:
            code = values[i]
            label = known.get(code)
            if label is None:
                label = known[code] = labels.code(prefix, code)
            values[i] = label
        yield values


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
    for i, values in enumerate(_region_rows(L, model.regressions), 1):
        sheet.values([i, *values], ["", *REGION_KINDS])
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
    for values in _region_rows(L, model.regions):
        sheet.values(values, REGION_KINDS)
    sheet.finish()

    book.close()
    return Path(path)
