"""``sheetprop exercise``: the answer's layout with the cells left empty; filled in by the test with formulas
typed here (the lecture's math, as a student writes it), it verifies as correct, and a planted slip is
found on its quantity."""

from __future__ import annotations

import math
import re
import subprocess
import sys

import openpyxl
import pytest

from handmade import FORMULAS, HIDDEN, UPDATE
import reference
from helpers import close
from sheetprop import config as configs
from sheetprop.exercise import build_exercise
from sheetprop.libreoffice import recalculate
from sheetprop.verify import verify

ITERATIONS = 12
# The chain columns of the answer's layout, typed as a student would: [x] this row's cell of column x.
CHAIN = {
    "∂E/∂a_o1": "=[a_o1]-[t1]", "∂a_o1/∂o1": "=[a_o1]*(1-[a_o1])", "∂E/∂o1": "=[∂E/∂a_o1]*[∂a_o1/∂o1]",
    "∂E/∂a_o2": "=[a_o2]-[t2]", "∂a_o2/∂o2": "=[a_o2]*(1-[a_o2])", "∂E/∂o2": "=[∂E/∂a_o2]*[∂a_o2/∂o2]",
    "∂E/∂a_h1": "=[∂E/∂o1]*[w5]+[∂E/∂o2]*[w7]", "∂a_h1/∂h1": "=[a_h1]*(1-[a_h1])", "∂E/∂h1": "=[∂E/∂a_h1]*[∂a_h1/∂h1]",
    "∂E/∂a_h2": "=[∂E/∂o1]*[w6]+[∂E/∂o2]*[w8]", "∂a_h2/∂h2": "=[a_h2]*(1-[a_h2])", "∂E/∂h2": "=[∂E/∂a_h2]*[∂a_h2/∂h2]",
}
HEADER_ROW, FIRST_ROW = 6, 7  # the answer workbook's rows, 1-based


def lecture(**changes):
    data = dict(inputs=[0.05, 0.10], targets=[0.01, 0.99], weights=[0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55],
                learning_rates=[0.5, 1.0], iterations=ITERATIONS, name="lecture")
    return configs.parse({**data, **changes})


def template(name: str) -> str:
    """The student's formula for a column, from handmade's templates (dwN there is ∂E/∂wN here)."""
    if name in CHAIN:
        return CHAIN[name]
    if (m := re.fullmatch(r"∂E/∂w(\d)", name)):
        return FORMULAS[f"dw{m[1]}"].replace("[dw", "[∂E/∂w")
    if re.fullmatch(r"w\d", name):
        return UPDATE.format(name, name[1]).replace("[dw", "[∂E/∂w")
    return FORMULAS[name].format(b1="", b2="")


def fill(path, slip: dict[str, str] | None = None) -> dict[str, int]:
    """Type a formula into every empty cell of each sheet's table; ``slip`` replaces a column's template.
    Returns how many cells were filled per column name."""
    book = openpyxl.load_workbook(path)
    filled: dict[str, int] = {}
    for sheet in book.worksheets:
        columns = {sheet.cell(HEADER_ROW, c).value: c for c in range(1, sheet.max_column + 1)}
        letter = {name: openpyxl.utils.get_column_letter(c) for name, c in columns.items()}
        rate = next(c for c in range(1, sheet.max_column + 1) if sheet.cell(3, c).value == "η (lr)")
        lr = f"${openpyxl.utils.get_column_letter(rate)}$4"
        last = FIRST_ROW + ITERATIONS - 1
        assert sheet.cell(last, 1).value is not None and sheet.cell(last + 1, 1).value is None
        for row in range(FIRST_ROW, last + 1):
            for name, c in columns.items():
                if sheet.cell(row, c).value is not None:
                    continue
                text = (slip or {}).get(name, template(name))
                text = re.sub(r"\[([^\]']+)'\]", lambda m: f"{letter[m[1]]}{row - 1}", text)
                text = re.sub(r"\[lr\]", lr, text)
                sheet.cell(row, c).value = re.sub(r"\[([^\]]+)\]", lambda m: f"{letter[m[1]]}{row}", text)
                filled[name] = filled.get(name, 0) + 1
    book.save(path)
    return filled


def test_exercise_leaves_every_derived_cell_and_keeps_the_givens(tmp_path):
    (path,) = build_exercise(lecture(), tmp_path)
    assert path.name == "lecture-exercise.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["lr 0.5", "lr 1"]  # the rate sheets only: the comparison is the student's
    sheet = book["lr 0.5"]
    columns = {sheet.cell(HEADER_ROW, c).value: c for c in range(1, sheet.max_column + 1)}
    assert sheet.cell(4, columns["w5"]).value == 0.4 and "Exercise" in sheet.cell(2, 1).value
    # Given: the iteration count, the copies of the inputs and targets, the initial weights.
    assert all(sheet.cell(FIRST_ROW + k, 1).value is not None for k in range(ITERATIONS))
    for name in ("i1", "t2", "w5"):
        assert str(sheet.cell(FIRST_ROW, columns[name]).value).startswith("="), name
    for name in ("h1", "a_o2", "E_total", "∂E/∂o1", "∂E/∂w5"):
        assert sheet.cell(FIRST_ROW, columns[name]).value is None, name
    assert sheet.cell(FIRST_ROW + 1, columns["w5"]).value is None  # the update is the student's
    assert sheet.cell(FIRST_ROW + 1, columns["i1"]).value is not None  # the input stays given
    # The header keeps its math note: hover w5's update for w5 − η·∂E/∂w5.
    assert "∂E/∂w5" in sheet.cell(HEADER_ROW, columns["∂E/∂w5"]).comment.text


