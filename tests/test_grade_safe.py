"""grade on a hostile folder: a file name that is a formula lands in grades.csv as text a spreadsheet shows
and never runs (numbers stay numbers), grades.html escapes it, and a symbolic link, a pipe, or a link to a
folder outside DIR is never followed or read: each gets an `unreadable` row saying why."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from classroom import copy, fill
from sheetprop.exercise import build_exercise
from sheetprop.grade.report import FORMULA_STARTS
from test_exercise import lecture

NAMES = ['=HYPERLINK("http:x";"click").xlsx', "+SUM(1,1).xlsx", "-2+3.xlsx", "@cmd.xlsx",
         "<script>alert(1)<script>.xlsx"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    made = tmp_path_factory.mktemp("made")
    (exercise,) = build_exercise(lecture(), made)
    filled = fill(copy(exercise, made, "filled.xlsx"))
    folder = tmp_path_factory.mktemp("class")
    for name in NAMES:
        copy(filled, folder, name)
    outside = tmp_path_factory.mktemp("outside")
    secret = copy(filled, outside, "someone-else.xlsx")
    (folder / "passwd.xlsx").symlink_to("/etc/passwd")
    (folder / "neighbour.xlsx").symlink_to(secret)
    (folder / "elsewhere").symlink_to(outside, target_is_directory=True)
    os.mkfifo(folder / "pipe.xlsx")  # a reader would wait on it for ever
    out = tmp_path_factory.mktemp("report")
    done = subprocess.run([sys.executable, "-m", "sheetprop", "grade", str(folder), "--assignment", str(lecture_toml(
        tmp_path_factory.mktemp("config"))), "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with open(out / "grades.csv", encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    return rows, out


def lecture_toml(folder: Path) -> Path:
    path = folder / "lecture.toml"
    path.write_text('name = "lecture"\ninputs = [0.05, 0.10]\ntargets = [0.01, 0.99]\n'
                    'weights = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]\nlearning_rates = [0.5, 1.0]\n'
                    'iterations = 12\n', encoding="utf-8")
    return path


def test_no_cell_of_grades_csv_is_a_formula_and_numbers_stay_numbers(hostile):
    rows, _ = hostile
    header, *body = rows
    for row in body:
        for cell in row:
            if cell.startswith(FORMULA_STARTS):
                float(cell)  # only a number may start with '-' or '+'
    files = {row[header.index("file")] for row in body}
    for name in NAMES:
        assert (name if name[0] not in "=+-@" else "'" + name) in files
    scores = [row[header.index("score")] for row in body if row[header.index("status")] == "correct"]
    assert len(scores) == len(NAMES) and all(float(score) == 1 for score in scores)


def test_links_pipes_and_folders_outside_are_never_read(hostile):
    rows, _ = hostile
    header, *body = rows
    by_file = {row[header.index("file")]: dict(zip(header, row)) for row in body}
    for name in ("passwd.xlsx", "neighbour.xlsx", "elsewhere/", "pipe.xlsx"):
        assert by_file[name]["status"] == "unreadable", name
        assert by_file[name]["score"] == ""
    assert "link" in by_file["passwd.xlsx"]["notes"] and "zip" not in by_file["passwd.xlsx"]["notes"]
    assert "regular file" in by_file["pipe.xlsx"]["notes"]
    assert not any("someone-else" in f for f in by_file)  # the folder behind the link was not walked


def test_the_html_escapes_every_name_under_its_policy(hostile):
    _, out = hostile
    page = (out / "grades.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;script&gt;.xlsx" in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_a_file_swapped_for_a_link_after_listing_is_not_read(tmp_path):
    from sheetprop.config import default
    from sheetprop.grade.assignment import Assignment
    from sheetprop.grade.folder import submissions
    from sheetprop.grade.judge import grade_file

    (tmp_path / "ann.xlsx").write_bytes(b"PK")
    (listed,) = submissions(tmp_path)
    (tmp_path / "ann.xlsx").unlink()
    (tmp_path / "ann.xlsx").symlink_to("/etc/passwd")
    grade = grade_file(listed, tmp_path, Assignment(default()))
    assert grade.status == "unreadable" and "link" in grade.notes
