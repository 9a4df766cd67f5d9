"""MathML from the expression tree: the walkthrough's math as browsers draw it, with no TeX and no scripts.

The same trees that give the workbook's formulas give this markup, so the page and the sheet agree.
Names follow the lecture: ``a_h1`` is a with subscript h1, ``∂E/∂w5`` a fraction of partials.

>>> name("a_h1")
'<msub><mi>a</mi><mrow><mi>h</mi><mn>1</mn></mrow></msub>'
>>> from sheetprop.expr import Sym
>>> expression(Sym("w1") * Sym("i1"), lambda node: {"w1": 0.15, "i1": 0.05}[node.name])
'<mn>0.15</mn><mo>·</mo><mn>0.05</mn>'
"""

from __future__ import annotations

import re
from html import escape
from typing import Callable

from sheetprop.expr import Expr, Fn, Num, Op, Param, Sym
from sheetprop.walkthrough.numerals import DIGITS, MINUS, parts

ValueOf = Callable[[Expr], "float | None"]

# Precedence as in sheetprop.expr; a fraction is drawn as a block, so it only needs brackets as a base.
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 4, "neg": 3, "^": 4}
_OPERATORS = {"+": "+", "-": MINUS, "*": "·"}
_INDEXED = re.compile(r"([A-Za-z]+)(\d[\d.]*)")
_EXAMPLE = re.compile(r"(.*)\[(\d+)\]")


def math(content: str, display: bool = False) -> str:
    """Wrap MathML content in a ``<math>`` element."""
    mode = ' display="block"' if display else ""
    return f'<math{mode}><mrow>{content}</mrow></math>'


def mo(text: str) -> str:
    return f"<mo>{escape(text)}</mo>"


def bracketed(content: str, left: str = "(", right: str = ")") -> str:
    """Brackets that grow only around fractions: beside a subscript they would stretch too tall."""
    stretch = "" if "<mfrac" in content else ' stretchy="false"'
    return (f"<mrow><mo{stretch}>{escape(left)}</mo>{content}<mo{stretch}>{escape(right)}</mo></mrow>")


def _negative(content: str) -> str:
    # Its own row makes the minus a prefix sign, set tight against the number, not a binary operator.
    return f"<mrow>{mo(MINUS)}{content}</mrow>"


def name(text: str) -> str:
    """A quantity's name: ``w5`` → w₅, ``a_o1`` → a with subscript o1, ``∂E/∂w5`` → a fraction, ``lr`` → η."""
    if text == "lr":
        return "<mi>η</mi>"
    if "/" in text:
        top, bottom = text.split("/", 1)
        return f"<mfrac>{_partial(top)}{_partial(bottom)}</mfrac>"
    example = _EXAMPLE.fullmatch(text)
    if example:
        return f"<mrow>{name(example[1])}{bracketed(f'<mn>{example[2]}</mn>', '[', ']')}</mrow>"
    base, _, subscript = text.partition("_")
    if subscript:
        return f"<msub>{_indexed(base)}{_subscript(subscript)}</msub>"
    return _indexed(base)


def _partial(text: str) -> str:
    if text.startswith("∂"):
        return f"<mrow><mi>∂</mi>{name(text[1:])}</mrow>"
    return name(text)


def _indexed(text: str) -> str:
    """``h1`` → h with subscript 1; ``total`` stays a word."""
    match = _INDEXED.fullmatch(text)
    if match:
        return f"<msub><mi>{escape(match[1])}</mi><mn>{match[2]}</mn></msub>"
    return f"<mi>{escape(text)}</mi>"


def _subscript(text: str) -> str:
    """The part after ``_``: ``h1`` → h1 set small, ``total`` → the word."""
    match = _INDEXED.fullmatch(text)
    if match:
        return f"<mrow><mi>{escape(match[1])}</mi><mn>{match[2]}</mn></mrow>"
    return f"<mtext>{escape(text)}</mtext>"


