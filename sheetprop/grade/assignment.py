"""What was assigned, and how a submission's sheets measure up to it.

The assignment is a config: its network (layer sizes, activations, loss, biases, optimizer and its
hyperparameters), its learning rates and iterations, and its starting values, or each student's own
(a roster's variants, see variants.py). The cells a student must fill are the cells the exercise leaves
empty (``Exercise.gives``), on one sheet per optimizer and learning rate, every iteration:

- always: every activation, E_total, every gradient ∂E/∂w and every weight update;
- where the sheet has a column for it: a net, an output's error (E1), a chain-rule step and an optimizer's
  state, which a hand-made sheet may fold into another cell's formula instead.

``score`` is the share of those cells judged right. A missing sheet, a missing row or an empty cell counts
as not right, and so does every cell of a sheet of another network (other layer sizes, activations, loss,
biases, optimizer or examples): it is not the work that was assigned.

>>> from sheetprop.config import default
>>> lecture = Assignment(default())
>>> cells = lecture.cells("sgd", {"h1", "E1"})
>>> cells["a_h1"], cells["w5"], cells["h1"], "∂E/∂o1" in cells
(201, 200, 201, False)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sheetprop.config import Config
from sheetprop.graph import ACT, BIAS, CHAIN, ERROR, NET, STATE, TOTAL, WEIGHT, GRADIENT, build_graph

# Folded into another cell's formula by many hand-made sheets: assigned where the sheet has the column.
WHERE_PRESENT = (NET, ERROR, CHAIN, STATE)


@dataclass(frozen=True)
class Assignment:
    """The assignment: ``config``, and with a roster, each student's starting values by id."""

    config: Config
    variants: dict[str, dict[str, float]] = field(default_factory=dict)
    _cells: dict = field(default_factory=dict, compare=False, repr=False)  # optimizer → its cells, made once

    def prepare(self) -> "Assignment":
        """Count the assigned cells of every optimizer and every way an exercise leaves them, here: the
        workers that grade get them with the assignment and need not load the exercise's writer."""
        from sheetprop.exercise import BLANKS

        for case in self.cases:
            for blank in BLANKS:
                self.cells(case.optimizer, None, blank)
        return self

    def total(self) -> int:
        """Every cell of the exercise as handed out: what a submission with nothing to judge is out of."""
        return sum(sum(self.cells(case.optimizer, None).values()) for case in self.cases)

    def values(self, student: str = "", optimizer: str | None = None) -> dict[str, float]:
        """The starting values (and the optimizer's hyperparameters) ``student`` was given."""
        values = self.config.values_for(optimizer or self.config.optimizers[0])
        return {**values, **self.variants.get(student, {})}

    @property
    def cases(self):
        return self.config.cases

    @property
    def iterations(self) -> int:
        return self.config.iterations

    def cells(self, optimizer: str, columns, blank: str = "all") -> dict[str, int]:
        """The cells a sheet of ``optimizer`` must fill, by quantity, for a sheet with ``columns`` (None: the
        exercise's, every column), in an exercise that leaves ``blank`` (Exercise.blank) empty."""
        if (optimizer, blank) not in self._cells:
            self._cells[optimizer, blank] = _cells(self.config, optimizer, blank)
        return {name: count for name, (role, count, _) in self._cells[optimizer, blank].items()
                if role not in WHERE_PRESENT or columns is None or name in columns}

    def given_first(self, optimizer: str, blank: str) -> set[str]:
        """The quantities the exercise fills on iteration 1 only (``--blank backward``'s forward pass): a
        judged cell of theirs on that row is no work of the student's."""
        self.cells(optimizer, None, blank)
        return {name for name, (_, _, first) in self._cells[optimizer, blank].items() if first}


def _cells(config: Config, optimizer: str, blank: str) -> dict[str, tuple[str, int, bool]]:
    """Every quantity the exercise leaves for the student, with its role, how many of its cells, and whether
    the exercise gives its first row (a computed cell, not a starting value)."""
    from sheetprop.exercise import Exercise

    graph = build_graph(config.network_for(optimizer))
    exercise, rows = Exercise(blank), config.iterations
    found = {}
    for quantity in graph.quantities:
        if quantity.role not in (ACT, ERROR, GRADIENT, WEIGHT, BIAS, *WHERE_PRESENT):
            continue
        role = quantity.role if quantity.name != TOTAL else "total"
        count = int(not exercise.gives(quantity, 1)) + (rows - 1) * int(not exercise.gives(quantity, 2))
        if count:
            first = quantity.first is None and exercise.gives(quantity, 1) and not exercise.gives(quantity, 2)
            found[quantity.name] = (role, count, first)
    return found


def network_differences(network, assigned) -> list[str]:
    """How a sheet's network (as verify judged it) differs from the assigned one, in words; [] when the same.

    >>> from sheetprop.graph import Network
    >>> network_differences(Network((2, 3, 2), ("tanh", "sigmoid")), Network((2, 2, 2)))
    ['layer sizes: 2-3-2, assigned 2-2-2', 'activations: tanh, sigmoid, assigned sigmoid']
    """
    found = []
    if network.layers != assigned.layers:
        found.append(f"layer sizes: {_layers(network)}, assigned {_layers(assigned)}")
    if network.activations != assigned.activations and network.layers == assigned.layers:
        found.append(f"activations: {_names(network.activations)}, assigned {_names(assigned.activations)}")
    elif network.layers != assigned.layers and set(network.activations) != set(assigned.activations):
        found.append(f"activations: {_names(network.activations)}, assigned {_names(assigned.activations)}")
    if network.loss != assigned.loss:
        found.append(f"loss: {network.loss}, assigned {assigned.loss}")
    if network.biases != "none" and assigned.biases != "none" and network.biases != assigned.biases:
        found.append(f"biases: one per {network.biases}, assigned one per {assigned.biases}")
    if network.biases != "none" and assigned.biases != "none" and network.train_biases != assigned.train_biases:
        found.append(f"biases {_trained(network)}, assigned {_trained(assigned)}")
    if (network.examples, network.batch_size) != (assigned.examples, assigned.batch_size):
        found.append(f"examples: {network.batching()}, assigned {assigned.batching()}")
    return found


def bias_difference(network, assigned, values: dict[str, float], givens: dict[str, float]) -> str | None:
    """A sheet without biases where the assignment has them, or the other way round.

    >>> from sheetprop.graph import Network
    >>> bias_difference(Network((2, 2, 2)), Network((2, 2, 2), biases="layer"), {"b1": 0.35, "b2": 0.6}, {})
    'biases: none, assigned b1 = 0.35, b2 = 0.6'
    """
    def listed(network, numbers):
        names = [q.name for q in build_graph(network).of_role(BIAS)]
        return ", ".join(f"{n} = {numbers[n]:.10g}" if n in numbers else n for n in names)

    if network.biases == "none" and assigned.biases != "none":
        return f"biases: none, assigned {listed(assigned, values)}"
    if network.biases != "none" and assigned.biases == "none":
        return f"biases: {listed(network, givens)}, assigned none"
    return None


def _layers(network) -> str:
    return "-".join(map(str, network.layers))


def _names(activations) -> str:
    return ", ".join(dict.fromkeys(activations)) if len(set(activations)) == 1 else ", ".join(activations)


def _trained(network) -> str:
    return "trained" if network.train_biases else "fixed"
