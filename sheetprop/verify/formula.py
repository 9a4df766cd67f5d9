"""Enough of Excel's formula language to read a hand-made sheet: formulas become Python source.

Cell references are handed to a resolver, which decides what each one stands for (a quantity of
this row or the row above, a parameter, a constant), so one formula can be evaluated on any values.

>>> to_python("=(R66-A66)*R66*(1-R66)*J66", lambda ref: ref.text)
'((((R66 - A66) * R66) * (1 - R66)) * J66)'
>>> to_python("=-E5^2+EXP(-$B$2)%", lambda ref: ref.text)
'(_power((-E5), 2) + (_exp((-$B$2)) / 100))'
>>> [ref.text for ref in references("=E66-$I$64*X66")], references("=E66-$I$64*X66")[1].row_absolute
(['E66', '$I$64', 'X66'], True)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable

from openpyxl.utils import column_index_from_string, get_column_letter

from sheetprop.functions import FUNCTIONS

_ln, _sqrt, _exp, _max, _sign = (FUNCTIONS[name].runtime for name in ("ln", "sqrt", "exp", "max", "sign"))

MAX_LENGTH = 8192       # Excel's own limit on a formula's length
MAX_RANGE = 10_000      # cells of one range spelled out; =SUM(A1:XFD1048576) would be 17 billion


class FormulaError(ValueError):
    """A formula uses something this reader does not understand (text, an unknown function)."""


@dataclass(frozen=True)
class Ref:
    """One cell reference as written: ``$I$64`` is column 9, row 64, both absolute."""

    text: str
    sheet: str | None
    column: int
    row: int
    column_absolute: bool
    row_absolute: bool


_TOKENS = re.compile(r"""
    (?P<space>\s+)
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)(?![\w(])
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<name>[A-Za-z_\\][\w.]*)
  | (?P<op><>|<=|>=|[-+*/^&=<>%(),;])
  | (?P<other>.)
