"""A copy of the user's workbook with every wrong cell highlighted and a comment saying why."""

from __future__ import annotations

from pathlib import Path

from sheetprop.atomic import replacing
from sheetprop.verify.findings import Report
from sheetprop.verify.read import Book, VerifyError
from sheetprop.verify.report import numbers

FILL = "FFC7CE"  # the light red of spreadsheet "bad" cells


def annotate(book: Book, report: Report, out) -> Path:
    """Write ``out`` (.xlsx): the workbook as read, wrong cells filled and commented."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise VerifyError(f"{out.name}: the annotated copy is written as .xlsx; name it so")
    # The file as the user wrote it (formulas kept), or LibreOffice's xlsx of an .ods.
    workbook = openpyxl.load_workbook(book.xlsx if book.converted else book.path)
    fill = PatternFill("solid", fgColor=FILL)
    for finding in report.findings:
        sheet = workbook[finding.sheet]
        found, expected = numbers(finding.found, finding.expected)
        for cell in finding.cells or (finding.cell,):
            first = cell == finding.cell
            lines = [f"sheetprop verify: {finding.quantity} is wrong here"
                     + (f": found {found}, expected {expected}." if first else f" (first wrong at {finding.cell}).")]
            lines.append(f"Correct: {finding.correct}")
            if finding.diagnosis:
                lines.append(f"Likely slip: {finding.diagnosis}")
            sheet[cell].fill = fill
            sheet[cell].comment = Comment("\n".join(lines), "sheetprop", width=420, height=160)
    out.parent.mkdir(parents=True, exist_ok=True)
    with replacing(out) as part:
        workbook.save(part)
    return out
