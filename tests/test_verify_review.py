"""sheetprop verify on the problems a fresh review found: each sheet made here with openpyxl from the
handmade generator's own typed formulas (recalculated by LibreOffice), values edited the way the
review's sheets were. Expected values come from the generator (its start values, its rate, the slip-free
sheet's cells as LibreOffice computes them), never from verify.

A correct sheet gives no finding however it is rounded; a slip in the sign of the update, or weights
that never change, is a finding whether or not the rate is labelled.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

import handmade
from handmade import FORMULAS, Sheet
from helpers import close
from sheetprop.cli import main
from sheetprop.libreoffice import recalculate
from sheetprop.verify import rules, verify
from sheetprop.verify.names import quantity

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = [f"w{n}" for n in range(1, 9)]
SPEC = Sheet("correct")   # the default layout: header in row 5, η = 0.5 in I2 labelled in G2
LABEL = ("G2", "I2")       # the rate's label and value cells, on every sheet below


def uphill(name: str) -> str:
    return f"=[{name}']+[lr]*[dw{name[1]}']"


def change(n: int) -> str:
    """Δw = −η·∂E/∂w, the weight's change, typed as its own column."""
    return f"=-[lr]*({FORMULAS[f'dw{n}'][1:]})"


SHEETS = [
    SPEC,
    Sheet("uphill", slips={w: (uphill(w), 1) for w in WEIGHTS}),
    Sheet("uphill w7", slips={"w7": (uphill("w7"), 1)}),
    Sheet("still", slips={w: (f"=[{w}']", 1) for w in WEIGHTS}),
    Sheet("first update", lr=0.5),        # its first update typed with 0.3 below, every later one with η
    Sheet("labels", lr=1.0, labels={"η": (0.5, 2, 1)},
          texts={"A1": "Lecture example used eta = 0.5; I try a bigger rate below"}),
    Sheet("delta words", headers={f"dw{n}": f"delta w{n}" for n in range(1, 9)}),
    Sheet("capital delta", headers={f"dw{n}": f"Δw{n}" for n in range(1, 9)},
          slips={**{f"dw{n}": (change(n), 0) for n in range(1, 9)},
                 **{f"w{n}": (f"=[w{n}']+[dw{n}']", 1) for n in range(1, 9)}}),
    Sheet("one row", iterations=1, lr_label=("Learning_rate", 1, 36), lr_list=(0.1, 0.5, 1.0)),
]
UNLABELLED = {"uphill", "still", "first update"}   # their values copy drops the rate's label and cell


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """The sheets above, recalculated by LibreOffice; and a values copy (10 digits) with some labels dropped."""
    folder = tmp_path_factory.mktemp("review")
    workbook = openpyxl.Workbook()
    for i, sheet in enumerate(SHEETS):
        handmade.write(sheet, workbook.active if i == 0 else workbook.create_sheet())
    first = workbook["first update"]
    for w in WEIGHTS:  # the first update only: 0.3 typed in place of the rate
        first[SPEC.cell(w, 1)] = f"={SPEC.cell(w, 0)}-0.3*{SPEC.cell('d' + w, 0)}"
    workbook.save(folder / "formulas.xlsx")
    recalculated = recalculate(folder / "formulas.xlsx", folder / "lo")
    values = folder / "values.xlsx"
    handmade.values_copy(recalculated, values,
                         edit=lambda title, at, v: None if title in UNLABELLED and at in LABEL else v)
    return {"folder": folder, "recalculated": recalculated, "values": values,
            "cells": openpyxl.load_workbook(recalculated, data_only=True)}


@pytest.fixture(scope="module")
def reports(book):
    return {variant: verify(book[variant]) for variant in ("recalculated", "values")}


def sheet_of(report, title):
    return next(s for s in report.sheets if s.sheet == title)


def values_copy(book, tmp_path, edit, digits=10, name="edited.xlsx") -> Path:
    """The recalculated correct sheet alone, values only, each value through ``edit(row, column_name, value)``."""
    columns = {SPEC.column(n): n for n in handmade.COLUMNS}

    def one(title, at, value):
        if title != "correct":
            return None
        cell = openpyxl.utils.cell.coordinate_from_string(at)
        column = openpyxl.utils.column_index_from_string(cell[0])
        return edit(cell[1], columns.get(column) if cell[1] > SPEC.header_row else None, value)
    path = tmp_path / name
    handmade.values_copy(book["recalculated"], path, digits=digits, edit=one)
    workbook = openpyxl.load_workbook(path)
    for title in workbook.sheetnames[1:]:
        del workbook[title]
    workbook.save(path)
    return path


