"""Each quantity of a sheet judged by the graph's own definition, over that sheet's own columns.

A hand-made sheet rarely has a column for every chain-rule step; a step it lacks is written out in
its definition until only the sheet's columns (this row's, and the row above's for an update) and
parameters remain. The result is compiled once per quantity, as straight-line steps (``evaluate``):

>>> from sheetprop.graph import Network, build_graph
>>> graph = build_graph(Network(layers=(2, 2, 2)))
>>> rule = make_rule(graph, "∂E/∂w5", {"a_o1", "t1", "a_h1", "∂E/∂w5"})
>>> rule.math()
'∂E/∂w5 = (a_o1 − t1)·a_o1·(1 − a_o1)·a_h1'
>>> rule.fn({"a_o1": 0.75, "t1": 0.25, "a_h1": 2.0}, {}, {})
0.1875
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

from sheetprop import legend
from sheetprop.dialects import render
from sheetprop.expr import Expr, Param, Sym, size, substitute, symbols
from sheetprop.graph import BIAS, COUNTER, INPUT, TARGET, Graph
from sheetprop.verify.evaluate import compile_tree

MAX_DIGITS = 15             # LibreOffice and Excel store 15 significant digits; more is float noise
SAFETY = 2.0                # rounding bounds are first-order; leave room for the second
LONG = 3                    # a value of this many significant digits or more may have been rounded to them,
PLACES = 4                  # and one of this many decimals too (General shows -0.0095 near a crossing of zero)
# A typed constant that the fill handle or a paste left a few ulps off (0.989999999999998 for 0.99,
# 0.0500000000000001 for 0.05) is the constant: no slip is that small.
NOISE_ULPS = 64


@dataclass(frozen=True)
class Rule:
    """How one quantity is judged: its definition over the sheet's columns, compiled when first used (a
    network's candidates make many rules that are never evaluated)."""

    name: str
    expr: Expr
    leaves: tuple  # the Sym and Param nodes the definition reads, each once

    @cached_property
    def fn(self) -> Callable[[dict, dict, dict], float]:
        return compile_tree(self.expr)

    @property
    def update(self) -> bool:
        """Does it read the row above (a weight update)?"""
        return any(isinstance(leaf, Sym) and leaf.prev for leaf in self.leaves)

    def math(self) -> str:
        return f"{self.name} = {math_text(self.expr)}"


def math_text(expr: Expr) -> str:
    """The lecture's notation, as the graph's notes write it, with the row above marked by a prime.

    >>> math_text(Param("beta1") * Sym("m_w1", prev=True) + (1 - Param("beta1")) * Sym("∂E/∂w1", prev=True))
    'β1·m_w1′ + (1 − β1)·∂E/∂w1′'
    """
    return render(expr, "math", lambda node: legend.math(node.name, previous=isinstance(node, Sym) and node.prev))


def make_rule(graph: Graph, name: str, present: set[str]) -> Rule:
    """The rule for ``name``, its definition written out down to the ``present`` columns."""
    expr = expand(graph[name].expr, graph, present)
    leaves = tuple(dict.fromkeys(symbols(expr)))
    return Rule(name, expr, leaves)


def expand(expr: Expr, graph: Graph, present: set[str]) -> Expr:
    """Replace every quantity the sheet lacks by its definition; one of the row above stays of the row above."""
    def definition(node):
        if not isinstance(node, Sym) or node.name in present or node.name not in graph.index:
            return None
        quantity = graph[node.name]
        if quantity.first is not None:
            return Param(node.name)  # a weight the sheet never lists: a parameter, if labelled
        inner = expand(quantity.expr, graph, present)
        return _of_row_above(inner) if node.prev else inner
    return substitute(expr, definition)


def expanded_size(expr: Expr, graph: Graph, present: set[str], known: dict | None = None) -> int:
    """The nodes of ``expand(expr, graph, present)``, counted without writing it out (a chain written out
    grows with the product of the layers' widths)."""
    known = {} if known is None else known

    def leaf(node) -> int:
        if not isinstance(node, Sym) or node.name in present or node.name not in graph.index:
            return 1
        quantity = graph[node.name]
        if quantity.first is not None:
            return 1
        if node.name not in known:
            known[node.name] = expanded_size(quantity.expr, graph, present, known)
        return known[node.name]
    return size(expr, leaf)


