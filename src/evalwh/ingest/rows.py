"""One function per source table: a row of raw cells in, one canonical record out.

Each converter raises RowError with a reason code (bad_number, bad_date, unknown_category,
unknown_enum, out_of_range, missing_value, bad_region_code, ...) for a row that breaks the
contract. Checks that need other rows (duplicates, unknown regions, links to earlier years) are
made by the caller.

``COLUMN_RULES`` states the same converters column by column, for evalwh.ingest.convert.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

from evalwh.ingest import normalize as n
from evalwh.ingest.errors import RowError
from evalwh.ingest.vocabulary import enums

Record = dict[str, Any]
SCORE_UNITS = frozenset({"分"})
COUNT_UNITS = frozenset({"个", "条", "项", "人", "名", "次"})


class Context:
    """What a row needs to know about its file: the reporting year and template version."""

    def __init__(self, year: int | None, version: str | None):
        self.year = year
        self.version = version


def _cell(value: Any, name: str, parse: Callable[..., Any], code: str, args: tuple, required: bool):
    if required and n.is_blank(value):
        raise RowError("missing_value", f"{name} is blank")
    try:
        return parse(value, *args)
    except n.OutOfRange as exc:
        raise RowError("out_of_range", f"{name}: {exc}") from None
    except ValueError as exc:
        raise RowError(code, f"{name}: {exc}") from None


# Region codes, enum terms and dates recur thousands of times in one workbook: their outcome
# (a value, or the reject it causes) is computed once per distinct cell and looked up after.
# The cell's type is part of the key, so 1, 1.0 and True never share an entry. A float zero is
# not memoised: 0.0 and -0.0 are equal keys, but a reject quotes the cell as it is ("-0.0").
_MEMO: dict[tuple, tuple[bool, Any]] = {}
_MEMO_LIMIT = 250_000


def _memo_cell(
    value: Any, name: str, parse: Callable[..., Any], code: str, args: tuple, required: bool
) -> Any:
    if type(value) is float and value == 0:
        return _cell(value, name, parse, code, args, required)
    key = (name, parse, args[-1:], required, type(value), value)  # args[-1]: the enum's name
    hit = _MEMO.get(key)
    if hit is None:
        if len(_MEMO) >= _MEMO_LIMIT:
            _MEMO.clear()
        try:
            hit = (True, _cell(value, name, parse, code, args, required))
        except RowError as exc:
            hit = (False, (exc.code, exc.message))
        _MEMO[key] = hit
    if hit[0]:
        return hit[1]
    raise RowError(*hit[1])


def _field(values: Record, name: str, parse: Callable[..., Any], code: str, *args: Any) -> Any:
    return _cell(values.get(name), name, parse, code, args, False)


def _required(values: Record, name: str, parse: Callable[..., Any], code: str, *args: Any) -> Any:
    return _cell(values.get(name), name, parse, code, args, True)


# One cell's rule, for a row converter (value = values.get(name)) and for the column path
# (evalwh.ingest.convert), which calls it once per distinct cell of a column.


def date_cell(value: Any, name: str) -> Any:
    return _memo_cell(value, name, n.parse_date, "bad_date", (), False)


def region_cell(value: Any, name: str = "region_code") -> str:
    return _memo_cell(value, name, n.parse_region_code, "bad_region_code", (), True)


def enum_cell(value: Any, name: str, enum: str) -> str:
    code = "unknown_category" if enum == "category" else "unknown_enum"
    args = (enums()[enum], enum.replace("_", " "))
    return _memo_cell(value, name, n.map_enum, code, args, True)


def parent_cell(value: Any) -> str | None:
    return None if n.is_blank(value) else region_cell(value, "parent_code")


def score_cell(value: Any) -> float | None:
    score = _cell(value, "score", n.parse_number, "bad_number", (SCORE_UNITS,), False)
    if score is not None and not 0 <= score <= 100:
        raise RowError("out_of_range", f"score: {score:g} outside 0-100")
    return score


def linked_cell(value: Any) -> str | None:
    linked = n.clean_text(value)
    return n.fold_width(linked) if linked else None


def seq_text(year: int, region: str, seq: int) -> str:
    """A v1 row's id: its year, region and 序号 (v1 workbooks number rows per region)."""
    return f"{year}-{region}-{seq:02d}"


