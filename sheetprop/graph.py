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

from sheetprop import legend
from sheetprop.dialects import render
from sheetprop.expr import Cycle, Expr, Num, Param, Sym, size, substitute, sum_of
from sheetprop.functions import ACTIVATIONS, LOSSES, Loss
# Roles and chain-rule steps are the legend's (a name's structure starts with them); chain-rule steps are
# expanded in notes, the others are not.
from sheetprop.legend import (ACT, BIAS, CHAIN, COUNTER, DELTA_STEP, ERROR, GRADIENT, INPUT, NET, OUTPUT_STEP,  # noqa: F401
                              SLOPE_STEP, STATE, TARGET, TOTAL, WEIGHT, Name)
from sheetprop.optimizers import OPTIMIZERS, Optimizer, Refs
from sheetprop.parameters import LEARNING_RATE, PARAMETERS

READABLE_NODES = 400  # a chain written out past this (about 1,500 characters) helps no reader


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
    weight_decay: bool = False  # torch.optim's weight decay added to each gradient (AdamW decays its own way)

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
    optimizer state belongs to, ``step`` which chain-rule step a CHAIN quantity is. ``structure`` is what
    its name says (``sheetprop.legend``): ``name`` is the legend's header for it.
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
    structure: Name | None = field(default=None, repr=False)

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
            if quantity.role == CHAIN:
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
    def optimizer(self) -> Optimizer:
        return optimizer_of(self.network)

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


def loss_words(loss: Loss) -> str:
    """A loss's description with the per-output error written out from its own definition.

    >>> loss_words(LOSSES["half_sse"])
    'half the sum of squared errors: E_total = Σ ½(t − a)²'
    """
    return f"{loss.description}: {TOTAL} = Σ {render(loss.error(Sym('a'), Sym('t'), Sym('n')), 'math')}"


def gradient_name(param: str, example: int | None = None) -> str:
    """The name of a parameter's gradient column: ∂E/∂w5, or ∂E/∂w5[2] for one example of several."""
    return legend.header(Name(GRADIENT, param=legend.parse(param), example=example))


def neuron_names(network: Network) -> list[list[str]]:
    """Names of the neurons of each layer: inputs i1…, hidden h1… (h1.1… with several hidden layers), outputs o1….

    >>> neuron_names(Network(layers=(2, 3, 2, 1)))
    [['i1', 'i2'], ['h1.1', 'h1.2', 'h1.3'], ['h2.1', 'h2.2'], ['o1']]
    """
    return [[n.name for n in layer] for layer in legend.neurons(network.layers)]


def weight_names(network: Network) -> list[list[list[str]]]:
    """w1, w2, … numbered as the lecture does: layer by layer, per receiving neuron, per sending neuron.

    >>> weight_names(Network(layers=(2, 2, 2)))[1]
    [['w5', 'w6'], ['w7', 'w8']]
    """
    return [[[legend.header(w) for w in row] for row in layer] for layer in legend.weights(network.layers)]


def bias_names(network: Network) -> list[list[str]]:
    """The bias each neuron of each non-input layer uses: b1, b2 shared per layer, or b_h1, b_o1 per neuron."""
    return [[legend.header(b) for b in layer] for layer in legend.biases(network.layers, network.biases)]


def refs(param: Name, prose: bool = False) -> Refs:
    """What an update of ``param`` refers to (``optimizers.Refs``): the parameter and its gradient on the row
    above, its states and the shared ones, the update's number. ``prose`` writes the rule as the notes do
    for any weight (``legend.GENERIC_WEIGHT``): w and ∂E/∂w of no row in particular, the update's number t.
    """
    def state(key: str) -> str:
        return legend.header(Name(STATE, key=key, param=param))

    counter = Sym("t") if prose else Sym(legend.COUNTER_NAME) - 1
    return Refs(Sym(legend.header(param), prev=not prose), Sym(legend.header(Name(GRADIENT, param=param)), prev=not prose),
                counter, lambda key: Sym(state(key)), lambda key: Sym(state(key), prev=True),
                lambda key: Sym(legend.header(Name(STATE, key=key))))


