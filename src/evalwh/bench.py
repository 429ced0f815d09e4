"""`make bench`: measured figures at national scale, each step in its own process.

    python -m evalwh.bench [--steps generate,readers,parse,ingest,baseline,dbt,gate,publish]
                           [--cache bench/cache] [--baseline-files 6]

Data: `evalwh generate --scale national` into a git-ignored cache, generated once and reused.
Every step runs as a child process, so its wall time and peak RSS (from wait4) are its own.
The naive baseline (pandas.read_excel with openpyxl, appended into DuckDB) runs on the first
`--baseline-files` workbooks, and the ratio compares it with the chosen reader's full ingest
rate measured in the same run. Results: bench/results/<date>.json and a table in
bench/README.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import click

from evalwh import config, pipeline
from evalwh.ingest.load import RACY_SECONDS

BENCH_DIR = config.PROJECT_DIR / "bench"
STEPS = (
    "generate",
    "readers",
    "parse",
    "ingest",
    "baseline",
    "dbt",
    "gate",
    "publish",
    "queries",
    "airflow",
    "incremental",
)
NEW_YEAR = 2025  # the reporting year the incremental step adds to a warehouse holding the rest
# what lands after the new year in the incremental step: not a workbook, so it is quarantined
STRAY_UPLOAD = "990000_上传中断_2025年度述职评议汇总.xlsx"


def cpu_marker(rounds: int = 3) -> float:
    """Seconds one core takes for a fixed piece of pure-Python work, the best of `rounds`: a
    yardstick for comparing runs of different days, whose absolute times move with the host."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        total = 0
        for i in range(5_000_000):
            total += i * i % 7
        best = min(best, time.process_time() - started)
    return round(best, 3)


def read_into_page_cache(root: Path) -> tuple[int, float]:
    """Read every file under `root` once (bytes read, seconds), so that the steps after it
    time parsing, not the disk. These VMs reclaim cold pages (DAMON): a landing zone left
    alone for a few minutes is read from disk again, which made the parse floor 55.6 s
    instead of 34.8 s in one run while the ingest after it found the files cached."""
    started, total = time.perf_counter(), 0
    for path in sorted(root.rglob("*")):
        if path.is_file():
            with path.open("rb") as f:
                while chunk := f.read(1 << 20):
                    total += len(chunk)
    return total, round(time.perf_counter() - started, 2)


def _child(code: str, env: dict[str, str] | None = None, quiet: bool = False) -> dict:
    """Run python code in a child; return its wall time, peak RSS and the JSON it printed.

    Peak RSS is from wait4: the largest resident set of the child or of any process it
    waited for (Airflow's task processes, dbt), so a step's figure covers its helpers too.
    """
    started = time.perf_counter()
    log = None
    if quiet:  # long steps (Airflow) log to a file instead of the terminal
        log = (BENCH_DIR / "results" / "last-step.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    out = proc.stdout.read()
    if log:
        log.close()
    _pid, status, usage = os.wait4(proc.pid, 0)  # wall time and this child's own peak RSS
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"bench step failed ({proc.returncode}):\n{code}")
    result = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    return {"seconds": round(wall, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), **result}


GENERATE = """
import json
from pathlib import Path
from evalwh.generate import generate
s = generate(Path({out!r}), scale="national", workers=2)
print(json.dumps({{"files": s["files"], "workbook_rows": s["workbook_rows"], "csv_rows": s["csv_rows"], "bytes": s["bytes"]}}))
"""

READERS = """
import json, time
from pathlib import Path
from python_calamine import CalamineWorkbook
import openpyxl
path = sorted(Path({reports!r}).glob("*.xlsx"))[0]
t = time.perf_counter(); book = CalamineWorkbook.from_path(str(path))
rows = sum(len(book.get_sheet_by_name(n).to_python()) for n in book.sheet_names)
cal = time.perf_counter() - t
t = time.perf_counter(); wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
rows2 = sum(sum(1 for _ in ws.iter_rows(values_only=True)) for ws in wb.worksheets)
opx = time.perf_counter() - t
print(json.dumps({{"file": path.name, "rows": rows, "calamine_s": round(cal, 3), "openpyxl_read_only_s": round(opx, 3), "ratio": round(opx / cal, 1)}}))
"""

