"""Every function the definitions use, one record each; activations and losses built on them.

A function record carries all there is to know about it: its float64 runtime (what the engine runs),
its slope as an expression (what the backward pass differentiates with), its inverse where verify needs
one, and its form in every dialect (``sheetprop.dialects``). Adding an activation is adding one record
here with ``activation=True``; the CLI's and the config's choices are derived from these registries.

>>> from sheetprop.dialects import render
>>> from sheetprop.expr import Sym
>>> render(ACTIVATIONS["sigmoid"].slope(Sym("h1"), Sym("a_h1")), "math")
'a_h1·(1 − a_h1)'
>>> render(LOSSES["half_sse"].slope(Sym("a_o1"), Sym("t1"), 2), "math")
'a_o1 − t1'
>>> FUNCTIONS["sigmoid"].runtime(0.0), FUNCTIONS["sigmoid"].inverse(0.5)
(0.5, 0.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Mapping

from sheetprop.expr import Expr, Fn, Num

Slope = Callable[[Expr, Expr], Expr]


@dataclass(frozen=True)
class Function:
    """One function of one argument, in every form it takes.

    ``forms`` maps each dialect to a template: ``{x}`` is the rendered argument, ``{bx}`` the argument in
    the dialect's brackets. The Python dialect calls ``runtime`` (as ``_name``); ``js`` is its JavaScript
    runtime when no built-in will do. ``slope(z, a)`` is df/dz written with z and a = f(z).
    """

    name: str
    runtime: Callable[[float], float]
    forms: Mapping[str, str]
    slope: Slope | None = None
    inverse: Callable[[float], float] | None = None
    activation: bool = False
    js: str = ""


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _logit(a: float) -> float:
    return math.log(a / (1.0 - a)) if 0.0 < a < 1.0 else math.nan


def _relu(z: float) -> float:
    # A spreadsheet's MAX of an error is an error: nan stays nan (Python's max(0.0, nan) is 0.0).
    return z if z > 0 or z != z else 0.0


def _step(z: float) -> float:
    return 1.0 if z > 0 else 0.0 if z == z else z


def _ln(x: float) -> float:
    if x > 0:
        return math.log(x)
    return -math.inf if x == 0 else math.nan


def _sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0 else math.nan


def _atanh(a: float) -> float:
    return math.atanh(a) if -1.0 < a < 1.0 else math.nan


def _isnumber(x) -> bool:
    """A number a spreadsheet cell can hold: not a word, not nothing, not inf or nan (an error there)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _bracketed(form: str) -> dict:
    """The forms of a function written name(argument) in every dialect but the spreadsheet's."""
    return {"math": f"{form}({{x}})", "mathml": f"<mrow><mi>{form}</mi><mo>&#x2061;</mo>{{bx}}</mrow>"}


FUNCTIONS: dict[str, Function] = {f.name: f for f in (
    # The spreadsheet's sigmoid branches on the sign so that EXP never overflows (EXP(710) is #NUM!).
    Function("sigmoid", _sigmoid, {
        "excel": "IF({x}>=0,1/(1+EXP(-{x})),EXP({x})/(1+EXP({x})))",
        "js": "F.sigmoid({x})", **_bracketed("σ")},
        slope=lambda z, a: a * (1 - a), inverse=_logit, activation=True,
        js="z => z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))"),
    Function("tanh", math.tanh, {"excel": "TANH({x})", "js": "Math.tanh({x})", **_bracketed("tanh")},
             slope=lambda z, a: 1 - a ** 2, inverse=_atanh, activation=True),
    # ReLU's slope at exactly 0 is taken as 0, as PyTorch does.
    Function("relu", _relu, {
        "excel": "MAX(0,{x})", "js": "F.relu({x})", "math": "max(0, {x})",
        "mathml": "<mrow><mi>max</mi><mo>&#x2061;</mo><mrow><mo stretchy=\"false\">(</mo><mn>0</mn><mo>,</mo>"
                  "{x}<mo stretchy=\"false\">)</mo></mrow></mrow>"},
        slope=lambda z, a: Fn("step", z), activation=True, js="z => z > 0 || z !== z ? z : 0"),
    Function("step", _step, {
        "excel": "IF({x}>0,1,0)", "js": "F.step({x})", "math": "[{x} > 0]",
        "mathml": "<mrow><mo stretchy=\"false\">[</mo>{x}<mo>&gt;</mo><mn>0</mn><mo stretchy=\"false\">]</mo></mrow>"},
        js="z => z > 0 ? 1 : z === z ? 0 : z"),
    Function("ln", _ln, {"excel": "LN({x})", "js": "Math.log({x})", **_bracketed("ln")}, inverse=math.exp),
    Function("sqrt", _sqrt, {"excel": "SQRT({x})", "js": "Math.sqrt({x})", "math": "√({x})",
                             "mathml": "<msqrt>{x}</msqrt>"}, slope=lambda z, a: 1 / (2 * a)),
    # A test, not a number: the comparison of runs asks it of E_total (sheetprop.compare).
    Function("isnumber", _isnumber, {"excel": "ISNUMBER({x})", "js": "Number.isFinite({x})",
                                     "math": "{x} is a number",
                                     "mathml": "<mrow>{x}<mtext>&#xa0;is a number</mtext></mrow>"}),
)}


@dataclass(frozen=True)
class Activation:
    """a = apply(z); da/dz = slope(z, a); ``function`` is its record (None for the identity)."""

    name: str
    apply: Callable[[Expr], Expr]
    slope: Slope
    function: Function | None = field(default=None, repr=False)

    def inverse(self, a: float) -> float:
        """z from a, where the activation has an inverse (nan where it has none)."""
        if self.function is None:
            return a
        return self.function.inverse(a) if self.function.inverse else math.nan


def _activation(function: Function) -> Activation:
    return Activation(function.name, lambda z: Fn(function.name, z), function.slope, function)


ACTIVATIONS: dict[str, Activation] = {
    **{f.name: _activation(f) for f in FUNCTIONS.values() if f.activation},
    "linear": Activation("linear", lambda z: z, lambda z, a: Num(1.0)),
}


@dataclass(frozen=True)
class Loss:
    """Per-output error E_k = error(a, t, n) and its derivative ∂E/∂a_k = slope(a, t, n); E_total = Σ E_k.

    ``parameters`` names the records of ``sheetprop.parameters`` the error reads (as their ``param``
    nodes): each becomes a labelled cell, a config key and a field of the page, as an optimizer's do.
    """

    name: str
    description: str
    error: Callable[[Expr, Expr, int], Expr]
    slope: Callable[[Expr, Expr, int], Expr]
    parameters: tuple[str, ...] = ()



LOSSES = {
    "half_sse": Loss(
        "half_sse", "half the sum of squared errors",
        lambda a, t, n: Num(0.5) * (t - a) ** 2,
        lambda a, t, n: a - t,
    ),
    "mse": Loss(
        "mse", "mean squared error over the n outputs",
        lambda a, t, n: (t - a) ** 2 / n,
        lambda a, t, n: 2 * (a - t) / n,
    ),
    "bce": Loss(
        "bce", "binary cross-entropy, mean over the n outputs",
        lambda a, t, n: -(t * Fn("ln", a) + (1 - t) * Fn("ln", 1 - a)) / n,
        lambda a, t, n: (a - t) / (a * (1 - a)) / n,
    ),
}