def update_rules(optimizer) -> list[tuple[Expr, Expr]]:
    """(left, right) of each of ``optimizer``'s rules, its states' then the parameter's, for any weight w:
    prose writes them ``left ← right``.

    >>> [f"{render(left, 'math')} ← {render(right, 'math')}" for left, right in update_rules(OPTIMIZERS["momentum"])]
    ['v ← μ·v + ∂E/∂w', 'w ← w − η·v']
    """
    return optimizer.rules(refs(legend.GENERIC_WEIGHT, prose=True))


def optimizer_of(network: Network) -> Optimizer:
    """The update rule of ``network``: its optimizer's, with weight decay in the gradient when it has it."""
    optimizer = OPTIMIZERS[network.optimizer]
    return optimizer.decayed() if network.weight_decay else optimizer


def build_graph(network: Network) -> Graph:
    """Define every quantity of the worked example for ``network``, in column order.

    A function of the whole layer (softmax) reads every net input of its layer, and its δ every ∂E/∂a: its
    layer's net inputs come before its activations, and its ∂E/∂a before its slopes and δ.
    """
    if network.loss not in LOSSES:
        raise ValueError(f"unknown loss {network.loss!r}")
    loss = LOSSES[network.loss]
    optimizer = optimizer_of(network)
    header = legend.header
    neurons = legend.neurons(network.layers)
    weights = legend.weights(network.layers)
    biases = legend.biases(network.layers, network.biases)
    distinct_biases = list(dict.fromkeys(b for layer in biases for b in layer))
    outputs = neurons[-1]
    neuron_layer = {neuron: layer for layer, names in enumerate(neurons) for neuron in names}
    n_out = len(outputs)
    last = len(network.layers) - 1
    several = network.examples > 1
    quantities: list[Quantity] = []

    def add(structure: Name, group: str, expr: Expr, **where) -> Quantity:
        """Add the quantity ``structure`` names: its name, role, step and example are the structure's."""
        quantity = Quantity(header(structure), structure.role, group, expr, example=structure.example,
                            step=structure.step, structure=structure, **where)
        quantities.append(quantity)
        return quantity

    def delta(neuron, number: int | None) -> Sym:
        return Sym(header(Name(CHAIN, neuron=neuron, step=DELTA_STEP, example=number)))

    def add_activation(activation, neuron, number: int | None, group: str, expr: Expr) -> None:
        add(Name(ACT, neuron=neuron, example=number), group, expr,
            words=f"Output (activation) of {neuron.name}: {activation.name}", layer=neuron_layer[neuron],
            neuron=neuron.name)

    def add_delta(activation, neuron, number: int | None, group: str, changes: dict) -> None:
        """The slope of the activation at the neuron's net input and its δ: ∂E/∂a times the slope, or for a
        function of the whole layer the Jacobian's row, Σ_k ∂E/∂a_k·∂a_k/∂z (its diagonal the slope)."""
        a, z = (header(Name(role, neuron=neuron, example=number)) for role in (ACT, NET))
        where = dict(layer=neuron_layer[neuron], neuron=neuron.name)
        slope = add(Name(CHAIN, neuron=neuron, step=SLOPE_STEP, example=number), group,
                    activation.slope(Sym(z), Sym(a)), words=f"Slope of {activation.name} at {z}"
                    + (", the Jacobian's diagonal" if activation.across else ""), **where)
        expr = Sym(changes[neuron].name) * Sym(slope.name)
        for other, output in changes.items() if activation.across else ():
            if other != neuron:
                expr = expr - Sym(output.name) * activation.across(
                    Sym(header(Name(ACT, neuron=other, example=number))), Sym(a))
        add(Name(CHAIN, neuron=neuron, step=DELTA_STEP, example=number), group, expr,
            words=f"δ_{z}: how E_total changes with the net input {z}"
            + (f" (through every output of its {activation.name} layer)" if activation.across else ""), **where)

    add(Name(COUNTER), "iteration", Sym(legend.COUNTER_NAME, prev=True) + 1, first=Num(1.0),
        words="Iteration: 1 is the forward pass on the initial weights.")
    params = [LEARNING_RATE.name, *optimizer.hyperparameters, *loss.parameters]

    def trainable(group: str, members: list[tuple[Name, str, dict]]):
        """One group of trained parameters: the optimizer's state columns for each (all of one kind
        together), then the parameters' own columns. Each member is (structure, words, where)."""
        for state in optimizer.states:
            for param, _, where in members:
                add(Name(STATE, key=state.key, param=param), group, state.expr(refs(param)), first=Num(state.first),
                    words=f"{state.words} of {header(param)}", param=header(param), **where)
        for param, words, where in members:
            params.append(header(param))
            add(param, group, optimizer.step(refs(param)), first=Param(header(param)), words=words,
                param=header(param), **where)

    def example_head(example: int) -> list[str]:
        """Inputs and targets of one example; returns the target names."""
        number = example if several else None
        group = f"example {example}" if several else ""
        for neuron in neurons[0]:
            name = header(Name(INPUT, neuron=neuron, example=number))
            params.append(name)
            add(Name(INPUT, neuron=neuron, example=number), _join("inputs", group), Param(name), words=f"Input {name}",
                layer=0, neuron=neuron.name)
        targets = [header(Name(TARGET, neuron=neuron, example=number)) for neuron in outputs]
        for name, neuron in zip(targets, outputs):
            params.append(name)
            add(Name(TARGET, neuron=neuron, example=number), _join("targets", group), Param(name),
                words=f"Target {name}", layer=last, neuron=neuron.name)
        return targets

    # The lecture's column order puts the one example's inputs and targets before the weights.
    heads = {1: example_head(1)} if not several else {}
    for state in optimizer.shared:  # what every parameter's update shares, before any of them
        add(Name(STATE, key=state.key), "optimizer", state.expr(refs(legend.GENERIC_WEIGHT)), words=state.words)
    for layer, rows in enumerate(weights, start=1):
        trainable(f"weights into {layer_label(layer, network)}", [
            (weight, f"Weight {sender.name} → {receiver.name}",
             dict(layer=layer, neuron=receiver.name, sender=sender.name))
            for receiver, row in zip(neurons[layer], rows) for sender, weight in zip(neurons[layer - 1], row)])
    placed = {}
    for bias in distinct_biases:
        layer = next(i for i, names in enumerate(biases, start=1) if bias in names)
        placed[bias] = dict(layer=layer, neuron=neurons[layer][biases[layer - 1].index(bias)].name
                            if network.biases == "neuron" else None)
    if network.train_biases:
        trainable("biases", [(bias, f"Bias {header(bias)}", where) for bias, where in placed.items()])
    else:
        for bias, where in placed.items():
            params.append(header(bias))
            add(bias, "biases", Param(header(bias)), words=f"Bias {header(bias)} (not trained)", **where)

    for example in range(1, network.examples + 1):
        number = example if several else None
        group = f"example {example}" if several else ""
        targets = heads.get(example) or example_head(example)

        # Forward pass: z = Σ w·a(previous layer) (+ b), a = f(z).
        previous = [Sym(header(Name(INPUT, neuron=neuron, example=number))) for neuron in neurons[0]]
        for layer in range(1, last + 1):
            activation = ACTIVATIONS[network.activations[layer - 1]]
            group_name = _join(layer_label(layer, network), group)
            nets = {}
            for j, neuron in enumerate(neurons[layer]):
                terms = [Sym(header(w)) * a for w, a in zip(weights[layer - 1][j], previous)]
                if biases[layer - 1]:
                    terms.append(Sym(header(biases[layer - 1][j])))
                nets[neuron] = add(Name(NET, neuron=neuron, example=number), group_name, sum_of(terms),
                                   words=f"Net input of {neuron.name}", layer=layer, neuron=neuron.name)
                if activation.layer is None:  # each activation beside its net input
                    add_activation(activation, neuron, number, group_name, activation.apply(Sym(nets[neuron].name)))
            if activation.layer is not None:
                for neuron, expr in zip(nets, activation.outputs([Sym(q.name) for q in nets.values()])):
                    add_activation(activation, neuron, number, group_name, expr)
            previous = [Sym(header(Name(ACT, neuron=neuron, example=number))) for neuron in neurons[layer]]

        # Loss.
        errors = []
        for k, neuron in enumerate(outputs):
            error = add(Name(ERROR, neuron=neuron, example=number), _join("loss", group),
                        loss.error(Sym(header(Name(ACT, neuron=neuron, example=number))), Sym(targets[k]), n_out),
                        words=f"Error of {neuron.name}", layer=last, neuron=neuron.name)
            errors.append(Sym(error.name))
        add(Name(ERROR, example=number), _join("loss", group), sum_of(errors), words=loss_words(loss))

        # Backward pass: ∂E/∂a, ∂a/∂z and ∂E/∂z (δ) per neuron, output layer first.
        for layer in range(last, 0, -1):
            activation = ACTIVATIONS[network.activations[layer - 1]]
            group_name = _join("backward: " + layer_label(layer, network), group)
            changes = {}
            for j, neuron in enumerate(neurons[layer]):
                a = header(Name(ACT, neuron=neuron, example=number))
                if layer == last:
                    d_a = loss.slope(Sym(a), Sym(targets[j]), n_out)
                    words = f"How E_total changes with {a}"
                else:
                    d_a = sum_of(delta(receiver, number) * Sym(header(weights[layer][k][j]))
                                 for k, receiver in enumerate(neurons[layer + 1]))
                    words = f"How E_total changes with {a}, summed over the neurons {a} feeds"
                changes[neuron] = add(Name(CHAIN, neuron=neuron, step=OUTPUT_STEP, example=number), group_name,
                                      d_a, words=words, layer=layer, neuron=neuron.name)
                if activation.layer is None:
                    add_delta(activation, neuron, number, group_name, changes)
            if activation.layer is not None:  # every ∂E/∂a of the layer first: each δ reads them all
                for neuron in neurons[layer]:
                    add_delta(activation, neuron, number, group_name, changes)

        # Gradients of this example: ∂E/∂w = δ(receiver)·a(sender).
        group_name = _join("gradients", group)
        for layer in range(1, last + 1):
            senders = [Sym(header(Name(INPUT if layer == 1 else ACT, neuron=n, example=number)))
                       for n in neurons[layer - 1]]
            for j, receiver in enumerate(neurons[layer]):
                for sender, neuron, w in zip(senders, neurons[layer - 1], weights[layer - 1][j]):
                    add(Name(GRADIENT, param=w, example=number), group_name, delta(receiver, number) * sender,
                        words=f"Gradient of E_total for {header(w)}", layer=layer, neuron=receiver.name,
                        sender=neuron.name, param=header(w))
        if network.train_biases:
            for bias in distinct_biases:
                deltas = [delta(n, number) for layer, names in enumerate(neurons[1:])
                          for n, b in zip(names, biases[layer]) if b == bias]
                add(Name(GRADIENT, param=bias, example=number), group_name, sum_of(deltas),
                    words=f"Gradient of E_total for {header(bias)}: the δ of every neuron it feeds",
                    param=header(bias), **placed[bias])

    if several:
        def mean(structure: Name, examples: list[int]) -> Expr:
            return sum_of(Sym(header(structure.of_example(e))) for e in examples) / len(examples)

        everyone, batches = list(range(1, network.examples + 1)), network.batches()
        add(Name(ERROR), "batch mean", mean(Name(ERROR), everyone), words="E_total averaged over all the examples")
        for param in [q for q in quantities if q.role in (WEIGHT, BIAS) and q.first is not None]:
            name, gradient_of = param.name, Name(GRADIENT, param=param.structure)
            if len(batches) == 1:
                gradient, words = mean(gradient_of, everyone), f"Gradient for {name} averaged over the examples"
            else:
                gradient = Cycle(Sym(legend.COUNTER_NAME), tuple(mean(gradient_of, batch) for batch in batches))
                words = (f"Gradient for {name} averaged over this iteration's mini-batch "
                         f"(batches of {network.batch_size}, taken in turn)")
            add(gradient_of, "batch mean", gradient, words=words, layer=param.layer, neuron=param.neuron,
                sender=param.sender, param=name)
    return Graph(network, quantities, params)


def layer_label(layer: int, network: Network) -> str:
    """'output layer', 'hidden layer' (one hidden layer) or 'hidden layer 2'."""
    if layer == len(network.layers) - 1:
        return "output layer"
    return "hidden layer" if len(network.layers) == 3 else f"hidden layer {layer}"


def _join(*parts: str) -> str:
    return ", ".join(p for p in parts if p)
