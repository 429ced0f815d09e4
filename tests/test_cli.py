"""The `evalwh` command line, as the data team uses it without Airflow."""

from __future__ import annotations

import json
import shutil

import duckdb
from click.testing import CliRunner

from evalwh import config
from evalwh.cli import main


def _run(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result


def test_ingest_prints_counts_and_status_shows_quarantine_and_rejects(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(config.PROJECT_DIR / "raw", raw)
    expected = json.loads((raw / "_expected.json").read_text("utf-8"))["totals"]
    common = ["--raw-dir", str(raw), "--warehouse-dir", str(tmp_path / "wh")]

    ingest = _run(*common, "ingest", "--json")
    assert ingest.exit_code == 0, ingest.output
    summary = json.loads(ingest.output)
    assert summary["files_quarantined"] == expected["files_quarantined"]
    assert summary["rows_rejected"] == expected["rejected_rows"]
    assert summary["rows_loaded"] == expected["good_rows"]

    again = json.loads(_run(*common, "ingest", "--json").output)
    assert (again["rows_loaded"], again["files_already_seen"]) == (0, summary["files_seen"])

    status = _run(*common, "status")
    assert status.exit_code == 0
    assert "Quarantined files" in status.output
    assert "bad_filename" in status.output
    assert "Nothing published yet." in status.output


def test_query_refuses_clearly_when_nothing_is_published(tmp_path):
    result = CliRunner().invoke(main, ["--warehouse-dir", str(tmp_path), "query", "select 1"])
    assert result.exit_code != 0
    assert "nothing published yet" in result.output


def test_query_reads_the_published_file_and_exports_csv(tmp_path):
    db = tmp_path / "published" / "evaluation.duckdb"
    db.parent.mkdir(parents=True)
    with duckdb.connect(str(db)) as con:
        con.execute("create schema marts; create table marts.t as select 1 as a, '长春市' as b")
    out = tmp_path / "t.csv"
    result = _run("--warehouse-dir", str(tmp_path), "query", "from marts.t", "--csv", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text("utf-8").splitlines() == ["a,b", "1,长春市"]
    shown = _run("--warehouse-dir", str(tmp_path), "query", "from marts.t")
    assert "长春市" in shown.output
