"""The quantity definitions of a dense network: one expression per column of the worked example.

Quantities come in column order, which is also evaluation order: each refers only to parameters,
to quantities before it on the same row, or to the previous row (the weight update).

>>> graph = build_graph(Network(layers=(2, 2, 2)))
>>> [q.name for q in graph.quantities][:8]
['iteration', 'i1', 'i2', 't1', 't2', 'w1', 'w2', 'w3']
>>> graph["∂E/∂w5"].math_expanded(graph)
'∂E/∂w5 = (a_o1 − t1)·a_o1·(1 − a_o1)·a_h1'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sheetprop.expr import Cycle, Expr, Num, Param, Sym, render, size, substitute, sum_of
from sheetprop.functions import ACTIVATIONS, LOSSES

BIAS_MODES = ("none", "layer", "neuron")
READABLE_NODES = 400  # a chain written out past this (about 1,500 characters) helps no reader

# Kinds of quantity, by role; chain-rule steps are expanded in notes, the others are not.
COUNTER, INPUT, TARGET, WEIGHT, BIAS, NET, ACT, ERROR, CHAIN, GRADIENT = (
    "counter", "input", "target", "weight", "bias", "net", "activation", "error", "chain", "gradient")


@dataclass(frozen=True)
class Network:
    """The shape of a dense network: neurons per layer (inputs first), activations, loss, biases.

    >>> Network(layers=(2, 2, 2)).weight_count
    8
    """

    layers: tuple[int, ...]
    activations: tuple[str, ...] = ()
    loss: str = "half_sse"
    biases: str = "none"
    train_biases: bool = False
    examples: int = 1
    batch_size: int = 0  # examples per update; 0 means all of them (full batch)

    def __post_init__(self):
        if not self.activations:
            object.__setattr__(self, "activations", ("sigmoid",) * (len(self.layers) - 1))

    def batches(self) -> list[list[int]]:
        """The examples (1-based) of each mini-batch, taken in turn, one batch per iteration.

        >>> Network(layers=(2, 1), examples=5, batch_size=2).batches()
        [[1, 2], [3, 4], [5]]
        """
        size = self.batch_size or self.examples
        return [list(range(start, min(start + size - 1, self.examples) + 1))
                for start in range(1, self.examples + 1, size)]

    @property
    def weight_count(self) -> int:
        return sum(a * b for a, b in zip(self.layers, self.layers[1:]))


@dataclass(frozen=True)
class Quantity:
    """One column: its header name, role, layer group and defining expression.

    ``first`` replaces ``expr`` on the first iteration row (weights start from their parameter cells).
    """

    name: str
    kind: str
    group: str
    expr: Expr
    first: Expr | None = None
    words: str = ""

    def math(self) -> str:
        """The definition as the lecture writes it, e.g. ``a_h1 = σ(h1)``."""
        if self.first is None:
            return f"{self.name} = {_math(self.expr)}"
        return f"{self.name} = {_math(self.expr)} (previous row); iteration 1: {_math(self.first)}"

    def math_expanded(self, graph: "Graph", limit: int | None = None) -> str | None:
        """The definition with every chain-rule step substituted down to forward values.

        With ``limit``, None instead when the expansion would pass that many expression nodes: in a
        deep network the chain of a first-layer weight grows with the product of the layers' widths.
        """
        if limit is not None and graph.expanded_size(self.expr) > limit:
            return None
        expanded = substitute(self.expr, graph.chain_definition)
        while expanded != (again := substitute(expanded, graph.chain_definition)):
            expanded = again
        return f"{self.name} = {_math(expanded)}"

    def note(self, graph: "Graph") -> str:
        """The header note: words, the definition, and the chain written out where it helps (and fits)."""
        lines = [self.words] if self.words else []
        lines.append(self.math())
        if self.kind in (CHAIN, GRADIENT):
            expanded = self.math_expanded(graph, READABLE_NODES)
            if expanded is not None and expanded != lines[-1]:
                lines.append(expanded)
        return "\n".join(lines)


@dataclass
class Graph:
    """All quantities of one network in column order, with the parameters they start from."""

    network: Network
    quantities: list[Quantity]
    params: list[str]
    index: dict[str, int] = field(init=False)

    def __post_init__(self):
        self.index = {q.name: i for i, q in enumerate(self.quantities)}
        self._expanded_sizes: dict[str, int] = {}

    def expanded_size(self, expr: Expr) -> int:
        """Nodes of ``expr`` once every chain-rule step is written out, counted without writing it out."""
        def leaf(node) -> int:
            definition = self.chain_definition(node)
            if definition is None:
                return 1
            if node.name not in self._expanded_sizes:
                self._expanded_sizes[node.name] = self.expanded_size(definition)
            return self._expanded_sizes[node.name]

        return size(expr, leaf)

    def __getitem__(self, name: str) -> Quantity:
        return self.quantities[self.index[name]]

    def chain_definition(self, node) -> Expr | None:
        """The expression a chain-rule step stands for (used to write notes out in full)."""
        if isinstance(node, Sym) and not node.prev and node.name in self.index:
            quantity = self[node.name]
            if quantity.kind == CHAIN:
                return quantity.expr
        return None

    @property
    def weights(self) -> list[str]:
        return [q.name for q in self.quantities if q.kind == WEIGHT]

    @property
    def trained(self) -> list[str]:
        """Names of the parameters that gradient descent changes, in column order."""
        return [q.name for q in self.quantities if q.kind == WEIGHT or (q.kind == BIAS and q.first is not None)]


def _math(expr: Expr) -> str:
    return render(expr, "math", lambda node: "η" if node.name == "lr" else node.name)


def neuron_names(network: Network) -> list[list[str]]:
    """Names of the neurons of each layer: inputs i1…, hidden h1… (h1.1… with several hidden layers), outputs o1….

    >>> neuron_names(Network(layers=(2, 3, 2, 1)))
    [['i1', 'i2'], ['h1.1', 'h1.2', 'h1.3'], ['h2.1', 'h2.2'], ['o1']]
    """
    hidden = len(network.layers) - 2
    names = [[f"i{j}" for j in range(1, network.layers[0] + 1)]]
    for layer in range(1, hidden + 1):
        prefix = "h" if hidden == 1 else f"h{layer}."
        names.append([f"{prefix}{j}" for j in range(1, network.layers[layer] + 1)])
    names.append([f"o{j}" for j in range(1, network.layers[-1] + 1)])
    return names


def weight_names(network: Network) -> list[list[list[str]]]:
    """w1, w2, … numbered as the lecture does: layer by layer, per receiving neuron, per sending neuron.

    >>> weight_names(Network(layers=(2, 2, 2)))[1]
    [['w5', 'w6'], ['w7', 'w8']]
    """
    count = 0
    layers = []
    for before, after in zip(network.layers, network.layers[1:]):
        rows = []
        for _ in range(after):
            rows.append([f"w{count + k + 1}" for k in range(before)])
            count += before
        layers.append(rows)
    return layers


def bias_names(network: Network) -> list[list[str]]:
    """The bias each neuron of each non-input layer uses: b1, b2 shared per layer, or b_h1, b_o1 per neuron."""
    neurons = neuron_names(network)[1:]
    if network.biases == "layer":
        return [[f"b{layer + 1}"] * len(names) for layer, names in enumerate(neurons)]
    if network.biases == "neuron":
        return [[f"b_{name}" for name in names] for names in neurons]
    return [[] for _ in neurons]


def _example(name: str, example: int, network: Network) -> str:
    """Per-example quantities carry the example's number when there are several: h1[2]."""
    return f"{name}[{example}]" if network.examples > 1 else name


