"""The teacher's loop, as a class would run it: the exercise built, filled in by the test the ways students
fill it in (complete, some sheets, some rows, the forward pass only, untouched, the classic slips as formulas
and as values only, another network), graded; every status, score and slip group checked.

The formulas are typed here (classroom.py, from handmade.py's templates), never taken from sheetprop's
writer; the values-only sheets hold what LibreOffice computes from them. A score's expected value is counted
from the files: the cells the handed-out exercise leaves empty (assigned) and the cells the test filled
(all right, but for a planted slip's column).
"""

from __future__ import annotations

import csv
import subprocess
import sys

import openpyxl
import pytest

from classroom import (FORWARD, INPUT_FOR_TARGET, RELATIVE_RATE, SIGN, WRONG_SLOPE, copy, fill, values_only)
from sheetprop.exercise import build_exercise
from test_exercise import FIRST_ROW, HEADER_ROW, lecture
from test_grade_safe import lecture_toml

BIASES = {"h1": "=[i1]*[w1]+[i2]*[w2]+0.35", "h2": "=[i1]*[w3]+[i2]*[w4]+0.35",
          "o1": "=[a_h1]*[w5]+[a_h2]*[w6]+0.6", "o2": "=[a_h1]*[w7]+[a_h2]*[w8]+0.6"}