PARSE_FLOOR = """
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from evalwh.parse_floor import rows_read
files = sorted(Path({raw!r}).rglob("*.xlsx")) + sorted(Path({raw!r}).rglob("*.csv"))
with ProcessPoolExecutor(2) as pool:
    rows = sum(pool.map(rows_read, files, chunksize=1))
print(json.dumps({{"files": len(files), "rows_read": rows}}))
"""

INGEST = """
import json
from evalwh import config
from evalwh.ingest.load import ingest
s = ingest(config.paths({raw!r}, {wh!r}), workers=2)
print(json.dumps({{"rows_loaded": s.rows_loaded, "rows_rejected": s.rows_rejected, "files_loaded": s.files_loaded}}))
"""

BASELINE = """
import json, duckdb, pandas as pd
from pathlib import Path
files = sorted(Path({reports!r}).glob("*.xlsx"))[:{n}]
con = duckdb.connect({db!r})
rows = 0
for i, f in enumerate(files):
    for j, (name, frame) in enumerate(pd.read_excel(f, sheet_name=None, engine="openpyxl", dtype=str).items()):
        if frame.shape[1] == 0:
            continue
        frame.columns = [f"c{{k}}" for k in range(frame.shape[1])]
        con.register("frame", frame)
        con.execute(f"create table t_{{i}}_{{j}} as select * from frame")
        rows += len(frame)
con.close()
print(json.dumps({{"files": len(files), "rows": rows}}))
"""

PIPELINE_STEP = """
import json
from evalwh import config, pipeline
p = config.paths({raw!r}, {wh!r})
{body}
"""


QUERIES = """
import json, time
from pathlib import Path
import duckdb
runs = {runs}
# Two ways analysts run the queries/ examples, both measured: `evalwh query --file` shows the
# first {shown} rows of the answer (the engine still joins, groups and sorts everything), and
# `--csv/--parquet` exports the whole answer (here: the whole result as an Arrow table).
ways = {{
    "shown": lambda con, sql: con.sql(sql).limit({shown}).fetchall(),
    "whole": lambda con, sql: con.sql(sql).to_arrow_table(),
}}
timings = {{way: {{}} for way in ways}}
rows = {{}}
with duckdb.connect({db!r}, read_only=True) as con:  # read-only, as `evalwh query` opens it
    for path in sorted(Path({queries!r}).glob("*.sql")):
        sql = path.read_text("utf-8")
        rows[path.stem] = con.sql(sql).to_arrow_table().num_rows  # also the warm-up
        for way, run in ways.items():
            seconds = []
            for _ in range(runs):
                started = time.perf_counter()
                run(con, sql)
                seconds.append(time.perf_counter() - started)
            timings[way][path.stem] = seconds
def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]
out = {{"runs_per_query": runs, "queries": len(rows)}}
for way in ways:
    every = [t for ts in timings[way].values() for t in ts]
    out[f"{{way}}_p50_ms"] = round(pct(every, .5) * 1000, 1)
    out[f"{{way}}_p95_ms"] = round(pct(every, .95) * 1000, 1)
for name, n in rows.items():
    shown, whole = timings["shown"][name], timings["whole"][name]
    out[name] = (
        f"{{n}} rows; shown p50 {{pct(shown, .5) * 1000:.0f}} / p95 {{pct(shown, .95) * 1000:.0f}} ms;"
        f" whole p50 {{pct(whole, .5) * 1000:.0f}} / p95 {{pct(whole, .95) * 1000:.0f}} ms"
    )
print(json.dumps(out))
"""


def _link_tree(source: Path, target: Path, keep) -> int:
    """Hard-link the files of `source` that `keep(path)` accepts into `target` (a landing zone
    that costs no disk); returns how many."""
    count = 0
    for path in sorted(source.rglob("*")):
        if path.is_file() and not path.name.startswith("_") and keep(path):
            dest = target / path.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            if not dest.exists():
                os.link(path, dest)
                count += 1
    return count


