"""Runs side by side — each optimizer at each learning rate: final loss, iterations to a threshold,
which run did best.

>>> summary = summarize({0.5: [0.3, 0.2, 0.009], 2.0: [0.3, 0.4, 0.5]}, threshold=0.01)
>>> [(r.rate, r.final, r.reached, r.status) for r in summary.rates]
[(0.5, 0.009, 3, 'reached threshold'), (2.0, 0.5, None, 'diverging')]
>>> summary.best
Case(optimizer='sgd', rate=0.5)
>>> summary.label(summary.best)
'lr 0.5'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

REACHED, DECREASING, DIVERGING, OVERFLOWED = "reached threshold", "decreasing", "diverging", "diverged (overflow)"
UNCHANGED, ONE_ITERATION = "unchanged", "one iteration"  # E_total where it started; no update to judge
STATUSES = (REACHED, DECREASING, DIVERGING, OVERFLOWED, UNCHANGED, ONE_ITERATION)


class Case(NamedTuple):
    """One run of a comparison: an optimizer at a learning rate."""

    optimizer: str
    rate: float


@dataclass(frozen=True)
class RateResult:
    """How one run did: E_total at the start and the end, first iteration below the threshold."""

    case: Case
    first: float
    final: float
    reached: int | None
    iterations: int = 2

    @property
    def rate(self) -> float:
        return self.case.rate

    @property
    def optimizer(self) -> str:
        return self.case.optimizer

    @property
    def status(self) -> str:
        return status(self.first, self.final, self.threshold_reached, self.iterations)

    @property
    def threshold_reached(self) -> bool:
        return self.reached is not None


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
        """The run with the lowest final E_total; None when every run overflowed."""
        finite = [r for r in self.rates if r.status != OVERFLOWED]
        return min(finite, key=lambda r: r.final).case if finite else None


def status(first: float, final: float, reached: bool, iterations: int = 2) -> str:
    """The word the Compare sheet's formula gives: reached threshold, decreasing, diverging, unchanged,
    diverged (overflow) for a run with a value that is not a number (inf or nan, an error in a
    spreadsheet), or one iteration when there was no update to judge.

    >>> status(0.3, float("inf"), False), status(0.3, float("nan"), False), status(0.3, 0.3, False, 1)
    ('diverged (overflow)', 'diverged (overflow)', 'one iteration')
    """
    if reached:
        return REACHED
    if not (math.isfinite(final) and math.isfinite(first)):
        return OVERFLOWED
    if iterations == 1:
        return ONE_ITERATION
    return DECREASING if final < first else DIVERGING if final > first else UNCHANGED


def first_below(losses, threshold: float) -> int | None:
    """The first iteration (1-based) whose E_total is below ``threshold``, or None.

    >>> first_below([0.5, 0.2, 0.05], 0.1)
    3
    """
    return next((i for i, loss in enumerate(losses, start=1) if loss < threshold), None)


def summarize(losses_by_case: dict, threshold: float) -> Summary:
    """Summarize E_total trajectories, one list per run: keyed by Case, or by learning rate for sgd."""
    trajectories = {key if isinstance(key, Case) else Case("sgd", key): losses
                    for key, losses in losses_by_case.items()}
    results = [RateResult(case, losses[0], losses[-1], first_below(losses, threshold), len(losses))
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
    """The name of a run's sheet: its learning rate, after its optimizer when that is named.

    >>> sheet_name(0.5), sheet_name(1.0), sheet_name(1e-4), sheet_name(0.1, "adam")
    ('lr 0.5', 'lr 1', 'lr 0.0001', 'adam lr 0.1')
    """
    text = f"{rate:.15g}"
    if "e" in text:
        text = f"{rate:.15f}".rstrip("0")
    return f"{optimizer} lr {text}" if optimizer else f"lr {text}"
