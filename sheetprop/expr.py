"""A tiny expression language: the trees every quantity of the worked example is defined as.

The same tree renders to every dialect (``sheetprop.dialects``): a spreadsheet formula, Python for the
engine, JavaScript for the page, plain math and MathML for people; and it is evaluated on a sheet's own
cells by verify. This module holds the nodes and the walks that do not depend on a dialect (it imports
nothing of sheetprop's: the dialects, the functions and the legend build on it).

>>> from sheetprop.dialects import render
>>> a, t = Sym("a_o1"), Sym("t1")
>>> render(a - t, "math")
'a_o1 − t1'
>>> sorted(s.name for s in symbols(Param("lr") * (a - t)))
['a_o1', 'lr', 't1']

Besides arithmetic, a tree can compare, choose and search, which is how the comparison of runs is
defined (``sheetprop.compare``): ``If``, the comparisons ``<``, ``>``, ``=`` (``less``, ``greater``,
``equal``), ``Text``, ``Nothing``, and over a sequence of values ``Item``, ``FirstWhere`` and ``ArgMin``.

>>> render(If(equal(Sym("status"), Text("diverging")), Nothing(), Sym("rise")), "math")
'(none if status = “diverging”, else rise)'
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, fields
from typing import Callable

class Expr:
    """Base of the expression tree; operators build new nodes."""

    def __add__(self, other): return Op("+", (self, _wrap(other)))
    def __radd__(self, other): return Op("+", (_wrap(other), self))
    def __sub__(self, other): return Op("-", (self, _wrap(other)))
    def __rsub__(self, other): return Op("-", (_wrap(other), self))
    def __mul__(self, other): return Op("*", (self, _wrap(other)))
    def __rmul__(self, other): return Op("*", (_wrap(other), self))
    def __truediv__(self, other): return Op("/", (self, _wrap(other)))
    def __rtruediv__(self, other): return Op("/", (_wrap(other), self))
    def __pow__(self, other): return Op("^", (self, _wrap(other)))
    def __neg__(self): return Op("neg", (self,))


@dataclass(frozen=True, eq=True)
class Num(Expr):
    """A literal number."""

    value: float


@dataclass(frozen=True, eq=True)
class Sym(Expr):
    """Another quantity of this row, or of the previous row when ``prev`` is set."""

    name: str
    prev: bool = False


@dataclass(frozen=True, eq=True)
class Param(Expr):
    """A labelled parameter cell (input, target, initial weight, learning rate)."""

    name: str


@dataclass(frozen=True, eq=True)
class Op(Expr):
    """An arithmetic operation: + - * / ^ (binary, n-ary for + and *) or neg (unary)."""

    op: str
    args: tuple


@dataclass(frozen=True, eq=True)
class Fn(Expr):
    """A function of sheetprop.functions.FUNCTIONS, applied to one argument."""

    name: str
    arg: Expr


@dataclass(frozen=True, eq=True)
class Cycle(Expr):
    """One of ``options`` in turn: the first on iteration 1, the second on iteration 2, and round again.

    Mini-batches use it: each iteration takes the mean gradient of the next batch of examples.
    """

    counter: Expr
    options: tuple


@dataclass(frozen=True, eq=True)
class Numeral(Expr):
    """A value shown to ``digits`` significant digits: a number put in for a name in a worked equation."""

    value: float
    digits: int


@dataclass(frozen=True, eq=True)
class Text(Expr):
    """A word as a value: a run's status, or what a cell shows when it holds no number."""

    value: str


@dataclass(frozen=True, eq=True)
class Nothing(Expr):
    """No value: what a search that finds nothing gives (None in Python, null in JavaScript, #N/A in a
    spreadsheet)."""


@dataclass(frozen=True, eq=True)
class If(Expr):
    """``then`` where ``test`` holds, else ``otherwise``; only the branch taken is computed."""

    test: Expr
    then: Expr
    otherwise: Expr


@dataclass(frozen=True, eq=True)
class Otherwise(Expr):
    """``value``, or ``fallback`` where it has none (Nothing, a value that is no number: an error in a
    spreadsheet)."""

    value: Expr
    fallback: Expr


@dataclass(frozen=True, eq=True)
class Item(Expr):
    """The item of a sequence at a position counted from 1; a negative position counts from the end."""

    seq: Expr
    index: Expr


@dataclass(frozen=True, eq=True)
class FirstWhere(Expr):
    """The first position (from 1) in ``seq`` whose item, ``ITEM`` in ``test``, makes ``test`` hold; or
    Nothing. Where ``test`` names ``FOLLOWING`` too (the item after), each item but the last is tested
    with the one after it: a step. An item that is no number (an error in a spreadsheet) never passes."""

    seq: Expr
    test: Expr


@dataclass(frozen=True, eq=True)
class ArgMin(Expr):
    """The position (from 1) of the lowest number among ``values``, the first of equals; what is no
    number is passed over; Nothing where no value is a number."""

    values: Expr


@dataclass(frozen=True, eq=True)
class Call(Expr):
    """A helper of the dialects' runtimes applied to several arguments: printing a number (``mantissa``,
    ``superscript``, ``join`` …; see ``sheetprop.dialects.PRINTING``)."""

    name: str
    args: tuple


ITEM, FOLLOWING = Sym("item"), Sym("following")  # the item FirstWhere tests, and the one after it
_COMPOUND = (If, Otherwise, Item, FirstWhere, ArgMin, Call)

def _wrap(value) -> Expr:
    return value if isinstance(value, Expr) else Num(float(value))


def less(a, b) -> Expr:
    """``a < b``: the comparison as a node (Python's ``<`` on nodes stays the dataclass's own)."""
    return Op("<", (_wrap(a), _wrap(b)))


