from __future__ import annotations

import json
from pathlib import Path

import pytest
from generate_readback import NATIONAL_PROVINCES, NATIONAL_YEARS

from evalwh.generate import generate


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    generate(out, scale="sample", seed=2014)
    return out


@pytest.fixture(scope="session")
def manifest(sample_dir) -> dict:
    return json.loads((sample_dir / "_expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def national_run(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("national")
    calls: list[tuple[int, int]] = []
    summary = generate(
        out,
        scale="national",
        seed=7,
        workers=2,
        progress=lambda d, t: calls.append((d, t)),
        provinces=NATIONAL_PROVINCES,
        years=NATIONAL_YEARS,
    )
    summary["progress_calls"] = calls
    return out, summary
