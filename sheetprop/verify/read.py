"""Reading a workbook as plain grids: every sheet's values and formulas by (row, column).

.xlsx is read with openpyxl; .ods (and .xls) is converted by LibreOffice first. A workbook whose
formulas carry no cached values (openpyxl writes them so) is recalculated by LibreOffice, since the
values are what is judged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sheetprop.libreoffice import LibreOfficeError, convert, recalculate

NATIVE = (".xlsx", ".xlsm")
CONVERTED = (".ods", ".fods", ".xls")


class VerifyError(Exception):
    """The file cannot be read as a spreadsheet of the exercise; the message says why, in one line."""


@dataclass(frozen=True)
class Grid:
    """One sheet: cell values (numbers, text, error text such as '#VALUE!') and formulas, by (row, column)."""

    title: str
    values: dict[tuple[int, int], object]
    formulas: dict[tuple[int, int], str]

    def number(self, row: int, column: int) -> float | None:
        value = self.values.get((row, column))
        return float(value) if _is_number(value) else None


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
    if not path.is_file():
        raise VerifyError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in NATIVE + CONVERTED:
        raise VerifyError(f"{path.name}: not a spreadsheet sheetprop can read (use .xlsx or .ods)")
    xlsx = _libreoffice(convert, path, Path(workdir) / "converted") if suffix in CONVERTED else path
    formulas, values = _load(xlsx, path), _load(xlsx, path, data_only=True)
    recalculated = False
    if _missing_cached_values(formulas, values):
        xlsx = _libreoffice(recalculate, xlsx, Path(workdir) / "recalculated")
        values, recalculated = _load(xlsx, path, data_only=True), True
    grids = [Grid(sheet.title, _cells(values[sheet.title]), _formulas(sheet)) for sheet in formulas.worksheets]
    return Book(path, xlsx, grids, converted=suffix in CONVERTED, recalculated=recalculated)


def _libreoffice(step, source: Path, out_dir: Path) -> Path:
    try:
        return step(source, out_dir)
    except LibreOfficeError as error:
        # LibreOffice's own output runs over several lines and opens with warnings about Java.
        text = re.sub(r"Warning: [^\n]*", "", str(error))
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        raise VerifyError(" ".join(lines).replace(": Error:", ":")) from None


def _load(xlsx: Path, shown: Path, data_only: bool = False):
    import openpyxl

    try:
        return openpyxl.load_workbook(xlsx, data_only=data_only)
    except Exception as error:  # noqa: BLE001 - whatever openpyxl trips on, the file is unreadable to us
        reason = str(error) or type(error).__name__
        raise VerifyError(f"{shown.name}: cannot be read as a spreadsheet ({reason})") from None


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


def _missing_cached_values(formulas, values) -> bool:
    for sheet in formulas.worksheets:
        cached = values[sheet.title]
        for (row, column) in _formulas(sheet):
            if cached.cell(row, column).value is None:
                return True
    return False


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
