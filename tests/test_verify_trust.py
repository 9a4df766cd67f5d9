"""sheetprop verify on what made it untrustworthy on real sheets: float noise and rounding taken for
slips, --json silent on a refusal, diagnoses that cannot be right, tables judged in part or not at all,
a drifting rate reference taken for the rate.

Each failure is shown on the real sheet of ../shared/sheets/real/ that has it (never edited: tests
copy what they change) and on synthetic sheets built here with tests/handmade.py. Expected values come
from the handmade generator's typed formulas (recalculated by LibreOffice) or from the engine, never
from verify or from the sheets' own numbers.
"""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

import handmade
from helpers import REAL
from handmade import Sheet
from sheetprop.libreoffice import recalculate
from sheetprop.verify import verify

ROOT = Path(__file__).resolve().parent.parent
SPEC = Sheet("correct")           # the default layout: header in row 5, η = 0.5 in I2 labelled in G2
TARGET = next(s for s in handmade.SHEETS if s.title == "target")   # ∂E/∂w5 with i1 for t1 from data row 2
NOISY_T2 = 0.989999999999998      # 0.99 after the fill handle, as a real sheet stores it
NOISY_I1 = 0.0500000000000001     # 0.05 likewise


def real(name: str) -> Path:
    path = REAL / name
    if not path.exists():
        pytest.fail(f"{path} is missing: the real sheets are part of the test data")
    return path


