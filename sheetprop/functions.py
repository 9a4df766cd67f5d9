"""Every function the definitions use, one record each; activations and losses built on them.

A function record carries all there is to know about it: its float64 runtime (what the engine runs),
its slope as an expression (what the backward pass differentiates with), its inverse where verify needs
one, its form in every dialect (``sheetprop.dialects``) and the spreadsheet function that computes it
(what verify's formula reader reads ``EXP(…)`` or ``MOD(…)`` as). Adding an activation is adding one record
here with ``activation=True``; the CLI's and the config's choices are derived from these registries.

>>> from sheetprop.dialects import render
>>> from sheetprop.expr import Sym
>>> render(ACTIVATIONS["sigmoid"].slope(Sym("h1"), Sym("a_h1")), "math")
'a_h1·(1 − a_h1)'
>>> render(LOSSES["half_sse"].slope(Sym("a_o1"), Sym("t1"), 2), "math")
'a_o1 − t1'
>>> FUNCTIONS["sigmoid"].runtime(0.0), FUNCTIONS["sigmoid"].inverse(0.5)
(0.5, 0.0)

Softmax is a function of the whole layer: each output reads every net input of its layer, and its slope is
a Jacobian, ∂a_k/∂z_j = a_k·(δ_kj − a_j): ``slope`` gives the diagonal, ``across`` the rest.

>>> softmax = ACTIVATIONS["softmax"]
>>> render(softmax.outputs([Sym("o1"), Sym("o2")])[0], "math")
'exp(o1 − max(o1, o2))/(exp(o1 − max(o1, o2)) + exp(o2 − max(o1, o2)))'
>>> render(softmax.slope(Sym("o1"), Sym("a_o1")), "math"), render(softmax.across(Sym("a_o2"), Sym("a_o1")), "math")
('a_o1·(1 − a_o1)', 'a_o2·a_o1')
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

from sheetprop.expr import Call, Expr, Fn, If, Num, less, sum_of
from sheetprop.parameters import PARAMETERS

Slope = Callable[[Expr, Expr], Expr]


@dataclass(frozen=True)
class Function:
    """One function of one argument, in every form it takes.

    ``forms`` maps each dialect to a template: ``{x}`` is the rendered argument, ``{bx}`` the argument in
    the dialect's brackets; a function of several arguments (a ``Call``, as max) has ``{xs}``, its
    arguments listed as the dialect separates them, and ``{bxs}``, the list in brackets. The Python dialect
    calls ``runtime`` (as ``_name``); ``js`` is its JavaScript runtime when no built-in will do.
    ``slope(z, a)`` is df/dz written with z and a = f(z). ``spreadsheet`` names the spreadsheet function
    that computes it (none where a formula spells it out, as σ); ``arguments`` is how many it takes (None:
    any number, as MAX), applied in a tree as ``Call(name, args)`` when not one. ``spelled_out(z)`` is the
    function as people type it out in a formula (σ: 1/(1 + exp(−z))), where they do: verify's slips of a
    formula (brackets left out) are slips of that.
    """

    name: str
    runtime: Callable[[float], float]
    forms: Mapping[str, str]
    slope: Slope | None = None
    inverse: Callable[[float], float] | None = None
    activation: bool = False
    js: str = ""
    spreadsheet: str = ""
    arguments: int | None = 1
    spelled_out: Callable[[Expr], Expr] | None = None


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


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:  # a spreadsheet's #NUM!
        return math.inf


def _max(*xs) -> float:
    """The largest number given, a range's (a list, as verify reads a formula) included. A spreadsheet's MAX
    of an error is an error: nan anywhere gives nan (Python's max depends on the order)."""
    values = [v for x in xs for v in (x if isinstance(x, list) else (x,))]
    return math.nan if any(v != v for v in values) else max(values)


def _sign(x: float) -> float:
    return 1.0 if x > 0 else -1.0 if x < 0 else x


def _ln(x: float) -> float:
    if x > 0:
        return math.log(x)
    return -math.inf if x == 0 else math.nan


def _sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0 else math.nan


def _atanh(a: float) -> float:
    return math.atanh(a) if -1.0 < a < 1.0 else math.nan


def _log10(x: float) -> float:
    if x > 0:
        return math.log10(x)
    return -math.inf if x == 0 else math.nan


def _log(x: float, base: float = 10.0) -> float:
    try:
        return math.log(x, base)
    except (ValueError, ZeroDivisionError):
        return math.nan


def _mod(a: float, b: float) -> float:
    """A spreadsheet's MOD: the remainder takes the divisor's sign; by 0 it is an error (no number)."""
    return a % b if b else math.nan


def _spreads(run):
    """A function of several values as a spreadsheet computes it: an error (nan) among them is the result."""
    def over(*values):
        return math.nan if any(v != v for v in values) else run(values)
    return over


def _choose(index: float, *options: float) -> float:
    i = int(index) if index == index else 0
    return options[i - 1] if 1 <= i <= len(options) else math.nan


def _round(x: float, digits: float = 0.0) -> float:
    """A spreadsheet's ROUND: halves away from zero (Python's round takes them to even)."""
    if x != x or digits != digits:
        return math.nan
    scale = 10.0 ** int(digits)
    return math.copysign(math.floor(abs(x) * scale + 0.5) / scale, x)


def _isnumber(x) -> bool:
    """A number a spreadsheet cell can hold: not a word, not nothing, not inf or nan (an error there)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _bracketed(form: str, several: bool = False) -> dict:
    """The forms of a function written name(argument) in every dialect but the spreadsheet's (``several``:
    of several arguments, listed)."""
    x, bx = ("{xs}", "{bxs}") if several else ("{x}", "{bx}")
    return {"math": f"{form}({x})", "mathml": f"<mrow><mi>{form}</mi><mo>&#x2061;</mo>{bx}</mrow>"}


def _spelled(spreadsheet: str, js: str, form: str | None = None, several: bool = False) -> dict:
    """The forms of a function called by its name in a spreadsheet and in JavaScript (``js`` a template)."""
    return {"excel": f"{spreadsheet}({{xs}})" if several else f"{spreadsheet}({{x}})", "js": js,
            **_bracketed(form or spreadsheet.lower(), several)}


FUNCTIONS: dict[str, Function] = {f.name: f for f in (
    # The spreadsheet's sigmoid branches on the sign so that EXP never overflows (EXP(710) is #NUM!).
    Function("sigmoid", _sigmoid, {
        "excel": "IF({x}>=0,1/(1+EXP(-{x})),EXP({x})/(1+EXP({x})))",
        "js": "F.sigmoid({x})", **_bracketed("σ")},
        slope=lambda z, a: a * (1 - a), inverse=_logit, activation=True,
        spelled_out=lambda z: 1 / (1 + Fn("exp", -z)),
        js="z => z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))"),
    Function("tanh", math.tanh, {"excel": "TANH({x})", "js": "Math.tanh({x})", **_bracketed("tanh")},
             slope=lambda z, a: 1 - a ** 2, inverse=_atanh, activation=True, spreadsheet="TANH"),
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
    Function("exp", _exp, {"excel": "EXP({x})", "js": "Math.exp({x})", **_bracketed("exp")}, inverse=_ln,
             slope=lambda z, a: a, spreadsheet="EXP"),
    Function("max", _max, {"excel": "MAX({xs})", "js": "Math.max({xs})", "math": "max({xs})",
                           "mathml": "<mrow><mi>max</mi><mo>&#x2061;</mo>{bxs}</mrow>"},
             spreadsheet="MAX", arguments=None),
    Function("abs", abs, {"excel": "ABS({x})", "js": "Math.abs({x})", "math": "|{x}|",
                          "mathml": "<mrow><mo>|</mo>{x}<mo>|</mo></mrow>"}, spreadsheet="ABS"),
    Function("sign", _sign, {"excel": "SIGN({x})", "js": "Math.sign({x})", **_bracketed("sign")}, spreadsheet="SIGN"),
    Function("ln", _ln, {"excel": "LN({x})", "js": "Math.log({x})", **_bracketed("ln")}, inverse=math.exp,
             spreadsheet="LN"),
    Function("sqrt", _sqrt, {"excel": "SQRT({x})", "js": "Math.sqrt({x})", "math": "√({x})",
                             "mathml": "<msqrt>{x}</msqrt>"}, slope=lambda z, a: 1 / (2 * a), spreadsheet="SQRT"),
    # A test, not a number: the comparison of runs asks it of E_total (sheetprop.compare).
    Function("isnumber", _isnumber, {"excel": "ISNUMBER({x})", "js": "Number.isFinite({x})",
                                     "math": "{x} is a number",
                                     "mathml": "<mrow>{x}<mtext>&#xa0;is a number</mtext></mrow>"},
             spreadsheet="ISNUMBER"),
    # What hand-made sheets compute with besides: verify reads their formulas through these records.
    Function("log10", _log10, _spelled("LOG10", "Math.log10({x})", "log₁₀"), spreadsheet="LOG10"),
    Function("log", _log, _spelled("LOG", "((x, b = 10) => Math.log(x) / Math.log(b))({xs})", several=True), spreadsheet="LOG",
             arguments=None),
    Function("mod", _mod, _spelled("MOD", "((a, b) => b ? a - b * Math.floor(a / b) : NaN)({xs})", several=True),
             spreadsheet="MOD", arguments=2),
    Function("min", _spreads(min), _spelled("MIN", "Math.min({xs})", several=True), spreadsheet="MIN",
             arguments=None),
    Function("int", lambda x: float(math.floor(x)) if math.isfinite(x) else math.nan,
             _spelled("INT", "Math.floor({x})"), spreadsheet="INT"),
    Function("round", _round, _spelled("ROUND", "((x, d = 0) => Math.sign(x) * Math.round(Math.abs(x) * 10 ** d) "
                                                 "/ 10 ** d)({xs})", several=True), spreadsheet="ROUND", arguments=None),
    Function("choose", _choose, _spelled("CHOOSE", "((i, ...o) => o[Math.trunc(i) - 1] ?? NaN)({xs})", several=True),
             spreadsheet="CHOOSE", arguments=None),
)}
# The spreadsheet's name of each function that has one: what a formula calls it.
SPREADSHEET = {f.spreadsheet: f for f in FUNCTIONS.values() if f.spreadsheet}


@dataclass(frozen=True)
class Targets:
    """The targets an output can be compared with: each in [low, high], and, where ``total`` is set, each
    example's adding up to it (a probability distribution). ``what`` says what they are, for a message.

    >>> DISTRIBUTION.problem([0.2, 0.7]), DISTRIBUTION.problem([0.5, 1.5]), DISTRIBUTION.problem([0.25, 0.75])
    ('the targets sum to 0.9', 'target 1.5 is outside 0 to 1', None)
    """

    low: float
    high: float
    what: str
    total: float | None = None

    def problem(self, example: Sequence[float]) -> str | None:
        """What is wrong with one example's targets, or None."""
        outside = next((t for t in example if not self.low <= t <= self.high), None)
        if outside is not None:
            return f"target {outside:g} is outside {self.low:g} to {self.high:g}"
        # A sum of decimals typed by hand is off by a few units in the last place: 0.1 + 0.2 + 0.7.
        if self.total is not None and abs(math.fsum(example) - self.total) > 1e-9:
            return f"the targets sum to {math.fsum(example):g}"
        return None

    @property
    def rule(self) -> str:
        """The rule in words: 'from 0 to 1, each example's summing to 1'."""
        summing = f", each example's summing to {self.total:g}" if self.total is not None else ""
        return f"from {self.low:g} to {self.high:g}{summing}"


