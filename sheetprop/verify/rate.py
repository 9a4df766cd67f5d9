"""The learning rate a sheet uses, read from how its weights change.

An update w = w′ − η·∂E/∂w′ is linear in η, so each weight's change implies a rate: with
A = w′ (η = 0) and B = ∂E/∂w′ (the change per unit of η), η = (A − w)/B. Stored values are rounded,
so each implied rate is an interval; a row's weights agree on a rate when their intervals overlap,
and the rate reported is the shortest decimal inside the overlap (0.8, not 0.799999822).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from sheetprop.verify.table import Label, a1


@dataclass(frozen=True)
class Implied:
    """The rate one weight's change implies, give or take ``spread``."""

    name: str
    rate: float
    spread: float


@dataclass(frozen=True)
class RowRate:
    """The rates the weights of one data row (index ``k``, never the first) imply."""

    k: int
    implied: tuple[Implied, ...]

    @property
    def low(self) -> float:
        return max(i.rate - i.spread for i in self.implied)

    @property
    def high(self) -> float:
        return min(i.rate + i.spread for i in self.implied)

    @property
    def consistent(self) -> bool:
        """Do all weights of the row agree on one rate?"""
        return self.low <= self.high

    @property
    def rate(self) -> float:
        if self.consistent:
            return shortest(self.low, self.high)
        return statistics.median(i.rate for i in self.implied)

    def allows(self, rate: float) -> bool:
        return self.low <= rate <= self.high


def shortest(low: float, high: float) -> float:
    """The number with the fewest decimals in [low, high].

    >>> shortest(0.7999993, 0.8000004), shortest(-1e-9, 1e-9), shortest(0.123456, 0.123457)
    (0.8, 0.0, 0.123456)
    """
    middle = (low + high) / 2
    for places in range(17):
        candidate = round(middle, places)
        if low <= candidate <= high:
            return candidate + 0.0
    return middle


@dataclass(frozen=True)
class Choice:
    """The rate the sheet is judged with, and where it came from, in words."""

    rate: float | None
    words: str


def choose(rows: list[RowRate], label: Label | None) -> Choice:
    """A labelled rate wins; otherwise the rate of the first row whose weights agree (a labelled
    list of candidates names the one that matches)."""
    first = next((r for r in rows if r.consistent), None)
    if label and label.single is not None:
        return Choice(label.single, f"{label.single:g}, from {label.where}")
    if first is None:
        return Choice(None, "unknown: no labelled cell and no weight change to infer it from")
    if label:
        candidates = ", ".join(f"{v:g}" for _, v in label.values)
        match = next((v for _, v in label.values if first.allows(v)), None)
        rate = first.rate if match is None else match
        return Choice(rate, f"{rate:g}, inferred from the weight change; '{label.text}' ({a1(label.cell)}) "
                            f"heads a list of candidates: {candidates}")
    return Choice(first.rate, f"{first.rate:g}, inferred from the weight change (no cell is labelled)")


def drifting(rows: list[RowRate], rate: float) -> list[RowRate]:
    """The rows whose weights agree on a rate other than ``rate``."""
    return [r for r in rows if r.consistent and not r.allows(rate)]


def history(rows: list[RowRate], sheet_rows: tuple[int, ...]) -> str:
    """The implied rate down the sheet, runs of one rate together: '0.5 (row 5), 0 (rows 6–13)'."""
    runs: list[list] = []
    for r in rows:
        rate = r.rate if r.consistent else math.nan
        if runs and (runs[-1][0] == rate or (math.isnan(rate) and math.isnan(runs[-1][0]))):
            runs[-1][2] = sheet_rows[r.k]
        else:
            runs.append([rate, sheet_rows[r.k], sheet_rows[r.k]])
    parts = []
    for rate, start, end in runs[:8]:
        value = "no single rate" if math.isnan(rate) else f"{rate:g}"
        parts.append(f"{value} (row {start})" if start == end else f"{value} (rows {start}–{end})")
    return ", ".join(parts) + (", …" if len(runs) > 8 else "")
