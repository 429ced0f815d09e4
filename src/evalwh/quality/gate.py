"""The data-quality gate: Great Expectations 1.x suites over the file about to be published.

GE's SQL datasource does not work against DuckDB here, so every suite validates pandas
DataFrames read from DuckDB (`add_pandas(...).add_dataframe_asset(...)`, batch parameter
``dataframe``):

* ``table`` suites read their table (or query) in chunks of ``chunk_rows`` rows through Arrow, so
  a national-scale table never sits in pandas whole. When a table needs more than one chunk, its
  uniqueness expectations run on the rows whose key repeats (selected in DuckDB with a window
  count), so a duplicate that straddles two chunks is still caught.
* cross-table checks (referential integrity, cross-year continuity, row counts against the
  previous published file, raw-layer lineage) are computed in DuckDB SQL into a small DataFrame
  that GE then validates.

Results go to an ephemeral GE context whose Data Docs site is ``data_docs_dir`` (HTML, one page
per validated batch, ``index.html`` lists this run). Every expectation carries a ``check_id``
(in its ``meta`` and at the start of its Data Docs description) so the HTML, the `GateResult`
and the logs name the same check.

``import great_expectations`` costs ~10 s: it happens inside `validate()` only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import operator
import os
import time
import warnings
from collections.abc import Collection, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from evalwh.quality.suites import UNIQUENESS, ExpectationSpec, SuiteSpec, load_suites

__all__ = ["CheckFailure", "GateResult", "validate"]

log = logging.getLogger(__name__)

DEFAULT_CHUNK_ROWS = 500_000
DEFAULT_SAMPLE_SIZE = 20
_KEY_CANDIDATE_CAP = 100_000  # duplicate-key rows handed to GE when a table is chunked


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class CheckFailure:
    """One failed check: which expectation, on what, and some of the rows that broke it."""

    check_id: str
    suite: str
    expectation: str  # GE expectation type
    table: str | None
    column: str | None
    unexpected_count: int | None = None
    sample: tuple[dict[str, Any], ...] = ()  # failing rows: key columns + the checked values
    observed: Any = None  # observed value of an aggregate expectation
    message: str = ""

    def __str__(self) -> str:
        where = ".".join(p for p in (self.table, self.column) if p) or self.suite
        count = f", {self.unexpected_count} unexpected" if self.unexpected_count else ""
        extra = f": {self.message}" if self.message else ""
        rows = f" e.g. {list(self.sample[:3])}" if self.sample else ""
        obs = f" observed {self.observed!r}" if self.observed is not None and not rows else ""
        return f"[{self.check_id}] {self.expectation} on {where}{count}{extra}{rows}{obs}"


@dataclass(frozen=True)
class GateResult:
    """What the gate found. `passed` is what `publish()` looks at."""

    checks_passed: int
    checks_total: int
    failures: tuple[CheckFailure, ...] = ()
    skipped: tuple[str, ...] = ()  # suites not run, with the reason (not in checks_total)
    data_docs_index: Path | None = None
    run_id: str | None = None
    staging_db: Path | None = None
    staging_fingerprint: tuple[int, int] | None = None  # (size, mtime_ns) of what was checked
    duration_s: float = 0.0
    validated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    # Scope. None: every table whole. A tuple of years: the tables of `scoped_tables` (the table
    # suites that declare a partition_column) were validated on the rows of those years only
    # (and rows whose partition column is NULL), their uniqueness checks on the whole table,
    # their other partitions compared with the published file; everything else whole.
    partition_years: tuple[int, ...] | None = None
    scoped_tables: tuple[str, ...] = ()

    @property
    def scope(self) -> str:
        if self.partition_years is None:
            return "every table whole"
        years = ", ".join(str(y) for y in self.partition_years) or "none"
        tables = ", ".join(self.scoped_tables) or "no partitioned table"
        return (
            f"rebuilt partitions only (years {years}) of {tables} (uniqueness over the whole "
            "table; the other partitions checked equal to the published file); every other "
            "table and cross-table check whole"
        )

    @property
    def passed(self) -> bool:
        return (
            self.checks_total > 0 and self.checks_passed == self.checks_total and not self.failures
        )

    def summary(self) -> str:
        head = (
            f"quality gate {'PASSED' if self.passed else 'FAILED'}: "
            f"{self.checks_passed}/{self.checks_total} checks passed in {self.duration_s:.1f} s"
        )
        lines = [head, f"  scope: {self.scope}"]
        lines += [f"  FAILED {f}" for f in self.failures]
        lines += [f"  skipped {s}" for s in self.skipped]
        if self.data_docs_index:
            lines.append(f"  Data Docs: {self.data_docs_index}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["passed"] = self.passed
        for k in ("data_docs_index", "staging_db"):
            d[k] = str(d[k]) if d[k] is not None else None
        d["validated_at"] = self.validated_at.isoformat()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> GateResult:
        """The inverse of `to_dict` (a gate result crosses from one Airflow task to the next)."""
        d = {k: v for k, v in d.items() if k != "passed"}
        d["failures"] = tuple(
            CheckFailure(**{**f, "sample": tuple(f.get("sample") or ())})
            for f in d.get("failures") or ()
        )
        d["skipped"] = tuple(d.get("skipped") or ())
        if d.get("partition_years") is not None:
            d["partition_years"] = tuple(d["partition_years"])
        d["scoped_tables"] = tuple(d.get("scoped_tables") or ())
        for k in ("data_docs_index", "staging_db"):
            d[k] = Path(d[k]) if d.get(k) else None
        if d.get("staging_fingerprint") is not None:
            d["staging_fingerprint"] = tuple(d["staging_fingerprint"])
        d["validated_at"] = dt.datetime.fromisoformat(d["validated_at"])
        return cls(**d)


def fingerprint(path: str | Path) -> tuple[int, int]:
    st = os.stat(path)
    return (st.st_size, st.st_mtime_ns)


# ----------------------------------------------------------------------------- internals
@dataclass
class _Check:
    spec: ExpectationSpec
    suite: str
    table: str | None
    row_condition: tuple[str, str] | None = None  # (column, value): GE Column(c) == v
    human: str = ""
    column: str | None = None  # what to report as the column (default: the spec's columns)


@dataclass
class _Batch:
    ge_suite: str  # GE suite name (one per distinct expectation set)
    asset: str  # GE data asset name (unique per batch)
    frame: Any  # pandas DataFrame
    checks: list[_Check]
    index_columns: list[str]


@dataclass
class _Outcome:
    check: _Check
    ran: bool = False
    success: bool = True
    unexpected: int = 0
    sample: list[dict[str, Any]] = field(default_factory=list)
    observed: Any = None
    messages: list[str] = field(default_factory=list)


def _plain(v: Any) -> Any:
    """numpy/pandas scalars → plain Python (JSON-friendly); NaN/NaT → None."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if hasattr(v, "item") and not isinstance(v, str | bytes):
        with contextlib.suppress(ValueError, TypeError):
            v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is not None and type(v).__name__ in ("NaTType", "NAType"):
        return None
    if isinstance(v, dt.date | dt.datetime):
        return v.isoformat()
    return v


