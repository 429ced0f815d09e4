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
import subprocess
import sys
import time
from pathlib import Path

import click

from evalwh import config

BENCH_DIR = config.PROJECT_DIR / "bench"
STEPS = ("generate", "readers", "parse", "ingest", "baseline", "dbt", "gate", "publish")


def _child(code: str, env: dict[str, str] | None = None) -> dict:
    """Run python code in a child; return its wall time, peak RSS and the JSON it printed."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        text=True,
    )
    out = proc.stdout.read()
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
import json, csv, io
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from python_calamine import CalamineWorkbook
def read(path):
    if path.suffix == ".xlsx":
        book = CalamineWorkbook.from_path(str(path))
        return sum(len(book.get_sheet_by_name(n).to_python()) for n in book.sheet_names)
    data = path.read_bytes()
    try: text = data.decode("utf-8-sig")
    except UnicodeDecodeError: text = data.decode("gb18030")
    return sum(1 for _ in csv.reader(io.StringIO(text)))
files = sorted(Path({raw!r}).rglob("*.xlsx")) + sorted(Path({raw!r}).rglob("*.csv"))
with ProcessPoolExecutor(2) as pool:
    rows = sum(pool.map(read, files, chunksize=1))
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


def _markdown(results: dict) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Produced by `make bench` (`python -m evalwh.bench`); each step is a separate process.",
        "",
        f"Run {results['date']} on {results['machine']['cores']} cores, "
        f"{results['machine']['memory_gb']} GB, Python {results['machine']['python']}.",
        "",
        "| step | seconds | peak RSS (MB) | figures |",
        "|---|---:|---:|---|",
    ]
    for step, r in results["steps"].items():
        figures = ", ".join(f"{k}={v}" for k, v in r.items() if k not in ("seconds", "peak_rss_mb"))
        lines.append(
            f"| {step} | {r.get('seconds', '')} | {r.get('peak_rss_mb', '')} | {figures} |"
        )
    lines += ["", "Derived:", ""]
    lines += [f"- {k}: {v}" for k, v in results["derived"].items()]
    return "\n".join(lines) + "\n"


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
        },
        "steps": {},
        "derived": {},
    }
    run = _Steps(results, BENCH_DIR)
    if "generate" in wanted and not (raw / "_expected.json").exists():
        run["generate"] = _child(GENERATE.format(out=str(raw)))
    if "readers" in wanted:
        run["readers"] = _child(READERS.format(reports=str(raw / "reports")))
    if "parse" in wanted:
        run["parse_floor"] = _child(PARSE_FLOOR.format(raw=str(raw)))
    if "ingest" in wanted:
        import shutil

        shutil.rmtree(wh, ignore_errors=True)
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
                body="pipeline.prepare_build(p, mode='full'); pipeline.dbt_build(p, mode='full');"
                " print('{}')",
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
    out_dir = BENCH_DIR / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{results['date']}.json").write_text(json.dumps(results, indent=2) + "\n")
    (out_dir / f"{results['date']}.partial.json").unlink(missing_ok=True)
    (BENCH_DIR / "README.md").write_text(_markdown(results))
    click.echo(_markdown(results))


if __name__ == "__main__":
    main()
