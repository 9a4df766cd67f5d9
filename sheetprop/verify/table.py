"""Finding the exercise on a sheet: the header row, which column is which quantity, the data rows,
and labelled values elsewhere on the sheet (the learning rate, or an input or target given once).

The header row is the row naming the most quantities; it may sit anywhere, under text, with extra
columns around it. Data rows are the rows below it that hold numbers in most of the named columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from openpyxl.utils import get_column_letter

from sheetprop import legend
from sheetprop.files.read import Grid, is_number
from sheetprop.legend import ACT, ERROR, NET, OUTPUTS, TARGET, WEIGHT, Name
from sheetprop.verify import names
from sheetprop.verify.findings import excerpt
from sheetprop.verify.network import shape_of

MIN_QUANTITIES = 6          # fewer named columns than this is not the exercise
BELOW_GAP = 3               # blank cells allowed inside a list of candidate values under a label


@dataclass(frozen=True)
class Column:
    """One column of the table: the quantity it holds (None when unknown) and its header as written."""

    name: str | None
    index: int
    header: str

    @property
    def letter(self) -> str:
        return get_column_letter(self.index)


@dataclass(frozen=True)
class Label:
    """A value given by a label outside the table: 'learningRate=' with 1 two cells to its right.

    ``values`` holds one (cell, value) pair, or several when the label heads a list of candidates,
    or none when text sits where the value belongs (``text_value``: that cell and its text).
    ``prose`` marks an assignment inside a sentence ('the lecture used eta = 0.5; …'), the weakest kind;
    ``terse`` a label of one letter that may stand for η ('h', as η is often typed): it counts only where
    the first weight update agrees with its value. ``read_by`` is the sheet row whose weight updates all
    read the cell (the rate as the formulas show it, labelled or not).
    """

    name: str
    cell: tuple[int, int]
    text: str
    values: tuple[tuple[tuple[int, int], float], ...]
    prose: bool = False
    text_value: tuple[tuple[int, int], str] | None = None
    terse: bool = False
    read_by: int | None = None

    @property
    def single(self) -> float | None:
        return self.values[0][1] if len(self.values) == 1 else None

    @property
    def where(self) -> str:
        """Where the value sits, in words: "I64 (labelled 'learningRate=' in G64)"."""
        value_cell = self.values[0][0] if self.values else self.cell
        if self.read_by is not None:
            label = f" (labelled '{excerpt(self.text)}' in {a1(self.cell)})" if value_cell != self.cell else ""
            return f"{a1(value_cell)}{label}, the cell every weight update of row {self.read_by} reads"
        if value_cell == self.cell:
            return f"{a1(self.cell)} '{excerpt(self.text)}'"
        return f"{a1(value_cell)} (labelled '{excerpt(self.text)}' in {a1(self.cell)})"


def a1(cell: tuple[int, int]) -> str:
    """(row, column) as an A1 reference: (64, 9) → 'I64'."""
    return f"{get_column_letter(cell[1])}{cell[0]}"


@dataclass(frozen=True)
class Table:
    """The recognised layout of one sheet."""

    grid: Grid
    header_row: int
    columns: dict[str, Column]
    unknown: tuple[Column, ...]
    rows: tuple[int, ...]
    labels: dict[str, Label]                  # the one value per name the sheet is judged with
    candidates: dict[str, tuple[Label, ...]] = field(default_factory=dict)  # every label per name, best first

    def cell(self, name: str, row: int) -> str:
        """A1 reference of a quantity's cell, e.g. 'Z39'."""
        return f"{self.columns[name].letter}{row}"

    def holds(self, row: int, column: int) -> bool:
        """Is the cell one of the table's (a data row, a named column)?"""
        return row in self._rows and column in self._indices

    @cached_property
    def _rows(self) -> frozenset[int]:
        return frozenset(self.rows)

    @cached_property
    def _indices(self) -> frozenset[int]:
        return frozenset(c.index for c in self.columns.values())


