"""The network a table's headers name, in the graph's own names, and what only its values can tell.

The widths come from the neurons the names mention (i1…, h1… or h1.1… with several hidden layers, o1…,
t1…, E1…), the biases from how they are named (b1, b2: one per layer; b_h1, b_o1, or b1…bn for more
biases than layers: one per neuron), the number of examples from names such as h1[2]. What no header
says (each layer's activation, the loss, the mini-batch size) is chosen by the values: of the
candidates, the one whose definitions agree with the most cells among those the choice changes; the
lecture's (sigmoid, half the squared error, full batch) on a tie.

>>> shape = shape_of({"i1", "i2", "h1", "a_h3", "w12", "o2", "E_total", "b1", "b4", "b5"})
>>> shape.layers, shape.biases, shape.aliases["b1"], shape.aliases["b4"]
((2, 3, 2), 'neuron', 'b_h1', 'b_o1')
>>> shape.graph_name("∂E/∂b4[2]")
'∂E/∂b_o1[2]'
>>> shape_of({"i1", "h1.2", "a_h2.3", "a_o1", "t1", "w9", "b1", "b2", "b3"}).layers
(1, 2, 3, 1)
>>> shape_of({"i1", "i2", "h1", "h2", "w1", "w6"}) is None   # no output layer: another network
True
>>> shape_of({"w1", "w8", "E_total"}).layers   # nothing names another network than the lecture's
(2, 2, 2)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable

from sheetprop.functions import ACTIVATIONS, LOSSES
from sheetprop.graph import Graph, Network, bias_names, build_graph
from sheetprop.optimizers import OPTIMIZERS
from sheetprop.verify.rules import Rule, make_rule

_EXAMPLE = re.compile(r"(.*)\[(\d+)\]")
_HIDDEN = re.compile(r"(?:^|[_∂])h(\d+)(?:\.(\d+))?(?![\d.])")
_OUTPUT = re.compile(r"(?:^|[_∂])o(\d+)|^[tE](\d+)$")
_PLAIN_BIAS = re.compile(r"(?:^|∂)b(\d+)$")


@dataclass(frozen=True)
class Shape:
    """The layer widths (inputs first), examples and biases a table's names mention; ``aliases`` maps a
    sheet's names for per-neuron biases (b3) to the graph's (b_o1)."""

    layers: tuple[int, ...]
    examples: int = 1
    biases: str = "none"
    aliases: dict = field(default_factory=dict)
    optimizers: tuple[str, ...] = ("sgd",)   # those whose state columns the names are, likeliest first

    def network(self, **options) -> Network:
        return Network(layers=self.layers, biases=self.biases, examples=self.examples,
                       **{"optimizer": self.optimizers[0], **options})

    def graph_name(self, name: str) -> str:
        """A sheet's name in the graph's: b3 → b_o1, ∂E/∂b3[2] → ∂E/∂b_o1[2]; others as they are."""
        if not self.aliases:
            return name
        base, example = split_example(name)
        match = _PLAIN_BIAS.search(base)
        if match and (alias := self.aliases.get(f"b{match[1]}")):
            base = base[:match.end() - len(f"b{match[1]}")] + alias
        return f"{base}[{example}]" if example else base


def split_example(name: str) -> tuple[str, int | None]:
    """'h1[2]' → ('h1', 2); 'h1' → ('h1', None)."""
    match = _EXAMPLE.fullmatch(name)
    return (match[1], int(match[2])) if match else (name, None)


def shape_of(names, given=()) -> Shape | None:
    """The network ``names`` (a table's header names) mention; ``given`` (names of labelled cells) fills in
    the inputs, targets or biases no header names. None when no output layer is named."""
    examples = max((split_example(n)[1] or 1 for n in names), default=1)
    names = {split_example(n)[0] for n in names}
    given = {split_example(n)[0] for n in given}
    kinds = {kind: [n for n in names if re.fullmatch(pattern, n)] for kind, pattern in _KINDS.items()}
    for kind in ("inputs", "targets", "biases"):
        if not kinds[kind]:
            kinds[kind] = [n for n in given if re.fullmatch(_KINDS[kind], n)]
    inputs = max((int(n[1:]) for n in kinds["inputs"]), default=0)
    outputs = max([int(m[1] or m[2]) for n in names | set(kinds["targets"]) for m in _OUTPUT.finditer(n)],
                  default=0)
    single, deep = 0, {}
    for name in names:
        for match in _HIDDEN.finditer(name):
            if match[2] is None:
                single = max(single, int(match[1]))
            else:
                deep[int(match[1])] = max(deep.get(int(match[1]), 0), int(match[2]))
    if deep:
        if set(deep) != set(range(1, max(deep) + 1)):
            return None   # a hidden layer no name mentions: its width is unknown
        hidden = [deep[layer] for layer in sorted(deep)]
    else:
        hidden = [single] if single else []
    weights = max((int(m[1]) for n in names for m in re.finditer(r"(?:^|∂)w(\d+)", n)), default=0)
    if not outputs:
        # An error but no output neuron named (weights and E_total only): the lecture's network, if the
        # names fit it; nothing names another.
        lecture = _lecture()
        fits = (not deep and len(lecture) == 3 and inputs <= lecture[0] and single <= lecture[1]
                and weights <= Network(lecture).weight_count)
        return _biases(Shape(lecture, examples, optimizers=optimizers_of(names)), names | set(kinds["biases"])) \
            if "E_total" in names and fits \
            else None
    if not inputs:
        # No input is named: the first layer's weights tell how many there are.
        later = sum(a * b for a, b in zip([*hidden, outputs], [*hidden, outputs][1:]))
        first = (hidden or [outputs])[0]
        if weights <= later or (weights - later) % first:
            return None
        inputs = (weights - later) // first
    layers = (inputs, *hidden, outputs)
    return _biases(Shape(layers, examples, optimizers=optimizers_of(names)), names | set(kinds["biases"]))


def optimizers_of(names) -> tuple[str, ...]:
    """The optimizers whose state columns (v_w1, m_w1, c1, …, per their records) are the ones named: plain
    gradient descent when none is; several where their states are alike (momentum, Nesterov).

    >>> optimizers_of({"w1", "v_w1"}), optimizers_of({"c1", "c2", "m_w1", "v_w1"}), optimizers_of({"w1"})
    (('momentum', 'nesterov'), ('adam',), ('sgd',))
    """
    keys = {n.split("_")[0] for n in names if re.fullmatch(r"[a-z]+_[wb].*", n)} | (names & _SHARED)
    found = tuple(name for name, o in OPTIMIZERS.items()
                  if {state.key for state in (*o.states, *o.shared)} == keys)
    return found or ("sgd",)


_SHARED = {state.key for o in OPTIMIZERS.values() for state in o.shared}


def _lecture() -> tuple[int, ...]:
    """The widths of the lecture's network, sheetprop's built-in example."""
    from sheetprop.config import default

    return default().network.layers


_KINDS = {"inputs": r"i\d+", "targets": r"t\d+", "biases": r"b(?:\d+|_[ho][\d.]+)"}


def _biases(shape: Shape, names: set[str]) -> Shape:
    """Biases named b_h1, b_o1 are one per neuron; b1…bk one per layer, or one per neuron in order (the
    hidden layers' first) when there are more of them than layers."""
    if any(re.search(r"(?:^|∂)b_[ho]", n) for n in names):
        return replace(shape, biases="neuron")
    plain = max((int(m[1]) for n in names if (m := _PLAIN_BIAS.search(n))), default=0)
    if not plain:
        return shape
    if plain <= len(shape.layers) - 1:
        return replace(shape, biases="layer")
    shape = replace(shape, biases="neuron")
    order = [b for layer in bias_names(shape.network()) for b in layer]
    return replace(shape, aliases={f"b{n}": order[n - 1] for n in range(1, min(plain, len(order)) + 1)})


# ---------------------------------------------------------------------------------------- values

Agreeing = Callable[[Graph, list[Rule]], int]


def choose(network: Network, present: set[str], agreeing: Agreeing) -> Graph:
    """Each layer's activation (from the first layer on), then the loss, then the mini-batch size: per
    choice, the candidate with the most agreeing cells (``agreeing(graph, rules)``) among the rules that
    differ between the candidates; the current one on a tie."""
    graph = build_graph(network)
    for layer in range(len(network.activations)):
        current = network.activations[layer]
        options = [current, *(name for name in ACTIVATIONS if name != current)]
        network, graph = _best([replace(network, activations=_set(network.activations, layer, name))
                                for name in options], present, agreeing)
    losses = [network.loss, *(name for name in LOSSES if name != network.loss)]
    # Cross-entropy takes a probability: sheetprop pairs it with a sigmoid output layer only.
    network, graph = _best([replace(network, loss=name) for name in losses
                            if name != "bce" or network.activations[-1] == "sigmoid"], present, agreeing)
    if network.examples > 1:
        sizes = [network.batch_size, *(n for n in range(network.examples) if n != network.batch_size)]
        network, graph = _best([replace(network, batch_size=n) for n in sizes], present, agreeing)
    return graph


def _set(values: tuple, i: int, value) -> tuple:
    return (*values[:i], value, *values[i + 1:])


def _best(candidates: list[Network], present: set[str], agreeing: Agreeing) -> tuple[Network, Graph]:
    graphs = [build_graph(network) for network in candidates]
    if len(graphs) == 1:
        return candidates[0], graphs[0]
    rules = []
    for graph in graphs:
        usable = {n for n in present if n in graph.index}
        # Weight updates need the rate, which is read later from them: they do not choose.
        rules.append({n: make_rule(graph, n, usable) for n in usable if graph[n].first is None
                      and n != "iteration"})
    shared = set.intersection(*(set(r) for r in rules))
    differing = sorted(n for n in shared if len({r[n].expr for r in rules}) > 1)
    if not differing:
        return candidates[0], graphs[0]
    scores = [agreeing(graph, [r[n] for n in differing]) for graph, r in zip(graphs, rules)]
    best = max(range(len(candidates)), key=lambda i: (scores[i], -i))
    return candidates[best], graphs[best]
