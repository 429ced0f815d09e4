"""Suite definitions as data: `expectations/*.json` → `SuiteSpec`.

One JSON file per suite. Kinds:

``table``
    Expectations over one table (or a ``query`` over it that adds computed columns), e.g.
    ``{"suite": "fct_evaluation", "kind": "table", "table": "marts.fct_evaluation",
    "key": ["region_code", "year"], "expectations": [{"type": "expect_...", "kwargs": {...},
    "description": "optional human text"}]}``. ``key`` names the columns reported with every
    failing row (and used for chunked uniqueness checks). Optional ``"partition_column":
    "<col>"`` (an integer year column): when the caller passes ``partition_years``, only the
    rows of those years (and rows whose ``<col>`` is NULL) are handed to GE, while uniqueness
    is still decided over the whole table. Only row-local expectations (`ROW_LOCAL`, judged row
    by row, or column metadata) and uniqueness may be used in such a suite: an aggregate over a
    subset of rows would not say anything about the table.
``referential``
    ``"references": [{"from": "marts.fct_x.col", "to": "marts.dim_y.col"}]``.
``cross_year``
    ``"evaluations": "marts.fct_evaluation", "regions": "marts.dim_region"``.
``row_counts``
    ``"tables": [...], "max_shrink": 0.05``.
``raw_lineage``
    ``"tables": ["raw.x", ...], "allowed_status": [...]`` (read from the ingest DB).

A kwarg value ``"@enum:<name>"`` is replaced by the list ``<name>`` of ``enums.json``.
Nothing here imports Great Expectations.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ROW_LOCAL", "UNIQUENESS", "ExpectationSpec", "SuiteSpec", "load_suites"]

KINDS = ("table", "referential", "cross_year", "row_counts", "raw_lineage")
# Expectations whose verdict on a table is the conjunction of their verdicts on its rows (or that
# look only at the column names): validating a subset of rows validates exactly those rows.
ROW_LOCAL = frozenset(
    {
        "expect_table_columns_to_match_set",
        "expect_column_to_exist",
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_be_between",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_not_match_regex",
        "expect_column_value_lengths_to_be_between",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "expect_column_pair_values_to_be_equal",
    }
)
# Decided over the whole table even when the rest of the suite is scoped to some partitions.
UNIQUENESS = frozenset(
    {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}
)


@dataclass(frozen=True)
class ExpectationSpec:
    check_id: str  # stable, human-readable name of the check, unique across all suites
    type: str  # GE expectation type, e.g. expect_column_values_to_be_between
    kwargs: dict[str, Any]
    description: str | None = None

    @property
    def columns(self) -> list[str]:
        k = self.kwargs
        if "column" in k:
            return [k["column"]]
        if "column_list" in k:
            return list(k["column_list"])
        return [k[c] for c in ("column_A", "column_B") if c in k]


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    kind: str
    path: Path
    description: str = ""
    table: str | None = None
    query: str | None = None
    key: tuple[str, ...] = ()
    expectations: tuple[ExpectationSpec, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)  # kind-specific settings
    partition_column: str | None = None  # table suites: year column of an incremental mart


def _resolve_enums(value: Any, enums: dict[str, list]) -> Any:
    if isinstance(value, str) and value.startswith("@enum:"):
        name = value.removeprefix("@enum:")
        if name not in enums:
            raise ValueError(f"unknown enum {name!r} (known: {sorted(enums)})")
        return list(enums[name])
    if isinstance(value, dict):
        return {k: _resolve_enums(v, enums) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_enums(v, enums) for v in value]
    return value


def _check_id(suite: str, etype: str, kwargs: dict[str, Any]) -> str:
    short = etype.removeprefix("expect_")
    if "column" in kwargs:
        target = kwargs["column"]
    elif "column_list" in kwargs:
        target = ",".join(kwargs["column_list"])
    elif "column_A" in kwargs:
        target = f"{kwargs['column_A']},{kwargs['column_B']}"
    else:
        target = "table"
    return f"{suite}.{target}:{short}"


def load_suites(expectations_dir: str | Path | None = None) -> list[SuiteSpec]:
    """Read every suite file of ``expectations_dir`` (default `config.EXPECTATIONS_DIR`)."""
    if expectations_dir is None:
        from evalwh.config import EXPECTATIONS_DIR

        expectations_dir = EXPECTATIONS_DIR
    root = Path(expectations_dir)
    enums_file = root / "enums.json"
    enums = json.loads(enums_file.read_text("utf-8")) if enums_file.exists() else {}
    enums = {k: v for k, v in enums.items() if not k.startswith("_")}
    suites: list[SuiteSpec] = []
    seen: set[str] = set()
    for path in sorted(root.glob("*.json")):
        if path.name == "enums.json":
            continue
        raw = json.loads(path.read_text("utf-8"))
        name, kind = raw["suite"], raw.get("kind", "table")
        if kind not in KINDS:
            raise ValueError(f"{path}: unknown suite kind {kind!r} (known: {KINDS})")
        if name in seen:
            raise ValueError(f"{path}: duplicate suite name {name!r}")
        seen.add(name)
        exps: list[ExpectationSpec] = []
        ids: set[str] = set()
        for e in raw.get("expectations", []):
            kwargs = _resolve_enums(dict(e.get("kwargs", {})), enums)
            cid = e.get("id") or _check_id(name, e["type"], kwargs)
            n = 2
            base = cid
            while cid in ids:
                cid, n = f"{base}#{n}", n + 1
            ids.add(cid)
            exps.append(ExpectationSpec(cid, e["type"], kwargs, e.get("description")))
        options = {
            k: _resolve_enums(v, enums)
            for k, v in raw.items()
            if k
            not in (
                "suite",
                "kind",
                "description",
                "table",
                "query",
                "key",
                "expectations",
                "partition_column",
            )
        }
        if kind == "table" and not raw.get("table"):
            raise ValueError(f"{path}: a table suite needs 'table'")
        partition_column = raw.get("partition_column")
        if partition_column is not None:
            if kind != "table" or not isinstance(partition_column, str) or not partition_column:
                raise ValueError(f"{path}: 'partition_column' is a column name of a table suite")
            aggregate = sorted(
                {e.type for e in exps if e.type not in ROW_LOCAL and e.type not in UNIQUENESS}
            )
            if aggregate:
                raise ValueError(
                    f"{path}: a partitioned suite may hold only row-local and uniqueness "
                    f"expectations (validating some partitions proves nothing about {aggregate})"
                )
        suites.append(
            SuiteSpec(
                name=name,
                kind=kind,
                path=path,
                description=raw.get("description", ""),
                table=raw.get("table"),
                query=raw.get("query"),
                key=tuple(raw.get("key", ())),
                expectations=tuple(exps),
                options=options,
                partition_column=partition_column,
            )
        )
    if not suites:
        raise FileNotFoundError(f"no suite definitions (*.json) in {root}")
    return suites
