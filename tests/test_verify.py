"""sheetprop verify on hand-made sheets: the two real ones, and synthetic ones carrying each slip.

Synthetic sheets come four ways: formulas without cached values (verify has LibreOffice recalculate
them), formulas with values cached by LibreOffice, values only rounded to 10 significant digits, and
an .ods with formulas. All four must report exactly the same cells. Expected values are checked against formulas typed in
this file, never copied from the sheets.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

import handmade
from helpers import close, run
from sheetprop.libreoffice import convert, recalculate
from sheetprop.verify import VerifyError, verify
from sheetprop.verify.names import parameter, quantity
from sheetprop.verify.report import as_text
from sheetprop.runs import Run
from sheetprop.workbook.writer import write_workbook
from xlsx_patch import patch_cell

ROOT = Path(__file__).resolve().parent.parent
SHEETS = ROOT / "tests" / "sheets"   # copies of the two hand-made sheets the issue names
LECTURE = SHEETS / "lecture-BackPropagation.ods"
STUDENT = SHEETS / "student-BackPropagation.xlsx"
VARIANTS = ("formulas", "recalculated", "values", "ods")


def sheetprop(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "sheetprop", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=300)


# ---------------------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The synthetic workbook four ways: formulas only, recalculated by LibreOffice, values (10 digits),
    and an .ods with formulas."""
    folder = tmp_path_factory.mktemp("handmade")
    formulas = folder / "formulas.xlsx"
    handmade.write_workbook(formulas)
    recalculated = recalculate(formulas, folder / "lo")
    values = folder / "values.xlsx"
    handmade.values_copy(recalculated, values)
    ods = convert(recalculated, folder / "ods", "ods")
    return {"formulas": formulas, "recalculated": recalculated, "values": values, "ods": ods}


@pytest.fixture(scope="module")
def reports(files):
    return {variant: verify(path) for variant, path in files.items()}


@pytest.fixture(scope="module")
def lecture_report():
    return verify(LECTURE)


@pytest.fixture(scope="module")
def lecture_rows(tmp_path_factory):
    """The lecture sheet's own values, row by row, by header (to check verify against typed formulas)."""
    sheet = openpyxl.load_workbook(convert(LECTURE, tmp_path_factory.mktemp("lecture")), data_only=True).active
    headers = {sheet.cell(38, c).value: c for c in range(1, 32)}
    return {r: {h: sheet.cell(r, c).value for h, c in headers.items()} for r in range(39, 61)}


def by_sheet(report):
    return {s.sheet: s for s in report.sheets}


def our_workbook(config, path: Path) -> Path:
    """The workbook sheetprop writes for ``config`` (its writer alone, without the chart)."""
    write_workbook(path, Run.of(config))
    return path


# ---------------------------------------------------------------------------------------- the two real sheets

def test_lecture_sheet_four_wrong_gradients(lecture_report):
    (sheet,) = lecture_report.sheets
    assert [(f.cell, f.quantity, f.header) for f in sheet.findings] == [
        ("Z39", "∂E/∂w3", "E∂W3"), ("AA39", "∂E/∂w4", "E∂W4"), ("AB39", "∂E/∂w5", "E∂W5"), ("AC39", "∂E/∂w6", "E∂W6")]
    assert [(f.wrong, f.judged) for f in sheet.findings] == [(22, 22)] * 4
    assert sheet.judged == 22 * 23 + 21 * 8  # every derived cell; the weights from the second row on
    assert lecture_report.status == 1
    hidden, _, target, _ = sheet.findings
    assert "a_h1·(1 − a_h1) where a_h2·(1 − a_h2) belongs: the slope of the wrong hidden unit" in hidden.diagnosis
    assert "the input i1 where the target t1 belongs" in target.diagnosis
    assert "22 of the 22" in hidden.diagnosis
    assert hidden.correct == ("∂E/∂w3 = ((a_o1 − t1)·a_o1·(1 − a_o1)·w6 + (a_o2 − t2)·a_o2·(1 − a_o2)·w8)"
                              "·a_h2·(1 − a_h2)·i1")


