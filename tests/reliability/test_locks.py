"""`evalwh ingest` while another process holds the pipeline lock (a build taking its snapshot,
a publish, Airflow's ingest task): it waits, or with EVALWH_LOCK_WAIT_SECONDS=0 exits clearly,
naming the holder. Never two writers of the ingest DB."""

from __future__ import annotations

import datetime as dt
import json

from tests.ingest.builders import cover, report_tables, write_workbook

from .procs import child_env, read_line, start, wait_measured

HOLDER = """
import sys, time
from evalwh.locking import pipeline_lock
with pipeline_lock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
print("released", time.time(), flush=True)
"""
CLI = "import sys; from evalwh.cli import main; sys.exit(main())"


def test_cli_ingest_waits_for_the_lock_holder_or_exits_naming_it(tmp_path):
    raw, wh = tmp_path / "raw", tmp_path / "wh"
    write_workbook(raw / "reports" / "2016.xlsx", cover(2016), report_tables(2016))
    holder = start(HOLDER, str(wh / ".pipeline.lock"), "3")
    assert read_line(holder) == "locked\n"
    args = ("--raw-dir", str(raw), "--warehouse-dir", str(wh), "ingest", "--json")

    refused = wait_measured(start(CLI, *args, env=child_env(EVALWH_LOCK_WAIT_SECONDS="0")), 60)
    assert refused.returncode == 1
    assert f"held by pid {holder.code_pid}" in refused.stderr
    assert "another ingest/build/publish run is in progress" in refused.stderr
    assert not (wh / "ingest" / "ingest.duckdb").exists()  # it wrote nothing

    waiting = start(CLI, *args, env=child_env(EVALWH_LOCK_WAIT_SECONDS="60"))
    released = float(read_line(holder, 30).split()[1])
    result = wait_measured(waiting, 120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["files_loaded"] == 1
    started = dt.datetime.fromisoformat(json.loads(result.stdout)["started_at"])
    assert started >= dt.datetime.fromtimestamp(released)  # it began only after the holder let go
    assert wait_measured(holder, 30).returncode == 0


def test_a_second_make_run_says_who_holds_the_run_lock(tmp_path):
    """`make run` (python -m evalwh.orchestrate run) takes the run lock before anything else:
    told not to wait, a second one exits naming the first, having started nothing."""
    wh = tmp_path / "wh"
    holder = start(HOLDER, str(wh / ".run.lock"), "30")
    try:
        assert read_line(holder) == "locked\n"
        env = child_env(
            EVALWH_WAREHOUSE_DIR=str(wh),
            EVALWH_RAW_DIR=str(tmp_path / "raw"),
            AIRFLOW_HOME=str(tmp_path / "airflow_home"),
            EVALWH_LOCK_WAIT_SECONDS="0",
        )
        second = wait_measured(
            start("from evalwh.orchestrate import main; main()", "run", env=env), 60
        )
        assert second.returncode == 1
        assert f"held by pid {holder.code_pid}" in second.stderr
        assert not (tmp_path / "airflow_home").exists()  # nothing started
    finally:
        from .procs import kill_group

        kill_group(holder)
        wait_measured(holder, 30)
