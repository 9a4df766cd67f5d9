"""The learning rate a sheet uses, read from how its weights change.

An update w = w′ − η·∂E/∂w′ is linear in η, so each weight's change implies a rate: with
A = w′ (η = 0) and B = ∂E/∂w′ (the change per unit of η), η = (A − w)/B. Stored values are rounded,
so each implied rate is an interval; a row's weights agree on a rate when their intervals overlap,
and the rate reported is the shortest decimal inside the overlap (0.8, not 0.799999822).
"""

from __future__ import annotations

import math
import statistics
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sheetprop.verify.findings import excerpt
from sheetprop.files.read import Lazy
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


class RowRates(Lazy):
    """The RowRate of every data row, held in arrays (a RowRate is made when one is asked for): a sheet
    of 100,000 rows implies 800,000 rates, which as objects would outweigh the sheet itself.

    >>> rows = RowRates()
    >>> rows.append(RowRate(1, (Implied("w1", 0.5, 1e-9), Implied("w2", 0.5, 2e-9))))
    >>> rows[0], list(rows.pairs())
    (RowRate(k=1, implied=(Implied(name='w1', rate=0.5, spread=1e-09), Implied(name='w2', rate=0.5, spread=2e-09))), [(0.5, 1e-09), (0.5, 2e-09)])
    """

    def __init__(self, rows: Iterable[RowRate] = ()):
        self._names: dict[str, int] = {}
        self._k, self._end = array("i"), array("i")          # per row: its k, where its implied rates end
        self._name, self._rate, self._spread = array("i"), array("d"), array("d")
        for row in rows:
            self.append(row)

    def append(self, row: RowRate) -> None:
        for implied in row.implied:
            self._name.append(self._names.setdefault(implied.name, len(self._names)))
            self._rate.append(implied.rate)
            self._spread.append(implied.spread)
        self._k.append(row.k)
        self._end.append(len(self._rate))

    def __len__(self) -> int:
        return len(self._k)

    def item(self, index: int) -> RowRate:
        names = list(self._names)
        start = self._end[index - 1] if index else 0
        return RowRate(self._k[index], tuple(Implied(names[self._name[i]], self._rate[i], self._spread[i])
                                             for i in range(start, self._end[index])))

    def pairs(self) -> Iterator[tuple[float, float]]:
        """(rate, spread) of every weight of every row, row by row."""
        return zip(self._rate, self._spread)


def _pairs(rows: Sequence[RowRate]) -> Iterator[tuple[float, float]]:
    if isinstance(rows, RowRates):
        return rows.pairs()
    return ((i.rate, i.spread) for r in rows for i in r.implied)


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
    """The rate the sheet is judged with, and where it came from, in words.

    ``still`` marks weights that never change (η = 0 inferred): no rate to judge them with, one finding.
    """

    rate: float | None
    words: str
    still: bool = False


def choose(rows: list[RowRate], labels: tuple[Label, ...] = ()) -> Choice:
    """A labelled rate wins (of labels that disagree, the one the weight changes agree with); else the
    rate most weight changes imply (a labelled list of candidates names the one that matches).
    An inferred rate of 0 or below is no gradient descent: negative, the sheet is judged with its size.
    A terse label ('h') counts only where the first weight update agrees with it."""
    first = next((r for r in rows if r.k == 1), None)
    labels = [label for label in labels if not label.terse or (
        label.single is not None and first is not None and first.allows(label.single))]
    given = [label for label in labels if label.single is not None]
    listed = next((label for label in labels if len(label.values) > 1), None)
    if given:
        choice = _labelled(rows, given)
        if listed and all(label.read_by is not None for label in given):
            # The cell the formulas read, among a labelled list of candidates: say both.
            choice = Choice(choice.rate, f"{choice.words}; '{excerpt(listed.text)}' ({a1(listed.cell)}) heads a "
                                         f"list of candidates: {_listed(listed)}")
        return choice
    text = next((label for label in labels if label.text_value), None)
    common = most_common(rows)
    if common is None:
        if listed:
            return Choice(None, f"unknown: '{excerpt(listed.text)}' ({a1(listed.cell)}) heads a list of candidates "
                                f"({_listed(listed)}), and no weight changes from row to row to pick one by")
        return Choice(None, "unknown: " + (_text_words(text) if text else "no labelled cell")
                      + ", and no weight changes from row to row to infer it from")
    if listed:
        match = max((v for _, v in listed.values), key=lambda v: _allowing(rows, v))
        rate = match if _allowing(rows, match) else common
        source = (f"'{excerpt(listed.text)}' ({a1(listed.cell)}) heads a list of candidates: {_listed(listed)}")
    else:
        rate, source = common, (_text_words(text) if text else "no cell is labelled")
    if rate == 0:
        return Choice(None, f"0, inferred from the weight change: the weights never change; {source}", still=True)
    if rate < 0:
        return Choice(-rate, f"{-rate:g}, the size of the {rate:g} inferred from the weight change, which climbs "
                             f"the gradient; {source}")
    return Choice(rate, f"{rate:g}, inferred from the weight change; {source}")


def _labelled(rows: list[RowRate], given: list[Label]) -> Choice:
    best = given[0]
    if all(label.single == best.single for label in given):
        # The sheet does what its label says; at η ≤ 0 that is no descent, which the words say.
        uphill = "" if best.single > 0 else " (at η ≤ 0 the weights do not descend the gradient)"
        return Choice(best.single, f"{best.single:g}, from {best.where}{uphill}")
    # Labels that disagree: the weight changes tell which one the sheet uses (the first on a tie).
    agreed = max(given, key=lambda label: _allowing(rows, label.single))
    why = "also labelled:"
    if _allowing(rows, agreed.single):
        best, why = agreed, "the weight changes agree with it, not with"
    others = ", ".join(f"{label.single:g} in {a1(label.values[0][0])}" for label in given
                       if label.single != best.single)
    return Choice(best.single, f"{best.single:g}, from {best.where}; {why} {others}")


def _listed(label: Label) -> str:
    return ", ".join(f"{v:g}" for _, v in label.values)


def _text_words(label: Label) -> str:
    cell, text = label.text_value
    return f"'{excerpt(label.text)}' ({a1(label.cell)}) is followed by the text '{excerpt(text)}' in {a1(cell)}, not a number"


def most_common(rows: list[RowRate]) -> float | None:
    """The rate the most weight changes agree on: one wrong first update must not make every later row
    look wrong, nor one weight's slip in every row leave the rate unknown. None when no weight implies one."""
    # Counted as they come (a Counter keeps the order first seen, which breaks ties).
    counts = Counter(shortest(rate - spread, rate + spread) for rate, spread in _pairs(rows))
    if not counts:
        return None
    # The likeliest few, by how often each is a weight's shortest rate (the first seen on a tie); then by
    # how many weights allow it.
    likely = sorted(counts, key=counts.get, reverse=True)[:10]
    return max(likely, key=lambda rate: _allowing(rows, rate))


def _allowing(rows: Sequence[RowRate], rate: float) -> int:
    """How many weights' implied rates allow ``rate``."""
    return sum(abs(implied - rate) <= spread for implied, spread in _pairs(rows))


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