PROBABILITIES = Targets(0.0, 1.0, "probabilities")
DISTRIBUTION = Targets(0.0, 1.0, "probability distributions", total=1.0)


@dataclass(frozen=True)
class Activation:
    """a = apply(z); da/dz = slope(z, a); ``function`` is its record (None for the identity).

    A function of the whole layer (softmax) has ``layer`` instead of ``apply``: every output of the layer
    from all its net inputs; its slope is a Jacobian: ``slope`` its diagonal ∂a_k/∂z_k, and ``across``
    minus the rest, ∂a_k/∂z_j = −across(a_k, a_j) for j ≠ k (written as subtracted terms, as by hand).
    ``targets``: what its outputs can be compared with, when the output layer has it.
    """

    name: str
    apply: Callable[[Expr], Expr] | None
    slope: Slope
    function: Function | None = field(default=None, repr=False)
    layer: Callable[[tuple[Expr, ...]], list[Expr]] | None = field(default=None, repr=False)
    across: Callable[[Expr, Expr], Expr] | None = field(default=None, repr=False)
    targets: Targets | None = None

    def outputs(self, nets: Sequence[Expr]) -> list[Expr]:
        """The activations of a layer whose net inputs are ``nets``."""
        return self.layer(tuple(nets)) if self.layer else [self.apply(z) for z in nets]

    def inverse(self, a: float) -> float:
        """z from a, where the activation has an inverse (nan where it has none)."""
        if self.layer is not None:
            return math.nan
        if self.function is None:
            return a
        return self.function.inverse(a) if self.function.inverse else math.nan


