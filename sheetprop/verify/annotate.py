"""A copy of the user's workbook with every wrong cell highlighted and a comment saying why."""

from __future__ import annotations

from pathlib import Path

from sheetprop.atomic import replacing
from sheetprop.verify.findings import Report
from sheetprop.verify.read import Book, VerifyError
from sheetprop.verify.report import numbers

FILL = "FFC7CE"  # the light red of spreadsheet "bad" cells


def check_target(source: Path, out) -> None:
    """Refuse an annotated copy that could not be written, or would overwrite the sheet being verified
    (openpyxl's copy drops charts and images)."""
    out = Path(out)
    if out.is_dir():
        raise VerifyError(f"{out} is a folder: name the annotated copy, e.g. {out / 'annotated.xlsx'}")
    if out.suffix.lower() != ".xlsx":
        raise VerifyError(f"{out.name}: the annotated copy is written as .xlsx; name it so")
    if out.exists() and source.exists() and out.samefile(source):
        raise VerifyError(f"{out.name}: the annotated copy would overwrite the sheet being verified; name another file")


def annotate(book: Book, report: Report, out) -> Path:
    """Write ``out`` (.xlsx): the workbook as read, wrong cells filled and commented."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    out = Path(out)
    check_target(book.path, out)
    # The file as the user wrote it (formulas kept), or LibreOffice's xlsx of an .ods.
    workbook = openpyxl.load_workbook(book.xlsx if book.converted else book.path)
    fill = PatternFill("solid", fgColor=FILL)
    for finding in report.findings:
        sheet = workbook[finding.sheet]
        found, expected = numbers(finding.found, finding.expected)
        for cell in finding.cells or (finding.cell,):
            lines = [f"sheetprop verify: {_first_line(finding, cell, found, expected)}", f"Correct: {finding.correct}"]
            if finding.diagnosis:
                lines.append(f"Likely slip: {finding.diagnosis}")
            sheet[cell].fill = fill
            sheet[cell].comment = Comment("\n".join(lines), "sheetprop", width=420, height=160)
    out.parent.mkdir(parents=True, exist_ok=True)
    with replacing(out) as part:
        workbook.save(part)
    return out


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