""", re.VERBOSE)
_CELL = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)(\d+)")
# Excel's binary operators, loosest first; all of them associate to the left (2^3^2 is 64).
_BINARY = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "+": 3, "-": 3, "*": 4, "/": 4, "^": 5}
_PYTHON_OPERATORS = {"=": "==", "<>": "!="}


def _safe(function):
    def call(*args):
        try:
            return function(*args)
        except (OverflowError, ValueError, ZeroDivisionError):
            return math.nan
    return call


def _flat(args):
    for arg in args:
        if isinstance(arg, list):
            yield from _flat(arg)
        else:
            yield arg


# LN, SQRT, EXP, MAX, SIGN and TANH are the engine's own (LN(0) is -inf there and #NUM! in a spreadsheet:
# neither is a number a cell can agree with). POWER is not the engine's _pow, which is Python's **:
# (-8)^(1/3) is a complex number there and #NUM! here, and 9^99999999 of two integers would never finish.
NAMESPACE = {
    "_exp": _exp, "_ln": _ln, "_log10": _safe(math.log10),
    "_log": _safe(lambda x, base=10: math.log(x, base)), "_sqrt": _sqrt,
    "_power": _safe(math.pow), "_tanh": math.tanh, "_abs": abs, "_sign": _sign,
    "_sum": lambda *a: math.fsum(_flat(a)), "_product": lambda *a: math.prod(_flat(a)),
    "_max": _max, "_min": lambda *a: min(_flat(a)),
    "_average": lambda *a: (lambda v: math.fsum(v) / len(v))(list(_flat(a))),
    "_sumproduct": lambda x, y: math.fsum(p * q for p, q in zip(_flat([x]), _flat([y]))),
}
_FUNCTIONS = {name[1:].upper(): name for name in NAMESPACE}


# Google Sheets exports a formula Excel lacks a function for as IFERROR(__xludf.DUMMYFUNCTION("…"), cached):
# the text is the formula as typed (quotes doubled), the second argument the value it showed.
_GOOGLE = re.compile(r'=?\s*(?:IFERROR\(\s*)?__xludf\.DUMMYFUNCTION\(\s*"((?:[^"]|"")*)"\s*\)\s*(?:,.*\))?\s*',
                     re.IGNORECASE | re.DOTALL)


def unwrap(formula: str) -> str:
    """A Google Sheets export's formula as it was typed; any other formula as it is.

    >>> unwrap('=IFERROR(__xludf.DUMMYFUNCTION("1/(1+EXP(-L41))"),0.5068745668)')
    '=1/(1+EXP(-L41))'
    >>> unwrap('=IFERROR(__xludf.DUMMYFUNCTION("IF(A1=""x"",1,2)"),1)'), unwrap("=A1*2")
    ('=IF(A1="x",1,2)', '=A1*2')
    """
    if len(formula) > MAX_LENGTH:
        return formula  # refused where it is read
    match = _GOOGLE.fullmatch(formula)
    if not match:
        return formula
    return "=" + match[1].replace('""', '"').lstrip("=")


def references(formula: str) -> list[Ref]:
    """Every cell a formula refers to, ranges spelled out cell by cell."""
    found = []
    for kind, text in _tokens(formula):
        if kind == "ref":
            found.extend(_cells(text))
    return found


def renamed(formula: str, name: Callable[[Ref], str]) -> str:
    """The formula as typed, each reference replaced by ``name(ref)``.

    >>> renamed("=1/(1+EXP(-$K9))", lambda ref: "h2")
    '1/(1+EXP(-h2))'
    """
    parts = []
    for kind, text in _tokens(formula):
        parts.append(":".join(name(ref) for ref in _cells(text)) if kind == "ref" else text)
    return "".join(parts)


def to_python(formula: str, resolve: Callable[[Ref], str],
              resolve_name: Callable[[str], str] | None = None) -> str:
    """Python source computing ``formula``; ``resolve`` gives the source for each cell reference."""
    parser = _Parser(list(_tokens(formula)), resolve, resolve_name)
    try:
        source = parser.expression(0)
    except RecursionError:
        raise FormulaError("the formula is nested too deeply to read") from None
    if parser.peek() is not None:
        raise FormulaError(f"cannot read {formula!r} past {parser.peek()[1]!r}")
    return source


def _tokens(formula: str):
    if len(formula) > MAX_LENGTH:
        raise FormulaError(f"a formula of {len(formula):,} characters, longer than a spreadsheet allows")
    for match in _TOKENS.finditer(unwrap(formula).lstrip("=")):
        kind = match.lastgroup
        if kind == "other":
            raise FormulaError(f"cannot read {match.group()!r} in {formula!r}")
        if kind != "space":
            yield kind, match.group()


def _cells(text: str) -> list[Ref]:
    sheet, _, span = text.rpartition("!")
    sheet = sheet.strip("'").replace("''", "'") or None
    corners = [_CELL.fullmatch(part).groups() for part in span.split(":")]
    refs = [Ref(f"{a}{c}{b}{r}", sheet, column_index_from_string(c.upper()), int(r), a == "$", b == "$")
            for a, c, b, r in corners]
    if len(refs) == 1:
        return refs
    first, last = refs
    if (abs(last.row - first.row) + 1) * (abs(last.column - first.column) + 1) > MAX_RANGE:
        raise FormulaError(f"the range {text} spans over {MAX_RANGE:,} cells")
    return [Ref(f"{get_column_letter(column)}{row}", sheet, column, row, first.column_absolute, first.row_absolute)
            for row in range(first.row, last.row + 1) for column in range(first.column, last.column + 1)]


class _Parser:
    """Precedence climbing over the tokens, writing fully bracketed Python as it goes."""

    def __init__(self, tokens, resolve, resolve_name):
        self.tokens, self.at = tokens, 0
        self.resolve, self.resolve_name = resolve, resolve_name

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None):
        token = self.peek()
        if token is None or (expected and token[1] != expected):
            raise FormulaError(f"expected {expected or 'more'} in the formula")
        self.at += 1
        return token

    def expression(self, loosest: int) -> str:
        left = self.unary()
        while (token := self.peek()) and token[0] == "op" and _BINARY.get(token[1], -1) >= loosest:
            operator = self.take()[1]
            right = self.expression(_BINARY[operator] + 1)
            if operator == "^":
                # POWER, as the spreadsheet computes it: Python's 9**99999999 (integers) would never
                # finish, and (-8)**(1/3) is a complex number.
                left = f"_power({left}, {right})"
            else:
                left = f"({left} {_PYTHON_OPERATORS.get(operator, operator)} {right})"
        return left

    def unary(self) -> str:
        # Excel's negation binds tighter than ^: -2^2 is 4.
        token = self.peek()
        if token and token[1] in "-+" and token[0] == "op":
            self.take()
            inner = self.unary()
            return f"(-{inner})" if token[1] == "-" else inner
        value = self.primary()
        while (token := self.peek()) and token[1] == "%":
            self.take()
            value = f"({value} / 100)"
        return value

    def primary(self) -> str:
        kind, text = self.take()
        if kind == "number":
            return text
        if kind == "ref":
            cells = [self.resolve(ref) for ref in _cells(text)]
            return cells[0] if len(cells) == 1 else "[" + ", ".join(cells) + "]"
        if kind == "name":
            if (token := self.peek()) and token[1] == "(":
                return self.call(text.upper())
            if text.upper() in ("TRUE", "FALSE"):
                return text.capitalize()
            if self.resolve_name:
                return self.resolve_name(text)
            raise FormulaError(f"unknown name {text!r}")
        if text == "(":
            inner = self.expression(0)
            self.take(")")
            return inner
        raise FormulaError(f"unexpected {text!r}")

    def call(self, name: str) -> str:
        self.take("(")
        args = []
        while (token := self.peek()) and token[1] != ")":
            args.append(self.expression(0))
            if (token := self.peek()) and token[1] in ",;":
                self.take()
        self.take(")")
        if name == "IF" and len(args) in (2, 3):
            otherwise = args[2] if len(args) == 3 else "False"
            return f"({args[1]} if {args[0]} else {otherwise})"
        name = name.removeprefix("_XLFN.")
        if name not in _FUNCTIONS:
            raise FormulaError(f"unknown function {name}")
        return f"{_FUNCTIONS[name]}({', '.join(args)})"
