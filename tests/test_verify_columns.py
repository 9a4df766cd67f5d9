"""What a column holds follows from the sheet's own formulas and values; headers are hints (issue 28, part 2).

Each kind of header seen on real sheets is made here with tests/handmade.py (a formula typed per column, the
way students do): two columns headed i2, one holding t2; targets headed y1, y2 beside inputs x1, x2; gradients
headed ðE/ðw1 (a mis-encoded ∂) and w3 headed Z; headers in another language; two headers swapped. Each comes
with formulas (recalculated by formualizer, an engine of its own) and as a values-only copy of those values.
Beside them: what must not change (plain headers, a second table beside the first, slips that make a whole
column wrong), and the work, counted in readings tried.
"""

from __future__ import annotations

import dataclasses
import json

import formualizer
import pytest

import handmade
from sheetprop.graph import build_graph
from sheetprop.verify import columns, verify
from sheetprop.verify.report import as_json, as_text

ETH = {f"dw{n}": f"ðE/ðw{n}" for n in range(1, 9)}   # ∂ read as Latin-1 and shown as ð

# kind → (headers, {column letter: (header, what it holds)}) on handmade's layout (t1 in A, t2 in B, …, dw8 in AE)
KINDS = {
    "two columns headed i2": ({"t2": "i2"}, {"B": ("i2", "t2")}),
    "targets y1, y2 beside inputs x1, x2": ({"t1": "y1", "t2": "y2", "i1": "x1", "i2": "x2"},
                                            {"A": ("y1", "t1"), "B": ("y2", "t2")}),
    "gradients headed ðE/ðw and w3 headed Z": ({**ETH, "w3": "Z"}, {"G": ("Z", "w3"), **{
        letter: (f"ðE/ðw{n}", f"∂E/∂w{n}") for n, letter in enumerate(("X", "Y", "Z", "AA", "AB", "AC", "AD", "AE"), 1)}}),
    "headers in another language": ({"t1": "Ziel 1", "t2": "Ziel 2", "E_total": "Gesamtfehler"},
                                    {"A": ("Ziel 1", "t1"), "B": ("Ziel 2", "t2"), "W": ("Gesamtfehler", "E_total")}),
}
# What the formulas say, per quantity held: its own formula computes it, or another's reads it.
FORMULA_WORDS = {"t1": "the loss reads it", "t2": "the loss reads it", "w3": "h2's formula reads it",
                 "E_total": "its formula computes E_total",
                 **{f"∂E/∂w{n}": f"its formula computes ∂E/∂w{n}" for n in range(1, 9)}}


def books(folder, sheet: handmade.Sheet, general: bool = False) -> dict:
    """``sheet`` with formulas (recalculated by formualizer) and as a values-only copy (10 digits); with
    ``general``, a values-only copy as Excel's General format shows them too (3 to 9 digits down one sheet)."""
    formulas, recalculated, values = folder / "formulas.xlsx", folder / "recalculated.xlsx", folder / "values.xlsx"
    handmade.write_workbook(formulas, [sheet])
    formualizer.recalculate_file(str(formulas), str(recalculated))
    handmade.values_copy(recalculated, values)
    made = {"formulas": recalculated, "values": values}
    if general:
        made["general"] = folder / "general.xlsx"
        handmade.values_copy(recalculated, made["general"], shown=handmade.general)
    return made


@pytest.fixture(scope="module", params=sorted(KINDS))
def kind(request, tmp_path_factory):
    headers, held = KINDS[request.param]
    folder = tmp_path_factory.mktemp("columns")
    return request.param, held, books(folder, handmade.Sheet("kind", headers=headers), general=True)


@pytest.mark.parametrize("variant", ["formulas", "values", "general"])
def test_each_kind_of_header_is_read_from_the_sheets_formulas_or_values_and_judged_correct(kind, variant):
    """A correct sheet under each kind of header is judged correct, every core quantity judged, and the report
    says what it assumed of each column, one line each: from the formulas where there are any, else the values
    (to 10 digits, or rounded as General shows them)."""
    title, held, paths = kind
    report = verify(paths[variant])
    assert report.agrees and report.status == 0, (title, as_text(report))
    (sheet,) = report.sheets
    because = (lambda name: FORMULA_WORDS[name]) if variant == "formulas" else (lambda name: f"its values are {name}'s")
    assert list(sheet.assumed) == [f"column {letter} headed {header} holds {name}: {because(name)}"
                                   for letter, (header, name) in held.items()], title
    shown = {letter: (name, header) for letter, name, header in sheet.columns}
    for letter, (header, name) in held.items():
        assert shown[letter] == (name, header), (title, letter)
        assert sheet.judged_cells.get(name) == (7 if name.startswith("w") else 8), (title, name)
    text = as_text(report)
    assert all(line in text for line in sheet.assumed) and "not judged" not in text and "incomplete" not in text
    assert json.loads(as_json(report))["sheets"][0]["assumed"] == list(sheet.assumed)