def cli(*args):
    return subprocess.run([sys.executable, "-m", "sheetprop", "verify", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)


# ---------------------------------------------------------------------------------------- 1, 2: rounding

def test_a_correct_sheet_with_its_first_rows_pasted_as_10_digit_values(book, tmp_path):
    """Rows 1–3 at 10 significant digits, the rest at full precision: no false alarm."""
    rows = {SPEC.row(k) for k in range(3)}
    path = values_copy(book, tmp_path, digits=17,
                       edit=lambda row, name, v: float(f"{v:.10g}") if row in rows and isinstance(v, float) else v)
    report = verify(path)
    assert report.findings == () and report.sheets[0].judged == 240


def test_a_correct_sheet_rounded_to_4_decimals_with_zeros(book, tmp_path):
    path = values_copy(book, tmp_path, digits=17,
                       edit=lambda row, name, v: round(v, 4) if name and isinstance(v, float) else v)
    gradients = openpyxl.load_workbook(path).active
    assert any(gradients[SPEC.cell(f"dw{n}", k)].value == 0 for n in range(1, 9) for k in range(8))  # the case
    assert verify(path).findings == ()


def by_sign(value):
    """As a fixed-width column shows a value: 6 decimals, 5 when the minus sign takes a place."""
    return round(value, 6) if value >= 0 else round(value, 5)


@pytest.fixture(scope="module")
def crossing(tmp_path_factory):
    """A sheet whose ∂E/∂w3 and ∂E/∂w4 cross zero (inputs 1 and 0.5, targets 0.37 and 0.1, η = 1), mostly
    positive, recalculated by LibreOffice: (its values, the data row and cached value of a negative ∂E/∂w3
    whose 5 decimals read short)."""
    folder = tmp_path_factory.mktemp("crossing")
    sheet = handmade.Sheet("crossing", inputs=(1.0, 0.5), targets=(0.37, 0.1), lr=1.0, iterations=12)
    handmade.write_workbook(folder / "formulas.xlsx", [sheet])
    recalculated = recalculate(folder / "formulas.xlsx", folder / "lo")
    cells = openpyxl.load_workbook(recalculated, data_only=True)["crossing"]
    column = [cells[sheet.cell("dw3", k)].value for k in range(sheet.iterations)]
    assert sum(v > 0 for v in column) > sum(v < 0 for v in column) > 1  # the case: a column crossing zero
    # A negative value that its 5 decimals show in one or two digits (-0.002 for -0.0020023), further
    # from its value than half of the 6th decimal the positive values show.
    k = next(k for k, v in enumerate(column) if v < 0 and len(repr(abs(by_sign(v))).strip("0.")) <= 2
             and abs(v - by_sign(v)) > 1e-6)
    return sheet, recalculated, k, column[k]


def test_negative_values_a_fixed_width_rounds_a_decimal_shorter_are_judged_so(crossing, tmp_path):
    """-0.002 among 6-decimal values stands for -0.0020023 rounded to 5 decimals, not for -0.002000."""
    sheet, recalculated, _, _ = crossing
    path = tmp_path / "by-sign.xlsx"
    handmade.values_copy(recalculated, path, shown=by_sign)
    report = verify(path)
    assert report.findings == () and report.sheets[0].judged > 300


def test_a_slip_in_a_short_negative_value_is_still_found(crossing, tmp_path):
    """The coarser precision of the negative values is theirs, half a unit of the 5th decimal: not more."""
    sheet, recalculated, k, value = crossing
    at = sheet.cell("dw3", k)
    path = tmp_path / "slipped.xlsx"
    handmade.values_copy(recalculated, path, shown=by_sign,
                         edit=lambda title, cell, v: round(value - 3e-5, 5) if cell == at else v)
    found = {(f.cell, f.quantity) for f in verify(path).findings}
    # the slip, and the update that read it (w3 in the next row, computed from the value before the slip)
    assert found == {(at, "∂E/∂w3"), (sheet.cell("w3", k + 1), "w3")}, found


# ---------------------------------------------------------------------------------------- 3: the update's sign

@pytest.mark.parametrize("variant", ["recalculated", "values"])
def test_updates_that_climb_the_gradient(reports, variant):
    sheet = sheet_of(reports[variant], "uphill")
    (finding,) = sheet.findings
    assert (finding.cell, finding.quantity, finding.found, finding.expected) == ("E7", "η", -0.5, SPEC.lr)
    assert finding.wrong == 7 and len(finding.cells) == 7 * 8
    assert "sign flipped" in finding.diagnosis
    assert reports[variant].status == 1
    if variant == "values":  # unlabelled: inferred as −0.5, judged with its size
        assert sheet.learning_rate == 0.5 and "-0.5 inferred from the weight change" in sheet.learning_rate_words


@pytest.mark.parametrize("variant", ["recalculated", "values"])
def test_one_weight_that_climbs_the_gradient(reports, variant, book):
    (finding,) = sheet_of(reports[variant], "uphill w7").findings
    assert (finding.cell, finding.quantity, finding.wrong) == ("O7", "w7", 7)
    assert "w7′ + η·∂E/∂w7′ where w7′ − η·∂E/∂w7′ belongs (sign flipped)" in finding.diagnosis
    # The value expected is the slip-free sheet's own: its row above is the same.
    assert close(finding.expected, book["cells"]["correct"]["O7"].value, 1e-9)


@pytest.mark.parametrize("variant", ["recalculated", "values"])
def test_weights_that_never_change(reports, variant):
    sheet = sheet_of(reports[variant], "still")
    (finding,) = sheet.findings
    assert (finding.cell, finding.quantity, finding.found, finding.wrong) == ("E7", "η", 0.0, 7)
    assert len(finding.cells) == 7 * 8
    if variant == "values":  # η = 0 inferred: no rate would be right but one above 0
        assert finding.expected is None and sheet.learning_rate is None
        assert "never change" in finding.diagnosis
    else:
        assert finding.expected == SPEC.lr and "the weights do not change" in finding.diagnosis


# ---------------------------------------------------------------------------------------- 4, 10: which rate

@pytest.mark.parametrize("variant", ["recalculated", "values"])
def test_one_wrong_first_update_does_not_make_every_later_row_wrong(reports, variant):
    sheet = sheet_of(reports[variant], "first update")
    assert sheet.learning_rate == 0.5
    (finding,) = sheet.findings
    assert (finding.cell, finding.quantity, finding.found, finding.expected, finding.wrong) == ("E7", "η", 0.3, 0.5, 1)
    assert finding.cells == tuple(f"{c}7" for c in "EFGHMNOP")


@pytest.mark.parametrize("variant", ["recalculated", "values"])
def test_a_rate_in_a_sentence_does_not_beat_the_rate_cell(reports, variant):
    """'eta = 0.5' in a sentence in A1 and 'η =' 0.5 in A2: the formulas use learningRate= 1 (I2)."""
    sheet = sheet_of(reports[variant], "labels")
    assert sheet.findings == () and sheet.learning_rate == 1
    assert "from I2 (labelled 'learningRate=' in G2); the weight changes agree with it, not with 0.5 in B2" \
        in sheet.learning_rate_words


def test_a_rate_typed_as_text_is_named(book, tmp_path):
    path = values_copy(book, tmp_path, edit=lambda row, name, v: "0.5" if (row, name) == (2, None) and v == 0.5 else v)
    sheet = verify(path).sheets[0]
    assert sheet.findings == () and sheet.learning_rate == 0.5
    assert "'learningRate=' (G2) is followed by the text '0.5' in I2, not a number" in sheet.learning_rate_words


def test_a_list_of_rates_and_no_weight_change(reports):
    sheet = sheet_of(reports["values"], "one row")
    assert sheet.findings == () and sheet.learning_rate is None
    assert sheet.learning_rate_words == ("unknown: 'Learning_rate' (AJ1) heads a list of candidates (0.1, 0.5, 1), "
                                         "and no weight changes from row to row to pick one by")


# ---------------------------------------------------------------------------------------- 5: failures of verify

def test_a_failed_annotated_copy_keeps_the_report_and_exits_3(book):
    blocked = book["values"] / "annotated.xlsx"   # a file stands where its folder would be
    result = cli(book["values"], "--annotate", blocked)
    assert result.returncode == 3
    assert "sheet uphill w7, rows 5–13: learning rate η = " in result.stdout and "1 quantity wrong" in result.stdout
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"sheetprop: error: the report above stands, but the annotated copy {blocked} could "
                           "not be written (") and "choose another path" in line


