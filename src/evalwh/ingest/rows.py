"""One function per source table: a row of raw cells in, one canonical record out.

Each converter raises RowError with a reason code (bad_number, bad_date, unknown_category,
unknown_enum, out_of_range, missing_value, bad_region_code, ...) for a row that breaks the
contract. Checks that need other rows (duplicates, unknown regions, links to earlier years) are
made by the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
# The cell's type is part of the key, so 1, 1.0 and True never share an entry.
_MEMO: dict[tuple, tuple[bool, Any]] = {}
_MEMO_LIMIT = 250_000


def _memo_cell(
    value: Any, name: str, parse: Callable[..., Any], code: str, args: tuple, required: bool
) -> Any:
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


def _date(values: Record, name: str) -> Any:
    return _memo_cell(values.get(name), name, n.parse_date, "bad_date", (), False)


def _region(values: Record, name: str = "region_code") -> str:
    return _memo_cell(values.get(name), name, n.parse_region_code, "bad_region_code", (), True)


def _enum(values: Record, name: str, enum: str) -> str:
    code = "unknown_category" if enum == "category" else "unknown_enum"
    args = (enums()[enum], enum.replace("_", " "))
    return _memo_cell(values.get(name), name, n.map_enum, code, args, True)


def _seq_id(values: Record, seq_field: str, year: int) -> str:
    seq = _required(values, seq_field, n.parse_count, "bad_number")
    return f"{year}-{_region(values)}-{seq:02d}"


def official(values: Record, ctx: Context) -> Record:
    parent = values.get("parent_code")
    return {
        "region_code": _region(values),
        "region_name": n.clean_text(values.get("region_name")),
        "level": _enum(values, "level", "level"),
        "parent_code": None if n.is_blank(parent) else _region(values, "parent_code"),
        "official_name": _required(values, "official_name", n.clean_text, "missing_value"),
        "took_office_date": _date(values, "took_office_date"),
    }


def commitment(values: Record, ctx: Context) -> Record:
    if ctx.version == "v1":
        commitment_id = _seq_id(values, "seq", ctx.year)
    else:
        commitment_id = _required(values, "commitment_id", n.parse_identifier, "missing_value")
    target, glued_unit = _field(values, "target", n.parse_quantity, "bad_number")
    unit = n.clean_text(values.get("unit")) or glued_unit
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
    score = _field(values, "score", n.parse_number, "bad_number", SCORE_UNITS)
    if score is not None and not 0 <= score <= 100:
        raise RowError("out_of_range", f"score: {score:g} outside 0-100")
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
    linked = n.clean_text(values.get("linked_problem_id"))
    return {
        "finding_id": _required(values, "finding_id", n.parse_identifier, "missing_value"),
        "inspection_date": _date(values, "inspection_date"),
        "inspection_type": _enum(values, "inspection_type", "inspection_type"),
        "region_code": _region(values),
        "category_code": _enum(values, "category", "category"),
        "severity": _enum(values, "severity", "severity"),
        "description": n.clean_text(values.get("description")),
        "linked_problem_id": n.fold_width(linked) if linked else None,
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
