"""``sheetprop verify``: judge a hand-made spreadsheet of the backpropagation exercise.

Each cell is compared with the graph's definition of its quantity evaluated on the sheet's own
upstream cells; each wrong quantity is reported at its first wrong cell with the value expected,
the correct formula and, where it can tell, the slip behind it.

Reading the file (guarding, streaming, converting, recalculating) and writing the annotated copy are
sheetprop.files's; this package judges the grids it reads:

    names.py     the spellings of headers and labels
    table.py     the header row, columns, data rows and labelled values of one sheet
    columns.py   the columns in doubt (unknown or shared headers) read from the formulas and values
    network.py   the network the headers name (through the graph's names) and the values choose
    rules.py     each quantity's definition over the sheet's columns; stored precision and tolerance
    rate.py      the learning rate from the weight change
    check.py     judging every cell
    diagnose.py  naming the slip
    report.py    text and JSON;  notes.py  what the annotated copy's comments say
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sheetprop.files.errors import FileError
from sheetprop.files.read import read
from sheetprop.verify.findings import Finding, Report, SheetReport

VerifyError = FileError  # verify's name for every error of a file it cannot read, write or judge: one line each

__all__ = ["verify", "Finding", "Report", "SheetReport", "VerifyError", "NothingToJudge", "NotTheExercise"]


class NothingToJudge(VerifyError):
    """The file is read, but nothing in it can be judged. ``blank`` says why in one bit: the workbook holds
    no cells at all, or the exercise's header row with nothing filled under it (handed back untouched)."""

    def __init__(self, message: str, blank: bool = False):
        super().__init__(message)
        self.blank = blank


class NotTheExercise(NothingToJudge):
    """No sheet of the file looks like the backpropagation exercise."""


def verify(path, annotate=None) -> Report:
    """Judge every sheet of ``path`` that looks like the exercise; with ``annotate``, write a
    highlighted copy there. Raises VerifyError when the file cannot be read, holds no such sheet, or
    nothing in it can be judged."""
    return verify_file(path, annotate)


def verify_file(path, annotate=None, report_to=None) -> Report:
    """verify, with ``report_to(report)`` called before the annotated copy is written (the command line
    prints the report there), so that a copy that fails does not lose the report."""
    from sheetprop.verify import kind
    from sheetprop.verify.check import judge
    from sheetprop.verify.table import find_tables, is_blank, why_not

    path = Path(path)
    if annotate:
        from sheetprop.files.annotate import check_target

        check_target(path, annotate)  # before the work, not after it
    with tempfile.TemporaryDirectory(prefix="sheetprop-verify-") as workdir:
        book = read(path, workdir)
        sheets, skipped, filled, blank = [], [], False, False
        for grid in book.grids:  # each sheet read as it comes: only one is held at a time
            filled = filled or bool(grid.values)
            tables = find_tables(grid)
            if not tables:
                skipped.append((grid.title, why_not(grid)))
                blank = blank or is_blank(grid)
            for table in tables:
                # Another kind of exercise (a perceptron, batch normalisation, …) is said in one line, not judged.
                other = kind.before_judging(table) or _too_wide(table)
                sheet = judge(table) if other is None else None
                other = other or kind.after_judging(sheet)
                if other:
                    skipped.append((grid.title, other))
                else:
                    sheets.append(sheet)
            grid = tables = None  # let this sheet go before the next one is read
        book.close()
        if not filled:
            raise NothingToJudge(f"{path.name} holds no cells at all (every sheet is empty): is it the file you "
                                 "meant? save your work and verify the saved file", blank=True)
        if not sheets:
            raise NotTheExercise(f"{path.name}: no sheet looks like the backpropagation exercise: {_why(skipped)}",
                                 blank=blank)
        if not any(sheet.judged for sheet in sheets):
            why = "; ".join(note for sheet in sheets for note in sheet.notes) or "its cells are empty: fill them in"
            raise NothingToJudge(f"{path.name}: sheet {sheets[0].sheet} looks like the exercise, but none of its "
                              f"cells can be judged: {why}")
        notes = []
        if book.recalculated:
            notes.append(f"its formulas carried no cached values: recalculated with {book.recalculated} before judging")
        report = Report(str(path), tuple(sheets), tuple(t for t, _ in skipped), tuple(notes),
                        tuple(why for _, why in skipped))
        if report_to:
            report_to(report)
        if annotate:
            from sheetprop.files.annotate import annotate as write_annotated
            from sheetprop.verify.notes import notes

            write_annotated(book, notes(report), annotate)
        return report


MAX_COLUMNS = 4096   # quantities of one table judged; choosing its network's activations and loss grows with them


def _too_wide(table) -> str | None:
    """Why a table is too wide to judge in reasonable time, in one line; None when it is not."""
    count = len(table.columns)
    if count <= MAX_COLUMNS:
        return None
    return (f"it looks like a network of {count:,} quantities (its header row names that many columns), more than "
            f"the {MAX_COLUMNS:,} verify judges in one table: it is not judged; judge a smaller network's sheet")


def _why(skipped: list[tuple[str, str]]) -> str:
    """The most telling reason among the sheets': another kind of exercise, one that found a header row,
    else the general one."""
    for title, why in sorted(skipped, key=lambda item: not item[1].startswith("it looks like")):
        if not why.startswith("no header row"):
            return f"sheet {title}: {why}" if len(skipped) > 1 else why
    return "name its columns (h1, a_h1, w1, …) in one header row above the rows of numbers"
