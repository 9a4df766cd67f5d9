"""A narrowly scoped speed-up of XlsxWriter for sheetprop's own formulas.

XlsxWriter checks every formula for dynamic-array functions and passes it through about 30
regular-expression substitutions that prefix functions newer than Excel 2007 (``_xlfn.``); that took
two thirds of a build's time. The rate sheets' formulas are made by sheetprop from a fixed set of
functions (IF, EXP, MAX, TANH, LN, CHOOSE, MOD), none of them new, so neither step changes them. The
writer checks exactly that for each column's formula before it turns the steps off for a sheet
(``plain_formulas``); the cell is then stored as XlsxWriter stores it. A test checks that a workbook
written this way is byte-identical to one written the ordinary way.
"""

from __future__ import annotations

from xlsxwriter.worksheet import CellFormulaTuple, Worksheet, re_dynamic_function


class FormulaSheet(Worksheet):
    """An XlsxWriter worksheet that skips the formula rewrite once its formulas are known to need none."""

    plain_formulas = False

    def _write_formula(self, row, col, formula, cell_format=None, value=0):
        if not self.plain_formulas:
            return super()._write_formula(row, col, formula, cell_format, value)
        # What Worksheet._write_formula does for a formula that needs no rewrite.
        if self._check_dimensions(row, col):
            return -1
        if self.constant_memory and row > self.previous_row:
            self._write_single_row(row)
        self.table[row][col] = CellFormulaTuple(formula[1:], cell_format, value)
        return 0

    def rewrite_is_identity(self, formulas) -> bool:
        """Would XlsxWriter leave every one of ``formulas`` as it is, bar the leading '='?"""
        return all(formula.startswith("=") and not formula.endswith("}")
                   and not re_dynamic_function.search(formula)
                   and Worksheet._prepare_formula(self, formula) == formula[1:] for formula in formulas)