def cli(*args):
    return subprocess.run([sys.executable, "-m", "sheetprop", "verify", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)


def sheet_of(report, title):
    return next(s for s in report.sheets if s.sheet == title)


def write_book(folder: Path, sheets, name="formulas.xlsx", edit=None) -> Path:
    """``sheets`` written by the handmade generator, ``edit(workbook)`` applied, recalculated by LibreOffice."""
    workbook = openpyxl.Workbook()
    for i, sheet in enumerate(sheets):
        handmade.write(sheet, workbook.active if i == 0 else workbook.create_sheet())
    if edit:
        edit(workbook)
    workbook.save(folder / name)
    return recalculate(folder / name, folder / (name + "-lo"))


# ---------------------------------------------------------------------------------------- 1: noise, rounding

def test_real_sheet_whose_typed_target_carries_fill_handle_noise_is_correct():
    """MittalNeha: t2 typed down the rows, the fill handle's 0.989999999999998 from row 72 on."""
    path = real("MittalNeha-Backpropagation-sheet.xlsx")
    cells = openpyxl.load_workbook(path, data_only=True)
    assert cells["Sheet1"]["B78"].value != 0.99 and math.isclose(cells["Sheet1"]["B78"].value, 0.99)  # the case
    report = verify(path)
    assert report.findings == () and report.status == 0
    assert [s.sheet for s in report.sheets] == ["Sheet1", "Copy of Sheet1"]
    for sheet in report.sheets:
        assert ("B", "t2", "t2") in sheet.columns and sheet.judged > 2000


@pytest.fixture(scope="module")
def noisy(tmp_path_factory):
    """The correct sheet and the target slip with noisy typed givens (t2 from data row 3, i1 from data
    row 2), every formula computed by LibreOffice from those noisy values."""
    folder = tmp_path_factory.mktemp("noise")

    def edit(workbook):
        for sheet in (SPEC, TARGET):
            ws = workbook[sheet.title]
            for k in range(2, sheet.iterations):
                ws[sheet.cell("i1", k)] = NOISY_I1
            for k in range(3, sheet.iterations):
                ws[sheet.cell("t2", k)] = NOISY_T2
    recalculated = write_book(folder, [SPEC, TARGET], edit=edit)
    values = folder / "values.xlsx"
    handmade.values_copy(recalculated, values, digits=17)
    return {"recalculated": recalculated, "values": values}


@pytest.mark.parametrize("variant", ["recalculated", "values"])
def test_typed_givens_a_few_ulps_off_are_no_slip(noisy, variant):
    assert NOISY_T2 != 0.99 and NOISY_I1 != 0.05
    report = verify(noisy[variant])
    correct = sheet_of(report, "correct")
    assert correct.findings == () and correct.judged > 200
    # The slip is still found, where the generator typed it, and named as before.
    (finding,) = sheet_of(report, "target").findings
    assert (finding.cell, finding.quantity) == (TARGET.cell("dw5", 2), "∂E/∂w5")
    assert finding.diagnosis.startswith("the input i1 where the target t1 belongs")


LONG = 30   # iterations: long enough for w5 to cross zero (General shows -0.0095 there, two digits)


@pytest.fixture(scope="module")
def general_source(tmp_path_factory):
    folder = tmp_path_factory.mktemp("general")
    return folder, write_book(folder, [dataclasses.replace(SPEC, iterations=LONG),
                                       dataclasses.replace(TARGET, iterations=LONG)])


@pytest.mark.parametrize("width", [7, 8, 10])
def test_a_sheet_pasted_as_general_format_shows_it_is_correct(general_source, width):
    """Values of 3 to 9 significant digits (9.22e-05, -0.00822, 0.506875) judged to the digits each carries."""
    folder, recalculated = general_source
    general = folder / f"general-{width}.xlsx"
    handmade.values_copy(recalculated, general, shown=lambda value: handmade.general(value, width))
    stored = openpyxl.load_workbook(general)["correct"]
    digits = {len(repr(abs(c.value)).replace("0.", "").replace(".", "").split("e")[0].lstrip("0"))
              for row in stored.iter_rows(min_row=SPEC.row(0)) for c in row if isinstance(c.value, float)}
    assert min(digits) <= 3 and max(digits) >= 5   # the case: few digits beside more
    report = verify(general)
    correct = sheet_of(report, "correct")
    assert correct.findings == () and correct.learning_rate == SPEC.lr and correct.judged > 200
    (finding,) = sheet_of(report, "target").findings
    assert (finding.cell, finding.quantity) == (TARGET.cell("dw5", 2), "∂E/∂w5")
    assert finding.diagnosis.startswith("the input i1 where the target t1 belongs")


# ---------------------------------------------------------------------------------------- 2: --json always

def test_real_sheet_verify_cannot_judge_still_gives_json():
    """Americium95 (written by Hancell; openpyxl trips on it, LibreOffice opens it): not the exercise, exit 2,
    and a JSON object saying so on stdout."""
    result = cli(real("Americium95-backpropagation-hancell.xlsx"), "--json")
    assert result.returncode == 2
    data = json.loads(result.stdout)
    assert data["status"] == 2 and data["findings"] == [] and data["sheets"] == []
    assert "no sheet looks like the backpropagation exercise" in data["error"]
    assert "list index out of range" not in data["error"]   # LibreOffice read what openpyxl could not
    assert data["error"] in result.stderr


@pytest.mark.parametrize("content, words", [(b"", "is empty"), (b"t1;t2\n0.01;0.99\n", "not"), (None, "no such file")])
def test_json_on_every_refusal(tmp_path, content, words):
    path = tmp_path / "sheet.xlsx"
    if content is not None:
        path.write_bytes(content)
    result = cli(path, "--json")
    assert result.returncode == 2
    data = json.loads(result.stdout)
    assert (data["status"], data["file"], data["findings"]) == (2, str(path), [])
    assert words in data["error"] and result.stderr.startswith("sheetprop: error: ")


def test_json_when_verify_itself_fails(tmp_path, monkeypatch, capsys):
    """Exit 3 (a bug) under --json: one JSON object with the error, status 3."""
    from sheetprop.cli import main
    from sheetprop.verify import check

    path = tmp_path / "book.xlsx"
    workbook = openpyxl.Workbook()
    handmade.write(SPEC, workbook.active)
    workbook.save(path)

    def broken(table):
        raise RuntimeError("judging broke")
    monkeypatch.setattr(check, "judge", broken)
    assert main(["verify", str(path), "--json"]) == 3
    out = capsys.readouterr().out
    data = json.loads(out)
    assert data["status"] == 3 and "judging broke" in data["error"]


# ---------------------------------------------------------------------------------------- 3: diagnoses

def test_real_sheet_of_another_network_is_refused_not_diagnosed():
    """Shrini14 (2-2-1, XOR, one row per example) got '∂E/∂w2 where i2 belongs' for its typed inputs:
    it is not the exercise, and verify says so (exit 2) instead of diagnosing its cells."""
    result = cli(real("Shrini14-Deep_neural_network.xlsx"), "--json")
    assert result.returncode == 2
    data = json.loads(result.stdout)
    assert data["findings"] == [] and "no sheet looks like the backpropagation exercise" in data["error"]


def test_a_typed_given_is_not_diagnosed_as_a_wrong_reference(tmp_path):
    """i2 typed as 0.2 in one row: a typed cell has no reference to be wrong, it changes down the column."""
    path = tmp_path / "typed.xlsx"
    workbook = openpyxl.Workbook()
    handmade.write(SPEC, workbook.active)
    workbook.active[SPEC.cell("i2", 3)] = 0.2
    workbook.save(path)
    report = verify(path)
    typed = [f for f in report.findings if f.quantity == "i2"]
    assert [(f.cell, f.found, f.expected) for f in typed] == [(SPEC.cell("i2", 3), 0.2, handmade.START["i2"])]
    assert typed[0].diagnosis == ("typed as 0.2 where i2 is 0.1, as its first row gives it: a given keeps one "
                                  "value on every row")


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    """verify's context of the correct sheet (values, 10 digits), to look at the slips it would offer."""
    from sheetprop.verify.check import prepare
    from sheetprop.files.read import read
    from sheetprop.verify.table import find_tables

    folder = tmp_path_factory.mktemp("mutants")
    values = folder / "values.xlsx"
    handmade.values_copy(write_book(folder, [SPEC]), values)
    return prepare(find_tables(read(values, folder).grids[0])[0])


@pytest.mark.parametrize("name, never", [
    ("o1", "w5 and a_h1 swapped"), ("w5", "η and ∂E/∂w5 of the row above swapped"),
    ("E1", "t1 where t1 belongs"), ("∂E/∂w5", "t1 where t1 belongs")])
def test_no_slip_that_changes_nothing_is_offered(context, name, never):
    """Every slip offered computes something else than the definition (on random rows, by the engine),
    and none puts a name where it already stands."""
    import random

    from sheetprop.engine import compile_rows
    from sheetprop.verify.diagnose import mutants
    from sheetprop.verify.evaluate import compile_tree

    rule = context.rules[name]
    offered = mutants(context, rule, [])
    words = [m.words for m in offered]
    assert never not in words and offered
    assert not any(w.split(" where ")[0] == w.split(" where ")[-1].split(" belongs")[0] for w in words if " where " in w)
    graph, rng, envs = context.graph, random.Random(7), []
    first, _ = compile_rows(graph)
    names = [q.name for q in graph.quantities]
    for _ in range(3):   # rows the engine computes from random parameters, the row above from others
        values = [[0.5 if n == "lr" else rng.uniform(0.1, 0.9) for n in graph.params] for _ in range(2)]
        V, U = (dict(zip(names, first(P))) for P in values)
        envs.append((V, U, dict(zip(graph.params, values[0]))))
    for mutant in offered:
        fn = compile_tree(mutant.tree)
        assert any(abs(fn(V, U, P) - rule.fn(V, U, P)) > 1e-9 for V, U, P in envs), mutant.words


# ---------------------------------------------------------------------------------------- 4: judge it all

def test_real_sheet_of_six_stacked_tables_judges_every_table():
    """TSAI-END3: six tables, one per learning rate, headers in words ('t1 ( output of out_o1)')."""
    report = verify(real("TSAI-END3-six-tables.xlsx"))
    assert report.status == 0 and report.findings == () and report.incomplete == ()
    tables = [s for s in report.sheets if s.sheet == "NN_Training_diff_LR"]
    assert len(tables) == 6
    for table in tables:
        assert {("D", "t1", "t1 ( output of out_o1)"), ("E", "t2", "t2 ( output of out_o2)")} <= set(table.columns)
        assert table.unjudged == () and "the weight changes agree" not in table.learning_rate_words
        # each table's rate is the one labelled just above its header
        assert table.learning_rate_words.endswith(f"(labelled 'lr=' in G{table.header_row - 1})")


def test_a_slip_planted_in_the_second_table_is_found(tmp_path):
    """The hidden unit slip (a_h1·(1 − a_h1) in ∂E/∂w3) typed into the second table only: exit 1, there."""
    source = real("TSAI-END3-six-tables.xlsx")
    workbook = openpyxl.load_workbook(source)
    ws = workbook["NN_Training_diff_LR"]
    assert ws["AA112"].value == "∂(E_total)/∂w3" and ws["K112"].value == "out_h1" and ws["M112"].value == "out_h2"
    for row in range(113, 164):
        ws[f"AA{row}"] = (f"=((S{row}-D{row})*S{row}*(1-S{row})*O{row}+(U{row}-E{row})*U{row}*(1-U{row})*Q{row})"
                          f"*(K{row}*(1-K{row}))*B{row}")
    path = tmp_path / "planted.xlsx"
    workbook.save(path)
    result = cli(path, "--json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    (finding,) = data["findings"]
    assert (finding["cell"], finding["quantity"], finding["wrong"]) == ("AA113", "∂E/∂w3", 51)
    assert "a_h1·(1 − a_h1) where a_h2·(1 − a_h2) belongs" in finding["diagnosis"]


def test_core_quantities_not_judged_make_the_verdict_incomplete(tmp_path):
    """E_total under a header verify cannot read, its cells computing something else (E1 − E2), so that
    neither the formulas nor the values say the column is E_total: not 'all cells agree' and exit 0, but
    incomplete. (Under the same header, cells that compute E_total are read as E_total: test_verify_columns.)"""
    sheet = dataclasses.replace(SPEC, headers={"E_total": "sum of the two"}, slips={"E_total": ("=[E1]-[E2]", 0)})
    path = tmp_path / "unread.xlsx"
    workbook = openpyxl.Workbook()
    handmade.write(sheet, workbook.active)
    workbook.save(path)
    result = cli(path)
    assert result.returncode == 1
    assert "incomplete: E_total not judged" in result.stdout and "cells agree" not in result.stdout
    report = verify(path)
    assert report.findings == () and report.incomplete == (f"correct (table in row {SPEC.header_row}): E_total",)


# ---------------------------------------------------------------------------------------- 4 (rest): the rate that drifts

# η = 0.5 in B29 (labelled in A29, between the header and the data); a relative reference to it, copied
# down, lands on t2 (0.99 on every row, column B) from the second update row on: most rows imply 0.99.
def drift_onto_t2(label: str) -> Sheet:
    return Sheet("drift", lr_label=(label, 29, 1), lr_offset=1, lr_drifts=True, header_row=28,
                 blank_after_header=True, iterations=10)


@pytest.fixture(scope="module")
def drifting(tmp_path_factory):
    """Per label: the sheet as LibreOffice recalculated it, and its values-only copy."""
    folder = tmp_path_factory.mktemp("drift")
    books = {}
    for label in ("η", "h", "μ"):
        recalculated = write_book(folder, [drift_onto_t2(label)], name=f"drift-{ord(label)}.xlsx")
        values = folder / f"values-{ord(label)}.xlsx"
        handmade.values_copy(recalculated, values, digits=15)
        books[label] = {"formulas": recalculated, "values": values}
    return books


@pytest.mark.parametrize("label", ["η", "h"])
@pytest.mark.parametrize("variant", ["formulas", "values"])
def test_a_labelled_rate_that_explains_the_first_update_beats_the_drifted_majority(drifting, label, variant):
    sheet = drift_onto_t2(label)
    assert sheet.targets[1] == 0.99 and sheet.cell("t2", 0) == "B30"  # where the drift lands: the case
    report = verify(drifting[label][variant])
    (table,) = report.sheets
    assert table.learning_rate == 0.5
    assert table.learning_rate_words == f"0.5, from B29 (labelled '{label}' in A29)"
    (finding,) = report.findings           # the drift, once; no correct row called wrong, no 'B29 where η belongs'
    assert (finding.cell, finding.quantity, finding.found, finding.expected) == (sheet.cell("w1", 2), "η", 0.99, 0.5)
    assert finding.wrong == sheet.iterations - 2 and finding.cells[0] == "E32"
    assert "η = 0.5 (row 31), 0.99 (rows 32–39)" in finding.diagnosis
    if variant == "formulas":
        assert ("E32 takes η from B30 (0.99) where the row above took it from B29 (0.5): the reference is "
                "relative and drifts down the rows; write $B$29") in finding.diagnosis
    else:
        assert ("the weights of row 32 change as for η = 0.99, what B30 holds (0.99): a relative reference to "
                "B29 lands there 1 row down; the reference drifts down the rows: write $B$29") in finding.diagnosis


def test_the_cell_the_first_updates_read_is_the_rate_whatever_its_label(drifting):
    """'μ' names no rate: the formulas do (every update of the first update row reads B29)."""
    (table,) = verify(drifting["μ"]["formulas"]).sheets
    assert table.learning_rate == 0.5
    assert table.learning_rate_words == "0.5, from B29 (labelled 'μ' in A29), the cell every weight update of row 31 reads"
    (finding,) = table.findings
    assert finding.cell == "E32" and "write $B$29" in finding.diagnosis


def test_a_terse_label_the_first_update_disagrees_with_is_no_rate(tmp_path):
    """'h' beside 0.3 while every update uses 0.5: h is something else; the rate is the weight changes'."""
    sheet = dataclasses.replace(SPEC, labels={"h": (0.3, 2, 30)}, lr_label=("(the rate)", 2, 7))
    path = write_book(tmp_path, [sheet])
    values = tmp_path / "values.xlsx"
    handmade.values_copy(path, values, digits=15)
    for copy in (path, values):
        (table,) = verify(copy).sheets
        assert table.findings == () and table.learning_rate == 0.5
        assert "h =" not in table.learning_rate_words and "AD2" not in table.learning_rate_words


# ---------------------------------------------------------------------------------------- 5 (rest): layouts

def test_real_sheet_with_a_parameter_table_in_the_header_row_is_judged_on_its_own_columns():
    """sherinee: 'i1' 0.05, 'i2' 0.1, 'W1' 0.15 … in A29:B…, the table's header in row 29 too."""
    path = real("sherinee-EVAI-assignment-4.xlsx")
    cells = openpyxl.load_workbook(path)["Calculation"]
    assert (cells["A29"].value, cells["B29"].value, cells["F29"].value) == ("i1", 0.05, "i1")   # the case
    report = verify(path)
    (table,) = report.sheets
    assert ("F", "i1", "i1") in table.columns and not any(letter == "A" for letter, _, _ in table.columns)
    assert table.unknown == () and table.unjudged == () and report.incomplete == ()
    # Its genuine slips, and only those: w3 and w4 take the gradients of w1 and w2.
    assert [(f.cell, f.quantity) for f in report.findings] == [("J31", "w3"), ("K31", "w4")]
    assert report.findings[0].diagnosis.startswith("∂E/∂w1 of the row above where ∂E/∂w3 of the row above belongs")


def test_a_parameter_table_sharing_the_header_row_is_no_column(tmp_path):
    """The synthetic case: the table from column D, 'i1' 0.05, 'i2' 0.1 … beside it in A:B, from the header row."""
    sheet = dataclasses.replace(SPEC, first_column=4)

    def edit(workbook):
        ws = workbook[sheet.title]
        for i, name in enumerate(["i1", "i2", "w1", "w2"]):
            ws.cell(sheet.header_row + i, 1, name)
            ws.cell(sheet.header_row + i, 2, handmade.START[name])
    report = verify(write_book(tmp_path, [sheet], edit=edit))
    (table,) = report.sheets
    assert report.status == 0 and report.findings == ()
    assert ("F", "i1", "i1") in table.columns and table.unknown == ()


def test_real_sheet_whose_rate_is_labelled_h_reads_it_there():
    """hritiksth764: 'h' in I39, 0.5 in J39, which every update reads ($J$39)."""
    report = verify(real("hritiksth764-BackProp.xlsx"))
    (table,) = report.sheets
    assert report.status == 0 and table.learning_rate == 0.5
    assert table.learning_rate_words == "0.5, from J39 (labelled 'h' in I39)"


def test_a_reference_pinned_to_one_row_is_named(tmp_path):
    """w4's update reads ∂E/∂w4 as AA$6 (its first row): right in the first update, wrong from the second."""
    pinned = f"{SPEC.cell('dw4', 0)[:2]}${SPEC.row(0)}"
    assert pinned == "AA$6"
    sheet = dataclasses.replace(SPEC, slips={"w4": (f"=[w4']-[lr]*{pinned}", 1)})
    (finding,) = verify(write_book(tmp_path, [sheet])).findings
    assert (finding.cell, finding.quantity) == (sheet.cell("w4", 2), "w4")
    assert ("AA$6 is pinned to row 6 (the $ before 6): copied down, every row reads row 6's ∂E/∂w4; write it "
            "without the $ before the row") in finding.diagnosis


def test_real_sheet_with_a_pinned_gradient_reference_names_the_pin():
    """sujitojha1: w4 = H41 − Z$41·$B$39: the gradient of w3, and pinned to row 41."""
    report = verify(real("sujitojha1-EVA8-S3.xlsx"))
    assert [(f.cell, f.quantity) for f in report.findings] == [("AC41", "∂E/∂w6"), ("H42", "w4")]
    w4 = report.findings[1]
    assert w4.diagnosis.startswith("∂E/∂w3 of the row above where ∂E/∂w4 of the row above belongs")
    assert "Z$41 is pinned to row 41 (the $ before 41): copied down, every row reads row 41's ∂E/∂w3" in w4.diagnosis


# ---------------------------------------------------------------------------------------- Google Sheets exports

def google_export(source: Path, target: Path) -> Path:
    """``source`` (with cached values) as Google Sheets writes a download: every formula wrapped as
    IFERROR(__xludf.DUMMYFUNCTION("…"), value shown), quotes doubled, the value cached."""
    import xlsxwriter

    formulas = openpyxl.load_workbook(source)
    values = openpyxl.load_workbook(source, data_only=True)
    book = xlsxwriter.Workbook(str(target))
    for ws in formulas.worksheets:
        out = book.add_worksheet(ws.title)
        for row in ws.iter_rows():
            for cell in row:
                shown = values[ws.title][cell.coordinate].value
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    inner = cell.value[1:].replace('"', '""')
                    out.write_formula(cell.row - 1, cell.column - 1,
                                      f'=IFERROR(__xludf.DUMMYFUNCTION("{inner}"),{shown!r})', value=shown)
                elif cell.value is not None:
                    out.write(cell.row - 1, cell.column - 1, cell.value)
    book.close()
    return target


def test_a_google_sheets_export_judges_like_any_other(tmp_path):
    slipped = dataclasses.replace(SPEC, title="slipped", slips={"dw7": ("=[a_o2]-[t2]*[a_o2]*(1-[a_o2])*[a_h1]", 0)})
    path = google_export(write_book(tmp_path, [SPEC, slipped, TARGET]), tmp_path / "google.xlsx")
    cells = openpyxl.load_workbook(path)["correct"]
    assert cells[SPEC.cell("a_h1", 0)].value.startswith('=IFERROR(__xludf.DUMMYFUNCTION("1/(1+EXP(-')  # the case
    report = verify(path)
    assert sheet_of(report, "correct").findings == () and sheet_of(report, "correct").judged > 200
    (parentheses,) = sheet_of(report, "slipped").findings
    assert (parentheses.cell, parentheses.quantity) == (SPEC.cell("dw7", 0), "∂E/∂w7")
    # Read from the formula as typed, not from the values: the wrapper is gone.
    assert parentheses.diagnosis == "missing parentheses around a_o2 − t2 (the formula is =T6-B6*T6*(1-T6)*J6)"
    (target,) = sheet_of(report, "target").findings
    assert (target.cell, target.quantity) == (TARGET.cell("dw5", 2), "∂E/∂w5")
    assert target.diagnosis.startswith("the input i1 where the target t1 belongs (the formula is =(R8-C8)")
    # The η read from the formulas: every update of the first update row reads $I$2.
    assert sheet_of(report, "correct").learning_rate_words == "0.5, from I2 (labelled 'learningRate=' in G2)"


def test_a_formula_no_usual_slip_explains_is_shown_in_the_lectures_names(tmp_path):
    """The references named from the expression tree's math: the row above primed, the rate as η."""
    sheet = dataclasses.replace(SPEC, slips={"w5": ("=[w5']-[lr]*[dw5']*[i1]", 1)})
    (finding,) = verify(write_book(tmp_path, [sheet])).findings
    assert (finding.cell, finding.quantity) == (sheet.cell("w5", 1), "w5")
    assert finding.diagnosis == ("the formula =M6-$I$2*AB6*C7, that is w5′-η*∂E/∂w5′*i1, matches none of the "
                                 "usual slips")
