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

from dataclasses import dataclass, field, replace
from typing import Callable

from sheetprop import legend
from sheetprop.functions import ACTIVATIONS, LOSSES
from sheetprop.graph import Graph, Network, bias_names, build_graph
from sheetprop.legend import BIAS, ERROR, GRADIENT, HIDDEN, INPUT, OUTPUTS, STATE, TARGET, WEIGHT, Name
from sheetprop.optimizers import OPTIMIZERS
from sheetprop.verify.rules import Rule, expanded_size, make_rule


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
        """A sheet's name in the graph's: b3 → b_o1, ∂E/∂b3[2] → ∂E/∂b_o1[2], m_b3 → m_b_o1; others as they are."""
        structure = legend.parse(name)
        if not self.aliases or structure is None:
            return name
        bias = structure.param if structure.role in (GRADIENT, STATE) else structure
        alias = self.aliases.get(legend.header(bias)) if bias is not None and bias.role == BIAS else None
        if alias is None:
            return name
        alias = legend.parse(alias)
        return legend.header(replace(structure, param=alias) if bias is not structure else
                             alias.of_example(structure.example))


def shape_of(names, given=()) -> Shape | None:
    """The network ``names`` (a table's header names) mention; ``given`` (names of labelled cells) fills in
    the inputs, targets or biases no header names. None when no output layer is named."""
    named = [s for s in map(legend.parse, names) if s is not None]
    examples = max((s.example or 1 for s in named), default=1)
    named = {s.of_example(None) for s in named}
    offered = {s.of_example(None) for s in map(legend.parse, given) if s is not None}
    kinds = {role: [s for s in named if s.role == role] for role in (INPUT, TARGET, BIAS)}
    for role in kinds:
        if not kinds[role]:
            kinds[role] = [s for s in offered if s.role == role]
    inputs = max((s.neuron.number for s in kinds[INPUT]), default=0)
    neurons = {n for s in named | set(kinds[TARGET]) for n in legend.neurons_in(s)}
    outputs = max((n.number for n in neurons if n.kind == OUTPUTS), default=0)
    single = max((n.number for n in neurons if n.kind == HIDDEN and n.layer is None), default=0)
    deep = {}
    for neuron in (n for n in neurons if n.kind == HIDDEN and n.layer is not None):
        deep[neuron.layer] = max(deep.get(neuron.layer, 0), neuron.number)
    if deep:
        if set(deep) != set(range(1, max(deep) + 1)):
            return None   # a hidden layer no name mentions: its width is unknown
        hidden = [deep[layer] for layer in sorted(deep)]
    else:
        hidden = [single] if single else []
    weights = max((w.number for w in map(_weight, named) if w is not None and w.number), default=0)
    everything = named | set(kinds[BIAS])
    if not outputs:
        # An error but no output neuron named (weights and E_total only): the lecture's network, if the
        # names fit it; nothing names another.
        lecture = _lecture()
        fits = (not deep and len(lecture) == 3 and inputs <= lecture[0] and single <= lecture[1]
                and weights <= Network(lecture).weight_count)
        return _biases(Shape(lecture, examples, optimizers=_optimizers(named)), everything) \
            if Name(ERROR) in named and fits \
            else None
    if not inputs:
        # No input is named: the first layer's weights tell how many there are.
        later = sum(a * b for a, b in zip([*hidden, outputs], [*hidden, outputs][1:]))
        first = (hidden or [outputs])[0]
        if weights <= later or (weights - later) % first:
            return None
        inputs = (weights - later) // first
    layers = (inputs, *hidden, outputs)
    return _biases(Shape(layers, examples, optimizers=_optimizers(named)), everything)


def _weight(name: Name) -> Name | None:
    """The weight a weight's or its gradient's name names."""
    found = name.param if name.role == GRADIENT else name
    return found if found is not None and found.role == WEIGHT else None


