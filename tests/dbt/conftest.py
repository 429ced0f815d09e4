"""One dbt build per test session (per xdist worker), on the purpose-built ingest DB."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

# tests/dbt has no __init__.py on purpose: a package named `dbt` would shadow dbt-core.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from raw_fixtures import REPO_ROOT, build_ingest_db

if str(REPO_ROOT) not in sys.path:  # for the package `tests` (tests/once.py)
    sys.path.insert(0, str(REPO_ROOT))
from tests.once import once_per_run

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


def dbt_executable() -> str:
    """The dbt of this environment (next to the running python), else the one on PATH."""
    local = Path(sys.executable).parent / "dbt"
    if local.exists():
        return str(local)
    found = shutil.which("dbt")
    if found is None:  # pragma: no cover - environment problem
        pytest.fail("dbt is not installed in this environment")
    return found


@dataclass(frozen=True)
class DbtRun:
    ingest_db: Path
    warehouse_db: Path
    target_path: Path
    log_path: Path
    env: dict[str, str]
    build_seconds: float
    build_results: Path

    def dbt(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run_dbt(self.env, self.target_path, self.log_path, *args, check=check)


def run_dbt(
    env: dict[str, str], target_path: Path, log_path: Path, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    cmd = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target_path),
        "--log-path",
        str(log_path),
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-6000:]}")
    return proc


def _build(root: Path) -> dict:
    ingest_db = build_ingest_db(root / "ingest" / "raw.duckdb")
    warehouse_db = root / "staging" / "evaluation.duckdb"
    warehouse_db.parent.mkdir(parents=True)
    env = dbt_env(ingest_db, warehouse_db)
    target_path, log_path = root / "target", root / "logs"
    started = time.perf_counter()
    run_dbt(env, target_path, log_path, "build")
    build_seconds = time.perf_counter() - started
    # keep the build's results: docs generate overwrites run_results.json
    shutil.copy(target_path / "run_results.json", root / "build_run_results.json")
    # docs generate here, while no test holds a connection to the built file (DuckDB
    # allows one writer, and dbt opens the file read-write)
    run_dbt(env, target_path, log_path, "docs", "generate")
    return {"build_seconds": build_seconds}


def dbt_env(ingest_db: Path, warehouse_db: Path) -> dict[str, str]:
    return {
        **os.environ,
        "EVALWH_INGEST_DB": str(ingest_db),
        "EVALWH_DBT_TARGET_PATH": str(warehouse_db),
        "EVALWH_DBT_THREADS": "2",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_NO_VERSION_CHECK": "true",
        "DBT_PARTIAL_PARSE": "false",
    }


@pytest.fixture(scope="session")
def dbt_run(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    """Build once per pytest run: under pytest-xdist the workers share one build
    (tests/once.py), so -n 2 does not build twice on two cores."""
    root, info = once_per_run(tmp_path_factory, "dbt_build", _build)
    ingest_db = root / "ingest" / "raw.duckdb"
    warehouse_db = root / "staging" / "evaluation.duckdb"
    return DbtRun(
        ingest_db=ingest_db,
        warehouse_db=warehouse_db,
        target_path=root / "target",
        log_path=root / "logs",
        env=dbt_env(ingest_db, warehouse_db),
        build_seconds=info["build_seconds"],
        build_results=root / "build_run_results.json",
    )
