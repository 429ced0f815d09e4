"""The dbt project rendered as Airflow tasks (astronomer-cosmos).

Choices, each forced by this stack (see docs/architecture.md):
- LoadMode.DBT_MANIFEST: the DAG is rendered from `dbt parse`'s manifest.json (written by
  `make setup`/`orchestrate prepare`), so parsing the DAG file runs no dbt command.
- ExecutionMode.LOCAL with InvocationMode.SUBPROCESS: each task is one `dbt build --select
  <model>` (TestBehavior.BUILD: the model and its tests), in a subprocess that closes the DuckDB
  file when it ends; the in-process runner kept the file open for later tasks.
- Seeds (small reference lists) load in one `dbt seed` task before the group: a task per
  seed cost ~5 s of dbt start-up each.
- ExecutionMode.WATCHER (one `dbt build`, cheap watcher tasks) was tried: under
  `airflow dags test` a watcher ran before the producer and waited forever, so it is not used.
- `--indirect-selection buildable`: a relationships test between a model and a seed runs with
  the model (whose task comes after the seed's), never with the seed.
- One pool slot: DuckDB allows one writer per file, so the dbt tasks never overlap.
- Params: mode=full adds --full-refresh (mode=year is handled by `prepare`, before dbt).
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
    """(first task, last task) of the dbt part: one seed task, then the Cosmos task group.

    Without a manifest (setup not run), one plain `dbt build` task instead.
    """
    manifest = manifest_path()
    if not manifest.exists():
        log.warning("no dbt manifest at %s (run `make setup`): one dbt build task", manifest)
        single = _single_build_task(pool)
        return single, single

    from cosmos import DbtTaskGroup, RenderConfig
    from cosmos.constants import LoadMode, TestBehavior
    from cosmos.operators.local import DbtSeedLocalOperator

    project, profile, execution = _cosmos_configs(manifest)
    seeds = DbtSeedLocalOperator(
        task_id="dbt_seeds",
        project_dir=str(config.DBT_PROJECT_DIR),
        profile_config=profile,
        env=_dbt_env(),
        append_env=True,
        install_deps=False,
        full_refresh=True,
        dbt_executable_path=execution.dbt_executable_path,
        invocation_mode=execution.invocation_mode,
        pool=pool,
        retries=0,
    )
    group = DbtTaskGroup(
        group_id=GROUP_ID,
        project_config=project,
        profile_config=profile,
        execution_config=execution,
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.BUILD,
            enable_mock_profile=False,
            exclude=["resource_type:seed"],  # all seeds load in one task, before the models
        ),
        operator_args={
            "pool": pool,
            "install_deps": False,
            # a test runs in the task of the last of its parents to be built
            "dbt_cmd_flags": ["--indirect-selection", "buildable"],
            "full_refresh": "{{ params.mode == 'full' }}",
            "append_env": True,
        },
        default_args={"retries": 0},
    )
    seeds >> group
    return seeds, group


def _dbt_env() -> dict[str, str]:
    from evalwh.pipeline import dbt_env

    return dbt_env()


def _cosmos_configs(manifest: Path):
    from cosmos import ExecutionConfig, ProfileConfig, ProjectConfig
    from cosmos.constants import ExecutionMode, InvocationMode

    project_dir = config.DBT_PROJECT_DIR
    project = ProjectConfig(
        dbt_project_path=project_dir,
        manifest_path=manifest,
        project_name="evalwh",
        env_vars=_dbt_env(),
    )
    profile = ProfileConfig(
        profile_name="evalwh",
        target_name="default",
        profiles_yml_filepath=project_dir / "profiles.yml",
    )
    execution = ExecutionConfig(
        execution_mode=ExecutionMode.LOCAL,
        invocation_mode=InvocationMode.SUBPROCESS,
        dbt_executable_path=str(Path(sys.executable).with_name("dbt")),
    )
    return project, profile, execution


def _single_build_task(pool: str):
    from airflow.sdk import task

    @task(task_id="dbt_build", pool=pool)
    def dbt_build(params=None) -> None:
        from evalwh.pipeline import dbt_build as run

        run(mode=params["mode"])

    return dbt_build()
