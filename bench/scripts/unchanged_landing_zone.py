"""An ingest with nothing new, three times: the first reads and hashes every file (page cache
dropped first, when permitted), the next ones find them by their remembered fingerprints.

    uv run python bench/scripts/unchanged_landing_zone.py RAW_DIR WAREHOUSE_DIR

WAREHOUSE_DIR must hold an ingest DB that has loaded RAW_DIR already (a copy: it is written).
"""

from __future__ import annotations

import subprocess
import sys
import time

from evalwh import config
from evalwh.ingest import load

paths = config.paths(sys.argv[1], sys.argv[2])
subprocess.run("sync; echo 1 > /proc/sys/vm/drop_caches", shell=True, check=False)
for attempt in range(1, 4):
    started = time.perf_counter()
    summary = load.ingest(paths, workers=2)
    print(
        f"run {attempt}: {time.perf_counter() - started:.2f} s, "
        f"{summary.files_seen} files, nothing new: {summary.nothing_new}"
    )