def unit_or_glued(unit: str | None, glued: str | None) -> str | None:
    """The 单位 column, or else the unit written after the number ("180天")."""
    return unit or glued


def _date(values: Record, name: str) -> Any:
    return date_cell(values.get(name), name)


def _region(values: Record, name: str = "region_code") -> str:
    return region_cell(values.get(name), name)


def _enum(values: Record, name: str, enum: str) -> str:
    return enum_cell(values.get(name), name, enum)


def _seq_id(values: Record, seq_field: str, year: int) -> str:
    seq = _required(values, seq_field, n.parse_count, "bad_number")
    return seq_text(year, _region(values), seq)


def official(values: Record, ctx: Context) -> Record:
    return {
        "region_code": _region(values),
        "region_name": n.clean_text(values.get("region_name")),
        "level": _enum(values, "level", "level"),
        "parent_code": parent_cell(values.get("parent_code")),
        "official_name": _required(values, "official_name", n.clean_text, "missing_value"),
        "took_office_date": _date(values, "took_office_date"),
    }


def commitment(values: Record, ctx: Context) -> Record:
    if ctx.version == "v1":
        commitment_id = _seq_id(values, "seq", ctx.year)
    else:
        commitment_id = _required(values, "commitment_id", n.parse_identifier, "missing_value")
    target, glued_unit = _field(values, "target", n.parse_quantity, "bad_number")
    unit = unit_or_glued(n.clean_text(values.get("unit")), glued_unit)
    return {
        "commitment_id": commitment_id,
        "region_code": _region(values),
        "category_code": _enum(values, "category", "category"),
        "content": n.clean_text(values.get("content")),
        "metric_name": n.clean_text(values.get("metric_name")),
        "target_value": target,
        "unit": unit,
        "due_date": _date(values, "due_date"),
    }


def commitment_outcome(values: Record, ctx: Context) -> Record:
    if ctx.version == "v1":
        commitment_id = _seq_id(values, "prev_seq", ctx.year - 1)
        region_code = _region(values)
    else:
        commitment_id = _required(values, "commitment_id", n.parse_identifier, "missing_value")
        region_code = None
    value, unit = _field(values, "outcome", n.parse_quantity, "bad_number")
    return {
        "commitment_id": commitment_id,
        "region_code": region_code,
        "outcome_value": value,
        "outcome_unit": unit,
        "outcome_status": _enum(values, "outcome_status", "outcome_status"),
        "note": n.clean_text(values.get("note")),
    }


def problem(values: Record, ctx: Context) -> Record:
    return {
        "problem_id": _required(values, "problem_id", n.parse_identifier, "missing_value"),
        "region_code": _region(values),
        "source": _enum(values, "source", "problem_source"),
        "category_code": _enum(values, "category", "category"),
        "description": n.clean_text(values.get("description")),
        "rectify_deadline": _date(values, "rectify_deadline"),
    }


def rectification(values: Record, ctx: Context) -> Record:
    return {
        "problem_id": _required(values, "problem_id", n.parse_identifier, "missing_value"),
        "rectification_status": _enum(values, "rectification_status", "rectification_status"),
        "measures": n.clean_text(values.get("measures")),
        "completed_date": _date(values, "completed_date"),
    }


def evaluation(values: Record, ctx: Context) -> Record:
    score = score_cell(values.get("score"))
    return {
        "region_code": _region(values),
        "rating": _enum(values, "rating", "rating"),
        "score": score,
        "approval_rate": _field(values, "approval_rate", n.parse_share, "bad_number"),
        "critique_count": _field(
            values, "critique_count", n.parse_count, "bad_number", COUNT_UNITS
        ),
    }


