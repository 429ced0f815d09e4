"""What the incremental-year scripts share: their arguments and the reporting year of a
national file (a workbook's 年度, an export's findings_<year>)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path


def year(path: Path) -> int:
    match = re.search(r"(\d{4})年度", path.name) or re.search(r"findings_(\d{4})", path.name)
    return int(match[1]) if match else 0


def arguments() -> tuple[Path, Path, Path, int]:
    """NATIONAL_DIR BASE_DIR WORK_DIR [--year 2025], as paths and the year."""
    parser = argparse.ArgumentParser()
    parser.add_argument("national")
    parser.add_argument("base")
    parser.add_argument("work")
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()
    return Path(args.national), Path(args.base), Path(args.work), args.year
