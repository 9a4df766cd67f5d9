"""What verify reports, as plain data: per sheet, the layout it recognised and its findings."""

from __future__ import annotations

import datetime
import math
from dataclasses import asdict, dataclass, field

from sheetprop import legend
from sheetprop.parameters import LEARNING_RATE

RATE = legend.math(LEARNING_RATE.name)   # a finding about the learning rate is named by its symbol, η


@dataclass(frozen=True)
class Finding:
    """The first wrong cell of one quantity, and what is known about the slip.

    ``quantity`` is the lecture's name ('∂E/∂w3', or 'η' for the learning rate); ``header`` the
    column's header as the sheet writes it; ``cells`` every wrong cell of the quantity. ``found`` is a
    number, or text for whatever else the cell holds (an error value, text, a date); ``expected`` is
    None where no one value is right (a start weight typed as a word, a rate that must only be above 0).
    """

    sheet: str
    cell: str
    quantity: str
    header: str
    found: float | str | None
    expected: float | None
    correct: str
    diagnosis: str
    wrong: int
    judged: int
    cells: tuple[str, ...] = ()
    slip: str = ""   # the kind of slip the diagnosis names: a key of diagnose.SLIPS ('' where none is named)

    @property
    def where(self) -> str:
        return f"{self.sheet}!{self.cell}"

    def as_dict(self) -> dict:
        return asdict(self) | {"cells": list(self.cells)}


@dataclass(frozen=True)
class SheetReport:
    """One sheet that looks like the exercise: its layout in words, how many cells were judged, findings."""

    sheet: str
    header_row: int
    rows: tuple[int, int]
    columns: tuple[tuple[str, str, str], ...]  # (column letter, quantity, header as written)
    unknown: tuple[tuple[str, str], ...]       # (column letter, header) of columns not recognised
    learning_rate: float | None
    learning_rate_words: str
    notes: tuple[str, ...]
    judged: int
    findings: tuple[Finding, ...] = ()
    unjudged: tuple[str, ...] = ()             # core quantities (E_total, gradients, updates) not judged
    # The sheet's own values of the given quantities (inputs, targets, initial weights, biases) on its
    # first row or labelled cells: what a grader compares with the assignment.
    givens: dict = field(default_factory=dict, compare=False)
    judged_cells: dict = field(default_factory=dict, compare=False)  # quantity → how many of its cells were judged
    network: object = field(default=None, compare=False)  # the graph.Network the sheet was judged as
    iterations: int = 0                        # its data rows
    assumed: tuple[str, ...] = ()              # columns read otherwise than their headers say, one line each


@dataclass(frozen=True)
class Report:
    """Everything verify found in one file."""

    path: str
    sheets: tuple[SheetReport, ...]
    skipped: tuple[str, ...] = ()   # sheets that do not look like the exercise
    notes: tuple[str, ...] = ()     # e.g. recalculated by LibreOffice
    why_skipped: tuple[str, ...] = ()  # why each skipped sheet does not, in words
    findings: tuple[Finding, ...] = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "findings", tuple(f for s in self.sheets for f in s.findings))

    @property
    def incomplete(self) -> tuple[str, ...]:
        """Core quantities some table holds that could not be judged, as 'sheet (row N): names'."""
        return tuple(f"{s.sheet} (table in row {s.header_row}): {', '.join(s.unjudged)}"
                     for s in self.sheets if s.unjudged)

    @property
    def status(self) -> int:
        """Exit status: 0 when every judged cell agrees and every core quantity was judged, 1 when
        something is wrong or the judging is incomplete (never 0: that would say correct)."""
        return 1 if self.findings or self.incomplete else 0

    @property
    def agrees(self) -> bool:
        """Does every judged cell agree with the correct math, with every core quantity judged?"""
        return not self.findings and not self.incomplete

    def __repr__(self) -> str:
        sheets = f"{len(self.sheets)} sheet" + ("s" if len(self.sheets) != 1 else "")
        if self.agrees:
            cells = sum(s.judged for s in self.sheets)
            return f"Report({self.path!r}: all {cells} cells agree in {sheets})"
        if not self.findings:
            return f"Report({self.path!r}: incomplete: {'; '.join(self.incomplete)} not judged)"
        first = self.findings[0]
        many = "quantity" if len(self.findings) == 1 else "quantities"
        return (f"Report({self.path!r}: {len(self.findings)} {many} wrong in {sheets}; "
                f"first: {first.where} {first.quantity})")

    def _repr_markdown_(self) -> str:
        if self.agrees:
            return f"**{self.path}**: every judged cell agrees."
        lines = [f"**{self.path}**", "", "| cell | quantity | found | expected | likely slip |", "|---|---|---|---|---|"]

        def cell(text) -> str:  # a '|' in a sheet's text would split the Markdown row
            return str(text).replace("|", "\\|") or "—"

        for f in self.findings:
            found = f"{f.found:.10g}" if isinstance(f.found, float) else "empty" if f.found is None else f.found
            expected = "—" if f.expected is None else f"{f.expected:.10g}"
            lines.append(f"| {cell(f.where)} | {f.quantity} | {cell(found)} | {expected} | {cell(f.diagnosis)} |")
        return "\n".join(lines)


EXCERPT = 200  # characters of a cell's text a report quotes: a cell may hold 32,767, a hostile file millions


def excerpt(text, limit: int = EXCERPT) -> str:
    """``text`` as a report quotes it: whole when short, else its start, an ellipsis and its length.

    >>> excerpt("abc"), excerpt("x" * 1000, 5)
    ('abc', 'xxxxx… (1,000 characters)')
    """
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def as_found(value) -> float | str | None:
    """A cell's value as a Finding holds it: a number, or text for anything else (JSON can carry both).

    >>> as_found(3), as_found("#N/A"), as_found(datetime.datetime(2024, 5, 10)), as_found(True)
    (3.0, '#N/A', '2024-05-10', 'TRUE')
    """
    if value is None:
        return value
    if isinstance(value, str):
        return excerpt(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:
            return "a number too large for a spreadsheet"
        return number if math.isfinite(number) else str(number)  # JSON has no nan or inf
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        return value.date().isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return excerpt(value)