def _q(ident: str) -> str:
    """Quote a dotted identifier: marts.fct_x → "marts"."fct_x"."""
    return ".".join('"' + p.replace('"', '""') + '"' for p in ident.split("."))


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".", 1) if "." in table else ("main", table)
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? "
            "and table_name = ?",
            [schema, name],
        ).fetchall()[0][0]
    )


def _columns(con: duckdb.DuckDBPyConnection, query: str) -> list[str]:
    return [d[0] for d in con.sql(f"select * from ({query}) limit 0").description]


def _widened(t: Any) -> Any:
    """The pandas-friendly Arrow type of a column: DECIMAL → float64 (numeric expectations
    compare plainly); a narrow integer (INTEGER, SMALLINT, TINYINT, UINTEGER, ...) → int64,
    losslessly: GE 1.24 compares only int64/float64 columns vectorised and checks any other
    dtype (int32 included) one Python value at a time (`column_values.between`)."""
    import pyarrow as pa

    if pa.types.is_decimal(t):
        return pa.float64()
    if pa.types.is_integer(t) and t not in (pa.int64(), pa.uint64()):
        return pa.int64()
    return t


def _to_pandas(table_or_batch: Any) -> Any:
    """Arrow → pandas, column types as `_widened` says.

    Each column becomes one contiguous Arrow array first: DuckDB hands over record batches of
    122,880 rows, and pandas' Arrow-backed string columns keep that chunking, which makes every
    boolean filter GE applies (one per expectation, over all columns) several times slower."""
    import pyarrow as pa

    if isinstance(table_or_batch, pa.Table):
        table_or_batch = table_or_batch.combine_chunks()
    schema = table_or_batch.schema
    if any(_widened(f.type) != f.type for f in schema):
        arrays = [
            c.cast(_widened(c.type)) if _widened(c.type) != c.type else c
            for c in table_or_batch.columns
        ]
        table_or_batch = pa.Table.from_arrays(arrays, names=schema.names)
    return table_or_batch.to_pandas()


def _arrow_chunks(
    con: duckdb.DuckDBPyConnection, query: str, chunk_rows: int, params: dict | None = None
) -> Iterator[Any]:
    """Arrow tables of exactly ``chunk_rows`` rows (the last one shorter). DuckDB's reader
    yields record batches of its own size (122,880 rows here), whatever batch size is asked."""
    import pyarrow as pa

    buf: list[Any] = []
    have = 0
    for rb in con.sql(query, params=params).to_arrow_reader(min(chunk_rows, 1_000_000)):
        buf.append(rb)
        have += rb.num_rows
        while have >= chunk_rows:
            table = pa.Table.from_batches(buf)
            yield table.slice(0, chunk_rows)
            rest = table.slice(chunk_rows)
            buf, have = rest.to_batches(), rest.num_rows
            del table, rest
    if have:
        yield pa.Table.from_batches(buf)


