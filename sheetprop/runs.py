"""One run of a config, as every output sees it: the config, its graph, the engine's rows for each
learning rate (streamed, never all held), and the learning-rate comparison.

Each writer takes a Run and a folder. Rows are computed when a writer asks for them; E_total of every
row streamed is kept (8 bytes a row), so the comparison costs no second pass once the workbook is written.

>>> from sheetprop.config import default
>>> run = Run.of(default())
>>> run.summary.best, len(run.summary.trajectories[2.0])
(2.0, 201)
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Callable, Iterator

from sheetprop.compare import Summary, summarize
from sheetprop.config import Config
from sheetprop.engine import compile_rows, iterate
from sheetprop.graph import TOTAL, Graph, build_graph
from sheetprop.numerals import DIGITS


@dataclass
class Run:
    """A config with its graph; ``digits`` and ``formats`` say how the outputs show it, ``progress`` is
    called with each row a writer streams."""

    config: Config
    graph: Graph = field(repr=False)
    digits: int = DIGITS
    formats: tuple[str, ...] = ("xlsx",)
    progress: Callable[[int], None] | None = field(default=None, repr=False)
    _compiled: tuple = field(default=(), init=False, repr=False)
    _losses: dict = field(default_factory=dict, init=False, repr=False)
    _summary: Summary | None = field(default=None, init=False, repr=False)

    @classmethod
    def of(cls, config: Config, **options) -> "Run":
        return cls(config, build_graph(config.network), **options)

    @property
    def rates(self) -> tuple[float, ...]:
        return self.config.learning_rates

    def rows(self, rate: float) -> Iterator[list[float]]:
        """Every iteration's row for one rate, in ``graph.quantities`` order, computed as it is read."""
        if not self._compiled:
            self._compiled = compile_rows(self.graph)
        total = self.graph.index[TOTAL]
        losses = array("d")
        for row in iterate(self.graph, self.config.values, rate, self.config.iterations, self._compiled):
            losses.append(row[total])
            yield row
        self._losses[rate] = losses

    @property
    def summary(self) -> Summary:
        """The learning rates compared; rates no writer has streamed yet are run for it."""
        if self._summary is None:
            for rate in self.rates:
                if rate not in self._losses:
                    for _ in self.rows(rate):
                        pass
            self._summary = summarize({rate: self._losses[rate] for rate in self.rates}, self.config.threshold)
        return self._summary
