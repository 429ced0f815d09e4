"""Where things live. Every location can be overridden from the environment.

EVALWH_RAW_DIR        landing zone (default: <project>/raw)
EVALWH_WAREHOUSE_DIR  warehouse root (default: <project>/warehouse)

Inside the warehouse root:
    ingest/ingest.duckdb                 raw layer + audit trail (written by ingestion only)
    staging/evaluation.duckdb         dbt builds here; validated before publishing
    published/evaluation.duckdb       what analysts open read-only (swapped in atomically)
    published/parquet/<table>.parquet Parquet export of the marts
    data_docs/                        Great Expectations Data Docs (HTML)
    quarantine/                       copies of quarantined files
    reports/<year>/                   the auditor's report (HTML + xlsx) of each published year
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(os.environ.get("EVALWH_PROJECT_DIR", Path(__file__).resolve().parents[2]))


@dataclass(frozen=True)
class Paths:
    raw_dir: Path
    warehouse_dir: Path

    @property
    def reports_dir(self) -> Path:
        return self.raw_dir / "reports"

    @property
    def inspections_dir(self) -> Path:
        return self.raw_dir / "inspections"

    @property
    def ingest_db(self) -> Path:
        return self.warehouse_dir / "ingest" / "ingest.duckdb"

    @property
    def staging_db(self) -> Path:
        return self.warehouse_dir / "staging" / "evaluation.duckdb"

    @property
    def published_db(self) -> Path:
        return self.warehouse_dir / "published" / "evaluation.duckdb"

    @property
    def parquet_dir(self) -> Path:
        return self.warehouse_dir / "published" / "parquet"

    @property
    def data_docs_dir(self) -> Path:
        return self.warehouse_dir / "data_docs"

    @property
    def quarantine_dir(self) -> Path:
        return self.warehouse_dir / "quarantine"

    @property
    def audit_reports_dir(self) -> Path:
        """The auditor's reports (`evalwh report`); not `reports_dir`, the landing zone's."""
        return self.warehouse_dir / "reports"

    def report_dir(self, year: int) -> Path:
        return self.audit_reports_dir / str(year)

    @property
    def lock_file(self) -> Path:
        return self.warehouse_dir / ".pipeline.lock"

    @property
    def font_cache_dir(self) -> Path:
        """The report's font subsets (evalwh.report.fonts.FontCache): derived, safe to delete."""
        return self.warehouse_dir / "cache" / "fonts"


def paths(raw_dir: str | Path | None = None, warehouse_dir: str | Path | None = None) -> Paths:
    """Resolve the locations: explicit arguments, then the environment, then the defaults."""
    raw = raw_dir or os.environ.get("EVALWH_RAW_DIR") or PROJECT_DIR / "raw"
    wh = warehouse_dir or os.environ.get("EVALWH_WAREHOUSE_DIR") or PROJECT_DIR / "warehouse"
    return Paths(Path(raw).resolve(), Path(wh).resolve())


DBT_PROJECT_DIR = Path(os.environ.get("EVALWH_DBT_PROJECT_DIR", PROJECT_DIR / "dbt_project"))
EXPECTATIONS_DIR = Path(os.environ.get("EVALWH_EXPECTATIONS_DIR", PROJECT_DIR / "expectations"))


def ingest_workers() -> int:
    """Parser processes for ingestion: EVALWH_INGEST_WORKERS, else one per core, at most 4.

    Parsing is CPU-bound Python, so more processes than cores only add switching; the writer
    (DuckDB, in the calling process) keeps up with four.
    """
    configured = os.environ.get("EVALWH_INGEST_WORKERS")
    if configured:
        return max(1, int(configured))
    return max(1, min(4, os.cpu_count() or 1))


# Set by `make run` for the one process that runs every task (`airflow dags test`), and by
# `pipeline.run_all`: the steps then follow each other in this process, so a step may import
# what the next one needs while it waits (docs/performance.md, fifth pass).
TASKS_SHARE_A_PROCESS = "EVALWH_TASKS_SHARE_A_PROCESS"


def tasks_share_a_process() -> bool:
    """Whether the pipeline's steps run one after another in this process (`make run`,
    `pipeline.run_all`), not each in a process of its own (a scheduler's workers)."""
    return os.environ.get(TASKS_SHARE_A_PROCESS) == "1"
