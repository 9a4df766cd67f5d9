"""The walkthrough's building blocks, as plain data: headings, paragraphs, equations, tables, figures.

The Markdown and HTML renderers draw the same blocks; ``equation_sides`` gives an equation's math text.

>>> from sheetprop.expr import Sym
>>> equation = Equation("h1", (Sym("w1") * Sym("i1"),), Sym("w1") * Sym("i1"), 0.0075)
>>> equation_sides(equation, Document("demo", [equation], {"w1": 0.15, "i1": 0.05}))
('h1', ['w1·i1', '0.15·0.05', '0.0075'])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from sheetprop import legend
from sheetprop.compare import NEVER
from sheetprop.dialects import render
from sheetprop.expr import Expr, Numeral, Sym
from sheetprop.numerals import DIGITS, number

ELLIPSIS = Sym("…")


class Name(str):
    """A quantity's name inside a paragraph or table: set as math, not prose; or a family of them from
    ``first`` to ``last`` (``Name.span``), written 'w1 … w8'."""

    names: tuple[str, ...] = ()

    @classmethod
    def span(cls, first: str, last: str) -> "Name":
        name = cls(f"{first} … {last}")
        name.names = (first, last)
        return name


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Live:
    """A number or word in prose that the living page recomputes: ``text`` as printed, ``key`` what it is
    (``n:r1:E_total:3`` a value of iteration 1 to 3 digits, ``iterations``, ``change``; see page.js)."""

    text: str
    key: str


# The words of Live texts, which the living page rewrites after an edit (live.py puts them in its SPEC): how
# E_total moved from iteration 1 to 2 (``change``), and where η came from once it is edited (``which``).
LIVE_WORDS = {"down": "falls", "up": "rises", "edited": "the learning rate set above"}


@dataclass(frozen=True)
class Paragraph:
    """Prose; each part is text, a Live text, a Name, an expression or a Relation, the last three drawn as
    math. ``live`` names what the living page rewrites it from (``reading``: the comparison in words)."""

    parts: tuple
    live: str = ""


@dataclass(frozen=True)
class Relation:
    """Expressions joined by one sign, inline: ``o1 = w5·a_h1 + w6·a_h2``, ``w ← w − η·∂E/∂w``."""

    exprs: tuple
    sign: str = "="

    def text(self) -> str:
        return f" {self.sign} ".join(render(e, "math") for e in self.exprs)


@dataclass(frozen=True)
class Equation:
    """``name = form = form … = numbers = value``: the definition, its chain written out, the numbers, the result.

    ``numbers`` is one of the forms with every name replaced by its value; ``after`` marks a value after
    the update (printed w5⁺): the numbers put in for its names are the previous row's where the form reads
    the previous row, and the new row's elsewhere (an optimizer's state of this update).
    """

    name: str
    forms: tuple[Expr, ...]
    numbers: Expr | None
    value: float
    after: bool = False


@dataclass(frozen=True)
class Table:
    """Header and rows; a cell is text, a Name, an int (a count) or a float (printed to the document's digits).

    ``live`` says what the living page redraws it from: ``start`` (the starting values, its fields),
    ``after``, ``losses``, ``rates`` (the update and the comparison), ``family`` (a per-layer summary:
    ``members`` lists each row's quantities, read from iteration 1, or iteration 2 when ``after``).
    """

    header: tuple
    rows: tuple
    live: str = ""
    members: tuple = ()
    after: bool = False

    def numeric(self) -> list[bool]:
        """Which columns hold numbers (and the words of IN_NUMBERS), to be right-aligned."""
        return [all(_numeric(row[c]) for row in self.rows) for c in range(len(self.header))]


# Words that stand in a column of numbers, aligned as they are: a blank, no iteration below the threshold.
IN_NUMBERS = ("", NEVER)


def _numeric(cell) -> bool:
    return (isinstance(cell, (int, float)) and not isinstance(cell, bool)) or cell in IN_NUMBERS


@dataclass(frozen=True)
class Figure:
    kind: str  # "network" or "chart"
    caption: str


@dataclass
class Document:
    """The blocks in reading order, with iteration 1's values (and iteration 2's: ``after``) by name."""

    title: str
    blocks: list
    values: Mapping[str, float] = field(repr=False)
    digits: int = DIGITS
    after: Mapping[str, float] = field(default_factory=dict, repr=False)

    def runs(self):
        """The blocks in order, each run of consecutive Equations gathered into one list (set as one group).

        >>> x, y = Equation("x", (), None, 0.0), Equation("y", (), None, 1.0)
        >>> list(Document("t", [Heading(2, "a"), x, y, Paragraph(("b",))], {}).runs())[1] == [x, y]
        True
        """
        pending: list[Equation] = []
        for block in self.blocks:
            if isinstance(block, Equation):
                pending.append(block)
                continue
            if pending:
                yield pending
                pending = []
            yield block
        if pending:
            yield pending


# An equation longer than this, as text, puts each right-hand side on a line of its own.
WIDTH = 96


@dataclass(frozen=True)
class Side:
    """One right-hand side: its math text and what it is drawn from (a form, the numbers, or the value)."""

    text: str
    expr: Expr | None = None
    numbers: bool = False
    value: float | None = None


def equation_text(equation: Equation, document: Document) -> str:
    """One equation as a line of math text (see ``equation_sides`` for its parts)."""
    left, right = equation_sides(equation, document)
    return " = ".join([left, *right])


def equation_sides(equation: Equation, document: Document) -> tuple[str, list[str]]:
    """The left-hand side and each right-hand side as math text, repeated ones dropped."""
    return left_side(equation), [side.text for side in right_sides(equation, document)]


def left_side(equation: Equation) -> str:
    return legend.math(equation.name, after=equation.after)


def updates_this_row(equation: Equation, node) -> bool:
    """Whether ``node``, in one of ``equation``'s forms, is a value after the update (printed m_w5⁺): a
    quantity of the new row read by an update, such as an optimizer's state."""
    return equation.after and isinstance(node, Sym) and not node.prev


def numbers_of(equation: Equation, document: Document):
    """The resolver that puts each name's value in: a Numeral to the document's digits."""
    def resolve(node):
        values = document.after if equation.after and isinstance(node, Sym) and not node.prev else document.values
        return Numeral(values[node.name], document.digits) if node.name in values else None
    return resolve


def right_sides(equation: Equation, document: Document) -> list[Side]:
    """Each right-hand side in order, a form equal to the one before it dropped (a definition with no chain)."""
    def name(node) -> str:
        return legend.math(node.name, after=updates_this_row(equation, node))
    sides = [Side(render(form, "math", name), form) for form in equation.forms]
    if equation.numbers is not None:
        put_in = numbers_of(equation, document)
        text = render(equation.numbers, "math", lambda node: put_in(node) or render(node, "math"))
        sides.append(Side(text, equation.numbers, numbers=True))
    sides.append(Side(number(equation.value, document.digits), value=equation.value))
    return [side for i, side in enumerate(sides) if i == 0 or side.text != sides[i - 1].text]


def one_line(equation: Equation, document: Document) -> bool:
    """Short equations read best on one line; long ones with one right-hand side per line."""
    return len(equation_text(equation, document)) <= WIDTH
