"""A landing-zone file the ingestion has hashed before, unchanged since (same size, mtime,
ctime and inode), is not read again to know its sha256; anything else is hashed."""

from __future__ import annotations

import os
import time

import duckdb
import pytest

from evalwh.config import paths as make_paths
from evalwh.ingest import load
from tests.ingest.builders import cover, finding, report_tables, write_csv, write_workbook


@pytest.fixture
def landing(tmp_path):
    p = make_paths(tmp_path / "raw", tmp_path / "warehouse")
    write_workbook(p.reports_dir / "jl-2015.xlsx", cover(2015), report_tables(2015))
    write_workbook(p.reports_dir / "jl-2016.xlsx", cover(2016), report_tables(2016))
    write_csv(p.inspections_dir / "findings_2016-06-30.csv", [finding("F-2016-001")])
    return p


@pytest.fixture
def hashed(monkeypatch):
    """The relative paths sha256_of reads (the real function runs)."""
    seen: list[str] = []
    real = load.sha256_of

    def counting(path):
        seen.append(path.name)
        return real(path)

    monkeypatch.setattr(load, "sha256_of", counting)
    return seen


def fingerprints(p) -> list[str]:
    with duckdb.connect(str(p.ingest_db), read_only=True) as con:
        rows = con.execute("select path from audit.file_fingerprints order by 1").fetchall()
    return [r[0] for r in rows]


def test_a_file_hashed_before_and_unchanged_is_not_read_again(landing, hashed, monkeypatch):
    monkeypatch.setattr(load, "RACY_SECONDS", 0)
    first = load.ingest(landing)
    assert first.files_loaded == 3 and len(hashed) == 3
    assert fingerprints(landing) == [
        "inspections/findings_2016-06-30.csv",
        "reports/jl-2015.xlsx",
        "reports/jl-2016.xlsx",
    ]
    hashed.clear()
    again = load.ingest(landing)
    assert again.nothing_new and hashed == []


def test_a_file_rewritten_in_place_is_hashed_again_and_loads(landing, hashed, monkeypatch):
    monkeypatch.setattr(load, "RACY_SECONDS", 0)
    load.ingest(landing)
    target = landing.reports_dir / "jl-2016.xlsx"
    before = target.stat()
    write_workbook(target, cover(2016, batch=2), report_tables(2016))  # a second batch
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))  # mtime put back: ctime moves
    hashed.clear()
    again = load.ingest(landing)
    assert hashed == ["jl-2016.xlsx"]
    assert again.files_loaded == 1 and again.files_already_seen == 2


def test_a_file_changed_just_now_is_hashed_but_not_remembered(landing, hashed):
    load.ingest(landing)  # the files were written a moment ago: their timestamps may be racy
    assert fingerprints(landing) == []
    hashed.clear()
    load.ingest(landing)
    assert len(hashed) == 3


def test_a_same_size_rewrite_with_its_mtime_put_back_is_hashed_again(tmp_path, monkeypatch):
    """Size, mtime and inode can all stay the same; ctime cannot (no tool sets it back)."""
    monkeypatch.setattr(load, "RACY_SECONDS", 0)
    f = tmp_path / "a.bin"
    f.write_bytes(b"A" * 100)
    first, row = load.file_sha256(f, "a.bin", {})
    remembered = {"a.bin": (load.Fingerprint(*row[1:5]), first)}
    assert load.file_sha256(f, "a.bin", remembered) == (first, None)  # unchanged: not read
    st = f.stat()
    time.sleep(0.05)  # past the kernel's timestamp tick (a few ms)
    f.write_bytes(b"B" * 100)
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (f.stat().st_size, f.stat().st_mtime_ns, f.stat().st_ino) == (
        st.st_size,
        st.st_mtime_ns,
        st.st_ino,
    )
    again, _row = load.file_sha256(f, "a.bin", remembered)
    assert again == load.sha256_of(f) != first
