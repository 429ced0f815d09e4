"""Where a whole ingest's time goes: the writer's steps (wall), the time it waits for the
parser workers, and the CPU of the writer against the workers'.

    uv run python bench/scripts/ingest_cpu_split.py RAW_DIR SCRATCH_WAREHOUSE [--workers 2]

SCRATCH_WAREHOUSE is emptied first. Example (the national set):

    uv run python bench/scripts/ingest_cpu_split.py bench/cache/national /tmp/ingwh
"""

from __future__ import annotations

import argparse
import collections
import resource
import shutil
import time
from concurrent.futures import Future

from evalwh import config
from evalwh.ingest import load

parser = argparse.ArgumentParser()
parser.add_argument("raw_dir")
parser.add_argument("warehouse_dir")
parser.add_argument("--workers", type=int, default=2)
args = parser.parse_args()

seconds: collections.Counter = collections.Counter()
calls: collections.Counter = collections.Counter()


def timed(owner, name: str) -> None:
    original = getattr(owner, name)

    def wrapper(*a, **k):
        started = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            seconds[name] += time.perf_counter() - started
            calls[name] += 1

    setattr(owner, name, wrapper)


for method in ("workbook", "export", "reconcile_links", "order_exports", "_insert"):
    timed(load.Loader, method)
timed(load, "with_tx")
timed(load, "sha256_of")
timed(Future, "result")  # the writer waiting for a parsed file

shutil.rmtree(args.warehouse_dir, ignore_errors=True)
paths = config.paths(args.raw_dir, args.warehouse_dir)
started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
summary = load.ingest(paths, workers=args.workers)
after = resource.getrusage(resource.RUSAGE_SELF)
children = resource.getrusage(resource.RUSAGE_CHILDREN)
writer = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
wall = time.perf_counter() - started
workers = children.ru_utime + children.ru_stime
print(
    f"wall {wall:.1f} s, {summary.rows_loaded:,} rows; CPU: writer {writer:.1f} s, workers "
    f"{workers:.1f} s; cores busy on average {(writer + workers) / wall:.2f}"
)
for name, total in seconds.most_common():
    print(f"{total:8.2f} s {calls[name]:6d} x {name}")
