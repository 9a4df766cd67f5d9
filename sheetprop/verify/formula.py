"""Enough of Excel's formula language to read a hand-made sheet: a formula becomes an expression tree.

Cell references are handed to a resolver, which decides what each one stands for (a quantity of this row
or the row above, a parameter, a constant): the formula becomes an expression in the graph's own terms,
evaluated and compared like the definitions. Spreadsheet functions are sheetprop.functions' records.

>>> from sheetprop.dialects import render
>>> render(read("=(R66-A66)*R66*(1-R66)*J66", lambda ref: Sym(ref.text)), "math")
'(R66 − A66)·R66·(1 − R66)·J66'
>>> read("=-E5^2+EXP(-$B$2)%", lambda ref: Sym(ref.text))
Op(op='+', args=(Op(op='^', args=(Op(op='neg', args=(Sym(name='E5', prev=False),)), Num(value=2.0))), Op(op='/', args=(Fn(name='exp', arg=Op(op='neg', args=(Sym(name='$B$2', prev=False),))), Num(value=100.0)))))
>>> [ref.text for ref in references("=E66-$I$64*X66")], references("=E66-$I$64*X66")[1].row_absolute
(['E66', '$I$64', 'X66'], True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from openpyxl.utils import column_index_from_string, get_column_letter

from sheetprop.expr import Call, Expr, Fn, If, Num, Op, Sym, sum_of  # noqa: F401 (the doctests read Sym)
from sheetprop.functions import SPREADSHEET

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


MAX_NESTING = 64        # brackets and calls inside one another; Excel allows 64 levels of functions
_COMPARISONS = {"=": "=", "<": "<", ">": ">", "<>": "=", ">=": "<", "<=": ">"}  # the last three: negated


class _Negated:
    """A comparison a tree writes as the opposite one: a ≥ b is not a < b. Only IF reads it (its branches
    swapped); anywhere else a comparison is no number."""

    def __init__(self, test: Expr):
        self.test = test


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


def read(formula: str, resolve: Callable[[Ref], Expr], resolve_name: Callable[[str], Expr] | None = None) -> Expr:
    """The expression tree ``formula`` computes; ``resolve`` gives the node each cell reference stands for,
    ``resolve_name`` the node of a defined name. Raises FormulaError on what it cannot read."""
    return read_tokens(list(_tokens(formula)), resolve, resolve_name, formula)


def tokens(formula: str) -> list[tuple[str, str]]:
    """The formula's tokens (kind, text), spaces left out: what ``read_tokens`` reads."""
    return list(_tokens(formula))


