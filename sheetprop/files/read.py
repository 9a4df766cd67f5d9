"""Reading a workbook as plain grids: every sheet's values and formulas by (row, column).

.xlsx is read by xlsx.py in one streaming pass per sheet, one sheet at a time, each held compactly
(a number in 8 bytes); .ods (and .xls) is converted by LibreOffice first. A sheet whose formulas carry
no cached values (openpyxl writes them so) is recalculated (recalc.py: formualizer, else LibreOffice),
since the values are what is judged. Every file is looked at by guard.py before anything opens it;
what an engine opens, under guard.py's limits for engines. Whatever stops the reading is an errors.py
FileError, its one-line message saying what to do.
"""

from __future__ import annotations

import ctypes
import math
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sheetprop.files import CONVERTED, OOXML, READABLE, guard, xlsx as reader
from sheetprop.files.errors import Refused, Unreadable
from sheetprop.files.recalc import recalculate
from sheetprop.libreoffice import LibreOfficeError, convert

NATIVE = OOXML


@dataclass(frozen=True)
class Grid:
    """One sheet: cell values (numbers, text, error text such as '#VALUE!') and formulas, by (row, column)."""

    title: str
    values: Mapping[tuple[int, int], object]
    formulas: Mapping[tuple[int, int], str]
    text_cells: Mapping[tuple[int, int], str] | None = field(default=None, compare=False)
    row_numbers: Callable[[], list[int]] | None = field(default=None, compare=False)

    def number(self, row: int, column: int) -> float | None:
        value = self.values.get((row, column))
        return float(value) if is_number(value) else None

    @cached_property
    def texts(self) -> Mapping[tuple[int, int], str]:
        """The cells holding text (error values such as '#VALUE!' among them): a few hundred where the
        values are millions, so that looking for headers and labels need not walk every number."""
        if self.text_cells is not None:
            return self.text_cells
        return {cell: value for cell, value in self.values.items() if isinstance(value, str)}

    def rows(self, below: int = 0) -> list[int]:
        """The rows holding a value, below row ``below``, top to bottom (only those: one cell in row
        1,048,576 must not cost a million steps)."""
        return self._filled[bisect_right(self._filled, below):]

    @cached_property
    def _filled(self) -> list[int]:
        return self.row_numbers() if self.row_numbers else sorted({row for row, _ in self.values})


class Book:
    """The sheets of one file (``grids``, each read when it is asked for), the xlsx actually read, and
    what had to be done first: converted by LibreOffice, or recalculated (``recalculated`` names the
    engine)."""

    def __init__(self, path: Path, xlsx: Path, workbook: reader.Workbook, workdir: Path, converted: bool):
        self.path, self.xlsx, self.converted, self.recalculated = path, xlsx, converted, None
        self._workbook, self._workdir = workbook, workdir
        self.grids = Sheets(self)

    @property
    def titles(self) -> list[str]:
        return self._workbook.titles

    def grid(self, index: int) -> Grid:
        """Sheet ``index`` read from the file; a sheet with formulas and no cached values is read from
        the recalculated workbook (and so is every sheet after it)."""
        sheet = self._sheet(index)
        if sheet.uncached and self.recalculated is None:
            self._recalculate()
            sheet = self._sheet(index)
        return Grid(sheet.title, sheet.values, sheet.formulas, sheet.texts(), sheet.rows)

    def _sheet(self, index: int) -> reader.Sheet:
        try:
            return self._workbook.sheet(index)
        except Unreadable as unread:
            if self.converted:
                raise
            self._workbook.close()
            self.xlsx = _resaved(self.path, self._workdir, unread)
            self._workbook, self.converted = _open(self.xlsx, self.path), True
            return self._sheet(index)

    def _recalculate(self) -> None:
        _refuse(guard.content_problem(self.xlsx, self.path.name))  # what an engine opens: its limits
        recalculated, engine = recalculate(self.xlsx, self._workdir / "recalculated")
        self._switch(recalculated)
        self.recalculated = engine

    def _switch(self, xlsx: Path) -> None:
        _refuse(guard.content_problem(xlsx, self.path.name, streamed=True))
        self._workbook.close()
        self._workbook, self.xlsx = _open(xlsx, self.path), xlsx

    def close(self) -> None:
        self._workbook.close()


