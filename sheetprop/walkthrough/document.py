"""The walkthrough as plain data: headings, paragraphs, equations, tables and figures in reading order.

Equations hold the graph's own expressions (the ones that become the workbook's formulas) and the
engine's numbers; the Markdown and HTML renderers only choose how to draw them.

>>> from sheetprop.config import default as default_config
>>> from sheetprop.graph import build_graph
>>> config = default_config()
>>> document = walkthrough(config, build_graph(config.network), None)
>>> from sheetprop.walkthrough.blocks import equation_text
>>> h1 = next(b for b in document.blocks if isinstance(b, Equation) and b.name == "h1")
>>> equation_text(h1, document)
'h1 = w1·i1 + w2·i2 = 0.15·0.05 + 0.2·0.1 = 0.0275'
"""

from __future__ import annotations

import dataclasses
import math

from sheetprop import legend
from sheetprop.compare import Case, Summary
from sheetprop.config import Config
from sheetprop.dialects import render
from sheetprop.engine import compile_rows, iterate
from sheetprop.expr import Cycle, Expr, Fn, Op, Sym, substitute
from sheetprop.functions import ACTIVATIONS, LOSSES
from sheetprop.graph import (ACT, BIAS, CHAIN, DELTA_STEP, ERROR, GRADIENT, INPUT, NET, OUTPUT_STEP, SLOPE_STEP,
                             STATE, TARGET, TOTAL, WEIGHT, Graph, Quantity, loss_words, update_rules)
from sheetprop.legend import WEIGHT_STEP
from sheetprop.walkthrough.blocks import (ELLIPSIS, LIVE_WORDS, Document, Equation, Figure, Heading, Live, Name, Paragraph,
                                          Relation, Table)
from sheetprop.numerals import DIGITS, number
from sheetprop.parameters import LEARNING_RATE
from sheetprop.walkthrough.reading import WORDS, listed, loss_table, rate_table, reading, run_label

# A group with more equations than this is summarised: its first neuron written out, the rest as a table.
WRITE_LIMIT = 16
# A symbolic form longer than this (chains expanded through deep, wide layers) is left out.
FORM_LIMIT = 400
# Sums with more terms than this show their first and last terms around an ellipsis.
SUM_TERMS = 6


def walkthrough(config: Config, graph: Graph, summary: Summary | None, digits: int = DIGITS,
                workbook: str = "") -> Document:
    """The whole document for one config: network, forward pass, loss, chain rule, update, iterations.

    ``workbook`` is the file name of the workbook the text refers to (NAME.xlsx unless told otherwise).
    """
    workbook = workbook or f"{config.stem}.xlsx"
    rate = config.shown_rate
    compiled = compile_rows(graph)
    # Iteration 1 is the same for every rate; iteration 2 shows each rate's first update.
    seconds = {r: list(iterate(graph, config.values, r, 2, compiled))[1] for r in config.learning_rates}
    first = next(iterate(graph, config.values, rate, 1, compiled))
    names = [q.name for q in graph.quantities]
    values = {**dict(zip(names, first)), **{name: config.values[name] for name in graph.settings[1:]},
              LEARNING_RATE.name: rate}
    after = dict(zip(names, seconds[rate]))
    blocks = [
        Paragraph(("Backpropagation for this network, worked through with its own numbers: the forward "
                   "pass of iteration 1, the loss, every partial derivative by the chain rule, the "
                   "updated weights, then the loss over ", Live(str(config.iterations), "iterations"),
                   " iterations for each learning "
                   f"rate. Numbers are shown to {digits} significant digits; the engine and the workbook "
                   f"{workbook} keep full double precision, and every equation below is rendered "
                   f"from the same definition as that workbook's formulas.",)),
    ]
    blocks += _network(config, graph, values)
    blocks += _forward(graph, values)
    blocks += _loss(graph, values, digits)
    blocks += _backward(graph, values)
    blocks += _gradients(graph, values)
    blocks += _updates(config, graph, values, after, seconds, digits)
    if summary is not None:
        blocks += _iterations(config, summary, digits, workbook)
    return Document(f"{config.heading} — step by step", blocks, values, digits, after)