def _human(spec: ExpectationSpec) -> str:
    if spec.description:
        return spec.description
    skip = {"column", "column_list", "column_A", "column_B"}
    parts = []
    for k, v in spec.kwargs.items():
        if k in skip:
            continue
        parts.append(f"{k}={v!r}")
    cols = ", ".join(spec.columns)
    return f"{spec.type}({cols}{'; ' if parts and cols else ''}{'; '.join(parts)})"


# ----------------------------------------------------------------------------- batch builders
def _scope_filter(column: str) -> str:
    """The rows of a partitioned table a scoped gate validates: those of the rebuilt years
    (bound as ``$partition_years``, never spliced in) and those whose partition column is NULL,
    which belong to no partition an incremental build could have left untouched."""
    return f"{_q(column)} is null or {_q(column)} in (select unnest($partition_years))"


def _years_label(years: tuple[int, ...]) -> str:
    return ", ".join(str(y) for y in years) or "none"


def _table_batches(
    con: duckdb.DuckDBPyConnection,
    suite: SuiteSpec,
    outcomes: dict[str, _Outcome],
    chunk_rows: int,
    partition_years: tuple[int, ...] | None = None,
    scoped_tables: list[str] | None = None,
) -> Iterator[_Batch]:
    checks = [_Check(e, suite.name, suite.table, human=_human(e)) for e in suite.expectations]
    for c in checks:
        outcomes[c.spec.check_id] = _Outcome(c)
    assert suite.table is not None
    if not _table_exists(con, suite.table):
        for c in checks:
            o = outcomes[c.spec.check_id]
            o.ran, o.success = True, False
            o.messages.append(f"table {suite.table} does not exist")
        return
    query = suite.query or f"select * from {_q(suite.table)}"
    cols = _columns(con, query)
    index_cols = [k for k in suite.key if k in cols]
    n_rows = con.execute(f"select count(*) from ({query})").fetchall()[0][0]

    # Scope: a partitioned table of an incremental build → the rebuilt partitions only.
    scoped = partition_years is not None and suite.partition_column is not None
    rows_query, params, label = query, None, suite.name
    n_scoped = n_rows
    if scoped and suite.partition_column not in cols:
        log.warning(
            "%s: partition column %s missing: validating the whole table",
            suite.name,
            suite.partition_column,
        )
        scoped = False
    if scoped:
        assert suite.partition_column is not None and partition_years is not None
        rows_query = f"select * from ({query}) where {_scope_filter(suite.partition_column)}"
        params = {"partition_years": list(partition_years)}
        label = (
            f"{suite.name}[{suite.partition_column} in ({_years_label(partition_years)}) "
            f"or null, of {n_rows} rows]"
        )
        n_scoped = con.execute(f"select count(*) from ({rows_query})", params).fetchall()[0][0]
        if scoped_tables is not None:
            scoped_tables.append(suite.table)

    if not scoped and n_rows <= chunk_rows:
        yield _Batch(
            suite.name, suite.name, _to_pandas(con.sql(query).to_arrow_table()), checks, index_cols
        )
        return
    # Chunked or scoped: uniqueness on the rows whose key repeats in the WHOLE table (so a
    # rebuilt row that repeats a key of an untouched partition is caught, and a duplicate that
    # straddles two chunks too); everything else chunk by chunk over the rows in scope.
    per_chunk = [c for c in checks if c.spec.type not in UNIQUENESS]
    unique = [c for c in checks if c.spec.type in UNIQUENESS]
    n_chunks = max(1, math.ceil(n_scoped / chunk_rows))
    if n_scoped == 0:  # nothing in scope: GE still checks the columns (and passes the rest)
        chunks: Iterator[Any] = iter(
            [con.sql(f"{rows_query} limit 0", params=params).to_arrow_table()]
        )
    else:
        chunks = _arrow_chunks(con, rows_query, chunk_rows, params)
    for i, chunk in enumerate(chunks):
        asset = label if n_chunks == 1 else f"{label}[chunk {i + 1} of {n_chunks}]"
        yield _Batch(suite.name, asset, _to_pandas(chunk), per_chunk, index_cols)
        del chunk
    for c in unique:
        key = [k for k in c.spec.columns if k in cols]
        if len(key) != len(c.spec.columns):  # let GE report the missing column
            frame = _to_pandas(con.sql(f"select * from ({query}) limit 0").to_arrow_table())
        else:
            part = ", ".join(_q(k) for k in key)
            notnull = " or ".join(f"{_q(k)} is not null" for k in key)
            match = " and ".join(f"t.{_q(k)} is not distinct from d.{_q(k)}" for k in key)
            frame = _to_pandas(
                con.sql(
                    f"select t.* from ({query}) t semi join ("
                    f"  select {part} from ({query}) where {notnull} "
                    f"  group by all having count(*) > 1) d on {match} "
                    f"limit {_KEY_CANDIDATE_CAP}"
                ).to_arrow_table()
            )
        yield _Batch(
            f"{suite.name}.unique[{','.join(c.spec.columns)}]",
            f"{suite.name}[rows whose {','.join(c.spec.columns)} repeats, of all {n_rows}]",
            frame,
            [c],
            index_cols,
        )


