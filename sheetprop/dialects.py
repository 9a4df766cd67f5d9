"""Every rendering of an expression tree: one walk of the tree, one small class per dialect.

- ``excel``: a spreadsheet formula (cell references come from the layout's resolver),
- ``python``: source the engine compiles, so its numbers are the formulas' own,
- ``js``: the same for the browser (float64 too),
- ``math``: plain-text math in the lecture's notation (notes, ``show``, the Markdown walkthrough),
- ``mathml``: the walkthrough page's math.

Precedence, brackets and the operator rules live in the walk (``Dialect``); a dialect only says how its
leaves, numbers and operators are spelled. Functions take their form from their record in
``sheetprop.functions``. Adding a dialect is adding a class here and a form to each function record.

>>> from sheetprop.expr import Num, Sym
>>> a, t = Sym("a_o1"), Sym("t1")
>>> render(Num(0.5) * (t - a) ** 2, "math")
'½(t1 − a_o1)²'
>>> render(Num(0.5) * (t - a) ** 2, "excel", lambda node: {"t1": "B6", "a_o1": "R6"}[node.name])
'0.5*(B6-R6)^2'
>>> render(-(a ** 2), "excel"), render((t - a) / a, "python"), render(a ** 2, "js")
('-(a_o1^2)', '_div(t1 - a_o1, a_o1)', 'Math.pow(a_o1, 2)')
"""

from __future__ import annotations

import math
from html import escape
from typing import Callable

from sheetprop import legend
from sheetprop.expr import Cycle, Expr, Fn, Num, Numeral, Op, Param, Sym
from sheetprop.functions import FUNCTIONS
from sheetprop.numerals import MINUS, number, parts

# Precedence: higher binds tighter.
PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "^": 4}
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
Resolve = Callable[[Expr], "str | Expr"]


class Dialect:
    """The walk: precedence and brackets for every dialect; subclasses spell leaves, numbers, operators."""

    name = ""
    symbols = {"+": "+", "-": "-", "*": "*", "/": "/", "^": "^", "neg": "-"}
    precedence = PRECEDENCE
    half = False  # ½(t − a)², not ½·(t − a)²: no operator after a literal one half

    def render(self, expr: Expr, resolve: Resolve | None = None) -> str:
        return self.node(expr, resolve or self.name_of, 0)

    def name_of(self, node) -> str:
        """A Sym or Param with no resolver: its name."""
        return node.name

    def node(self, expr: Expr, resolve: Resolve, outer: int) -> str:
        if isinstance(expr, (Sym, Param)):
            found = resolve(expr)
            return found if isinstance(found, str) else self.node(found, resolve, outer)
        if isinstance(expr, Num):
            return self.number(expr.value, outer)
        if isinstance(expr, Numeral):
            return self.numeral(expr, outer)
        if isinstance(expr, Fn):
            inner = self.node(expr.arg, resolve, 0)
            return FUNCTIONS[expr.name].forms[self.name].format(x=inner, bx=self.bracket(inner))
        if isinstance(expr, Cycle):
            counter = self.node(expr.counter, resolve, self.precedence["-"])
            return self.cycle(counter, [self.node(option, resolve, 0) for option in expr.options])
        precedence = self.precedence[expr.op]
        text = self.operation(expr, resolve, precedence)
        return self.bracket(text) if precedence < outer else text

    def operation(self, expr: Op, resolve: Resolve, precedence: int) -> str:
        if expr.op == "neg":
            return self.negate(self.node(expr.args[0], resolve, precedence + 1))
        if expr.op == "^":
            base = self.node(expr.args[0], resolve, precedence + 1)
            return self.power(base, expr.args[1], self.node(expr.args[1], resolve, precedence + 1))
        first, *rest = expr.args
        text = self.node(first, resolve, precedence)
        previous = first
        for arg in rest:
            # A right operand at equal precedence keeps its brackets where the operation differs or does not
            # associate: a-(b-c), a*(b/c). Every dialect then computes in the tree's own order.
            regroups = expr.op in "-/" or (isinstance(arg, Op) and arg.op != expr.op)
            part = self.node(arg, resolve, precedence + regroups)
            halved = self.half and expr.op == "*" and isinstance(previous, Num) and previous.value == 0.5
            text = self.join(expr.op, text, part, halved)
            previous = arg
        return text

    def join(self, op: str, left: str, right: str, halved: bool) -> str:
        return left + ("" if halved else self.symbols[op]) + right

    def negate(self, text: str) -> str:
        return self.symbols["neg"] + text

    def power(self, base: str, exponent: Expr, text: str) -> str:
        return base + self.symbols["^"] + text

    def bracket(self, text: str) -> str:
        return f"({text})"

    def number(self, value: float, outer: int) -> str:
        text = str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))
        return self.bracket(text) if value < 0 and outer > 0 else text

    def numeral(self, shown: Numeral, outer: int) -> str:
        """A value shown to a few digits in the text dialects; the others keep it whole."""
        return self.number(shown.value, outer)

    def cycle(self, counter: str, options: list[str]) -> str:
        raise NotImplementedError


