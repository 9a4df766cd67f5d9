"""Reading a workbook as plain grids: every sheet's values and formulas by (row, column).

.xlsx is read with openpyxl; .ods (and .xls) is converted by LibreOffice first. A workbook whose
formulas carry no cached values (openpyxl writes them so) is recalculated by LibreOffice, since the
values are what is judged. Every file is looked at by guard.py before either of them opens it.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from sheetprop.libreoffice import Exhausted, LibreOfficeError, NotInstalled, convert, recalculate
from sheetprop.verify import guard

NATIVE = (".xlsx", ".xlsm")
CONVERTED = (".ods", ".fods", ".xls")


class VerifyError(Exception):
    """The file cannot be read as a spreadsheet of the exercise; the message says why, in one line."""

    def __init__(self, message: str):
        # One line whatever a file name or a library's message holds.
        super().__init__(" ".join(str(message).split()))


@dataclass(frozen=True)
class Grid:
    """One sheet: cell values (numbers, text, error text such as '#VALUE!') and formulas, by (row, column)."""

    title: str
    values: dict[tuple[int, int], object]
    formulas: dict[tuple[int, int], str]

    def number(self, row: int, column: int) -> float | None:
        value = self.values.get((row, column))
        return float(value) if is_number(value) else None


@dataclass(frozen=True)
class Book:
    """The sheets of one file, the xlsx actually read, and what LibreOffice had to do first."""

    path: Path
    xlsx: Path
    grids: list[Grid]
    converted: bool = False
    recalculated: bool = False


def read(path, workdir) -> Book:
    """Read ``path`` (.xlsx, .xlsm, .ods, .xls); conversions and recalculations go into ``workdir``."""
    path = Path(path)
    _refuse(guard.file_problem(path))
    suffix = path.suffix.lower()
    if suffix not in NATIVE + CONVERTED:
        raise VerifyError(f"{path.name}: not a spreadsheet sheetprop can read: save it as .xlsx or .ods and verify that")
    _refuse(guard.content_problem(path, path.name))
    xlsx = path
    if suffix in CONVERTED:
        xlsx = _libreoffice(convert, path, Path(workdir) / "converted", untrusted=True)
        _refuse(guard.content_problem(xlsx, path.name))  # what LibreOffice made of it is parsed next
    try:
        titles, formulas = _formulas_of(xlsx, path)
    except VerifyError as unread:
        if xlsx is not path:
            raise
        # Written by another program (Hancell) in a way openpyxl trips on: LibreOffice may still open it.
        try:
            xlsx = convert(path, Path(workdir) / "resaved", "xlsx")
        except LibreOfficeError:
            raise unread from None
        _refuse(guard.content_problem(xlsx, path.name))
        titles, formulas = _formulas_of(xlsx, path)
        suffix = CONVERTED[0]  # it was converted: say so below
    values, missing = _values_of(xlsx, path, formulas)
    if missing:
        xlsx = _libreoffice(recalculate, xlsx, Path(workdir) / "recalculated", untrusted=True)
        _refuse(guard.content_problem(xlsx, path.name))
        values, _ = _values_of(xlsx, path, formulas)
    grids = [Grid(title, values.get(title, {}), formulas[title]) for title in titles]
    return Book(path, xlsx, grids, converted=suffix in CONVERTED, recalculated=missing)


def _refuse(problem: str | None) -> None:
    if problem:
        raise VerifyError(problem)


def _libreoffice(step, source: Path, out_dir: Path, **options) -> Path:
    try:
        return step(source, out_dir, **options)
    except LibreOfficeError as error:
        # LibreOffice's own output runs over several lines and opens with warnings about Java.
        text = re.sub(r"Warning: [^\n]*", "", str(error))
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if not isinstance(error, (NotInstalled, Exhausted)):
            lines.append("(damaged, password-protected, or not a spreadsheet?): if it opens in your spreadsheet "
                         "program, save it as .xlsx without a password and verify that")
        raise VerifyError(" ".join(lines).replace(": Error:", ":")) from None


def _load(xlsx: Path, shown: Path, data_only: bool = False):
    import openpyxl

    try:
        with warnings.catch_warnings():
            # openpyxl warns about parts it drops (extensions, a missing default style) on stderr.
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(xlsx, data_only=data_only)
    except Exception as error:  # noqa: BLE001 - whatever openpyxl trips on, the file is unreadable to us
        reason = str(error) or type(error).__name__
        raise VerifyError(f"{shown.name}: cannot be read as a spreadsheet ({reason}): open it in your "
                          "spreadsheet program, save it again and verify that") from None


def _formulas_of(xlsx: Path, shown: Path) -> tuple[list[str], dict[str, dict]]:
    """The sheets' titles in order and their formulas; the workbook itself is let go at once, so that
    only one is ever held in memory."""
    workbook = _load(xlsx, shown)
    return [s.title for s in workbook.worksheets], {s.title: _formulas(s) for s in workbook.worksheets}


def _values_of(xlsx: Path, shown: Path, formulas: dict[str, dict]) -> tuple[dict[str, dict], bool]:
    """Each sheet's values, and whether some formula carries no cached value."""
    workbook = _load(xlsx, shown, data_only=True)
    values = {sheet.title: _cells(sheet) for sheet in workbook.worksheets}
    missing = any(_uncached(workbook[title], found) for title, found in formulas.items() if title in workbook)
    return values, missing


def _uncached(sheet, formulas: dict) -> bool:
    cells = getattr(sheet, "_cells", {})
    return any(cells.get(at) is None or cells[at].value is None for at in formulas)


def _existing(sheet):
    # openpyxl keeps only the cells the file holds in _cells; iter_rows would walk every empty cell
    # of the used range (LibreOffice's exports claim 1,024 columns).
    return sheet._cells.values() if hasattr(sheet, "_cells") else ()


def _cells(sheet) -> dict[tuple[int, int], object]:
    return {(c.row, c.column): c.value for c in _existing(sheet) if c.value is not None and c.value != ""}


def _formulas(sheet) -> dict[tuple[int, int], str]:
    found = {}
    for cell in _existing(sheet):
        text = getattr(cell.value, "text", cell.value)  # array formulas carry their text in .text
        if isinstance(text, str) and text.startswith("="):
            found[(cell.row, cell.column)] = text
    return found


def is_number(value) -> bool:
    """Is a cell's value a number a formula can compute with? (Not text, a date, TRUE, nan, or an
    integer of 400 digits.)"""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False