def _network(config: Config, graph: Graph, values) -> list:
    network = config.network
    shape = "–".join(str(n) for n in network.layers)
    kinds = list(dict.fromkeys(network.activations))
    activations = f"{kinds[0]} activation" if len(kinds) == 1 else f"{listed(kinds)} activations"
    biases = {"none": "no biases", "layer": "one bias per layer, shared by its neurons",
              "neuron": "one bias per neuron"}[network.biases]
    if network.biases != "none":
        biases += ", trained too" if network.train_biases else ", not trained"
    examples = f" It learns {network.examples} examples {network.batching()}." if network.examples > 1 else ""
    blocks = [
        Heading(2, "1. The network"),
        Paragraph((f"A {shape} network (neurons per layer, inputs first) with {activations}, {biases}, "
                   f"and the loss {loss_words(LOSSES[network.loss])}.{examples}",)),
        Figure("network", f"The {shape} network with its starting values."),
        Paragraph(("The starting values: inputs, targets, initial weights"
                   + (" and biases." if network.biases != "none" else "."),)),
    ]
    start = graph.of_role(INPUT, TARGET, WEIGHT, BIAS)
    blocks += _value_table(graph, start, values)
    return blocks


def _value_table(graph: Graph, quantities: list[Quantity], values) -> list:
    """Name, value and meaning of each quantity, or per group a count and range when there are many."""
    if len(quantities) <= 3 * WRITE_LIMIT:
        return [Table(("quantity", "value", "meaning"),
                      tuple((Name(q.name), values[q.name], q.words) for q in quantities), live="start")]
    return [_family_table(graph, quantities, values)]


def _forward(graph: Graph, values) -> list:
    quantities = graph.of_role(NET, ACT)
    first = quantities[0]
    blocks = [
        Heading(2, "2. Forward pass (iteration 1)"),
        Paragraph(("Each neuron adds up the values coming in, each times its weight: its net input, such as ",
                   Name(first.name), ". Its activation turns that into its output, such as ",
                   Name(quantities[1].name), ". Layer by layer, from the inputs to the outputs:")),
    ]
    return blocks + _grouped(graph, quantities, values, lambda q: q.group)


def _loss(graph: Graph, values, digits: int) -> list:
    quantities = graph.of_role(ERROR)
    loss = LOSSES[graph.network.loss]
    # A loss's own parameters, as the update's are named: "… with δ = 1."
    settings = [part for at, name in enumerate(loss.parameters) for part in (
        f"{' with' if at == 0 else ','} {legend.math(name)} = ", Live(number(values[name], digits), f"n:p:{name}:{digits}"))]
    blocks = [Heading(2, "3. The loss"),
              Paragraph((f"How far the outputs are from the targets: {loss_words(loss)}", *settings, ".")
                        if settings else (f"How far the outputs are from the targets: {loss_words(loss)}.",))]
    return blocks + _grouped(graph, quantities, values, lambda q: q.group)


def _backward(graph: Graph, values) -> list:
    quantities = graph.of_role(CHAIN)
    first = quantities[0].neuron, quantities[0].example  # the first output neuron: its ∂E/∂a, ∂a/∂z and δ
    output, slope, delta = (next(q for q in quantities if (q.neuron, q.example) == first and q.step == step)
                            for step in (OUTPUT_STEP, SLOPE_STEP, DELTA_STEP))
    hidden = len(graph.network.layers) > 2
    blocks = [
        Heading(2, "4. Backward pass: the chain rule"),
        Paragraph(("Three steps for each neuron, from the outputs back: how the loss changes with the "
                   "neuron's output (", Name(output.name), "), how its output changes with its net input (",
                   Name(slope.name), ", the slope of the activation), and their product ", Name(delta.name),
                   ", the neuron's δ. "
                   + ("A hidden neuron's output feeds every neuron of the next layer, so its " if hidden else ""),
                   *((Name(legend.header(legend.Name(CHAIN, step=OUTPUT_STEP))), " adds up their δ, each times the weight in between. ") if hidden else ()),
                   "Each line gives the definition, the chain written out down to forward values, then the "
                   "numbers.")),
    ]
    return blocks + _grouped(graph, quantities, values, lambda q: graph.place(q.layer, q.example)) + _collapse(graph, values)


