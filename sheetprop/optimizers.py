"""How a trainable parameter is updated from its gradient: each optimizer one record, as expressions.

An optimizer says what a parameter becomes on the next row (``step``) and which state it keeps beside it
(``states``: a velocity, running averages), each as an expression over the previous row's values, this
row's state and its hyperparameters (parameter cells of their own). The graph adds those expressions as
columns; every consumer renders or evaluates them, none restates them.

>>> from sheetprop.dialects import render
>>> [f"{render(left, 'math')} ← {render(right, 'math')}" for left, right in OPTIMIZERS["sgd"].rules()]
['w ← w − η·∂E/∂w']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sheetprop.expr import Expr, Param, Sym


@dataclass(frozen=True)
class Refs:
    """What one parameter's update may refer to: its value and gradient on the previous row (``w``, ``g``),
    its state on this row (``now``) and on the previous one (``before``), and the update's number ``t``."""

    w: Expr
    g: Expr
    t: Expr
    now: Callable[[str], Expr]
    before: Callable[[str], Expr]


@dataclass(frozen=True)
class State:
    """One column of state an optimizer keeps per parameter, named ``{key}_{parameter}``."""

    key: str
    words: str
    expr: Callable[[Refs], Expr]
    first: float = 0.0  # its value on iteration 1, before any update


@dataclass(frozen=True)
class Optimizer:
    """An update rule: the hyperparameters it reads, the state it keeps, the parameter's next value."""

    name: str
    words: str
    step: Callable[[Refs], Expr]
    states: tuple[State, ...] = ()
    hyperparameters: tuple[str, ...] = field(default=())

    def rules(self) -> list[tuple[Expr, Expr]]:
        """(left, right) of each state's rule, then of the parameter's, for a generic weight w: prose
        writes them ``left ← right``."""
        refs = generic_refs()
        return [(Sym(state.key), state.expr(refs)) for state in self.states] + [(Sym("w"), self.step(refs))]


def generic_refs() -> Refs:
    """Refs for a generic weight w, as prose writes an update rule."""
    return Refs(Sym("w"), Sym("∂E/∂w"), Sym("t"), lambda key: Sym(key), lambda key: Sym(key))


OPTIMIZERS: dict[str, Optimizer] = {o.name: o for o in (
    Optimizer("sgd", "gradient descent", lambda r: r.w - Param("lr") * r.g),
)}
