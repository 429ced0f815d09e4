"""The DAG files import cleanly, do no work at parse time, and have the shape we promise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from evalwh import config

pytestmark = pytest.mark.xdist_group("dag_parse")

PARSE = textwrap.dedent(
    """
    import json, sys, time
    started = time.perf_counter()
    from airflow.dag_processing.dagbag import DagBag
    bag = DagBag(dag_folder=sys.argv[1])
    heavy = sorted(m for m in sys.modules if m.split('.')[0] in
                   ('great_expectations', 'dbt', 'evalwh') and m not in
                   ('evalwh', 'evalwh.config', 'evalwh.airflow_support', 'evalwh.dbt_tasks',
                    'evalwh.pipeline', 'evalwh.locking'))
    print(json.dumps({
        'errors': {k: str(v) for k, v in bag.import_errors.items()},
        'dags': {d.dag_id: {
            'tasks': sorted(t.task_id for t in d.tasks),
            'upstream': {t.task_id: sorted(t.upstream_task_ids) for t in d.tasks},
            'schedule': type(d.timetable).__name__ + ' ' + repr(d.schedule),
            'catchup': d.catchup,
            'max_active_runs': d.max_active_runs,
            'params': sorted(d.params.keys()),
            'retries': sorted({t.retries for t in d.tasks}),
            'failure_callbacks': all(t.on_failure_callback for t in d.tasks),
        } for d in bag.dags.values()},
        'heavy_modules': heavy,
    }))
    """
)


@pytest.fixture(scope="module")
def parsed(tmp_path_factory):
    env = {**os.environ, "EVALWH_WAREHOUSE_DIR": str(tmp_path_factory.mktemp("warehouse"))}
    env["AIRFLOW_HOME"] = str(tmp_path_factory.mktemp("airflow_home"))
    out = subprocess.run(
        [sys.executable, "-c", PARSE, str(config.PROJECT_DIR / "dags")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_dag_files_import_without_errors(parsed):
    assert parsed["errors"] == {}
    assert set(parsed["dags"]) == {"ingest_reports", "ingest_inspections", "build_and_publish"}


def test_parsing_does_no_pipeline_work(parsed):
    # neither ingestion, dbt nor Great Expectations is imported when the scheduler parses
    assert parsed["heavy_modules"] == []


def test_ingest_dags_are_scheduled_without_catchup_and_retry(parsed):
    for dag_id in ("ingest_reports", "ingest_inspections"):
        dag = parsed["dags"][dag_id]
        assert dag["catchup"] is False
        assert dag["max_active_runs"] == 1
        assert dag["retries"] == [2]
        assert dag["failure_callbacks"]
        assert dag["tasks"] == ["announce", "anything_new", "load_new_files"]
    assert (
        "daily" in parsed["dags"]["ingest_reports"]["schedule"].lower()
        or "0 0" in parsed["dags"]["ingest_reports"]["schedule"]
    )


def test_build_dag_is_asset_triggered_with_params_and_builds_with_one_dbt_task(parsed):
    dag = parsed["dags"]["build_and_publish"]
    assert dag["schedule"].startswith("AssetTriggeredTimetable AssetAny(")
    assert "evalwh_raw_reports" in dag["schedule"] and "evalwh_raw_inspections" in dag["schedule"]
    assert dag["params"] == ["mode", "year"]
    assert dag["max_active_runs"] == 1
    # one `dbt build` (dbt's start-up once, not once per model): docs/performance.md
    assert dag["tasks"] == [
        "anything_to_build",
        "audit_and_gate",
        "dbt_build",
        "prepare",
        "publish",
        "report",
    ]
    assert dag["upstream"] == {
        "anything_to_build": ["prepare"],  # short-circuits a build with nothing new
        "audit_and_gate": ["dbt_build"],
        "dbt_build": ["anything_to_build"],
        "prepare": [],
        "publish": ["audit_and_gate"],
        "report": ["publish"],
    }
