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

from sheetprop.dialects import render
from sheetprop.expr import Cycle, Expr, Num, Param, Sym, size, substitute, sum_of
from sheetprop.functions import ACTIVATIONS, LOSSES
from sheetprop.optimizers import OPTIMIZERS, Refs
from sheetprop.parameters import LEARNING_RATE, PARAMETERS

BIAS_MODES = ("none", "layer", "neuron")
READABLE_NODES = 400  # a chain written out past this (about 1,500 characters) helps no reader

# Roles of quantities; chain-rule steps are expanded in notes, the others are not.
COUNTER, INPUT, TARGET, WEIGHT, BIAS, NET, ACT, ERROR, CHAIN, GRADIENT, STATE = (
    "counter", "input", "target", "weight", "bias", "net", "activation", "error", "chain", "gradient", "state")
# The three chain-rule steps of a neuron: ∂E/∂a, the activation's slope ∂a/∂z, and δ = ∂E/∂z.
OUTPUT_STEP, SLOPE_STEP, DELTA_STEP = "∂E/∂a", "∂a/∂z", "δ"
TOTAL = "E_total"


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
    optimizer: str = "sgd"

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

    def batching(self) -> str:
        """How the examples make each update, in words.

        >>> Network(layers=(2, 1), examples=5, batch_size=2).batching()
        'in mini-batches of 2 taken in turn (3 batches; each update uses the mean gradient of the next batch)'
        """
        if self.examples == 1:
            return "one at a time (each update uses its gradient)"
        batches = self.batches()
        if len(batches) == 1:
            return f"in one full batch (each update uses the mean gradient over all {self.examples})"
        return (f"in mini-batches of {self.batch_size} taken in turn ({len(batches)} batches; each update uses "
                "the mean gradient of the next batch)")


@dataclass(frozen=True)
class Quantity:
    """One column: its header name, role, group of columns and defining expression, and where it sits
    in the network, as fields, so that no reader needs to parse names.

    ``first`` replaces ``expr`` on the first iteration row (weights start from their parameter cells).
    ``layer`` counts from 0 (the inputs); a weight's is its receiver's. ``neuron`` is the neuron a quantity
    belongs to (a weight's receiver; ``sender`` the neuron it comes from), ``example`` the training example
    (None when there is one, or for what all of them share), ``param`` the parameter a gradient, update or
    optimizer state belongs to, ``step`` which chain-rule step a CHAIN quantity is.
    """

    name: str
    role: str
    group: str
    expr: Expr
    first: Expr | None = None
    words: str = ""
    layer: int | None = None
    neuron: str | None = None
    sender: str | None = None
    example: int | None = None
    param: str | None = None
    step: str | None = None

    @property
    def kind(self) -> str:
        """The role (the name earlier versions used)."""
        return self.role

    def math(self) -> str:
        """The definition as the lecture writes it, e.g. ``a_h1 = σ(h1)``."""
        if isinstance(self.first, Param) and self.first.name == self.name:
            return f"{self.name} = {_math(self.expr)}, from the previous row; iteration 1: its starting value"
        if self.first is not None:
            return f"{self.name} = {_math(self.expr)}, from the previous row; iteration 1: {_math(self.first)}"
        return f"{self.name} = {_math(self.expr)}"

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
        if isinstance(self.expr, Param):  # an input, a target, a fixed bias: nothing to compute
            return f"{self.words}: the value in its shaded cell above, the same on every row"
        lines = [self.words] if self.words else []
        lines.append(self.math())
        if self.role in (CHAIN, GRADIENT):
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
        return [q.name for q in self.quantities if q.role == WEIGHT]

    @property
    def settings(self) -> list[str]:
        """The parameter records (``sheetprop.parameters``) the graph reads: the learning rate, the
        optimizer's hyperparameters, the loss's parameters."""
        return [name for name in self.params if name in PARAMETERS]

    @property
    def trained(self) -> list[str]:
        """Names of the parameters the optimizer changes, in column order."""
        return [q.name for q in self.quantities if q.role in (WEIGHT, BIAS) and q.first is not None]

    @property
    def optimizer(self):
        return OPTIMIZERS[self.network.optimizer]

    def gradient(self, param: str) -> Quantity:
        """The gradient an update of ``param`` uses (the batch's mean where there are several examples)."""
        return self[gradient_name(param)]

    def of_role(self, *roles: str) -> list[Quantity]:
        """The quantities of the given roles, in column order."""
        return [q for q in self.quantities if q.role in roles]

    def place(self, layer: int | None, example: int | None = None) -> str:
        """Where a quantity sits, in words: 'output layer', 'hidden layer 2, example 3'."""
        parts = [layer_label(layer, self.network) if layer else "inputs" if layer == 0 else ""]
        return _join(*parts, f"example {example}" if example else "")


def _math(expr: Expr) -> str:
    return render(expr, "math")