def _reporting_year(path: Path) -> int:
    """The year a landing-zone file belongs to: a workbook's 年度, an export's date."""
    match = re.search(r"(\d{4})年度", path.name) or re.search(r"findings_(\d{4})", path.name)
    return int(match[1]) if match else 0


def _airflow_env(raw: Path, wh: Path, home: Path) -> dict[str, str]:
    return {
        "EVALWH_RAW_DIR": str(raw),
        "EVALWH_WAREHOUSE_DIR": str(wh),
        "AIRFLOW_HOME": str(home),
    }


def _orchestrate(mode: str, env: dict[str, str]) -> dict:
    """`make run` (python -m evalwh.orchestrate run) as a measured child process, with its
    tasks' durations from its metadata DB (`_airflow_timings`).

    The disk first takes what earlier steps wrote (os.sync): the incremental run follows a
    set-up that writes GBs, and its write-back otherwise slowed every fsync of the measured
    run (the incremental run's steps took about 30% longer than the same steps of the full
    run before this)."""
    os.sync()
    code = (
        "import sys, json; from evalwh.orchestrate import main;"
        f" sys.argv = ['orchestrate', 'run', '--mode', {mode!r}];"
        " main(standalone_mode=False); print(json.dumps({}))"
    )
    return {**_child(code, env=env, quiet=True), **_airflow_timings(Path(env["AIRFLOW_HOME"]))}


def _airflow_timings(home: Path) -> dict:
    """Where an Airflow step's time went, from its metadata DB (``home/airflow.db``): each
    task's duration, and the DAG runs' span (first DAG run's start to the last one's end).
    The rest of the step's wall time is the process's start-up (imports, ``db migrate``,
    parsing the DAGs) and the summary after it: what a long-lived scheduler pays once, not
    per run."""
    import sqlite3

    con = sqlite3.connect(f"file:{home / 'airflow.db'}?mode=ro", uri=True)
    try:
        tasks = {
            f"{dag_id}.{task_id}": round(duration or 0.0, 1)
            for dag_id, task_id, duration in con.execute(
                "select dag_id, task_id, duration from task_instance order by start_date"
            )
        }
        (span,) = con.execute(
            "select (julianday(max(end_date)) - julianday(min(start_date))) * 86400 from dag_run"
        ).fetchone()
    finally:
        con.close()
    return {"dag_runs_seconds": round(span or 0.0, 1), "tasks": tasks}


class _Steps(dict):
    """The steps' results; written to disk after every step, so a late failure loses nothing."""

    def __init__(self, results: dict, bench_dir: Path):
        super().__init__()
        results["steps"] = self
        self._results = results
        self._file = bench_dir / "results" / f"{results['date']}.partial.json"

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self._file.parent.mkdir(parents=True, exist_ok=True)
        self._file.write_text(json.dumps(self._results, indent=2) + "\n")


def _machine_lines(date: str, machine: dict) -> list[str]:
    """Where and how the run ran: the machine, its load and one core's speed at the start, and
    the landing zone's reads into the page cache (runs recorded before these have neither)."""
    line = (
        f"Run {date} on {machine['cores']} cores, {machine['memory_gb']} GB, Python "
        f"{machine['python']}; load average {machine.get('load_average_at_start', '?')} at the "
        "start"
    )
    if "cpu_marker_s" in machine:
        line += (
            f"; a fixed piece of pure-Python work took {machine['cpu_marker_s']} s of one core "
            "(`bench.cpu_marker`: compare it before comparing runs of different days)"
        )
    lines = [line + "."]
    if machine.get("landing_zone_read_s"):
        lines.append(
            "The landing zone was read into the page cache before the parse floor, the ingest "
            "and each Airflow run (seconds of each read: "
            f"{', '.join(map(str, machine['landing_zone_read_s']))})."
        )
    return lines


