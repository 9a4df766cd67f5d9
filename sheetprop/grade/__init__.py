"""``sheetprop grade``: every submission in a folder judged against what was assigned, one row per
student, and a class report.

    folder.py    the submissions in the folder, found without following a link or opening a pipe
    identity.py  whose each submission is: Canvas, Moodle and GitHub Classroom layouts, the roster
    assignment.py what was assigned (sheets, quantities, iterations, network, values) and the cells it counts
    judge.py     one submission against its assignment: verify's report turned into a Grade
    verdict.py   a Grade as plain data: the row of grades.csv
    report.py    grades.csv (safe to open in a spreadsheet) and grades.html (the class report)

Each file is judged by verify in a worker process of its own (both cores; a worker is replaced after a few
files so memory stays bounded), and a file that cannot be read, or that breaks verify, gets its row
instead of stopping the batch. Rows come out in the files' sorted order, whatever order they finish in.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from dataclasses import replace
from pathlib import Path
from typing import Callable

from sheetprop.grade.assignment import Assignment
from sheetprop.grade.folder import Submission, submissions
from sheetprop.grade.identity import match, who
from sheetprop.grade.judge import grade_file
from sheetprop.grade.report import write_csv, write_html
from sheetprop.grade.verdict import COLUMNS, STATUSES, Finding, Grade
from sheetprop.roster import variant

__all__ = ["grade_folder", "grade_file", "write_grades", "submissions", "Grade", "Finding", "STATUSES", "COLUMNS"]

FILES_PER_WORKER = 8  # a worker is replaced after this many files: memory stays bounded


def grade_folder(folder, assignment, progress: Callable[[int], None] | None = None,
                 workers: int | None = None, roster=None) -> list[Grade]:
    """Grade every submission under ``folder`` against ``assignment`` (a Config, or an Assignment), in
    worker processes (``workers=0``: one after another in this process, where none can be started: the
    check page's browser). With ``roster`` (roster.Student rows), each submission is judged against its
    student's own variant, rows come in roster order, and a student with no submission gets a ``missing``
    row; without, the student is who the folder's layout names."""
    folder = Path(folder)
    found = submissions(folder)
    if not isinstance(assignment, Assignment):
        variants = {student.id: variant(assignment, student.id) for student in roster or ()}
        assignment = Assignment(assignment, variants)
    assignment.prepare()
    wrapper = _wrapper([submission.name for submission in found])
    owners = [_owner(submission.name[len(wrapper):], roster) for submission in found]
    workers = min(2, os.cpu_count() or 1) if workers is None else workers
    grades: dict[int, Grade] = {}
    for k, submission in enumerate(found):
        if submission.problem:  # a link, a pipe, a device: its row says why, nothing is opened
            grades[k] = Grade(submission.name, "unreadable", notes=submission.problem)
            if progress:
                progress(1)
    todo = [k for k in range(len(found)) if k not in grades]
    if workers == 0:
        for k in todo:
            grades[k] = grade_file(found[k], folder, assignment, owners[k][0] if roster else "")
            if progress:
                progress(1)
        todo = []
    # spawn: a fresh interpreter per worker (fork copies the parent). A fresh pool per batch of
    # FILES_PER_WORKER files a worker keeps memory bounded; max_tasks_per_child would too, but it
    # deadlocks once a worker is replaced on Python 3.11 to 3.13 (CPython gh-115634).
    context = multiprocessing.get_context("spawn")
    batch = max(workers, 1) * FILES_PER_WORKER
    for start in range(0, len(todo), batch):
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
            futures = {pool.submit(grade_file, found[k], folder, assignment, owners[k][0] if roster else ""): k
                       for k in todo[start:start + batch]}
            for future in concurrent.futures.as_completed(futures):
                k = futures[future]
                try:
                    grades[k] = future.result()
                except Exception as error:  # noqa: BLE001 - a worker that died (memory, a crash) fails one file
                    grades[k] = Grade(found[k].name, "unreadable",
                                      notes=f"verify stopped on it ({type(error).__name__})")
                if progress:
                    progress(1)
    graded = [_owned(grades[k], *owners[k]) for k in range(len(found))]
    return graded if roster is None else _in_roster_order(graded, roster, assignment)


def _wrapper(names: list[str]) -> str:
    """The folders every submission is in (``hw3-submissions/``, as ``gh classroom clone`` makes): no student's.

    >>> _wrapper(["hw3-submissions/hw3-a/x.xlsx", "hw3-submissions/hw3-b/x.xlsx"]), _wrapper(["a/x.xlsx"])
    ('hw3-submissions/', '')
    """
    prefix = ""
    while len(names) > 1:  # one submission alone: its folder is its student
        tops = {name[len(prefix):].split("/", 1)[0] for name in names}
        deeper = all(name[len(prefix):].count("/") >= 2 for name in names)
        if len(tops) != 1 or not deeper:
            break
        prefix += tops.pop() + "/"
    return prefix


def _owner(path: str, roster) -> tuple[str, str, str]:
    """(id, name, note) of the student whose submission is at ``path`` (inside any wrapping folder)."""
    identity = who(path)
    if roster is None:
        return identity.id, identity.name, ""
    student, why = match(path, identity, roster)
    return (student.id, student.name, "") if student else ("", "", why)


def _owned(grade: Grade, student: str, name: str, note: str) -> Grade:
    notes = "; ".join(n for n in (note, grade.notes) if n)
    return replace(grade, student=student, name=name, notes=notes)


def _in_roster_order(grades: list[Grade], roster, assignment: Assignment) -> list[Grade]:
    """The roster's students in its order, each with their submissions (a ``missing`` row for none), then
    the submissions that match no student."""
    by_student: dict[str, list[Grade]] = {}
    for grade in grades:
        by_student.setdefault(grade.student, []).append(grade)
    total = assignment.total()
    rows = []
    for student in roster:
        mine = by_student.get(student.id) or [Grade("", "missing", 0.0, notes="no submission found in DIR",
                                                    right=0, assigned=total, student=student.id, name=student.name)]
        if len(mine) > 1:
            mine = [replace(g, notes="; ".join(n for n in (f"one of {len(mine)} submissions", g.notes) if n))
                    for g in mine]
        rows += mine
    return rows + by_student.get("", [])


def write_grades(grades: list[Grade], out_dir, title: str, chart: bool = True) -> tuple[Path, Path]:
    """Write grades.csv and grades.html (with its chart, or not) into ``out_dir``, both or neither."""
    from sheetprop.outputs import staging

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with staging(out_dir) as folder:
        write_csv(grades, folder / "grades.csv")
        write_html(grades, folder / "grades.html", title, chart)
    return out_dir / "grades.csv", out_dir / "grades.html"
