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
from pathlib import Path

from sheetprop.grade.verdict import COLUMNS, STATUSES, Grade

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
def slips(grades: list[Grade]) -> list[tuple[str, int]]:
    """How many students got each quantity wrong, the class's common mistakes first.

    >>> slips([Grade("a", "wrong", wrong=("∂E/∂w3", "∂E/∂w4")), Grade("b", "wrong", wrong=("∂E/∂w3",))])
    [('∂E/∂w3', 2), ('∂E/∂w4', 1)]
    """
    counts = Counter(q for grade in grades for q in grade.wrong)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def write_html(grades: list[Grade], path: Path, title: str) -> None:
    """grades.html: a self-contained class report (the table, the common slips, each student's findings,
    the distribution as an inline SVG chart)."""
    from html import escape

    statuses = Counter(grade.status for grade in grades)
    common = slips(grades)
    rows = "\n".join(
        "<tr>" + "".join(f"<td>{escape(grade.row()[c])}</td>" for c in COLUMNS if c != "notes") + "</tr>"
        for grade in grades)
    head = "".join(f"<th>{escape(c)}</th>" for c in COLUMNS if c != "notes")
    summary = ", ".join(f"{statuses[s]} {s}" for s in STATUSES if statuses[s])
    slip_rows = "\n".join(f"<tr><td>{escape(q)}</td><td class=n>{n}</td></tr>" for q, n in common) or \
        "<tr><td colspan=2>no quantity wrong in any file</td></tr>"
    details = []
    for grade in grades:
        if not grade.findings and not grade.notes and not grade.values:
            continue
        items = "".join(f"<li><b>{escape(f.where)}</b> {escape(f.quantity)}: found {escape(f.found)}, expected "
                        f"{escape(f.expected)}" + (f" — {escape(f.diagnosis)}" if f.diagnosis else "") + "</li>"
                        for f in grade.findings)
        items += "".join(f"<li>other values than assigned: {escape(v)}</li>" for v in grade.values)
        if grade.notes:
            items += f"<li class=note>{escape(grade.notes)}</li>"
        details.append(f"<h3>{escape(grade.file)} — {escape(grade.status)}</h3><ul>{items}</ul>")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; color: #222; }}
table {{ border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }}
th, td {{ border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }}
th {{ background: #DDEBF7; }} td.n {{ text-align: right; }} li.note {{ color: #555; }}
@media print {{ body {{ margin: 0; max-width: none; }} }}
</style></head><body>
<h1>{escape(title)}</h1>
<p>{len(grades)} files: {escape(summary) or "none"}.</p>
{_chart(statuses, common)}
<h2>The class's common slips</h2>
<table><thead><tr><th>quantity</th><th>students</th></tr></thead><tbody>
{slip_rows}
</tbody></table>
<h2>Every file</h2>
<table><thead><tr>{head}</tr></thead><tbody>
{rows}
</tbody></table>
<h2>Each file's findings</h2>
{"".join(details) or "<p>Nothing to report.</p>"}
</body></html>
"""
    path.write_text(page, encoding="utf-8")


def _chart(statuses: Counter, common: list[tuple[str, int]]) -> str:
    """The verdicts and the most common slips as bars, an inline SVG (drawn by matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = common[:10]
    figure, axes = plt.subplots(1, 2, figsize=(10, 3.2), layout="constrained")
    labels = [s for s in STATUSES if statuses[s]] or ["no files"]
    axes[0].barh(labels[::-1], [statuses[s] for s in labels][::-1], color="#4472C4")
    axes[0].set_title("verdicts")
    axes[0].set_xlabel("files")
    axes[1].barh([q for q, _ in shown][::-1] or ["none"], [n for _, n in shown][::-1] or [0], color="#C55A11")
    axes[1].set_title("most common wrong quantities")
    axes[1].set_xlabel("students")
    for ax in axes:
        ax.xaxis.get_major_locator().set_params(integer=True)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(figure)
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]


