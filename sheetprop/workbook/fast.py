"""A narrowly scoped speed-up of XlsxWriter for sheetprop's own formulas: whole rows from one template.

XlsxWriter checks every formula for dynamic-array functions and passes it through about 30 regular-expression
substitutions that prefix functions newer than Excel 2007 (``_xlfn.``). The rate sheets' formulas are made by
sheetprop from a fixed set of functions (IF, EXP, MAX, TANH, LN, CHOOSE, MOD), none of them new, so neither
step changes them: ``rewrite_is_identity`` checks exactly that on samples of a sheet's formulas.

Past the rewrite, XlsxWriter's constant_memory mode stores each cell, then writes it when the next row starts
(``Worksheet._write_single_row``): per cell its reference, style index, formula and value each passed through
a regular-expression search to escape them (a number by raising and catching a TypeError), and one write to
its text-mode temporary file. A vetted sheet's rows differ
only in their row numbers and values, so ``row_writer`` renders the row's XML once per sheet into a
%-template — the cells' references, style indexes and formula text as XlsxWriter would write them, slots left
for the row numbers and the values, which XlsxWriter formats with ``str`` — and writes each row with one
``%`` and one write. XlsxWriter still writes everything else (the file, the other rows, styles, charts, notes),
and any row the template cannot stand for (a text or boolean value, a row with its own height or format, a
row written out of order, a sheet's first row while XlsxWriter has not numbered its styles yet) goes through
XlsxWriter's own cell path. Tests check that the files are byte-identical either way.
"""

from __future__ import annotations

import inspect
import io
import operator
import string
from typing import Callable, Sequence

import xlsxwriter.format
import xlsxwriter.worksheet
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import CellFormulaTuple, Worksheet, re_dynamic_function

# Values XlsxWriter writes with str() into <v>: a bool gets t="b", a text t="str" or t="e" (an error).
_PLAIN = frozenset((float, int))

# What of XlsxWriter's private side this module uses, as it uses it: a method's leading parameters (the
# arguments passed), an attribute of a fresh worksheet or format, a named tuple's fields. Hence the
# `xlsxwriter<4` pin in pyproject.toml; ``changed_internals`` names whatever a release changed.
INTERNALS: dict[str, tuple[str, ...]] = {
    "Worksheet._check_dimensions": ("row", "col"),
    "Worksheet._write_single_row": ("current_row_num",),
    "Worksheet._write_formula": ("row", "col", "formula", "cell_format", "value"),
    "Worksheet._prepare_formula": ("formula",),
    "Worksheet._write_row": ("row", "spans"),
    "Worksheet._escape_data": ("data",),
    "Worksheet.constant_memory": (), "Worksheet.previous_row": (), "Worksheet.table": (),
    "Worksheet.row_info": (), "Worksheet.comments": (), "Worksheet.col_info": (), "Worksheet.fh": (),
    "Format._get_format_key": (), "Format._get_xf_index": (), "Format.xf_index": (), "Format.xf_format_indices": (),
    "CellFormulaTuple": ("formula", "format", "value"),
    "ColumnInfo": ("width", "column_format"),
    "re_dynamic_function": (),
}


def changed_internals() -> list[str]:
    """What of ``INTERNALS`` the installed XlsxWriter no longer has as this module uses it, one line each
    (empty when nothing changed).

    >>> changed_internals()
    []
    """
    fresh = {"Worksheet": Worksheet(), "Format": xlsxwriter.format.Format()}  # attributes set in __init__
    changed = []
    for name, expected in INTERNALS.items():
        owner, _, member = name.rpartition(".")
        where = fresh[owner] if owner else xlsxwriter.worksheet
        if not hasattr(where, member):
            changed.append(f"{name} is gone")
            continue
        found = getattr(type(where), member, None) if owner else getattr(where, member)
        if not expected:
            continue
        if hasattr(found, "_fields") or hasattr(found, "__dataclass_fields__"):
            have = tuple(getattr(found, "_fields", None) or found.__dataclass_fields__)
            what = "has the fields"
        else:
            have = tuple(inspect.signature(found).parameters)[1:]  # past self
            what = "takes"
        if have[:len(expected)] != expected:
            changed.append(f"{name} {what} {have}, where fast.py uses {expected}")
    return changed


class FormulaSheet(Worksheet):
    """An XlsxWriter worksheet with faster paths for formulas vetted to need no rewrite."""

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

    def row_writer(self, templates: Sequence[str], formats: Sequence, fields: dict[str, int],
                   fast: bool = True) -> "RowWriter":
        """A writer of whole rows of formulas, one per column from column 0, each with its value.

        ``templates`` are the formulas (with their '=') as ``str.format`` templates whose fields stand for
        row numbers: ``fields`` maps each field's name to its offset from the 1-based number of the row
        written (``{"r": 0, "p": -1}``: this row and the one above). ``formats`` holds each cell's format.
        The rows go through the template when ``fast`` and XlsxWriter would leave the formulas unchanged,
        else through XlsxWriter's own ``_write_formula``.
        """
        return RowWriter(self, templates, formats, fields, fast)


