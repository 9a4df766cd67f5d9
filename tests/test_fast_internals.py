"""workbook/fast.py leans on XlsxWriter's private side (hence the `xlsxwriter<4` pin in pyproject.toml):
these tests fail, naming what changed, when an XlsxWriter release changes what fast.py relies on.

First by shape (fast.INTERNALS: each private method's parameters, attribute and named tuple), then by
behaviour: a sheet of formulas written through fast.py's row template and through XlsxWriter's own
cell path must be the same bytes, and XlsxWriter's formula rewrite must still be what fast.py vets.
"""

from __future__ import annotations

import difflib
import zipfile

import pytest
import xlsxwriter

from sheetprop.workbook import fast

PIN = ("widen the xlsxwriter pin in pyproject.toml only once fast.py is adapted to XlsxWriter "
       f"{xlsxwriter.__version__} (or its rows are written with fast=False)")


def test_the_internals_fast_py_uses_are_there():
    changed = fast.changed_internals()
    assert not changed, f"XlsxWriter {xlsxwriter.__version__} changed what workbook/fast.py uses: " \
                        f"{'; '.join(changed)}: {PIN}"


def test_changed_internals_names_what_changed(monkeypatch):
    """The check above can fail: a method, a parameter and a field changed in a pretend release are named."""
    class Release(fast.Worksheet):
        def _write_single_row(self, row_num=0):
            pass

    monkeypatch.setattr(fast, "Worksheet", Release)
    monkeypatch.setitem(fast.INTERNALS, "Worksheet._write_cells", ("row",))
    monkeypatch.setitem(fast.INTERNALS, "CellFormulaTuple", ("formula", "format", "value", "hidden"))
    assert sorted(fast.changed_internals()) == sorted([
        "Worksheet._write_single_row takes ('row_num',), where fast.py uses ('current_row_num',)",
        "Worksheet._write_cells is gone",
        "CellFormulaTuple has the fields ('formula', 'format', 'value'), where fast.py uses "
        "('formula', 'format', 'value', 'hidden')",
    ])


def _sheet_xml(path, fast_path: bool) -> tuple[bytes, int]:
    """A sheet of 40 rows of formulas (this row's and the row above's cells, a number format, text to
    escape) written through one RowWriter; its worksheet XML and the rows the template wrote."""
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = workbook.add_worksheet("rows", worksheet_class=fast.FormulaSheet)
    number = workbook.add_format({"num_format": "0.000"})
    sheet.set_column(2, 2, 12, number)
    templates = ["=A{p}+1", "=EXP(-A{r})*B{p}", '=IF(A{r}>0,A{r}/(1+ABS(B{r})),0)&""', "=MAX(A{r},C{r})<5"]
    writer = sheet.row_writer(templates, [None, number, None, number], {"r": 0, "p": -1}, fast=fast_path)
    for row in range(1, 41):
        odd = row % 7 == 0  # a text and a truth value: that row goes cell by cell
        writer(row, [row + 0.5, 2.0 ** -row, f"{row}" if odd else row * 3, row > 20 if odd else -row])
    workbook.close()
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml"), writer.templated


def test_a_row_template_writes_what_xlsxwriter_writes(tmp_path):
    """fast.py renders a row's XML once as XlsxWriter would write it: the same bytes either way."""
    through_template, templated = _sheet_xml(tmp_path / "fast.xlsx", True)
    through_xlsxwriter, none = _sheet_xml(tmp_path / "own.xlsx", False)
    assert none == 0
    if through_template != through_xlsxwriter:
        diff = next(difflib.unified_diff(through_xlsxwriter.decode().replace("><", ">\n<").splitlines(),
                                         through_template.decode().replace("><", ">\n<").splitlines(), lineterm="", n=0))
        pytest.fail(f"XlsxWriter {xlsxwriter.__version__} writes a row of formulas otherwise than fast.py's template "
                    f"(first difference: {diff}): {PIN}")
    assert templated >= 10  # the template did write rows (a text or a boolean value goes cell by cell)


@pytest.mark.parametrize("formula, unchanged", [
    ("=EXP(-A1)*B2", True), ("=IF(A1>=0,1/(1+EXP(-A1)),EXP(A1)/(1+EXP(A1)))", True), ("=MOD(ROW(),2)", True),
    ("=STDEV.S(A1:A3)", True), ("=FILTER(A1:A3,B1:B3)", False), ("=SORT(A1:A3)", False), ("=LOG10(A1)", True), ("{=SUM(A1:A3)}", False),
])
def test_the_rewrite_fast_py_skips_is_still_the_identity_for_its_formulas(formula, unchanged):
    """fast.py skips XlsxWriter's formula rewrite where it would change nothing: a dynamic-array function
    still gets its prefix (and a newer one, STDEV.S, none: future functions are not expanded unless asked)."""
    sheet = fast.FormulaSheet()
    assert sheet.rewrite_is_identity([formula]) is unchanged, \
        f"XlsxWriter {xlsxwriter.__version__} rewrites {formula} otherwise: {PIN}"