def test_backward_blank_gives_iteration_1s_forward_pass_with_its_values(tmp_path):
    config = lecture()
    (path,) = build_exercise(config, tmp_path, blank="backward")
    values = openpyxl.load_workbook(path, data_only=True)["lr 0.5"]
    formulas = openpyxl.load_workbook(path)["lr 0.5"]
    columns = {formulas.cell(HEADER_ROW, c).value: c for c in range(1, formulas.max_column + 1)}
    # The lecture's published E_total at iteration 1.
    assert close(values.cell(FIRST_ROW, columns["E_total"]).value, 0.24251985734837728, 1e-12)
    assert str(formulas.cell(FIRST_ROW, columns["a_h1"]).value).startswith("=")
    for name in ("∂E/∂a_o1", "∂E/∂w1"):
        assert formulas.cell(FIRST_ROW, columns[name]).value is None
    assert formulas.cell(FIRST_ROW + 1, columns["h1"]).value is None  # iteration 2 is the student's


@pytest.mark.parametrize("blank", ["all", "backward"])
def test_an_exercise_filled_in_correctly_verifies_as_correct(tmp_path, blank):
    (path,) = build_exercise(lecture(), tmp_path, blank=blank)
    filled = fill(path)
    assert filled["∂E/∂w3"] == 2 * ITERATIONS and filled["w5"] == 2 * (ITERATIONS - 1)
    report = verify(path)  # openpyxl saved no cached values: verify recalculates first
    assert report.agrees and report.status == 0, report
    sheet = report.sheets[0]
    assert sheet.judged_cells["E_total"] == ITERATIONS and sheet.judged_cells["w5"] >= ITERATIONS - 1  # every update
    assert sheet.learning_rate == 0.5 and sheet.givens["w5"] == 0.4
    # What the student's formulas compute is PyTorch's run of the lecture at η = 0.5.
    recalculated = openpyxl.load_workbook(recalculate(path, tmp_path / "lo"), data_only=True)["lr 0.5"]
    column = next(c for c in range(1, 60) if recalculated.cell(HEADER_ROW, c).value == "E_total")
    torch_run = reference.trajectory(lecture(), 0.5, ITERATIONS, [f"w{k}" for k in range(1, 9)])
    for k, (loss, _) in enumerate(torch_run):
        assert close(recalculated.cell(FIRST_ROW + k, column).value, loss, 1e-12)


def test_a_planted_slip_in_the_filled_exercise_is_found_on_its_quantity(tmp_path):
    (path,) = build_exercise(lecture(), tmp_path)
    # The course's common slip: a_h1's slope in ∂E/∂w3 where a_h2's belongs.
    fill(path, slip={"∂E/∂w3": f"=({HIDDEN.format('w6', 'w8')})*[a_h1]*(1-[a_h1])*[i1]"})
    report = verify(path)
    assert report.status == 1
    wrong = {f.quantity for f in report.findings}
    assert "∂E/∂w3" in wrong and "∂E/∂w1" not in wrong
    first = next(f for f in report.findings if f.quantity == "∂E/∂w3")
    assert first.cell.endswith(str(FIRST_ROW)) and "a_h1" in first.diagnosis


def test_exercise_command_writes_xlsx_and_ods_or_refuses_in_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "sheetprop", "exercise", "--out", str(tmp_path), "--blank", "backward",
                             "--format", "xlsx,ods"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lecture-exercise.ods", "lecture-exercise.xlsx"]
    bad = subprocess.run([sys.executable, "-m", "sheetprop", "exercise", "--blank", "forward", "--out",
                          str(tmp_path / "never")], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--blank" in bad.stderr and not (tmp_path / "never").exists()


@pytest.mark.parametrize("paper, student", [("a4", None), ("letter", None), ("letter", ("s-0042", "Maria-Magdalena "
                                                                                             "Oyelaran-Featherstonehaugh"))])
def test_the_instructions_print_whole_on_the_first_page_across(paper, student, tmp_path):
    """An exercise prints its instructions (the row under the title): wrapped across the cells of the first page
    across, in a row tall enough for every line, never cut at a page's edge."""
    from sheetprop.roster import Student

    config = lecture(paper=paper, iterations=3)
    roster = [Student(*student)] if student else None
    path, = build_exercise(config, tmp_path, roster=roster)
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        text = sheet["A2"].value
        assert text.startswith("Exercise") and "sheetprop verify" in text and (not student or student[1] in text)
        assert re.fullmatch(rf"'{re.escape(sheet.title)}'!\$A\$2:\$[A-Z]+\$\d+", sheet.print_area)  # it prints
        merged, = [r for r in sheet.merged_cells.ranges if r.min_row == r.max_row == 2]
        assert merged.min_col == 1 and sheet["A2"].alignment.wrap_text
        breaks = sorted(brk.id for brk in sheet.col_breaks.brk)
        assert not breaks or merged.max_col <= breaks[0]  # within the first page across
        margins, scale = sheet.page_margins, (sheet.page_setup.scale or 100) / 100
        page = ({9: 11.69, 1: 11.0}[sheet.page_setup.paperSize] - margins.left - margins.right) * 96 / scale
        span = sum(sheet.column_dimensions[openpyxl.utils.get_column_letter(c)].width * 7 + 5
                   for c in range(1, merged.max_col + 1))
        assert span <= page
        # Calibri 11 italic averages under 6.5 pixels a character: at least this many lines of 15 points.
        lines = math.ceil(len(text) * 6.5 / span)
        assert sheet.row_dimensions[2].height >= 15 * lines
        assert lines >= 2 or not student  # a long name: the instructions wrap