def empty_cells(path) -> int:
    """The cells of each sheet's table the handed-out exercise leaves empty: what was assigned."""
    count = 0
    for sheet in openpyxl.load_workbook(path).worksheets:
        width = sheet.max_column
        row = FIRST_ROW
        while sheet.cell(row, 1).value is not None:
            count += sum(sheet.cell(row, c).value is None for c in range(1, width + 1)
                         if sheet.cell(HEADER_ROW, c).value)
            row += 1
    return count


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    made = tmp_path_factory.mktemp("made")
    (exercise,) = build_exercise(lecture(), made)
    (backward,) = build_exercise(lecture(), made / "backward", blank="backward")
    folder = tmp_path_factory.mktemp("class")
    fill(copy(exercise, folder, "ann-complete.xlsx"))
    fill(copy(exercise, folder, "bob-one-sheet.xlsx"), sheets={0})
    fill(copy(exercise, folder, "cat-three-rows.xlsx"), rows=3)
    fill(copy(exercise, folder, "dan-forward-only.xlsx"), only=FORWARD)
    copy(exercise, folder, "eve-untouched.xlsx")
    copy(backward, folder, "fay-untouched-backward.xlsx")
    fill(copy(exercise, folder, "gus-sign.xlsx"), SIGN)
    values_only(fill(copy(exercise, folder, "hal-sign-values.xlsx"), SIGN), made / "lo1")
    fill(copy(exercise, folder, "ida-input-for-target.xlsx"), INPUT_FOR_TARGET)
    fill(copy(exercise, folder, "jon-wrong-slope.xlsx"), WRONG_SLOPE)
    values_only(fill(copy(exercise, folder, "kim-wrong-slope-values.xlsx"), WRONG_SLOPE), made / "lo2")
    fill(copy(exercise, folder, "lea-relative-rate.xlsx"), rate=RELATIVE_RATE)
    fill(copy(exercise, folder, "max-biases.xlsx"), BIASES)
    out = tmp_path_factory.mktemp("report")
    done = subprocess.run([sys.executable, "-m", "sheetprop", "grade", str(folder), "--assignment",
                           str(lecture_toml(made)), "--out", str(out)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    with open(out / "grades.csv", encoding="utf-8", newline="") as stream:
        rows = {row["file"]: row for row in csv.DictReader(stream)}
    return rows, out, empty_cells(exercise), folder


def test_complete_work_is_correct_with_every_assigned_cell_right(graded):
    rows, _, assigned, _ = graded
    ann = rows["ann-complete.xlsx"]
    assert ann["status"] == "correct" and ann["score"] == "1" and ann["values"] == "" and ann["wrong"] == ""
    assert int(ann["assigned"]) == int(ann["right"]) == assigned
    assert "formualizer" not in ann["notes"] and "LibreOffice" not in ann["notes"]  # notes speak to the teacher


def test_unfinished_work_scores_its_share_of_the_assigned_cells(graded):
    rows, _, assigned, _ = graded
    bob = rows["bob-one-sheet.xlsx"]
    assert bob["status"] == "incomplete" and int(bob["right"]) == assigned // 2 and bob["score"] == "0.5"
    assert "no sheet for η = 1" in bob["notes"]
    cat = rows["cat-three-rows.xlsx"]
    per_sheet = assigned // 2
    columns = (per_sheet + 8) // 12  # each of the 12 iterations leaves every derived column empty, the weights but once
    filled = 2 * (3 * columns - 8)   # three rows of every column, less the first row's typed weights
    assert cat["status"] == "incomplete" and int(cat["right"]) == filled and int(cat["assigned"]) == assigned
    assert "3 of 12 iterations" in cat["notes"]
    dan = rows["dan-forward-only.xlsx"]
    assert dan["status"] == "incomplete" and 0 < float(dan["score"]) < len(FORWARD) * 12 / per_sheet


def test_the_exercise_handed_back_untouched_is_not_started(graded):
    rows = graded[0]
    for name in ("eve-untouched.xlsx", "fay-untouched-backward.xlsx"):
        assert rows[name]["status"] == "not started", rows[name]
        assert rows[name]["score"] == "0"


def test_slips_as_formulas_and_as_values_are_wrong_on_their_quantity(graded):
    rows = graded[0]
    for name, quantity in (("gus-sign.xlsx", "∂E/∂a_o1"), ("hal-sign-values.xlsx", "∂E/∂a_o1"),
                           ("ida-input-for-target.xlsx", "∂E/∂a_o1"), ("jon-wrong-slope.xlsx", "∂E/∂h2"),
                           ("kim-wrong-slope-values.xlsx", "∂E/∂h2")):
        assert rows[name]["status"] == "wrong" and rows[name]["wrong"] == quantity, rows[name]
        assert 0.9 < float(rows[name]["score"]) < 1
    lea = rows["lea-relative-rate.xlsx"]
    assert lea["status"] == "wrong" and "η" in lea["wrong"].split("; ")


def test_another_network_is_wrong_and_named(graded):
    max_ = graded[0]["max-biases.xlsx"]
    assert max_["status"] == "wrong" and max_["score"] == "0"
    assert "biases: b1 = 0.35, b2 = 0.6, assigned none" in max_["values"]


def test_the_report_groups_the_misconceptions_by_slip(graded):
    _, out, _, _ = graded
    page = (out / "grades.html").read_text(encoding="utf-8")
    part = page.split("The class's misconceptions")[1].split("<h2>")[0]
    groups = {h.split(" — ")[0]: h for h in (chunk.split("</h3>")[0] for chunk in part.split("<h3>")[1:])}
    assert groups["a sign flipped"].endswith("2 students")           # the formula and the values-only sheet
    assert groups["the slope of the wrong unit"].endswith("2 students")
    assert groups["an input where a target belongs"].endswith("1 student")
    assert groups["a relative learning-rate reference that drifts down the rows"].endswith("1 student")
    sign = part.split("a sign flipped")[1].split("</table>")[0]
    assert "gus-sign" in sign and "hal-sign-values" in sign and "on 2 sheets" in sign
    assert sign.count("<tr>") == 3  # a header and one row per student, not one per sheet
    assert "formualizer" not in page and "LibreOffice" not in page
    assert page.count("<details>") == 13


def test_the_report_reads_on_a_laptop_and_on_a4_without_scrolling_sideways(graded, tmp_path):
    """Chromium lays the page out at a laptop's width, and as printed on A4 (180 mm between the margins):
    nothing is wider than the page, and the page asks for nothing."""
    from browser import Driven

    _, out, _, _ = graded
    browser = Driven(tmp_path / "chromium")
    try:
        widths = []
        for width, media in ((1280, "screen"), (680, "print")):
            browser.driver.set_window_size(width, 900)
            browser.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": media})
            browser.open(out / "grades.html")
            widths.append(browser.script("return [document.documentElement.scrollWidth, "
                                         "document.documentElement.clientWidth, document.querySelectorAll("
                                         "'details').length]"))
    finally:
        requests = browser.quit()
    for scroll, client, details in widths:
        assert scroll <= client and details == 13
    assert requests == []