def _derived(suite: SuiteSpec, check_id: str, etype: str, kwargs: dict, human: str, cond=None):
    spec = ExpectationSpec(check_id, etype, kwargs, human)
    return _Check(spec, suite.name, None, row_condition=cond, human=human)


def _referential_batch(
    con: duckdb.DuckDBPyConnection, suite: SuiteSpec, outcomes: dict[str, _Outcome]
) -> Iterator[_Batch]:
    import pyarrow as pa

    frames, checks = [], []
    for ref in suite.options.get("references", []):
        src, dst = ref["from"], ref["to"]
        s_table, s_col = src.rsplit(".", 1)
        d_table, d_col = dst.rsplit(".", 1)
        name = f"{src} -> {dst}"
        chk = _derived(
            suite,
            f"{suite.name}.{src}->{dst}",
            "expect_column_pair_values_to_be_equal",
            {"column_A": "value", "column_B": "reference"},
            f"every {src} value exists in {dst} (orphans show as (value, None))",
            cond=("reference_check", name),
        )
        chk.table, chk.column = s_table, s_col
        outcomes[chk.spec.check_id] = _Outcome(chk)
        try:
            frame = con.sql(
                f"""
                select {_lit(name)} as reference_check, f.value, r.reference, f.n_rows
                from (select cast({_q(s_col)} as varchar) as value, count(*) as n_rows
                      from {_q(s_table)} where {_q(s_col)} is not null group by all) f
                left join (select distinct cast({_q(d_col)} as varchar) as reference
                           from {_q(d_table)}) r on r.reference = f.value
                order by f.value
                """
            ).to_arrow_table()
        except duckdb.Error as exc:
            o = outcomes[chk.spec.check_id]
            o.ran, o.success = True, False
            o.messages.append(f"cannot evaluate: {str(exc).splitlines()[0]}")
            continue
        frames.append(frame)
        checks.append(chk)
    if checks:
        # one contiguous frame (`_to_pandas`). GE filters it by reference_check for every metric
        # of every reference's expectation; as a category that compares small integer codes
        # instead of strings, and takes the rows of the other columns once per filter
        frame = _to_pandas(pa.concat_tables(frames))
        frame["reference_check"] = frame["reference_check"].astype("category")
        yield _Batch(suite.name, suite.name, frame, checks, ["reference_check", "value", "n_rows"])


def _cross_year_batch(
    con: duckdb.DuckDBPyConnection, suite: SuiteSpec, outcomes: dict[str, _Outcome]
) -> Iterator[_Batch]:
    ev = suite.options.get("evaluations", "marts.fct_evaluation")
    reg = suite.options.get("regions", "marts.dim_region")
    chk = _derived(
        suite,
        f"{suite.name}.{ev}:no_gap_years",
        "expect_column_pair_values_to_be_equal",
        {"column_A": "expected_next", "column_B": "found_next"},
        "a region evaluated in year Y-1 is evaluated in year Y, for every Y up to the latest "
        "year its province reported (gaps show as ('<region>@<missing year>', None))",
    )
    chk.table, chk.column = ev, "region_code,year"
    outcomes[chk.spec.check_id] = _Outcome(chk)
    try:
        frame = con.sql(
            f"""
            with ev as (
                select distinct e.region_code, cast(e.year as integer) as year, r.province_code
                from {_q(ev)} e join {_q(reg)} r on r.region_code = e.region_code
                where e.year is not null and r.province_code is not null),
            last as (select province_code, max(year) as last_year from ev group by all)
            select a.province_code, a.region_code, a.year,
                   a.region_code || '@' || cast(a.year + 1 as varchar) as expected_next,
                   b.region_code || '@' || cast(b.year as varchar) as found_next
            from ev a join last l on l.province_code = a.province_code
            left join ev b on b.region_code = a.region_code and b.year = a.year + 1
            where a.year < l.last_year
            order by a.province_code, a.region_code, a.year
            """
        ).df()
    except duckdb.Error as exc:
        o = outcomes[chk.spec.check_id]
        o.ran, o.success = True, False
        o.messages.append(f"cannot evaluate: {str(exc).splitlines()[0]}")
        return
    yield _Batch(suite.name, suite.name, frame, [chk], ["province_code", "region_code", "year"])