def _markdown(results: dict) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Produced by `make bench` (`python -m evalwh.bench`); each step is a separate process.",
        "",
        *_machine_lines(results["date"], results["machine"]),
        "",
        f"Command: `{results['command']}`",
        "",
        "| step | seconds | peak RSS (MB) | figures |",
        "|---|---:|---:|---|",
    ]
    for step, r in results["steps"].items():
        figures = ", ".join(
            f"{k}={v}" for k, v in r.items() if k not in ("seconds", "peak_rss_mb", "tasks")
        )
        lines.append(
            f"| {step} | {r.get('seconds', '')} | {r.get('peak_rss_mb', '')} | {figures} |"
        )
    lines += ["", "Derived:", ""]
    lines += [f"- {k}: {v}" for k, v in results["derived"].items()]
    timed = {step: r for step, r in results["steps"].items() if r.get("tasks")}
    if timed:  # the Airflow steps, task by task (seconds, from their metadata DBs)
        names = list(dict.fromkeys(t for r in timed.values() for t in r["tasks"]))
        lines += ["", "Airflow tasks (seconds, from each run's metadata DB):", ""]
        lines += ["| task | " + " | ".join(timed) + " |", "|---|" + "---:|" * len(timed)]
        for name in names:
            cells = " | ".join(str(r["tasks"].get(name, "")) for r in timed.values())
            lines.append(f"| {name} | {cells} |")
        cells = " | ".join(str(r.get("dag_runs_seconds", "")) for r in timed.values())
        lines.append(f"| DAG runs, first start to last end | {cells} |")
        cells = " | ".join(
            str(round(r["seconds"] - r.get("dag_runs_seconds", 0), 1)) for r in timed.values()
        )
        lines.append(f"| outside the DAG runs (process start-up, migrate, DAG parsing) | {cells} |")
    lines += ["", "Targets (issue #6), judged from the figures above:", ""]
    lines += ["| target | measured | met |", "|---|---|---|"]
    for name, key, limit, better in TARGETS:
        value = results["derived"].get(key)
        if value is None:
            lines.append(f"| {name} | not measured in this run | |")
            continue
        met = value < limit if better == "below" else value >= limit
        lines.append(f"| {name} | {key} = {value} | {'yes' if met else 'no'} |")
    floor = results["derived"].get("incremental_nothing_rebuilt_vs_full")
    if floor is not None:
        lines += [
            "",
            "The floor under the incremental target: the run after the new year, when all that "
            "arrived is a file that is not a workbook (quarantined, nothing rebuilt), took "
            f"incremental_nothing_rebuilt_vs_full = {floor} of the full run.",
        ]
    return "\n".join(lines) + "\n"


# (target, derived figure, limit, whether the figure must stay below the limit or reach it)
TARGETS = (
    ("whole pipeline at national scale under 10 minutes", "whole_pipeline_minutes", 10, "below"),
    ("ingest within 1.5x of the parse floor", "ingest_vs_parse_floor", 1.5, "below"),
    ("at least 5x faster than the naive baseline", "speedup_vs_naive_baseline", 5, "reach"),
    ("an incremental year under 1/8 of the full rebuild", "incremental_vs_full", 0.125, "below"),
    ("analyst example queries p95 under 200 ms", "query_shown_p95_ms", 200, "below"),
    ("peak memory under 4 GB in every step", "max_peak_rss_mb", 4096, "below"),
)