def gradient_name(param: str, example: int | None = None) -> str:
    """The name of a parameter's gradient column: ∂E/∂w5, or ∂E/∂w5[2] for one example of several."""
    return f"∂E/∂{param}" + (f"[{example}]" if example else "")


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
    optimizer = OPTIMIZERS[network.optimizer]
    neurons = neuron_names(network)
    weights = weight_names(network)
    biases = bias_names(network)
    distinct_biases = list(dict.fromkeys(b for layer in biases for b in layer))
    outputs = neurons[-1]
    n_out = len(outputs)
    last = len(network.layers) - 1
    several = network.examples > 1
    quantities: list[Quantity] = []
    add = quantities.append

    add(Quantity("iteration", COUNTER, "iteration", Sym("iteration", prev=True) + 1, first=Num(1.0),
                 words="Iteration: 1 is the forward pass on the initial weights."))
    params = [LEARNING_RATE.name, *optimizer.hyperparameters, *loss.parameters]

    def refs(name: str) -> Refs:
        return Refs(Sym(name, prev=True), Sym(gradient_name(name), prev=True), Sym("iteration") - 1,
                    lambda key: Sym(state_name(key, name)), lambda key: Sym(state_name(key, name), prev=True),
                    lambda key: Sym(key))

    def trainable(group: str, members: list[tuple[str, str, str, dict]]):
        """One group of trained parameters: the optimizer's state columns for each (all of one kind
        together), then the parameters' own columns. Each member is (name, role, words, where)."""
        for state in optimizer.states:
            for name, _, _, where in members:
                add(Quantity(state_name(state.key, name), STATE, group, state.expr(refs(name)),
                             first=Num(state.first), words=f"{state.words} of {name}", param=name, **where))
        for name, role, words, where in members:
            params.append(name)
            add(Quantity(name, role, group, optimizer.step(refs(name)), first=Param(name), words=words, param=name,
                         **where))

    def example_head(example: int) -> list[str]:
        """Inputs and targets of one example; returns the target names."""
        ex = lambda name: _example(name, example, network)  # noqa: E731
        number = example if several else None
        group = f"example {example}" if several else ""
        for name in neurons[0]:
            params.append(ex(name))
            add(Quantity(ex(name), INPUT, _join("inputs", group), Param(ex(name)), words=f"Input {ex(name)}",
                         layer=0, neuron=name, example=number))
        targets = [ex(f"t{k}") for k in range(1, n_out + 1)]
        for name, neuron in zip(targets, outputs):
            params.append(name)
            add(Quantity(name, TARGET, _join("targets", group), Param(name), words=f"Target {name}",
                         layer=last, neuron=neuron, example=number))
        return targets

    # The lecture's column order puts the one example's inputs and targets before the weights.
    heads = {1: example_head(1)} if not several else {}
    for state in optimizer.shared:  # what every parameter's update shares, before any of them
        add(Quantity(state.key, STATE, "optimizer", state.expr(refs("")), words=state.words))
    for layer, rows in enumerate(weights, start=1):
        trainable(f"weights into {layer_label(layer, network)}", [
            (name, WEIGHT, f"Weight {sender} → {receiver}", dict(layer=layer, neuron=receiver, sender=sender))
            for receiver, row in zip(neurons[layer], rows) for sender, name in zip(neurons[layer - 1], row)])
    placed = {}
    for name in distinct_biases:
        layer = next(i for i, names in enumerate(biases, start=1) if name in names)
        placed[name] = dict(layer=layer, neuron=neurons[layer][biases[layer - 1].index(name)]
                            if network.biases == "neuron" else None)
    if network.train_biases:
        trainable("biases", [(name, BIAS, f"Bias {name}", where) for name, where in placed.items()])
    else:
        for name, where in placed.items():
            params.append(name)
            add(Quantity(name, BIAS, "biases", Param(name), words=f"Bias {name} (not trained)", **where))

    for example in range(1, network.examples + 1):
        ex = lambda name: _example(name, example, network)  # noqa: E731
        number = example if several else None
        group = f"example {example}" if several else ""
        targets = heads.get(example) or example_head(example)

        # Forward pass: z = Σ w·a(previous layer) (+ b), a = f(z).
        previous = [Sym(ex(name)) for name in neurons[0]]
        for layer in range(1, last + 1):
            activation = ACTIVATIONS[network.activations[layer - 1]]
            group_name = _join(layer_label(layer, network), group)
            current = []
            for j, name in enumerate(neurons[layer]):
                terms = [Sym(w) * a for w, a in zip(weights[layer - 1][j], previous)]
                if biases[layer - 1]:
                    terms.append(Sym(biases[layer - 1][j]))
                where = dict(layer=layer, neuron=name, example=number)
                add(Quantity(ex(name), NET, group_name, sum_of(terms), words=f"Net input of {name}", **where))
                add(Quantity(ex(f"a_{name}"), ACT, group_name, activation.apply(Sym(ex(name))),
                             words=f"Output (activation) of {name}: {activation.name}", **where))
                current.append(Sym(ex(f"a_{name}")))
            previous = current

        # Loss.
        errors = []
        for k, name in enumerate(outputs):
            e_name = ex(f"E{k + 1}")
            add(Quantity(e_name, ERROR, _join("loss", group),
                         loss.error(Sym(ex(f"a_{name}")), Sym(targets[k]), n_out), words=f"Error of {name}",
                         layer=last, neuron=name, example=number))
            errors.append(Sym(e_name))
        add(Quantity(ex(TOTAL), ERROR, _join("loss", group), sum_of(errors), words=loss.words, example=number))

        # Backward pass: ∂E/∂a, ∂a/∂z and ∂E/∂z (δ) per neuron, output layer first.
        for layer in range(last, 0, -1):
            activation = ACTIVATIONS[network.activations[layer - 1]]
            group_name = _join("backward: " + layer_label(layer, network), group)
            for j, name in enumerate(neurons[layer]):
                a, z = ex(f"a_{name}"), ex(name)
                if layer == last:
                    d_a = loss.slope(Sym(a), Sym(targets[j]), n_out)
                    words = f"How E_total changes with {a}"
                else:
                    d_a = sum_of(Sym(ex(f"∂E/∂{receiver}")) * Sym(weights[layer][k][j])
                                 for k, receiver in enumerate(neurons[layer + 1]))
                    words = f"How E_total changes with {a}, summed over the neurons {a} feeds"
                slope = ex(f"∂a_{name}/∂{name}")
                where = dict(layer=layer, neuron=name, example=number)
                add(Quantity(f"∂E/∂{a}", CHAIN, group_name, d_a, words=words, step=OUTPUT_STEP, **where))
                add(Quantity(slope, CHAIN, group_name, activation.slope(Sym(z), Sym(a)),
                             words=f"Slope of {activation.name} at {z}", step=SLOPE_STEP, **where))
                add(Quantity(f"∂E/∂{z}", CHAIN, group_name, Sym(f"∂E/∂{a}") * Sym(slope),
                             words=f"δ_{z}: how E_total changes with the net input {z}", step=DELTA_STEP, **where))

        # Gradients of this example: ∂E/∂w = δ(receiver)·a(sender).
        group_name = _join("gradients", group)
        for layer in range(1, last + 1):
            senders = [ex(n) if layer == 1 else ex(f"a_{n}") for n in neurons[layer - 1]]
            for j, receiver in enumerate(neurons[layer]):
                for sender, neuron, w in zip(senders, neurons[layer - 1], weights[layer - 1][j]):
                    add(Quantity(gradient_name(w, number), GRADIENT, group_name,
                                 Sym(f"∂E/∂{ex(receiver)}") * Sym(sender), words=f"Gradient of E_total for {w}",
                                 layer=layer, neuron=receiver, sender=neuron, example=number, param=w))
        if network.train_biases:
            for name in distinct_biases:
                deltas = [Sym(f"∂E/∂{ex(n)}") for layer, names in enumerate(neurons[1:])
                          for n, b in zip(names, biases[layer]) if b == name]
                bias = next(q for q in quantities if q.name == name)
                add(Quantity(gradient_name(name, number), GRADIENT, group_name, sum_of(deltas),
                             words=f"Gradient of E_total for {name}: the δ of every neuron it feeds",
                             layer=bias.layer, neuron=bias.neuron, example=number, param=name))

    if several:
        def mean(name: str, examples: list[int]) -> Expr:
            return sum_of(Sym(_example(name, e, network)) for e in examples) / len(examples)

        everyone, batches = list(range(1, network.examples + 1)), network.batches()
        add(Quantity(TOTAL, ERROR, "batch mean", mean(TOTAL, everyone),
                     words="E_total averaged over all the examples"))
        for param in [q for q in quantities if q.role in (WEIGHT, BIAS) and q.first is not None]:
            name = param.name
            if len(batches) == 1:
                gradient, words = mean(gradient_name(name), everyone), f"Gradient for {name} averaged over the examples"
            else:
                gradient = Cycle(Sym("iteration"), tuple(mean(gradient_name(name), batch) for batch in batches))
                words = (f"Gradient for {name} averaged over this iteration's mini-batch "
                         f"(batches of {network.batch_size}, taken in turn)")
            add(Quantity(gradient_name(name), GRADIENT, "batch mean", gradient, words=words, layer=param.layer,
                         neuron=param.neuron, sender=param.sender, param=name))
    return Graph(network, quantities, params)


def state_name(key: str, param: str) -> str:
    """The column of one optimizer state of one parameter: v_w5."""
    return f"{key}_{param}"


def layer_label(layer: int, network: Network) -> str:
    """'output layer', 'hidden layer' (one hidden layer) or 'hidden layer 2'."""
    if layer == len(network.layers) - 1:
        return "output layer"
    return "hidden layer" if len(network.layers) == 3 else f"hidden layer {layer}"


def _join(*parts: str) -> str:
    return ", ".join(p for p in parts if p)