def _activation(function: Function) -> Activation:
    return Activation(function.name, lambda z: Fn(function.name, z), function.slope, function)


def _softmax(nets: tuple[Expr, ...]) -> list[Expr]:
    """e^(z_k − m)/Σ e^(z_j − m), m the layer's largest net input: EXP never overflows, and the ratio is the same."""
    top = Call("max", nets) if len(nets) > 1 else nets[0]   # max(o1) of a layer of one says nothing
    powers = [Fn("exp", z - top) for z in nets]
    total = sum_of(powers)
    return [power / total for power in powers]


ACTIVATIONS: dict[str, Activation] = {
    **{f.name: _activation(f) for f in FUNCTIONS.values() if f.activation},
    "linear": Activation("linear", lambda z: z, lambda z, a: Num(1.0)),
    # ∂a_k/∂z_j = a_k·(δ_kj − a_j): a_k·(1 − a_k) on the diagonal, −a_k·a_j off it.
    "softmax": Activation("softmax", None, lambda z, a: a * (1 - a), layer=_softmax, across=lambda a_k, a_j: a_k * a_j,
                          targets=DISTRIBUTION),
}


@dataclass(frozen=True)
class Loss:
    """Per-output error E_k = error(a, t, n) and its derivative ∂E/∂a_k = slope(a, t, n); E_total = Σ E_k.

    ``parameters`` names the records of ``sheetprop.parameters`` the error reads (as their ``param``
    nodes): each becomes a labelled cell, a config key and a field of the page, as an optimizer's do.
    ``outputs``: the output activation it needs (None: any), said as ``needs`` in a refusal;
    ``targets``: what it can compare the outputs with (None: any number); ``collapse(a, t, n)``: an output
    neuron's δ, ∂E/∂z, once its chain through that activation is simplified (what the walkthrough shows
    beside the chain: cross-entropy through softmax, a − t).
    """

    name: str
    description: str
    error: Callable[[Expr, Expr, int], Expr]
    slope: Callable[[Expr, Expr, int], Expr]
    parameters: tuple[str, ...] = ()
    outputs: str | None = None
    needs: str = ""
    targets: Targets | None = None
    collapse: Callable[[Expr, Expr, int], Expr] | None = None


