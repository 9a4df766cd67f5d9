"""Learning rates side by side: final loss, iterations to a threshold, which rate did best.

>>> summary = summarize({0.5: [0.3, 0.2, 0.009], 2.0: [0.3, 0.4, 0.5]}, threshold=0.01)
>>> [(r.rate, r.final, r.reached, r.status) for r in summary.rates]
[(0.5, 0.009, 3, 'reached threshold'), (2.0, 0.5, None, 'diverging')]
>>> summary.best
0.5
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

REACHED, DECREASING, DIVERGING, OVERFLOWED = "reached threshold", "decreasing", "diverging", "diverged (overflow)"


@dataclass(frozen=True)
class RateResult:
    """How one learning rate did: E_total at the start and the end, first iteration below the threshold."""

    rate: float
    first: float
    final: float
    reached: int | None

    @property
    def status(self) -> str:
        return status(self.first, self.final, self.threshold_reached)

    @property
    def threshold_reached(self) -> bool:
        return self.reached is not None


@dataclass(frozen=True)
class Summary:
    """All rates' results, their E_total trajectories and the best rate (lowest final E_total)."""

    rates: list[RateResult]
    threshold: float
    trajectories: dict[float, list[float]] = field(repr=False)

    @property
    def iterations(self) -> int:
        return max(len(losses) for losses in self.trajectories.values())

    @property
    def best(self) -> float | None:
        """The rate with the lowest final E_total; None when every run overflowed."""
        finite = [r for r in self.rates if math.isfinite(r.final)]
        return min(finite, key=lambda r: r.final).rate if finite else None


def status(first: float, final: float, reached: bool) -> str:
    """The word the Compare sheet's formula gives: reached threshold, decreasing, diverging or overflowed.

    >>> status(0.3, float("inf"), False)
    'diverged (overflow)'
    """
    if reached:
        return REACHED
    if not math.isfinite(final):
        return OVERFLOWED
    return DECREASING if final < first else DIVERGING


def first_below(losses, threshold: float) -> int | None:
    """The first iteration (1-based) whose E_total is below ``threshold``, or None.

    >>> first_below([0.5, 0.2, 0.05], 0.1)
    3
    """
    return next((i for i, loss in enumerate(losses, start=1) if loss < threshold), None)


def summarize(losses_by_rate: dict[float, list[float]], threshold: float) -> Summary:
    """Summarize E_total trajectories, one list per learning rate."""
    results = [RateResult(rate, losses[0], losses[-1], first_below(losses, threshold))
               for rate, losses in losses_by_rate.items()]
    return Summary(results, threshold, dict(losses_by_rate))


def sheet_name(rate: float) -> str:
    """The name of a learning rate's sheet.

    >>> sheet_name(0.5), sheet_name(1.0), sheet_name(1e-4)
    ('lr 0.5', 'lr 1', 'lr 0.0001')
    """
    text = f"{rate:.15g}"
    if "e" in text:
        text = f"{rate:.15f}".rstrip("0")
    return f"lr {text}"
