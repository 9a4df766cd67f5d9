"""Hand-made sheets of the exercise, built the way students build them: a formula typed per column,
copied down the rows, with headers spelled their way, text above the table and the learning rate
somewhere on the side. One sheet per slip; the formulas are typed here, not derived from sheetprop.

In a template, [x] is this row's cell of column x, [x'] the row above's, [lr] the learning-rate cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

COLUMNS = ["t1", "t2", "i1", "i2", "w1", "w2", "w3", "w4", "h1", "a_h1", "h2", "a_h2", "w5", "w6", "w7", "w8",
           "o1", "a_o1", "o2", "a_o2", "E1", "E2", "E_total"] + [f"dw{n}" for n in range(1, 9)]
START = {"t1": 0.01, "t2": 0.99, "i1": 0.05, "i2": 0.10, "w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30,
         "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55}
SIGMOID = "=1/(1+EXP(-[{}]))"
HIDDEN = "([a_o1]-[t1])*[a_o1]*(1-[a_o1])*[{}]+([a_o2]-[t2])*[a_o2]*(1-[a_o2])*[{}]"
FORMULAS = {
    "h1": "=[i1]*[w1]+[i2]*[w2]{b1}", "a_h1": SIGMOID.format("h1"),
    "h2": "=[i1]*[w3]+[i2]*[w4]{b1}", "a_h2": SIGMOID.format("h2"),
    "o1": "=[a_h1]*[w5]+[a_h2]*[w6]{b2}", "a_o1": SIGMOID.format("o1"),
    "o2": "=[a_h1]*[w7]+[a_h2]*[w8]{b2}", "a_o2": SIGMOID.format("o2"),
    "E1": "=0.5*([t1]-[a_o1])^2", "E2": "=0.5*([t2]-[a_o2])^2", "E_total": "=[E1]+[E2]",
    "dw1": f"=({HIDDEN.format('w5', 'w7')})*[a_h1]*(1-[a_h1])*[i1]",
    "dw2": f"=({HIDDEN.format('w5', 'w7')})*[a_h1]*(1-[a_h1])*[i2]",
    "dw3": f"=({HIDDEN.format('w6', 'w8')})*[a_h2]*(1-[a_h2])*[i1]",
    "dw4": f"=({HIDDEN.format('w6', 'w8')})*[a_h2]*(1-[a_h2])*[i2]",
    "dw5": "=([a_o1]-[t1])*[a_o1]*(1-[a_o1])*[a_h1]", "dw6": "=([a_o1]-[t1])*[a_o1]*(1-[a_o1])*[a_h2]",
    "dw7": "=([a_o2]-[t2])*[a_o2]*(1-[a_o2])*[a_h1]", "dw8": "=([a_o2]-[t2])*[a_o2]*(1-[a_o2])*[a_h2]",
}
UPDATE = "=[{0}']-[lr]*[dw{1}']"

# Header spellings seen in real sheets.
STUDENT = {"a_h1": "act_h1", "a_h2": "act_h2", "a_o1": "act_o1", "a_o2": "act_o2", "E_total": "Etotal",
           **{f"dw{n}": f"Etotaldw{n}" for n in range(1, 9)}}
LECTURE = {"E1": "e1", "E2": "e2", **{f"dw{n}": f"E∂W{n}" for n in range(1, 9)}}
NOTES = {"dw1": "∂E/∂w1", "dw2": "∂E_total/∂w2", "dw3": "∂E/∂W3", "dw4": "∂E/∂w4", "dw5": "∂E/∂w5",
         "dw6": "∂E/∂w6", "dw7": "∂E/∂w7", "dw8": "∂E/∂w8", "E_total": "E_TOTAL"}
BLOG = {"h1": "net_h1", "h2": "net_h2", "a_h1": "out_h1", "a_h2": "out_h2", "o1": "net_o1", "o2": "net_o2",
        "a_o1": "out_o1", "a_o2": "out_o2", "E1": "E_o1", "E2": "E_o2", "E_total": "E_tot",
        **{f"dw{n}": f"δE_tot/δw{n}" for n in range(1, 9)}}


@dataclass
class Sheet:
    """One hand-made sheet: where things sit, how headers are spelled, and its slips."""

    title: str
    headers: dict[str, str] = field(default_factory=dict)   # column → header text, when not its own name
    slips: dict[str, tuple[str, int]] = field(default_factory=dict)  # column → (template, from data row k)
    lr: float = 0.5
    lr_label: tuple[str, int, int] | None = ("learningRate=", 2, 7)  # text, row, column; value 2 columns right
    lr_list: tuple[float, ...] = ()     # candidates under the label instead; the formulas use the one = lr
    lr_drifts: bool = False             # the rate reference is relative and moves down with the rows
    lr_offset: int = 2                  # columns from the label to its value
    header_row: int = 5
    first_column: int = 1
    counter: bool = False               # a step column before the table
    blank_after_header: bool = False
    targets: tuple[float, float] = (0.01, 0.99)
    inputs: tuple[float, float] = (0.05, 0.10)
    biases: tuple[str, str] = ("", "")  # text appended to the nets, e.g. ('+0.35', '+0.6')
    labels: dict[str, tuple[float, int, int]] = field(default_factory=dict)  # extra 'name =' labels
    extra: tuple[str, str] | None = None  # a column verify does not know: header, template
    texts: dict[str, str] = field(default_factory=dict)   # notes typed anywhere: cell → text
    iterations: int = 8

    def column(self, name: str) -> int:
        return self.first_column + int(self.counter) + COLUMNS.index(name)

    def row(self, k: int) -> int:
        return self.header_row + 1 + int(self.blank_after_header) + k

    def cell(self, name: str, k: int) -> str:
        return f"{get_column_letter(self.column(name))}{self.row(k)}"


def lr_cell(sheet: Sheet, k: int) -> str:
    text, row, column = sheet.lr_label
    if sheet.lr_list:
        return f"${get_column_letter(column)}${row + 1 + sheet.lr_list.index(sheet.lr)}"
    value_column = get_column_letter(column + sheet.lr_offset)
    if sheet.lr_drifts:
        return f"{value_column}{row + k - 1}"   # typed as relative in row 2, so it moves with the rows
    return f"${value_column}${row}"


def formula(sheet: Sheet, name: str, k: int) -> str | float:
    """The content of column ``name`` in data row ``k``."""
    start = dict(START, t1=sheet.targets[0], t2=sheet.targets[1], i1=sheet.inputs[0], i2=sheet.inputs[1])
    template, since = sheet.extra[1] if name == "extra" else None, 0
    template, since = sheet.slips.get(name, (template, since))
    if template is None or k < since:
        if name in ("t1", "t2", "i1", "i2") or (k == 0 and name.startswith("w")):
            return start[name]
        template = UPDATE.format(name, name[1]) if name.startswith("w") else FORMULAS[name]
    template = template.replace("{b1}", sheet.biases[0]).replace("{b2}", sheet.biases[1])

    def reference(match) -> str:
        target, above = match.group(1), match.group(2)
        if target == "lr":
            return lr_cell(sheet, k)
        return f"{get_column_letter(sheet.column(target))}{sheet.row(k - 1 if above else k)}"
    return re.sub(r"\[(\w+)(')?\]", reference, template)


def write(sheet: Sheet, ws) -> None:
    """Fill the openpyxl worksheet ``ws`` with ``sheet``."""
    ws.title = sheet.title
    ws.cell(1, 1, f"Backpropagation by hand: {sheet.title}")
    text, row, column = sheet.lr_label or (None, 0, 0)
    if text:
        ws.cell(row, column, text)
        if sheet.lr_list:
            for i, value in enumerate(sheet.lr_list):
                ws.cell(row + 1 + i, column, value)
        else:
            ws.cell(row, column + sheet.lr_offset, sheet.lr)
    for cell, note in sheet.texts.items():
        ws[cell] = note
    for name, (value, r, c) in sheet.labels.items():
        ws.cell(r, c, f"{name} =")
        ws.cell(r, c + 1, value)
    if sheet.counter:
        ws.cell(sheet.header_row, sheet.first_column, "step")
    for name in COLUMNS:
        ws.cell(sheet.header_row, sheet.column(name), sheet.headers.get(name, name))
    after = sheet.column(COLUMNS[-1]) + 1
    if sheet.extra:
        ws.cell(sheet.header_row, after, sheet.extra[0])
    for k in range(sheet.iterations):
        if sheet.counter:
            ws.cell(sheet.row(k), sheet.first_column, k + 1)
        for name in COLUMNS:
            ws.cell(sheet.row(k), sheet.column(name), formula(sheet, name, k))
        if sheet.extra:
            ws.cell(sheet.row(k), after, formula(sheet, "extra", k))


# The slips of the issue, each on its own sheet, and sheets that are right in unusual layouts.
SHEETS = [
    Sheet("correct", headers=STUDENT, counter=True, first_column=2, blank_after_header=True, header_row=6,
          extra=("check", "=[E_total]*2")),
    Sheet("hidden unit", headers=LECTURE, lr_label=("Learning_rate", 1, 36), lr_list=(0.1, 0.5, 1.0),
          slips={"dw3": (f"=({HIDDEN.format('w6', 'w8')})*[a_h1]*(1-[a_h1])*[i1]", 0)}),
    Sheet("target", headers=NOTES, lr_label=("η =", 2, 36),
          slips={"dw5": ("=([a_o1]-[i1])*[a_o1]*(1-[a_o1])*[a_h1]", 2)}),
    Sheet("parentheses", headers=STUDENT, lr=1.0,
          slips={"dw7": ("=[a_o2]-[t2]*[a_o2]*(1-[a_o2])*[a_h1]", 0)}),
    Sheet("swapped", headers=LECTURE, slips={"o1": ("=[a_h1]*[w6]+[a_h2]*[w5]", 0)}),
    Sheet("drift", headers=NOTES, lr_label=("eta", 2, 36), lr_drifts=True, header_row=4),
    Sheet("biases", headers=BLOG, biases=("+$B$2", "+$B$3"), labels={"b1": (0.35, 2, 1), "b2": (0.60, 3, 1)},
          lr_label=("lr", 2, 8)),
    Sheet("half", headers={"E_total": "E_total"}, targets=(0.5, 0.5), biases=("+0.35", "+0.6"),
          lr_label=("η", 3, 36), lr=2.0),
    # The rate typed relative, drifting onto a note: every update of the third row is #VALUE!.
    Sheet("drift onto text", lr_drifts=True, texts={"I3": "(try 0.1 to 2)"}),
    # A slip that barely moves anything: e typed as 2.718281 from the fourth row on (a_h2 off by 1e-8).
    Sheet("rounded e", slips={"a_h2": ("=1/(1+2.718281^(-[h2]))", 3)}),
]

# What verify must report on each sheet: (cell, quantity) of each finding, and words of the diagnosis
# (None: no usual slip reproduces it).
EXPECTED = {
    "correct": [],
    "hidden unit": [("Z6", "∂E/∂w3", "slope of the wrong hidden unit")],
    "target": [("AB8", "∂E/∂w5", "the input i1 where the target t1 belongs")],
    "parentheses": [("AD6", "∂E/∂w7", "missing parentheses around a_o2 − t2")],
    "swapped": [("Q6", "o1", "w5 and w6 swapped")],
    "drift": [("E7", "η", "drifts down the rows")],
    "biases": [],
    "half": [],
    "drift onto text": [("E8", "η", "drift")],
    "rounded e": [("L9", "a_h2", None)],
}


def write_workbook(path, sheets=None) -> None:
    """Every sheet of ``sheets`` (default: all) into one workbook of formulas, as openpyxl writes it:
    no cached values."""
    import openpyxl

    workbook = openpyxl.Workbook()
    for i, sheet in enumerate(sheets or SHEETS):
        write(sheet, workbook.active if i == 0 else workbook.create_sheet())
    workbook.save(path)


def general(value: float, width: int = 8) -> float:
    """``value`` as Excel's General format shows it in a cell ``width`` characters wide (and a copy
    pasted as shown keeps it): as many decimals as fit, scientific below 0.0001, so 0.5068745668 →
    0.506875 and 9.224886e-05 → 9.22e-05: three to nine significant digits down one sheet.

    >>> general(0.5068745668), general(-0.0082216), general(9.224886e-05), general(0.05)
    (0.506875, -0.00822, 9.22e-05, 0.05)
    """
    if not value:
        return value
    if abs(value) >= 1e-4:
        for decimals in range(width, -1, -1):
            text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
            if len(text) <= width:
                return float(text)
    for mantissa in range(width, -1, -1):
        text = f"{value:.{mantissa}E}"
        if len(text) <= width:
            return float(text)
    return value


def values_copy(source, target, digits: int = 10, edit=None, shown=None) -> None:
    """A values-only copy of ``source`` (which must carry cached values), numbers rounded to ``digits``
    significant digits as many hand-made sheets store them, or as ``shown(value)`` shows them;
    ``edit(title, cell, value)`` may change one."""
    import openpyxl

    values = openpyxl.load_workbook(source, data_only=True)
    out = openpyxl.Workbook()
    out.remove(out.active)
    for ws in values.worksheets:
        copy = out.create_sheet(ws.title)
        for cell in ws._cells.values():
            value = cell.value
            if isinstance(value, float):
                value = shown(value) if shown else float(f"{value:.{digits}g}")
            if edit:
                value = edit(ws.title, cell.coordinate, value)
            if value is not None:
                copy.cell(cell.row, cell.column, value)
    out.save(target)
