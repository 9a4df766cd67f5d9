"""A narrowly scoped speed-up of XlsxWriter for sheetprop's own formulas.

XlsxWriter checks every formula for dynamic-array functions and passes it through about 30 regular-expression
substitutions that prefix functions newer than Excel 2007 (``_xlfn.``); that took two thirds of a build's
time. The rate sheets' formulas are made by sheetprop from a fixed set of functions (IF, EXP, MAX, TANH,
LN, CHOOSE, MOD), none of them new, so neither step changes them. ``formula_writer`` checks exactly that
on samples of a sheet's formulas and only then hands out ``store_formula``, which stores the cell as
XlsxWriter itself would. XlsxWriter's own ``write_formula`` is left untouched for every other cell. A test
checks that a workbook written this way is byte-identical to one written the ordinary way.
"""

from __future__ import annotations

from xlsxwriter.worksheet import CellFormulaTuple, Worksheet, re_dynamic_function


class FormulaSheet(Worksheet):
    """An XlsxWriter worksheet with a faster path for formulas vetted to need no rewrite."""

    def formula_writer(self, samples: list[str], fast: bool = True):
        """``store_formula`` if XlsxWriter would leave every one of ``samples`` as it is (bar the leading
        '='), else XlsxWriter's own ``_write_formula``; both take (row, col, formula, format, value).

        The samples must stand for the formulas written with it: the same text but for row numbers.
        """
        return self.store_formula if fast and self.rewrite_is_identity(samples) else self._write_formula

    def store_formula(self, row, col, formula, cell_format=None, value=0):
        """What Worksheet._write_formula does with a formula that needs no rewrite."""
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
