"""One build's runs of a config, as every output sees them: the config, a graph per optimizer, the
engine's rows for each case — an optimizer at a learning rate — (streamed, never all held), and the
comparison of the cases.

Each writer takes a Run and a folder. Rows are computed when a writer asks for them; E_total of every
row streamed is kept (8 bytes a row), so the comparison costs no second pass once the workbook is written.

>>> from sheetprop.config import default
>>> run = Run.of(default())
>>> run.summary.best, len(run.summary.trajectories[Case("sgd", 2.0)])
(Case(optimizer='sgd', rate=2.0), 201)
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Callable, Iterator

from sheetprop.compare import Case, Summary, compiled, summarize
from sheetprop.config import Config
from sheetprop.engine import compile_rows, iterate
from sheetprop.expr import Call, Expr, Fn, If, Nothing, Num, Sym
from sheetprop.graph import TOTAL, Graph, build_graph
from sheetprop.numerals import DIGITS

# E_total of a row as every output shows it. A value that is not a number is an error in a spreadsheet, and
# every cell that reads it is one too: from there on E_total is no number, even where the engine's arithmetic
# gave one (ReLU's max(0, -inf) is 0); rows after it read it through the weights. ``row`` holds the row's
# values, E_total at position ``total`` + 1; ``broken``: an earlier row held a value that is no number.
ROW, LOSS, TOTAL_AT, BROKEN, SPREAD_NOW = Sym("row"), Sym("loss"), Sym("total"), Sym("broken"), Sym("now")
SPREAD: dict[str, Expr] = {
    "now": If(BROKEN, Num(1), If(Call("finite", (ROW, Nothing())), Num(0), Num(1))),  # broken from this row on
    "loss": If(If(BROKEN, Num(1), If(SPREAD_NOW, If(Call("finite", (ROW, TOTAL_AT)), Num(0), Num(1)), Num(0))),
               If(Fn("isnumber", LOSS), Num(float("nan")), LOSS), LOSS),
}
SPREADS = ("row", "loss", "total", "broken")  # what SPREAD reads
_spread = compiled(SPREAD, SPREADS)


@dataclass
class Run:
    """A config with its graph (of its first optimizer; ``graph_of`` gives each case's); ``digits`` and
    ``formats`` say how the outputs show it, ``progress`` is called with each row a writer streams."""

    config: Config
    graph: Graph = field(repr=False)
    digits: int = DIGITS
    formats: tuple[str, ...] = ("xlsx",)
    progress: Callable[[int], None] | None = field(default=None, repr=False)
    _graphs: dict = field(default_factory=dict, init=False, repr=False)
    _compiled: dict = field(default_factory=dict, init=False, repr=False)
    _losses: dict = field(default_factory=dict, init=False, repr=False)
    _summary: Summary | None = field(default=None, init=False, repr=False)
    _waiting: list = field(default_factory=list, init=False, repr=False)

    @classmethod
    def of(cls, config: Config, **options) -> "Run":
        return cls(config, build_graph(config.network), **options)

    @property
    def rates(self) -> tuple[float, ...]:
        return self.config.learning_rates

    @property
    def cases(self) -> list[Case]:
        return self.config.cases

    def graph_of(self, case: Case | float) -> Graph:
        """The graph of a case's optimizer (a bare rate is the first optimizer's)."""
        optimizer = case.optimizer if isinstance(case, Case) else self.graph.network.optimizer
        if optimizer == self.graph.network.optimizer:
            return self.graph
        if optimizer not in self._graphs:
            self._graphs[optimizer] = build_graph(self.config.network_for(optimizer))
        return self._graphs[optimizer]

    def rows(self, case: Case | float) -> Iterator[list[float]]:
        """Every iteration's row of one case (or of a rate, for the first optimizer), in its graph's
        ``quantities`` order, computed as it is read."""
        case = case if isinstance(case, Case) else Case(self.graph.network.optimizer, case)
        graph = self.graph_of(case)
        if case.optimizer not in self._compiled:
            self._compiled[case.optimizer] = compile_rows(graph)
        total = graph.index[TOTAL]
        losses = array("d")
        broken = 0
        for row in iterate(graph, self.config.values_for(case.optimizer), case.rate, self.config.iterations,
                           self._compiled[case.optimizer]):
            shown = _spread(row, row[total], total, broken)  # SPREAD
            broken = shown["now"]
            if shown["loss"] is not row[total]:
                row = [*row[:total], shown["loss"], *row[total + 1:]]
            losses.append(row[total])
            yield row
        self._losses[case] = losses

    @property
    def summary(self) -> Summary:
        """The cases compared; cases no writer has streamed yet are run for it."""
        if self._summary is None:
            for case in self.cases:
                if case not in self._losses:
                    for _ in self.rows(case):
                        pass
            self._summary = summarize({case: self._losses[case] for case in self.cases}, self.config.threshold)
            waiting, self._waiting = self._waiting, []
            for call in waiting:
                call()
        return self._summary

    def when_summarized(self, call: Callable[[], None]) -> None:
        """Call ``call`` once the summary exists: now if it does, else as soon as a writer asks for it (the
        workbook does, once its rate sheets have streamed every row)."""
        if self._summary is not None:
            call()
        else:
            self._waiting.append(call)
