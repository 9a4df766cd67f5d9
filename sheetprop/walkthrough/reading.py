"""The runs compared, in words and tables: which learning rate (and optimizer) converges fastest, which diverges.

>>> from sheetprop.compare import summarize
>>> summary = summarize({0.5: [0.3, 0.2, 0.1, 0.05], 1.0: [0.3, 0.1, 0.009, 0.002], 9.0: [0.3, 0.5, 0.4, 0.6]}, 0.01)
>>> for line in reading(summary, 4): print(line)
η = 1 converges fastest: E_total falls below the threshold 0.01 at iteration 3, and ends at 0.002 after 4 iterations.
η = 0.5 is still on its way: E_total is falling but stays above 0.01 after 4 iterations (0.05 at the end).
η = 9 diverges: E_total ends at 0.6, above the 0.3 it started from.
"""

from __future__ import annotations

import re

from sheetprop.compare import ARRIVAL, DECREASING, DIVERGING, OVERFLOWED, REACHED, UNCHANGED, Case, Summary
from sheetprop.walkthrough.blocks import Table
from sheetprop.numerals import DIGITS, number

# Iterations the loss table shows (those up to the run's length, and always the last one).
CHECKPOINTS = (1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)


# How runs are named and the comparison's tables headed, as data the living page reads too (``live.py`` puts it
# in the page): a pair is [optimizers not named, named]; ``{…}`` a field filled as str.format fills it.
WORDS = {
    "list": (", ", " and "),  # a, b and c
    "rates": "η = {rates}",  # runs of one optimizer, by their rates
    "run": "{optimizer} with η = {rate}",  # a run in a sentence, its optimizer named
    "label": ("η = {rate}", "{optimizer}, η = {rate}"),  # a run in a table
    "rate": ("rate", "run"),  # the reading's {rate}
    "losses": ("iteration",),  # the loss table's header, before a column per run
    "summary": (("learning rate", "run"), "E_total at 1", "E_total at {n}", "first below {threshold}", "status"),
    "after": ("quantity", "iteration 1"),  # the update table's header, before a column per learning rate
}


def rates_text(rates: list[float], digits: int = DIGITS) -> str:
    """η = 0.1, 0.2 and 0.5.

    >>> rates_text([0.1, 0.2, 0.5])
    'η = 0.1, 0.2 and 0.5'
    """
    return WORDS["rates"].format(rates=listed([number(r, digits) for r in rates]))


def runs_text(cases: list[Case], named: bool, digits: int = DIGITS) -> str:
    """The runs by their learning rates, or with their optimizers when those are ``named``.

    >>> runs_text([Case("adam", 0.1), Case("sgd", 0.5)], named=True)
    'adam with η = 0.1 and sgd with η = 0.5'
    """
    if not named:
        return rates_text([case.rate for case in cases], digits)
    return listed([WORDS["run"].format(optimizer=case.optimizer, rate=number(case.rate, digits)) for case in cases])


def run_label(case: Case, named: bool, digits: int = DIGITS) -> str:
    """A table's name of a run: ``η = 0.5``, or ``adam, η = 0.5``."""
    return WORDS["label"][named].format(optimizer=case.optimizer, rate=number(case.rate, digits))


def listed(items: list[str]) -> str:
    """a, b and c.

    >>> listed(["tanh", "relu", "sigmoid"])
    'tanh, relu and sigmoid'
    """
    comma, last = WORDS["list"]
    return items[0] if len(items) == 1 else comma.join(items[:-1]) + last + items[-1]


# The reading, as data the living page reads too (``live.py`` puts it in the page): each sentence names the
# runs of a group, or each of them in a sentence of its own, and is said when the groups in ``when`` have
# runs (True) or none (False), or at the iteration count given. A group takes the runs in the summary's
# order (or by the values ``order`` names: ``compare.ARRIVAL``, fastest first) with one of ``statuses``,
# with a value ``with``, or the best; ``from``/``to`` cut it, and ``unless`` empties it where it is that
# other group.
GROUPS = {
    "fastest": {"statuses": [REACHED], "order": ARRIVAL, "to": 1},
    "others": {"statuses": [REACHED], "order": ARRIVAL, "from": 1},
    "slow": {"statuses": [DECREASING]},
    "diverging": {"statuses": [DIVERGING, OVERFLOWED]},
    "unchanged": {"statuses": [UNCHANGED]},
    "overshooting": {"with": "overshoot"},
    "best": {"best": True},
    "lowest": {"best": True, "unless": "fastest"},
}
# In the words: {runs} the group's runs; {rate} 'run' or 'rate'; {threshold}, {n} the iterations; of the
# (first) run {reached}, {first}, {final}, {overshoot} and {after} (the iteration after it); of the group
# {reached_list}, {finals}; {singular|plural} by the group's size.
SENTENCES = (
    {"words": "One iteration is the forward pass on the initial weights: no update has been made, so no {rate} "
              "is judged yet; raise 'iterations' to compare them.",
     "when": {"iterations": 1, "diverging": False}, "only": True},
    {"words": "{runs} converges fastest: E_total falls below the threshold {threshold} at iteration {reached}, and "
              "ends at {final} after {n} iterations.", "about": "fastest", "when": {"fastest": True}},
    {"words": "{runs} {gets|get} there too, at {iteration|iterations} {reached_list}.", "about": "others",
     "when": {"others": True}},
    {"words": "No {rate} gets E_total below the threshold {threshold}: every run overflows.",
     "when": {"fastest": False, "best": False}},
    {"words": "No {rate} gets E_total below the threshold {threshold} within {n} iterations; {runs} ends lowest.",
     "about": "best", "when": {"fastest": False, "best": True}},
    {"words": "{runs} {is|are} still on {its|their} way: E_total is falling but stays above {threshold} after {n} "
              "iterations ({finals} at the end).", "about": "slow", "when": {"slow": True}},
    {"words": {OVERFLOWED: "{runs} diverges: E_total grows until it overflows.",
               DIVERGING: "{runs} diverges: E_total ends at {final}, above the {first} it started from."},
     "about": "diverging", "each": True},
    {"words": "No {rate} diverges: every one ends below the E_total it started from.",
     "when": {"diverging": False, "unchanged": False}},
    {"words": "{runs} {keeps|keep} the E_total {it|they} started from: the gradients are zero, nothing moves.",
     "about": "unchanged", "when": {"unchanged": True}},
    {"words": "With {runs} E_total rises from iteration {overshoot} to {after} (a step that overshoots) before it "
              "falls again.", "about": "overshooting", "each": True},
    {"words": "The lowest E_total after {n} iterations is {runs}'s.", "about": "lowest",
     "when": {"fastest": True, "lowest": True}},
)
# What each field of the words holds (but {runs} and {rate}): a value of the summary, of the group's first run,
# or of each of its runs (joined as a list, or by the text given), printed as a number to the digits asked for
# or as a count, ``plus`` added first. The living page fills them from this data too.
FIELDS = {
    "threshold": {"of": "summary", "value": "threshold", "as": "number"},
    "n": {"of": "summary", "value": "iterations", "as": "count"},
    "reached": {"of": "run", "value": "reached", "as": "count"},
    "first": {"of": "run", "value": "first", "as": "number"},
    "final": {"of": "run", "value": "final", "as": "number"},
    "overshoot": {"of": "run", "value": "overshoot", "as": "count"},
    "after": {"of": "run", "value": "overshoot", "as": "count", "plus": 1},
    "reached_list": {"of": "runs", "value": "reached", "as": "count", "joined": "listed"},
    "finals": {"of": "runs", "value": "final", "as": "number", "joined": ", "},
}
BEST_MARK = " (lowest final E_total)"  # after the best run's status in the table of runs
_FIELD = re.compile(r"\{([^{}]+)\}")


