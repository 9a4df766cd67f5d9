"""A copy of the user's workbook with every wrong cell highlighted and a comment saying why.

The copy is the user's file patched part by part (patch.py: streaming, in bounded memory, charts, images
and the sheet's own comments kept); openpyxl writes it only for a package patch.py leaves alone (a
macro-enabled or Strict workbook, styles without fills), loading the workbook whole and dropping what
openpyxl does not keep (charts, images).
"""

from __future__ import annotations

from pathlib import Path

from sheetprop.atomic import replacing
from sheetprop.verify import xlsx as reader
from sheetprop.verify.findings import Report
from sheetprop.verify.patch import CannotPatch, patch
from sheetprop.verify.read import Book, VerifyError
from sheetprop.verify.report import numbers

FILL = "FFC7CE"  # the light red of spreadsheet "bad" cells


def check_target(source: Path, out) -> None:
    """Refuse an annotated copy that could not be written, or would overwrite the sheet being verified."""
    out = Path(out)
    if out.is_dir():
        raise VerifyError(f"{out} is a folder: name the annotated copy, e.g. {out / 'annotated.xlsx'}")
    if out.suffix.lower() != ".xlsx":
        raise VerifyError(f"{out.name}: the annotated copy is written as .xlsx; name it so")
    if out.exists() and source.exists() and out.samefile(source):
        raise VerifyError(f"{out.name}: the annotated copy would overwrite the sheet being verified; name another file")


def annotate(book: Book, report: Report, out) -> Path:
    """Write ``out`` (.xlsx): the workbook as read, wrong cells filled and commented."""
    out = Path(out)
    check_target(book.path, out)
    # The file as the user wrote it (formulas kept), or LibreOffice's xlsx of an .ods.
    source = book.xlsx if book.converted else book.path
    marks = notes(report)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with replacing(out) as part:
            patch(source, part, marks, FILL, book.path.name)
    except CannotPatch:
        with replacing(out) as part:
            with_openpyxl(source, part, marks)
    return out


def notes(report: Report) -> dict[str, dict[tuple[int, int], str]]:
    """Each sheet's wrong cells, by (row, column), with the note that says why (a cell wrong for two
    reasons gets both)."""
    marks: dict[str, dict[tuple[int, int], str]] = {}
    for finding in report.findings:
        found, expected = numbers(finding.found, finding.expected)
        for cell in finding.cells or (finding.cell,):
            lines = [f"sheetprop verify: {_first_line(finding, cell, found, expected)}", f"Correct: {finding.correct}"]
            if finding.diagnosis:
                lines.append(f"Likely slip: {finding.diagnosis}")
            match = reader.CELL.match(cell)
            at = (int(match[2]), reader.column_number(match[1]))
            sheet = marks.setdefault(finding.sheet, {})
            sheet[at] = f"{sheet[at]}\n\n" + "\n".join(lines) if at in sheet else "\n".join(lines)
    return marks


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


def _first_line(finding, cell: str, found: str, expected: str) -> str:
    """What is wrong with one cell; a weight cell flagged under η is wrong because of its rate."""
    if finding.quantity != "η":
        if cell == finding.cell:
            return f"{finding.quantity} is wrong here: found {found}, expected {expected}."
        return f"{finding.quantity} is wrong here (first wrong at {finding.cell})."
    rate = f"η = {found} where {'η = ' if finding.expected is not None else ''}{expected} belongs"
    if cell == finding.cell:
        return f"this weight update's learning rate is wrong: {rate}."
    return f"this weight update's learning rate is wrong (first at {finding.cell}: {rate})."