_DELTA = PARAMETERS["delta"].param


def _huber(a: Expr, t: Expr, n) -> Expr:
    """torch.nn.functional.huber_loss: ½(a − t)² within δ, δ·(|a − t| − ½δ) beyond, mean over the outputs."""
    gap = Fn("abs", t - a)
    return If(less(gap, _DELTA), Num(0.5) * (t - a) ** 2, _DELTA * (gap - Num(0.5) * _DELTA)) / n


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
        outputs="sigmoid", needs="outputs in (0, 1)", targets=PROBABILITIES,
        collapse=lambda a, t, n: (a - t) / n,  # (a − t)/(a·(1 − a))/n times σ's slope a·(1 − a)
    ),
    "cross_entropy": Loss(
        "cross_entropy", "categorical cross-entropy, summed over the outputs",
        lambda a, t, n: -t * Fn("ln", a),
        lambda a, t, n: -t / a,
        outputs="softmax", needs="outputs that form a probability distribution", targets=DISTRIBUTION,
        # Σ_k (−t_k/a_k)·a_k·(δ_kj − a_j) = a_j·Σ_k t_k − t_j, and the targets sum to 1
        collapse=lambda a, t, n: a - t,
    ),
    "huber": Loss(
        "huber", "Huber loss, mean over the n outputs", _huber,
        lambda a, t, n: If(less(Fn("abs", a - t), _DELTA), a - t, _DELTA * Fn("sign", a - t)) / n,
        parameters=("delta",),
    ),
}