class Excel(Dialect):
    name = "excel"
    # A spreadsheet's negation binds tighter than ^ (-2^2 is 4): a power under a minus keeps its brackets.
    precedence = {**PRECEDENCE, "neg": 5}

    def cycle(self, counter: str, options: list[str]) -> str:
        return f"CHOOSE(MOD({counter}-1,{len(options)})+1,{','.join(options)})"


class Python(Dialect):
    """Python over the runtimes of ``NAMESPACE``: x**y and x/0 go through _pow and _div, which give
    inf or nan where Python would raise and a spreadsheet shows an error."""

    name = "python"
    symbols = {**Dialect.symbols, "+": " + ", "-": " - "}

    def operation(self, expr: Op, resolve: Resolve, precedence: int) -> str:
        if expr.op == "^":
            return f"_pow({self.node(expr.args[0], resolve, 0)}, {self.node(expr.args[1], resolve, 0)})"
        if expr.op == "/" and not all(isinstance(a, Num) for a in expr.args[1:]):
            text = self.node(expr.args[0], resolve, 0)
            for arg in expr.args[1:]:
                text = f"_div({text}, {self.node(arg, resolve, 0)})"
            return text
        return super().operation(expr, resolve, precedence)

    def node(self, expr: Expr, resolve: Resolve, outer: int) -> str:
        if isinstance(expr, Fn):
            return f"_{expr.name}({self.node(expr.arg, resolve, 0)})"
        if isinstance(expr, Op) and (expr.op == "^" or (expr.op == "/" and not all(
                isinstance(a, Num) for a in expr.args[1:]))):
            return self.operation(expr, resolve, 0)  # a call: never bracketed
        return super().node(expr, resolve, outer)

    def cycle(self, counter: str, options: list[str]) -> str:
        return f"({', '.join(options)},)[int({counter} - 1) % {len(options)}]"


class JavaScript(Dialect):
    """JavaScript over ``F`` (the functions' runtimes): float64 like Python, and x/0 is ±Infinity natively."""

    name = "js"
    symbols = {**Dialect.symbols, "+": " + ", "-": " - "}

    def negate(self, text: str) -> str:
        return f"(-{text})"  # never two minus signs in a row: --x is JavaScript's decrement

    def operation(self, expr: Op, resolve: Resolve, precedence: int) -> str:
        if expr.op == "^":
            return f"Math.pow({self.node(expr.args[0], resolve, 0)}, {self.node(expr.args[1], resolve, 0)})"
        return super().operation(expr, resolve, precedence)

    def node(self, expr: Expr, resolve: Resolve, outer: int) -> str:
        if isinstance(expr, Op) and expr.op == "^":
            return self.operation(expr, resolve, 0)
        return super().node(expr, resolve, outer)

    def cycle(self, counter: str, options: list[str]) -> str:
        return f"[{', '.join(options)}][({counter} - 1) % {len(options)}]"


class Math(Dialect):
    """Plain-text math as the lecture writes it: a·b, a − b, x², ½(t − a)², η for the learning rate."""

    name = "math"
    symbols = {"+": " + ", "-": " − ", "*": "·", "/": "/", "^": "^", "neg": "−"}
    half = True

    def name_of(self, node) -> str:
        return legend.math(node.name)

    def power(self, base: str, exponent: Expr, text: str) -> str:
        if "/" in base and not base.startswith("("):  # a name written as a fraction: (∂E/∂w1)², not ∂E/∂w1²
            base = self.bracket(base)
        if isinstance(exponent, Num) and exponent.value == int(exponent.value) and exponent.value >= 0:
            return base + str(int(exponent.value)).translate(_SUPERSCRIPTS)
        return base + "^" + text

    def number(self, value: float, outer: int) -> str:
        if value == 0.5:
            return "½"
        text = f"{value:g}"
        return self.bracket(text) if value < 0 and outer > 0 else text

    def numeral(self, shown: Numeral, outer: int) -> str:
        text = number(shown.value, shown.digits)
        inside = text.startswith(MINUS) or "×" in text
        return self.bracket(text) if inside and outer > 0 else text

    def cycle(self, counter: str, options: list[str]) -> str:
        return f"{{{'; '.join(options)}}}[({counter} − 1) mod {len(options)} + 1]"


