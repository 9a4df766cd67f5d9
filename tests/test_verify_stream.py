"""verify's reading: the streaming .xlsx reader against openpyxl, sheetprop's own workbooks judged whole,
and formulas saved without values recalculated by formualizer with no office suite on the machine.

openpyxl is the independent reader here: every value and formula the streaming reader gives must be the
one openpyxl gives, on the real sheets, on sheetprop's own workbook and on cells of every kind.
"""

from __future__ import annotations

import datetime
import importlib
import shutil
import warnings
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import handmade
from helpers import real_sheets
from sheetprop import libreoffice
from sheetprop.config import parse
from sheetprop.verify import verify
from sheetprop.files.xlsx import Workbook

read_module = importlib.import_module("sheetprop.files.read")


def openpyxl_cells(path: Path) -> dict[str, tuple[dict, dict]]:
    """Per sheet: the values (data_only) and the formulas, as openpyxl reads them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        formulas = openpyxl.load_workbook(path)
        values = openpyxl.load_workbook(path, data_only=True)
    found = {}
    for sheet in formulas.worksheets:
        texts = {}
        for cell in sheet._cells.values():
            text = getattr(cell.value, "text", cell.value)  # an array formula carries its text in .text
            if isinstance(text, str) and text.startswith("="):
                texts[(cell.row, cell.column)] = text
        cells = {(c.row, c.column): c.value for c in values[sheet.title]._cells.values()
                 if c.value is not None and c.value != ""}
        found[sheet.title] = (cells, texts)
    return found


def streamed_cells(path: Path) -> dict[str, tuple[dict, dict]]:
    with Workbook(path, path.name) as book:
        return {title: (dict((sheet := book.sheet(i)).values.items()), dict(sheet.formulas.items()))
                for i, title in enumerate(book.titles)}


def same(mine, theirs) -> bool:
    """openpyxl gives an int for '1' where the reader gives 1.0; otherwise the values are equal."""
    if isinstance(theirs, int) and not isinstance(theirs, bool) and isinstance(mine, float):
        return float(theirs) == mine
    return type(mine) is type(theirs) and mine == theirs


def assert_read_alike(path: Path) -> None:
    mine, theirs = streamed_cells(path), openpyxl_cells(path)
    assert list(mine) == list(theirs)
    for title in theirs:
        (values, formulas), (expected_values, expected_formulas) = mine[title], theirs[title]
        assert formulas == expected_formulas, title
        assert values.keys() == expected_values.keys(), title
        wrong = [(cell, values[cell], value) for cell, value in expected_values.items() if not same(values[cell], value)]
        assert wrong == [], (title, wrong[:5])


@pytest.mark.parametrize("path", [p for p in real_sheets() if "hancell" not in p.name], ids=lambda p: p.name)
def test_the_reader_reads_each_real_sheet_as_openpyxl_does(path):
    """Shared formulas filled down (translated per cell), shared strings, cached errors and text."""
    assert_read_alike(path)


def test_the_reader_reads_cells_of_every_kind_as_openpyxl_does(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "kinds"
    sheet["A1"], sheet["B1"], sheet["C1"] = "text", 0.1, 3
    sheet["A2"], sheet["B2"] = True, False
    sheet["A3"] = datetime.datetime(2024, 5, 10)
    sheet["B3"] = datetime.datetime(2024, 5, 10, 12, 30)
    sheet["A4"] = "=A1&B1"
    sheet["B4"] = "=SUM(B1:C1)"
    sheet["A5"] = openpyxl.worksheet.formula.ArrayFormula("A5:A6", "=B1:B2*2")
    sheet["C7"] = "#N/A"
    sheet["XFD1048576"] = "far"
    sheet["D9"] = 1e300
    other = workbook.create_sheet("second ' sheet")
    other["B2"] = "='kinds'!B1*2"
    path = tmp_path / "kinds.xlsx"
    workbook.save(path)
    assert_read_alike(path)


def test_the_reader_reads_sheetprops_own_workbook_as_openpyxl_does(tmp_path):
    from sheetprop.outputs import build

    config = parse({"name": "own", "inputs": [0.05, 0.10], "targets": [0.01, 0.99], "learning_rates": [0.5, 1.0],
                    "weights": [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55], "iterations": 30})
    assert_read_alike(build(config, tmp_path).workbook)


def test_a_formula_filled_down_is_held_once(tmp_path):
    """A column of formulas filled down keeps one template, whatever its length (bounded memory)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in range(1, 2001):
        sheet.cell(row, 1, row)
        sheet.cell(row, 2, f"=A{row}*2+B{row - 1}" if row > 1 else "=A1*2")
    path = tmp_path / "filled.xlsx"
    workbook.save(path)
    with Workbook(path, path.name) as book:
        read = book.sheet(0)
        # A few: the first row's, and rows 2 and 3, where the constant 2 reads as a row number.
        assert len(read.templates) == 4
        assert read.formulas[(1500, 2)] == "=A1500*2+B1499"
        assert read.values[(1500, 1)] == 1500.0


