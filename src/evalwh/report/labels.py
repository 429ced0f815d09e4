"""The report's labels, from labels.yaml: Chinese (the source data's language) or English."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Template

import yaml

LANGUAGES = ("zh", "en")
LABELS_FILE = Path(__file__).with_name("labels.yaml")


@cache
def _table() -> dict[str, dict[str, str]]:
    return yaml.safe_load(LABELS_FILE.read_text("utf-8"))


class Labels:
    def __init__(self, lang: str = "zh") -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"lang must be one of {LANGUAGES}, not {lang!r}")
        self.lang = lang

    def __getitem__(self, key: str) -> str:
        return str(_table()[key][self.lang])

    def fmt(self, key: str, **values: object) -> str:
        return Template(self[key]).safe_substitute({k: str(v) for k, v in values.items()})

    def code(self, prefix: str, code: str | None) -> str:
        """The label of a warehouse code (rating_good, status_partial, ...); the code itself
        when there is no label for it."""
        if code is None:
            return ""
        entry = _table().get(f"{prefix}_{code}")
        return str(entry[self.lang]) if entry else str(code)

    @staticmethod
    def all_keys() -> list[str]:
        return list(_table())

    @staticmethod
    def entry(key: str) -> dict[str, str]:
        return dict(_table()[key])
