"""A copy of the user's workbook with every wrong cell highlighted and a comment saying why.

The copy is the user's file patched part by part (patch.py: streaming, in bounded memory, charts, images
and the sheet's own comments kept); openpyxl writes it only for a package patch.py leaves alone (a
macro-enabled or Strict workbook, styles without fills), loading the workbook whole and dropping what
openpyxl does not keep (charts, images).
"""

from __future__ import annotations

from pathlib import Path

from sheetprop.atomic import replacing
from sheetprop.files.patch import patch
from sheetprop.files.errors import CannotPatch, Refused
from sheetprop.files.read import Book

FILL = "FFC7CE"  # the light red of spreadsheet "bad" cells


def check_target(source: Path, out) -> None:
    """Refuse an annotated copy that could not be written, or would overwrite the sheet being verified."""
    out = Path(out)
    if out.is_dir():
        raise Refused(f"{out} is a folder: name the annotated copy, e.g. {out / 'annotated.xlsx'}")
    if out.suffix.lower() != ".xlsx":
        raise Refused(f"{out.name}: the annotated copy is written as .xlsx; name it so")
    if out.exists() and source.exists() and out.samefile(source):
        raise Refused(f"{out.name}: the annotated copy would overwrite the sheet being verified; name another file")


def annotate(book: Book, marks: dict[str, dict[tuple[int, int], str]], out) -> Path:
    """Write ``out`` (.xlsx): the workbook as read, each marked cell (sheet title → (row, column) → note)
    filled and commented."""
    out = Path(out)
    check_target(book.path, out)
    # The file as the user wrote it (formulas kept), or LibreOffice's xlsx of an .ods.
    source = book.xlsx if book.converted else book.path
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with replacing(out) as part:
            patch(source, part, marks, FILL, book.path.name)
    except CannotPatch:
        with replacing(out) as part:
            with_openpyxl(source, part, marks)
    return out


def with_openpyxl(source: Path, out: Path, marks: dict[str, dict[tuple[int, int], str]]) -> None:
    """The copy as openpyxl writes it: the whole workbook loaded, charts and images lost."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    workbook = openpyxl.load_workbook(source)
    fill = PatternFill("solid", fgColor=FILL)
    for title, cells in marks.items():
        sheet = workbook[title]
        for (row, column), text in cells.items():
            cell = sheet.cell(row, column)
            cell.fill = fill
            cell.comment = Comment(text, "sheetprop", width=420, height=160)
    workbook.save(out)
