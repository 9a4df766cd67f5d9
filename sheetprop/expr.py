"""A tiny expression language: one definition, three renderings.

Every quantity of the worked example is one expression. The same tree renders to
- a spreadsheet formula (``excel``): cell references come from the layout,
- Python source (``python``): the engine compiles it, so the numbers are those formulas',
- math text (``math``): column notes and walkthroughs, in the lecture's notation.

>>> a, t = Sym("a_o1"), Sym("t1")
>>> render(a - t, "math")
'a_o1 − t1'
>>> render(Num(0.5) * (t - a) ** 2, "excel", lambda node: {"t1": "B6", "a_o1": "R6"}[node.name])
'0.5*(B6-R6)^2'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

DIALECTS = ("excel", "python", "math")

# Precedence: higher binds tighter.
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "^": 4}
_SYMBOLS = {
    "excel": {"+": "+", "-": "-", "*": "*", "/": "/", "^": "^", "neg": "-"},
    "python": {"+": " + ", "-": " - ", "*": "*", "/": "/", "^": "**", "neg": "-"},
    "math": {"+": " + ", "-": " − ", "*": "·", "/": "/", "^": "", "neg": "−"},
}
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


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
    """A named function from FUNCTIONS, applied to one argument."""

    name: str
    arg: Expr


@dataclass(frozen=True, eq=True)
class Cycle(Expr):
    """One of ``options`` in turn: the first on iteration 1, the second on iteration 2, and round again.

    Mini-batches use it: each iteration takes the mean gradient of the next batch of examples.
    """

    counter: Expr
    options: tuple


@dataclass(frozen=True)
class Function:
    """How one function reads in each dialect; ``{0}`` is its rendered argument."""

    excel: str
    python: str
    math: str


# The sigmoid formula branches on the sign so that EXP never overflows (EXP(710) is #NUM!).
FUNCTIONS = {
    "sigmoid": Function(
        excel="IF({0}>=0,1/(1+EXP(-{0})),EXP({0})/(1+EXP({0})))",
        python="_sigmoid({0})",
        math="σ({0})",
    ),
    "tanh": Function(excel="TANH({0})", python="_tanh({0})", math="tanh({0})"),
    "relu": Function(excel="MAX(0,{0})", python="_relu({0})", math="max(0, {0})"),
    "step": Function(excel="IF({0}>0,1,0)", python="_step({0})", math="[{0} > 0]"),
    "ln": Function(excel="LN({0})", python="_ln({0})", math="ln({0})"),
}


def _wrap(value) -> Expr:
    return value if isinstance(value, Expr) else Num(float(value))


def sum_of(terms) -> Expr:
    """The sum of several expressions as one n-ary node (a single term stays as it is).

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
    if leaf is not None and isinstance(expr, (Sym, Param)):
        return leaf(expr)
    return 1


def substitute(expr: Expr, replace: Callable[[Expr], Expr | None], *, every_node: bool = False) -> Expr:
    """Rebuild ``expr`` with each Sym/Param node for which ``replace`` gives an expression swapped out.

    With ``every_node``, ``replace`` is offered every node, each once, outermost first and left to right
    (the inside of a node it replaces is not offered):

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
    return expr


def render(expr: Expr, dialect: str, resolve: Callable[[Expr], str] | None = None) -> str:
    """Render ``expr`` in one dialect; ``resolve`` turns a Sym or Param into text (default: its name)."""
    resolve = resolve or (lambda node: node.name)
    return _render(expr, dialect, resolve, 0)


def _render(expr: Expr, dialect: str, resolve, outer: int) -> str:
    if isinstance(expr, (Sym, Param)):
        return resolve(expr)
    if isinstance(expr, Num):
        return _number(expr.value, dialect, outer)
    if isinstance(expr, Fn):
        template = getattr(FUNCTIONS[expr.name], dialect)
        return template.format(_render(expr.arg, dialect, resolve, 0))
    if isinstance(expr, Cycle):
        return _render_cycle(expr, dialect, resolve)
    precedence = _PRECEDENCE[expr.op]
    symbol = _SYMBOLS[dialect][expr.op]
    if expr.op == "neg":
        text = symbol + _render(expr.args[0], dialect, resolve, precedence + 1)
    elif expr.op == "^" and dialect == "python":
        # Python's float ** raises OverflowError where a spreadsheet shows an error value: go through _pow.
        return f"_pow({_render(expr.args[0], dialect, resolve, 0)}, {_render(expr.args[1], dialect, resolve, 0)})"
    elif expr.op == "/" and dialect == "python" and not all(isinstance(a, Num) for a in expr.args[1:]):
        # Likewise x/0 raises ZeroDivisionError: go through _div, which gives ±inf or nan.
        text = _render(expr.args[0], dialect, resolve, 0)
        for arg in expr.args[1:]:
            text = f"_div({text}, {_render(arg, dialect, resolve, 0)})"
        return text
    elif expr.op == "^":
        base = _render(expr.args[0], dialect, resolve, precedence + 1)
        exponent = expr.args[1]
        if dialect == "math" and isinstance(exponent, Num) and exponent.value == int(exponent.value):
            text = base + str(int(exponent.value)).translate(_SUPERSCRIPTS)
        else:
            text = base + symbol + _render(exponent, dialect, resolve, precedence + 1)
    else:
        first, *rest = expr.args
        parts = [_render(first, dialect, resolve, precedence)]
        for arg in rest:
            # The right operand of - and / needs brackets at equal precedence: a-(b-c).
            tighter = precedence + (expr.op in "-/")
            parts.append(_render(arg, dialect, resolve, tighter))
        text = parts[0]
        for part, before in zip(parts[1:], parts):
            # The lecture writes ½(t − a)², not ½·(t − a)².
            text += ("" if before == "½" else symbol) + part
    return f"({text})" if precedence < outer else text


def _render_cycle(expr: Cycle, dialect: str, resolve) -> str:
    counter = _render(expr.counter, dialect, resolve, _PRECEDENCE["-"])
    options = [_render(option, dialect, resolve, 0) for option in expr.options]
    n = len(options)
    if dialect == "excel":
        return f"CHOOSE(MOD({counter}-1,{n})+1,{','.join(options)})"
    if dialect == "python":
        return f"({', '.join(options)},)[int({counter} - 1) % {n}]"
    return f"{{{'; '.join(options)}}}[({counter} − 1) mod {n} + 1]"


def _number(value: float, dialect: str, outer: int) -> str:
    if dialect == "math":
        if value == 0.5:
            return "½"
        text = f"{value:g}"
    else:
        text = str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))
    if value < 0 and outer > 0:
        return f"({text})"
    return text
