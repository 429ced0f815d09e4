"""CPU to read every sheet of every n-th national workbook: python-calamine into Python lists
(the chosen reader, what the parse floor and the ingest use) against fastexcel into Arrow
string columns (calamine's parser too, no Python object per cell; not a project dependency),
and the ingest's own second pass over each sheet's XML for the cells Excel stored as errors
(`workbook.error_cells`), which both readers hand over like empty cells.

    uv run --with fastexcel python bench/scripts/reader_candidates.py bench/cache/national/reports

Alternated, twice each. Both read the same sheets and rows. `--every 1` is the whole national
set (docs/ingest-at-1.5x.md).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import fastexcel
from python_calamine import CalamineWorkbook

from evalwh.ingest.workbook import error_cells

parser = argparse.ArgumentParser()
parser.add_argument("reports")
parser.add_argument("--every", type=int, default=6, help="take every n-th workbook")
args = parser.parse_args()
files = sorted(Path(args.reports).glob("*.xlsx"))[:: args.every]


def calamine_to_python() -> int:
    rows = 0
    for path in files:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            rows += len(book.get_sheet_by_name(name).to_python(skip_empty_area=False))
    return rows


def fastexcel_to_arrow() -> int:
    rows = 0
    for path in files:
        book = fastexcel.read_excel(str(path))
        for name in book.sheet_names:
            sheet = book.load_sheet(name, header_row=None, dtypes="string")
            rows += sheet.to_arrow().num_rows
    return rows


def error_cell_scan() -> int:
    return sum(len(cells) for path in files for cells in error_cells(path).values())


for read in (calamine_to_python, fastexcel_to_arrow, error_cell_scan) * 2:
    started = time.process_time()
    rows = read()
    print(
        f"{read.__name__}: {len(files)} workbooks, {rows:,} rows (error cells for the scan), "
        f"{time.process_time() - started:.2f} s CPU"
    )
