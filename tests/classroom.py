"""A class's submissions, made the way students make them: the exercise workbook filled in with formulas
typed here (the lecture's math as a student writes it, from handmade.py's templates, never from
sheetprop's writer), whole or in part, with the classic slips, or as values only (recalculated by
LibreOffice, then the formulas dropped).

In a template, [x] is this row's cell of column x, [x'] the row above's, [lr] the learning-rate cell.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from test_exercise import FIRST_ROW, HEADER_ROW, template

FORWARD = ("h1", "a_h1", "h2", "a_h2", "o1", "a_o1", "o2", "a_o2", "E1", "E2", "E_total")
# The classic slips, as a student types them.
SIGN = {"∂E/∂a_o1": "=[t1]-[a_o1]"}                                    # (t − a) where (a − t) belongs
INPUT_FOR_TARGET = {"∂E/∂a_o1": "=[a_o1]-[i1]"}                        # the input where the target belongs
WRONG_SLOPE = {"∂E/∂h2": "=[∂E/∂a_h2]*[a_h1]*(1-[a_h1])"}              # the slope of the wrong hidden unit
RELATIVE_RATE = "relative rate"                                         # η referred to without $


def fill(path, slip: dict[str, str] | None = None, sheets=None, rows: int | None = None, only=None,
         rate: str | None = None) -> Path:
    """Type a formula into each empty cell of the table: every sheet, or those of index in ``sheets``; every
    row, or the first ``rows``; every column, or those named in ``only``. ``slip`` replaces a column's
    template; ``rate=RELATIVE_RATE`` writes the learning rate's reference without $ (it drifts down)."""
    book = openpyxl.load_workbook(path)
    for index, sheet in enumerate(book.worksheets):
        if sheets is not None and index not in sheets:
            continue
        columns = {sheet.cell(HEADER_ROW, c).value: c for c in range(1, sheet.max_column + 1)}
        letter = {name: get_column_letter(c) for name, c in columns.items()}
        at = next(c for c in range(1, sheet.max_column + 1) if str(sheet.cell(3, c).value).startswith("η"))
        lr = f"{get_column_letter(at)}4" if rate == RELATIVE_RATE else f"${get_column_letter(at)}$4"
        last = FIRST_ROW
        while sheet.cell(last + 1, 1).value is not None:
            last += 1
        if rows:
            last = min(last, FIRST_ROW + rows - 1)
        for row in range(FIRST_ROW, last + 1):
            for name, c in columns.items():
                if sheet.cell(row, c).value is not None or (only and name not in only) or name is None:
                    continue
                text = (slip or {}).get(name, template(name))
                text = re.sub(r"\[([^\]']+)'\]", lambda m: f"{letter[m[1]]}{row - 1}", text)
                if rate == RELATIVE_RATE:  # copied down from the first update, the reference moves with the rows
                    text = text.replace("[lr]", f"{get_column_letter(at)}{4 + row - FIRST_ROW - 1}")
                text = text.replace("[lr]", lr)
                sheet.cell(row, c).value = re.sub(r"\[([^\]]+)\]", lambda m: f"{letter[m[1]]}{row}", text)
    book.save(path)
    return Path(path)


def values_only(path, scratch) -> Path:
    """The filled file with every formula replaced by the value LibreOffice computes for it."""
    from sheetprop.libreoffice import recalculate

    computed = openpyxl.load_workbook(recalculate(path, Path(scratch)), data_only=True)
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        values = computed[sheet.title]
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.value = values.cell(cell.row, cell.column).value
    book.save(path)
    return Path(path)


def copy(exercise, folder, name: str) -> Path:
    target = Path(folder) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(exercise, target)
    return target