def build_graph(network: Network) -> Graph:
    """Define every quantity of the worked example for ``network``, in column order."""
    if network.loss not in LOSSES:
        raise ValueError(f"unknown loss {network.loss!r}")
    loss = LOSSES[network.loss]
    neurons = neuron_names(network)
    weights = weight_names(network)
    biases = bias_names(network)
    distinct_biases = list(dict.fromkeys(b for layer in biases for b in layer))
    outputs = neurons[-1]
    n_out = len(outputs)
    quantities: list[Quantity] = []
    add = quantities.append

    add(Quantity("iteration", COUNTER, "iteration", Sym("iteration", prev=True) + 1, first=Num(1.0),
                 words="Iteration: 1 is the forward pass on the initial weights."))
    params = ["lr"]

    def trainable(name: str, kind: str, group: str, words: str):
        params.append(name)
        update = Sym(name, prev=True) - Param("lr") * Sym(f"∂E/∂{name}", prev=True)
        add(Quantity(name, kind, group, update, first=Param(name),
                     words=f"{words}; updated from the previous row: {name} ← {name} − η·∂E/∂{name}"))

    def example_head(example: int) -> list[str]:
        """Inputs and targets of one example; returns the target names."""
        ex = lambda name: _example(name, example, network)  # noqa: E731
        group = f"example {example}" if network.examples > 1 else ""
        for name in neurons[0]:
            params.append(ex(name))
            add(Quantity(ex(name), INPUT, _join("inputs", group), Param(ex(name)), words=f"Input {ex(name)}"))
        targets = [ex(f"t{k}") for k in range(1, n_out + 1)]
        for name in targets:
            params.append(name)
            add(Quantity(name, TARGET, _join("targets", group), Param(name), words=f"Target {name}"))
        return targets

    # The lecture's column order puts the one example's inputs and targets before the weights.
    heads = {1: example_head(1)} if network.examples == 1 else {}
    for layer, rows in enumerate(weights, start=1):
        group = f"weights into {_layer_label(layer, network)}"
        for receiver, row in zip(neurons[layer], rows):
            for sender, name in zip(neurons[layer - 1], row):
                trainable(name, WEIGHT, group, f"Weight {sender} → {receiver}")
    for name in distinct_biases:
        if network.train_biases:
            trainable(name, BIAS, "biases", f"Bias {name}")
        else:
            params.append(name)
            add(Quantity(name, BIAS, "biases", Param(name), words=f"Bias {name} (not trained)"))

    totals = []
    for example in range(1, network.examples + 1):
        ex = lambda name: _example(name, example, network)  # noqa: E731
        group = f"example {example}" if network.examples > 1 else ""
        targets = heads.get(example) or example_head(example)

        # Forward pass: z = Σ w·a(previous layer) (+ b), a = f(z).
        previous = [Sym(ex(name)) for name in neurons[0]]
        for layer in range(1, len(network.layers)):
            activation = ACTIVATIONS[network.activations[layer - 1]]
            group_name = _join(_layer_label(layer, network), group)
            current = []
            for j, name in enumerate(neurons[layer]):
                terms = [Sym(w) * a for w, a in zip(weights[layer - 1][j], previous)]
                if biases[layer - 1]:
                    terms.append(Sym(biases[layer - 1][j]))
                add(Quantity(ex(name), NET, group_name, sum_of(terms), words=f"Net input of {name}"))
                add(Quantity(ex(f"a_{name}"), ACT, group_name, activation.apply(Sym(ex(name))),
                             words=f"Output (activation) of {name}: {activation.name}"))
                current.append(Sym(ex(f"a_{name}")))
            previous = current

        # Loss.
        errors = []
        for k, name in enumerate(outputs):
            e_name = ex(f"E{k + 1}")
            add(Quantity(e_name, ERROR, _join("loss", group),
                         loss.error(Sym(ex(f"a_{name}")), Sym(targets[k]), n_out), words=f"Error of {name}"))
            errors.append(Sym(e_name))
        add(Quantity(ex("E_total"), ERROR, _join("loss", group), sum_of(errors), words=loss.words))
        totals.append(Sym(ex("E_total")))

        # Backward pass: ∂E/∂a, ∂a/∂z and ∂E/∂z (δ) per neuron, output layer first.
        for layer in range(len(network.layers) - 1, 0, -1):
            activation = ACTIVATIONS[network.activations[layer - 1]]
            group_name = _join("backward: " + _layer_label(layer, network), group)
            for j, name in enumerate(neurons[layer]):
                a, z = ex(f"a_{name}"), ex(name)
                if layer == len(network.layers) - 1:
                    d_a = loss.slope(Sym(a), Sym(targets[j]), n_out)
                    words = f"How E_total changes with {a}"
                else:
                    d_a = sum_of(Sym(ex(f"∂E/∂{receiver}")) * Sym(weights[layer][k][j])
                                 for k, receiver in enumerate(neurons[layer + 1]))
                    words = f"How E_total changes with {a}, summed over the neurons {a} feeds"
                slope = ex(f"∂a_{name}/∂{name}")
                add(Quantity(f"∂E/∂{a}", CHAIN, group_name, d_a, words=words))
                add(Quantity(slope, CHAIN, group_name, activation.slope(Sym(z), Sym(a)),
                             words=f"Slope of {activation.name} at {z}"))
                add(Quantity(f"∂E/∂{z}", CHAIN, group_name, Sym(f"∂E/∂{a}") * Sym(slope),
                             words=f"δ_{z}: how E_total changes with the net input {z}"))

        # Gradients of this example: ∂E/∂w = δ(receiver)·a(sender).
        group_name = _join("gradients", group)
        for layer in range(1, len(network.layers)):
            senders = [ex(n) if layer == 1 else ex(f"a_{n}") for n in neurons[layer - 1]]
            for j, receiver in enumerate(neurons[layer]):
                for sender, w in zip(senders, weights[layer - 1][j]):
                    add(Quantity(ex(f"∂E/∂{w}"), GRADIENT, group_name,
                                 Sym(f"∂E/∂{ex(receiver)}") * Sym(sender), words=f"Gradient of E_total for {w}"))
        if network.train_biases:
            for name in distinct_biases:
                deltas = [Sym(f"∂E/∂{ex(n)}") for layer, names in enumerate(neurons[1:])
                          for n, b in zip(names, biases[layer]) if b == name]
                add(Quantity(ex(f"∂E/∂{name}"), GRADIENT, group_name, sum_of(deltas),
                             words=f"Gradient of E_total for {name}: the δ of every neuron it feeds"))

    if network.examples > 1:
        def mean(name: str, examples: list[int]) -> Expr:
            return sum_of(Sym(_example(name, e, network)) for e in examples) / len(examples)

        everyone, batches = list(range(1, network.examples + 1)), network.batches()
        add(Quantity("E_total", ERROR, "batch mean", mean("E_total", everyone),
                     words="E_total averaged over all the examples"))
        trained = [q.name for q in quantities if q.kind == WEIGHT]
        trained += distinct_biases if network.train_biases else []
        for name in trained:
            if len(batches) == 1:
                gradient, words = mean(f"∂E/∂{name}", everyone), f"Gradient for {name} averaged over the examples"
            else:
                gradient = Cycle(Sym("iteration"), tuple(mean(f"∂E/∂{name}", batch) for batch in batches))
                words = (f"Gradient for {name} averaged over this iteration's mini-batch "
                         f"(batches of {network.batch_size}, taken in turn)")
            add(Quantity(f"∂E/∂{name}", GRADIENT, "batch mean", gradient, words=words))
    return Graph(network, quantities, params)


def _layer_label(layer: int, network: Network) -> str:
    if layer == len(network.layers) - 1:
        return "output layer"
    return "hidden layer" if len(network.layers) == 3 else f"hidden layer {layer}"


def _join(*parts: str) -> str:
    return ", ".join(p for p in parts if p)
