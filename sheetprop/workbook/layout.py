"""Where each quantity sits on a learning rate's sheet, and the formula of each of its cells.

A rate sheet reads top to bottom (its rows numbered in ``sheetprop.limits``):
- row 1: title; row 2: how to use it,
- row 3: parameter labels and row 4: parameter values (the editable cells), each one directly above
  the column it feeds (the learning rate above the iteration column),
- row 5: layer groups, row 6: the lecture's names with a note holding each one's math,
- row 7 on: one row per iteration.

>>> from sheetprop.graph import Network, build_graph
>>> layout = Layout(build_graph(Network(layers=(2, 2, 2))))
>>> layout.cell("w5", iteration=2), layout.formula("w5", iteration=2)
('J8', '=J7-$A$4*AO7')
>>> layout.formula("h1", iteration=1)
'=F7*B7+G7*C7'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sheetprop.dialects import render
from sheetprop.expr import Param
from sheetprop.graph import STATE
from sheetprop.limits import FIRST_ROW, MAX_COLUMNS, MAX_FORMULA_LENGTH, PARAM_ROW
from sheetprop.parameters import LEARNING_RATE

if TYPE_CHECKING:
    from sheetprop.graph import Graph


class Layout:
    """Quantity → column, iteration → row, and each cell's formula."""

    def __init__(self, graph: "Graph"):
        from xlsxwriter.utility import xl_col_to_name

        self.graph = graph
        self.letters = [xl_col_to_name(c) for c in range(len(graph.quantities))]
        columns = {q.name: c for c, q in enumerate(graph.quantities)}
        # Parameters sit above the column they feed; the learning rate above the iteration column, the
        # optimizer's hyperparameters above its state columns (the first ones no other parameter sits above).
        self.param_columns = {name: columns[name] for name in graph.params if name in columns}
        self.param_columns[LEARNING_RATE.name] = 0
        loose = [name for name in graph.params if name not in self.param_columns]
        states = [c for c, q in enumerate(graph.quantities) if q.role == STATE]
        taken = set(self.param_columns.values())
        free = (c for c in range(states[0] if states else 1, len(graph.quantities)) if c not in taken)
        self.param_columns.update(zip(loose, free))
        self._first = [self._template(q.first if q.first is not None else q.expr) for q in graph.quantities]
        self._later = [self._template(q.expr) for q in graph.quantities]

    def row(self, iteration: int) -> int:
        """Zero-based sheet row of an iteration (1-based)."""
        return FIRST_ROW + iteration - 1

    def cell(self, name: str, iteration: int) -> str:
        """A1 reference of a quantity's cell at an iteration."""
        return f"{self.letters[self.graph.index[name]]}{self.row(iteration) + 1}"

    def param_cell(self, name: str) -> str:
        """Absolute reference of a parameter's labelled cell, e.g. ``$A$4`` for the learning rate."""
        return f"${self.letters[self.param_columns[name]]}${PARAM_ROW + 1}"

    def formula(self, name: str, iteration: int) -> str:
        """The formula of a quantity's cell at an iteration, with cell references resolved."""
        return self.formulas(iteration)[self.graph.index[name]]

    def formulas(self, iteration: int) -> list[str]:
        """Every column's formula at one iteration, in column order."""
        row = self.row(iteration) + 1
        return [template.format(r=row, p=row - 1) for template in self.templates(iteration)]

    # The templates' fields: offsets from the 1-based number of the row a formula sits in.
    FIELDS = {"r": 0, "p": -1}

    def templates(self, iteration: int) -> list[str]:
        """Every column's formula at one iteration as a ``str.format`` template of its row numbers: ``{r}``
        this row's (1-based), ``{p}`` the row above's (see ``FIELDS``); iterations after the first share one."""
        return self._first if iteration == 1 else self._later

    def misfit(self, iterations: int) -> str | None:
        """What keeps the sheet from fitting a spreadsheet (more columns or longer formulas than one holds),
        as a config problem naming the key and the fix; None when it fits."""
        columns = len(self.graph.quantities)
        if columns > MAX_COLUMNS:
            return (f"key 'layers': the network needs {columns:,} columns per sheet, a spreadsheet holds "
                    f"{MAX_COLUMNS:,}; use fewer neurons or fewer examples")
        for quantity, formula in zip(self.graph.quantities, self.formulas(max(iterations, 2))):
            if len(formula) > MAX_FORMULA_LENGTH:
                return (f"key 'layers': the formula of {quantity.name} would be {len(formula):,} characters, "
                        f"a spreadsheet cell holds {MAX_FORMULA_LENGTH:,}; use fewer neurons per layer")
        return None

    def _template(self, expr) -> str:
        # Rendered once per column; rows differ only in their row numbers ({r} this row, {p} the previous).
        def resolve(node) -> str:
            if isinstance(node, Param):
                return self.param_cell(node.name)
            return self.letters[self.graph.index[node.name]] + ("{p}" if node.prev else "{r}")

        return "=" + render(expr, "excel", resolve)