def _bias(name: Name) -> Name | None:
    """The bias a bias's or its gradient's name names."""
    found = name.param if name.role == GRADIENT else name
    return found if found is not None and found.role == BIAS else None


def optimizers_of(names) -> tuple[str, ...]:
    """The optimizers whose state columns (v_w1, m_w1, c1, …, per their records) are the ones named: plain
    gradient descent when none is; several where their states are alike (momentum, Nesterov).

    >>> optimizers_of({"w1", "v_w1"}), optimizers_of({"c1", "c2", "m_w1", "v_w1"}), optimizers_of({"w1"})
    (('momentum', 'nesterov'), ('adam', 'adamw'), ('sgd',))
    """
    return _optimizers({s for s in map(legend.parse, names) if s is not None})


def _optimizers(names: set[Name]) -> tuple[str, ...]:
    keys = {s.key for s in names if s.role == STATE}
    found = tuple(name for name, o in OPTIMIZERS.items()
                  if {state.key for state in (*o.states, *o.shared)} == keys)
    return found or ("sgd",)


def _lecture() -> tuple[int, ...]:
    """The widths of the lecture's network, sheetprop's built-in example."""
    from sheetprop.config import default

    return default().network.layers


def _biases(shape: Shape, names: set[Name]) -> Shape:
    """Biases named b_h1, b_o1 are one per neuron; b1…bk one per layer, or one per neuron in order (the
    hidden layers' first) when there are more of them than layers."""
    biases = [b for b in map(_bias, names) if b is not None]
    if any(b.neuron is not None for b in biases):
        return replace(shape, biases="neuron")
    plain = max((b.number for b in biases), default=0)
    if not plain:
        return shape
    if plain <= len(shape.layers) - 1:
        return replace(shape, biases="layer")
    shape = replace(shape, biases="neuron")
    order = [b for layer in bias_names(shape.network()) for b in layer]
    plain_names = (legend.header(Name(BIAS, number=n)) for n in range(1, min(plain, len(order)) + 1))
    return replace(shape, aliases={name: order[n] for n, name in enumerate(plain_names)})


# ---------------------------------------------------------------------------------------- values

# agreeing(graph, rules, beat): how many cells ``rules`` (of a candidate ``graph``) find right. It may stop
# counting once the count cannot exceed ``beat`` (and then returns no more than ``beat``): a candidate that
# cannot win is not scored to the end.
Agreeing = Callable[[Graph, list[Rule], int], int]


class Kept:
    """The last results of a pure function of a network (its graph, its candidates' rules), kept while the
    quantities they hold stay under ``bound``: the sheets of one workbook mostly share a layout and a network,
    and a graph or a rule (compiled once, when first evaluated) is the same for each of them."""

    def __init__(self, bound: int):
        self.bound, self.held, self.entries = bound, 0, {}

    def get(self, key, make: Callable, weight: Callable):
        """The value kept for ``key``, else ``make()``, kept when its ``weight`` fits (the least recently
        used dropped to make room)."""
        if key in self.entries:
            entry = self.entries[key] = self.entries.pop(key)   # now the most recently used
            return entry[0]
        value = make()
        cost = weight(value)
        if cost <= self.bound:
            while self.held + cost > self.bound:   # the least recently used go first
                self.held -= self.entries.pop(next(iter(self.entries)))[1]
            self.entries[key], self.held = (value, cost), self.held + cost
        return value


GRAPHS_KEPT = 50_000   # quantities of the graphs kept between sheets (a 2-2-2 network's graph has 44)
RULES_KEPT = 200_000   # nodes of the rules kept between sheets, written out (the lecture's all: about 2,000)
_graphs = Kept(GRAPHS_KEPT)
_compared = Kept(GRAPHS_KEPT + RULES_KEPT)   # weighed by its graphs' quantities and its rules' nodes
_rules_made = Kept(RULES_KEPT)


def graph_of(network: Network) -> Graph:
    """build_graph(network), made once for the sheets that share it (a graph is never changed once built)."""
    return _graphs.get(network, lambda: build_graph(network), lambda graph: len(graph.quantities))