def test_an_internal_error_exits_3_not_1(book, monkeypatch, capsys):
    def broken(table):
        raise RuntimeError("something\nunexpected")
    monkeypatch.setattr("sheetprop.verify.check.judge", broken)
    assert main(["verify", str(book["values"])]) == 3
    out, err = capsys.readouterr()
    assert out == "" and err == (f"sheetprop: error: verify failed on {book['values']} (RuntimeError: something "
                                 "unexpected): a bug in sheetprop; run with --debug for the traceback and report it\n")


def test_exit_statuses_are_documented():
    help_text = " ".join(cli("--help").stdout.split())
    assert ("Exit status: 0 all judged cells agree, 1 something in the sheet is wrong, 2 the file cannot be read "
            "(or nothing in it can be judged), 3 verify itself failed") in help_text
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "3 when verify itself failed" in readme


# ---------------------------------------------------------------------------------------- 6, 8, 9: not numbers

def test_a_date_where_a_number_belongs(book, tmp_path):
    date = datetime.datetime(2024, 5, 10)
    path = values_copy(book, tmp_path, edit=lambda row, name, v: date if (row, name) == (SPEC.row(2), "h1") else v)
    result = cli(path, "--json")
    assert result.returncode == 1, result.stderr
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["cell"], finding["found"]) == (SPEC.cell("h1", 2), "2024-05-10")
    assert close(finding["expected"], book["cells"]["correct"][SPEC.cell("h1", 2)].value, 1e-9)
    assert "formatted as a date (it shows 2024-05-10)" in finding["diagnosis"]
    assert "found '2024-05-10'" in cli(path).stdout