def _of_row_above(expr: Expr) -> Expr:
    return substitute(expr, lambda node: Sym(node.name, prev=True) if isinstance(node, Sym) else None)


def exact_kinds(graph: Graph) -> set[str]:
    """Columns typed as given (inputs, targets, untrained biases) and the counter: exact, whatever their digits."""
    return {q.name for q in graph.quantities
            if q.role in (COUNTER, INPUT, TARGET) or (q.role == BIAS and q.first is None)}


@dataclass(frozen=True)
class Precision:
    """How finely a column's values are stored: to so many significant digits, or decimal places,
    whichever most of its values follow (one pasted full-precision value does not change the column).

    A value stored to 10 significant digits may be off by half a unit of its 10th digit; one rounded
    to 4 decimal places by half of 0.0001, however small it is, zero included. A value may be off by
    half a unit of its own last digit even in a column of longer ones (10-digit values pasted over
    the first rows of a column of formulas; General format shows 9.22e-05 and -0.00822 to three
    digits beside 0.50687457, and -0.0095 where a weight crosses zero): what it carries is all it
    claims. Only a value of one or two digits and few decimals (0.15, 0.5) is taken as typed exactly
    and held to the column's precision. A column's negative values may show a coarser precision than its
    positive ones (a fixed width, where the minus sign takes a place: 6 decimals when positive, 5 when
    negative): where their long values show one, ``negative`` holds it, so that -0.07 there is -0.07000,
    which -0.070003 rounds to, and not -0.070000.

    >>> p = Precision.of([0.5068745668, 6.748738404e-05, 0.1825303572])
    >>> p, p.half_unit(0.5068745668), p.half_unit(0.0275), p.half_unit(0.15)
    (Precision(digits=10, decimals=None), 5e-11, 5e-05, 5e-11)
    >>> Precision.of([0.5069, 0.0002, 0.0275]).half_unit(0.0002), Precision.of([0.5069, 0.0002]).half_unit(0)
    (5e-05, 5e-05)
    >>> Precision(15, None).half_unit(0.5068745668)   # a 10-digit value among full-precision ones
    5e-11
    >>> Precision.of([0.0003, 0.0002, 0.0001, 0.0])   # 1 significant digit, or 4 decimals: zero is 0.0000
    Precision(digits=None, decimals=4)
    >>> p = Precision.of([0.123457, 0.052341, 0.071234, -0.03817, -0.07])   # 6 decimals, 5 when negative
    >>> p, p.negative, p.half_unit(0.07), p.half_unit(-0.07)
    (Precision(digits=None, decimals=6), Precision(digits=None, decimals=5), 5e-07, 5e-06)
    """

    digits: int | None
    decimals: int | None
    negative: "Precision | None" = field(default=None, repr=False)  # the negative values', where coarser

    @staticmethod
    def of(values) -> "Precision":
        return Shapes(values).precision()

    def half_unit(self, value: float) -> float:
        if not math.isfinite(value):
            return 0.0
        if value < 0 and self.negative is not None:
            return self.negative.half_unit(value)
        if not value:
            # Rounded to so many decimals, a zero is anything smaller than half their last unit;
            # to so many significant digits, a zero is zero.
            return 0.0 if self.digits is not None else 0.5 * 10.0 ** -self.decimals
        if self.digits is None:
            column = 0.5 * 10.0 ** -self.decimals
        else:
            column = 0.5 * 10.0 ** (math.floor(math.log10(abs(value))) - self.digits + 1)
        digits, places = _shape(value)
        own = 0.5 * 10.0 ** -places
        return max(column, own) if digits >= LONG or places >= PLACES else min(column, own)


