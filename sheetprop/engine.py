"""Numeric evaluation of the quantity definitions, iteration by iteration, as a stream of rows.

The graph's expressions are rendered to Python source and compiled once per network: the engine
computes exactly the operations the spreadsheet formulas spell out, in the same order, so a real
spreadsheet engine recalculating the workbook lands on the same float64 numbers.

>>> from sheetprop.graph import Network, build_graph
>>> graph = build_graph(Network(layers=(2, 2, 2)))
>>> values = dict(i1=0.05, i2=0.10, t1=0.01, t2=0.99,
...               w1=0.15, w2=0.20, w3=0.25, w4=0.30, w5=0.40, w6=0.45, w7=0.50, w8=0.55)
>>> rows = list(iterate(graph, values, lr=1.0, iterations=2))
>>> round(rows[0][graph.index["E_total"]], 12), round(rows[1][graph.index["E_total"]], 12)
(0.242519857348, 0.228547765279)
"""

from __future__ import annotations

from typing import Callable, Iterator

from sheetprop.dialects import NAMESPACE, render
from sheetprop.expr import Param
from sheetprop.graph import Graph
from sheetprop.parameters import LEARNING_RATE

RowFunction = Callable[[list, list], list]


def row_source(graph: Graph, dialect: str, first: bool, current: Callable[[int], str]) -> list[str]:
    """The walk of a row: each quantity's expression in column order, rendered in ``dialect``, iteration 1's
    (``first``: the initial values) or any later row's. A parameter reads ``P[i]`` (``graph.params`` order),
    the previous row ``p[slot]``, this row ``current(slot)``. The engine compiles the python rendering, the
    living page runs the js one (``walkthrough/live.py``).

    >>> from sheetprop.graph import Network, build_graph
    >>> row_source(build_graph(Network(layers=(1, 1))), "js", False, "v[{}]".format)[3:6]  # w1, o1, a_o1
    ['p[3] - P[0]*p[11]', 'v[3]*v[1]', 'F.sigmoid(v[4])']
    """
    params = {name: i for i, name in enumerate(graph.params)}

    def resolve(node) -> str:
        if isinstance(node, Param):
            return f"P[{params[node.name]}]"
        slot = graph.index[node.name]
        return f"p[{slot}]" if node.prev else current(slot)

    return [render(q.first if first and q.first is not None else q.expr, dialect, resolve) for q in graph.quantities]


def compile_rows(graph: Graph) -> tuple[Callable[[list], list], RowFunction]:
    """Two functions: ``first(P)`` gives iteration 1's row, ``next(P, previous_row)`` every later row.

    ``P`` holds the parameter values in ``graph.params`` order.
    """
    def source(function: str, first: bool) -> str:
        lines = [f"def {function}(P, p):"]
        lines += [f"    v{slot} = {text}" for slot, text in enumerate(row_source(graph, "python", first, "v{}".format))]
        lines.append("    return [" + ", ".join(f"v{slot}" for slot in range(len(graph.quantities))) + "]")
        return "\n".join(lines)

    namespace = dict(NAMESPACE)
    exec(compile(source("first", True) + "\n" + source("next", False), "<sheetprop rows>", "exec"), namespace)
    first, following = namespace["first"], namespace["next"]
    return (lambda P: first(P, None)), following


def iterate(graph: Graph, values: dict[str, float], lr: float, iterations: int,
            rows: tuple | None = None) -> Iterator[list[float]]:
    """Yield one row of values (in ``graph.quantities`` order) per iteration, for one learning rate.

    ``values`` maps every parameter name but ``lr`` (inputs, targets, initial weights, biases) to its value.
    """
    first, following = rows or compile_rows(graph)
    P = [lr if name == LEARNING_RATE.name else float(values[name]) for name in graph.params]
    row = first(P)
    yield row
    for _ in range(iterations - 1):
        row = following(P, row)
        yield row


def column(graph: Graph, rows, name: str) -> list[float]:
    """One quantity's values down a list of rows.

    >>> from sheetprop.graph import Network, build_graph
    >>> column(build_graph(Network(layers=(1, 1))), [[1.0, 2.0], [2.0, 3.0]], "iteration")
    [1.0, 2.0]
    """
    slot = graph.index[name]
    return [row[slot] for row in rows]