def test_lecture_sheet_expected_values_are_the_correct_math_on_its_own_row(lecture_report, lecture_rows):
    row = lecture_rows[39]
    d1 = (row["a_o1"] - row["t1"]) * row["a_o1"] * (1 - row["a_o1"])
    d2 = (row["a_o2"] - row["t2"]) * row["a_o2"] * (1 - row["a_o2"])
    hidden = {"h": (d1 * row["w6"] + d2 * row["w8"]) * row["a_h2"] * (1 - row["a_h2"]),
              "slip": (d1 * row["w6"] + d2 * row["w8"]) * row["a_h1"] * (1 - row["a_h1"])}
    w3, w4, w5, w6 = lecture_report.sheets[0].findings
    assert close(w3.expected, hidden["h"] * row["i1"], 1e-12) and close(w4.expected, hidden["h"] * row["i2"], 1e-12)
    assert close(w5.expected, d1 * row["a_h1"], 1e-12) and close(w6.expected, d1 * row["a_h2"], 1e-12)
    assert (w3.found, w5.found) == (row["E∂W3"], row["E∂W5"])
    # The slips, typed out here: they reproduce what the sheet stores.
    assert close(w3.found, hidden["slip"] * row["i1"], 1e-9)
    assert close(w5.found, (row["a_o1"] - row["i1"]) * row["a_o1"] * (1 - row["a_o1"]) * row["a_h1"], 1e-9)


def test_lecture_sheet_learning_rate_inferred_from_the_weight_change(lecture_report, lecture_rows):
    sheet = lecture_report.sheets[0]
    assert sheet.learning_rate == 0.8
    assert "inferred from the weight change" in sheet.learning_rate_words
    assert "'Learning_rate' (J28) heads a list of candidates: 0.1, 0.2, 0.5, 0.8, 1, 2" in sheet.learning_rate_words
    # 10-digit values: the rate each weight implies wobbles around 0.8, and that is no finding.
    implied = [(lecture_rows[r - 1]["w1"] - lecture_rows[r]["w1"]) / lecture_rows[r - 1]["E∂W1"] for r in range(40, 61)]
    assert max(abs(x - 0.8) for x in implied) > 1e-7
    assert all(f.quantity != "η" for f in sheet.findings)


def test_student_sheet_agrees_everywhere():
    report = verify(STUDENT)
    (sheet,) = report.sheets
    assert sheet.findings == () and report.status == 0
    assert sheet.judged == 201 * 23 + 200 * 8
    assert (sheet.header_row, sheet.rows) == (65, (66, 266))
    assert sheet.learning_rate == 1 and "I64 (labelled 'learningRate=' in G64)" in sheet.learning_rate_words
    assert ("X", "∂E/∂w1", "Etotaldw1") in sheet.columns and ("J", "a_h1", "act_h1") in sheet.columns
    assert f"all {sheet.judged} cells agree" in as_text(report)


# ---------------------------------------------------------------------------------------- each slip

def test_the_synthetic_sheets_compute_what_the_engine_computes(files, lecture):
    """The typed templates of the correct sheet are the exercise: LibreOffice's E_total is the engine's."""
    sheet = openpyxl.load_workbook(files["recalculated"], data_only=True)["correct"]
    spec = handmade.SHEETS[0]
    graph, rows = run(lecture, spec.lr, spec.iterations)
    for k, row in enumerate(rows):
        for name in ("E_total", "w5", "dw1"):
            mine = row[graph.index[name if name != "dw1" else "∂E/∂w1"]]
            assert close(sheet[spec.cell(name, k)].value, mine, 1e-12), (name, k)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("title", list(handmade.EXPECTED))
def test_each_slip_is_reported_at_its_cell(reports, variant, title):
    sheet = by_sheet(reports[variant])[title]
    expected = handmade.EXPECTED[title]
    assert [(f.cell, f.quantity) for f in sheet.findings] == [(cell, q) for cell, q, _ in expected]
    for finding, (_, _, words) in zip(sheet.findings, expected):
        if words is None:  # no usual slip: the formula is shown, or nothing is guessed
            assert finding.diagnosis == ("no usual slip reproduces its values: the values alone cannot tell what "
                                         "the slip is" if variant == "values" else
                                         "the formula =1/(1+2.718281^(-K9)), that is 1/(1+2.718281^(-h2)), "
                                         "matches none of the usual slips")
            continue
        assert words in finding.diagnosis
        if finding.quantity != "η":
            # From the formula when the sheet has one, else from the values a mutant reproduces.
            assert ("the formula is =" if variant != "values" else "this reproduces the value") in finding.diagnosis


