"""Activations and losses as data: each one's forward expression and its derivative, written out.

The CLI's and the config's choices are the keys of these registries.

>>> from sheetprop.expr import Sym, render
>>> render(ACTIVATIONS["sigmoid"].slope(Sym("h1"), Sym("a_h1")), "math")
'a_h1·(1 − a_h1)'
>>> render(LOSSES["half_sse"].slope(Sym("a_o1"), Sym("t1"), 2), "math")
'a_o1 − t1'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sheetprop.expr import Expr, Fn, Num


@dataclass(frozen=True)
class Activation:
    """a = apply(z); da/dz = slope(z, a)."""

    name: str
    apply: Callable[[Expr], Expr]
    slope: Callable[[Expr, Expr], Expr]


@dataclass(frozen=True)
class Loss:
    """Per-output error E_k = error(a, t, n) and its derivative ∂E/∂a_k = slope(a, t, n); E_total = Σ E_k."""

    name: str
    words: str
    error: Callable[[Expr, Expr, int], Expr]
    slope: Callable[[Expr, Expr, int], Expr]


ACTIVATIONS = {
    "sigmoid": Activation("sigmoid", lambda z: Fn("sigmoid", z), lambda z, a: a * (1 - a)),
    "tanh": Activation("tanh", lambda z: Fn("tanh", z), lambda z, a: 1 - a ** 2),
    # ReLU's slope at exactly 0 is taken as 0, as PyTorch does.
    "relu": Activation("relu", lambda z: Fn("relu", z), lambda z, a: Fn("step", z)),
    "linear": Activation("linear", lambda z: z, lambda z, a: Num(1.0)),
}

LOSSES = {
    "half_sse": Loss(
        "half_sse",
        "half the sum of squared errors: E_total = Σ ½(t − a)²",
        lambda a, t, n: Num(0.5) * (t - a) ** 2,
        lambda a, t, n: a - t,
    ),
    "mse": Loss(
        "mse",
        "mean squared error over the outputs: E_total = (1/n)·Σ (t − a)²",
        lambda a, t, n: (t - a) ** 2 / n,
        lambda a, t, n: 2 * (a - t) / n,
    ),
    "bce": Loss(
        "bce",
        "binary cross-entropy, mean over the outputs: E_total = −(1/n)·Σ [t·ln(a) + (1 − t)·ln(1 − a)]",
        lambda a, t, n: -(t * Fn("ln", a) + (1 - t) * Fn("ln", 1 - a)) / n,
        lambda a, t, n: (a - t) / (a * (1 - a)) / n,
    ),
}
