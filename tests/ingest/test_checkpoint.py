"""Committed ingest work that sits in the WAL after a kill -9 reaches the build snapshot."""

from __future__ import annotations

import shutil
import subprocess
import sys

import duckdb

from evalwh.store import checkpoint_ingest, connect_ingest

KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from evalwh.store import connect_ingest
con = connect_ingest(Path(sys.argv[1]))
con.execute("insert into audit.quarantine values ('raw/reports/x.xlsx', 'corrupt: test', 'run-1')")
os.kill(os.getpid(), signal.SIGKILL)  # committed (autocommit), never checkpointed
"""


def _killed_writer(db) -> None:
    connect_ingest(db).close()  # the schema, checkpointed into the file by a clean close
    proc = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(db)], check=False)
    assert proc.returncode == -9


def _rows_in_byte_copy(db, tmp_path) -> int:
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(db, copy)  # the file alone, as the build snapshot copies it
    with duckdb.connect(str(copy), read_only=True) as con:
        return con.execute("select count(*) from audit.quarantine").fetchone()[0]


def test_a_killed_writers_commits_live_in_the_wal_not_yet_in_the_file(tmp_path):
    db = tmp_path / "ingest.duckdb"
    _killed_writer(db)
    assert db.with_name(db.name + ".wal").exists()
    assert _rows_in_byte_copy(db, tmp_path) == 0  # why the checkpoint below is needed


def test_checkpoint_folds_a_killed_writers_wal_into_the_file(tmp_path):
    db = tmp_path / "ingest.duckdb"
    _killed_writer(db)
    checkpoint_ingest(db)
    assert not db.with_name(db.name + ".wal").exists()
    assert _rows_in_byte_copy(db, tmp_path) == 1