class Lazy(Sequence):
    """A sequence whose items are made when asked for, by ``item(index)``: the indexing (negative
    indices, slices, bounds) is here, once.

    >>> class Squares(Lazy):
    ...     def __len__(self): return 4
    ...     def item(self, index): return index * index
    >>> Squares()[-1], Squares()[1:3], list(Squares())
    (9, [1, 4], [0, 1, 4, 9])
    """

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.item(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.item(index)

    def item(self, index: int):
        raise NotImplementedError


class Sheets(Lazy):
    """A book's grids, read one at a time as they are asked for (the last one kept), so that a workbook
    of millions of cells is never held whole."""

    def __init__(self, book: Book):
        self._book = book
        self._last: tuple[int, Grid] | None = None

    def __len__(self) -> int:
        return len(self._book.titles)

    def item(self, index: int) -> Grid:
        if self._last is None or self._last[0] != index:
            if self._last is not None:
                self._last = None  # let the sheet before go first
                _give_back()
            self._last = (index, self._book.grid(index))
        return self._last[1]

    def __iter__(self):
        for index in range(len(self)):
            yield self.item(index)


def _give_back() -> None:
    """Return the memory of a sheet let go to the system (glibc keeps a freed heap for reuse, and a sheet's
    scattered small objects fragment it, so each sheet read after it would grow the process); a no-op where
    the C library has no malloc_trim."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def read(path, workdir) -> Book:
    """Open ``path`` (any of ``READABLE``) for reading; conversions and recalculations go into
    ``workdir``. Each sheet is read when the book's ``grids`` are asked for it."""
    path, workdir = Path(path), Path(workdir)
    _refuse(guard.file_problem(path))
    suffix = path.suffix.lower()
    if suffix not in READABLE:
        raise Refused(f"{path.name}: not a spreadsheet sheetprop can read: save it as .xlsx or .ods and verify that")
    if suffix in NATIVE:
        _refuse(guard.content_problem(path, path.name, streamed=True))
        xlsx = path
    else:
        _refuse(guard.content_problem(path, path.name))
        xlsx = convert(path, workdir / "converted", untrusted=True)
        _refuse(guard.content_problem(xlsx, path.name, streamed=True))  # what LibreOffice made of it is read next
    try:
        workbook = _open(xlsx, path)
    except Unreadable as unread:
        if xlsx is not path:
            raise
        xlsx = _resaved(path, workdir, unread)
        return Book(path, xlsx, _open(xlsx, path), workdir, converted=True)
    return Book(path, xlsx, workbook, workdir, converted=suffix in CONVERTED)


def _resaved(path: Path, workdir: Path, unread: Unreadable) -> Path:
    """Written by another program in a way the reader trips on (Hancell): LibreOffice may still open it,
    if it is within what an engine may open; ``unread`` is raised otherwise."""
    if guard.content_problem(path, path.name):
        raise unread
    try:
        xlsx = convert(path, workdir / "resaved", "xlsx", untrusted=True)
    except LibreOfficeError:
        raise unread from None
    _refuse(guard.content_problem(xlsx, path.name, streamed=True))
    return xlsx


def _open(xlsx: Path, shown: Path) -> reader.Workbook:
    return reader.Workbook(xlsx, shown.name)


def _refuse(problem: str | None) -> None:
    if problem:
        raise Refused(problem)


def is_number(value) -> bool:
    """Is a cell's value a number a formula can compute with? (Not text, a date, TRUE, nan, or an
    integer of 400 digits.)"""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False