def inspection_finding(values: Record, ctx: Context) -> Record:
    return {
        "finding_id": _required(values, "finding_id", n.parse_identifier, "missing_value"),
        "inspection_date": _date(values, "inspection_date"),
        "inspection_type": _enum(values, "inspection_type", "inspection_type"),
        "region_code": _region(values),
        "category_code": _enum(values, "category", "category"),
        "severity": _enum(values, "severity", "severity"),
        "description": n.clean_text(values.get("description")),
        "linked_problem_id": linked_cell(values.get("linked_problem_id")),
        "rectify_deadline": _date(values, "rectify_deadline"),
        "status": _enum(values, "status", "rectification_status"),
        "accountability_action": _enum(values, "accountability_action", "accountability_action"),
        "persons_held_accountable": _field(
            values, "persons_held_accountable", n.parse_count, "bad_number", COUNT_UNITS
        ),
    }


CONVERTERS: dict[str, Callable[[Record, Context], Record]] = {
    "officials": official,
    "commitments": commitment,
    "commitment_outcomes": commitment_outcome,
    "problems": problem,
    "rectifications": rectification,
    "evaluations": evaluation,
    "inspection_findings": inspection_finding,
}

# The key that must be unique within one file, per table.
UNIQUE_KEYS: dict[str, str] = {
    "officials": "region_code",
    "commitments": "commitment_id",
    "commitment_outcomes": "commitment_id",
    "problems": "problem_id",
    "rectifications": "problem_id",
    "evaluations": "region_code",
    "inspection_findings": "finding_id",
}


# ---------------------------------------------------------------------------- column by column
# The converters above, restated for evalwh.ingest.convert, which converts a sheet a column at a
# time: per output column, the source field and the rule the converter applies to that field's
# cell (computed once per distinct cell), then the steps that combine fields, run on the rows
# whose every cell passed. A row where any cell rule fails (or raises) is converted by its row
# converter instead, so a reject's reason is always the row converter's. A rule here must be the
# one the converter runs on that field of every row: tests/ingest/test_column_conversion.py
# proves both paths give the same records and rejects.

CellRule = Callable[[Any], Any]
Columns = dict[str, list]


class Cell(NamedTuple):
    field: str  # the source field
    rule: CellRule  # what the converter does with that field's cell
    # for a column of str cells: the rule's outcomes for the whole column at once, when it can
    # tell them without looking at each cell in Python (None when it cannot)
    texts: Callable[[list[str]], list | None] | None = None


Cells = dict[str, Cell]


def _rule(name: str, parse: Callable[..., Any], code: str, *args: Any, required=False) -> CellRule:
    """_field (or _required with required=True) as a rule on one cell."""
    return lambda value: _cell(value, name, parse, code, args, required)


def _date_of(field: str) -> Cell:
    return Cell(field, partial(date_cell, name=field))


def _enum_of(field: str, enum: str) -> Cell:
    return Cell(field, partial(enum_cell, name=field, enum=enum))


def _region_of(field: str = "region_code") -> Cell:
    return Cell(field, region_cell, n.region_codes)


def _text_of(field: str) -> Cell:
    return Cell(field, n.clean_text, n.clean_texts)


def _id_of(field: str) -> Cell:
    return Cell(
        field, _rule(field, n.parse_identifier, "missing_value", required=True), n.identifiers
    )


def _seq_of(field: str) -> Cell:
    return Cell(field, _rule(field, n.parse_count, "bad_number", required=True))


@dataclass(frozen=True)
class ColumnRules:
    cells: Callable[[Context], Cells]
    # the record's columns, in the converter's key order, from the cells' columns; None: the
    # cells are the record's columns already
    combine: Callable[[Columns, Context], Columns] | None = None


def _official_cells(ctx: Context) -> Cells:
    return {
        "region_code": _region_of(),
        "region_name": _text_of("region_name"),
        "level": _enum_of("level", "level"),
        "parent_code": Cell("parent_code", parent_cell),
        "official_name": Cell(
            "official_name",
            _rule("official_name", n.clean_text, "missing_value", required=True),
            partial(n.clean_texts, required=True),
        ),
        "took_office_date": _date_of("took_office_date"),
    }


def _commitment_cells(ctx: Context) -> Cells:
    return {
        "id": _seq_of("seq") if ctx.version == "v1" else _id_of("commitment_id"),
        "region_code": _region_of(),
        "category_code": _enum_of("category", "category"),
        "content": _text_of("content"),
        "metric_name": _text_of("metric_name"),
        "target": Cell("target", _rule("target", n.parse_quantity, "bad_number")),
        "unit": _text_of("unit"),
        "due_date": _date_of("due_date"),
    }


