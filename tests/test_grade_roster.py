"""A class with a roster: `sheetprop exercise --roster` writes each student a workbook of their own values
(drawn from the id, learning at every rate as PyTorch computes it), and `sheetprop grade --roster` reads the
folders Canvas, Moodle and GitHub Classroom download, judges each submission against its own student's
variant, lists the roster in its order with a `missing` row, and names a copy of another student's work."""

from __future__ import annotations

import csv
import dataclasses
import subprocess
import sys

import openpyxl
import pytest

import reference
from classroom import copy, fill
from sheetprop import config as configs
from sheetprop.grade.identity import who
from sheetprop.roster import parse_roster
from test_grade_safe import lecture_toml

ROSTER = "id,name,email\ns101,Ann Lee,ann@uni.example\ns102,Bo Chen,\ns103,Cy Diaz,\ns104,Dee Evans,dee@uni.example\n"


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sheetprop", *map(str, args)], capture_output=True, text=True,
                          timeout=900)


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    work = tmp_path_factory.mktemp("course")
    (work / "roster.csv").write_text(ROSTER, encoding="utf-8")
    assignment = lecture_toml(work)
    made = run("exercise", assignment, "--roster", work / "roster.csv", "--out", work / "handed-out")
    assert made.returncode == 0, made.stderr
    books = {path.stem.rsplit("-", 1)[-1]: path for path in (work / "handed-out").iterdir()}
    class_ = work / "downloaded"
    # Canvas names the file, Moodle a folder per student, GitHub Classroom a repository folder per student.
    fill(copy(books["s101"], class_, "leeann_LATE_48213_7700123_lecture-exercise-s101.xlsx"))
    fill(copy(books["s102"], class_, "Bo Chen_881234_assignsubmission_file_/my sheet.xlsx"))
    fill(copy(books["s101"], class_, "backprop-sheet-dee/exercise.xlsx"))  # Dee hands in Ann's variant
    fill(copy(books["s102"], class_, "stranger.xlsx"))
    out = work / "report"
    graded = run("grade", class_, "--assignment", assignment, "--roster", work / "roster.csv", "--out", out)
    assert graded.returncode == 0, graded.stderr
    with open(out / "grades.csv", encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    return books, rows, configs.load(assignment)


def test_each_student_gets_a_workbook_of_their_own_values_with_their_id(classroom):
    books, _, _ = classroom
    assert sorted(books) == ["s101", "s102", "s103", "s104"]
    starts = {}
    for student, path in books.items():
        book = openpyxl.load_workbook(path)
        properties = {p.name: p.value for p in book.custom_doc_props.props}
        assert properties["student id"] == student
        assert all(student in sheet.cell(2, 1).value for sheet in book.worksheets)  # on every sheet
        sheet = book.worksheets[0]
        starts[student] = {sheet.cell(3, c).value: sheet.cell(4, c).value for c in range(2, 14)}
    assert len({tuple(values.values()) for values in starts.values()}) == 4  # four variants
    assert starts["s101"]["i1"] != 0.05 or starts["s101"]["w5 (initial)"] != 0.4


def test_a_variant_is_the_same_for_the_same_id_and_learns_at_every_rate():
    from sheetprop.roster import variant

    lecture = configs.default()
    for student in ("s101", "s102", "x-7", "Ä", "99999999"):
        values = variant(lecture, student)
        assert values == variant(lecture, student)
        config = dataclasses.replace(lecture, values={**lecture.values, **values})
        for rate in lecture.learning_rates:  # PyTorch's run of the variant, not sheetprop's
            losses = [loss for loss, _ in reference.trajectory(config, rate, lecture.iterations,
                                                               [f"w{k}" for k in range(1, 9)])]
            assert losses[-1] < losses[0], (student, rate)


def test_grade_lists_the_roster_in_order_and_judges_each_against_their_variant(classroom):
    _, rows, _ = classroom
    assert [(r["student"], r["name"]) for r in rows] == [
        ("s101", "Ann Lee"), ("s102", "Bo Chen"), ("s103", "Cy Diaz"), ("s104", "Dee Evans"), ("", "")]
    ann, bo, cy, dee, stranger = rows
    assert ann["status"] == "correct" and ann["score"] == "1" and ann["file"].startswith("leeann_LATE")
    assert bo["status"] == "correct" and bo["file"].startswith("Bo Chen_881234")
    assert cy["status"] == "missing" and cy["file"] == "" and cy["score"] == "0"
    assert dee["status"] == "wrong" and dee["values"] == "the values of student s101's variant"
    assert stranger["file"] == "stranger.xlsx" and "matches no student" in stranger["notes"]
    assert stranger["values"] == "the values of student s102's variant"


def test_the_csv_pastes_into_a_gradebook(classroom):
    _, rows, _ = classroom
    assert list(rows[0])[:5] == ["student", "name", "file", "status", "score"]
    for row in rows:
        float(row["score"] or 0)  # a number, or empty where nothing could be graded


def test_the_layouts_platforms_download():
    def named(path):
        return dataclasses.astuple(who(path))

    assert named("smithjohn_12345_6789012_exercise.xlsx") == ("12345", "smithjohn", "Canvas")
    assert named("smithjohn_late_12345_6789012_exercise-1.xlsx") == ("12345", "smithjohn", "Canvas")
    assert named("John Smith_123456_assignsubmission_file_exercise.xlsx") == ("123456", "John Smith", "Moodle")
    assert named("John Smith_123456_assignsubmission_file_/sub/exercise.xlsx") == ("123456", "John Smith", "Moodle")
    assert named("hw3-octocat/sheets/exercise.xlsx") == ("hw3-octocat", "", "folder")
    assert named("ann.xlsx") == ("ann", "", "file")


def test_a_folder_holding_every_submission_is_no_student(tmp_path):
    """`gh classroom clone student-repos` puts every repository in one folder (hw3-submissions/): the students
    are the folders inside it."""
    from sheetprop.grade import grade_folder

    for user in ("octocat", "hubot"):
        folder = tmp_path / "hw3-submissions" / f"hw3-{user}"
        folder.mkdir(parents=True)
        (folder / "exercise.xlsx").write_bytes(b"not a workbook")
    grades = grade_folder(tmp_path, configs.default(), workers=1)
    assert [g.student for g in grades] == ["hw3-hubot", "hw3-octocat"]


def test_a_bad_roster_is_refused_in_one_line_and_nothing_is_written(tmp_path):
    (tmp_path / "roster.csv").write_text("student;name\ns1;Ann\n", encoding="utf-8")
    done = run("exercise", "--roster", tmp_path / "roster.csv", "--out", tmp_path / "out")
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "no column id" in done.stderr
    assert not (tmp_path / "out").exists()
    with pytest.raises(configs.ConfigError, match="row 3: id s1 is there twice.*row 4: no id"):
        parse_roster("id,name\ns1,Ann\ns1,Bo\n,Cy\n")