def test_the_column_headed_i2_that_holds_t2_lets_h1_and_h2_be_judged_correct(tmp_path):
    """Two columns headed i2, the first holding t2 (0.99): the loss reads the first where t2 belongs, h1 and h2
    the second where i2 does. h1 and h2 (which read i2) are judged correct, not wrong. The formulas written as
    on the real sheet: =((B33-T33)^2)/2 and =E33*C33+F33*D33 (weights first)."""
    written = {"E2": ("=(([t2]-[a_o2])^2)/2", 0), "h1": ("=[w1]*[i1]+[w2]*[i2]", 0), "h2": ("=[w3]*[i1]+[w4]*[i2]", 0)}
    paths = books(tmp_path, handmade.Sheet("dup", headers={"t2": "i2"}, slips=written))
    for path in paths.values():
        report = verify(path)
        (sheet,) = report.sheets
        assert report.findings == () and sheet.judged_cells["h1"] == sheet.judged_cells["h2"] == 8
        assert {letter: name for letter, name, _ in sheet.columns}.get("D") == "i2"
        assert sheet.assumed == ("column B headed i2 holds t2: " + ("the loss reads it" if path == paths["formulas"]
                                                                    else "its values are t2's"),)


def test_a_correct_sheet_with_ordinary_headers_says_nothing_new_and_tries_nothing(tmp_path, monkeypatch):
    """Headers that name every column: no 'holds' line, and no reading tried (the work is counted)."""
    tried = spy(monkeypatch)
    paths = books(tmp_path, handmade.Sheet("plain", headers=handmade.NOTES))
    for path in paths.values():
        report = verify(path)
        assert report.agrees and report.sheets[0].assumed == ()
        assert "holds" not in as_text(report)
    assert tried == [0, 0]


def test_two_readings_that_explain_the_cells_equally_keep_the_header(tmp_path):
    """A second column headed i2 holding i2 again: both explain the same cells, so the header's (the first)
    keeps i2, nothing new is said, and the copy stays unrecognised."""
    paths = books(tmp_path, handmade.Sheet("twice", extra=("i2", "=[i2]")))
    for path in paths.values():
        report = verify(path)
        (sheet,) = report.sheets
        assert report.agrees and sheet.assumed == ()
        assert {letter: name for letter, name, _ in sheet.columns}["D"] == "i2" and sheet.unknown == (("AF", "i2"),)


def spy(monkeypatch) -> list[int]:
    """The readings columns.resolve tries, per table judged."""
    tried, resolve = [], columns.resolve

    def counting(*args, **kwargs):
        result = resolve(*args, **kwargs)
        tried.append(result.tried)
        return result
    monkeypatch.setattr(columns, "resolve", counting)
    return tried


def test_only_columns_in_doubt_are_tried_against_the_quantities_without_a_column(tmp_path, monkeypatch):
    """Nine columns in doubt (eight ðE/ðw headers and Z) are each tried against the quantities the headers leave
    without a column: the work is bounded by their product, whatever the rest of the sheet holds."""
    tried = spy(monkeypatch)
    headers, _ = KINDS["gradients headed ðE/ðw and w3 headed Z"]
    paths = books(tmp_path, handmade.Sheet("eth", headers=headers))
    report = verify(paths["values"])
    graph = build_graph(report.sheets[0].network)
    named = len(handmade.COLUMNS) - 9   # the columns whose headers name a quantity
    without = len(graph.quantities) - 1 - named   # the counter is never a column's
    # One round settles all nine (the gradients by their values, Z by h2's): 9 × 21 readings, of the 31 × 44
    # that every column against every quantity would be.
    assert tried == [9 * without] and without == 21, tried


@pytest.mark.parametrize("header", ["h1", "Netz 1"])
def test_a_wrong_column_stays_a_finding_and_is_not_re_read_to_pass(tmp_path, header):
    """An h1 column with the classic slip (w1 and w2 swapped), on a sheet where other columns are in doubt and,
    in one case, under a header that names nothing: from its formula it is still h1 (a_h1 reads it there) and its
    slip is named; from its values alone it is never called correct (found wrong, or not judged: incomplete)."""
    sheet = handmade.Sheet("slip", headers={**ETH, "h1": header}, slips={"h1": ("=[i1]*[w2]+[i2]*[w1]", 0)})
    paths = books(tmp_path, sheet)
    report = verify(paths["formulas"])
    (finding,) = [f for f in report.findings if f.quantity == "h1"]
    assert "swapped" in finding.diagnosis and finding.cell == "I6"
    assert [line for line in report.sheets[0].assumed if "holds h1" in line] == \
        ([] if header == "h1" else ["column I headed Netz 1 holds h1: a_h1's formula reads it"])
    values = verify(paths["values"])
    assert not values.agrees and values.status == 1
    (finding,) = values.findings
    # Under its own header the slip is h1's; under one that names nothing, the values alone cannot say the column
    # is h1 (a_h1 reads it, h1's definition does not give it: half the cells): a_h1, read from h1's definition, is
    # wrong by the same slip, and the column stays unrecognised.
    assert finding.quantity == ("h1" if header == "h1" else "a_h1") and "w1 and w2 swapped" in finding.diagnosis
    assert not any("holds h1" in line for line in values.sheets[0].assumed)


