"""What the annotated copy says in the comment of each wrong cell (files/annotate.py writes the copy)."""

from __future__ import annotations

from sheetprop.files import xlsx as reader
from sheetprop.verify.findings import RATE, Report
from sheetprop.verify.report import numbers


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


def _first_line(finding, cell: str, found: str, expected: str) -> str:
    """What is wrong with one cell; a weight cell flagged under η is wrong because of its rate."""
    if finding.quantity != RATE:
        if cell == finding.cell:
            return f"{finding.quantity} is wrong here: found {found}, expected {expected}."
        return f"{finding.quantity} is wrong here (first wrong at {finding.cell})."
    rate = f"η = {found} where {'η = ' if finding.expected is not None else ''}{expected} belongs"
    if cell == finding.cell:
        return f"this weight update's learning rate is wrong: {rate}."
    return f"this weight update's learning rate is wrong (first at {finding.cell}: {rate})."