def _commitment_combine(c: Columns, ctx: Context) -> Columns:
    ids = c["id"]
    if ctx.version == "v1":
        ids = list(map(partial(seq_text, ctx.year), c["region_code"], ids))
    return {
        "commitment_id": ids,
        "region_code": c["region_code"],
        "category_code": c["category_code"],
        "content": c["content"],
        "metric_name": c["metric_name"],
        "target_value": [quantity[0] for quantity in c["target"]],
        "unit": list(map(unit_or_glued, c["unit"], [quantity[1] for quantity in c["target"]])),
        "due_date": c["due_date"],
    }


def _outcome_cells(ctx: Context) -> Cells:
    if ctx.version == "v1":
        given = {"id": _seq_of("prev_seq"), "region_code": _region_of()}
    else:
        given = {"id": _id_of("commitment_id")}
    return {
        **given,
        "outcome": Cell("outcome", _rule("outcome", n.parse_quantity, "bad_number")),
        "outcome_status": _enum_of("outcome_status", "outcome_status"),
        "note": _text_of("note"),
    }


def _outcome_combine(c: Columns, ctx: Context) -> Columns:
    ids = c["id"]
    if ctx.version == "v1":
        ids = list(map(partial(seq_text, ctx.year - 1), c["region_code"], ids))
    return {
        "commitment_id": ids,
        "region_code": c["region_code"] if ctx.version == "v1" else [None] * len(ids),
        "outcome_value": [quantity[0] for quantity in c["outcome"]],
        "outcome_unit": [quantity[1] for quantity in c["outcome"]],
        "outcome_status": c["outcome_status"],
        "note": c["note"],
    }


def _problem_cells(ctx: Context) -> Cells:
    return {
        "problem_id": _id_of("problem_id"),
        "region_code": _region_of(),
        "source": _enum_of("source", "problem_source"),
        "category_code": _enum_of("category", "category"),
        "description": _text_of("description"),
        "rectify_deadline": _date_of("rectify_deadline"),
    }


def _rectification_cells(ctx: Context) -> Cells:
    return {
        "problem_id": _id_of("problem_id"),
        "rectification_status": _enum_of("rectification_status", "rectification_status"),
        "measures": _text_of("measures"),
        "completed_date": _date_of("completed_date"),
    }


def _evaluation_cells(ctx: Context) -> Cells:
    return {
        "region_code": _region_of(),
        "rating": _enum_of("rating", "rating"),
        "score": Cell("score", score_cell),
        "approval_rate": Cell("approval_rate", _rule("approval_rate", n.parse_share, "bad_number")),
        "critique_count": Cell(
            "critique_count", _rule("critique_count", n.parse_count, "bad_number", COUNT_UNITS)
        ),
    }


def _finding_cells(ctx: Context) -> Cells:
    return {
        "finding_id": _id_of("finding_id"),
        "inspection_date": _date_of("inspection_date"),
        "inspection_type": _enum_of("inspection_type", "inspection_type"),
        "region_code": _region_of(),
        "category_code": _enum_of("category", "category"),
        "severity": _enum_of("severity", "severity"),
        "description": _text_of("description"),
        "linked_problem_id": Cell(
            "linked_problem_id", linked_cell, partial(n.identifiers, required=False)
        ),
        "rectify_deadline": _date_of("rectify_deadline"),
        "status": _enum_of("status", "rectification_status"),
        "accountability_action": _enum_of("accountability_action", "accountability_action"),
        "persons_held_accountable": Cell(
            "persons_held_accountable",
            _rule("persons_held_accountable", n.parse_count, "bad_number", COUNT_UNITS),
        ),
    }


COLUMN_RULES: dict[str, ColumnRules] = {
    "officials": ColumnRules(_official_cells),
    "commitments": ColumnRules(_commitment_cells, _commitment_combine),
    "commitment_outcomes": ColumnRules(_outcome_cells, _outcome_combine),
    "problems": ColumnRules(_problem_cells),
    "rectifications": ColumnRules(_rectification_cells),
    "evaluations": ColumnRules(_evaluation_cells),
    "inspection_findings": ColumnRules(_finding_cells),
}