def number(value: float, digits: int = DIGITS, outer: int = 0) -> str:
    """A value as MathML: ``digits`` significant digits, ×10ⁿ when tiny or huge, bracketed inside an operation
    when negative or written with a power of ten."""
    if value != value:
        return "<mn>NaN</mn>"
    if value in (float("inf"), float("-inf")):
        return "<mn>∞</mn>" if value > 0 else _negative("<mn>∞</mn>")
    mantissa, exponent = parts(value, digits)
    negative = mantissa.startswith("-")
    body = f"<mn>{mantissa.lstrip('-')}</mn>"
    if exponent is not None:
        power = _negative(f"<mn>{-exponent}</mn>") if exponent < 0 else f"<mn>{exponent}</mn>"
        body = f"<mrow>{body}{mo('×')}<msup><mn>10</mn>{power}</msup></mrow>"
    if negative:
        body = _negative(body)
    return bracketed(body) if outer > 0 and (negative or exponent is not None) else body


def expression(expr: Expr, value_of: ValueOf | None = None, digits: int = DIGITS) -> str:
    """Render ``expr`` as MathML; ``value_of`` gives a number to print in place of a name (or None to keep it)."""
    return _render(expr, value_of, digits, 0)


def _render(expr: Expr, value_of, digits: int, outer: int) -> str:
    if isinstance(expr, (Sym, Param)):
        value = value_of(expr) if value_of else None
        return name(expr.name) if value is None else number(value, digits, outer)
    if isinstance(expr, Num):
        return _literal(expr.value, outer)
    if isinstance(expr, Fn):
        return _function(expr.name, _render(expr.arg, value_of, digits, 0))
    precedence = _PRECEDENCE[expr.op]
    if expr.op == "neg":
        text = _negative(_render(expr.args[0], value_of, digits, precedence + 1))
    elif expr.op == "^":
        base = _render(expr.args[0], value_of, digits, precedence + 1)
        text = f"<msup><mrow>{base}</mrow><mrow>{_render(expr.args[1], value_of, digits, 0)}</mrow></msup>"
    elif expr.op == "/":
        top, bottom = (_render(arg, value_of, digits, 0) for arg in expr.args)
        text = f"<mfrac><mrow>{top}</mrow><mrow>{bottom}</mrow></mfrac>"
    else:
        text = _chain(expr, value_of, digits, precedence)
    return bracketed(text) if precedence < outer else text


def _chain(expr: Op, value_of, digits: int, precedence: int) -> str:
    """An n-ary + − ·, bracketing the right operands of − at equal precedence as the text does."""
    first, *rest = expr.args
    text = _render(first, value_of, digits, precedence)
    previous = first
    for arg in rest:
        tighter = precedence + (expr.op == "-")
        # ½(t − a)², not ½·(t − a)², as the lecture writes it.
        half = expr.op == "*" and isinstance(previous, Num) and previous.value == 0.5
        text += ("" if half else mo(_OPERATORS[expr.op])) + _render(arg, value_of, digits, tighter)
        previous = arg
    return text


def _literal(value: float, outer: int) -> str:
    if value == 0.5:
        return "<mfrac><mn>1</mn><mn>2</mn></mfrac>"
    body = f"<mn>{abs(value):g}</mn>"
    if value < 0:
        return bracketed(_negative(body)) if outer > 0 else _negative(body)
    return body


def _function(function: str, argument: str) -> str:
    apply = "<mo>&#x2061;</mo>"  # invisible function application: σ(x) spaced as a function, not a product
    if function == "sigmoid":
        return f"<mrow><mi>σ</mi>{apply}{bracketed(argument)}</mrow>"
    if function == "relu":
        return f"<mrow><mi>max</mi>{apply}{bracketed(f'<mn>0</mn>{mo(chr(44))}{argument}')}</mrow>"
    if function == "step":
        return bracketed(f"{argument}{mo('>')}<mn>0</mn>", "[", "]")
    return f"<mrow><mi>{escape(function)}</mi>{apply}{bracketed(argument)}</mrow>"
