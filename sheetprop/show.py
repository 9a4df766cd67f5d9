"""One iteration as a terminal table: forward values, loss, chain-rule steps, gradients, updated weights.

>>> from sheetprop.outputs import default_config
>>> from sheetprop.trace import run
>>> text = show_iteration(run(default_config(), [0.5], 2), iteration=1)
>>> [line for line in text.splitlines() if line.strip().startswith("E_total =")]
['  E_total = 0.2425198573          E_total = E1 + E2']
"""

from __future__ import annotations

from sheetprop.graph import ACT, BIAS, CHAIN, ERROR, GRADIENT, INPUT, NET, READABLE_NODES, TARGET, WEIGHT
from sheetprop.trace import Trace

SECTIONS = [
    ("given", (INPUT, TARGET, WEIGHT, BIAS)),
    ("forward pass", (NET, ACT)),
    ("loss", (ERROR,)),
    ("backward pass (chain rule)", (CHAIN,)),
    ("gradients", (GRADIENT,)),
]


def show_iteration(trace: Trace, iteration: int = 1, lr: float | None = None, digits: int = 10) -> str:
    """Every quantity of one iteration with its value and math, then the weights it updates to."""
    graph, rate = trace.graph, trace._rate(lr)
    values = trace.row(iteration, rate)
    fmt = lambda v: f"{v:.{digits}g}"  # noqa: E731
    lines = [f"{trace.config.heading} — learning rate {rate:g}, iteration {iteration}"]
    for title, kinds in SECTIONS:
        lines += ["", title]
        for quantity in graph.quantities:
            if quantity.kind not in kinds:
                continue
            math = quantity.math()
            if quantity.kind in (CHAIN, GRADIENT):
                math = quantity.math_expanded(graph, READABLE_NODES) or math
            if quantity.kind in (INPUT, TARGET, WEIGHT, BIAS):
                math = ""
            elif quantity.kind in (CHAIN, GRADIENT) and quantity.math() != math:
                math = quantity.math() + " = " + math.split(" = ", 1)[1]
            lines.append(f"  {quantity.name + ' = ' + fmt(values[quantity.name]):<30}  {math}".rstrip())
    lines += ["", f"updated for iteration {iteration + 1}: w ← w − η·∂E/∂w with η = {rate:g}"]
    for name in graph.trained:
        new = values[name] - rate * values[f"∂E/∂{name}"]
        gradient = fmt(values[f"∂E/∂{name}"])
        gradient = f"({gradient})" if gradient.startswith("-") else gradient
        lines.append(f"  {name + ' = ' + fmt(new):<30}  {name} − η·∂E/∂{name} = "
                     f"{fmt(values[name])} − {rate:g}·{gradient}")
    return "\n".join(lines)
