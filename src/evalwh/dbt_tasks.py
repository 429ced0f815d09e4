"""The dbt part of `build_and_publish`: one Airflow task that runs one `dbt build`.

Why one task and not one per model (astronomer-cosmos, used until 2026-11): every dbt
process pays about 5 s of start-up (imports, project load, DuckDB attach) before it builds
anything. At national scale the 24 per-model tasks took 152-159 s, of which the models and
tests themselves took about 25 s; one `dbt build` of the same project took 31 s
(docs/performance.md). Cosmos' cheaper "watcher" mode deadlocked under `airflow dags test`
here, and its in-process runner keeps the DuckDB file open (../shared/notes/stack-findings.md).

What the per-model tasks gave, kept another way:
- which model or test failed: the task log has dbt's line per node, and the task fails with
  the failed nodes named (read from dbt's run_results.json);
- retrying only what failed: when the task is cleared and runs again within the same build
  (the staging file still holds the models that succeeded), it runs `dbt retry`, which
  re-runs the failed and skipped nodes only. A new build (`prepare` ran again) always starts
  with a whole `dbt build`: `prepare` removes the previous results.
- DuckDB allows one writer per file: the task holds the warehouse pool's single slot.
"""

from __future__ import annotations


def dbt_build_task(pool: str):
    """The `dbt_build` task: `dbt build` of the whole project into the staging file, with the
    scope `prepare` chose (full refresh, or the years to rebuild)."""
    from airflow.sdk import task

    @task(task_id="dbt_build", pool=pool, retries=0)
    def dbt_build() -> dict:
        from evalwh.pipeline import dbt_build as run

        built = run()  # the plan (mode, years) is the one `prepare` wrote for this build
        print(
            f"dbt {built['command']}: {built['statuses']} in {built['seconds']} s ({built['plan']})"
        )
        if built["meanwhile"]:  # make run: the gate follows in this process
            print(f"while dbt built, this process ran {built['meanwhile']}")
        return built

    return dbt_build()
