"""``sheetprop grade``: every submission in a folder judged against what was assigned, one row per
student, and a class report.

    folder.py    the submissions in the folder, found without following a link or opening a pipe
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
from pathlib import Path
from typing import Callable

from sheetprop.grade.folder import Submission, submissions
from sheetprop.grade.judge import grade_file
from sheetprop.grade.report import write_csv, write_html
from sheetprop.grade.verdict import COLUMNS, STATUSES, Finding, Grade

__all__ = ["grade_folder", "grade_file", "write_grades", "submissions", "Grade", "Finding", "STATUSES", "COLUMNS"]

FILES_PER_WORKER = 8  # a worker is replaced after this many files: memory stays bounded


def grade_folder(folder, assignment, progress: Callable[[int], None] | None = None,
                 workers: int | None = None) -> list[Grade]:
    """Grade every submission under ``folder`` against ``assignment`` (a Config), in worker processes."""
    folder = Path(folder)
    found = submissions(folder)
    values = dict(assignment.values)
    rates = tuple(assignment.learning_rates)
    workers = workers or min(2, os.cpu_count() or 1)
    grades: dict[int, Grade] = {}
    for k, submission in enumerate(found):
        if submission.problem:  # a link, a pipe, a device: its row says why, nothing is opened
            grades[k] = Grade(submission.name, "unreadable", notes=submission.problem)
            if progress:
                progress(1)
    todo = [k for k in range(len(found)) if k not in grades]
    # spawn: a fresh interpreter per worker (fork copies the parent). A fresh pool per batch of
    # FILES_PER_WORKER files a worker keeps memory bounded; max_tasks_per_child would too, but it
    # deadlocks once a worker is replaced on Python 3.11 to 3.13 (CPython gh-115634).
    context = multiprocessing.get_context("spawn")
    batch = workers * FILES_PER_WORKER
    for start in range(0, len(todo), batch):
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
            futures = {pool.submit(grade_file, found[k], folder, values, rates): k for k in todo[start:start + batch]}
            for future in concurrent.futures.as_completed(futures):
                k = futures[future]
                try:
                    grades[k] = future.result()
                except Exception as error:  # noqa: BLE001 - a worker that died (memory, a crash) fails one file
                    grades[k] = Grade(found[k].name, "unreadable",
                                      notes=f"verify stopped on it ({type(error).__name__})")
                if progress:
                    progress(1)
    return [grades[k] for k in range(len(found))]


def write_grades(grades: list[Grade], out_dir, title: str) -> tuple[Path, Path]:
    """Write grades.csv and grades.html into ``out_dir``, both or neither."""
    from sheetprop.outputs import staging

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with staging(out_dir) as folder:
        write_csv(grades, folder / "grades.csv")
        write_html(grades, folder / "grades.html", title)
    return out_dir / "grades.csv", out_dir / "grades.html"
