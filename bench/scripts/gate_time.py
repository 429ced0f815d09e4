"""How long the Great Expectations gate takes on a built warehouse (after its import).

    uv run python bench/scripts/gate_time.py WAREHOUSE_DIR [--rounds 3]

WAREHOUSE_DIR is a copy of a warehouse whose staging file dbt built: for example
`cp -r bench/cache/incremental/warehouse /tmp/gw`, which `make bench` left after the
incremental year. `quality.validate` runs as `audit_and_gate` runs it, with the build plan's
rebuilt years, and validates the copy's staging file against its published one. To compare
two commits, run this under each (a git worktree and `PYTHONPATH=<worktree>/src`), alternated.
"""

from __future__ import annotations

import argparse
import time

import great_expectations  # noqa: F401 (imported before the clock starts)

from evalwh import config
from evalwh.pipeline import read_build_plan, snapshot_db
from evalwh.quality import validate

parser = argparse.ArgumentParser()
parser.add_argument("warehouse_dir")
parser.add_argument("--rounds", type=int, default=3)
args = parser.parse_args()

paths = config.paths(config.PROJECT_DIR / "raw", args.warehouse_dir)
plan = read_build_plan(paths)
for round_ in range(1, args.rounds + 1):
    started = time.perf_counter()
    result = validate(
        paths.staging_db,
        paths.published_db if paths.published_db.exists() else None,
        paths.data_docs_dir,
        ingest_db=snapshot_db(paths),
        run_id=f"gate-time-{round_}",
        partition_years=plan["rebuild_years"],
    )
    print(
        f"round {round_}: {time.perf_counter() - started:.2f} s, {result.summary().splitlines()[0]}",
        flush=True,
    )
