"""Publishing: refuse without a passed gate, atomic swap, audit rows, sidecar, Parquet, lock."""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import stat
import subprocess
import sys
import textwrap
import time

import duckdb
import pyarrow.parquet as pq
import pytest

from evalwh import publish as pub
from evalwh.publish import (
    GateNotPassedError,
    PipelineLockedError,
    copy_audit_into,
    pipeline_lock,
    publish,
)
from evalwh.quality.testing import build_fixture, passing_gate, reader_loop

from .conftest import count, restage

MART_TABLES = {
    "dim_region", "dim_official", "dim_category", "dim_year", "fct_commitment", "fct_problem",
    "fct_evaluation", "fct_inspection_finding", "commitment_vs_outcome", "region_year_trend",
}  # fmt: skip


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def do_publish(wh, gate=None, run_id=None, **kw):
    p = wh.paths
    return publish(
        p.staging_db, p.published_db, p.ingest_db, run_id or wh.run_id, gate or passing_gate(), **kw
    )


def test_copy_audit_into_keeps_only_marts_and_audit_and_no_views(tmp_path):
    fx = build_fixture(tmp_path / "wh", dim_year_as_view=True)  # dim_year: view over ingest
    copy_audit_into(fx.paths.staging_db, fx.paths.ingest_db)
    db = fx.paths.staging_db
    assert not db.with_name(db.name + ".wal").exists()
    with duckdb.connect(str(db), read_only=True) as con:  # nothing attached now
        schemas = {
            r[0] for r in con.execute("select distinct schema_name from duckdb_tables()").fetchall()
        }
        assert schemas == {"marts", "audit"}
        assert con.execute("select count(*) from duckdb_views() where not internal").fetchall() == [
            (0,)
        ]
        tables = {
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        }
        assert tables == MART_TABLES
        assert con.execute("select count(*) from marts.dim_year").fetchall() == [(3,)]
        audit = {
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'audit'"
            ).fetchall()
        }
        assert audit == set(pub.AUDIT_TABLES)
        assert con.execute("select count(*) from audit.source_files").fetchall()[0][0] > 0


def test_published_versions_recorded_with_sha256(wh, template):
    v1 = do_publish(wh)
    p = wh.paths
    assert v1.version == 1 and v1.sha256 == sha(p.published_db)
    restage(wh, template)
    v2 = do_publish(wh, run_id=wh.run_id)
    assert v2.version == 2 and v2.sha256 == sha(p.published_db) != v1.sha256
    # system of record: every version with its file's hash, and the run marked published
    assert count(
        p.ingest_db, "select version, sha256 from audit.published_versions order by 1"
    ) == [(1, v1.sha256), (2, v2.sha256)]
    assert count(p.ingest_db, "select published from audit.load_runs") == [(True,)]
    # the published file: earlier versions carry their hash, its own row has NULL
    assert count(
        p.published_db, "select version, sha256 from audit.published_versions order by 1"
    ) == [(1, v1.sha256), (2, None)]
    assert p.published_db.with_name("evaluation.duckdb.sha256").read_text() == (
        f"{v2.sha256}  evaluation.duckdb\n"
    )
    assert stat.S_IMODE(p.published_db.stat().st_mode) == 0o444
    assert not list(p.published_db.parent.glob(".evaluation.duckdb.tmp-*"))


def test_parquet_export_matches_marts(wh):
    v = do_publish(wh)
    pq_dir = wh.paths.parquet_dir
    assert pq_dir.is_symlink()
    assert {f.stem for f in pq_dir.glob("*.parquet")} == MART_TABLES
    with duckdb.connect(str(wh.paths.published_db), read_only=True) as con:
        for t in MART_TABLES:
            f = pq_dir / f"{t}.parquet"
            assert pq.ParquetFile(f).metadata.row_group(0).column(0).compression == "ZSTD"
            diff = con.execute(
                f"select count(*) from ((select * from marts.{t} except all "
                f"select * from read_parquet('{f}')) union all (select * from "
                f"read_parquet('{f}') except all select * from marts.{t}))"
            ).fetchall()[0][0]
            assert diff == 0, t
            n = con.execute(f"select count(*) from marts.{t}").fetchall()[0][0]
            assert pq.ParquetFile(f).metadata.num_rows == n
    assert f'"version": {v.version}' in (pq_dir / "_VERSION").read_text()


