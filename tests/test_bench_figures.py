"""The bench's Airflow figures: task durations and the DAG runs' span, read from a run's
metadata DB, and how the results table shows them."""

from __future__ import annotations

import sqlite3

from evalwh import bench


def _metadata_db(home, tasks, runs):
    home.mkdir()
    con = sqlite3.connect(home / "airflow.db")
    con.execute("create table task_instance (dag_id, task_id, start_date, end_date, duration)")
    con.execute("create table dag_run (dag_id, start_date, end_date)")
    con.executemany("insert into task_instance values (?, ?, ?, ?, ?)", tasks)
    con.executemany("insert into dag_run values (?, ?, ?)", runs)
    con.commit()
    con.close()


def test_airflow_timings_give_each_task_and_the_span_of_the_dag_runs(tmp_path):
    _metadata_db(
        tmp_path / "home",
        [
            ("ingest", "load", "2026-01-01 10:00:01", "2026-01-01 10:00:11", 10.04),
            ("build", "dbt", "2026-01-01 10:00:12", "2026-01-01 10:00:32", 20.0),
        ],
        [
            ("ingest", "2026-01-01 10:00:00", "2026-01-01 10:00:11.5"),
            ("build", "2026-01-01 10:00:11.6", "2026-01-01 10:00:33"),
        ],
    )
    timings = bench._airflow_timings(tmp_path / "home")
    assert timings == {"dag_runs_seconds": 33.0, "tasks": {"ingest.load": 10.0, "build.dbt": 20.0}}


MACHINE = {"cores": 2, "memory_gb": 24, "python": "3.11"}


def _results(derived: dict, steps: dict, machine: dict = MACHINE) -> dict:
    """A bench run's results as `bench.main` writes them, with these figures."""
    return {
        "date": "2026-01-01",
        "machine": machine,
        "command": "make bench",
        "derived": derived,
        "steps": steps,
    }


def test_the_results_table_shows_tasks_and_what_lies_outside_the_dag_runs():
    results = _results(
        {"incremental_vs_full": 0.5},
        {
            "airflow_pipeline": {"seconds": 100.0, "dag_runs_seconds": 90.0, "tasks": {"a.x": 80}},
            "incremental_year": {"seconds": 50.0, "dag_runs_seconds": 41.5, "tasks": {"a.x": 30}},
        },
    )
    table = bench._markdown(results)
    assert "| a.x | 80 | 30 |" in table
    assert "| outside the DAG runs (process start-up, migrate, DAG parsing) | 10.0 | 8.5 |" in table
    assert "tasks=" not in table  # the per-task figures are a table, not a figure list
    assert (
        "| an incremental year under 1/8 of the full rebuild | incremental_vs_full = 0.5 | no |"
        in table
    )


def test_the_results_name_the_floor_under_the_incremental_target_when_it_was_measured():
    results = _results({"incremental_vs_full": 0.4}, {})
    assert "floor under the incremental target" not in bench._markdown(results)
    results["derived"]["incremental_nothing_rebuilt_vs_full"] = 0.25
    assert "incremental_nothing_rebuilt_vs_full = 0.25 of the full run" in bench._markdown(results)


def test_the_landing_zone_is_read_whole_into_the_page_cache(tmp_path):
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "a.xlsx").write_bytes(b"x" * (3 << 20 | 5))
    (tmp_path / "inspections").mkdir()
    (tmp_path / "inspections" / "b.csv").write_bytes(b"y" * 7)
    read, seconds = bench.read_into_page_cache(tmp_path)
    assert read == (3 << 20 | 5) + 7
    assert seconds >= 0


def test_the_run_says_how_fast_one_core_was_so_runs_of_different_days_compare():
    marker = bench.cpu_marker(rounds=1)
    assert 0 < marker < 30
    machine = {**MACHINE, "load_average_at_start": 0.5}
    with_marker = bench._markdown(_results({}, {}, {**machine, "cpu_marker_s": 0.278}))
    assert "load average 0.5 at the start; a fixed piece of pure-Python work took 0.278 s" in (
        with_marker
    )
    assert "load average 0.5 at the start." in bench._markdown(_results({}, {}, machine))


def test_the_parse_floor_reads_every_sheet_and_every_line_of_either_encoding(tmp_path):
    import xlsxwriter

    from evalwh.parse_floor import rows_read

    book = xlsxwriter.Workbook(tmp_path / "a.xlsx")
    for name, rows in (("封面", 3), ("承诺", 5)):
        sheet = book.add_worksheet(name)
        for r in range(rows):
            sheet.write_row(r, 0, [f"行{r}", r])
    book.close()
    assert rows_read(tmp_path / "a.xlsx") == 8
    lines = '编号,地区\r\nF-1,长春\r\n"F-2","吉林\r\n市"\r\n'  # a quoted field spans a line
    for encoding in ("utf-8-sig", "gb18030"):
        (tmp_path / "b.csv").write_bytes(lines.encode(encoding))
        assert rows_read(tmp_path / "b.csv") == 3