def find_tables(grid: Grid) -> list[Table]:
    """Every table of the exercise on ``grid``, top to bottom: tables stacked one under another (one per
    learning rate) are each judged, each with the labels nearest above it."""
    found = []
    for header_row in _header_rows(grid):
        columns, others = _columns(grid, header_row)
        rows = _data_rows(grid, header_row, columns)
        if rows:
            found.append((header_row, columns, others, rows))
    tables, everything = [], set()
    for header_row, columns, others, rows in found:
        unknown = tuple(c for c in others if any(grid.number(r, c.index) is not None for r in rows))
        # The text cells inside the table (headers, errors): what is no label. Only text cells are looked
        # at, so that a table of millions of numbers costs no set of millions of cells.
        indices, inside = {c.index for c in (*columns.values(), *unknown)}, {header_row, *rows}
        everything |= {cell for cell in grid.texts if cell[1] in indices and cell[0] in inside}
    above = 0
    for header_row, columns, others, rows in found:
        unknown = tuple(c for c in others if any(grid.number(r, c.index) is not None for r in rows))
        candidates = _labels(grid, everything, (above, rows[-1]))
        labels = {name: best[0] for name, best in candidates.items() if best[0].values}
        tables.append(Table(grid, header_row, columns, unknown, rows, labels, candidates))
        above = rows[-1]
    return tables


def why_not(grid: Grid) -> str:
    """Why ``grid`` holds no table of the exercise, in words that say what to change."""
    header_row = _header_row(grid)
    if header_row is None:
        return "no header row naming h1, w1, … (name the columns in one row above the rows of numbers)"
    spelled = _spelled(grid, header_row)
    if spelled:
        cell, text = min(spelled)
        fix = ("type them with a decimal point (Find & Replace ',' by '.' does a whole column)" if "," in text
               else "format the cells as numbers and type the values again")
        return (f"its header row (row {header_row}) is there, but the cells under it hold text, not numbers "
                f"('{excerpt(text)}' in {a1(cell)}): {fix}")
    return f"its header row (row {header_row}) has no rows of numbers under it"


def is_blank(grid: Grid) -> bool:
    """Does ``grid``, a sheet ``find_tables`` found no table on, hold the exercise's header row with nothing
    filled under it (no numbers typed as text either): a sheet of the exercise as it was handed out?"""
    header_row = _header_row(grid)
    return header_row is not None and not _spelled(grid, header_row)


def _spelled(grid: Grid, header_row: int) -> list:
    """The cells under the header row, in its columns, holding a number typed as text."""
    columns, _ = _columns(grid, header_row)
    indices = {c.index for c in columns.values()}
    return [(cell, value) for cell, value in grid.texts.items()
            if cell[0] > header_row and cell[1] in indices and isinstance(value, str) and _spells_number(value)]


def _spells_number(text: str) -> bool:
    """'0,05' or '0.05' typed as text."""
    return re.fullmatch(r"\s*[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?\s*", text) is not None


def _named(grid: Grid) -> dict[int, set[str]]:
    named: dict[int, set[str]] = {}
    for (row, _), value in grid.texts.items():
        name = names.quantity(value)
        if name and name != "iteration":
            named.setdefault(row, set()).add(name)

    def some(test, found) -> bool:
        return any(test(s) for s in map(legend.parse, found) if s is not None)
    return {row: found for row, found in named.items()
            if len(found) >= MIN_QUANTITIES and some(_forward, found) and some(_output, found)
            and some(lambda s: s.role == WEIGHT, found) and shape_of(found) is not None}


# A table computes a forward pass (nets, activations, errors) and names an output layer (a network whose
# outputs no column names, as a 2-2-1 XOR net written z_3, a_3, C, is another exercise).
def _forward(name: Name) -> bool:
    return name.role in (NET, ACT, ERROR)


def _output(name: Name) -> bool:
    return name.role in (ERROR, TARGET) or name.role in (NET, ACT) and name.neuron.kind == OUTPUTS


def _header_row(grid: Grid) -> int | None:
    named = _named(grid)
    candidates = [(len(found), -row) for row, found in named.items()]
    return -max(candidates)[1] if candidates else None


def _header_rows(grid: Grid) -> list[int]:
    """Every row that heads a table: the rows naming the most quantities, and any naming nearly as many
    (a second table of the same columns), top to bottom."""
    named = _named(grid)
    if not named:
        return []
    most = max(len(found) for found in named.values())
    return sorted(row for row, found in named.items() if len(found) >= max(MIN_QUANTITIES, most - 2))