@click.command()
@click.option("--steps", default=",".join(STEPS), show_default=True)
@click.option("--cache", type=click.Path(path_type=Path), default=BENCH_DIR / "cache")
@click.option("--baseline-files", type=int, default=6, show_default=True)
def main(steps: str, cache: Path, baseline_files: int) -> None:
    wanted = [s.strip() for s in steps.split(",") if s.strip()]
    raw, wh = cache / "national", cache / "warehouse"
    results: dict = {
        "date": dt.date.today().isoformat(),
        "command": "make bench (python -m evalwh.bench --steps " + ",".join(wanted) + ")",
        "machine": {
            "cores": os.cpu_count(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
            "python": platform.python_version(),
            # other work on the machine slows every step: the 1-minute load when the run began
            "load_average_at_start": round(os.getloadavg()[0], 2),
            # and how fast one core is right now: the host's speed varies by tens of percent
            # from hour to hour (seventh pass), which the load average does not show
            "cpu_marker_s": cpu_marker(),
        },
        "steps": {},
        "derived": {},
    }
    run = _Steps(results, BENCH_DIR)
    if "generate" in wanted and not (raw / "_expected.json").exists():
        run["generate"] = _child(GENERATE.format(out=str(raw)))
    if "readers" in wanted:
        run["readers"] = _child(READERS.format(reports=str(raw / "reports")))
    # the landing zone in the page cache before each step that reads it whole: the first
    # read's seconds say whether it had been evicted
    warm = results["machine"]["landing_zone_read_s"] = []
    if "parse" in wanted:
        warm.append(read_into_page_cache(raw)[1])
        run["parse_floor"] = _child(PARSE_FLOOR.format(raw=str(raw)))
    if "ingest" in wanted:
        import shutil

        shutil.rmtree(wh, ignore_errors=True)
        warm.append(read_into_page_cache(raw)[1])
        run["ingest"] = _child(INGEST.format(raw=str(raw), wh=str(wh)))
    if "baseline" in wanted:
        db = cache / "baseline.duckdb"
        db.unlink(missing_ok=True)
        run["baseline"] = _child(
            BASELINE.format(reports=str(raw / "reports"), n=baseline_files, db=str(db))
        )
    if "dbt" in wanted:
        run["dbt_build"] = _child(
            PIPELINE_STEP.format(
                raw=str(raw),
                wh=str(wh),
                body="pipeline.prepare_build(p, mode='full'); pipeline.dbt_build(p); print('{}')",
            ),
            env={"EVALWH_WAREHOUSE_DIR": str(wh)},
        )
    if "gate" in wanted:
        run["gate"] = _child(
            PIPELINE_STEP.format(
                raw=str(raw),
                wh=str(wh),
                body="g = pipeline.audit_and_gate(p, run_id='bench'); import pathlib;"
                " pathlib.Path(p.warehouse_dir / 'gate.json').write_text(json.dumps(g.to_dict()));"
                " print(json.dumps({'passed': g.passed, 'checks': g.checks_total}))",
            ),
            env={"EVALWH_WAREHOUSE_DIR": str(wh)},
        )
    if "publish" in wanted:
        run["publish"] = _child(
            PIPELINE_STEP.format(
                raw=str(raw),
                wh=str(wh),
                body="from evalwh.quality import GateResult;"
                " g = GateResult.from_dict(json.loads((p.warehouse_dir / 'gate.json').read_text()));"
                " v = pipeline.publish(g, p, run_id='bench'); print(json.dumps({'version': v.version}))",
            ),
            env={"EVALWH_WAREHOUSE_DIR": str(wh)},
        )
    if "queries" in wanted:
        run["queries"] = _child(
            QUERIES.format(
                runs=20,
                shown=50,
                db=str(wh / "published" / "evaluation.duckdb"),
                queries=str(config.PROJECT_DIR / "queries"),
            )
        )
    if "airflow" in wanted:  # the whole pipeline through Airflow, from an empty warehouse
        import shutil

        air_wh, home = cache / "airflow" / "warehouse", cache / "airflow" / "home"
        shutil.rmtree(cache / "airflow", ignore_errors=True)
        warm.append(read_into_page_cache(raw)[1])
        run["airflow_pipeline"] = _orchestrate("full", _airflow_env(raw, air_wh, home))
    if "incremental" in wanted:
        import shutil

        inc = cache / "incremental"
        shutil.rmtree(inc, ignore_errors=True)
        inc_raw, inc_wh, home = inc / "raw", inc / "warehouse", inc / "home"
        inc_paths = config.paths(inc_raw, inc_wh)
        held = _link_tree(raw, inc_raw, lambda p: _reporting_year(p) < NEW_YEAR)
        # In a real landing zone those files arrived long before the new year, and the runs
        # since have remembered their fingerprints (ingest.load.file_sha256). Just linked, their
        # ctime is too recent to be remembered ("racy"), so the set-up waits that moment out.
        time.sleep(RACY_SECONDS)
        # The warehouse that holds the rest is built without Airflow (pipeline.run_all: the
        # same ingest, build, gate and publish, minus the per-task start-up): it is set-up,
        # not the figure. The figure is the next run, through Airflow like the full one.
        run["incremental_setup"] = {
            **_child(
                PIPELINE_STEP.format(
                    raw=str(inc_raw),
                    wh=str(inc_wh),
                    body="v = pipeline.run_all(p, mode='full');"
                    " print(json.dumps({'version': v.version}))",
                ),
                env={"EVALWH_RAW_DIR": str(inc_raw), "EVALWH_WAREHOUSE_DIR": str(inc_wh)},
            ),
            "files": held,
            "years": f"before {NEW_YEAR}",
        }
        added = _link_tree(raw, inc_raw, lambda p: _reporting_year(p) >= NEW_YEAR)
        warm.append(read_into_page_cache(inc_raw)[1])
        run["incremental_year"] = {
            **_orchestrate("incremental", _airflow_env(inc_raw, inc_wh, home)),
            "files_added": added,
            "year": NEW_YEAR,
            "plan": pipeline.read_build_plan(inc_paths)["why"],
        }
        # The floor under every incremental run of this deployment: the next run on the same
        # warehouse, when all that arrived is a file that is not a workbook. It is quarantined,
        # no partition is rebuilt, and every fixed cost is paid (Airflow's start-up, dbt's, the
        # tests and checks that do not shrink with the data, publish, the report).
        stray = inc_raw / "reports" / STRAY_UPLOAD
        stray.write_bytes(b"not a workbook: an upload cut short\n")
        try:
            run["incremental_nothing_rebuilt"] = {
                **_orchestrate("incremental", _airflow_env(inc_raw, inc_wh, inc / "home-next")),
                "plan": pipeline.read_build_plan(inc_paths)["why"],
            }
        finally:
            stray.unlink()
    derived = results["derived"]
    if "ingest" in run:
        derived["ingest_rows_per_second"] = round(
            run["ingest"]["rows_loaded"] / run["ingest"]["seconds"]
        )
    if "ingest" in run and "parse_floor" in run:
        derived["ingest_vs_parse_floor"] = round(
            run["ingest"]["seconds"] / run["parse_floor"]["seconds"], 2
        )
    if "baseline" in run and "ingest" in run:
        naive = run["baseline"]["rows"] / run["baseline"]["seconds"]
        derived["baseline_rows_per_second"] = round(naive)
        derived["speedup_vs_naive_baseline"] = round(derived["ingest_rows_per_second"] / naive, 1)
    if "airflow_pipeline" in run:
        derived["whole_pipeline_minutes"] = round(run["airflow_pipeline"]["seconds"] / 60, 1)
    if "airflow_pipeline" in run and "incremental_year" in run:
        derived["incremental_vs_full"] = round(
            run["incremental_year"]["seconds"] / run["airflow_pipeline"]["seconds"], 3
        )
        # the same ratio without the process start-up a long-lived scheduler pays once
        derived["incremental_vs_full_dag_runs"] = round(
            run["incremental_year"]["dag_runs_seconds"]
            / run["airflow_pipeline"]["dag_runs_seconds"],
            3,
        )
    if "airflow_pipeline" in run and "incremental_nothing_rebuilt" in run:
        # what any incremental run costs before its data: the floor under incremental_vs_full
        derived["incremental_nothing_rebuilt_vs_full"] = round(
            run["incremental_nothing_rebuilt"]["seconds"] / run["airflow_pipeline"]["seconds"], 3
        )
    if "queries" in run:
        derived["query_shown_p95_ms"] = run["queries"]["shown_p95_ms"]
        derived["query_whole_result_p95_ms"] = run["queries"]["whole_p95_ms"]
    peaks = [r["peak_rss_mb"] for r in run.values() if "peak_rss_mb" in r]
    if peaks:
        derived["max_peak_rss_mb"] = max(peaks)
    out_dir = BENCH_DIR / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{results['date']}.partial.json").unlink(missing_ok=True)
    if set(wanted) >= set(STEPS) - {"generate"}:  # a whole run: the figures of record
        (out_dir / f"{results['date']}.json").write_text(json.dumps(results, indent=2) + "\n")
        (BENCH_DIR / "README.md").write_text(_markdown(results))
    else:  # some steps only: kept apart, never mixed into the figures of a whole run
        name = f"{results['date']}-steps-{'-'.join(wanted)}.json"
        (out_dir / name).write_text(json.dumps(results, indent=2) + "\n")
    click.echo(_markdown(results))


if __name__ == "__main__":
    main()