def _collapse(graph: Graph, values) -> list:
    """Where the loss and the output activation simplify the output layer's chain (the loss record's
    ``collapse``: cross-entropy through softmax, a − t), that simplification, checked on each output's δ."""
    network = graph.network
    loss, activation = LOSSES[network.loss], ACTIVATIONS[network.activations[-1]]
    if loss.collapse is None or loss.outputs != activation.name:
        return []
    last, n = len(network.layers) - 1, network.layers[-1]
    deltas = [q for q in graph.of_role(CHAIN) if q.step == DELTA_STEP and q.layer == last and (q.example or 1) == 1]
    a, t, z, n_ = Sym("a_k"), Sym("t_k"), Sym("z_k"), Sym("n")
    equations = []
    for q in deltas[:WRITE_LIMIT]:
        act, target = (Sym(legend.header(legend.Name(role, neuron=q.structure.neuron, example=q.example)))
                       for role in (ACT, TARGET))
        collapsed = loss.collapse(act, target, n)
        equations.append(Equation(q.name, (collapsed,), collapsed, values[q.name]))
    if activation.across:  # a Jacobian: every output of the layer moves with every net input
        slope = ("the slope of ", activation.name, " is a Jacobian, ",
                 Relation((Sym("∂a_k/∂z_j"), Sym("a_k") * (Sym("δ_kj") - Sym("a_j")))),
                 ", so that each δ adds up every output's change, ∂E/∂z_j = Σ_k ∂E/∂a_k·∂a_k/∂z_j; with ")
    else:
        slope = ("its slope is ", Relation((Sym("∂a_k/∂z_k"), activation.slope(z, a))), "; with ")
    summing = ", since the targets of an example sum to 1" if loss.targets and loss.targets.total else ""
    return [Paragraph((f"With {activation.name} outputs and the loss {loss.name} the output layer's chain collapses: ",
                       *slope, f"{loss.name}'s ", Relation((Sym("∂E/∂a_k"), loss.slope(a, t, n_))),
                       " it comes to ", Relation((Sym("∂E/∂z_k"), loss.collapse(a, t, n_))), summing,
                       ". The δ above, computed the long way, are exactly these:")),
            *equations]


def _gradients(graph: Graph, values) -> list:
    quantities = graph.of_role(GRADIENT)
    blocks = [Heading(2, "5. Gradients of the weights")]
    example = _weight_example(graph)
    if example:
        gradient, receiver, weight, sender = example
        factor = Sym(legend.header(legend.Name(CHAIN, neuron=receiver.structure.neuron, param=weight, step=WEIGHT_STEP,
                                               example=receiver.example)))
        delta = Sym(legend.header(legend.Name(CHAIN, neuron=receiver.structure.neuron, step=DELTA_STEP,
                                              example=receiver.example)))
        blocks.append(Paragraph((
            "A weight changes the loss only through the net input of the neuron it feeds: ",
            Relation((Sym(receiver.name), receiver.expr)), ", so ",
            Relation((factor, Sym(sender))), " and ",
            Relation((Sym(gradient.name), delta * factor, gradient.expr)),
            ". Each line below writes that chain out (δ as its two factors), expands it down to forward "
            "values, and puts in the numbers."
            + (" Output layer first, as the chain rule runs backwards." if len(graph.network.layers) > 2 else ""))))
    return blocks + _grouped(graph, _gradient_order(graph, quantities), values, lambda q: _gradient_group(graph, q))


def _weight_example(graph: Graph):
    """The last layer's first weight gradient (of one example) with its receiver, weight (its structure) and sender."""
    last = len(graph.network.layers) - 1
    for q in graph.of_role(GRADIENT):
        if graph[q.param].role == WEIGHT and q.layer == last and (q.example or 1) == 1 \
                and isinstance(q.expr, Op) and q.expr.op == "*":
            receiver = next(n for n in graph.of_role(NET) if (n.neuron, n.example) == (q.neuron, q.example))
            return q, receiver, q.structure.param, q.expr.args[1].name
    return None


def _gradient_group(graph: Graph, quantity: Quantity) -> str:
    """Gradients grouped by the layer of their parameter: 'weights into output layer, example 2'."""
    network = graph.network
    if quantity.example:
        example = f"example {quantity.example}"
    elif network.examples > 1 and len(network.batches()) > 1:
        example = f"mean over iteration 1's mini-batch (examples {listed([str(e) for e in network.batches()[0]])})"
    else:
        example = "mean over the examples" if network.examples > 1 else ""
    return ", ".join(part for part in (graph[quantity.param].group, example) if part)


