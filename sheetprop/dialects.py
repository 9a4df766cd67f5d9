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

import json

from sheetprop import legend
from sheetprop.expr import (FOLLOWING, ITEM, ArgMin, Call, Cycle, Expr, FirstWhere, Fn, If, Item, Nothing, Num, Numeral,
                            Op, Otherwise, Param, Sym, Text, equal, greater, less, symbols)
from sheetprop.functions import FUNCTIONS

MINUS = "−"

# Precedence: higher binds tighter.
PRECEDENCE = {"<": 0, ">": 0, "=": 0, "+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "^": 4}
COMPARISONS = ("<", ">", "=")
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
Resolve = Callable[[Expr], "str | Expr"]


class Dialect:
    """The walk: precedence and brackets for every dialect; subclasses spell leaves, numbers, operators."""

    name = ""
    symbols = {"+": "+", "-": "-", "*": "*", "/": "/", "^": "^", "neg": "-", "<": "<", ">": ">", "=": "="}
    precedence = PRECEDENCE
    half = False  # ½(t − a)², not ½·(t − a)²: no operator after a literal one half

    def render(self, expr: Expr, resolve: Resolve | None = None) -> str:
        return self.node(expr, resolve or self.name_of, 0)

    def name_of(self, node) -> str | None:
        """A Sym or Param with no resolver: its name (an Item: None, rendered as an item of its sequence)."""
        return node.name if isinstance(node, (Sym, Param)) else None

    def node(self, expr: Expr, resolve: Resolve, outer: int) -> str:
        if isinstance(expr, (Sym, Param)):
            found = resolve(expr)
            return found if isinstance(found, str) else self.node(found, resolve, outer)
        if isinstance(expr, Num):
            return self.number(expr.value, outer)
        if isinstance(expr, Numeral):
            return self.numeral(expr, outer)
        if isinstance(expr, Fn):
            return self.function(FUNCTIONS[expr.name], self.node(expr.arg, resolve, 0))
        if isinstance(expr, Cycle):
            counter = self.node(expr.counter, resolve, self.precedence["-"])
            return self.cycle(counter, [self.node(option, resolve, 0) for option in expr.options])
        if not isinstance(expr, Op):
            return self.compound(expr, resolve)
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
        text = self.node(first, resolve, precedence + (expr.op in COMPARISONS))  # a < b < c is no comparison
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

    def function(self, record, inner: str) -> str:
        """A function record applied to ``inner``, its rendered argument (or arguments)."""
        return record.forms[self.name].format(x=inner, bx=self.bracket(inner))

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

    # Choosing and searching: the comparison of runs (sheetprop.compare) is written with these.

    def compound(self, expr: Expr, resolve: Resolve) -> str:
        if isinstance(expr, Text):
            return self.text(expr.value)
        if isinstance(expr, Nothing):
            return self.nothing()
        if isinstance(expr, If):
            return self.conditional(*(self.node(part, resolve, 0) for part in (expr.test, expr.then, expr.otherwise)))
        if isinstance(expr, Otherwise):
            return self.otherwise(self.node(expr.value, resolve, 0), self.node(expr.fallback, resolve, 0))
        if isinstance(expr, Item):
            found = resolve(expr)  # a layout may know the item's own cell
            if found is not None:
                return found if isinstance(found, str) else self.node(found, resolve, 0)
            return self.item(self.node(expr.seq, resolve, 0), expr.index, self.node(expr.index, resolve, 0))
        if isinstance(expr, ArgMin):
            return self.argmin(self.node(expr.values, resolve, 0))
        if isinstance(expr, Call):
            return self.call(expr.name, [self.node(arg, resolve, 0) for arg in expr.args])
        if isinstance(expr, FirstWhere):
            seq = self.node(expr.seq, resolve, 0)
            steps = FOLLOWING in set(symbols(expr.test))
            item, following = self.bound(seq, steps)
            inner = {ITEM: item, FOLLOWING: following}
            test = self.node(expr.test, lambda node: inner.get(node) or resolve(node), 0)
            return self.first_where(seq, test, steps)
        raise TypeError(f"no {self.name} rendering of {expr!r}")

    def text(self, value: str) -> str:
        return json.dumps(value, ensure_ascii=False)

    def nothing(self) -> str:
        return "none"

    def conditional(self, test: str, then: str, otherwise: str) -> str:
        return f"({then} if {test}, else {otherwise})"

    def otherwise(self, value: str, fallback: str) -> str:
        return f"({value}, else {fallback})"

    def item(self, seq: str, index: Expr, text: str) -> str:
        return f"{seq}[{text}]"

    def argmin(self, values: str) -> str:
        return f"argmin({values})"

    def bound(self, seq: str, steps: bool) -> tuple[str, str]:
        """How the test of a FirstWhere names its item and the one after."""
        return "item", "following"

    def first_where(self, seq: str, test: str, steps: bool) -> str:
        raise NotImplementedError

    def call(self, name: str, args: list[str]) -> str:
        record = FUNCTIONS.get(name)
        if record is not None and self.name in record.forms:  # a function of several arguments: max
            listed = self.separator.join(args)
            return record.forms[self.name].format(xs=listed, bxs=self.bracket(listed))
        return f"{name}({', '.join(args)})"

    separator = ", "  # between the arguments of a function of several


class Excel(Dialect):
    name = "excel"
    separator = ","
    # A spreadsheet's negation binds tighter than ^ (-2^2 is 4): a power under a minus keeps its brackets.
    precedence = {**PRECEDENCE, "neg": 5}

    def cycle(self, counter: str, options: list[str]) -> str:
        return f"CHOOSE(MOD({counter}-1,{len(options)})+1,{','.join(options)})"

    def text(self, value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    def nothing(self) -> str:
        return "NA()"

    def conditional(self, test: str, then: str, otherwise: str) -> str:
        return f"IF({test},{then},{otherwise})"

    def otherwise(self, value: str, fallback: str) -> str:
        return f"IFERROR({value},{fallback})"

    def item(self, seq: str, index: Expr, text: str) -> str:
        if isinstance(index, Num) and index.value < 0:  # counted from the end
            back = -int(index.value) - 1
            return f"INDEX({seq},ROWS({seq}){f'-{back}' if back else ''})"
        return f"INDEX({seq},{text})"

    def argmin(self, values: str) -> str:
        # MIN passes words over, and MATCH finds the first equal: no array formula needed.
        return f"MATCH(MIN({values}),{values},0)"

    separator = ","

    def call(self, name: str, args: list[str]) -> str:
        if name in FUNCTIONS:
            return super().call(name, args)
        if name != "join":  # printing a number for people is the page's and Python's, not a cell's
            raise ValueError(f"{name} has no spreadsheet form")
        return "&".join(args)

    def bound(self, seq: str, steps: bool) -> tuple[str, str]:
        if not steps:
            return seq, ""
        return f"OFFSET({seq},0,0,ROWS({seq})-1)", f"OFFSET({seq},1,0,ROWS({seq})-1)"

    def first_where(self, seq: str, test: str, steps: bool) -> str:
        # SUMPRODUCT takes its argument as an array in every program: no array formula needed.
        found = f"SUMPRODUCT(MATCH(TRUE,{test},0))"
        return f"IF(ROWS({seq})<2,NA(),{found})" if steps else found  # one item has no step


class Python(Dialect):
    """Python over the runtimes of ``NAMESPACE``: x**y and x/0 go through _pow and _div, which give
    inf or nan where Python would raise and a spreadsheet shows an error."""

    name = "python"
    symbols = {**Dialect.symbols, "+": " + ", "-": " - ", "<": " < ", ">": " > ", "=": " == "}

    def operation(self, expr: Op, resolve: Resolve, precedence: int) -> str:
        if expr.op == "^":
            return f"_pow({self.node(expr.args[0], resolve, 0)}, {self.node(expr.args[1], resolve, 0)})"
        if expr.op == "/" and not all(isinstance(a, Num) for a in expr.args[1:]):
            text = self.node(expr.args[0], resolve, 0)
            for arg in expr.args[1:]:
                text = f"_div({text}, {self.node(arg, resolve, 0)})"
            return text
        return super().operation(expr, resolve, precedence)

    def function(self, record, inner: str) -> str:
        return f"_{record.name}({inner})"

    def node(self, expr: Expr, resolve: Resolve, outer: int) -> str:
        if isinstance(expr, Op) and (expr.op == "^" or (expr.op == "/" and not all(
                isinstance(a, Num) for a in expr.args[1:]))):
            return self.operation(expr, resolve, 0)  # a call: never bracketed
        return super().node(expr, resolve, outer)

    def cycle(self, counter: str, options: list[str]) -> str:
        return f"({', '.join(options)},)[int({counter} - 1) % {len(options)}]"

    def number(self, value: float, outer: int) -> str:
        if not math.isfinite(value):  # no literal: nan, inf
            return f'float("{value!r}")'
        return super().number(value, outer)

    def text(self, value: str) -> str:
        return repr(value)

    def nothing(self) -> str:
        return "None"

    def conditional(self, test: str, then: str, otherwise: str) -> str:
        return f"({then} if {test} else {otherwise})"

    def otherwise(self, value: str, fallback: str) -> str:
        return f"_otherwise({value}, {fallback})"

    def item(self, seq: str, index: Expr, text: str) -> str:
        return f"_item({seq}, {text})"

    def argmin(self, values: str) -> str:
        return f"_argmin({values})"

    def first_where(self, seq: str, test: str, steps: bool) -> str:
        if steps:
            return f"_first_step({seq}, lambda item, following: {test})"
        return f"_first_where({seq}, lambda item: {test})"

    def call(self, name: str, args: list[str]) -> str:
        return f"_{name}({', '.join(args)})"


class JavaScript(Dialect):
    """JavaScript over ``F`` (the functions' runtimes): float64 like Python, and x/0 is ±Infinity natively."""

    name = "js"
    symbols = {**Dialect.symbols, "+": " + ", "-": " - ", "<": " < ", ">": " > ", "=": " === "}

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

    def number(self, value: float, outer: int) -> str:
        if not math.isfinite(value):
            return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "(-Infinity)"
        return super().number(value, outer)

    def nothing(self) -> str:
        return "null"

    def conditional(self, test: str, then: str, otherwise: str) -> str:
        return f"({test} ? {then} : {otherwise})"

    def otherwise(self, value: str, fallback: str) -> str:
        return f"F.otherwise({value}, {fallback})"

    def item(self, seq: str, index: Expr, text: str) -> str:
        return f"F.item({seq}, {text})"

    def argmin(self, values: str) -> str:
        return f"F.argmin({values})"

    def first_where(self, seq: str, test: str, steps: bool) -> str:
        if steps:
            return f"F.firstStep({seq}, (item, following) => {test})"
        return f"F.firstWhere({seq}, item => {test})"

    def call(self, name: str, args: list[str]) -> str:
        if name in FUNCTIONS:
            return super().call(name, args)
        return f"F.{_camel(name)}({', '.join(args)})"


class Math(Dialect):
    """Plain-text math as the lecture writes it: a·b, a − b, x², ½(t − a)², η for the learning rate."""

    name = "math"
    symbols = {"+": " + ", "-": " − ", "*": "·", "/": "/", "^": "^", "neg": "−", "<": " < ", ">": " > ", "=": " = "}
    half = True

    def name_of(self, node) -> str | None:
        return legend.math(node.name) if isinstance(node, (Sym, Param)) else None

    def join(self, op: str, left: str, right: str, halved: bool) -> str:
        if op in "+-" and right.startswith(MINUS):  # a − (−x), never a − −x
            right = self.bracket(right)
        return super().join(op, left, right, halved)

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

    def text(self, value: str) -> str:
        return f"“{value}”"

    def item(self, seq: str, index: Expr, text: str) -> str:
        if isinstance(index, Num) and index.value < 0:
            back = -int(index.value) - 1
            return f"{seq}[last{f' − {back}' if back else ''}]"
        return f"{seq}[{text}]"

    def bound(self, seq: str, steps: bool) -> tuple[str, str]:
        return f"{seq}[i]", f"{seq}[i + 1]"

    def first_where(self, seq: str, test: str, steps: bool) -> str:
        return f"(first i with {test})"


class MathML(Dialect):
    """MathML for browsers: no TeX, no scripts. A fraction is drawn as a block, so it needs no brackets
    but as the base of a power; names follow the lecture (a_h1: a with subscript h1; ∂E/∂w5: a fraction)."""

    name = "mathml"
    precedence = {**PRECEDENCE, "/": 4}
    separator = "<mo>,</mo>"
    half = True

    def name_of(self, node) -> str | None:
        return legend.mathml(node.name) if isinstance(node, (Sym, Param)) else None

    def operation(self, expr: Op, resolve: Resolve, precedence: int) -> str:
        if expr.op == "/":
            top, bottom = (self.node(arg, resolve, 0) for arg in expr.args[:2])
            text = f"<mfrac><mrow>{top}</mrow><mrow>{bottom}</mrow></mfrac>"
            for arg in expr.args[2:]:
                text = f"<mfrac><mrow>{text}</mrow><mrow>{self.node(arg, resolve, 0)}</mrow></mfrac>"
            return text
        return super().operation(expr, resolve, precedence)

    def join(self, op: str, left: str, right: str, halved: bool) -> str:
        if op in "+-" and right.startswith(self.negate("")[:-len("</mrow>")]):  # a − (−x), never a − −x
            right = self.bracket(right)
        return left + ("" if halved else mo({"+": "+", "-": MINUS, "*": "·"}.get(op, op))) + right

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

    def text(self, value: str) -> str:
        return f"<mtext>“{escape(value)}”</mtext>"

    def nothing(self) -> str:
        return "<mtext>none</mtext>"

    def conditional(self, test: str, then: str, otherwise: str) -> str:
        return self.bracket(f"{then}<mtext>&#xa0;if&#xa0;</mtext>{test}<mtext>, else&#xa0;</mtext>{otherwise}")

    def otherwise(self, value: str, fallback: str) -> str:
        return self.bracket(f"{value}<mtext>, else&#xa0;</mtext>{fallback}")

    def item(self, seq: str, index: Expr, text: str) -> str:
        if isinstance(index, Num) and index.value < 0:
            back = -int(index.value) - 1
            text = "<mi>last</mi>" + (f"{mo(MINUS)}<mn>{back}</mn>" if back else "")
        return f"<mrow>{seq}{self.bracket(text, '[', ']')}</mrow>"

    def argmin(self, values: str) -> str:
        return f"<mrow><mi>argmin</mi><mo>&#x2061;</mo>{self.bracket(values)}</mrow>"

    def bound(self, seq: str, steps: bool) -> tuple[str, str]:
        return (f"<mrow>{seq}{self.bracket('<mi>i</mi>', '[', ']')}</mrow>",
                f"<mrow>{seq}{self.bracket('<mi>i</mi><mo>+</mo><mn>1</mn>', '[', ']')}</mrow>")

    def first_where(self, seq: str, test: str, steps: bool) -> str:
        return self.bracket(f"<mtext>first&#xa0;</mtext><mi>i</mi><mtext>&#xa0;with&#xa0;</mtext>{test}")

    separator = "<mo>,</mo>"

    def call(self, name: str, args: list[str]) -> str:
        if name in FUNCTIONS:
            return super().call(name, args)
        return f"<mrow><mi>{escape(name)}</mi><mo>&#x2061;</mo>{self.bracket(mo(',').join(args))}</mrow>"

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


def function_source(name: str, definitions: dict[str, Expr], arguments: tuple[str, ...], dialect: str,
                    result: str | None = None) -> str:
    """A function in the python or js dialect that computes ``definitions`` in order from ``arguments``,
    each definition reading the arguments and those above it, and returns them all by name (or the one
    named ``result``).

    >>> print(function_source("judged", {"half": Sym("x") / 2}, ("x",), "js"))
    function judged(x) {
      const half = x/2;
      return {half};
    }
    """
    if dialect == "python":
        lines = [f"def {name}({', '.join(arguments)}):"]
        lines += [f"    {key} = {render(expr, dialect)}" for key, expr in definitions.items()]
        lines.append(f"    return {result}" if result else
                     "    return {" + ", ".join(f"{key!r}: {key}" for key in definitions) + "}")
    else:
        lines = [f"function {name}({', '.join(arguments)}) {{"]
        # a definition named as an argument replaces it: a parameter, not a second const
        lines += [f"  {'' if key in arguments else 'const '}{key} = {render(expr, dialect)};"
                  for key, expr in definitions.items()]
        lines += [f"  return {result or '{' + ', '.join(definitions) + '}'};", "}"]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- runtimes

def _pow(x: float, y: float) -> float:
    try:
        result = float(x) ** y  # a float: 9 ** 99999999 of two integers would never finish
    except OverflowError:
        return math.inf
    except ZeroDivisionError:  # 0 ** -1: a spreadsheet's #DIV/0!
        return math.nan
    return math.nan if isinstance(result, complex) else result  # (-8) ** (1/3): a spreadsheet's #NUM!


def _div(x: float, y: float) -> float:
    if y != 0:
        return x / y
    return math.nan if x == 0 or math.isnan(x) else math.copysign(math.inf, x) * math.copysign(1.0, y)


# Searching and choosing (Item, ArgMin, FirstWhere, Otherwise), each beside its JavaScript in SEARCHES.

def _item(seq, index):
    return None if index is None else seq[index - 1] if index > 0 else seq[index]


def _argmin(values):
    best = None
    for position, value in enumerate(values, start=1):
        if _isnumber(value) and (best is None or value < values[best - 1]):
            best = position
    return best


def _first_where(seq, test):
    return next((position for position, item in enumerate(seq, start=1) if _isnumber(item) and test(item)), None)


def _first_step(seq, test):
    return next((position for position in range(1, len(seq))
                 if _isnumber(seq[position - 1]) and _isnumber(seq[position]) and test(seq[position - 1], seq[position])),
                None)


def _otherwise(value, fallback):
    return fallback if value is None or (isinstance(value, float) and not math.isfinite(value)) else value


def _finite(seq, end=None):
    return all(map(math.isfinite, seq if end is None else seq[:end]))


_isnumber = FUNCTIONS["isnumber"].runtime
SEARCHES = {
    # whether the items before position ``end`` + 1 (all of them, where ``end`` is Nothing) are finite numbers
    "finite": (_finite, "(seq, end = null) => { const n = end === null ? seq.length : end; "
                        "for (let i = 0; i < n; i++) if (!Number.isFinite(seq[i])) return false; return true; }"),
    "item": (_item, "(seq, i) => i === null ? null : seq[i > 0 ? i - 1 : seq.length + i]"),
    "argmin": (_argmin, "values => { let best = null; for (let i = 0; i < values.length; i++) "
                        "if (Number.isFinite(values[i]) && (best === null || values[i] < values[best - 1])) best = i + 1; "
                        "return best; }"),
    "first_where": (_first_where, "(seq, test) => { for (let i = 0; i < seq.length; i++) "
                                  "if (Number.isFinite(seq[i]) && test(seq[i])) return i + 1; return null; }"),
    "first_step": (_first_step, "(seq, test) => { for (let i = 1; i < seq.length; i++) if (Number.isFinite(seq[i - 1]) "
                                "&& Number.isFinite(seq[i]) && test(seq[i - 1], seq[i])) return i; return null; }"),
    "otherwise": (_otherwise, "(value, fallback) => value === null || value === undefined "
                              "|| (typeof value === \"number\" && !Number.isFinite(value)) ? fallback : value"),
}

# Printing a number for people (``Call`` nodes of NUMBER and NUMBER_MARKUP below), each beside its JavaScript.

_SUPERSCRIPTS_FROM, _SUPERSCRIPTS_TO = "0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"


def _g_format(x: float, digits: int, zeros: bool = False) -> tuple[str, int | None]:
    """Python's ``g`` format of ``x``: mantissa (its sign an ASCII '-') and power of ten, None when none;
    ``zeros``: its trailing zeros kept (the ``#`` form, without a bare trailing point)."""
    text = f"{x:#.{digits}g}".replace(".e", "e").rstrip(".") if zeros and math.isfinite(x) else f"{x:.{digits}g}"
    if "e" not in text or not math.isfinite(x):
        return text, None
    mantissa, exponent = text.split("e")
    return mantissa, int(exponent)


# Python's g format in JavaScript: round half to even on the exact binary value (toExponential rounds a tie
# up), the exponent form below 1e-4 and from 10^d, trailing zeros dropped unless ``zeros``.
_G_FORMAT_JS = """(x, d, zeros = false) => {
    if (!Number.isFinite(x)) return [String(x), null];
    const sign = x < 0 || Object.is(x, -0) ? "-" : "", a = Math.abs(x), form = /^(\\d)(?:\\.(\\d+))?e([+-]\\d+)$/;
    const trim = text => zeros ? text : text.replace(/0+$/, "");
    let digits = zeros ? "0".repeat(d) : "0", exponent = 0;
    if (a !== 0) {
      const m = form.exec(a.toExponential(d - 1)), exact = form.exec(a.toExponential(100));
      digits = m[1] + (m[2] || ""); exponent = Number(m[3]);
      const all = exact[1] + (exact[2] || "");
      if (all[d] === "5" && /^0*$/.test(all.slice(d + 1)) && Number(all[d - 1]) % 2 === 0) {
        digits = all.slice(0, d); exponent = Number(exact[3]);
      }
    }
    if (exponent < -4 || exponent >= d) {
      const fraction = trim(digits.slice(1));
      return [sign + digits[0] + (fraction ? "." + fraction : ""), exponent];
    }
    const whole = exponent >= 0 ? digits.slice(0, exponent + 1) : "0";
    const fraction = trim(exponent >= 0 ? digits.slice(exponent + 1) : "0".repeat(-exponent - 1) + digits);
    return [sign + whole + (fraction ? "." + fraction : ""), null];
  }"""


def _fixed(x: float, decimals: int) -> str:
    """``x`` to ``decimals`` decimals, its trailing zeros (and a bare point) dropped: (0.000015, 15) → "0.000015"."""
    text = f"{x:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# toFixed rounds on the exact binary value as Python does, but a tie up: an exact tie rounds to even, as Python's
# (x.toFixed(100) is exact for every float from 1e-12 to 1e21, their binary digits ending before 100 decimals).
_FIXED_JS = """(x, d) => {
    const exact = x.toFixed(100), cut = exact.indexOf(".") + d + 1;
    let text = x.toFixed(d);
    if (d > 0 && exact[cut] === "5" && /^0*$/.test(exact.slice(cut + 1)) && Number(exact[cut - 1]) % 2 === 0)
      text = exact.slice(0, cut);
    return text.includes(".") ? text.replace(/0+$/, "").replace(/\\.$/, "") : text;
  }"""
PRINTING = {
    "g_format": (_g_format, _G_FORMAT_JS),
    "unsigned": (lambda text: text.lstrip("-"), 'text => text.replace(/^-+/, "")'),
    "signbit": (lambda x: math.copysign(1.0, x) < 0, "x => x < 0 || Object.is(x, -0)"),
    "superscript": (lambda n: str(n).translate(str.maketrans(_SUPERSCRIPTS_FROM, _SUPERSCRIPTS_TO)),
                    f'n => Array.from(String(n), c => "{_SUPERSCRIPTS_TO}"["{_SUPERSCRIPTS_FROM}".indexOf(c)]).join("")'),
    "join": (lambda *parts: "".join(map(str, parts)), '(...parts) => parts.join("")'),
    "fixed": (_fixed, _FIXED_JS),
}

# What Python-dialect source runs with: each function's runtime as _name, and the operators' helpers.
NAMESPACE: dict[str, Callable] = {**{f"_{f.name}": f.runtime for f in FUNCTIONS.values()},
                                  "_pow": _pow, "_div": _div,
                                  **{f"_{name}": run for name, (run, _) in {**SEARCHES, **PRINTING}.items()}}


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(word.title() for word in rest)


def javascript_runtime() -> str:
    """The object ``F`` that JavaScript-dialect source calls: the runtimes no built-in provides.

    >>> "sigmoid: z =>" in javascript_runtime(), "firstWhere: (seq, test) =>" in javascript_runtime()
    (True, True)
    """
    entries = [f"  {f.name}: {f.js}" for f in FUNCTIONS.values() if f.js]
    entries += [f"  {_camel(name)}: {js}" for name, (_, js) in {**SEARCHES, **PRINTING}.items()]
    return "const F = {\n" + ",\n".join(entries) + "\n};"


# ---------------------------------------------------------------------------------------------- MathML parts

def mo(text: str) -> str:
    return f"<mo>{escape(text)}</mo>"


def math_element(content: str, display: bool = False) -> str:
    """Wrap MathML content in a ``<math>`` element."""
    mode = ' display="block"' if display else ""
    return f'<math{mode}><mrow>{content}</mrow></math>'


# ---------------------------------------------------------------------------------------------- numbers for people

# A value printed to ``digits`` significant digits, as text (NUMBER) and as MathML (NUMBER_MARKUP): one
# definition each, compiled below for Python and rendered in the js dialect for the living page.
VALUE, DIGITS, OUTER = Sym("value"), Param("digits"), Param("outer")
MANTISSA, POWER, BODY, POWERED, SIGNED = (Sym(n) for n in ("mantissa", "power", "body", "powered", "signed"))


def _joined(*parts) -> Expr:
    return Call("join", tuple(Text(p) if isinstance(p, str) else p for p in parts))


def _around(method: Callable[[str], str], inner: Expr) -> Expr:
    """``inner`` inside the MathML dialect's own spelling of ``method`` (a sign, brackets)."""
    before, after = method("\0").split("\0")
    return _joined(before, inner, after)


def _is_number(x: Expr) -> Expr:
    return Fn("isnumber", x)


_NEGATIVE = Call("signbit", (VALUE,))
_PARTS = {"parts": Call("g_format", (VALUE, DIGITS)), "mantissa": Item(Sym("parts"), Num(1)),
          "power": Item(Sym("parts"), Num(2))}
_TEXT = If(
    _is_number(VALUE),
    _joined(If(_NEGATIVE, Text(MINUS), Text("")), Call("unsigned", (MANTISSA,)),
            If(_is_number(POWER), _joined("×10", Call("superscript", (POWER,))), Text(""))),
    If(equal(VALUE, VALUE), _joined(If(less(VALUE, 0), Text(MINUS), Text("")), "∞"), Text("NaN")))
NUMBER: dict[str, Expr] = {**_PARTS, "text": _TEXT}
# A number in a table's column: every one of its digits shown, trailing zeros too, so that a column lines up
# (0.150000000 above 0.149981174).
COLUMN_NUMBER: dict[str, Expr] = {**_PARTS, "parts": Call("g_format", (VALUE, DIGITS, Num(1))), "text": _TEXT}
_MARKUP = DIALECTS["mathml"]
NUMBER_MARKUP: dict[str, Expr] = {
    **_PARTS,
    "body": _joined("<mn>", Call("unsigned", (MANTISSA,)), "</mn>"),
    "powered": If(_is_number(POWER), _joined(
        "<mrow>", BODY, mo("×") + "<msup><mn>10</mn>",
        If(less(POWER, 0), _around(_MARKUP.negate, _joined("<mn>", -POWER, "</mn>")), _joined("<mn>", POWER, "</mn>")),
        "</msup></mrow>"), BODY),
    "signed": If(_NEGATIVE, _around(_MARKUP.negate, POWERED), POWERED),
    # bracketed inside an operation when negative or written with a power of ten
    "markup": If(_is_number(VALUE), If(greater(OUTER, 0), If(_NEGATIVE, _around(_MARKUP.bracket, SIGNED), If(
        _is_number(POWER), _around(_MARKUP.bracket, SIGNED), SIGNED)), SIGNED),
        If(equal(VALUE, VALUE), If(greater(VALUE, 0), Text("<mn>∞</mn>"), Text(_MARKUP.negate("<mn>∞</mn>"))),
           Text("<mn>NaN</mn>")))}
_PRINTERS = {"number": (NUMBER, ("value", "digits"), "text"),
             "column_number": (COLUMN_NUMBER, ("value", "digits"), "text"),
             "mathml_number": (NUMBER_MARKUP, ("value", "digits", "outer"), "markup")}
_printers = dict(NAMESPACE)
for _name, _printer in _PRINTERS.items():
    exec(compile(function_source(_name, *_printer[:2], "python", _printer[2]), f"<sheetprop {_name}>", "exec"),
         _printers)


def number(value: float, digits: int) -> str:
    """``value`` as text to ``digits`` significant digits, ×10ⁿ when tiny or huge, a real minus (NUMBER).

    >>> number(-3.51085e-05, 6), number(float("-inf"), 3)
    ('−3.51085×10⁻⁵', '−∞')
    """
    return _printers["number"](value, digits)


def column_number(value: float, digits: int) -> str:
    """``value`` as a table's column shows it: ``number``, its trailing zeros kept (COLUMN_NUMBER).

    >>> column_number(0.15, 9), column_number(2.0, 3), column_number(1e-5, 3), column_number(0.0, 3)
    ('0.150000000', '2.00', '1.00×10⁻⁵', '0.00')
    """
    return _printers["column_number"](value, digits)


def mathml_number(value: float, digits: int, outer: int = 0) -> str:
    """A value as MathML (NUMBER_MARKUP): ``digits`` significant digits, ×10ⁿ when tiny or huge, bracketed
    inside an operation when negative or written with a power of ten.

    >>> mathml_number(-0.5, 3, 1)
    '<mrow><mo stretchy="false">(</mo><mrow><mo>−</mo><mn>0.5</mn></mrow><mo stretchy="false">)</mo></mrow>'
    """
    return _printers["mathml_number"](value, digits, outer)


def numbers_source() -> str:
    """``NUMBERS``: ``number`` and ``mathml_number`` in the js dialect, for the living page."""
    functions = ",\n".join(f"{_camel(name)}: {function_source(_camel(name), *printer[:2], 'js', printer[2])}"
                           for name, printer in _PRINTERS.items())
    return f"const NUMBERS = {{\n{functions}\n}};"
