"""A whole run held in memory, for Python users and notebooks: every row of every learning rate.

The workbook writer never needs this (it streams rows); build a Trace when you want to look around.

>>> from sheetprop.config import default as default_config
>>> trace = run(default_config(), iterations=3)
>>> trace.value("E_total", iteration=2, lr=1.0)
0.2285477652787851
>>> trace.frame().shape
(18, 45)
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from sheetprop.compare import Case, Summary, summarize
from sheetprop.config import Config
from sheetprop.engine import compile_rows, iterate
from sheetprop.graph import Graph, build_graph
from sheetprop.optimizers import OPTIMIZERS


class UnknownQuantity(KeyError):
    """A name that is no quantity of the trace's network; the message suggests the near ones."""

    def __str__(self) -> str:  # KeyError shows its argument's repr: this one is a sentence
        return str(self.args[0])


@dataclass(frozen=True)
class Trace:
    """Every quantity at every iteration, per learning rate."""

    config: Config
    graph: Graph = field(repr=False)
    rows: dict[float, list[list[float]]] = field(repr=False)

    @property
    def optimizer(self) -> str:
        return self.graph.network.optimizer

    @property
    def values(self) -> dict[str, float]:
        """The parameter values the run read (hyperparameters included)."""
        return self.config.values_for(self.optimizer)

    @property
    def learning_rates(self) -> list[float]:
        return list(self.rows)

    @property
    def iterations(self) -> int:
        return len(next(iter(self.rows.values())))

    @property
    def summary(self) -> Summary:
        """The learning-rate comparison (final E_total, first iteration below the threshold, best rate)."""
        slot = self.graph.index["E_total"]
        return summarize({Case(self.optimizer, lr): [row[slot] for row in rows] for lr, rows in self.rows.items()},
                         self.config.threshold)

    def value(self, name: str, iteration: int = 1, lr: float | None = None) -> float:
        """One quantity's value, by its workbook name, at an iteration (1-based) and learning rate (which a
        trace of several rates needs told).

        >>> from sheetprop.config import default as default_config
        >>> trace = run(default_config(), [0.5], iterations=2)
        >>> trace.value("Etotal")
        Traceback (most recent call last):
        ...
        sheetprop.trace.UnknownQuantity: no quantity 'Etotal' in this network; did you mean 'E_total'?
        """
        row = self.row(iteration, lr)
        if name not in row:
            raise UnknownQuantity(_unknown(name, list(row)))
        return row[name]

    def row(self, iteration: int = 1, lr: float | None = None) -> dict[str, float]:
        """Every quantity at one iteration, by name (``lr`` as for ``value``)."""
        rows = self.rows[self._rate(lr)]
        if not 1 <= iteration <= len(rows):
            raise ValueError(f"iteration {iteration} is outside 1…{len(rows)}")
        return dict(zip((q.name for q in self.graph.quantities), rows[iteration - 1]))

    def frame(self):
        """A tidy pandas DataFrame: one row per learning rate and iteration, one column per quantity."""
        import pandas as pd

        names = [q.name for q in self.graph.quantities]
        frames = [pd.DataFrame(rows, columns=names).assign(lr=lr) for lr, rows in self.rows.items()]
        frame = pd.concat(frames, ignore_index=True)
        frame["iteration"] = frame["iteration"].astype(int)
        return frame[["lr", *names]]

    def _rate(self, lr: float | None) -> float:
        if lr is None:
            if len(self.rows) > 1:  # answering for the first rate would be a guess
                rates = ", ".join(f"{r:g}" for r in self.rows)
                raise ValueError(f"this trace ran {len(self.rows)} learning rates ({rates}): say which one, "
                                 f"e.g. lr={self.learning_rates[0]:g}")
            return self.learning_rates[0]
        if lr not in self.rows:
            rates = ", ".join(f"{r:g}" for r in self.rows)
            raise ValueError(f"learning rate {lr:g} was not run; choose one of {rates}")
        return lr

    def __repr__(self) -> str:
        rates = ", ".join(f"{r:g}" for r in self.rows)
        best = self.summary.best
        trained = "" if self.optimizer == "sgd" else f"{OPTIMIZERS[self.optimizer].words}, "
        return (f"Trace({self.config.name!r}: {'-'.join(map(str, self.config.network.layers))} network, "
                f"{trained}{self.iterations} iterations at learning rates {rates}; "
                f"best {'none' if best is None else f'{best.rate:g}'})")

    def _repr_markdown_(self) -> str:
        summary = self.summary
        lines = [f"**{self.config.heading}** — {self.iterations} iterations", "",
                 "| learning rate | E_total at 1 | final E_total | below threshold at | status |",
                 "|---:|---:|---:|---:|---|"]
        for r in summary.rates:
            best = " (best)" if r.case == summary.best else ""
            lines.append(f"| {r.rate:g}{best} | {r.first:.10g} | {r.final:.10g} | {r.reached or 'never'} | {r.status} |")
        return "\n".join(lines)


def _unknown(name: str, names: list[str]) -> str:
    """Why ``name`` is not found, with the names nearest it in spelling (case aside)."""
    lower = {known.lower(): known for known in names}
    near = [lower[match] for match in difflib.get_close_matches(name.lower(), list(lower), n=3, cutoff=0.6)]
    if near:
        return f"no quantity {name!r} in this network; did you mean {' or '.join(repr(n) for n in near)}?"
    examples = [names[1], *(known for known in names if known == "E_total" or known.startswith("∂E/∂w"))][:3]
    return (f"no quantity {name!r} in this network; its names are the workbook's headers, e.g. "
            + ", ".join(repr(known) for known in examples))


def run(config: Config, learning_rates=None, iterations: int | None = None, optimizer: str | None = None) -> Trace:
    """Run the engine for every learning rate (or the ones given), with the config's first optimizer
    (or the one named), and keep all rows."""
    optimizer = optimizer or config.optimizers[0]
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; use one of {', '.join(OPTIMIZERS)}")
    graph = build_graph(config.network_for(optimizer))
    functions = compile_rows(graph)
    rates = list(learning_rates or config.learning_rates)
    count = iterations or config.iterations
    values = config.values_for(optimizer)
    rows = {lr: list(iterate(graph, values, lr, count, functions)) for lr in rates}
    return Trace(config, graph, rows)
