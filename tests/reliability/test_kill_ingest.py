"""kill -9 the ingestion midway, then run it again: every file loaded exactly once, nothing
lost, nothing doubled, and the audit trail says the killed run was interrupted."""

from __future__ import annotations

import time

import pytest

from evalwh.ingest.load import ingest
from evalwh.store import RAW_TABLES

from .conftest import fingerprint, q
from .procs import child_env, kill_group, read_line, start, wait_measured

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(300)]

INGEST_CHILD = """
import sys
from evalwh.config import paths
from evalwh.ingest.load import ingest

def progress(done, total, rel):
    print("done", done, total, rel, flush=True)

print("started", flush=True)
ingest(paths(sys.argv[1], sys.argv[2]), run_id=sys.argv[3], workers=int(sys.argv[4]),
       progress=progress)
print("finished", flush=True)
"""


def _kill_after(proc, files_done: int, delay: float) -> str:
    """Read progress lines until `files_done` files are committed, wait `delay`, kill -9."""
    line = ""
    while files_done > 0:
        line = read_line(proc)
        assert line, f"the ingest ended before it was killed: {proc.err}"
        if line.startswith("done"):
            files_done -= 1
    time.sleep(delay)
    kill_group(proc)
    return line


@pytest.mark.parametrize(
    ("workers", "files_done", "delay"),
    [(1, 1, 0.0), (1, 3, 0.15), (2, 1, 0.3), (1, 20, 0.02)],
    ids=["after-first-file", "inside-a-large-workbook", "two-workers", "among-the-csvs"],
)
def test_killed_ingest_reruns_to_exactly_the_clean_result(
    landing, tmp_path, workers, files_done, delay
):
    p = landing.fresh(tmp_path)
    proc = start(
        INGEST_CHILD, str(p.raw_dir), str(p.warehouse_dir), "killed-run", str(workers),
        env=child_env(),
    )  # fmt: skip
    assert read_line(proc).strip() == "started"
    _kill_after(proc, files_done, delay)
    result = wait_measured(proc, timeout=60)
    assert result.returncode == -9, result.stderr[-2000:]

    rerun = ingest(p)
    assert fingerprint(p) == fingerprint(landing.baseline)

    db = p.ingest_db
    # every file exactly once, every row exactly once
    assert q(db, "select path from audit.source_files group by path having count(*) > 1") == []
    for table in RAW_TABLES:
        key = "source_file, row_number" + (", sheet" if table != "inspection_findings" else "")
        dupes = q(db, f"select {key} from raw.{table} group by all having count(*) > 1")
        assert dupes == [], table
    # the audit trail: the killed run is interrupted and counts what it committed
    runs = dict(q(db, "select run_id, status from audit.load_runs"))
    assert runs == {"killed-run": "interrupted", rerun.run_id: "succeeded"}
    killed = q(
        db,
        "select files_loaded, files_quarantined, message from audit.load_runs "
        "where run_id = 'killed-run'",
    )[0]
    loaded, quarantined, recorded = q(
        db,
        "select count(*) filter (status in ('loaded', 'superseded')), "
        "count(*) filter (status = 'quarantined'), count(*) "
        "from audit.source_files where run_id = 'killed-run'",
    )[0]
    assert killed[:2] == (loaded, quarantined)
    assert recorded >= files_done  # each progress line came after its file's commit
    assert killed[2].startswith("interrupted:")
    assert rerun.files_seen == rerun.files_already_seen + rerun.files_loaded + (
        rerun.files_duplicate + rerun.files_quarantined
    )


CLI_CHILD = """
import sys
from evalwh.ingest import load

run_ingest = load.ingest

def ingest(*args, progress=None, **kwargs):  # `evalwh ingest`'s own, saying what it committed
    def say(done, total, rel):
        print("done", done, total, rel, flush=True)
        if progress is not None:
            progress(done, total, rel)
    return run_ingest(*args, progress=say, **kwargs)

load.ingest = ingest
from evalwh.cli import main
sys.exit(main())
"""


def test_killed_cli_ingest_reruns_to_exactly_the_clean_result(landing, tmp_path):
    """The same through the command line (`evalwh ingest`), killed once it has committed its
    first file. (Killed by the clock, 2.5 s after its start, it had finished by then once the
    environment's bytecode was compiled: a kill must follow the ingest, not a guess.)"""
    p = landing.fresh(tmp_path)
    proc = start(
        CLI_CHILD, "--raw-dir", str(p.raw_dir), "--warehouse-dir", str(p.warehouse_dir), "ingest"
    )
    _kill_after(proc, 1, 0.0)
    assert wait_measured(proc, timeout=60).returncode == -9
    ingest(p)
    assert fingerprint(p) == fingerprint(landing.baseline)
    statuses = sorted(s for (s,) in q(p.ingest_db, "select status from audit.load_runs"))
    assert statuses == ["interrupted", "succeeded"]