def _row_count_batch(
    con: duckdb.DuckDBPyConnection,
    suite: SuiteSpec,
    outcomes: dict[str, _Outcome],
    previous_db: Path,
    max_shrink: float,
) -> Iterator[_Batch]:
    import pandas as pd

    tables = list(suite.options.get("tables", []))
    previous: dict[str, int | None] = {}
    with duckdb.connect(str(previous_db), read_only=True) as prev:
        for t in tables:
            previous[t] = (
                prev.execute(f"select count(*) from {_q(t)}").fetchall()[0][0]
                if _table_exists(prev, t)
                else None
            )
    rows, checks = [], []
    pct = f"{max_shrink:.0%}"
    for t in tables:
        cur = (
            con.execute(f"select count(*) from {_q(t)}").fetchall()[0][0]
            if _table_exists(con, t)
            else 0
        )
        prv = previous[t]
        rows.append(
            {
                "table_name": t,
                "previous_rows": prv,
                "current_rows": cur,
                "min_allowed_rows": None if prv is None else math.ceil(prv * (1 - max_shrink)),
            }
        )
        chk = _derived(
            suite,
            f"{suite.name}.{t}:shrinks_at_most_{pct}",
            "expect_column_pair_values_a_to_be_greater_than_b",
            {
                "column_A": "current_rows",
                "column_B": "min_allowed_rows",
                "or_equal": True,
                "ignore_row_if": "either_value_is_missing",
            },
            f"{t} has at least {1 - max_shrink:.0%} of the rows of the previous published "
            "version (a table new in this version is not compared)",
            cond=("table_name", t),
        )
        chk.table, chk.column = t, "row_count"
        outcomes[chk.spec.check_id] = _Outcome(chk)
        checks.append(chk)
    frame = pd.DataFrame(rows).astype(
        {"previous_rows": "Int64", "current_rows": "Int64", "min_allowed_rows": "Int64"}
    )
    yield _Batch(
        suite.name, suite.name, frame, checks, ["table_name", "previous_rows", "current_rows"]
    )


def _untouched_batch(
    con: duckdb.DuckDBPyConnection,
    scoped: list[tuple[str, str]],
    outcomes: dict[str, _Outcome],
    previous_db: Path | None,
    years: tuple[int, ...],
) -> Iterator[_Batch]:
    """The precondition of a scoped gate, checked: of each scoped table, the partitions outside
    ``years`` hold the same rows as in the published file the build started from (per
    partition: row count and the sum of DuckDB's hash of every whole row, an order-independent
    signature; one pass over each file, about 1 s for the five marts at national scale)."""
    import pandas as pd

    checks: list[_Check] = []
    for table, column in scoped:
        human = (
            f"the {table} partitions ({column}) outside the rebuilt years hold the rows of the "
            "published file the incremental build started from (row count and row-hash sum "
            "per partition)"
        )
        spec = ExpectationSpec(
            f"partition_scope.{table}:untouched_partitions_match_published",
            "expect_column_pair_values_to_be_equal",
            {"column_A": "published", "column_B": "staging"},
            human,
        )
        chk = _Check(spec, "partition_scope", table, ("table_name", table), human, column)
        outcomes[spec.check_id] = _Outcome(chk)
        checks.append(chk)
    if not checks:
        return
    if previous_db is None or not previous_db.exists():
        for c in checks:
            o = outcomes[c.spec.check_id]
            o.ran, o.success = True, False
            o.messages.append(
                "no published file to compare with: partition_years is only for an incremental "
                "build over a copy of the published file (a full build passes None)"
            )
        return

    def signatures(db: duckdb.DuckDBPyConnection, table: str, column: str) -> dict:
        if not _table_exists(db, table) or column not in _columns(db, f"from {_q(table)}"):
            return {}
        rows = db.execute(
            f"select cast({_q(column)} as bigint), count(*), sum(hash(t)) from {_q(table)} t "
            f"where not ({_scope_filter(column)}) group by all",
            {"partition_years": list(years)},
        ).fetchall()
        return {y: f"{n} rows, row-hash sum {h}" for y, n, h in rows}

    rows: list[dict[str, Any]] = []
    with duckdb.connect(str(previous_db), read_only=True) as prev:
        for c in checks:
            assert c.table is not None and c.column is not None
            before = signatures(prev, c.table, c.column)
            after = signatures(con, c.table, c.column)
            for year in sorted(before.keys() | after.keys()):
                rows.append(
                    {
                        "table_name": c.table,
                        "partition": year,
                        "published": before.get(year),
                        "staging": after.get(year),
                    }
                )
            if not before and not after:  # nothing outside the scope: one passing row
                rows.append(
                    {"table_name": c.table, "partition": None, "published": "", "staging": ""}
                )
    frame = pd.DataFrame(rows).astype({"partition": "Int64"})
    yield _Batch(
        "partition_scope",
        f"partition_scope[years outside ({_years_label(years)}) against the published file]",
        frame,
        checks,
        ["table_name", "partition"],
    )