@pytest.mark.parametrize("name, start", [("t1", handmade.START["t1"]), ("w1", handmade.START["w1"])])
def test_text_in_a_first_cell_is_reported_and_the_column_still_used(book, tmp_path, name, start):
    first = SPEC.row(0)
    path = values_copy(book, tmp_path, edit=lambda row, n, v: repr(v) if (row, n) == (first, name) else v)
    sheet = verify(path).sheets[0]
    (finding,) = sheet.findings
    assert (finding.cell, finding.quantity, finding.found, finding.expected) == (SPEC.cell(name, 0), name, repr(start),
                                                                                 start)
    assert "a number stored as text" in finding.diagnosis
    assert not any("no column" in note for note in sheet.notes)


def test_a_sheet_of_numbers_typed_as_text(book, tmp_path):
    path = values_copy(book, tmp_path,
                       edit=lambda row, name, v: str(v).replace(".", ",") if name and isinstance(v, float) else v)
    result = cli(path)
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert "its header row (row 5) is there, but the cells under it hold text, not numbers ('0,01' in A6)" in line
    assert "decimal point" in line


def test_a_sheet_where_nothing_can_be_judged(tmp_path):
    """Weights and E_total only: no inputs, targets or rate to judge any cell by."""
    path = tmp_path / "weights.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([*WEIGHTS, "E_total"])
    for k in range(4):
        sheet.append([0.1 * (n + 1) - 0.01 * k for n in range(8)] + [0.3 - 0.01 * k])
    workbook.save(path)
    result = cli(path)
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert "looks like the exercise, but none of its cells can be judged: i1, i2, η, t1, t2 have no column and " \
           "no labelled cell" in line


# ---------------------------------------------------------------------------------------- 7: headers

def test_header_spellings_of_delta():
    assert [quantity(h) for h in ("delta w1", "delta_o1", "gradient w2", "Δw1", "∆w1")] == [
        "∂E/∂w1", "∂E/∂o1", "∂E/∂w2", None, None]


@pytest.mark.parametrize("variant", ["recalculated", "values"])
def test_delta_spelled_out_is_the_gradient_and_capital_delta_the_change(reports, variant):
    words = sheet_of(reports[variant], "delta words")
    assert words.findings == () and ("X", "∂E/∂w1", "delta w1") in words.columns
    change_sheet = sheet_of(reports[variant], "capital delta")
    assert change_sheet.findings == ()
    assert ("X", "Δw1") in change_sheet.unknown   # listed as not recognised, not judged as ∂E/∂w1


# ---------------------------------------------------------------------------------------- messages

def test_an_annotated_weight_under_eta_says_its_rate_is_wrong(book, tmp_path):
    out = tmp_path / "annotated.xlsx"
    assert cli(book["values"], "--annotate", out).returncode == 1
    comments = openpyxl.load_workbook(out)["uphill"]
    assert comments["E7"].comment.text.startswith(
        "sheetprop verify: this weight update's learning rate is wrong: η = -0.5 where η = 0.5 belongs.")
    assert comments["F8"].comment.text.startswith("sheetprop verify: this weight update's learning rate is wrong "
                                                  "(first at E7: η = -0.5 where η = 0.5 belongs).")


def test_formula_functions_are_the_engines_where_they_share_a_name():
    from sheetprop.expr import Fn, Sym
    from sheetprop.verify.evaluate import compile_tree
    from sheetprop.verify.formula import read

    assert read("=LN(A1)", lambda ref: Sym("x")) == Fn("ln", Sym("x"))   # the record the engine computes with
    assert compile_tree(Fn("ln", Sym("x")))({"x": 0.0}, {}, {}) == float("-inf")   # LN(0): no number either way
