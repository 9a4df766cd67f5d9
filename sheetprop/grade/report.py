"""grades.csv and grades.html: what a teacher opens, made safe to open.

A submission's name, a sheet's title and a student's formula end up in cells of grades.csv; a cell that
begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a formula by Excel and
LibreOffice when the file is opened, quoted or not. Such a text cell gets a leading apostrophe (OWASP's
advice for CSV injection); a number stays a number. grades.html escapes every text it shows and forbids
every script and every request under its Content-Security-Policy.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sheetprop import palette
from sheetprop.grade.verdict import COLUMNS, STATUSES, Finding, Grade

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """``text`` as a spreadsheet will show it and never run it.

    >>> safe_cell('=HYPERLINK("http://x";"x").xlsx'), safe_cell("@SUM(1)"), safe_cell("-0.5"), safe_cell("0.25")
    ('\\'=HYPERLINK("http://x";"x").xlsx', "'@SUM(1)", '-0.5', '0.25')
    >>> safe_cell("-1+2"), safe_cell("\\t=1"), safe_cell("-inf")
    ("'-1+2", "'\\t=1", "'-inf")
    """
    if not text.startswith(FORMULA_STARTS) or _is_number(text):
        return text
    return "'" + text


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def write_csv(grades: list[Grade], path: Path) -> None:
    """grades.csv: one row per submission, the COLUMNS in order, every cell safe to open."""
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS)
        writer.writeheader()
        for grade in grades:
            writer.writerow({key: safe_cell(value) for key, value in grade.row().items()})
# The report's few colours: its text greys, and the project's palette for the table's header and the bars
# (the verdicts in the first run colour, the slips in the second, hatched as well for greyscale print).
COLOURS = {"ink": palette.INK, "muted": palette.MUTED, "rule": palette.EDGE, "head": palette.HEADER,
           "bars": palette.series(0).colour, "slips": palette.series(1).colour}
SCORE = ("score is the share of the assigned cells judged right: every cell the exercise leaves to fill, on "
         "every sheet the assignment asks for (one per optimizer and learning rate), every iteration. A missing "
         "sheet, row or cell, a cell that could not be judged, and every cell of a sheet of another network count "
         "as not right.")


@dataclass(frozen=True)
class Misconception:
    """One kind of slip across the class: each student who made it, with one example and on how many sheets."""

    slip: str
    words: str
    students: tuple[tuple[str, Finding, int], ...]   # (who, an example, sheets it is on)


def misconceptions(grades: list[Grade]) -> list[Misconception]:
    """The class's findings grouped by kind of slip, the most widespread first; a student's finding repeated
    on several sheets is one finding.

    >>> a = Finding("lr 1!Y7", "∂E/∂a_o1", "1", "2", "t1 − a_o1 where a_o1 − t1 belongs (sign flipped)", "sign", "lr 1")
    >>> b = Finding("lr 2!Y7", "∂E/∂a_o1", "1", "2", "t1 − a_o1 where a_o1 − t1 belongs (sign flipped)", "sign", "lr 2")
    >>> [(m.slip, [(who, n) for who, _, n in m.students]) for m in misconceptions([Grade("ann.xlsx", "wrong", findings=(a, b))])]
    [('sign', [('ann.xlsx', 2)])]
    """
    from sheetprop.verify.diagnose import SLIPS

    groups: dict[str, dict[str, tuple[Finding, set]]] = {}
    for grade in grades:
        for finding in grade.findings:
            mine = groups.setdefault(finding.slip, {})
            example, sheets = mine.setdefault(who(grade), (finding, set()))
            sheets.add(finding.sheet)
    found = [Misconception(slip, SLIPS.get(slip, slip), tuple((student, example, len(sheets))
                                                              for student, (example, sheets) in students.items()))
             for slip, students in groups.items()]
    return sorted(found, key=lambda m: (-len(m.students), m.slip == "", m.words))


def who(grade: Grade) -> str:
    """The student as the report names them: the roster's name and id, else the file."""
    if grade.name and grade.student:
        return f"{grade.name} ({grade.student})"
    return grade.name or grade.student or grade.file


def grouped(findings) -> list[tuple[Finding, int]]:
    """A student's findings, one per quantity and kind of slip, with the number of sheets it is on."""
    first: dict[tuple[str, str], tuple[Finding, set]] = {}
    for finding in findings:
        example, sheets = first.setdefault((finding.quantity, finding.slip), (finding, set()))
        sheets.add(finding.sheet)
    return [(example, len(sheets)) for example, sheets in first.values()]


def write_html(grades: list[Grade], path: Path, title: str, chart: bool = True) -> None:
    """grades.html: a self-contained class report — the verdicts (and their chart, drawn by matplotlib, unless
    ``chart`` is False: the check page has none), the class's misconceptions (which students, one example
    cell each), every submission's row, and each student's detail folded under <details>; it fits a laptop
    screen and an A4 page without scrolling sideways."""
    from html import escape

    statuses = Counter(grade.status for grade in grades)
    found = misconceptions(grades)
    summary = ", ".join(f"{statuses[s]} {s}" for s in STATUSES if statuses[s])
    groups = []
    for m in found:
        students = "".join(
            f"<tr><td>{escape(student)}</td><td>{escape(example.quantity)}</td><td>{escape(example.where)}</td>"
            f"<td>{escape(example.diagnosis or f'found {example.found}, expected {example.expected}')}</td>"
            f"<td class=n>{_on(sheets)}</td></tr>" for student, example, sheets in m.students)
        groups.append(f"<h3>{escape(m.words)} — {len(m.students)} {_plural(len(m.students), 'student')}</h3>"
                      "<table class=slips><colgroup><col class=who><col class=q><col class=cell><col><col class=on>"
                      "</colgroup><thead><tr><th>student</th><th>quantity</th><th>example</th><th>the slip</th>"
                      f"<th>on</th></tr></thead><tbody>{students}</tbody></table>")
    rows = "\n".join(
        f"<tr><td>{escape(who(grade))}</td><td>{escape(grade.status)}</td>"
        f"<td class=n>{escape(grade.row()['score'])}</td><td>{escape(', '.join(grade.wrong))}</td>"
        f"<td class=file>{escape(grade.file)}</td></tr>" for grade in grades)
    details = "\n".join(_detail(grade, escape) for grade in grades)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem;
       color: {COLOURS['ink']}; line-height: 1.4; }}
