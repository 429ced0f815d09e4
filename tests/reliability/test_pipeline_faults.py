"""Faults around the published warehouse, with the real pipeline (evalwh.pipeline.run_all: ingest,
dbt build, Great Expectations gate, publish) in child processes:

* kill -9 during the dbt build, and during the publish copy (the moment the temp file beside
  the published one appears), and right after the atomic rename: analysts keep a whole,
  queryable version whose sha256 matches the sidecar and audit.published_versions; the next
  run publishes cleanly;
* two whole pipeline runs at once: the second waits for the first (or, with
  EVALWH_LOCK_WAIT_SECONDS=0, exits naming the holder); they never interleave.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from evalwh.config import Paths
from evalwh.config import paths as make_paths

from .conftest import REPO, q, shared_dir
from .procs import (
    IN_CREATE,
    IN_MOVED_TO,
    DirWatch,
    child_env,
    kill_group,
    read_line,
    session_commands,
    start,
    wait_measured,
)

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.timeout(600),
]

RUN_ALL = """
import sys
from evalwh.config import paths
from evalwh.pipeline import run_all
print("started", flush=True)
version = run_all(paths(sys.argv[1], sys.argv[2]))
print("published", version.version, version.sha256, flush=True)
"""


def run_all_child(p: Paths, **env: str):
    return start(RUN_ALL, str(p.raw_dir), str(p.warehouse_dir), env=child_env(**env))


def finish(proc, timeout: float = 300) -> tuple[int, str]:
    result = wait_measured(proc, timeout)
    assert result.returncode == 0, result.stderr[-4000:]
    line = [ln for ln in result.stdout.splitlines() if ln.startswith("published")][-1]
    _, version, digest = line.split()
    return int(version), digest


@pytest.fixture(scope="session")
def published_v1(tmp_path_factory) -> Paths:
    """The repo's sample, run through the whole pipeline once per test run: version 1."""

    def build(root: Path) -> None:
        shutil.copytree(REPO / "raw", root / "raw")
        assert finish(run_all_child(make_paths(root / "raw", root / "wh")))[0] == 1

    root = shared_dir(tmp_path_factory, "published_v1", build)
    return make_paths(root / "raw", root / "wh")


@pytest.fixture
def wh(published_v1: Paths, tmp_path: Path) -> Paths:
    """A private copy of the version-1 warehouse (symlinks kept: published/parquet is one)."""
    shutil.copytree(published_v1.warehouse_dir, tmp_path / "wh", symlinks=True)
    return make_paths(published_v1.raw_dir, tmp_path / "wh")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_whole_version(p: Paths, version: int) -> str:
    """The published file is `version`, whole: its sha256 is the sidecar's and the one the
    system of record holds, and analysts can query it."""
    digest = sha256(p.published_db)
    sidecar = p.published_db.with_name(p.published_db.name + ".sha256").read_text()
    assert sidecar == f"{digest}  {p.published_db.name}\n"
    assert q(p.ingest_db, "select version, sha256 from audit.published_versions order by 1")[
        -1
    ] == (version, digest)
    with duckdb.connect(str(p.published_db), read_only=True) as con:
        assert con.execute("select max(version) from audit.published_versions").fetchall() == [
            (version,)
        ]
        tables = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'marts'"
        ).fetchall()[0][0]
        assert tables >= 10  # the ten tables of warehouse.md (and any added since)
        assert con.execute("select count(*) from marts.fct_commitment").fetchall()[0][0] > 0
    return digest


class DbtLog:
    """dbt's log file of a warehouse (`--log-path`), read from where it ends now."""

    def __init__(self, p: Paths) -> None:
        self.path = p.warehouse_dir / "dbt" / "logs" / "dbt.log"
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def wait_for(self, text: str, alive, timeout: float) -> None:
        """Until `text` appears in what dbt writes from now on (each poll reads only what is
        new; a line may arrive in two reads)."""
        deadline, wanted, seen = time.monotonic() + timeout, text.encode(), b""
        while wanted not in seen:
            assert alive(), "the pipeline ended before dbt logged " + repr(text)
            assert time.monotonic() < deadline, "dbt never logged " + repr(text)
            time.sleep(0.05)
            if not self.path.exists():
                continue
            if self.path.stat().st_size < self.offset:  # dbt rotated its log
                self.offset = 0
            with self.path.open("rb") as f:
                f.seek(self.offset)
                new = f.read()
            self.offset += len(new)
            seen = seen[-len(wanted) :] + new


def test_kill_during_dbt_build_leaves_the_published_version_whole(wh):
    before = assert_whole_version(wh, 1)
    log = DbtLog(wh)
    proc = run_all_child(wh)
    # kill once dbt has built a table into the staging file, not after a fixed sleep: the
    # build got shorter pass after pass, and a sleep would one day outlast it
    log.wait_for("OK created sql table model", alive=lambda: proc.poll() is None, timeout=240)
    assert any("dbt" in c for c in session_commands(proc.pid)), "dbt already finished"
    kill_group(proc)
    assert wait_measured(proc, 60).returncode == -9
    # dbt died with it (SIGKILL reached the whole session; the kernel may need a moment to
    # finish off the grandchildren after the direct child is reaped)
    gone_by = time.monotonic() + 10
    while session_commands(proc.pid) and time.monotonic() < gone_by:
        time.sleep(0.05)
    assert session_commands(proc.pid) == []
    assert assert_whole_version(wh, 1) == before
    # the next run publishes cleanly
    assert finish(run_all_child(wh))[0] == 2
    assert_whole_version(wh, 2)


