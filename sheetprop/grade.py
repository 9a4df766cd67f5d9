"""``sheetprop grade``: verify every submitted sheet in a folder, one row per file, and a class report.

Each file is judged by verify in a worker process of its own (both cores; a worker is replaced after a few
files so memory stays bounded), and a file that cannot be read, or that breaks verify, gets its row
instead of stopping the batch. Rows come out in the files' sorted order, whatever order they finish in.

>>> grade = Grade("ann.xlsx", "wrong", 0.9, ("∂E/∂w3",), "Sheet1!Z9", "a_h1 where a_h2 belongs")
>>> grade.row()["wrong"], grade.row()["score"]
('∂E/∂w3', '0.9')
"""

from __future__ import annotations

import concurrent.futures
import csv
import io
import multiprocessing
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

SUFFIXES = (".xlsx", ".xlsm", ".ods")
STATUSES = ("correct", "wrong", "incomplete", "not the exercise", "unreadable")
COLUMNS = ("file", "status", "score", "wrong", "first_cell", "diagnosis", "values", "learning_rates", "notes")
FILES_PER_WORKER = 8  # a worker is replaced after this many files: memory stays bounded


@dataclass(frozen=True)
class Finding:
    """One wrong quantity of a submission, as the class report lists it."""

    where: str
    quantity: str
    found: str
    expected: str
    diagnosis: str


@dataclass(frozen=True)
class Grade:
    """The verdict on one file: a row of grades.csv."""

    file: str
    status: str
    score: float | None = None
    wrong: tuple[str, ...] = ()
    first_cell: str = ""
    diagnosis: str = ""
    values: tuple[str, ...] = ()          # "w4 = 0.5, assigned 0.3"
    learning_rates: tuple[float, ...] = ()
    notes: str = ""
    findings: tuple[Finding, ...] = field(default=(), repr=False)

    def row(self) -> dict[str, str]:
        """The CSV row: texts, lists joined by '; '."""
        return {"file": self.file, "status": self.status,
                "score": "" if self.score is None else f"{self.score:.3g}",
                "wrong": "; ".join(self.wrong), "first_cell": self.first_cell, "diagnosis": self.diagnosis,
                "values": "; ".join(self.values), "learning_rates": "; ".join(f"{r:g}" for r in self.learning_rates),
                "notes": self.notes}


def submissions(folder) -> list[Path]:
    """The spreadsheets under ``folder`` (subfolders too), in sorted order; office lock files left out."""
    folder = Path(folder)
    found = [path for path in folder.rglob("*") if path.suffix.lower() in SUFFIXES and path.is_file()
             and not path.name.startswith(("~$", ".~lock", "."))]
    return sorted(found, key=lambda path: path.relative_to(folder).as_posix())


def grade_file(path, assignment_values: dict[str, float], rates: tuple[float, ...], name: str | None = None) -> Grade:
    """Verify one file and turn the report into a Grade; never raises for what the file holds."""
    from sheetprop.verify import VerifyError, verify

    name = name or Path(path).name
    try:
        report = verify(path)
    except VerifyError as error:
        text = str(error)
        if "no sheet looks like" in text:
            return Grade(name, "not the exercise", notes=text)
        if "can be judged" in text or "holds no cells" in text:
            return Grade(name, "incomplete", 0.0, notes=text)
        return Grade(name, "unreadable", notes=text)
    except Exception as error:  # noqa: BLE001 - one file's trouble is its row, never the batch's end
        return Grade(name, "unreadable", notes=f"verify failed on it: {type(error).__name__}: {error}"[:300])
    return _from_report(name, report, assignment_values, rates)


def grade_report(name: str, report, assignment) -> Grade:
    """The Grade of a report verify has made, against ``assignment`` (a Config): the check page shows a
    student this beside verify's report."""
    return _from_report(name, report, dict(assignment.values), tuple(assignment.learning_rates))


def _from_report(name: str, report, assignment_values: dict[str, float], rates: tuple[float, ...]) -> Grade:
    judged = {q for sheet in report.sheets for _, q, _ in sheet.columns
              if q != "iteration" and not q.endswith("(not judged)")}
    wrong = tuple(dict.fromkeys(f.quantity for f in report.findings))
    judged |= set(wrong)
    score = (len(judged) - len(wrong)) / len(judged) if judged else 0.0
    from sheetprop.verify.report import numbers

    findings = tuple(Finding(f.where, f.quantity, *numbers(f.found, f.expected), f.diagnosis)
                     for f in report.findings)
    sheet_rates = tuple(dict.fromkeys(s.learning_rate for s in report.sheets if s.learning_rate is not None))
    values = _other_values(report, assignment_values, rates)
    first = report.findings[0] if report.findings else None
    notes = "; ".join(dict.fromkeys((*report.notes, *(n for s in report.sheets for n in s.notes))))
    if wrong:
        status = "wrong"
    elif report.incomplete:  # verify's own list of core quantities it could not judge
        status = "incomplete"
        notes = "not judged: " + "; ".join(report.incomplete) + (f"; {notes}" if notes else "")
    else:
        status = "correct"
    return Grade(name, status, score, wrong, first.where if first else "", first.diagnosis if first else "",
                 values, sheet_rates, notes[:500], findings)