table {{ border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; width: 100%; table-layout: fixed; }}
th, td {{ border: 1px solid {COLOURS['rule']}; padding: 0.2rem 0.4rem; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }}
th {{ background: {COLOURS['head']}; }} td.n {{ text-align: right; }}
col.who {{ width: 22%; }} col.q {{ width: 12%; }} col.cell {{ width: 12%; }} col.on {{ width: 9%; }}
col.status {{ width: 14%; }} col.score {{ width: 8%; }} col.file {{ width: 26%; }}
td.file {{ color: {COLOURS['muted']}; font-size: 0.85em; }}
.muted, li.note {{ color: {COLOURS['muted']}; }}
details {{ border-top: 1px solid {COLOURS['rule']}; padding: 0.3rem 0; }} summary {{ cursor: pointer; }}
svg {{ max-width: 100%; height: auto; }}
@page {{ size: A4; margin: 15mm; }}
@media print {{ body {{ margin: 0; max-width: none; font-size: 10pt; }} details > * {{ display: block; }}
               details {{ break-inside: avoid; }} }}
</style></head><body>
<h1>{escape(title)}</h1>
<p>{len(grades)} rows: {escape(summary) or "none"}.</p>
<p class=muted>The {escape(SCORE)}</p>
{_chart(statuses, found) if chart else ""}
<h2>The class's misconceptions</h2>
{"".join(groups) or "<p>No slip in any submission.</p>"}
<h2>Every submission</h2>
<table><colgroup><col class=who><col class=status><col class=score><col><col class=file></colgroup>
<thead><tr><th>student</th><th>status</th><th>score</th><th>wrong</th><th>file</th></tr></thead><tbody>
{rows}
</tbody></table>
<h2>Each student</h2>
{details or "<p>Nothing to report.</p>"}
</body></html>
"""
    path.write_text(page, encoding="utf-8")


def _detail(grade: Grade, escape) -> str:
    """One student's detail, folded: their findings (one per quantity and slip), what differs from the
    assignment, the notes."""
    items = "".join(
        f"<li><b>{escape(f.where)}</b> {escape(f.quantity)}: found {escape(f.found)}, expected {escape(f.expected)}"
        + (f" — {escape(f.diagnosis)}" if f.diagnosis else "") + (f" ({_on(sheets)})" if sheets > 1 else "") + "</li>"
        for f, sheets in grouped(grade.findings))
    items += "".join(f"<li>differs from the assignment: {escape(v)}</li>" for v in grade.values)
    if grade.notes:
        items += f"<li class=note>{escape(grade.notes)}</li>"
    score = f", score {grade.row()['score']}" if grade.score is not None else ""
    cells = f" ({grade.right:,} of {grade.assigned:,} cells right)" if grade.assigned else ""
    return (f"<details><summary>{escape(who(grade))} — {escape(grade.status)}{score}{cells}</summary>"
            f"<p class=muted>{escape(grade.file)}</p><ul>{items}</ul></details>")


def _on(sheets: int) -> str:
    return f"on {sheets} sheets" if sheets > 1 else "on 1 sheet"


def _plural(count: int, word: str) -> str:
    return word if count == 1 else word + "s"


def _chart(statuses: Counter, found: list[Misconception]) -> str:
    """The verdicts and the most widespread misconceptions as bars, an inline SVG (drawn by matplotlib)."""
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = found[:8]
    figure, axes = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    labels = [s for s in STATUSES if statuses[s]] or ["none"]
    axes[0].barh(labels[::-1], [statuses[s] for s in labels][::-1], color=COLOURS["bars"])
    axes[0].set_title("verdicts")
    axes[0].set_xlabel("submissions")
    names = [textwrap.fill(m.words, 28) for m in shown][::-1] or ["none"]
    axes[1].barh(names, [len(m.students) for m in shown][::-1] or [0], color=COLOURS["slips"], hatch="//")
    axes[1].set_title("misconceptions")
    axes[1].set_xlabel("students")
    for ax in axes:
        ax.xaxis.get_major_locator().set_params(integer=True)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(figure)
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]