def test_parquet_directory_is_swapped_not_rewritten(wh, template):
    do_publish(wh)
    first = wh.paths.parquet_dir.resolve()
    with open(first / "fct_evaluation.parquet", "rb") as held:  # a reader mid-read
        restage(wh, template, "delete from marts.fct_evaluation where year = 2023")
        do_publish(wh)
        second = wh.paths.parquet_dir.resolve()
        assert first != second
        assert pq.ParquetFile(held).metadata.num_rows == 42  # old export, still whole
    assert pq.ParquetFile(wh.paths.parquet_dir / "fct_evaluation.parquet").metadata.num_rows == 28


@pytest.mark.parametrize(
    "defect",
    [
        "update marts.fct_evaluation set score = 150 where region_code = '440100' and year = 2022",
        "update marts.fct_evaluation set rating = 'excellent' where region_code = '440100'",
    ],
    ids=["score_150", "rating_excellent"],
)
def test_planted_bad_value_fails_gate_and_previous_published_file_is_byte_identical(
    wh, template, defect
):
    from evalwh.quality import validate

    p = wh.paths
    do_publish(wh)
    before = sha(p.published_db)
    before_versions = count(p.ingest_db, "select * from audit.published_versions")
    restage(wh, template, defect)
    gate = validate(p.staging_db, p.published_db, p.data_docs_dir, ingest_db=p.ingest_db)
    assert not gate.passed
    [f] = gate.failures
    with pytest.raises(GateNotPassedError, match="did not pass"):
        do_publish(wh, gate)
    assert sha(p.published_db) == before
    assert count(p.ingest_db, "select * from audit.published_versions") == before_versions
    assert count(p.ingest_db, "select published from audit.load_runs") == [(True,)]
    html = "".join(x.read_text("utf-8") for x in (p.data_docs_dir / "validations").rglob("*.html"))
    assert f.check_id in html
    assert gate.data_docs_index.is_file()


def test_publish_refuses_a_staging_file_changed_after_the_gate(wh):
    from evalwh.quality.gate import GateResult, fingerprint

    p = wh.paths
    gate = GateResult(
        checks_passed=1, checks_total=1, staging_db=p.staging_db.resolve(),
        staging_fingerprint=fingerprint(p.staging_db),
    )  # fmt: skip
    time.sleep(0.01)
    with duckdb.connect(str(p.staging_db)) as con:
        con.execute("update marts.fct_evaluation set score = 150")
        con.execute("checkpoint")
    with pytest.raises(GateNotPassedError, match="changed after the gate"):
        do_publish(wh, gate)
    assert not p.published_db.exists()


def test_crash_after_swap_is_reconciled_by_next_publish(wh, template, monkeypatch):
    p = wh.paths
    do_publish(wh)
    restage(wh, template)
    real = pub._fsync_dir

    def crash(path):  # the first fsync after the rename: the process "dies" there
        raise KeyboardInterrupt("simulated crash")

    monkeypatch.setattr(pub, "_fsync_dir", crash)
    with pytest.raises(KeyboardInterrupt):
        do_publish(wh, run_id="run-crashed")
    monkeypatch.setattr(pub, "_fsync_dir", real)
    # the new file is in place (whole), the system of record does not know it yet
    v2_sha = sha(p.published_db)
    assert count(p.published_db, "select max(version) from audit.published_versions") == [(2,)]
    assert count(p.ingest_db, "select max(version) from audit.published_versions") == [(1,)]
    restage(wh, template)
    v3 = do_publish(wh)
    assert v3.version == 3
    assert count(
        p.ingest_db,
        "select version, run_id, sha256 from audit.published_versions where version = 2",
    ) == [(2, "run-crashed", v2_sha)]


def _publish_versions(wh, template, n):
    """Publish n more versions; version k drops k rows of fct_evaluation. Returns {v: count}."""
    expected = {}
    for _ in range(n):
        restage(wh, template)
        with duckdb.connect(str(wh.paths.staging_db)) as con:
            v_next = len(expected) + 2
            con.execute(f"delete from marts.fct_evaluation where rowid < {v_next}")
            con.execute("checkpoint")
        v = do_publish(wh)
        expected[v.version] = count(
            wh.paths.staging_db, "select count(*) from marts.fct_evaluation"
        )[0][0]
    return expected