def _other_values(report, assignment_values: dict[str, float], rates: tuple[float, ...]) -> tuple[str, ...]:
    """Where the sheet's given values differ from the assignment's: ``w4 = 0.5, assigned 0.3``."""
    found = {}
    for sheet in report.sheets:
        for quantity, value in sheet.givens.items():
            found.setdefault(quantity, value)
    differ = [f"{q} = {v:.10g}, assigned {assignment_values[q]:.10g}" for q, v in found.items()
              if q in assignment_values and not _same(v, assignment_values[q])]
    for sheet in report.sheets:
        rate = sheet.learning_rate
        if rate is not None and rates and not any(_same(rate, r) for r in rates):
            assigned = ", ".join(f"{r:g}" for r in rates)
            differ.append(f"η = {rate:.10g} ({sheet.sheet}), assigned {assigned}")
    return tuple(differ)


def _same(a: float, b: float) -> bool:
    """A typed value is the assignment's when verify would take it for that constant (float noise: a fill
    handle's 0.989999999999998 is 0.99)."""
    from sheetprop.verify.rules import noise

    return abs(a - b) <= noise(b)


def grade_folder(folder, assignment, progress: Callable[[int], None] | None = None,
                 workers: int | None = None) -> list[Grade]:
    """Grade every submission under ``folder`` against ``assignment`` (a Config), in worker processes;
    ``workers=0``: one file after another in this process (where none can be started: the browser)."""
    folder = Path(folder)
    files = submissions(folder)
    values = dict(assignment.values)
    rates = tuple(assignment.learning_rates)
    names = [path.relative_to(folder).as_posix() for path in files]
    if workers == 0:
        grades = []
        for path, name in zip(files, names):
            grades.append(grade_file(path, values, rates, name))
            if progress:
                progress(1)
        return grades
    workers = workers or min(2, os.cpu_count() or 1)
    grades: dict[int, Grade] = {}
    # spawn: a fresh interpreter per worker (fork copies the parent). A fresh pool per batch of
    # FILES_PER_WORKER files a worker keeps memory bounded; max_tasks_per_child would too, but it
    # deadlocks once a worker is replaced on Python 3.11 to 3.13 (CPython gh-115634).
    context = multiprocessing.get_context("spawn")
    batch = workers * FILES_PER_WORKER
    for start in range(0, len(files), batch):
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
            futures = {pool.submit(grade_file, files[k], values, rates, names[k]): k
                       for k in range(start, min(start + batch, len(files)))}
            for future in concurrent.futures.as_completed(futures):
                k = futures[future]
                try:
                    grades[k] = future.result()
                except Exception as error:  # noqa: BLE001 - a worker that died (memory, a crash) fails one file
                    grades[k] = Grade(names[k], "unreadable", notes=f"verify stopped on it ({type(error).__name__})")
                if progress:
                    progress(1)
    return [grades[k] for k in range(len(files))]


def write_csv(grades: list[Grade], path: Path) -> None:
    """grades.csv: one row per file, the COLUMNS in order."""
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS)
        writer.writeheader()
        for grade in grades:
            writer.writerow(grade.row())


def slips(grades: list[Grade]) -> list[tuple[str, int]]:
    """How many students got each quantity wrong, the class's common mistakes first.

    >>> slips([Grade("a", "wrong", wrong=("∂E/∂w3", "∂E/∂w4")), Grade("b", "wrong", wrong=("∂E/∂w3",))])
    [('∂E/∂w3', 2), ('∂E/∂w4', 1)]
    """
    counts = Counter(q for grade in grades for q in grade.wrong)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def write_html(grades: list[Grade], path: Path, title: str, chart: bool = True) -> None:
    """grades.html: a self-contained class report (the table, the common slips, each student's findings,
    the distribution as an inline SVG chart unless ``chart`` is False: the check page has no matplotlib)."""
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
{_chart(statuses, common) if chart else ""}
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


def write_grades(grades: list[Grade], out_dir, title: str, chart: bool = True) -> tuple[Path, Path]:
    """Write grades.csv and grades.html (with its chart, or not) into ``out_dir``, both or neither."""
    from sheetprop.outputs import staging

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with staging(out_dir) as folder:
        write_csv(grades, folder / "grades.csv")
        write_html(grades, folder / "grades.html", title, chart)
    return out_dir / "grades.csv", out_dir / "grades.html"