def _raw_lineage_batch(
    suite: SuiteSpec, outcomes: dict[str, _Outcome], ingest_db: Path
) -> Iterator[_Batch]:
    import pandas as pd

    allowed = suite.options.get("allowed_status", ["loaded", "superseded"])
    frames, checks = [], []
    with duckdb.connect(str(ingest_db), read_only=True) as con:
        for t in suite.options.get("tables", []):
            c1 = _derived(
                suite,
                f"{suite.name}.{t}:traced_to_registered_file",
                "expect_column_pair_values_to_be_equal",
                {"column_A": "lineage", "column_B": "registered"},
                f"every {t} row names a file (path#sha256) registered in audit.source_files "
                f"with status in {allowed}",
                cond=("raw_table", t),
            )
            c2 = _derived(
                suite,
                f"{suite.name}.{t}:rows_have_row_number",
                "expect_column_values_to_be_between",
                {"column": "rows_without_row_number", "min_value": 0, "max_value": 0},
                f"every {t} row carries its sheet/CSV row number",
                cond=("raw_table", t),
            )
            c1.column, c2.column = "source_file,file_sha256", "row_number"
            for c in (c1, c2):
                c.table = t
                outcomes[c.spec.check_id] = _Outcome(c)
            try:
                frame = con.execute(
                    f"""
                    select {_lit(t)} as raw_table, r.source_file, r.n_rows,
                           r.rows_without_row_number,
                           r.source_file || '#' || r.file_sha256 as lineage,
                           s.path || '#' || s.sha256 as registered
                    from (select source_file, file_sha256, count(*) as n_rows,
                                 count(*) filter (where row_number is null)
                                     as rows_without_row_number
                          from {_q(t)} group by all) r
                    left join (select distinct path, sha256 from audit.source_files
                               where list_contains(?, status)) s
                      on s.path = r.source_file and s.sha256 = r.file_sha256
                    order by r.source_file
                    """,
                    [list(allowed)],
                ).df()
            except duckdb.Error as exc:
                for c in (c1, c2):
                    o = outcomes[c.spec.check_id]
                    o.ran, o.success = True, False
                    o.messages.append(f"cannot evaluate: {str(exc).splitlines()[0]}")
                continue
            frames.append(frame)
            checks += [c1, c2]
    if checks:
        yield _Batch(
            suite.name,
            suite.name,
            pd.concat(frames, ignore_index=True),
            checks,
            ["raw_table", "source_file", "n_rows"],
        )


# ----------------------------------------------------------------------------- GE runner
class _GxRunner:
    """An ephemeral GE context whose only Data Docs site is ``data_docs_dir``."""

    def __init__(self, data_docs_dir: Path, run_name: str, sample_size: int) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        t0 = time.perf_counter()
        import great_expectations as gx
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        log.debug("great_expectations imported in %.1f s", time.perf_counter() - t0)
        self.gx = gx
        data_docs_dir.mkdir(parents=True, exist_ok=True)
        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            data_docs_sites={
                "evalwh": {
                    "class_name": "SiteBuilder",
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str(data_docs_dir),
                    },
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                }
            },
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
        )
        self.ctx = gx.get_context(project_config=config, mode="ephemeral")
        self.ds = self.ctx.data_sources.add_pandas("evalwh")
        self.suites: dict[str, Any] = {}
        self.run_id = RunIdentifier(run_name=run_name, run_time=dt.datetime.now(dt.UTC))
        self.sample_size = sample_size
        self.data_docs_dir = data_docs_dir

    def _expectation(self, check: _Check):
        from great_expectations.expectations.registry import get_expectation_impl
        from great_expectations.expectations.row_conditions import Column

        cls = get_expectation_impl(check.spec.type)
        kwargs = dict(check.spec.kwargs)
        if check.row_condition:
            col, val = check.row_condition
            kwargs["row_condition"] = Column(col) == val
        return cls(
            **kwargs,
            meta={"check_id": check.spec.check_id},
            description=f"[{check.spec.check_id}] {check.human}",
        )

    def run(self, batch: _Batch) -> list[tuple[_Check, Any]]:
        gx = self.gx
        suite = self.suites.get(batch.ge_suite)
        if suite is None:
            suite = self.ctx.suites.add(
                gx.ExpectationSuite(
                    name=batch.ge_suite,
                    expectations=[self._expectation(c) for c in batch.checks],
                )
            )
            self.suites[batch.ge_suite] = suite
        asset = self.ds.add_dataframe_asset(batch.asset)
        bdef = asset.add_batch_definition_whole_dataframe("all_rows")
        vdef = self.ctx.validation_definitions.add(
            gx.ValidationDefinition(name=batch.asset, data=bdef, suite=suite)
        )
        result_format: dict[str, Any] = {
            "result_format": "SUMMARY",
            "partial_unexpected_count": self.sample_size,
        }
        if batch.index_columns:
            result_format["unexpected_index_column_names"] = batch.index_columns
        res = vdef.run(
            batch_parameters={"dataframe": batch.frame},
            result_format=result_format,
            run_id=self.run_id,
        )
        self._forget_batches()
        by_id = {c.spec.check_id: c for c in batch.checks}
        return [(by_id[r.expectation_config.meta["check_id"]], r) for r in res.results]

    def _forget_batches(self) -> None:
        """GE 1.24 keeps every loaded batch's data (the whole DataFrame) in the execution
        engine's BatchManager, and `reset_batch_cache()` does not clear that data cache: without
        this, a table validated chunk by chunk would end up in memory whole after all."""
        engine = getattr(self.ds, "_execution_engine", None)
        manager = getattr(engine, "batch_manager", None)
        if manager is None:
            return
        manager.reset_batch_cache()
        data_cache = getattr(manager, "_batch_data_cache", None)
        if isinstance(data_cache, dict):
            data_cache.clear()
        if hasattr(manager, "_active_batch_data_id"):
            manager._active_batch_data_id = None

    def build_docs(self) -> Path:
        self.ctx.build_data_docs(site_names=["evalwh"])
        return self.data_docs_dir / "index.html"