def read_tokens(tokens: list, resolve: Callable[[Ref], Expr], resolve_name=None, formula: str = "") -> Expr:
    """The tree of a formula given as its tokens (a formula with a pair of brackets left out, say)."""
    parser = _Parser(tokens, resolve, resolve_name)
    tree = parser.expression(0)
    if parser.peek() is not None:
        raise FormulaError(f"cannot read {formula or 'the formula'!r} past {parser.peek()[1]!r}")
    if isinstance(tree, (_Negated, list)):
        raise FormulaError("the formula gives a truth value or a range, not a number")
    return tree


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
    """Precedence climbing over the tokens, building the tree as it goes. A chain of one operator (a + b + c)
    is one node of many arguments, computed from the left as the spreadsheet does: a long sum is wide, not
    deep."""

    def __init__(self, tokens, resolve, resolve_name):
        self.tokens, self.at, self.nesting = tokens, 0, 0
        self.resolve, self.resolve_name = resolve, resolve_name

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None):
        token = self.peek()
        if token is None or (expected and token[1] != expected):
            raise FormulaError(f"expected {expected or 'more'} in the formula")
        self.at += 1
        return token

    def expression(self, loosest: int):
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise FormulaError(f"the formula nests brackets or functions more than {MAX_NESTING} deep")
        left = self.unary()
        while (token := self.peek()) and token[0] == "op" and _BINARY.get(token[1], -1) >= loosest:
            operator = self.take()[1]
            right = self.expression(_BINARY[operator] + 1)
            if operator in _COMPARISONS:
                test = Op(_COMPARISONS[operator], (_number(left), _number(right)))
                left = _Negated(test) if operator in ("<>", ">=", "<=") else test
            elif operator in "+-*/" and isinstance(left, Op) and left.op == operator and left is not self.bracketed:
                left = Op(operator, (*left.args, _number(right)))
            else:
                left = Op(operator, (_number(left), _number(right)))
        self.nesting -= 1
        return left

    bracketed = None   # the last bracketed subexpression: (a + b) + c stays two nodes, as typed

    def unary(self):
        # Excel's negation binds tighter than ^: -2^2 is 4.
        token = self.peek()
        if token and token[1] in "-+" and token[0] == "op":
            self.take()
            inner = _number(self.unary())
            return Op("neg", (inner,)) if token[1] == "-" else inner
        value = self.primary()
        while (token := self.peek()) and token[1] == "%":
            self.take()
            value = Op("/", (_number(value), Num(100.0)))
        return value

    def primary(self):
        kind, text = self.take()
        if kind == "number":
            return Num(float(text))
        if kind == "ref":
            cells = [self.resolve(ref) for ref in _cells(text)]
            return cells[0] if len(cells) == 1 else cells
        if kind == "name":
            if (token := self.peek()) and token[1] == "(":
                return self.call(text.upper())
            if text.upper() in ("TRUE", "FALSE"):
                return Num(1.0 if text.upper() == "TRUE" else 0.0)
            if self.resolve_name:
                return self.resolve_name(text)
            raise FormulaError(f"unknown name {text!r}")
        if text == "(":
            inner = self.expression(0)
            self.take(")")
            self.bracketed = inner
            return inner
        raise FormulaError(f"unexpected {text!r}")

    def call(self, name: str):
        self.take("(")
        args = []
        while (token := self.peek()) and token[1] != ")":
            args.append(self.expression(0))
            if (token := self.peek()) and token[1] in ",;":
                self.take()
        self.take(")")
        return _function(name.removeprefix("_XLFN."), args)


def _number(node) -> Expr:
    """A node that computes a number: not a range, not a bare comparison of IF's."""
    if isinstance(node, list):
        raise FormulaError("a range where one value belongs")
    if isinstance(node, _Negated):
        raise FormulaError("a comparison where a number belongs")
    return node


def _spread(args: list) -> list[Expr]:
    """The values of a function's arguments, ranges spelled out."""
    found = []
    for arg in args:
        found.extend(arg if isinstance(arg, list) else [_number(arg)])
    return found


def _function(name: str, args: list) -> Expr:
    """A spreadsheet function applied: a record of sheetprop.functions, or arithmetic a formula spells with
    a function's name (IF, POWER, SUM, PRODUCT, AVERAGE, SUMPRODUCT)."""
    if name == "IF" and len(args) in (2, 3):
        test, then = args[0], _number(args[1])
        otherwise = _number(args[2]) if len(args) == 3 else Num(0.0)   # IF without else: FALSE, 0
        if not isinstance(test, _Negated) and not (isinstance(test, Op) and test.op in ("<", ">", "=")):
            test = _Negated(Op("=", (_number(test), Num(0.0))))   # a number is true where it is not 0
        if isinstance(test, _Negated):
            return If(test.test, otherwise, then)
        return If(test, then, otherwise)
    if name == "POWER" and len(args) == 2:
        return Op("^", (_number(args[0]), _number(args[1])))
    if name in ("SUM", "PRODUCT", "AVERAGE") and args:
        values = _spread(args)
        if name == "PRODUCT":
            return values[0] if len(values) == 1 else Op("*", tuple(values))
        total = sum_of(values)
        return total if name == "SUM" else Op("/", (total, Num(float(len(values)))))
    if name == "SUMPRODUCT" and len(args) == 2 and all(isinstance(a, list) for a in args) \
            and len(args[0]) == len(args[1]):
        return sum_of([x * y for x, y in zip(args[0], args[1])])
    record = SPREADSHEET.get(name)
    if record is None:
        raise FormulaError(f"unknown function {name}")
    values = _spread(args)
    if record.arguments == 1 and len(values) == 1:
        return Fn(record.name, values[0])
    if record.arguments is not None and len(values) != record.arguments:
        raise FormulaError(f"{name} takes {record.arguments} values, not {len(values)}")
    return Call(record.name, tuple(values))