@pytest.mark.parametrize("moment", ["temp-file-created", "just-after-rename"])
def test_kill_during_publish_leaves_a_whole_version_and_the_next_run_reconciles(wh, moment):
    before = assert_whole_version(wh, 1)
    watch = DirWatch(wh.published_db.parent)
    try:
        proc = run_all_child(wh)
        if moment == "temp-file-created":
            watch.wait_for(
                lambda mask, name: mask & IN_CREATE and name.startswith(".evaluation.duckdb.tmp"),
                timeout=240,
                alive=lambda: proc.poll() is None,
            )
        else:
            watch.wait_for(
                lambda mask, name: mask & IN_MOVED_TO and name == "evaluation.duckdb",
                timeout=240,
                alive=lambda: proc.poll() is None,
            )
        kill_group(proc)
    finally:
        watch.close()
    assert wait_measured(proc, 60).returncode == -9
    if moment == "temp-file-created":
        # the old version, byte for byte; the half-written temp file beside it is not it
        assert list(wh.published_db.parent.glob(".evaluation.duckdb.tmp-*"))
        assert assert_whole_version(wh, 1) == before
    else:
        # the new file is in place and whole; the system of record does not know it yet
        with duckdb.connect(str(wh.published_db), read_only=True) as con:
            assert con.execute("select max(version) from audit.published_versions").fetchall()[
                0
            ] == (2,)
            assert con.execute("select count(*) from marts.fct_commitment").fetchall()[0][0] > 0
    version, _digest = finish(run_all_child(wh))
    assert version == (2 if moment == "temp-file-created" else 3)
    assert_whole_version(wh, version)
    versions = q(wh.ingest_db, "select version, sha256 is not null from audit.published_versions")
    assert sorted(versions) == [(v, True) for v in range(1, version + 1)]
    assert not list(wh.published_db.parent.glob(".evaluation.duckdb.tmp-*"))


def test_two_pipeline_runs_at_once_one_waits_for_the_other(wh):
    first = run_all_child(wh)
    assert read_line(first).strip() == "started"
    time.sleep(1.0)  # the first holds the run lock by now (it takes it before ingesting)
    second = run_all_child(wh)
    v_first, _ = finish(first)
    v_second, _ = finish(second)
    assert (v_first, v_second) == (2, 3)
    assert_whole_version(wh, 3)
    # never interleaved: the second run started ingesting after the first had published
    published_v2 = q(
        wh.ingest_db, "select published_at from audit.published_versions where version = 2"
    )
    runs = q(wh.ingest_db, "select started_at from audit.load_runs order by started_at")
    assert len(runs) == 3 and runs[-1][0] > published_v2[0][0]


def test_a_second_run_told_not_to_wait_exits_naming_the_holder(wh):
    first = run_all_child(wh)
    assert read_line(first).strip() == "started"
    time.sleep(1.0)
    second = run_all_child(wh, EVALWH_LOCK_WAIT_SECONDS="0")
    refused = wait_measured(second, 120)
    assert refused.returncode == 1
    assert "PipelineLockedError" in refused.stderr
    assert f"held by pid {first.code_pid}" in refused.stderr
    assert finish(first)[0] == 2
    assert_whole_version(wh, 2)
    assert (
        len(q(wh.ingest_db, "select * from audit.load_runs")) == 2
    )  # the refused run wrote nothing


def test_readers_during_a_real_pipeline_publish_see_one_whole_version_each_time(wh):
    """The publish tests (tests/publish) swap fixture files under readers in one process; here
    the whole pipeline publishes from its own process while two reader processes query the
    published file in a loop: no error, every answer from one version."""
    import multiprocessing as mp

    from evalwh.quality.testing import reader_loop

    ctx = mp.get_context("spawn")
    stop, out = ctx.Event(), ctx.Queue()
    readers = [
        ctx.Process(
            target=reader_loop, args=(str(wh.published_db), "marts.fct_commitment", stop, out)
        )
        for _ in range(2)
    ]
    for reader in readers:
        reader.start()
    try:
        time.sleep(1.5)
        assert finish(run_all_child(wh))[0] == 2
        time.sleep(0.5)
    finally:
        stop.set()
        results = [out.get(timeout=60) for _ in readers]
        for reader in readers:
            reader.join(timeout=30)
    errors = [e for _, errs, _ in results for e in errs]
    assert errors == []
    assert sum(n for n, _, _ in results) > 50
    seen = {tuple(pair) for _, _, pairs in results for pair in pairs}
    assert {v for v, _ in seen} == {1, 2}
    counts = q(wh.published_db, "select count(*) from marts.fct_commitment")[0][0]
    assert all(n == counts for _, n in seen)  # same data, rebuilt: each answer whole
