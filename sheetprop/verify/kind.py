"""What a table is when it is not backpropagation through a dense network: said in one line, not judged.

A perceptron, ADALINE, a single neuron without a hidden layer, a linear model's gradient descent or batch
normalisation share the exercise's names (x1, w1, error) but not its mathematics: judged as the exercise,
every cell of theirs would be a "slip". What gives them away:

- one row per training example (the inputs change down the rows, as a perceptron walks AND or XOR); the
  exercise keeps its inputs and names the examples of a batch in its headers (h1[2]);
- outputs that are only 0 and 1 (a step activation: the perceptron's);
- no hidden layer, and weight changes that are not the gradient of the loss (the perceptron rule, ADALINE's
  Widrow–Hoff rule);
- the words of batch normalisation in the header row (mean, variance, γ, β, x̂).
"""

from __future__ import annotations

from collections import Counter

from sheetprop import legend
from sheetprop.legend import ACT, INPUT, OUTPUTS, TARGET, WEIGHT
from sheetprop.verify.names import squash

WALKING = 0.8          # a given column whose most common value fills less than this share of rows walks examples
STEP_ROWS = 3          # rows of outputs that are all exactly 0 or 1 before they are a step activation's
# Headers of batch normalisation (squashed): a batch's mean and variance, the normalised value, its scale and shift.
BATCH_NORM = {"batchnorm", "bn", "batchnormalization", "batchnormalisation", "xhat", "x̂", "normalized",
              "normalised", "mub", "μb", "sigmab", "σb", "σ2", "σ²", "varb", "variance", "gamma", "γ", "beta", "β"}
NOT_JUDGED = "sheetprop judges backpropagation through a dense network with a hidden layer, so it is not judged"


def before_judging(table) -> str | None:
    """Why ``table`` is another kind of exercise, from its headers and given values; None when it may be
    the exercise."""
    headers = [squash(c.header) for c in (*table.columns.values(), *table.unknown)]
    words = {h for h in headers if h in BATCH_NORM} | {h for h in headers if "batchnorm" in h}
    if len(words) >= 2 or any("batchnorm" in h for h in words):
        return (f"it looks like batch normalisation (columns {', '.join(sorted(words))}), not a dense network's "
                f"backpropagation: {NOT_JUDGED}")
    walking = [name for name, column in table.columns.items() if _role(name) in (INPUT, TARGET)
               and _walks(table, column.index)]
    step = _step_outputs(table)
    if walking:
        what = "a perceptron (a step activation, " if step else "a network trained "
        return (f"it looks like {what}one row per training example: {', '.join(walking)} change down the rows"
                f"{')' if step else ''}, where the exercise keeps its inputs and targets on every row: {NOT_JUDGED}")
    if step:
        return (f"it looks like a perceptron: its outputs ({', '.join(step)}) are only 0 and 1, a step "
                f"activation's: {NOT_JUDGED}")
    return None


def after_judging(report) -> str | None:
    """Why a judged table is another kind: a network without a hidden layer whose weight changes or gradients
    are not backpropagation's (the perceptron rule, ADALINE's); None when it is the exercise, right or wrong."""
    network = report.network
    if network is None or len(network.layers) > 2:
        return None
    # Most of the learning wrong, not a slip here and there: the weights follow another rule.
    learning = {f.quantity: f.wrong for f in report.findings
                if (s := legend.parse(f.quantity)) is not None and (s.role == WEIGHT or s.param is not None)}
    judged = sum(n for name, n in report.judged_cells.items()
                 if (s := legend.parse(name)) is not None and (s.role == WEIGHT or s.param is not None))
    weights = network.weight_count
    if not judged or sum(learning.values()) < judged / 2 or len(learning) < min(2, weights):
        return None
    return (f"it looks like a single neuron without a hidden layer ({network.layers[0]} inputs, "
            f"{network.layers[-1]} output{'s' if network.layers[-1] > 1 else ''}) whose weights change by another "
            f"rule than the gradient of its error (the perceptron rule, ADALINE's?): {NOT_JUDGED}")


def _role(name: str) -> str | None:
    structure = legend.parse(name)
    return structure.role if structure is not None and structure.example is None else None


def _walks(table, column: int) -> bool:
    """Does a given column take several values down the rows, none on most of them?"""
    # To 9 digits: a value typed down the rows carries the fill handle's noise (0.989999999999998 for 0.99).
    values = [float(f"{v:.9g}") for row in table.rows if (v := table.grid.number(row, column)) is not None]
    if len(values) < 3:
        return False
    most = Counter(values).most_common(1)[0][1]
    return most < WALKING * len(values)


def _step_outputs(table) -> list[str]:
    """The output activations whose every value is exactly 0 or 1 (on enough rows to tell)."""
    found = []
    for name, column in table.columns.items():
        structure = legend.parse(name)
        if structure is None or structure.role != ACT or structure.neuron is None or structure.neuron.kind != OUTPUTS:
            continue
        values = [v for row in table.rows if (v := table.grid.number(row, column.index)) is not None]
        # Exactly 0 is no sigmoid's (it would take a net below −745): 0s and 1s only, both, are a step's (a dead
        # ReLU gives 0 alone).
        if len(values) >= STEP_ROWS and set(values) == {0.0, 1.0}:
            found.append(name)
    return found