def test_publish_is_atomic_for_concurrent_readers(wh, template):
    p = wh.paths
    v1 = do_publish(wh)
    expected = {v1.version: 42}
    ctx = mp.get_context("spawn")
    stop, out = ctx.Event(), ctx.Queue()
    readers = [
        ctx.Process(
            target=reader_loop, args=(str(p.published_db), "marts.fct_evaluation", stop, out)
        )
        for _ in range(3)
    ]
    for r in readers:
        r.start()
    time.sleep(1.0)  # let them get going (spawn + import)
    expected |= _publish_versions(wh, template, 5)
    time.sleep(0.3)
    stop.set()
    results = [out.get(timeout=60) for _ in readers]
    for r in readers:
        r.join(timeout=30)
    errors = [e for _, errs, _ in results for e in errs]
    assert errors == []
    seen = {pair for _, _, pairs in results for pair in map(tuple, pairs)}
    assert sum(n for n, _, _ in results) > 20
    # every answer comes from exactly one version: its marker and its row count agree
    assert all(expected[v] == n for v, n in seen), (seen, expected)
    assert len({v for v, _ in seen}) >= 2  # the readers did see the swaps


LOCK_HOLDER = textwrap.dedent(
    """
    import sys, time
    from evalwh.locking import pipeline_lock
    with pipeline_lock(sys.argv[1]):
        print("locked", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def test_second_publisher_waits_or_fails_clearly(wh):
    lock = wh.paths.lock_file
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(lock), "2.5"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        # fail fast, naming the holder
        with pytest.raises(PipelineLockedError, match=rf"held by pid {holder.pid}"):
            do_publish(wh, lock_file=lock, lock_timeout=0)
        assert not wh.paths.published_db.exists()
        with (
            pytest.raises(PipelineLockedError, match=r"after waiting 0\.3 s"),
            pipeline_lock(lock, timeout=0.3),
        ):
            pass
        # or wait for it
        t0 = time.monotonic()
        v = do_publish(wh, lock_file=lock, lock_timeout=30)
        assert v.version == 1 and time.monotonic() - t0 > 0.5
    finally:
        holder.wait(timeout=30)
    assert holder.returncode == 0


def test_pipeline_lock_is_reentrant_in_one_process(wh):
    lock = wh.paths.lock_file
    with pipeline_lock(lock):
        v = do_publish(wh, lock_file=lock)  # publish takes the same lock again: no deadlock
    assert v.version == 1
    with pipeline_lock(lock, timeout=0):  # released afterwards
        pass


def test_default_lock_is_the_warehouse_lock_file(wh):
    with pipeline_lock(wh.paths.lock_file):
        code = (
            "import sys; from evalwh.locking import pipeline_lock, PipelineLockedError\n"
            "try:\n"
            f"    with pipeline_lock({str(wh.paths.lock_file)!r}): sys.exit(1)\n"
            "except PipelineLockedError as e: print(e)"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and f"pid {os.getpid()}" in out.stdout
    assert pub._default_lock_file(wh.paths.published_db) == wh.paths.lock_file


def _gate_of(staging_db):
    """A passed gate that recorded the staging file's state, as `validate` does."""
    from evalwh.quality.gate import GateResult, fingerprint

    return GateResult(
        checks_passed=1,
        checks_total=1,
        staging_db=staging_db.resolve(),
        staging_fingerprint=fingerprint(staging_db),
    )


def _same_as_marts(db, parquet_dir) -> bool:
    with duckdb.connect(str(db), read_only=True) as con:
        return all(
            con.execute(
                f"select count(*) from ((select * from marts.{t} except all "
                f"select * from read_parquet('{parquet_dir / t}.parquet')) union all "
                f"(select * from read_parquet('{parquet_dir / t}.parquet') "
                f"except all select * from marts.{t}))"
            ).fetchall()[0][0]
            == 0
            for t in MART_TABLES
        )


def test_publish_moves_the_parquet_exported_during_the_gate_into_place(wh):
    staging = wh.paths.staging_db
    with pub.parquet_exported_meanwhile(staging):
        gate = _gate_of(staging)  # the gate reads the file while the export runs
    pending = pub.pending_parquet_dir(staging)
    exported = os.stat(pending / "fct_commitment.parquet").st_ino
    do_publish(wh, gate)
    parquet = wh.paths.parquet_dir
    assert os.stat(parquet / "fct_commitment.parquet").st_ino == exported  # moved, not rewritten
    assert not pending.exists()
    assert {f.stem for f in parquet.glob("*.parquet")} == MART_TABLES
    assert _same_as_marts(wh.paths.published_db, parquet)
    assert "_EXPORTED_FROM" not in {f.name for f in parquet.iterdir()}


def test_an_export_of_another_state_of_the_staging_file_is_not_published(wh, template):
    staging = wh.paths.staging_db
    with pub.parquet_exported_meanwhile(staging):
        pass
    pending = pub.pending_parquet_dir(staging)
    exported = os.stat(pending / "fct_evaluation.parquet").st_ino
    restage(wh, template, "delete from marts.fct_evaluation where year = 2023")  # after it
    do_publish(wh, _gate_of(staging))
    parquet = wh.paths.parquet_dir
    assert os.stat(parquet / "fct_evaluation.parquet").st_ino != exported
    assert pq.ParquetFile(parquet / "fct_evaluation.parquet").metadata.num_rows == 28
    assert _same_as_marts(wh.paths.published_db, parquet)
    assert not pending.exists()


def test_a_failed_export_during_the_gate_fails_neither_the_gate_nor_publish(wh, caplog):
    staging = wh.paths.staging_db
    pending = pub.pending_parquet_dir(staging)
    pending.write_text("in the way")  # the export cannot make its directory
    with pub.parquet_exported_meanwhile(staging):
        gate = _gate_of(staging)
    assert "the Parquet export during the gate failed" in caplog.text
    do_publish(wh, gate)  # with the file still in the way
    assert _same_as_marts(wh.paths.published_db, wh.paths.parquet_dir)


def test_an_export_that_cannot_be_moved_into_place_is_made_again_after_the_swap(
    wh, monkeypatch, caplog
):
    # staging/ on another file system than published/: the move fails (EXDEV), publish exports
    staging = wh.paths.staging_db
    with pub.parquet_exported_meanwhile(staging):
        gate = _gate_of(staging)
    pending = pub.pending_parquet_dir(staging)
    exported = os.stat(pending / "fct_commitment.parquet").st_ino
    rename = type(pending).rename

    def across_file_systems(self, target):
        if self == pending:
            raise OSError(18, "Invalid cross-device link")
        return rename(self, target)

    monkeypatch.setattr(type(pending), "rename", across_file_systems)
    do_publish(wh, gate)
    parquet = wh.paths.parquet_dir
    assert "could not move the Parquet exported during the gate" in caplog.text
    assert os.stat(parquet / "fct_commitment.parquet").st_ino != exported
    assert {f.stem for f in parquet.glob("*.parquet")} == MART_TABLES
    assert _same_as_marts(wh.paths.published_db, parquet)
    assert not pending.exists()


def test_without_a_staging_file_nothing_is_exported_and_the_gate_still_runs(tmp_path, caplog):
    ran = []
    with pub.parquet_exported_meanwhile(tmp_path / "staging" / "evaluation.duckdb"):
        ran.append("the gate")  # which then says the staging file does not exist
    assert ran == ["the gate"]
    assert "no Parquet export during the gate" in caplog.text


def test_an_export_missing_a_table_file_is_made_again(wh):
    staging = wh.paths.staging_db
    with pub.parquet_exported_meanwhile(staging):
        gate = _gate_of(staging)
    pending = pub.pending_parquet_dir(staging)
    (pending / "dim_year.parquet").unlink()
    do_publish(wh, gate)
    assert {f.stem for f in wh.paths.parquet_dir.glob("*.parquet")} == MART_TABLES
    assert _same_as_marts(wh.paths.published_db, wh.paths.parquet_dir)