def _record(outcome: _Outcome, r: Any, sample_size: int) -> None:
    outcome.ran = True
    if r.success:
        return
    outcome.success = False
    res = r.result or {}
    if r.exception_info and r.exception_info.get("raised_exception"):
        msg = r.exception_info.get("exception_message") or "expectation raised"
        outcome.messages.append(f"error: {msg}")
    outcome.unexpected += int(res.get("unexpected_count") or 0)
    room = sample_size - len(outcome.sample)
    if room > 0:
        rows = res.get("partial_unexpected_index_list") or []
        if rows and isinstance(rows[0], dict):
            outcome.sample += [_plain(x) for x in rows[:room]]
        elif res.get("partial_unexpected_list"):
            outcome.sample += [{"value": _plain(x)} for x in res["partial_unexpected_list"][:room]]
    if "observed_value" in res and outcome.observed is None:
        outcome.observed = _plain(res["observed_value"])
        details = res.get("details") or {}
        if details.get("mismatched"):
            outcome.messages.append(f"mismatched: {_plain(details['mismatched'])}")


def _normalise_years(years: Collection[int] | None) -> tuple[int, ...] | None:
    """None stays None; otherwise sorted distinct ints (a str, a bool or a float is refused:
    the years are bound as an INTEGER list, never spliced into SQL)."""
    if years is None:
        return None
    if isinstance(years, str | bytes):
        raise TypeError("partition_years is a collection of int years, not a string")
    out = set()
    for y in years:
        if isinstance(y, bool):
            raise TypeError(f"partition_years: {y!r} is not a year")
        out.add(operator.index(y))  # TypeError for anything that is not an integer
    return tuple(sorted(out))


@contextlib.contextmanager
def _no_batch_fingerprint() -> Iterator[None]:
    """GE 1.24 fingerprints every pandas batch it loads (`hash_pandas_object` of the whole frame,
    then md5) unless the frame's memory is above ``HASH_THRESHOLD``; the fingerprint only ends
    up as a "batch marker" in the results and Data Docs, and is used for nothing else (the batch
    id comes from the asset and batch parameters). The gate records its own fingerprint of
    the file it checked (`GateResult.staging_fingerprint`), so it switches GE's off while it
    runs, and restores it."""
    try:
        from great_expectations.execution_engine import pandas_execution_engine as engine
    except ImportError:  # pragma: no cover - GE is a dependency
        yield
        return
    if not hasattr(engine, "HASH_THRESHOLD"):  # a GE without the switch: leave it alone
        yield
        return
    saved = engine.HASH_THRESHOLD
    engine.HASH_THRESHOLD = 0
    try:
        yield
    finally:
        engine.HASH_THRESHOLD = saved


