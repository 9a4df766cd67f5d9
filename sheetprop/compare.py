"""Runs side by side — each optimizer at each learning rate: final loss, iterations to a threshold,
which run did best.

The comparison is defined once, as expression trees like the quantities: ``RUN`` judges one run (its
first and final E_total, the first iteration below the threshold, its status, a step that overshoots),
``SHOWN`` says what a cell shows where a value is no number, ``BEST`` picks the run with the lowest
final E_total and ``ARRIVAL`` orders the runs that reach the threshold. The summary below evaluates
them (their python dialect, compiled once); the Compare sheet's formulas (``workbook/writer.py``) and
the living page's JavaScript (``walkthrough/live.py``) are their renderings.

>>> summary = summarize({0.5: [0.3, 0.2, 0.009], 2.0: [0.3, 0.4, 0.5]}, threshold=0.01)
>>> [(r.rate, r.final, r.reached, r.status) for r in summary.rates]
[(0.5, 0.009, 3, 'reached threshold'), (2.0, 0.5, None, 'diverging')]
>>> summary.best
Case(optimizer='sgd', rate=0.5)
>>> summary.label(summary.best)
'lr 0.5'
>>> render(RUN["reached"], "excel", lambda node: {"E_total": "B9:B209", "threshold": "$B$3"}.get(node.name))
'SUMPRODUCT(MATCH(TRUE,B9:B209<$B$3,0))'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, NamedTuple

from sheetprop.dialects import NAMESPACE, function_source, render  # noqa: F401 (the doctest renders)
from sheetprop.expr import (FOLLOWING, ITEM, ArgMin, Call, Expr, FirstWhere, Fn, If, Item, Nothing, Num, Otherwise, Param,
                            Sym, Text, equal, greater, less)

REACHED, DECREASING, DIVERGING, OVERFLOWED = "reached threshold", "decreasing", "diverging", "diverged (overflow)"
UNCHANGED, ONE_ITERATION = "unchanged", "one iteration"  # E_total where it started; no update to judge
STATUSES = (REACHED, DECREASING, DIVERGING, OVERFLOWED, UNCHANGED, ONE_ITERATION)
NEVER, OVERFLOW = "never", "overflow"  # what a cell shows for no first iteration below, for a final that is no number

LOSSES = Sym("E_total")  # one run's E_total, iteration by iteration
THRESHOLD, ITERATIONS = Param("threshold"), Param("iterations")
FIRST, FINAL, REACHED_AT, STATUS = Sym("first"), Sym("final"), Sym("reached"), Sym("status")
RUNS, FINALS = Sym("runs"), Sym("finals")  # every run, and each one's final E_total, in the runs' order
OVERSHOOT = 1e-12  # a rise smaller than this share of E_total is float noise, not a step that overshoots


def _number(x: Expr) -> Expr:
    return Fn("isnumber", x)


# One run judged; each definition reads the run's E_total and the definitions above it. A value that is
# no number (inf or nan in Python, an error in a spreadsheet) means the run overflowed.
RUN: dict[str, Expr] = {
    "first": Item(LOSSES, Num(1)),
    "final": Item(LOSSES, Num(-1)),
    "reached": FirstWhere(LOSSES, less(ITEM, THRESHOLD)),
    "status": If(_number(REACHED_AT), Text(REACHED), If(_number(FIRST), If(_number(FINAL), If(
        equal(ITERATIONS, 1), Text(ONE_ITERATION),  # the forward pass only: no update to judge
        If(less(FINAL, FIRST), Text(DECREASING), If(greater(FINAL, FIRST), Text(DIVERGING), Text(UNCHANGED)))),
        Text(OVERFLOWED)), Text(OVERFLOWED))),
    # The first step up, from iteration i to i + 1, of a run that does not diverge overall.
    "overshoot": If(equal(STATUS, Text(DIVERGING)), Nothing(),
                    FirstWhere(LOSSES, greater(FOLLOWING, ITEM * (1 + Num(OVERSHOOT))))),
}
# What a cell shows in place of a value that is no number: a word, which a spreadsheet's MIN passes over.
SHOWN: dict[str, Expr] = {
    "final": If(_number(FINAL), FINAL, Text(OVERFLOW)),
    "reached": Otherwise(REACHED_AT, Text(NEVER)),
}
# The best run: the lowest final E_total that is a number (the first of equals); none when every run overflowed.
BEST = Item(RUNS, ArgMin(FINALS))
# The runs that reach the threshold, fastest first: by the iteration they reach it, then by final E_total.
ARRIVAL = ("reached", "final")
JUDGED, PICKED = ("E_total", "threshold", "iterations"), ("runs", "finals")  # what RUN and BEST read
# A run's name on its sheet and in charts: its learning rate to 15 significant digits and at most 15 decimals
# (never a power of ten: people read it; at most 31 characters: a sheet's name), after its optimizer when that is
# named (none: not named).
RATE, OPTIMIZER, RATE_DIGITS = Sym("rate"), Sym("optimizer"), Sym("digits")
SHEET_NAME: dict[str, Expr] = {
    "digits": If(less(RATE, 1), Call("fixed", (RATE, Num(15))), Item(Call("g_format", (RATE, Num(15))), Num(1))),
    "name": If(OPTIMIZER, Call("join", (OPTIMIZER, Text(" lr "), RATE_DIGITS)), Call("join", (Text("lr "), RATE_DIGITS))),
}
NAMED = ("rate", "optimizer")  # what SHEET_NAME reads


def shown(name: str) -> Expr:
    """What the Compare sheet's cell of a run's ``name`` shows: its definition, in words where no number."""
    return SHOWN.get(name, Sym(name))


def compiled(definitions: dict[str, Expr], arguments: tuple[str, ...], result: str | None = None) -> Callable[..., dict]:
    """One Python function computing ``definitions`` in order from ``arguments``: a dict of their values
    (or the one named ``result``).

    >>> compiled(RUN, JUDGED)([0.3, 0.2], 0.25, 2)["reached"]
    2
    """
    namespace = dict(NAMESPACE)
    exec(compile(function_source("definitions", definitions, arguments, "python", result), "<sheetprop comparison>",
                 "exec"), namespace)
    return namespace["definitions"]


_judge = compiled(RUN, JUDGED)
_best = compiled({"best": BEST}, PICKED)
_shown = compiled(SHOWN, ("final", "reached"))
_sheet_name = compiled(SHEET_NAME, NAMED, "name")


class Case(NamedTuple):
    """One run of a comparison: an optimizer at a learning rate."""

    optimizer: str
    rate: float


@dataclass(frozen=True)
class RateResult:
    """How one run did (``RUN``): E_total at the start and the end, the first iteration below the threshold,
    its status, and the first step up (from ``overshoot`` to the next iteration) of a run not diverging."""

    case: Case
    first: float
    final: float
    reached: int | None
    status: str
    overshoot: int | None = None
    iterations: int = 2

    @property
    def rate(self) -> float:
        return self.case.rate

    @property
    def optimizer(self) -> str:
        return self.case.optimizer

    @property
    def threshold_reached(self) -> bool:
        return self.reached is not None

    @property
    def shown(self) -> dict[str, object]:
        """Each value of ``RUN`` as the Compare sheet shows it (``SHOWN``: words where no number)."""
        values = {name: getattr(self, name) for name in RUN}
        return {**values, **_shown(**{name: values[name] for name in ("final", "reached")})}


@dataclass(frozen=True)
class Summary:
    """All runs' results, their E_total trajectories and the best run (lowest final E_total)."""

    rates: list[RateResult]
    threshold: float
    trajectories: dict[Case, list[float]] = field(repr=False)

    @property
    def named(self) -> bool:
        """Whether the runs' labels name their optimizer."""
        return names_optimizers(self.trajectories)

    def label(self, case: Case) -> str:
        """The run's name on its sheet and in charts (see ``labels``)."""
        return labels(self.trajectories)[case]

    @property
    def iterations(self) -> int:
        return max(len(losses) for losses in self.trajectories.values())

    @property
    def best(self) -> Case | None:
        """The run with the lowest final E_total (``BEST``); None when every run overflowed."""
        return _best([r.case for r in self.rates], [r.final for r in self.rates])["best"]