def _gradient_order(graph: Graph, quantities: list[Quantity]) -> list[Quantity]:
    """Per example, the output layer's weights first, then back towards the inputs; biases last."""
    def key(item):
        position, q = item
        return (q.example or math.inf), graph[q.param].role != WEIGHT, -(q.layer or 0), position

    return [q for _, q in sorted(enumerate(quantities), key=key)]


def _updates(config: Config, graph: Graph, values, after, seconds, digits: int) -> list:
    # The optimizer's state (shared, then per parameter) and the parameters it trains, in column order.
    trained = [q for q in graph.quantities
               if q.role == STATE or q.param and q.role in (WEIGHT, BIAS) and q.first is not None]
    optimizer = graph.optimizer
    which = "the config's walkthrough_rate" if config.walkthrough_rate is not None else "the config's first learning rate"
    shown = lambda source, name: Live(number(values[name] if source != "r2" else after[name], digits),  # noqa: E731
                                      f"n:{source}:{name}:{digits}")
    rules = [part for left, right in update_rules(optimizer) for part in (Relation((left, right), "←"), ", ")][:-1]
    does = ("moves every weight against its gradient" if not optimizer.states else
            "updates every weight from its gradient and the state it keeps for it")
    settings = [part for name in (LEARNING_RATE.name, *optimizer.hyperparameters)
                for part in (f", {legend.math(name)} = ", shown("p", name))]
    blocks = [
        Heading(2, "6. Updating the weights"),
        Paragraph((f"{optimizer.words[0].upper()}{optimizer.words[1:]} {does}, "
                   "all at once, with the gradients of iteration 1: ", *rules,
                   ". With ", Live(which, "which"), *settings, ":")),
    ]
    equations = [Equation(q.name, (q.expr,), q.expr, after[q.name], after=True) for q in trained]
    blocks += _summarised(graph, equations, lambda e: graph[e.name].group, after, after=True)
    change = LIVE_WORDS["down"] if after[TOTAL] < values[TOTAL] else LIVE_WORDS["up"]
    blocks.append(Paragraph(("These weights make iteration 2. Its forward pass gives E_total = ", shown("r2", TOTAL),
                             ": the loss ", Live(change, "change"), " from ", shown("r1", TOTAL), ".")))
    rows = [(Name(TOTAL), values[TOTAL], *(seconds[r][graph.index[TOTAL]] for r in seconds))]
    shown = [q for q in trained if q.role != STATE]
    if len(shown) <= WRITE_LIMIT:
        rows = [(Name(q.name), values[q.name], *(seconds[r][graph.index[q.name]] for r in seconds))
                for q in shown] + rows
    blocks.append(Paragraph(("After one update, for every learning rate of the config (E_total is that of "
                             "iteration 2):",)))
    blocks.append(Table((*WORDS["after"], *(run_label(Case("sgd", r), False, digits) for r in seconds)), tuple(rows),
                        live="after"))
    return blocks


def _iterations(config: Config, summary: Summary, digits: int, workbook: str) -> list:
    each, every = ("run (optimizer and learning rate)", "run") if summary.named else ("learning rate", "rate")
    return [
        Heading(2, "7. Over the iterations"),
        Paragraph(("Each iteration repeats the forward pass, the backward pass and the update, from the "
                   f"weights the previous one left. E_total at a few iterations, for each {each}:",)),
        dataclasses.replace(loss_table(summary, digits), live="losses"),
        Figure("chart", f"E_total against iteration for each {each}, linear and log scale "
                        f"(dotted: the threshold {number(config.threshold, digits)})."),
        # Prose rounds harder than the tables: 0.00215, not 0.00214959545.
        *(Paragraph((text,), live="reading") for text in reading(summary, min(digits, 3))),
        dataclasses.replace(rate_table(summary, digits), live="rates"),
        Paragraph((f"The workbook {workbook} holds every iteration of every {every} as live formulas, "
                   "and its Compare sheet this table.",)),
    ]


# ---------------------------------------------------------------------------------------------- equations

def _grouped(graph: Graph, quantities: list[Quantity], values, group_of) -> list:
    """Equations under one heading per group (a layer), each group summarised when it is large."""
    equations = [_equation(graph, q, values) for q in quantities]
    by_name = {q.name: q for q in quantities}
    return _summarised(graph, equations, lambda e: group_of(by_name[e.name]), values)


