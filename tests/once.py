"""Build an expensive fixture once per pytest run, shared by the xdist workers.

pytest-xdist runs a session fixture once per worker; `xdist_group` did not keep the tests of
one group on one worker here (pytest-xdist 3.8), so a shared build takes a file lock in the
run's common temp dir instead: the first worker builds, the others wait and reuse it.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


def once_per_run(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], dict]
) -> tuple[Path, dict]:
    """(directory, what `build(directory)` returned, as JSON) of the one build of this run."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # common to every worker of this run, unique to the run
    root = base / name
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            done = root / "done.json"
            if not done.exists():
                shutil.rmtree(root, ignore_errors=True)  # a previous attempt failed half-way
                root.mkdir(parents=True)
                done.write_text(json.dumps(build(root)))
            return root, json.loads(done.read_text())
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