# ---------------------------------------------------------------------------------------- headers the cells contradict

SWAPS = {
    "inputs and targets": ({"t2": "i2", "i2": "t2"}, {"B": ("i2", "t2", "the loss reads it"),
                                                      "D": ("t2", "i2", "h1's formula reads it")}),
    "a net and its activation": ({"o1": "a_o1", "a_o1": "o1"}, {"Q": ("a_o1", "o1", "its formula computes o1"),
                                                                "R": ("o1", "a_o1", "the loss reads it")}),
}


@pytest.mark.parametrize("variant", ["formulas", "values"])
@pytest.mark.parametrize("swap", sorted(SWAPS))
def test_two_headers_swapped_are_read_each_as_the_other(tmp_path, swap, variant):
    """Headers that name the network but are swapped (i2 over t2's column and t2 over i2's): judged by them,
    every cell that reads either is wrong; read from the formulas (or the values), each column holds the other's
    quantity, the sheet is correct, and both assumptions are said."""
    headers, held = SWAPS[swap]
    report = verify(books(tmp_path, handmade.Sheet("swap", headers=headers))[variant])
    assert report.agrees, as_text(report)
    because = (lambda name, words: words) if variant == "formulas" else (lambda name, _: f"its values are {name}'s")
    assert list(report.sheets[0].assumed) == [f"column {letter} headed {header} holds {name}: {because(name, words)}"
                                              for letter, (header, name, words) in held.items()]


@pytest.mark.parametrize("title", ["swapped", "hidden unit", "target", "parentheses"])
def test_a_slip_that_makes_a_whole_column_wrong_is_still_named_not_re_read(tmp_path, title):
    """handmade's slips that make every cell of a column wrong (two weights swapped in o1, the wrong hidden unit's
    slope, an input where a target belongs, brackets left out): the column is in doubt once judged, but no other
    reading explains it, so the finding and its slip stay as they were, and nothing is assumed."""
    spec = next(sheet for sheet in handmade.SHEETS if sheet.title == title)
    spec = dataclasses.replace(spec, slips={name: (template, 0) for name, (template, _) in spec.slips.items()})
    ((cell, name, words),) = handmade.EXPECTED[title]
    for variant, path in books(tmp_path, spec).items():
        report = verify(path)
        assert [f.quantity for f in report.findings] == [name], (variant, as_text(report))
        assert words in report.findings[0].diagnosis or variant == "values", report.findings[0].diagnosis
        assert report.sheets[0].assumed == ()


@pytest.mark.parametrize("iterations", [8, 1])
def test_a_slip_that_makes_a_column_another_quantity_is_named_on_it_not_read_as_that_quantity(tmp_path, iterations):
    """∂E/∂w5 typed without its factor a_h1 computes ∂E/∂o1, a quantity the sheet has no column for: the column's
    own formula and values say ∂E/∂o1, but the sheet's other columns say ∂E/∂w5 (w5's update reads it as that),
    so the header stands and the slip is named on the column the student got wrong, not on w5's update."""
    spec = handmade.Sheet("factor", slips={"dw5": ("=([a_o1]-[t1])*[a_o1]*(1-[a_o1])", 0)}, iterations=iterations)
    for variant, path in books(tmp_path, spec).items():
        report = verify(path)
        assert report.findings and {f.quantity for f in report.findings} == {"∂E/∂w5"}, (variant, as_text(report))
        assert report.findings[0].cell.startswith("AB"), (variant, report.findings[0].cell)
        assert report.sheets[0].assumed == () and report.status == 1, (variant, as_text(report))


def test_a_grade_says_what_verify_assumed_of_the_students_columns(tmp_path):
    """grade reads the submission with verify: the line saying what a column was read as is among the
    student's notes, so the teacher sees it beside the mark."""
    from sheetprop.grade import grade_folder
    from test_exercise import lecture

    handmade.write_workbook(tmp_path / "ann.xlsx", [handmade.Sheet("dup", headers={"t2": "i2"})])
    (grade,) = grade_folder(tmp_path, lecture(), workers=0)
    assert grade.status != "wrong" and "column B headed i2 holds t2: the loss reads it" in grade.notes


def test_a_second_table_beside_the_first_is_no_dispute_and_costs_nothing(tmp_path, monkeypatch):
    """A second table of the same columns beside the first, in the same header row (another learning rate):
    its columns repeat every name, which is another table, not a dispute over each: nothing is tried and the
    first table is judged as before."""
    import openpyxl

    tried = spy(monkeypatch)
    book = openpyxl.Workbook()
    handmade.write(handmade.Sheet("side"), book.active)
    handmade.write(handmade.Sheet("side", first_column=40, lr=1.0, lr_label=("η =", 3, 45)), book.active)
    book.save(tmp_path / "side.xlsx")
    report = verify(tmp_path / "side.xlsx")
    assert report.agrees and report.sheets[0].assumed == () and len(report.sheets[0].unknown) == len(handmade.COLUMNS)
    assert tried == [0]