def rule_of(graph: Graph, name: str, present) -> Rule:
    """make_rule(graph, name, present), made once for the sheets that share it, and so compiled once."""
    return _rules_made.get((graph.network, name, frozenset(present)), lambda: make_rule(graph, name, present),
                           lambda rule: _rule_size(graph, name, present))


def _rule_size(graph: Graph, name: str, present) -> int:
    """The nodes of a rule, written out, counted without writing it out: what keeping it costs."""
    return expanded_size(graph[name].expr, graph, set(present))


def choose(network: Network, present: set[str], agreeing: Agreeing) -> Graph:
    """Each layer's activation (from the first layer on), then the loss, then the mini-batch size: per
    choice, the candidate with the most agreeing cells (``agreeing(graph, rules, beat)``) among the rules that
    differ between the candidates; the current one on a tie."""
    graph = graph_of(network)
    present = frozenset(present)
    for layer in range(len(network.activations)):
        current = network.activations[layer]
        options = [current, *(name for name in ACTIVATIONS if name != current)]
        candidates = [replace(network, activations=_set(network.activations, layer, name)) for name in options]
        if layer == len(network.activations) - 1:
            # A loss that needs its output activation is tried with it: softmax and cross-entropy give a − t,
            # which a linear output gives with half_sse; only together do they fit the outputs and the δ.
            candidates += [replace(network, activations=_set(network.activations, layer, loss.outputs), loss=name)
                           for name, loss in LOSSES.items() if loss.outputs and name != network.loss]
        network, graph = _best(candidates, present, agreeing)
    losses = [network.loss, *(name for name in LOSSES if name != network.loss)]
    # A loss that needs an output activation (bce: sigmoid, cross_entropy: softmax) is tried with it only.
    network, graph = _best([replace(network, loss=name) for name in losses
                            if LOSSES[name].outputs in (None, network.activations[-1])], present, agreeing)
    if network.examples > 1:
        sizes = [network.batch_size, *(n for n in range(network.examples) if n != network.batch_size)]
        network, graph = _best([replace(network, batch_size=n) for n in sizes], present, agreeing)
    return graph


def _set(values: tuple, i: int, value) -> tuple:
    return (*values[:i], value, *values[i + 1:])


def _best(candidates: list[Network], present: frozenset[str], agreeing: Agreeing) -> tuple[Network, Graph]:
    """The candidate with the most agreeing cells, the first on a tie: each is scored in turn, and only as
    far as it could still beat the best before it."""
    graphs, rules, differing = _compared.get(
        (tuple(candidates), present), lambda: _rules(candidates, present),
        lambda made: sum(len(graph.quantities) for graph in made[0]) + sum(
            _rule_size(graph, n, {m for m in present if m in graph.index})
            for graph, chosen in zip(made[0], made[1]) for n in chosen))
    best, most = 0, -1
    if differing:
        for i, (graph, chosen) in enumerate(zip(graphs, rules)):
            score = agreeing(graph, [chosen[n] for n in differing], most)
            if score > most:
                best, most = i, score
    return candidates[best], graphs[best]


def _rules(candidates: list[Network], present: frozenset[str]) -> tuple[list[Graph], list[dict], list[str]]:
    """Each candidate's graph and its rules for the ``present`` quantities that choose, and the names of
    those whose definitions differ between the candidates."""
    graphs = [graph_of(network) for network in candidates]
    if len(graphs) == 1:
        return graphs, [{}], []
    rules = []
    for graph in graphs:
        usable = {n for n in present if n in graph.index}
        # Weight updates need the rate, which is read later from them: they do not choose.
        rules.append({n: rule_of(graph, n, usable) for n in usable if graph[n].first is None
                      and n != "iteration"})
    shared = set.intersection(*(set(r) for r in rules))
    differing = sorted(n for n in shared if len({r[n].expr for r in rules}) > 1)
    return graphs, rules, differing