def test_sheets_are_read_one_at_a_time(tmp_path):
    handmade.write_workbook(tmp_path / "formulas.xlsx", handmade.SHEETS[:3])
    recalculated = libreoffice.recalculate(tmp_path / "formulas.xlsx", tmp_path / "lo")
    book = read_module.read(recalculated, tmp_path / "work")
    assert len(book.grids) == 3
    first = book.grids[0]
    assert book.grids[0] is first  # the last sheet asked for is kept
    assert [grid.title for grid in book.grids] == [sheet.title for sheet in handmade.SHEETS[:3]]
    assert book.grids[0] is not first  # read again: only one sheet is held at a time


def test_a_sheet_let_go_is_freed_at_once(tmp_path):
    """No reference cycle keeps a read sheet (millions of cells) alive until the cycle collector runs:
    once verify moves to the next sheet, the one before is gone, with the collector off."""
    import gc
    import weakref

    handmade.write_workbook(tmp_path / "formulas.xlsx", handmade.SHEETS[:2])
    recalculated = libreoffice.recalculate(tmp_path / "formulas.xlsx", tmp_path / "lo")
    book = read_module.read(recalculated, tmp_path / "work")
    gc.disable()
    try:
        first = weakref.ref(book.grids[0].values._sheet)
        assert first() is not None
        book.grids[1]  # noqa: B018 - moving on
        assert first() is None
    finally:
        gc.enable()


def test_formulas_without_values_are_recalculated_by_formualizer_without_libreoffice(tmp_path, monkeypatch):
    """openpyxl saves formulas with no cached values; with no LibreOffice on PATH, formualizer computes
    them: the correct sheet agrees, the slip of the hidden unit is found where LibreOffice finds it."""
    path = tmp_path / "formulas.xlsx"
    handmade.write_workbook(path, handmade.SHEETS[:2])
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    libreoffice.sandbox.cache_clear()
    try:
        assert shutil.which("soffice") is None and shutil.which("libreoffice") is None
        report = verify(path)
    finally:
        monkeypatch.undo()
        libreoffice.sandbox.cache_clear()
    assert report.notes == ("its formulas carried no cached values: recalculated with formualizer before judging",)
    correct, hidden = report.sheets
    assert (correct.sheet, correct.findings, correct.judged) == ("correct", (), 240)
    assert [(f.cell, f.quantity) for f in hidden.findings] == [
        (cell, quantity) for cell, quantity, _ in handmade.EXPECTED["hidden unit"]]
    assert all(words in f.diagnosis for f, (_, _, words) in zip(hidden.findings, handmade.EXPECTED["hidden unit"]))
    # The same verdicts as on the copy LibreOffice recalculated (the other engine), its numbers to 1e-12.
    by_libreoffice = verify(libreoffice.recalculate(path, tmp_path / "lo"))
    pairs = [(a, b) for x, y in zip(by_libreoffice.sheets, report.sheets) for a, b in zip(x.findings, y.findings)]
    assert len(pairs) == len(report.findings) == len(by_libreoffice.findings)
    for theirs, mine in pairs:
        assert (mine.cell, mine.quantity, mine.cells, mine.wrong, mine.judged, mine.diagnosis) == (
            theirs.cell, theirs.quantity, theirs.cells, theirs.wrong, theirs.judged, theirs.diagnosis)
        assert mine.found == pytest.approx(theirs.found, rel=1e-12)
        assert mine.expected == pytest.approx(theirs.expected, rel=1e-12)