@pytest.fixture(scope="module")
def slip_free(tmp_path_factory):
    """Each synthetic sheet without its slips (the rate reference absolute), as LibreOffice computes it."""
    folder = tmp_path_factory.mktemp("slip-free")
    sheets = [dataclasses.replace(sheet, slips={}, lr_drifts=False) for sheet in handmade.SHEETS]
    handmade.write_workbook(folder / "formulas.xlsx", sheets)
    return openpyxl.load_workbook(recalculate(folder / "formulas.xlsx", folder / "lo"), data_only=True)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("title", [title for title, found in handmade.EXPECTED.items() if found])
def test_each_slip_expects_the_value_of_the_slip_free_sheet(reports, slip_free, variant, title):
    """At the first wrong cell everything upstream is as in the slip-free sheet, so the value expected is
    that sheet's cell (the rate: the generator's own); 10-digit values move it by about 1e-10."""
    spec = next(sheet for sheet in handmade.SHEETS if sheet.title == title)
    for finding in by_sheet(reports[variant])[title].findings:
        if finding.quantity == "η":
            assert finding.expected == spec.lr
        else:
            correct = slip_free[title][finding.cell].value
            assert close(finding.expected, correct, 1e-9 if variant == "values" else 1e-12), (finding.cell, correct)
            assert not close(finding.found, correct, 1e-9)


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_slip_from_a_later_row_is_reported_there_and_nowhere_downstream(reports, variant):
    (finding,) = by_sheet(reports[variant])["target"].findings
    assert finding.cells == tuple(f"AB{r}" for r in range(8, 14))  # rows 3… of the data, only ∂E/∂w5
    assert (finding.wrong, finding.judged) == (6, 8)


@pytest.mark.parametrize("variant", VARIANTS)
def test_drifting_learning_rate(reports, variant):
    (finding,) = by_sheet(reports[variant])["drift"].findings
    assert (finding.found, finding.expected) == (0.0, 0.5)
    assert "η = 0.5 (row 6), 0 (rows 7–12)" in finding.diagnosis
    if variant == "values":   # where a relative reference to the labelled η lands, as the values show
        assert ("the weights of row 7 change as for η = 0, what AL3 holds (empty, read as 0): a relative "
                "reference to AL2 lands there 1 row down; the reference drifts down the rows: write $AL$2"
                in finding.diagnosis)
    else:
        assert "E7 takes η from AL3 (empty) where the row above took it from AL2 (0.5)" in finding.diagnosis
    assert finding.cells[:2] == ("E7", "F7") and len(finding.cells) == 6 * 8


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_rate_drifting_onto_text_is_one_finding(reports, variant):
    sheet = by_sheet(reports[variant])["drift onto text"]
    (finding,) = sheet.findings
    assert (finding.found, finding.expected, finding.wrong) == ("#VALUE!", 0.5, 1)
    assert finding.cells == tuple(f"{c}8" for c in "EFGHMNOP")
    if variant == "values":
        assert "every weight update of row 8 is #VALUE!, and what they share is η" in finding.diagnosis
    else:
        assert "E8 takes η from I3 ('(try 0.1 to 2)') where the row above took it from I2 (0.5)" in finding.diagnosis
    assert "cells not judged: a cell they read is empty or not a number" in sheet.notes[0]


def test_a_rate_changed_without_recalculation(files, tmp_path):
    edited = tmp_path / "edited.xlsx"
    patch_cell(files["recalculated"], edited, "correct", "I2", lambda xml: xml.replace("<v>0.5</v>", "<v>1</v>"))
    (finding,) = by_sheet(verify(edited))["correct"].findings
    assert (finding.cell, finding.quantity, finding.found, finding.expected) == ("G9", "η", 0.5, 1.0)
    assert "every update uses η = 0.5, not the 1 of I2 (labelled 'learningRate=' in G2)" in finding.diagnosis


