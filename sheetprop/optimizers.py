"""How a trainable parameter is updated from its gradient: each optimizer one record, as expressions.

An optimizer says what a parameter becomes on the next row (``step``) and the state it keeps: per
parameter (``states``: a velocity, running averages) and per row, shared by every parameter (``shared``:
Adam's bias corrections). Each is an expression over the previous row's values, this row's state and the
optimizer's hyperparameters, which are parameter cells of their own (records of ``sheetprop.parameters``).
The graph adds those expressions as columns; every consumer renders or evaluates them, none restates them.
The algorithms are PyTorch's (``torch.optim``) with the same names and defaults, so that runs match it.

Weight decay λ comes in torch's two ways: added to the gradient (L2: ``weight_decay`` of SGD, RMSprop and
Adam, when the config sets it: ``decayed``), or decoupled, the weight shrunk before the step (AdamW).

>>> from sheetprop.dialects import render
>>> from sheetprop.graph import update_rules
>>> [f"{render(left, 'math')} ← {render(right, 'math')}" for left, right in update_rules(OPTIMIZERS["momentum"])]
['v ← μ·v + ∂E/∂w', 'w ← w − η·v']
>>> [f"{render(left, 'math')} ← {render(right, 'math')}" for left, right in update_rules(OPTIMIZERS["sgd"].decayed())]
['w ← w − η·(∂E/∂w + λ·w)']
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
    it keeps, the parameter's next value. ``defaults`` holds its own default of a hyperparameter where it
    is not the record's (AdamW's weight decay); ``decay`` how weight decay enters it: "l2", added to the
    gradient when the config sets λ (``decayed``), or "decoupled", a hyperparameter of its own step."""

    name: str
    words: str
    step: Callable[[Refs], Expr]
    states: tuple[State, ...] = ()
    shared: tuple[State, ...] = ()
    hyperparameters: tuple[str, ...] = ()
    defaults: dict[str, float] = field(default_factory=dict, compare=False)
    decay: str = "l2"

    def default(self, name: str) -> float:
        """Its default value of the hyperparameter ``name`` (torch.optim's)."""
        return self.defaults.get(name, PARAMETERS[name].default)

    @property
    def reads(self) -> tuple[str, ...]:
        """Every hyperparameter a run of it may read: its own, and λ where weight decay is added to the gradient."""
        return self.hyperparameters + ((WEIGHT_DECAY,) if self.decay == "l2" else ())

    def decayed(self) -> "Optimizer":
        """The rule with torch.optim's weight decay added to the gradient: every state and the step read
        ∂E/∂w + λ·w where they read ∂E/∂w. A decoupled rule reads λ already and stays as it is."""
        if self.decay != "l2":
            return self

        def l2(rule):
            return lambda r: rule(replace(r, g=r.g + _LAMBDA * r.w))

        return replace(self, step=l2(self.step), states=tuple(replace(s, expr=l2(s.expr)) for s in self.states),
                       hyperparameters=self.reads)

    def rules(self, refs: Refs) -> list[tuple[Expr, Expr]]:
        """(left, right) of each state's rule, then of the parameter's, over ``refs`` (those of any weight w,
        ``graph.update_rules``, as prose writes them ``left ← right``)."""
        return ([(refs.shared(state.key), state.expr(refs)) for state in self.shared]
                + [(refs.now(state.key), state.expr(refs)) for state in self.states] + [(refs.w, self.step(refs))])


WEIGHT_DECAY = "weight_decay"
_MU, _ALPHA, _B1, _B2, _EPS, _LR, _LAMBDA = (PARAMETERS[n].param for n in
                                             ("momentum", "alpha", "beta1", "beta2", "eps", "lr", WEIGHT_DECAY))


def _root(x: Expr) -> Expr:
    return Fn("sqrt", x)


def _velocity(r: Refs) -> Expr:
    return _MU * r.before("v") + r.g


def _adam(w: Expr, r: Refs) -> Expr:
    """Adam's step from ``w``: η times the bias-corrected average gradient over the root of the corrected
    average squared gradient."""
    return w - _LR * (r.now("m") / r.shared("c1")) / (_root(r.now("v") / r.shared("c2")) + _EPS)


_AVERAGES = (State("m", "Running average of the gradient", lambda r: _B1 * r.before("m") + (1 - _B1) * r.g),
             State("v", "Running average of the squared gradient", lambda r: _B2 * r.before("v") + (1 - _B2) * r.g ** 2))
_CORRECTIONS = (State("c1", "Bias correction of the average gradient, 1 − β1^t (t: the update's number)",
                      lambda r: 1 - _B1 ** r.t),
                State("c2", "Bias correction of the average squared gradient, 1 − β2^t", lambda r: 1 - _B2 ** r.t))


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
    Optimizer("adam", "Adam", lambda r: _adam(r.w, r), states=_AVERAGES, shared=_CORRECTIONS,
              hyperparameters=("beta1", "beta2", "eps")),
    # torch.optim.AdamW: the weight shrinks by η·λ of itself, then Adam's step (of the gradient alone).
    Optimizer("adamw", "AdamW (Adam with decoupled weight decay)", lambda r: _adam(r.w * (1 - _LR * _LAMBDA), r),
              states=_AVERAGES, shared=_CORRECTIONS, hyperparameters=("beta1", "beta2", "eps", WEIGHT_DECAY),
              defaults={WEIGHT_DECAY: 0.01}, decay="decoupled"),
)}
