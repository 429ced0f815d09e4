"""The header aliases and enum maps, loaded once from the YAML files beside this module."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from evalwh.ingest.normalize import header_key

VERSIONS = ("v1", "v2")


@dataclass(frozen=True)
class Column:
    field: str
    aliases: tuple[str, ...]  # header keys (whitespace removed, width folded)
    required: bool = True


@dataclass(frozen=True)
class SheetSpec:
    table: str
    sheet: str
    columns: dict[str, tuple[Column, ...]]  # per template version

    def for_version(self, version: str) -> tuple[Column, ...]:
        return self.columns[version]


def _load(name: str) -> dict:
    return yaml.safe_load(resources.files("evalwh.ingest").joinpath(name).read_text("utf-8"))


def _column(field: str, spec: object) -> Column:
    required = True
    if isinstance(spec, dict):
        required = spec.get("required", True)
        spec = spec["header"]
    aliases = spec if isinstance(spec, list) else [spec]
    return Column(field, tuple(header_key(a) for a in aliases), required)


@cache
def enums() -> dict[str, dict[str, str]]:
    """enum name -> {source term (header_key form): canonical code}."""
    return {
        name: {header_key(term): code for term, code in mapping.items()}
        for name, mapping in _load("enums.yaml").items()
    }


@cache
def cover_labels() -> dict[str, str]:
    """label header_key -> cover field."""
    cover = _load("headers.yaml")["cover"]
    return {header_key(label): field for field, label in cover["labels"].items()}


@cache
def cover_sheet_name() -> str:
    return _load("headers.yaml")["cover"]["sheet"]


@cache
def sheet_specs() -> tuple[SheetSpec, ...]:
    specs = []
    for table, spec in _load("headers.yaml")["sheets"].items():
        per_version: dict[str, list[Column]] = {v: [] for v in VERSIONS}
        for field, by_version in spec["columns"].items():
            for version, aliases in by_version.items():
                per_version[version].append(_column(field, aliases))
        specs.append(
            SheetSpec(table, spec["sheet"], {v: tuple(cols) for v, cols in per_version.items()})
        )
    return tuple(specs)


@cache
def inspection_columns() -> tuple[Column, ...]:
    columns = _load("headers.yaml")["inspections"]["columns"]
    return tuple(_column(field, spec) for field, spec in columns.items())
