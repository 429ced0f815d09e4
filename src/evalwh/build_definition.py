"""What a published version was built and validated with: a fingerprint of the dbt project and
the expectation suites.

An incremental build rebuilds only the changed partitions and keeps the rest of the published
file as it is, so it is sound only if the published file came from the same models and passed
the same checks. `pipeline.build_plan` compares the current fingerprint with the one recorded
at the last publish (`published/build-definition.json`) and falls back to a full refresh when
they differ or when none is recorded.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from evalwh import config

# what decides the content of the marts and what the gate checks
_DBT_PARTS = ("dbt_project.yml", "models", "macros", "seeds", "tests")


def _files() -> list[tuple[str, Path]]:
    """(name that does not depend on where the project lives, path) of every defining file."""
    roots = [("dbt_project", config.DBT_PROJECT_DIR / part) for part in _DBT_PARTS]
    roots.append(("expectations", config.EXPECTATIONS_DIR))
    found: list[tuple[str, Path]] = []
    for label, root in roots:
        base = root.parent if label == "dbt_project" else root
        files = [root] if root.is_file() else sorted(root.rglob("*")) if root.is_dir() else []
        found += [
            (f"{label}/{p.relative_to(base)}", p)
            for p in files
            if p.is_file() and "__pycache__" not in p.parts
        ]
    return sorted(found)


def build_definition() -> str:
    """sha256 over the name and content of every file that defines the build."""
    h = hashlib.sha256()
    for name, path in _files():
        h.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _record_file(paths: config.Paths) -> Path:
    return paths.published_db.parent / "build-definition.json"


def published_definition(paths: config.Paths) -> str | None:
    """The fingerprint recorded when the current published version was published, if any."""
    record = _record_file(paths)
    if not record.exists() or not paths.published_db.exists():
        return None
    try:
        return json.loads(record.read_text())["sha256"]
    except (ValueError, KeyError):
        return None


def record_definition(paths: config.Paths, definition: str, version: int) -> None:
    """Write the record atomically (temp file + rename) after a publish."""
    record = _record_file(paths)
    tmp = record.with_name(record.name + ".tmp")
    tmp.write_text(json.dumps({"sha256": definition, "version": version}) + "\n")
    os.replace(tmp, record)
