from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO_RAW = Path(__file__).resolve().parents[2] / "raw"


@pytest.mark.skipif(
    not (REPO_RAW / "_expected.json").exists(), reason="sample not generated into raw/"
)
def test_shipped_sample_is_what_the_generator_writes(manifest):
    shipped = json.loads((REPO_RAW / "_expected.json").read_text(encoding="utf-8"))
    assert shipped == manifest, "raw/ is stale: regenerate it with evalwh.generate.generate('raw')"
    for f in shipped["files"]:
        assert (REPO_RAW / f["path"]).stat().st_size == f["bytes"]