def test_libreoffice_recalculates_what_formualizer_cannot(tmp_path, monkeypatch):
    from sheetprop.files import recalc

    def refuse(source, out_dir):
        raise recalc.FormualizerError("formualizer does not know FOO")
    monkeypatch.setattr(recalc, "formualizer", refuse)
    path = tmp_path / "formulas.xlsx"
    handmade.write_workbook(path, handmade.SHEETS[:1])
    report = verify(path)
    assert report.notes == ("its formulas carried no cached values: recalculated with LibreOffice before judging",)
    assert report.agrees and report.sheets[0].judged == 240


def test_without_formualizer_installed_libreoffice_recalculates(tmp_path, monkeypatch):
    import importlib.util

    from sheetprop.files import recalc
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "formualizer" else real(name, *a))
    with pytest.raises(recalc.FormualizerError, match="not installed"):
        recalc.formualizer(tmp_path / "any.xlsx", tmp_path / "out")
    path = tmp_path / "formulas.xlsx"
    handmade.write_workbook(path, handmade.SHEETS[:1])
    report = verify(path)
    assert report.notes == ("its formulas carried no cached values: recalculated with LibreOffice before judging",)
    assert report.agrees and report.sheets[0].judged == 240


@pytest.mark.parametrize("iterations", [2_400])
def test_sheetprops_own_workbook_of_thousands_of_iterations_is_correct(tmp_path, iterations):
    """The size the old reader needed 553 MB for: every rate sheet judged, every cell agreeing."""
    from sheetprop.outputs import build

    config = parse({"name": "own", "inputs": [0.05, 0.10], "targets": [0.01, 0.99], "learning_rates": [0.5, 1.0],
                    "weights": [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55], "iterations": iterations})
    report = verify(build(config, tmp_path).workbook)
    assert report.agrees
    assert [s.sheet for s in report.sheets] == ["lr 0.5", "lr 1"] and report.skipped == ("Compare",)
    assert all(s.rows[1] - s.rows[0] + 1 == iterations for s in report.sheets)


def test_judging_holds_no_python_object_per_cell(tmp_path):
    """Judging a table holds its numbers in one array per column, not a dict per row nor a set of every
    cell. What it allocates on top of the sheet grows by some 650 bytes a row (it grew by 7.7 KB a row when
    judging held dicts of floats and sets of cells)."""
    import tracemalloc

    from sheetprop.outputs import build
    from sheetprop.verify.check import judge
    from sheetprop.files.read import read
    from sheetprop.verify.table import find_tables

    def judging_peak(iterations: int) -> int:
        config = parse({"name": f"own{iterations}", "inputs": [0.05, 0.10], "targets": [0.01, 0.99],
                        "learning_rates": [0.5], "weights": [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55],
                        "iterations": iterations})
        path = build(config, tmp_path / str(iterations), formats=("xlsx",)).workbook
        book = read(path, tmp_path)
        (table,) = find_tables(book.grids[1])
        tracemalloc.start()
        try:
            assert judge(table).judged > 40 * iterations
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            book.close()

    judging_peak(500)   # what verify keeps between sheets of one layout (graphs, compiled rules) made before measuring
    per_row = (judging_peak(1_500) - judging_peak(500)) / 1_000
    assert per_row < 1_000, f"{per_row:.0f} bytes a row"  # 44 numbers in arrays, 8 implied rates, a row number


@settings(max_examples=3000, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False)
       | st.builds(round, st.floats(-1e6, 1e6), st.integers(0, 15)))
def test_a_values_stored_shape_is_what_decimal_makes_of_it(value):
    """verify reads a value's digits off its repr (a column of millions is shaped fast); Decimal is the
    independent reading."""
    from decimal import Decimal

    from sheetprop.verify.rules import _shape

    shape = Decimal(repr(value)).normalize().as_tuple()
    assert _shape(value) == (len(shape.digits), -shape.exponent)


@given(st.lists(st.floats(-1e3, 1e3) | st.sampled_from([0.5, 0.25, 0.0002, 0.0, 0.15]), max_size=40),
       st.integers(0, 40))
def test_a_precision_counted_in_parts_is_the_precision_of_the_whole(values, cut):
    """A sheet's precision is counted column by column and the counts added up: the same as counting
    every value at once (ties broken by the value seen first)."""
    from sheetprop.verify.rules import Precision, Shapes

    parts = Shapes(values[:cut])
    parts.update(Shapes(values[cut:]))
    assert parts.precision() == Precision.of(values)
