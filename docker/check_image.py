"""Build-time check of the evalwh Airflow image (run by docker/Dockerfile as the last step).

Fails the image build, instead of the running containers, when:
- the installed distributions are inconsistent (``uv pip check``), apart from the one
  incompatibility the project accepts on purpose: dbt-core 1.12 declares
  ``dbt-core-experimental-parser``, which pyproject's ``[tool.uv] override-dependencies``
  removes (it is only used with ``--use-v2-parser`` and cannot be built offline);
- Airflow, DuckDB or the project are not the locked versions / not importable;
- the deployment providers (Celery, Postgres, FAB) are missing (``--deployment``);
- the ``dbt`` executable is not on PATH (the dbt_build task runs dbt as a subprocess).

Usage: python check_image.py --uv /path/to/uv --airflow 3.3.2 --duckdb 2.0.1 [--deployment]
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import subprocess
import sys

# `uv pip check` lines that are expected and accepted (see module docstring).
ACCEPTED_INCOMPATIBILITIES = ("requires `dbt-core-experimental-parser",)

DEPLOYMENT_MODULES = (
    "airflow.providers.celery.executors.celery_executor",
    "airflow.providers.postgres",
    "airflow.providers.fab.auth_manager.fab_auth_manager",
    "psycopg2",
    "flower",
)


def unexpected_incompatibilities(check_output: str) -> list[str]:
    """The `uv pip check` problem lines that are not on the accepted list."""
    problems = []
    for line in check_output.splitlines():
        line = line.strip()
        if not line.startswith("The package"):
            continue
        if any(accepted in line for accepted in ACCEPTED_INCOMPATIBILITIES):
            continue
        problems.append(line)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uv", default="uv", help="uv executable used for `uv pip check`")
    parser.add_argument("--airflow", required=True, help="expected apache-airflow version")
    parser.add_argument("--duckdb", required=True, help="expected duckdb version")
    parser.add_argument("--deployment", action="store_true", help="also check providers")
    args = parser.parse_args(argv)

    failures: list[str] = []

    result = subprocess.run(
        [args.uv, "pip", "check", "--python", sys.executable],
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    print(output.strip())
    failures += [f"dependency conflict: {p}" for p in unexpected_incompatibilities(output)]

    import airflow
    import duckdb

    if airflow.__version__ != args.airflow:
        failures.append(f"apache-airflow {airflow.__version__}, expected {args.airflow}")
    if duckdb.__version__ != args.duckdb:
        failures.append(f"duckdb {duckdb.__version__}, expected {args.duckdb} (file format)")

    modules = ["evalwh", "evalwh.config", "dbt.version", "dbt.adapters.duckdb"]
    if args.deployment:
        modules += list(DEPLOYMENT_MODULES)
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # report every missing piece, not just the first
            failures.append(f"cannot import {name}: {exc!r}")

    if shutil.which("dbt") is None:
        failures.append("`dbt` is not on PATH (the dbt_build task runs dbt as a subprocess)")

    if failures:
        print("evalwh image check FAILED:", *failures, sep="\n  - ", file=sys.stderr)
        return 1
    print(f"evalwh image check passed (airflow {airflow.__version__}, duckdb {duckdb.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
