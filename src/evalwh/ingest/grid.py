"""Finding the header row and the data rows in a grid of cells (a sheet, or a CSV)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from evalwh.ingest.errors import QuarantineError, jsonable
from evalwh.ingest.normalize import clean_text, header_key
from evalwh.ingest.vocabulary import Column

HEADER_SEARCH_ROWS = 50
NOTE_PREFIXES = ("填报说明", "说明", "注")
# Every character str.isspace() holds for (tests/ingest/test_fast_paths.py checks the list)
WHITESPACE = frozenset(
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# A first cell that starts with none of these is neither blank nor a note
_MAYBE_NOT_DATA = WHITESPACE | {prefix[0] for prefix in NOTE_PREFIXES}


@dataclass(frozen=True)
class Header:
    row_index: int  # 0-based index of the header row in the grid
    positions: dict[str, int]  # field -> column index
    labels: tuple[str, ...]  # the header cells as they read (cleaned), for raw_values


@dataclass(slots=True)
class DataRow:
    row_number: int  # 1-based, as a person counts rows in Excel (or lines in a CSV)
    values: dict[str, object]  # field -> raw cell value
    cells: Sequence[object]
    labels: tuple[str, ...]

    @property
    def raw(self) -> dict[str, object]:
        """Header label -> cell value (JSON-able): what a reject keeps of the row."""
        width = len(self.labels)
        return {
            self.labels[i] if i < width else f"column_{i + 1}": jsonable(cell)
            for i, cell in enumerate(self.cells)
            if cell not in ("", None)
        }


def find_header(grid: Sequence[Sequence[object]], columns: Sequence[Column], where: str) -> Header:
    """The first row holding every required header; a clear error naming what is missing."""
    best: tuple[int, list[str]] | None = None
    for index, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        keys = [header_key(cell) for cell in row]
        positions: dict[str, int] = {}
        missing: list[str] = []
        for column in columns:
            found = next((keys.index(a) for a in column.aliases if a in keys), None)
            if found is not None:
                positions[column.field] = found
            elif column.required:
                missing.append(column.aliases[0])
        if not missing:
            labels = tuple(clean_text(cell) or f"column_{i + 1}" for i, cell in enumerate(row))
            return Header(index, positions, labels)
        if positions and (best is None or len(missing) < len(best[1])):
            best = (index, missing)
    if best is None:
        raise QuarantineError("missing_column", f"{where}: no header row found")
    raise QuarantineError(
        "missing_column",
        f"{where}: required column(s) {', '.join(best[1])} missing (header row {best[0] + 1})",
    )


def _first_cells(row: Sequence[object]) -> tuple[str | None, int]:
    """The first filled cell's text (stripped on the left: enough to spot a note) and how many
    cells are filled, counting no further than 2.

    Blank is what clean_text calls blank: None, NaN, or text of whitespace only (str.isspace
    and the regex ``\\s`` agree on what whitespace is). A number or a date is filled and is never
    a note, so its text is not needed.
    """
    first, count = None, 0
    for cell in row:
        if type(cell) is str:
            if not cell or cell.isspace():
                continue
            text = cell.lstrip()
        elif cell is None or (type(cell) is float and cell != cell):
            continue
        else:
            text = ""
        if count == 0:
            first = text
        count += 1
        if count == 2:
            break
    return first, count


def data_rows(grid: Sequence[Sequence[object]], header: Header) -> Iterator[DataRow]:
    """Rows below the header, without blank rows and without note rows (注 / 说明 / 填报说明).

    After a note row, only rows that fill at least two cells are read as data (a note may run
    on over several one-cell rows); a data row there is still parsed, never dropped.
    """
    in_notes = False
    fields = tuple(header.positions.items())
    widest = max((pos for _field, pos in fields), default=-1)
    for index in range(header.row_index + 1, len(grid)):
        row = grid[index]
        first, filled = _first_cells(row)
        if not filled:
            continue
        if first.startswith(NOTE_PREFIXES):
            in_notes = True
            continue
        if in_notes and filled < 2:
            continue
        if len(row) > widest:  # every field's cell is there
            yield DataRow(index + 1, {f: row[pos] for f, pos in fields}, row, header.labels)
        else:
            yield data_row(grid, header, index)


def data_row_indices(grid: Sequence[Sequence[object]], header: Header) -> list[int]:
    """The 0-based grid indices of the rows data_rows yields, without making them.

    A row whose first cell is plainly data is data until the first note row: text that starts
    with neither whitespace nor the first character of a note prefix, or a number or a date
    (not None, not NaN). Any other row, and every row from the first note on, is judged by
    data_rows' own rule.
    """
    start = header.row_index + 1
    rows = grid[start:]
    plain = [
        (cell != "" and cell[0] not in _MAYBE_NOT_DATA)
        if type(cell) is str
        else (cell is not None and cell == cell)
        for cell in [row[0] if row else None for row in rows]
    ]
    if all(plain):
        return list(range(start, len(grid)))
    blank: set[int] = set()
    note = len(rows)
    for offset in [offset for offset, quick in enumerate(plain) if not quick]:
        first, filled = _first_cells(rows[offset])
        if not filled:
            blank.add(offset)
        elif first.startswith(NOTE_PREFIXES):
            note = offset
            break
    out = [start + offset for offset in range(note) if offset not in blank]
    for offset in range(note + 1, len(rows)):  # in the notes: data fills at least two cells
        first, filled = _first_cells(rows[offset])
        if filled >= 2 and not first.startswith(NOTE_PREFIXES):
            out.append(start + offset)
    return out


def data_row(grid: Sequence[Sequence[object]], header: Header, index: int) -> DataRow:
    """The DataRow of grid[index] (a data row); a field past the row's end reads None."""
    row = grid[index]
    values = {
        field: (row[pos] if pos < len(row) else None) for field, pos in header.positions.items()
    }
    return DataRow(index + 1, values, row, header.labels)