class Shapes:
    """How many of a column's values have each shape (significant digits, decimal places), counted as
    they come: a column of 100,000 values is never held to find its precision.

    >>> shapes = Shapes([0.5069, 0.0002])
    >>> shapes.add(0.0275); shapes.precision()
    Precision(digits=None, decimals=4)
    """

    def __init__(self, values=()):
        self.counts: Counter = Counter()   # a Counter keeps the order first seen: it breaks a tie
        self.decades: set[int] = set()
        self.negatives: Counter = Counter()  # the shapes of the negative values long enough to show a rounding
        self.negative_decades: set[int] = set()
        for value in values:
            self.add(value)

    def add(self, value: float) -> None:
        if value and math.isfinite(value):
            shape, decade = _shape(value), math.floor(math.log10(abs(value)))
            self.counts[shape] += 1
            self.decades.add(decade)
            if value < 0 and (shape[0] >= LONG or shape[1] >= PLACES):
                self.negatives[shape] += 1
                self.negative_decades.add(decade)

    def update(self, other: "Shapes") -> None:
        """Count ``other``'s values after these."""
        self.counts.update(other.counts)
        self.decades |= other.decades
        self.negatives.update(other.negatives)
        self.negative_decades |= other.negative_decades

    def precision(self) -> Precision:
        """The precision most of the values show (see Precision), with the negative values' own where
        their long ones show a coarser one."""
        if not self.counts:
            return Precision(MAX_DIGITS, None)
        overall = _most_shown(self.counts, self.decades)
        if self.negatives:
            negative = _most_shown(self.negatives, self.negative_decades)
            if _coarser(negative, overall):
                return Precision(overall.digits, overall.decimals, negative)
        return overall


def _coarser(one: Precision, other: Precision) -> bool:
    """Is ``one`` the same kind of rounding as ``other``, to fewer digits or decimals?"""
    if one.decimals is not None and other.decimals is not None:
        return one.decimals < other.decimals
    return one.digits is not None and other.digits is not None and one.digits < other.digits


def _most_shown(counts: Counter, decades: set[int]) -> Precision:
    """The precision most of the values counted (shape → count, over these decades) show in full."""
    by_digit, by_place = Counter(), Counter()
    for (d, p), n in counts.items():
        by_digit[min(MAX_DIGITS, d)] += n
        by_place[p] += n
    digits, places = _mode(by_digit), _mode(by_place)
    # Which rounding do most values show in full? (A trailing zero shortens a few of either kind.)
    if by_place[places] != by_digit[digits]:
        return Precision(None, places) if by_place[places] > by_digit[digits] else Precision(digits, None)
    # A tie within one decade (0.0003, 0.0002: 1 digit, or 4 decimals) is the same unit either way,
    # except for a zero among them: read as decimals, it is rounded too.
    return Precision(None, places) if len(decades) == 1 else Precision(digits, None)


def _mode(counts: Counter):
    """The most common, the first seen on a tie (as statistics.mode)."""
    return max(counts, key=counts.get)


def _shape(value: float) -> tuple[int, int]:
    """Significant digits and decimal places of a value as stored (its shortest repr, trailing zeros
    dropped), read off the text: 6.748738404e-05 → (10, 14), 1500.0 → (2, -2), 0.0 → (1, 0).

    >>> _shape(6.748738404e-05), _shape(1500.0), _shape(-0.0095), _shape(1e+16), _shape(0.0)
    ((10, 14), (2, -2), (2, 4), (1, -16), (1, 0))
    """
    mantissa, _, exponent = repr(float(value)).lstrip("-").partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    significant = digits.rstrip("0")
    if not significant:
        return 1, 0
    return len(significant), len(fraction) - int(exponent or 0) - (len(digits) - len(significant))


def noise(value: float) -> float:
    """Float noise a correct value may carry: a few ulps of it (0 for 0)."""
    return NOISE_ULPS * math.ulp(value) if value else 0.0


def tolerance(rule: Rule, V: dict, U: dict, P: dict, half_unit: Callable[[Sym], float], found_unit: float) -> float:
    """How far a correct cell may lie from the definition evaluated on rounded upstream cells.

    Each upstream value may be off by half a unit of its stored precision, and by float noise (a few
    ulps of it: a sum that cancels, a net of 0.0023 from terms near 1, carries the terms' noise, not its
    own); the definition's change when each is nudged by that much, summed, bounds the drift (plus the
    found value's own rounding).
    """
    base = rule.fn(V, U, P)
    spread = 0.0
    for leaf in rule.leaves:
        if not isinstance(leaf, Sym):
            continue
        values = U if leaf.prev else V
        unit = max(half_unit(leaf), noise(values[leaf.name]))
        if unit:
            kept = values[leaf.name]
            values[leaf.name] = kept + unit
            try:
                spread += abs(rule.fn(V, U, P) - base)
            except (ArithmeticError, ValueError):
                spread += math.inf
            finally:
                values[leaf.name] = kept
    return SAFETY * (spread + found_unit + noise(base))