def reading(summary: Summary, digits: int = DIGITS) -> list[str]:
    """A few sentences on the comparison (``SENTENCES``): the fastest rate, the others that arrive, the slow,
    the diverging, the steps that overshoot."""
    groups: dict[str, list] = {}
    for name, group in GROUPS.items():
        runs = [r for r in summary.rates if ("statuses" not in group or r.status in group["statuses"])
                and ("with" not in group or getattr(r, group["with"]) is not None)
                and (not group.get("best") or r.case == summary.best)]
        if "order" in group:
            runs.sort(key=lambda r: tuple(getattr(r, key) for key in group["order"]))
        runs = runs[group.get("from", 0):group.get("to")]
        groups[name] = [] if "unless" in group and runs == groups[group["unless"]] else runs
    lines = []
    for sentence in SENTENCES:
        when = sentence.get("when", {})
        if not all(summary.iterations == wanted if key == "iterations" else bool(groups[key]) == wanted
                   for key, wanted in when.items()):
            continue
        about = groups.get(sentence.get("about"), [])
        for runs in ([[r] for r in about] if sentence.get("each") else [about]):
            words = sentence["words"]
            lines.append(_filled(words[runs[0].status] if isinstance(words, dict) else words, runs, summary, digits))
        if sentence.get("only"):
            return lines
    return lines


def _filled(words: str, runs: list, summary: Summary, digits: int) -> str:
    """``words`` with its fields filled for ``runs`` (see ``SENTENCES``)."""
    def shown(spec: dict, source) -> str:
        value = getattr(source, spec["value"]) + spec.get("plus", 0)
        return number(value, digits) if spec["as"] == "number" else str(value)

    def value(name: str) -> str:
        if name == "runs":
            return runs_text([r.case for r in runs], summary.named, digits)
        if name == "rate":
            return WORDS["rate"][summary.named]
        spec = FIELDS[name]
        if spec["of"] != "runs":
            return shown(spec, summary if spec["of"] == "summary" else runs[0])
        texts = [shown(spec, r) for r in runs]
        return listed(texts) if spec["joined"] == "listed" else spec["joined"].join(texts)

    def field(match) -> str:
        one, _, many = match[1].partition("|")
        return (one if len(runs) == 1 else many) if many else value(one)
    return _FIELD.sub(field, words)


def checkpoints(iterations: int) -> list[int]:
    """The iterations the loss table shows.

    >>> checkpoints(201)
    [1, 2, 3, 5, 10, 20, 50, 100, 200, 201]
    """
    return sorted({i for i in CHECKPOINTS if i <= iterations} | {iterations})


def loss_table(summary: Summary, digits: int = DIGITS) -> Table:
    """E_total at the checkpoints, one column per run."""
    rates = list(summary.trajectories)
    header = (*WORDS["losses"], *(run_label(r, summary.named, digits) for r in rates))
    rows = []
    for i in checkpoints(summary.iterations):
        rows.append((i, *(summary.trajectories[r][i - 1] if i <= len(summary.trajectories[r]) else "" for r in rates)))
    return Table(header, tuple(rows))


def rate_table(summary: Summary, digits: int = DIGITS) -> Table:
    """The Compare sheet's table: first and final E_total, first iteration below the threshold, status."""
    rows = []
    for r in summary.rates:
        reached = r.shown["reached"]
        mark = BEST_MARK if r.case == summary.best else ""
        rows.append((run_label(r.case, summary.named, digits), r.first, r.final, reached, r.status + mark))
    first, *rest = WORDS["summary"]
    header = (first[summary.named], *(words.format(n=summary.iterations, threshold=number(summary.threshold, digits))
                                      for words in rest))
    return Table(header, tuple(rows))
