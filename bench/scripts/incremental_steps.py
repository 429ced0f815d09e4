"""The incremental year's steps in one process, as `make run` runs them, each timed.

    uv run python bench/scripts/incremental_steps.py NATIONAL_DIR BASE_DIR WORK_DIR [--year 2025]

BASE_DIR holds a landing zone `raw/` with every file before `--year` and a warehouse
`warehouse/` built and published from it (as for scheduler_incremental.py, e.g. by
`pipeline.run_all(mode="full")` on such a landing zone). The warehouse is copied into
WORK_DIR, the year's files are linked into BASE_DIR/raw (removed again at the end), and the
steps run one after another in this process: ingest of the reports, of the exports, prepare,
dbt, audit and gate, publish, report. Printed: each step's wall and CPU seconds (the dbt
step's CPU is this process's, not dbt's subprocess).

Set EVALWH_TASKS_SHARE_A_PROCESS=1 to run the steps as `make run` does (the gate's import
while dbt builds, `pipeline.while_dbt_builds`); unset, as a scheduler's separate processes
would (but in one process). Alternate the two to compare.
"""

from __future__ import annotations

import json
import os
import shutil
import time

from year_files import arguments, year  # bench/scripts, beside this script

from evalwh import config, pipeline

national, base, work, new_year = arguments()
raw = base / "raw"


shutil.rmtree(work, ignore_errors=True)
work.mkdir(parents=True)
shutil.copytree(base / "warehouse", work / "warehouse", symlinks=True)
paths = config.paths(raw, work / "warehouse")
added = []
for path in sorted(national.rglob("*")):
    if path.is_file() and not path.name.startswith("_") and year(path) == new_year:
        target = raw / path.relative_to(national)
        target.unlink(missing_ok=True)
        os.link(path, target)
        added.append(target)
os.sync()  # the copy's write-back would otherwise slow the steps' fsyncs

seconds: dict[str, tuple[float, float]] = {}


def step(name: str, run):
    wall, cpu = time.perf_counter(), time.process_time()
    out = run()
    seconds[name] = (round(time.perf_counter() - wall, 2), round(time.process_time() - cpu, 2))
    print(f"{name}: {seconds[name][0]} s wall, {seconds[name][1]} s CPU", flush=True)
    return out


try:
    loaded = step("ingest_reports", lambda: pipeline.ingest(paths, kinds=("reports",)))
    step("ingest_exports", lambda: pipeline.ingest(paths, kinds=("inspections",)))
    step("prepare", lambda: pipeline.prepare_build(paths, mode="incremental"))
    step("dbt_build", lambda: pipeline.dbt_build(paths))
    gate = step("audit_and_gate", lambda: pipeline.audit_and_gate(paths, loaded.run_id))
    step("publish", lambda: pipeline.publish(gate, paths, loaded.run_id))
    step("report", lambda: pipeline.write_report(paths))
finally:
    for path in added:
        path.unlink()
shares = config.tasks_share_a_process()
print(json.dumps({"tasks_share_a_process": shares, "seconds": seconds}))
