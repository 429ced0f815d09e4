"""What the DAG files share: Assets, default arguments, the failure callback.

Imported at DAG parse time, so it imports nothing heavy: the pipeline, dbt and Great
Expectations are imported inside the tasks.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import urllib.request

import pendulum
from airflow.sdk import Asset

log = logging.getLogger("evalwh")

# Data-aware scheduling: the ingest DAGs emit these when they loaded something new.
RAW_REPORTS = Asset("evalwh_raw_reports", extra={"layer": "raw", "source": "report workbooks"})
RAW_INSPECTIONS = Asset(
    "evalwh_raw_inspections", extra={"layer": "raw", "source": "inspection exports"}
)
PUBLISHED_WAREHOUSE = Asset("evalwh_published_warehouse", extra={"layer": "published"})

START_DATE = pendulum.datetime(2026, 1, 1, tz="UTC")
# One pool slot guards every task that writes the warehouse (DuckDB: one writer per file).
WAREHOUSE_POOL = os.environ.get("EVALWH_AIRFLOW_POOL", "default_pool")

SLACK_CONN_ID = "evalwh_slack"  # an HTTP connection whose password is a Slack webhook URL
SMTP_CONN_ID = "smtp_default"
ALERT_EMAIL = os.environ.get("EVALWH_ALERT_EMAIL")


def default_args(retries: int = 2) -> dict:
    return {
        "owner": "data-team",
        "retries": retries,
        "retry_delay": dt.timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "on_failure_callback": record_failure,
    }


def record_failure(context) -> None:
    """On a failed task: log it, write it to audit.load_runs, and alert where configured."""
    ti = context.get("task_instance") or context.get("ti")
    dag_id = getattr(ti, "dag_id", "?")
    task_id = getattr(ti, "task_id", "?")
    run_id = getattr(ti, "run_id", None) or context.get("run_id") or "unknown"
    error = context.get("exception")
    message = f"{dag_id}.{task_id} failed in run {run_id}: {error!r}"
    log.error("evalwh failure: %s", message)
    try:
        _write_failure(f"airflow:{dag_id}:{run_id}", message)
    except Exception:  # the callback must never hide the original failure
        log.exception("could not record the failure in audit.load_runs")
    _notify(message)


def _write_failure(run_id: str, message: str) -> None:
    from evalwh.config import paths
    from evalwh.locking import pipeline_lock
    from evalwh.store import connect_ingest

    p = paths()
    now = dt.datetime.now()
    with pipeline_lock(p.lock_file, timeout=60), connect_ingest(p.ingest_db) as con:
        con.execute(
            "insert into audit.load_runs (run_id, started_at, finished_at, status, message) "
            "values (?, ?, ?, 'failed', ?) on conflict (run_id) do update set "
            "finished_at = excluded.finished_at, status = 'failed', message = excluded.message",
            [run_id, now, now, message],
        )


def _notify(message: str) -> None:
    try:
        from airflow.sdk import BaseHook

        try:
            slack = BaseHook.get_connection(SLACK_CONN_ID)
        except Exception:
            slack = None
        if slack is not None and slack.password:
            body = json.dumps({"text": f":red_circle: evalwh: {message}"}).encode()
            request = urllib.request.Request(
                slack.password, data=body, headers={"Content-Type": "application/json"}
            )
            urllib.request.urlopen(request, timeout=10).close()  # the configured webhook
        if ALERT_EMAIL:
            from airflow.providers.smtp.hooks.smtp import SmtpHook

            with SmtpHook(smtp_conn_id=SMTP_CONN_ID) as hook:
                hook.send_email_smtp(
                    to=ALERT_EMAIL, subject="evalwh pipeline failure", html_content=message
                )
    except Exception:
        log.exception("failure notification could not be sent")


def ingest_dag(dag_id: str, kind: str, schedule: str, asset: Asset, doc_md: str):
    """One ingest DAG: load what is new of one kind; update the Asset only if anything loaded.

    A run that finds nothing new is a quick green run whose `announce` task is skipped, so
    nothing downstream is triggered.
    """
    from airflow.sdk import dag, task

    @dag(
        dag_id=dag_id,
        schedule=schedule,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=default_args(),
        tags=["evalwh", "ingest"],
        doc_md=doc_md,
    )
    def ingest_files():
        @task(pool=WAREHOUSE_POOL)
        def load_new_files() -> dict:
            from evalwh.pipeline import ingest

            return ingest(kinds=(kind,)).as_dict()

        @task.short_circuit
        def anything_new(summary: dict) -> bool:
            return summary["files_loaded"] > 0

        @task(outlets=[asset])
        def announce(summary: dict) -> dict:
            return {"run_id": summary["run_id"], "rows_loaded": summary["rows_loaded"]}

        summary = load_new_files()
        anything_new(summary) >> announce(summary)

    return ingest_files()