def _columns(grid: Grid, header_row: int) -> tuple[dict[str, Column], list[Column]]:
    columns: dict[str, Column] = {}
    others = []
    for (row, index), value in sorted(grid.texts.items(), key=lambda item: item[0][1]):
        if row != header_row:
            continue
        if not isinstance(value, str):
            continue  # a number beside the headers is no header
        if grid.number(row, index + 1) is not None:
            # A name with its value beside it, as a parameter table sharing the header row ('i1' 0.05) has.
            continue
        name = names.quantity(value)
        column = Column(name, index, value.strip())
        if name and name not in columns:
            columns[name] = column
        else:
            others.append(Column(None, index, column.header))  # unknown, or a second column of one name
    return columns, others


def _data_rows(grid: Grid, header_row: int, columns: dict[str, Column]) -> tuple[int, ...]:
    needed = max(3, len(columns) // 2)
    weight_columns = [c for n, c in columns.items() if (s := legend.parse(n)) and s.role == WEIGHT and not s.example]
    rows = []
    # Only the rows that hold something: one cell in row 1,048,576 must not cost a million steps.
    for row in grid.rows(below=header_row):
        cells = [grid.values.get((row, c.index)) for c in columns.values()]
        weights = [grid.values.get((row, c.index)) for c in weight_columns]
        if sum(map(_datum, cells)) >= needed or (rows and len(weights) >= 4 and all(map(_datum, weights))):
            rows.append(row)
        elif sum(isinstance(v, str) for v in cells) >= needed:
            break  # another header: a second table is not this one's continuation
    return tuple(rows)


def _datum(value) -> bool:
    """A number, or an error such as #VALUE! where a number should be."""
    return is_number(value) or (isinstance(value, str) and value.startswith("#"))


def _labels(grid: Grid, table_cells: set, band: tuple[int, int] = (0, 0)) -> dict[str, tuple[Label, ...]]:
    """Every label per name, best first: one in the table's own band of rows (below the table above it,
    down to its last row) before any other, then a label with its value beside it (or alone in its
    cell, 'η = 0.5'), then assignments inside sentences, then labels with text where their value
    belongs; reading order within each kind."""
    labels: dict[str, list[Label]] = {}
    for (row, column), value in sorted(grid.texts.items()):
        if (row, column) in table_cells or not isinstance(value, str):
            continue
        for label in _read_label(grid, row, column, value):
            labels.setdefault(label.name, []).append(label)
    low, high = band
    outside = lambda label: bool(high) and not low < label.cell[0] <= high  # noqa: E731
    rank = lambda label: (outside(label), not label.values, label.terse, label.prose)  # noqa: E731 - stable
    # Labels of the table's own band speak for it alone: the other tables' rates are theirs.
    return {name: tuple(sorted([f for f in found if not outside(f)] or found, key=rank))
            for name, found in labels.items()}


def _read_label(grid: Grid, row: int, column: int, text: str) -> list[Label]:
    """Labels in one text cell: 'η = 0.5' carries its value; 'learningRate=' points to a neighbour."""
    inline = names.assignments(text)
    if inline:
        prose = names.is_prose(text)
        return [Label(name, (row, column), text, (((row, column), value),), prose) for name, value in inline]
    name = names.parameter(text)
    lookalike = None if name else names.lookalike(text)
    name, terse = name or lookalike, lookalike is not None
    if not name:
        return []
    right, text_right = _numbers_along(grid, [(row, c) for c in range(column + 1, column + 30)], 0)
    below, text_below = _numbers_along(grid, [(r, column) for r in range(row + 1, row + 60)], BELOW_GAP)
    if right or below:
        return [Label(name, (row, column), text.strip(), right or below, terse=terse)]
    text_value = text_right or text_below
    return [Label(name, (row, column), text.strip(), (), text_value=text_value)] if text_value and not terse else []


def _numbers_along(grid: Grid, cells: list, gap: int) -> tuple[tuple, tuple | None]:
    """The numbers in ``cells`` from the first non-empty one (within three), up to ``gap`` blank cells
    allowed between them, down to text (such as a header); and the text, when it comes first."""
    found, blanks = [], 0
    for i, cell in enumerate(cells):
        value = grid.values.get(cell)
        if value is None:
            blanks += 1
            if (found and blanks > gap) or (not found and i >= 3):
                break
            continue
        if not is_number(value):
            return tuple(found), None if found else (cell, str(value))
        found.append((cell, float(value)))
        blanks = 0
    return tuple(found), None