# ----------------------------------------------------------------------------- public API
def validate(
    staging_db: str | Path,
    previous_published_db: str | Path | None,
    data_docs_dir: str | Path,
    *,
    ingest_db: str | Path | None = None,
    run_id: str | None = None,
    expectations_dir: str | Path | None = None,
    max_shrink: float | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    partition_years: Collection[int] | None = None,
) -> GateResult:
    """Run every suite of ``expectations_dir`` against ``staging_db`` (opened read-only).

    ``previous_published_db``: the currently published file (opened read-only) for the row-count
    suite; None or a missing file → that suite is skipped (reported in ``skipped``, counted
    neither as passed nor in the total). ``ingest_db``: for the raw-layer lineage suite; None →
    skipped the same way. ``max_shrink`` overrides the row-count suite's share (default 5%).
    Data Docs HTML is written to ``data_docs_dir`` (``index.html``). Never raises because a check
    failed: the failure is in the result.

    ``partition_years``: None (the default) validates every table whole. A collection of years
    scopes the table suites that declare a ``partition_column`` to the rows of those years (and
    rows whose partition column is NULL); their uniqueness checks still look at the whole table,
    and every other suite runs whole. Pass it ONLY when ``staging_db`` was built incrementally
    from a copy of ``previous_published_db`` with the same dbt project and expectations,
    rebuilding exactly those years, so that every other row is one the gate already passed
    when it was published (docs/architecture.md, "The quality gate"). A full build passes None.
    The scoped gate adds one check per scoped table (``partition_scope.<table>:...``): the
    partitions outside ``partition_years`` match ``previous_published_db`` (row count and
    row-hash sum per partition); without a published file those checks fail.
    """
    t0 = time.perf_counter()
    staging_db = Path(staging_db)
    data_docs_dir = Path(data_docs_dir)
    if not staging_db.exists():
        raise FileNotFoundError(f"staging database {staging_db} does not exist")
    years = _normalise_years(partition_years)
    suites = load_suites(expectations_dir)
    fp = fingerprint(staging_db)
    run_name = run_id or f"adhoc-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}"
    previous = Path(previous_published_db) if previous_published_db else None
    outcomes: dict[str, _Outcome] = {}
    skipped: list[str] = []
    scoped_tables: list[str] = []

    with warnings.catch_warnings(), _no_batch_fingerprint():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        runner = _GxRunner(data_docs_dir, run_name, sample_size)
        with duckdb.connect(str(staging_db), read_only=True) as con:
            for suite in suites:
                if suite.kind == "table":
                    batches = _table_batches(con, suite, outcomes, chunk_rows, years, scoped_tables)
                elif suite.kind == "referential":
                    batches = _referential_batch(con, suite, outcomes)
                elif suite.kind == "cross_year":
                    batches = _cross_year_batch(con, suite, outcomes)
                elif suite.kind == "row_counts":
                    if previous is None or not previous.exists():
                        skipped.append(
                            f"{suite.name}: no previously published version to compare with"
                        )
                        continue
                    share = (
                        max_shrink
                        if max_shrink is not None
                        else float(suite.options.get("max_shrink", 0.05))
                    )
                    batches = _row_count_batch(con, suite, outcomes, previous, share)
                elif suite.kind == "raw_lineage":
                    if ingest_db is None or not Path(ingest_db).exists():
                        skipped.append(f"{suite.name}: no ingest database given")
                        continue
                    batches = _raw_lineage_batch(suite, outcomes, Path(ingest_db))
                else:  # pragma: no cover - load_suites rejects unknown kinds
                    raise ValueError(suite.kind)
                t_suite = time.perf_counter()
                for batch in batches:
                    for check, r in runner.run(batch):
                        _record(outcomes[check.spec.check_id], r, sample_size)
                    batch.frame = None
                log.debug("suite %s: %.2f s", suite.name, time.perf_counter() - t_suite)
            if years is not None:
                t_suite = time.perf_counter()
                scoped = [
                    (s.table, s.partition_column)
                    for s in suites
                    if s.kind == "table" and s.table in scoped_tables and s.partition_column
                ]
                for batch in _untouched_batch(con, scoped, outcomes, previous, years):
                    for check, r in runner.run(batch):
                        _record(outcomes[check.spec.check_id], r, sample_size)
                    batch.frame = None
                log.debug("partition_scope: %.2f s", time.perf_counter() - t_suite)
        index = runner.build_docs()

    failures = []
    for o in outcomes.values():
        if o.ran and o.success:
            continue
        spec = o.check.spec
        if not o.ran:  # never evaluated: a gate does not pass on a check it did not run
            o.messages.append("not evaluated")
        failures.append(
            CheckFailure(
                check_id=spec.check_id,
                suite=o.check.suite,
                expectation=spec.type,
                table=o.check.table,
                column=o.check.column or ",".join(spec.columns) or None,
                unexpected_count=o.unexpected or None,
                sample=tuple(o.sample),
                observed=o.observed,
                message="; ".join(o.messages),
            )
        )
    result = GateResult(
        checks_passed=sum(1 for o in outcomes.values() if o.ran and o.success),
        checks_total=len(outcomes),
        failures=tuple(failures),
        skipped=tuple(skipped),
        data_docs_index=index if index.exists() else None,
        run_id=run_id,
        staging_db=staging_db.resolve(),
        staging_fingerprint=fp,
        duration_s=time.perf_counter() - t0,
        partition_years=years,
        scoped_tables=tuple(scoped_tables),
    )
    (log.info if result.passed else log.error)("%s", result.summary())
    return result