def _summarised(graph: Graph, equations: list[Equation], group_of, results, after: bool = False) -> list:
    """Equations under a heading per group; a group of more than WRITE_LIMIT shows one of each kind and a table."""
    blocks = []
    groups: dict[str, list[Equation]] = {}
    for equation in equations:
        groups.setdefault(group_of(equation), []).append(equation)
    for group, members in groups.items():
        if len(groups) > 1:
            blocks.append(Heading(3, group[0].upper() + group[1:] if group else "All"))
        if len(members) <= WRITE_LIMIT:
            blocks += members
            continue
        shown = _first_of_each_family(graph, members)
        blocks += shown
        blocks.append(Paragraph((f"The other {len(members) - len(shown)} of this layer work the same way; "
                                 "by quantity:",)))
        blocks.append(_family_table(graph, [graph[e.name] for e in members], results, after))
    return blocks


def _equation(graph: Graph, quantity: Quantity, values) -> Equation:
    """The definition; for derivatives also the chain one step further and all the way to forward values.

    The numbers go into the definition, except for a weight's gradient, whose δ is split into its two
    factors first: ∂E/∂w5 = ∂E/∂a_o1·∂a_o1/∂o1·a_h1, the chain as the lecture writes it. A mini-batch
    gradient is written for iteration 1, whose batch is the first.
    """
    definition = _at_first_iteration(quantity.expr)
    forms = [definition]
    numbers = definition
    if quantity.role in (CHAIN, GRADIENT):
        once = substitute(definition, graph.chain_definition)
        forms += [once, _expanded(graph, definition)]
        if quantity.role == GRADIENT:
            numbers = once
    forms = [_elided(f) for f in forms if len(render(f, "math")) <= FORM_LIMIT] or [_elided(quantity.expr)]
    return Equation(quantity.name, tuple(forms), _elided(numbers), values[quantity.name])


def _at_first_iteration(expr: Expr) -> Expr:
    """``expr`` as it reads on iteration 1: each choice by iteration (a mini-batch) replaced by its first option."""
    return substitute(expr, lambda node: _at_first_iteration(node.options[0]) if isinstance(node, Cycle) else None,
                      every_node=True)


def _expanded(graph: Graph, expr: Expr) -> Expr:
    """Every chain-rule step substituted down to forward values (stops early if it grows past FORM_LIMIT)."""
    while len(render(expr, "math")) <= FORM_LIMIT and expr != (again := substitute(expr, graph.chain_definition)):
        expr = again
    return expr


def _elided(expr: Expr) -> Expr:
    """Long sums keep their first and last terms around '…': a 784-input neuron stays one line."""
    if isinstance(expr, Op):
        args = tuple(_elided(a) for a in expr.args)
        if expr.op == "+" and len(args) > SUM_TERMS:
            args = (*args[:SUM_TERMS - 2], ELLIPSIS, args[-1])
        return Op(expr.op, args)
    if isinstance(expr, Fn):
        return Fn(expr.name, _elided(expr.arg))
    return expr


def _family(graph: Graph, quantity: Quantity) -> tuple:
    """Quantities of one kind in one layer: the same role, chain-rule step, layer, example and kind of parameter."""
    param = graph[quantity.param].role if quantity.param and quantity.param != quantity.name else None
    return quantity.role, quantity.step, quantity.layer, quantity.example, param


def _first_of_each_family(graph: Graph, equations: list[Equation]) -> list[Equation]:
    seen: set[tuple] = set()
    first = []
    for equation in equations:
        family = _family(graph, graph[equation.name])
        if family not in seen:
            seen.add(family)
            first.append(equation)
    return first


def _family_table(graph: Graph, quantities: list[Quantity], values, after: bool = False) -> Table:
    """Per kind of quantity in a layer: how many, first and last name, smallest and largest value (of
    iteration 1, or of iteration 2 ``after`` the update)."""
    families: dict[tuple, list[Quantity]] = {}
    for q in quantities:
        families.setdefault((q.group, _family(graph, q)), []).append(q)
    rows = []
    for members in families.values():
        numbers = [values[q.name] for q in members]
        finite = [v for v in numbers if math.isfinite(v)] or numbers
        names = Name(members[0].name) if len(members) == 1 else Name.span(members[0].name, members[-1].name)
        rows.append((names, len(members), min(finite), max(finite)))
    members = tuple(tuple(q.name for q in family) for family in families.values())
    return Table(("quantities", "how many", "smallest", "largest"), tuple(rows), live="family", members=members,
                 after=after)