def greater(a, b) -> Expr:
    """``a > b``."""
    return Op(">", (_wrap(a), _wrap(b)))


def equal(a, b) -> Expr:
    """``a = b``."""
    return Op("=", (_wrap(a), _wrap(b)))


def sum_of(terms) -> Expr:
    """The sum of several expressions as one n-ary node (a single term stays as it is).

    >>> from sheetprop.dialects import render
    >>> render(sum_of([Sym("x"), Sym("y"), Sym("z")]), "math")
    'x + y + z'
    """
    terms = tuple(terms)
    return terms[0] if len(terms) == 1 else Op("+", terms)


def symbols(expr: Expr):
    """Yield every Sym and Param the expression refers to.

    >>> sorted(s.name for s in symbols(Sym("a") * Param("lr")))
    ['a', 'lr']
    """
    if isinstance(expr, (Sym, Param)):
        yield expr
    elif isinstance(expr, Op):
        for arg in expr.args:
            yield from symbols(arg)
    elif isinstance(expr, Fn):
        yield from symbols(expr.arg)
    elif isinstance(expr, Cycle):
        for arg in (expr.counter, *expr.options):
            yield from symbols(arg)
    elif isinstance(expr, _COMPOUND):
        for arg in _parts(expr):
            yield from symbols(arg)


def size(expr: Expr, leaf: Callable[[Expr], int] | None = None) -> int:
    """How many nodes ``expr`` has; ``leaf`` may count a Sym or Param as a whole subtree.

    >>> size(Op("*", (Sym("a"), Num(2.0))))
    3
    >>> size(Op("*", (Sym("a"), Num(2.0))), lambda node: 5 if node == Sym("a") else 1)
    7
    """
    if isinstance(expr, Op):
        return 1 + sum(size(arg, leaf) for arg in expr.args)
    if isinstance(expr, Fn):
        return 1 + size(expr.arg, leaf)
    if isinstance(expr, Cycle):
        return 1 + size(expr.counter, leaf) + sum(size(o, leaf) for o in expr.options)
    if isinstance(expr, _COMPOUND):
        return 1 + sum(size(arg, leaf) for arg in _parts(expr))
    if leaf is not None and isinstance(expr, (Sym, Param)):
        return leaf(expr)
    return 1


def substitute(expr: Expr, replace: Callable[[Expr], Expr | None], *, every_node: bool = False) -> Expr:
    """Rebuild ``expr`` with each Sym/Param node for which ``replace`` gives an expression swapped out.

    With ``every_node``, ``replace`` is offered every node, each once, outermost first and left to right
    (the inside of a node it replaces is not offered):

    >>> from sheetprop.dialects import render
    >>> a, b = Sym("a"), Sym("b")
    >>> render(substitute((a - b) * a, lambda node: b - a if node == a - b else None, every_node=True), "math")
    '(b − a)·a'
    """
    if every_node:
        new = replace(expr)
        if new is not None:
            return new
    if isinstance(expr, (Sym, Param)):
        return expr if every_node else (replace(expr) or expr)
    if isinstance(expr, Op):
        return Op(expr.op, tuple(substitute(arg, replace, every_node=every_node) for arg in expr.args))
    if isinstance(expr, Fn):
        return Fn(expr.name, substitute(expr.arg, replace, every_node=every_node))
    if isinstance(expr, Cycle):
        return Cycle(substitute(expr.counter, replace, every_node=every_node),
                     tuple(substitute(o, replace, every_node=every_node) for o in expr.options))
    if isinstance(expr, Call):
        return Call(expr.name, tuple(substitute(arg, replace, every_node=every_node) for arg in expr.args))
    if isinstance(expr, _COMPOUND):
        return type(expr)(*(substitute(arg, replace, every_node=every_node) for arg in _parts(expr)))
    return expr


def _parts(expr: Expr) -> tuple:
    """The subtrees of a compound node, in its fields' order."""
    return expr.args if isinstance(expr, Call) else tuple(getattr(expr, f.name) for f in fields(expr))


def fold(expr: Expr) -> Expr:
    """``expr`` with every choice between known numbers made: an If whose test compares two numbers
    becomes the branch it takes (a definition with a count put in, say).

    >>> fold(If(equal(Num(1), Num(1)), Text("one"), Sym("x")))
    Text(value='one')
    """
    def choose(node):
        if isinstance(node, If):
            test = fold(node.test)
            if isinstance(test, Op) and test.op in _COMPARE and all(isinstance(a, Num) for a in test.args):
                return fold(node.then if _COMPARE[test.op](*(a.value for a in test.args)) else node.otherwise)
        return None
    return substitute(expr, choose, every_node=True)


def one_item(expr: Expr, seq: Expr) -> Expr:
    """``expr`` for a sequence ``seq`` known to hold one item: a search over it becomes a test of that item
    (Gnumeric's MATCH refuses a range of one cell), and one item makes no step.

    >>> from sheetprop.dialects import render
    >>> render(one_item(FirstWhere(Sym("L"), less(ITEM, Sym("t"))), Sym("L")), "math")
    '(1 if L[1] < t, else none)'
    """
    def searched(node):
        if isinstance(node, FirstWhere) and node.seq == seq:
            if FOLLOWING in set(symbols(node.test)):
                return Nothing()
            first = Item(seq, Num(1))
            return If(substitute(node.test, lambda leaf: first if leaf == ITEM else None), Num(1), Nothing())
        return None
    return substitute(expr, searched, every_node=True)


_COMPARE = {"<": operator.lt, ">": operator.gt, "=": operator.eq}

