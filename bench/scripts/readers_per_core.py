"""Whether running more readers than cores makes the same reading cost more CPU.

    uv run python bench/scripts/readers_per_core.py REPORTS_DIR [--every 6]

Reads every n-th workbook with python-calamine (every sheet to Python, as the parse floor does)
in 1, 2 and 3 processes, twice, and prints the wall time and the CPU the processes used. On
this 2-core machine the CPU stays the same: CPU figures of the ingest's processes add up as
they are, however many run at once.
"""

from __future__ import annotations

import argparse
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from python_calamine import CalamineWorkbook


def read(path: Path) -> int:
    book = CalamineWorkbook.from_path(str(path))
    return sum(len(book.get_sheet_by_name(n).to_python()) for n in book.sheet_names)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("reports")
    parser.add_argument("--every", type=int, default=6, help="take every n-th workbook")
    args = parser.parse_args()
    files = sorted(Path(args.reports).glob("*.xlsx"))[:: args.every]
    for processes in (1, 2, 3, 1, 2, 3):
        before, started = children_cpu(), time.perf_counter()
        with ProcessPoolExecutor(processes) as pool:
            rows = sum(pool.map(read, files, chunksize=1))
        print(
            f"{processes} process(es): wall {time.perf_counter() - started:.1f} s, "
            f"CPU {children_cpu() - before:.1f} s, {len(files)} workbooks, {rows:,} rows"
        )