class RowWriter:
    """``write(row, values)``: one whole row of a sheet's formulas with their values (see ``row_writer``).

    A row written with it is complete: nothing more may be written into that row.
    """

    def __init__(self, sheet: FormulaSheet, templates: Sequence[str], formats: Sequence, fields: dict[str, int],
                 fast: bool = True):
        self.sheet, self.formats, self.fields = sheet, list(formats), dict(fields)
        self._parsed = [list(string.Formatter().parse(template)) for template in templates]
        for pieces in self._parsed:
            for _, name, spec, conversion in pieces:
                if name is not None and (name not in fields or spec or conversion):
                    raise ValueError(f"template field {{{name}}}: only {', '.join(fields)}, bare, are row numbers")
        samples = [self._formula(pieces, 1_000) for pieces in self._parsed]
        self.fast = fast and sheet.constant_memory and sheet.rewrite_is_identity(samples)
        self._single = sheet._write_formula if not self.fast else sheet.store_formula
        self._template: str | None = None   # made at the first row, once XlsxWriter has numbered the styles
        self._arguments: Callable | None = None
        self.templated = 0  # rows written through the template (the tests count them)

    def __call__(self, row: int, values: Sequence) -> None:
        """Write zero-based ``row``: column c holds template c's formula with ``values[c]`` cached."""
        sheet = self.sheet
        if (self.fast and _PLAIN.issuperset(map(type, values)) and len(values) == len(self._parsed)
                and not sheet._check_dimensions(row, 0) and not sheet._check_dimensions(row, len(values) - 1)):
            if row > sheet.previous_row:
                sheet._write_single_row(row)  # the row before, as XlsxWriter writes it when a later one starts
            # Only a row XlsxWriter would write as the template does: empty so far, no height or format of its
            # own, no note (a note on a row XlsxWriter holds no cells of makes it write an empty <row>).
            if (row == sheet.previous_row and not sheet.table and row not in sheet.row_info
                    and row not in sheet.comments and (self._template is not None or self._prepare(row))):
                numbers = [row + 1 + offset for offset in self._offsets]
                sheet.fh.write(self._template % self._arguments((*numbers, *values)))
                self.templated += 1
                return
        for col, (pieces, value, cell_format) in enumerate(zip(self._parsed, values, self.formats)):
            self._single(row, col, self._formula(pieces, row + 1), cell_format, value)

    def _formula(self, pieces, number: int) -> str:
        return "".join(text + ("" if name is None else str(number + self.fields[name]))
                       for text, name, _, _ in pieces)

    def _prepare(self, row: int) -> bool:
        """The row's %-template and the picking of its arguments from (row numbers…, values…), as
        ``Worksheet._write_row`` and ``_write_cell`` write a row of formulas in constant_memory mode.

        False, and nothing made, while a style has no index yet: XlsxWriter numbers the styles in the order
        its rows are written out, so the first row goes cell by cell and the template comes with the next.
        """
        sheet = self.sheet
        styles = [cell_format if cell_format else
                  sheet.col_info[col].column_format if col in sheet.col_info else None
                  for col, cell_format in enumerate(self.formats)]
        if not all(style is None or style.xf_index is not None or style._get_format_key() in style.xf_format_indices
                   for style in styles):
            return False
        names = list(self.fields)
        self._offsets = [0] + [self.fields[name] for name in names]  # slot 0: the row's own number
        number = {name: 1 + i for i, name in enumerate(names)}
        order: list[int] = []

        def slot(index: int) -> str:
            order.append(index)
            return "%s"

        # The row's start tag by XlsxWriter itself (attributes of the sheet's default row height, if any).
        held, sheet.fh = sheet.fh, io.StringIO()
        try:
            sheet._write_row(row, None)
            start = sheet.fh.getvalue()
        finally:
            sheet.fh = held
        marker = f'<row r="{row + 1}"'
        assert start.startswith(marker), start
        parts = ['<row r="' + slot(0) + '"' + _percent(start[len(marker):])]
        values = len(self._offsets)
        for col, (pieces, style) in enumerate(zip(self._parsed, styles)):
            style = "" if style is None else f' s="{style._get_xf_index()}"'
            # The slots in the order they appear: the reference's row, the formula's, the value.
            cell = [f'<c r="{xl_col_to_name(col)}', slot(0), f'"{style}><f>']
            # XlsxWriter stores the formula without its '=' and escapes &, < and > (digits need none).
            for k, (text, name, _, _) in enumerate(pieces):
                text = text[1:] if k == 0 else text
                cell.append(_percent(sheet._escape_data(text)))
                if name is not None:
                    cell.append(slot(number[name]))
            cell += ["</f><v>", slot(values + col), "</v></c>"]
            parts.append("".join(cell))
        parts.append("</row>")
        self._template = "".join(parts)
        self._arguments = operator.itemgetter(*order)
        return True


def _percent(text: str) -> str:
    return text.replace("%", "%%")