class MathML(Dialect):
    """MathML for browsers: no TeX, no scripts. A fraction is drawn as a block, so it needs no brackets
    but as the base of a power; names follow the lecture (a_h1: a with subscript h1; ∂E/∂w5: a fraction)."""

    name = "mathml"
    precedence = {**PRECEDENCE, "/": 4}
    half = True

    def name_of(self, node) -> str:
        return legend.mathml(node.name)

    def operation(self, expr: Op, resolve: Resolve, precedence: int) -> str:
        if expr.op == "/":
            top, bottom = (self.node(arg, resolve, 0) for arg in expr.args[:2])
            text = f"<mfrac><mrow>{top}</mrow><mrow>{bottom}</mrow></mfrac>"
            for arg in expr.args[2:]:
                text = f"<mfrac><mrow>{text}</mrow><mrow>{self.node(arg, resolve, 0)}</mrow></mfrac>"
            return text
        return super().operation(expr, resolve, precedence)

    def join(self, op: str, left: str, right: str, halved: bool) -> str:
        return left + ("" if halved else mo({"+": "+", "-": MINUS, "*": "·"}[op])) + right

    def negate(self, text: str) -> str:
        # Its own row makes the minus a prefix sign, set tight against its operand, not a binary operator.
        return f"<mrow>{mo(MINUS)}{text}</mrow>"

    def power(self, base: str, exponent: Expr, text: str) -> str:
        return f"<msup><mrow>{base}</mrow><mrow>{text}</mrow></msup>"

    def bracket(self, text: str, left: str = "(", right: str = ")") -> str:
        # Brackets grow only around fractions: beside a subscript they would stretch too tall.
        stretch = "" if "<mfrac" in text else ' stretchy="false"'
        return f"<mrow><mo{stretch}>{escape(left)}</mo>{text}<mo{stretch}>{escape(right)}</mo></mrow>"

    def number(self, value: float, outer: int) -> str:
        if value == 0.5:
            return "<mfrac><mn>1</mn><mn>2</mn></mfrac>"
        body = f"<mn>{abs(value):g}</mn>"
        if value < 0:
            return self.bracket(self.negate(body)) if outer > 0 else self.negate(body)
        return body

    def numeral(self, shown: Numeral, outer: int) -> str:
        return mathml_number(shown.value, shown.digits, outer)

    def cycle(self, counter: str, options: list[str]) -> str:
        listed = mo(";").join(options)
        index = f"{self.bracket(counter + mo(MINUS) + '<mn>1</mn>')}<mo>mod</mo><mn>{len(options)}</mn>" \
                f"{mo('+')}<mn>1</mn>"
        return f"<msub>{self.bracket(listed, '{', '}')}<mrow>{index}</mrow></msub>"


DIALECTS: dict[str, Dialect] = {d.name: d for d in (Excel(), Python(), JavaScript(), Math(), MathML())}


def render(expr: Expr, dialect: str, resolve: Resolve | None = None) -> str:
    """Render ``expr`` in one dialect; ``resolve`` turns a Sym or Param into text, or into an expression
    to render in its place (a ``Numeral`` to show a value)."""
    return DIALECTS[dialect].render(expr, resolve)


# ---------------------------------------------------------------------------------------------- runtimes

def _pow(x: float, y: float) -> float:
    try:
        return x ** y
    except OverflowError:
        return math.inf
    except ZeroDivisionError:  # 0 ** -1: a spreadsheet's #DIV/0!
        return math.nan


def _div(x: float, y: float) -> float:
    if y != 0:
        return x / y
    return math.nan if x == 0 or math.isnan(x) else math.copysign(math.inf, x) * math.copysign(1.0, y)


# What Python-dialect source runs with: each function's runtime as _name, and the operators' helpers.
NAMESPACE: dict[str, Callable] = {**{f"_{f.name}": f.runtime for f in FUNCTIONS.values()},
                                  "_pow": _pow, "_div": _div}


def javascript_runtime() -> str:
    """The object ``F`` that JavaScript-dialect source calls: the runtimes no built-in provides.

    >>> "sigmoid: z =>" in javascript_runtime()
    True
    """
    entries = [f"  {f.name}: {f.js}" for f in FUNCTIONS.values() if f.js]
    return "const F = {\n" + ",\n".join(entries) + "\n};"


# ---------------------------------------------------------------------------------------------- MathML parts

def mo(text: str) -> str:
    return f"<mo>{escape(text)}</mo>"


def math_element(content: str, display: bool = False) -> str:
    """Wrap MathML content in a ``<math>`` element."""
    mode = ' display="block"' if display else ""
    return f'<math{mode}><mrow>{content}</mrow></math>'


def mathml_number(value: float, digits: int, outer: int = 0) -> str:
    """A value as MathML: ``digits`` significant digits, ×10ⁿ when tiny or huge, bracketed inside an
    operation when negative or written with a power of ten."""
    dialect = DIALECTS["mathml"]
    if value != value:
        return "<mn>NaN</mn>"
    if math.isinf(value):
        return "<mn>∞</mn>" if value > 0 else dialect.negate("<mn>∞</mn>")
    mantissa, exponent = parts(value, digits)
    negative = mantissa.startswith("-")
    body = f"<mn>{mantissa.lstrip('-')}</mn>"
    if exponent is not None:
        power = dialect.negate(f"<mn>{-exponent}</mn>") if exponent < 0 else f"<mn>{exponent}</mn>"
        body = f"<mrow>{body}{mo('×')}<msup><mn>10</mn>{power}</msup></mrow>"
    if negative:
        body = dialect.negate(body)
    return dialect.bracket(body) if outer > 0 and (negative or exponent is not None) else body
