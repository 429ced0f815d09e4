"""What can go wrong with a file or a row, as data the loader records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


class QuarantineError(Exception):
    """The whole file is unusable; it goes to audit.quarantine with this reason."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def __reduce__(self):  # a worker process sends it back to the writer: pickle both fields
        return type(self), (self.code, self.message)

    @property
    def reason(self) -> str:
        return f"{self.code}: {self.message}"


class RowError(Exception):
    """One row breaks the contract; it goes to audit.rejects with this reason."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def __reduce__(self):
        return type(self), (self.code, self.message)

    @property
    def reason(self) -> str:
        return str(self)


@dataclass
class Reject:
    file: str
    sheet: str | None
    row_number: int | None
    reason: str
    raw_values: dict[str, object] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.reason.split(":", 1)[0]


def jsonable(value: object) -> object:
    """A cell value as it can be stored in the raw_values JSON of a reject."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