def test_an_unfinished_row_and_a_second_table_are_not_slips(files, tmp_path):
    spec = handmade.SHEETS[0]
    last = spec.row(spec.iterations - 1)
    blank = {f"{openpyxl.utils.get_column_letter(c)}{last}" for c in range(13, 27)}  # M…Z: half a row typed
    edited = tmp_path / "edited.xlsx"
    handmade.values_copy(files["recalculated"], edited,
                         edit=lambda title, at, v: None if (title, at) in {("correct", b) for b in blank} else v)
    workbook = openpyxl.load_workbook(edited)
    target = workbook["target"]
    for row in range(16, 20):  # a second table under the first: its header, then rows of its own
        for column in range(1, 32):
            target.cell(row, column, target.cell(row - 11, column).value)
    workbook.save(edited)
    sheets = by_sheet(verify(edited))
    assert sheets["correct"].findings == () and sheets["correct"].rows == (8, last)
    # Of the row's filled cells, 7 read a blank one: not judged, and said so.
    assert sheets["correct"].judged == 240 - 14 - 7
    assert sheets["correct"].notes == ("7 cells not judged: a cell they read is empty or not a number",)
    # The second table is judged on its own: its rows copy the first table's first three, slip included.
    first, second = [s for s in verify(edited).sheets if s.sheet == "target"]
    assert first.rows == (6, 13) and [f.cell for f in first.findings] == ["AB8"]
    assert second.rows == (17, 19) and [f.cell for f in second.findings] == ["AB19"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_layouts_rates_and_biases_recognised(reports, variant):
    sheets = by_sheet(reports[variant])
    correct = sheets["correct"]
    assert (correct.header_row, correct.rows) == (6, (8, 15))                # blank row 7 skipped
    assert ("B", "iteration", "step") in correct.columns
    assert correct.unknown == (("AH", "check"),)
    assert correct.learning_rate == 0.5
    assert sheets["hidden unit"].learning_rate == 0.5
    assert "heads a list of candidates: 0.1, 0.5, 1" in sheets["hidden unit"].learning_rate_words
    assert sheets["biases"].notes == ("b1 = 0.35, from B2 (labelled 'b1 =' in A2)",
                                      "b2 = 0.6, from B3 (labelled 'b2 =' in A3)")
    assert [n.split(",")[0] for n in sheets["half"].notes] == ["b1 = 0.35", "b2 = 0.6"]
    assert sheets["half"].learning_rate == 2
    assert ("W", "E_total", "E_tot") in sheets["biases"].columns


def test_formulas_without_cached_values_are_recalculated_first(reports):
    assert reports["formulas"].notes == (
        "its formulas carried no cached values: recalculated with formualizer before judging",)
    assert reports["recalculated"].notes == reports["values"].notes == reports["ods"].notes == ()
    assert "recalculated with formualizer" in as_text(reports["formulas"])


def test_a_stale_cached_value_is_told_apart_from_a_wrong_formula(files, tmp_path):
    cell = handmade.SHEETS[0].cell("E_total", 1)
    stale = tmp_path / "stale.xlsx"
    patch_cell(files["recalculated"], stale, "correct", cell,
               lambda xml: re.sub(r"<v>([^<]*)</v>", lambda m: f"<v>{float(m.group(1)) * 1.001!r}</v>", xml))
    (finding,) = by_sheet(verify(stale))["correct"].findings
    assert (finding.cell, finding.quantity) == (cell, "E_total")
    assert "is right, but the value stored is not its result" in finding.diagnosis


# ---------------------------------------------------------------------------------------- no false alarms

@pytest.mark.parametrize("variant", VARIANTS)
def test_a_slip_of_one_part_in_a_hundred_million_is_caught_where_it_happens(reports, variant):
    """e typed as 2.718281: a_h2 off by about 1e-8 from the fourth row on; every 10-digit cell downstream
    agrees with its own upstream cells, so only a_h2's are reported."""
    (finding,) = by_sheet(reports[variant])["rounded e"].findings
    assert finding.cells == ("L9", "L10", "L11", "L12", "L13")
    assert 1e-9 < abs(finding.found / finding.expected - 1) < 1e-7


@pytest.mark.parametrize("config_name", ["lecture", "blog", "targets_half"])
def test_our_own_workbook_agrees(config_name, request, tmp_path):
    config = dataclasses.replace(request.getfixturevalue(config_name), iterations=25)
    workbook = our_workbook(config, tmp_path / "ours.xlsx")
    report = verify(workbook)
    assert report.findings == ()
    assert report.skipped == ("Compare",)
    assert [s.learning_rate for s in report.sheets] == list(config.learning_rates)
    rounded = tmp_path / "rounded.xlsx"
    handmade.values_copy(workbook, rounded, digits=10)
    assert verify(rounded).findings == ()


# ---------------------------------------------------------------------------------------- names

@pytest.mark.parametrize("header, name", [
    ("h1", "h1"), ("net_h1", "h1"), ("a_h1", "a_h1"), ("act_h1", "a_h1"), ("out_h1", "a_h1"),
    ("E_total", "E_total"), ("E_tot", "E_total"), ("Etotal", "E_total"), ("E_TOTAL", "E_total"),
    ("∂E/∂w1", "∂E/∂w1"), ("∂E_total/∂w1", "∂E/∂w1"), ("E∂W1", "∂E/∂w1"), ("δE_tot/δw1", "∂E/∂w1"),
    ("dw1", "∂E/∂w1"), ("Etotaldw1", "∂E/∂w1"), ("e1", "E1"), ("E1", "E1"), ("o2", "o2"), ("out_o2", "a_o2"),
    ("t2", "t2"), ("i1", "i1"), ("W8", "w8"), ("b2", "b2"), ("∂E/∂a_o1", "∂E/∂a_o1"), ("∂a_h2/∂h2", "∂a_h2/∂h2"),
    ("δ_o1", "∂E/∂o1"), ("∂E/∂b1", "∂E/∂b1"), ("step", "iteration"), ("comment", None), ("E∂i1", None),
])
def test_header_spellings(header, name):
    assert quantity(header) == name


@pytest.mark.parametrize("label", ["learningRate=", "η =", "eta", "Learning_rate", "lr", "η (lr)", "alpha:"])
def test_learning_rate_labels(label):
    assert parameter(label) == "lr"


# ---------------------------------------------------------------------------------------- command line

def test_cli_text_and_exit_status(files):
    result = sheetprop("verify", str(files["values"]))
    assert result.returncode == 1, result.stderr
    assert "hidden unit!Z6 ∂E/∂w3 (E∂W3): found 0.0002248724776, expected 0.0002248134627" in result.stdout
    assert "likely slip: a_h1·(1 − a_h1) where a_h2·(1 − a_h2) belongs" in result.stdout


def test_cli_json_for_graders(files):
    result = sheetprop("verify", str(files["values"]), "--json")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    rows = {(f["sheet"], f["cell"], f["quantity"]) for f in data["findings"]}
    assert rows == {(title, cell, q) for title, found in handmade.EXPECTED.items() for cell, q, _ in found}
    first = data["findings"][0]
    assert {"sheet", "cell", "quantity", "found", "expected", "diagnosis"} <= set(first)
    assert isinstance(first["found"], float) and isinstance(first["expected"], float)


def test_cli_exit_0_when_everything_agrees(tmp_path):
    correct = tmp_path / "correct.xlsx"
    handmade.write_workbook(correct, [handmade.SHEETS[0]])
    result = sheetprop("verify", str(correct))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "recalculated with formualizer" in result.stdout and "all 240 cells agree" in result.stdout


@pytest.mark.parametrize("name, content, message", [
    ("sheet.xlsx", None, "no such file"),
    ("sheet.xlsx", b"not a zip", "cannot be read as a spreadsheet"),
    ("sheet.ods", b"not a zip", "LibreOffice could not convert sheet.ods: source file could not be loaded"),
    ("sheet.xlsx", "no exercise", "no sheet looks like the backpropagation exercise"),
])
def test_cli_unreadable_file_exit_2_one_line(tmp_path, name, content, message):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content:
        workbook = openpyxl.Workbook()
        workbook.active["A1"] = "shopping list"
        workbook.save(path)
    result = sheetprop("verify", str(path))
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_cli_annotate_highlights_every_wrong_cell(tmp_path):
    out = tmp_path / "annotated.xlsx"
    result = sheetprop("verify", str(LECTURE), "--annotate", str(out))
    assert result.returncode == 1, result.stderr
    sheet = openpyxl.load_workbook(out)["Sheet1"]
    wrong = {f"{column}{row}" for column in ("Z", "AA", "AB", "AC") for row in range(39, 61)}
    marked = {c.coordinate for row in sheet.iter_rows(min_row=39, max_row=60, max_col=31) for c in row
              if c.comment is not None}
    assert marked == wrong
    assert sheet["Z39"].fill.fgColor.rgb.endswith("FFC7CE")
    assert "found 0.0002248724776, expected 0.0002248134627" in sheet["Z39"].comment.text
    assert "slope of the wrong hidden unit" in sheet["Z40"].comment.text
    assert sheet["X39"].comment is None and sheet["W40"].value == pytest.approx(0.2318734505)


def test_verify_error_is_raised_for_unsupported_files(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("h1 a_h1")
    with pytest.raises(VerifyError, match="not a spreadsheet"):
        verify(path)


def test_readme_shows_verify_as_it_prints():
    readme = (ROOT / "README.md").read_text()
    command = "$ sheetprop verify tests/sheets/lecture-BackPropagation.ods\n"
    shown = readme[readme.index(command) + len(command):]
    shown = shown[:shown.index("```")]
    assert sheetprop("verify", "tests/sheets/lecture-BackPropagation.ods").stdout == shown