def summarize(losses_by_case: dict, threshold: float) -> Summary:
    """Summarize E_total trajectories, one list per run: keyed by Case, or by learning rate for sgd.

    >>> summarize({0.1: [0.3, float("inf")], 0.2: [0.3, 0.3]}, 0.01).rates[0].status
    'diverged (overflow)'
    """
    trajectories = {key if isinstance(key, Case) else Case("sgd", key): losses
                    for key, losses in losses_by_case.items()}
    results = [RateResult(case, **_judge(losses, threshold, len(losses)), iterations=len(losses))
               for case, losses in trajectories.items()]
    return Summary(results, threshold, trajectories)


def names_optimizers(cases) -> bool:
    """Whether runs are labelled with their optimizer: when some run uses one other than plain sgd."""
    return any(case.optimizer != "sgd" for case in cases)


def labels(cases) -> dict[Case, str]:
    """Each run's name on its sheet and in charts: ``lr 0.5``, or ``adam lr 0.5`` when optimizers are named.

    >>> list(labels([Case("sgd", 0.5), Case("adam", 0.1)]).values())
    ['sgd lr 0.5', 'adam lr 0.1']
    """
    named = names_optimizers(cases)
    return {case: sheet_name(case.rate, case.optimizer if named else None) for case in cases}


def sheet_name(rate: float, optimizer: str | None = None) -> str:
    """The name of a run's sheet (``SHEET_NAME``): its learning rate, after its optimizer when that is named.

    >>> sheet_name(0.5), sheet_name(1.0), sheet_name(1e-4), sheet_name(1.5e-7), sheet_name(0.1, "adam")
    ('lr 0.5', 'lr 1', 'lr 0.0001', 'lr 0.00000015', 'adam lr 0.1')
    >>> sheet_name(1.23456789e-10), sheet_name(0.000324392244770637, "nesterov")  # a sheet's name: 31 characters
    ('lr 0.000000000123457', 'nesterov lr 0.000324392244771')
    """
    return _sheet_name(rate, optimizer)
