"""The runs compared, in words and tables: which learning rate (and optimizer) converges fastest, which diverges.

>>> from sheetprop.compare import summarize
>>> summary = summarize({0.5: [0.3, 0.2, 0.1, 0.05], 1.0: [0.3, 0.1, 0.009, 0.002], 9.0: [0.3, 0.5, 0.4, 0.6]}, 0.01)
>>> for line in reading(summary, 4): print(line)
η = 1 converges fastest: E_total falls below the threshold 0.01 at iteration 3, and ends at 0.002 after 4 iterations.
η = 0.5 is still on its way: E_total is falling but stays above 0.01 after 4 iterations (0.05 at the end).
η = 9 diverges: E_total ends at 0.6, above the 0.3 it started from.
"""

from __future__ import annotations

from sheetprop.compare import DECREASING, DIVERGING, OVERFLOWED, REACHED, UNCHANGED, Case, Summary
from sheetprop.walkthrough.blocks import Table
from sheetprop.numerals import DIGITS, number

# Iterations the loss table shows (those up to the run's length, and always the last one).
CHECKPOINTS = (1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)


def rates_text(rates: list[float], digits: int = DIGITS) -> str:
    """η = 0.1, 0.2 and 0.5.

    >>> rates_text([0.1, 0.2, 0.5])
    'η = 0.1, 0.2 and 0.5'
    """
    return f"η = {listed([number(r, digits) for r in rates])}"


def runs_text(cases: list[Case], named: bool, digits: int = DIGITS) -> str:
    """The runs by their learning rates, or with their optimizers when those are ``named``.

    >>> runs_text([Case("adam", 0.1), Case("sgd", 0.5)], named=True)
    'adam with η = 0.1 and sgd with η = 0.5'
    """
    if not named:
        return rates_text([case.rate for case in cases], digits)
    return listed([f"{case.optimizer} with η = {number(case.rate, digits)}" for case in cases])


def run_label(case: Case, named: bool, digits: int = DIGITS) -> str:
    """A table's name of a run: ``η = 0.5``, or ``adam, η = 0.5``."""
    return (f"{case.optimizer}, " if named else "") + f"η = {number(case.rate, digits)}"


def listed(items: list[str]) -> str:
    """a, b and c.

    >>> listed(["tanh", "relu", "sigmoid"])
    'tanh, relu and sigmoid'
    """
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def reading(summary: Summary, digits: int = DIGITS) -> list[str]:
    """A few sentences on the comparison: the fastest rate, the others that arrive, the slow, the diverging."""
    n, threshold = summary.iterations, number(summary.threshold, digits)
    reached = sorted((r for r in summary.rates if r.status == REACHED), key=lambda r: (r.reached, r.final))
    slow = [r for r in summary.rates if r.status == DECREASING]
    diverging = [r for r in summary.rates if r.status in (DIVERGING, OVERFLOWED)]
    unchanged = [r for r in summary.rates if r.status == UNCHANGED]
    runs = lambda cases: runs_text(cases, summary.named, digits)  # noqa: E731
    rate = "run" if summary.named else "rate"
    lines = []
    if n == 1 and not diverging:
        return [f"One iteration is the forward pass on the initial weights: no update has been made, so no {rate} "
                "is judged yet; raise 'iterations' to compare them."]
    if reached:
        best = reached[0]
        lines.append(f"{runs([best.case])} converges fastest: E_total falls below the threshold "
                     f"{threshold} at iteration {best.reached}, and ends at {number(best.final, digits)} after "
                     f"{n} iterations.")
        if len(reached) > 1:
            others = reached[1:]
            verb, noun = ("gets", "iteration") if len(others) == 1 else ("get", "iterations")
            lines.append(f"{runs([r.case for r in others])} {verb} there too, at {noun} "
                         f"{listed([str(r.reached) for r in others])}.")
    elif summary.best is None:
        lines.append(f"No {rate} gets E_total below the threshold {threshold}: every run overflows.")
    else:
        lines.append(f"No {rate} gets E_total below the threshold {threshold} within {n} iterations; "
                     f"{runs([summary.best])} ends lowest.")
    if slow:
        verb = "is" if len(slow) == 1 else "are"
        ends = ", ".join(number(r.final, digits) for r in slow)
        lines.append(f"{runs([r.case for r in slow])} {verb} still on {'its' if len(slow) == 1 else 'their'} "
                     f"way: E_total is falling but stays above {threshold} after {n} iterations ({ends} at the end).")
    if diverging:
        for r in diverging:
            if r.status == OVERFLOWED:
                lines.append(f"{runs([r.case])} diverges: E_total grows until it overflows.")
            else:
                lines.append(f"{runs([r.case])} diverges: E_total ends at {number(r.final, digits)}, "
                             f"above the {number(r.first, digits)} it started from.")
    elif not unchanged:
        lines.append(f"No {rate} diverges: every one ends below the E_total it started from.")
    if unchanged:
        verb = "keeps" if len(unchanged) == 1 else "keep"
        lines.append(f"{runs([r.case for r in unchanged])} {verb} the E_total {'it' if len(unchanged) == 1 else 'they'} "
                     "started from: the gradients are zero, nothing moves.")
    lines += _overshoots(summary, digits)
    if reached and summary.best is not None and summary.best != reached[0].case:
        lines.append(f"The lowest E_total after {n} iterations is {runs([summary.best])}'s.")
    return lines


def _overshoots(summary: Summary, digits: int) -> list[str]:
    """Rates whose E_total rises at some step without diverging overall: the step is too long there."""
    runs = lambda cases: runs_text(cases, summary.named, digits)  # noqa: E731
    lines = []
    for r in summary.rates:
        if r.status == DIVERGING:
            continue
        losses = summary.trajectories[r.case]
        rise = next((i for i in range(1, len(losses)) if losses[i] > losses[i - 1] * (1 + 1e-12)), None)
        if rise is not None:
            lines.append(f"With {runs([r.case])} E_total rises from iteration {rise} to {rise + 1} "
                         "(a step that overshoots) before it falls again.")
    return lines


def checkpoints(iterations: int) -> list[int]:
    """The iterations the loss table shows.

    >>> checkpoints(201)
    [1, 2, 3, 5, 10, 20, 50, 100, 200, 201]
    """
    return sorted({i for i in CHECKPOINTS if i <= iterations} | {iterations})


def loss_table(summary: Summary, digits: int = DIGITS) -> Table:
    """E_total at the checkpoints, one column per run."""
    rates = list(summary.trajectories)
    header = ("iteration", *(run_label(r, summary.named, digits) for r in rates))
    rows = []
    for i in checkpoints(summary.iterations):
        rows.append((i, *(summary.trajectories[r][i - 1] if i <= len(summary.trajectories[r]) else "" for r in rates)))
    return Table(header, tuple(rows))


def rate_table(summary: Summary, digits: int = DIGITS) -> Table:
    """The Compare sheet's table: first and final E_total, first iteration below the threshold, status."""
    rows = []
    for r in summary.rates:
        reached = "never" if r.reached is None else r.reached
        mark = " (lowest final E_total)" if r.case == summary.best else ""
        rows.append((run_label(r.case, summary.named, digits), r.first, r.final, reached, r.status + mark))
    header = ("run" if summary.named else "learning rate", "E_total at 1", f"E_total at {summary.iterations}",
              f"first below {number(summary.threshold, digits)}", "status")
    return Table(header, tuple(rows))
