"""Ingest parses in worker processes where it can, and in its own process where it cannot."""

from __future__ import annotations

import multiprocessing as mp
import pickle
import shutil
import subprocess
import sys

from evalwh import config
from evalwh.ingest.errors import QuarantineError, RowError
from evalwh.ingest.load import REPORT, Candidate, _parsed, ingest
from evalwh.ingest.workbook import ParsedWorkbook
from tests.ingest.builders import cover, report_tables, write_workbook


def _workbook(folder, year: int):
    return write_workbook(folder / f"{year}.xlsx", cover(year), report_tables(year))


def _parse_in_daemon(paths, queue) -> None:
    candidates = [Candidate(p, p.name, REPORT, "-") for p in paths]
    queue.put([type(parsed).__name__ for _c, parsed in _parsed(candidates, workers=2)])


def test_a_daemonic_host_parses_in_its_own_process(tmp_path):
    # Celery's prefork workers are daemonic: multiprocessing refuses them children.
    paths = [_workbook(tmp_path, 2016 + i) for i in range(3)]
    queue = mp.get_context("fork").Queue()
    host = mp.get_context("fork").Process(target=_parse_in_daemon, args=(paths, queue), daemon=True)
    host.start()
    kinds = queue.get(timeout=120)
    host.join(timeout=60)
    assert kinds == [ParsedWorkbook.__name__] * 3


def test_worker_processes_parse_in_order(tmp_path):
    paths = [_workbook(tmp_path, 2016 + i) for i in range(5)]
    candidates = [Candidate(p, p.name, REPORT, "-") for p in paths]
    results = list(_parsed(candidates, workers=2))
    assert [c.path for c, _ in results] == paths
    assert [p.cover.year for _, p in results] == [2016, 2017, 2018, 2019, 2020]


def test_ingest_workers_come_from_the_environment_or_the_cores(monkeypatch):
    monkeypatch.setenv("EVALWH_INGEST_WORKERS", "3")
    assert config.ingest_workers() == 3
    monkeypatch.setenv("EVALWH_INGEST_WORKERS", "0")
    assert config.ingest_workers() == 1
    monkeypatch.delenv("EVALWH_INGEST_WORKERS")
    assert 1 <= config.ingest_workers() <= 4


def test_errors_cross_process_boundaries_intact():
    for error in (QuarantineError("corrupt", "broken zip"), RowError("bad_date", "due: x")):
        back = pickle.loads(pickle.dumps(error))
        assert (type(back), back.code, back.message, back.reason) == (
            type(error),
            error.code,
            error.message,
            error.reason,
        )


def test_a_landing_zone_with_bad_files_ingests_the_same_with_workers(tmp_path):
    # The shipped sample holds a truncated zip, a fake .xlsx, a wrong year, ...: quarantined
    # files come back from the workers as values and must reach the writer.
    raw = tmp_path / "raw"
    shutil.copytree(config.PROJECT_DIR / "raw", raw)
    one = ingest(config.paths(raw, tmp_path / "one"), workers=1)
    two = ingest(config.paths(raw, tmp_path / "two"), workers=2)
    assert two.files_quarantined == one.files_quarantined > 0
    assert sorted(two.quarantined) == sorted(one.quarantined)
    assert (two.rows_loaded, two.rows_rejected) == (one.rows_loaded, one.rows_rejected)


def test_parse_workers_start_with_pyarrow_warmed_up():
    # pyarrow's first list conversion imports pandas (about 1 s of CPU): the pool's parent
    # pays it once before the workers fork, rather than every worker paying it again.
    code = (
        "import sys\n"
        "from evalwh.ingest.load import _worker_pool\n"
        "assert 'pandas' not in sys.modules\n"
        "pool = _worker_pool(2)\n"
        "print(pool.submit(eval, \"'pandas' in __import__('sys').modules\").result())\n"
        "pool.shutdown()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
