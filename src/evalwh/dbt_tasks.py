"""The dbt project rendered as Airflow tasks (astronomer-cosmos).

Choices, each forced by this stack (see docs/architecture.md):
- LoadMode.DBT_MANIFEST: the DAG is rendered from `dbt parse`'s manifest.json (written by
  `make setup`/`orchestrate prepare`), so parsing the DAG file runs no dbt command.
- ExecutionMode.LOCAL with InvocationMode.SUBPROCESS: each task is one `dbt build --select
  <model>` (TestBehavior.BUILD: the model and its tests), in a subprocess that closes the DuckDB
  file when it ends; the in-process runner kept the file open for later tasks.
- `--indirect-selection buildable`: a relationships test between a model and a seed runs with
  the model (whose task comes after the seed's), never with the seed.
- One pool slot: DuckDB allows one writer per file, so the dbt tasks never overlap.
- Params: mode=full adds --full-refresh; mode=year passes the var `rebuild_year`.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from evalwh import config

log = logging.getLogger(__name__)
GROUP_ID = "dbt"


def manifest_path() -> Path:
    return config.paths().warehouse_dir / "dbt" / "target" / "manifest.json"


def dbt_task_group(pool: str):
    """The Cosmos task group; without a manifest, one plain `dbt build` task instead."""
    manifest = manifest_path()
    if not manifest.exists():
        log.warning("no dbt manifest at %s (run `make setup`): one dbt build task", manifest)
        return _single_build_task(pool)

    from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

    from evalwh.pipeline import dbt_env

    project = config.DBT_PROJECT_DIR
    return DbtTaskGroup(
        group_id=GROUP_ID,
        project_config=ProjectConfig(
            dbt_project_path=project,
            manifest_path=manifest,
            project_name="evalwh",
            env_vars=dbt_env(),
        ),
        profile_config=ProfileConfig(
            profile_name="evalwh",
            target_name="default",
            profiles_yml_filepath=project / "profiles.yml",
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.SUBPROCESS,
            dbt_executable_path=str(Path(sys.executable).with_name("dbt")),
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.BUILD,
            enable_mock_profile=False,
        ),
        operator_args={
            "pool": pool,
            "install_deps": False,
            # a test runs in the task of the last of its parents to be built
            "dbt_cmd_flags": ["--indirect-selection", "buildable"],
            "full_refresh": "{{ params.mode == 'full' }}",
            "vars": {"rebuild_year": "{{ params.year if params.mode == 'year' else '' }}"},
            "append_env": True,
        },
        default_args={"retries": 0},
    )


def _single_build_task(pool: str):
    from airflow.sdk import task

    @task(task_id="dbt_build", pool=pool)
    def dbt_build(params=None) -> None:
        from evalwh.pipeline import dbt_build as run

        run(mode=params["mode"], year=params.get("year"))

    return dbt_build()
