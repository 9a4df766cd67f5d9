"""One iteration as a terminal table: forward values, loss, chain-rule steps, gradients, updated weights.

>>> from sheetprop.config import default as default_config
>>> from sheetprop.trace import run
>>> text = show_iteration(run(default_config(), [0.5], 2), iteration=1)
>>> [line for line in text.splitlines() if line.strip().startswith("E_total =")]
['  E_total = 0.2425198573          E_total = E1 + E2']
"""

from __future__ import annotations

from sheetprop.dialects import render
from sheetprop.expr import Numeral, Param, Sym
from sheetprop.graph import (ACT, BIAS, CHAIN, ERROR, GRADIENT, INPUT, NET, READABLE_NODES, STATE, TARGET, WEIGHT,
                             update_rules)
from sheetprop.functions import LOSSES
from sheetprop.trace import Trace

SECTIONS = [
    ("given", (INPUT, TARGET, WEIGHT, BIAS, STATE)),
    ("forward pass", (NET, ACT)),
    ("loss", (ERROR,)),
    ("backward pass (chain rule)", (CHAIN,)),
    ("gradients", (GRADIENT,)),
]


def show_iteration(trace: Trace, iteration: int = 1, lr: float | None = None, digits: int = 10) -> str:
    """Every quantity of one iteration with its value and math, then what the update makes of it (from the
    next iteration's row when the trace holds it)."""
    graph, rate = trace.graph, trace._rate(lr)
    values = trace.row(iteration, rate)
    fmt = lambda v: f"{v:.{digits}g}"  # noqa: E731
    optimizer = graph.optimizer  # with weight decay in its gradient where the config sets it
    named = "" if trace.optimizer == "sgd" and trace.config.optimizers == ("sgd",) else f"{optimizer.words}, "
    lines = [f"{trace.config.heading} — {named}learning rate {rate:g}, iteration {iteration}"]
    for title, roles in SECTIONS:
        lines += ["", title]
        if title == "loss":  # the loss's own parameters, as the update's are given below
            lines += [f"  {render(Param(name), 'math')} = {fmt(trace.values[name])}"
                      for name in LOSSES[graph.network.loss].parameters]
        for quantity in graph.quantities:
            if quantity.role not in roles:
                continue
            math = quantity.math()
            if quantity.role in (CHAIN, GRADIENT):
                math = quantity.math_expanded(graph, READABLE_NODES) or math
            if quantity.role in (INPUT, TARGET, WEIGHT, BIAS, STATE):
                math = ""
            elif quantity.role in (CHAIN, GRADIENT) and quantity.math() != math:
                math = quantity.math() + " = " + math.split(" = ", 1)[1]
            lines.append(f"  {quantity.name + ' = ' + fmt(values[quantity.name]):<30}  {math}".rstrip())
    if iteration >= trace.iterations:
        return "\n".join(lines)
    after = trace.row(iteration + 1, rate)
    rules = "; ".join(f"{render(left, 'math')} ← {render(right, 'math')}" for left, right in update_rules(optimizer))
    settings = ", ".join(f"{render(Param(name), 'math')} = {fmt(trace.values[name])}"
                         for name in optimizer.hyperparameters)
    lines += ["", f"updated for iteration {iteration + 1}: {rules} with η = {rate:g}"
              + (f", {settings}" if settings else "")]
    parameters = {"lr": rate, **trace.values}
    for quantity in graph.quantities:
        if quantity.role != STATE and (quantity.first is None or quantity.param is None):
            continue  # only what the update makes: the optimizer's states and the trained parameters
        numbers = render(quantity.expr, "math", lambda node: Numeral(
            (values if isinstance(node, Sym) and node.prev else after if isinstance(node, Sym) else
             parameters)[node.name], digits))
        lines.append(f"  {quantity.name + ' = ' + fmt(after[quantity.name]):<30}  "
                     f"{render(quantity.expr, 'math')} = {numbers}")
    return "\n".join(lines)
