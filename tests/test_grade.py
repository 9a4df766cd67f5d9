"""``sheetprop grade``: a folder of submissions — real students' sheets, exercises filled in by the test
(correct, with the course's common slip, with other values than assigned), an empty file, a workbook that is
not the exercise, bytes that are no spreadsheet — gives the right row for each, in sorted order, and a class
report that counts the common slips."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

import handmade
from handmade import HIDDEN
from helpers import REAL
from sheetprop import config as configs
from sheetprop.exercise import build_exercise
from test_exercise import fill, lecture
from test_files import SHEET_MAIN, TEMPLATES, rezipped
from test_grade_safe import lecture_toml

SLIP = {"∂E/∂w3": f"=({HIDDEN.format('w6', 'w8')})*[a_h1]*(1-[a_h1])*[i1]"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    made = tmp_path_factory.mktemp("made")
    (exercise,) = build_exercise(lecture(), made)
    for name, slip in (("ann-correct.xlsx", None), ("bob-slip.xlsx", SLIP)):
        shutil.copy(exercise, folder / name)
        fill(folder / name, slip)
    other = folder / "cat-other-values.xlsx"
    shutil.copy(exercise, other)
    book = openpyxl.load_workbook(other)
    for sheet in book.worksheets:  # w4's parameter cell, typed 0.5 where the assignment says 0.3
        column = next(c for c in range(1, sheet.max_column + 1) if sheet.cell(6, c).value == "w4")
        sheet.cell(4, column).value = 0.5
    book.save(other)
    fill(other)
    handmade.write_workbook(folder / "dan-handmade.xlsx")  # the hand-made sheets of handmade.py, slips and all
    (folder / "eve-empty.xlsx").write_bytes(b"")
    shopping = openpyxl.Workbook()
    shopping.active.append(["item", "price"])
    shopping.active.append(["bread", 2.5])
    shopping.save(folder / "fay-shopping.xlsx")
    rezipped(folder / "ann-correct.xlsx", folder / "ida-template.xltx",  # the correct sheet saved as a template
             {"[Content_Types].xml": lambda xml: xml.replace(SHEET_MAIN, TEMPLATES[".xltx"])})
    (folder / "gus-noise.ods").write_bytes(b"\x00not a spreadsheet" * 50)
    (folder / "notes.txt").write_text("not a submission")
    sub = folder / "late"
    sub.mkdir()
    shutil.copy(folder / "ann-correct.xlsx", sub / "hal.xlsx")
    for name in ("sherinee-EVAI-assignment-4.xlsx", "sujitojha1-EVA8-S3.xlsx"):
        shutil.copy(REAL / name, folder / name)
    out = tmp_path_factory.mktemp("report")
    assignment = lecture_toml(tmp_path_factory.mktemp("config"))  # what the exercise was built from
    result = subprocess.run([sys.executable, "-m", "sheetprop", "grade", str(folder), "--assignment", str(assignment),
                             "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    with open(out / "grades.csv", encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    return {row["file"]: row for row in rows}, [row["file"] for row in rows], out, result.stdout


def test_every_spreadsheet_gets_one_row_in_sorted_order(graded):
    rows, order, _, stdout = graded
    assert order == sorted(order) and "notes.txt" not in rows
    assert order == ["ann-correct.xlsx", "bob-slip.xlsx", "cat-other-values.xlsx", "dan-handmade.xlsx",
                     "eve-empty.xlsx", "fay-shopping.xlsx", "gus-noise.ods", "ida-template.xltx", "late/hal.xlsx",
                     "sherinee-EVAI-assignment-4.xlsx", "sujitojha1-EVA8-S3.xlsx"]
    assert f"graded {len(order)} files" in stdout


def test_correct_and_wrong_exercises(graded):
    rows = graded[0]
    for name in ("ann-correct.xlsx", "late/hal.xlsx", "ida-template.xltx"):  # a template is graded as it is
        assert rows[name]["status"] == "correct" and rows[name]["score"] == "1" and rows[name]["values"] == ""
    bob = rows["bob-slip.xlsx"]
    assert bob["status"] == "wrong" and bob["wrong"].split("; ")[0] == "∂E/∂w3"
    assert bob["first_cell"].endswith("!AM7") and "a_h1" in bob["diagnosis"]
    assert 0 < float(bob["score"]) < 1


def test_other_values_than_assigned_are_named(graded):
    cat = graded[0]["cat-other-values.xlsx"]
    # Its own formulas are right for its values, every cell counts; but it is not the assignment: wrong, and the
    # grader is told what differs.
    assert cat["status"] == "wrong" and cat["values"] == "w4 = 0.5, assigned 0.3" and cat["score"] == "1"


def test_files_that_are_not_the_exercise_get_their_row(graded):
    rows = graded[0]
    assert rows["fay-shopping.xlsx"]["status"] == "not the exercise"
    assert rows["eve-empty.xlsx"]["status"] == "unreadable" and rows["eve-empty.xlsx"]["notes"]
    assert rows["gus-noise.ods"]["status"] == "unreadable"
    assert rows["dan-handmade.xlsx"]["status"] == "wrong"  # handmade.py's sheets carry their slips


def test_real_sheets_with_real_slips_are_wrong(graded):
    rows = graded[0]
    # README of the real sheets: sherinee's has slips in two weight updates, sujitojha1's two slips.
    assert rows["sherinee-EVAI-assignment-4.xlsx"]["status"] == "wrong"
    assert {"w3", "w4"} <= set(rows["sherinee-EVAI-assignment-4.xlsx"]["wrong"].split("; "))
    assert rows["sujitojha1-EVA8-S3.xlsx"]["status"] == "wrong"


def test_class_report_groups_the_common_slips(graded):
    rows, _, out, _ = graded
    page = (out / "grades.html").read_text(encoding="utf-8")
    assert "<svg" in page and "http" not in page.split("<svg", 1)[0].replace("http-equiv", "")
    assert "Content-Security-Policy" in page
    # bob's formula and the hand-made sheet's both take a_h1's slope in ∂E/∂w3: one misconception, two students.
    slope = page.split("the slope of the wrong unit — ")[1].split("</table>")[0]
    assert slope.startswith("2 students") and "bob-slip" in slope and "dan-handmade" in slope


def test_grade_refuses_a_folder_without_sheets_in_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "sheetprop", "grade", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "DIR" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_assignment_config_sets_what_the_values_are_compared_with(tmp_path):
    (tmp_path / "blog.toml").write_text(
        'inputs = [0.05, 0.10]\ntargets = [0.01, 0.99]\nweights = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]\n'
        'biases = [0.35, 0.60]\nlearning_rates = [0.5]\niterations = 12\n', encoding="utf-8")
    from sheetprop.grade import grade_folder

    (exercise,) = build_exercise(lecture(), tmp_path / "class")
    fill(exercise)
    grades = grade_folder(tmp_path / "class", configs.load(tmp_path / "blog.toml"))
    # The sheets have no biases: another network than assigned, none of its cells counts.
    assert [g.status for g in grades] == ["wrong"] and grades[0].score == 0
    assert grades[0].values == ("biases: none, assigned b1 = 0.35, b2 = 0.6",)
    fill(exercise)  # nothing left to fill: the same file graded against the lecture with η = 0.5 only
    (tmp_path / "lecture.toml").write_text((tmp_path / "blog.toml").read_text().replace("biases = [0.35, 0.60]\n", ""))
    grades = grade_folder(tmp_path / "class", configs.load(tmp_path / "lecture.toml"))
    # The sheet runs η = 0.5 and 1 (one sheet each); the assignment only 0.5: more than assigned, still correct.
    assert [g.status for g in grades] == ["correct"] and grades[0].values == ("η = 1 (sheet lr 1), assigned 0.5",)


CLASS_OF_MANY = """
import sys
from sheetprop import grade
from sheetprop.config import default
grade.FILES_PER_WORKER = 2
print(len(grade.grade_folder(sys.argv[1], default(), workers=1)))
"""


def test_a_class_of_more_files_than_a_worker_takes_is_graded_whole(tmp_path):
    """More files than one worker grades before it is replaced: every one is graded (ProcessPoolExecutor's
    max_tasks_per_child hangs there on Python 3.11 to 3.13, CPython gh-115634)."""
    source = Path(__file__).resolve().parent / "sheets" / "student-BackPropagation.xlsx"
    for k in range(7):
        shutil.copy(source, tmp_path / f"student{k}.xlsx")
    done = subprocess.run([sys.executable, "-c", CLASS_OF_MANY, str(tmp_path)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "7"


def test_every_kind_of_spreadsheet_verify_reads_is_a_submission(tmp_path):
    """A class hands in whatever it saved: templates, OpenDocument, old .xls — each is graded (or named
    unreadable), none passed over."""
    from sheetprop.files import READABLE
    from sheetprop.grade import submissions

    for suffix in READABLE:
        (tmp_path / f"sheet{suffix.upper()}").write_bytes(b"")
    (tmp_path / "notes.txt").write_bytes(b"")
    assert sorted(s.name for s in submissions(tmp_path)) == sorted(f"sheet{s.upper()}" for s in READABLE)
