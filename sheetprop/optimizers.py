"""How a trainable parameter is updated from its gradient: each optimizer one record, as expressions.

An optimizer says what a parameter becomes on the next row (``step``) and the state it keeps: per
parameter (``states``: a velocity, running averages) and per row, shared by every parameter (``shared``:
Adam's bias corrections). Each is an expression over the previous row's values, this row's state and the
optimizer's hyperparameters, which are parameter cells of their own (records of ``sheetprop.parameters``).
The graph adds those expressions as columns; every consumer renders or evaluates them, none restates them.
The algorithms are PyTorch's (``torch.optim``) with the same names and defaults, so that runs match it.

>>> from sheetprop.dialects import render
>>> from sheetprop.graph import update_rules
>>> [f"{render(left, 'math')} ← {render(right, 'math')}" for left, right in update_rules(OPTIMIZERS["momentum"])]
['v ← μ·v + ∂E/∂w', 'w ← w − η·v']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sheetprop.expr import Expr, Fn
from sheetprop.parameters import PARAMETERS


@dataclass(frozen=True)
class Refs:
    """What one parameter's update may refer to: its value and gradient on the previous row (``w``, ``g``),
    its state on this row (``now``) and on the previous one (``before``), a shared state of this row
    (``shared``) and the update's number ``t`` (1 on the first update, on iteration 2)."""

    w: Expr
    g: Expr
    t: Expr
    now: Callable[[str], Expr]
    before: Callable[[str], Expr]
    shared: Callable[[str], Expr]


@dataclass(frozen=True)
class State:
    """One column of state: per parameter (named ``{key}_{parameter}``) or shared by all (named ``key``)."""

    key: str
    words: str
    expr: Callable[[Refs], Expr]
    first: float = 0.0  # its value on iteration 1, before any update


@dataclass(frozen=True)
class Optimizer:
    """An update rule: the hyperparameters it reads (names of ``sheetprop.parameters`` records), the state
    it keeps, the parameter's next value."""

    name: str
    words: str
    step: Callable[[Refs], Expr]
    states: tuple[State, ...] = ()
    shared: tuple[State, ...] = ()
    hyperparameters: tuple[str, ...] = ()

    def rules(self, refs: Refs) -> list[tuple[Expr, Expr]]:
        """(left, right) of each state's rule, then of the parameter's, over ``refs`` (those of any weight w,
        ``graph.update_rules``, as prose writes them ``left ← right``)."""
        return ([(refs.shared(state.key), state.expr(refs)) for state in self.shared]
                + [(refs.now(state.key), state.expr(refs)) for state in self.states] + [(refs.w, self.step(refs))])


_MU, _ALPHA, _B1, _B2, _EPS, _LR = (PARAMETERS[n].param for n in ("momentum", "alpha", "beta1", "beta2", "eps", "lr"))


def _root(x: Expr) -> Expr:
    return Fn("sqrt", x)


def _velocity(r: Refs) -> Expr:
    return _MU * r.before("v") + r.g


OPTIMIZERS: dict[str, Optimizer] = {o.name: o for o in (
    Optimizer("sgd", "gradient descent", lambda r: r.w - _LR * r.g),
    # torch.optim.SGD(momentum=μ): the velocity starts at the first gradient (0 before it: μ·0 + g = g).
    Optimizer("momentum", "gradient descent with momentum", lambda r: r.w - _LR * r.now("v"),
              states=(State("v", "Velocity: the running sum of gradients", _velocity),),
              hyperparameters=("momentum",)),
    Optimizer("nesterov", "gradient descent with Nesterov momentum",
              lambda r: r.w - _LR * (r.g + _MU * r.now("v")),
              states=(State("v", "Velocity: the running sum of gradients", _velocity),),
              hyperparameters=("momentum",)),
    Optimizer("rmsprop", "RMSprop", lambda r: r.w - _LR * (r.g / (_root(r.now("s")) + _EPS)),
              states=(State("s", "Running average of the squared gradient",
                            lambda r: _ALPHA * r.before("s") + (1 - _ALPHA) * r.g ** 2),),
              hyperparameters=("alpha", "eps")),
    Optimizer("adam", "Adam",
              lambda r: r.w - _LR * (r.now("m") / r.shared("c1")) / (_root(r.now("v") / r.shared("c2")) + _EPS),
              states=(State("m", "Running average of the gradient",
                            lambda r: _B1 * r.before("m") + (1 - _B1) * r.g),
                      State("v", "Running average of the squared gradient",
                            lambda r: _B2 * r.before("v") + (1 - _B2) * r.g ** 2)),
              shared=(State("c1", "Bias correction of the average gradient, 1 − β1^t (t: the update's number)",
                            lambda r: 1 - _B1 ** r.t),
                      State("c2", "Bias correction of the average squared gradient, 1 − β2^t",
                            lambda r: 1 - _B2 ** r.t)),
              hyperparameters=("beta1", "beta2", "eps")),
)}
