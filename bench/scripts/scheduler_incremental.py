"""The incremental year under a real scheduler (`airflow standalone`: LocalExecutor, each task
its own process), against `make run`'s `airflow dags test` (every task in one process).

    uv run python bench/scripts/scheduler_incremental.py NATIONAL_DIR BASE_DIR WORK_DIR [--year 2025]

BASE_DIR holds a landing zone `raw/` with every file before `--year` and a warehouse
`warehouse/` built and published from it (e.g. the bench's incremental set-up, or
`pipeline.run_all(mode="full")` on such a landing zone). The warehouse is copied into WORK_DIR
and ingests BASE_DIR/raw once (nothing new: the files' fingerprints are remembered, as in a
landing zone filled long ago); the year's files are linked into BASE_DIR/raw (removed again
at the end); then
`airflow standalone` starts with the DAGs unpaused, the scheduled ingests load the new files
and their Assets trigger build_and_publish. Printed: every task's duration and the span from
the first DAG run's start to the last one's end (the scheduler's own start-up is not in it).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from year_files import arguments, year  # bench/scripts, beside this script

from evalwh.orchestrate import metadata_rows, standalone_env

national, base, work, new_year = arguments()
project = Path(__file__).resolve().parents[2]
raw = base / "raw"


def query(sql: str) -> list[tuple]:
    return metadata_rows(work / "home", sql)


shutil.rmtree(work, ignore_errors=True)
(work / "home").mkdir(parents=True)
shutil.copytree(base / "warehouse", work / "warehouse", symlinks=True)
os.environ.update(
    AIRFLOW_HOME=str(work / "home"),
    EVALWH_RAW_DIR=str(raw),
    EVALWH_WAREHOUSE_DIR=str(work / "warehouse"),
)
# the landing zone's files arrived long before the new year: their fingerprints are known
subprocess.run(
    [str(Path(sys.executable).with_name("evalwh")), "ingest"], check=True, capture_output=True
)
added = []
for path in sorted(national.rglob("*")):
    if path.is_file() and not path.name.startswith("_") and year(path) >= new_year:
        target = raw / path.relative_to(national)
        if not target.exists():
            os.link(path, target)
            added.append(target)
env = standalone_env()  # DAGs unpaused: the scheduled ingests start at once
os.sync()
log = (work / "standalone.log").open("w")
airflow = subprocess.Popen(
    [str(Path(sys.executable).with_name("airflow")), "standalone"],
    env=env,
    cwd=project,
    stdout=log,
    stderr=subprocess.STDOUT,
    start_new_session=True,
)
try:
    deadline, since = time.monotonic() + 1800, None
    while time.monotonic() < deadline:
        time.sleep(5)
        runs = query("select dag_id, state from dag_run")
        done = {d for d, _s in runs} == {
            "ingest_reports",
            "ingest_inspections",
            "build_and_publish",
        }
        busy = any(s in ("queued", "running") for _d, s in runs)
        since = (since or time.monotonic()) if done and not busy else None
        if since and time.monotonic() - since > 20:
            break
finally:
    os.killpg(airflow.pid, signal.SIGTERM)
    airflow.wait(timeout=120)
    log.close()
    for path in added:
        path.unlink()
for dag_id, run_type, state in query(
    "select dag_id, run_type, state from dag_run order by start_date"
):
    print(f"{dag_id} ({run_type}): {state}")
for dag_id, task_id, duration in query(
    "select dag_id, task_id, duration from task_instance order by start_date"
):
    print(f"  {dag_id}.{task_id}: {duration or 0:.1f} s")
(span,) = query(
    "select (julianday(max(end_date)) - julianday(min(start_date))) * 86400 from dag_run"
)[0]
print(f"DAG runs, first start to last end: {span:.1f} s")
