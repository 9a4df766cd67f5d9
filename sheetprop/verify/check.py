"""Judging a recognised table: each cell against the graph's definition on its own row's cells.

Every cell is judged on the sheet's own upstream cells (the row above for a weight update), so a
slip shows where it happens and not again in every cell downstream of it.
"""

from __future__ import annotations

import functools
import math
from array import array
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from sheetprop import legend
from sheetprop.expr import Sym
from sheetprop.functions import ACTIVATIONS, LOSSES
from sheetprop.graph import (ACT, BIAS, CHAIN, NET, READABLE_NODES, TOTAL, Graph, Network, bias_names,
                             gradient_name)
from sheetprop.optimizers import OPTIMIZERS, WEIGHT_DECAY
from sheetprop.verify import columns as meaning
from sheetprop.verify import rate as rates
from sheetprop.verify.diagnose import findings
from sheetprop.verify.findings import RATE, Finding, SheetReport, excerpt
from sheetprop.verify.network import choose, graph_of, rule_of, shape_of
from sheetprop.files.read import Lazy, is_number
from sheetprop.verify.evaluate import compile_tree
from sheetprop.verify.rules import SAFETY, Precision, Rule, Shapes, exact_kinds, expanded_size, noise, tolerance
from sheetprop.verify.formula import FormulaError, references
from sheetprop.verify.table import Column, Label, Table

DISTINCT = 3     # values a column needs to show its own precision
CHOOSING_ROWS = 30  # rows (spread over the table) on which candidate activations and losses are compared
EARLY = 3           # of a column tried as a quantity, cells of its own all wrong that end the trial


@dataclass(frozen=True)
class Wrong:
    """One wrong cell: data row index k, the value found and the value expected."""

    name: str
    k: int
    found: object
    expected: float | None
    tolerance: float


class Numbers(Lazy):
    """Per data row of a table, the values that are numbers, as a dict {quantity: value}: held as one
    array per column (NaN where a cell holds no number) and made into a row's dict when asked for, the last
    few kept, so that a table of millions of cells is never held as dicts. The judging walks the rows in
    order, each row with the one above; a row's dict may be changed for a moment (a nudged value) and put
    back."""

    KEPT = 4

    def __init__(self, table: Table):
        values = table.grid.values
        self.columns = {name: array("d", (float(v) if is_number(v := values.get((row, c.index))) else math.nan
                                          for row in table.rows))
                        for name, c in table.columns.items()}
        self._length = len(table.rows)
        self._kept: dict[int, dict] = {}

    def __len__(self) -> int:
        return self._length

    def item(self, k: int) -> dict:
        if k in self._kept:
            return self._kept[k]
        row = {name: v for name, column in self.columns.items() if (v := column[k]) == v}
        if len(self._kept) >= self.KEPT:
            del self._kept[next(iter(self._kept))]  # the first made: the judging has moved past it
        self._kept[k] = row
        return row

    def count_rows(self) -> float | None:
        """Put the graph's iteration, 1 on the first data row and one more a row, in place of the sheet's
        counter, which counts as the student likes (from 0, from 1): the rules read it (Adam's step, a
        mini-batch's turn). Returns what the sheet's counter adds to it where it counts one a row, else None.

        >>> numbers = Numbers.__new__(Numbers)
        >>> numbers.columns, numbers._length, numbers._kept = {"iteration": array("d", [0, 1, 2])}, 3, {}
        >>> numbers.count_rows(), list(numbers.columns["iteration"])
        (-1.0, [1.0, 2.0, 3.0])
        """
        counted = self.columns.get("iteration")
        self.columns["iteration"] = array("d", range(1, self._length + 1))
        self._kept.clear()
        if counted is None or not self._length:
            return None
        shifts = {value - k for k, value in enumerate(counted, start=1)}
        return shifts.pop() if len(shifts) == 1 else None  # NaN (an empty cell) is never equal: None

    def found(self, table: Table, k: int, name: str):
        """The value of ``name`` in data row ``k`` as stored (a number, text, an error), None where empty."""
        column = self.columns.get(name)
        if column is None:
            return None
        if (number := column[k]) == number:
            return number
        return table.grid.values.get((table.rows[k], table.columns[name].index))

    def column(self, name: str, start: int = 0) -> Iterator[float]:
        """The numbers of one column, from data row ``start`` on (none for a column the table lacks)."""
        column = self.columns.get(name, ())
        return (v for v in column[start:] if v == v)


class Found(Lazy):
    """Per data row, the values as stored (numbers, text, errors; None where empty): ``found[k].get(name)``."""

    def __init__(self, table: Table, numbers: Numbers):
        self._table, self._numbers = table, numbers

    def __len__(self) -> int:
        return len(self._numbers)

    def item(self, k: int) -> "_Row":
        return _Row(self._table, self._numbers, k)


@dataclass(frozen=True)
class _Row:
    table: Table
    numbers: Numbers
    k: int

    def get(self, name: str, default=None):
        found = self.numbers.found(self.table, self.k, name)
        return default if found is None else found


@dataclass
class Context:
    """A table with everything needed to judge it: the graph, a rule per column, parameters, precision."""

    table: Table
    graph: Graph
    rows: Sequence                            # per data row: rows[k].get(quantity), the value as stored
    params: dict[str, float]                  # P: learning rate, and inputs/targets/biases given once
    notes: list[str] = field(default_factory=list)
    rules: dict[str, Rule] = field(default_factory=dict)
    precision: dict[str, Precision] = field(default_factory=dict)
    sheet_precision: Precision | None = None  # the precision of all its columns' values together
    numbers: Sequence = ()                    # per data row: {quantity: value} of the values that are numbers
    counter_shift: float | None = None        # the sheet's counter minus the iteration, where it counts one a row
    usable: set[str] = field(default_factory=set)  # the columns the rules read
    written_out: dict[tuple, Rule] = field(default_factory=dict)  # rules past the chain-rule columns, made when needed
    points: tuple | None = None               # the diagnosis's random rows, computed once (diagnose.environments)
    tried: int = 0                            # mutants the diagnosis has tried on this sheet (diagnose.MUTANTS)
    assumed: list[str] = field(default_factory=list)  # columns read otherwise than their headers say, in words
    exact: set[str] = field(init=False)       # columns typed as given: inputs, targets, fixed biases
    trained: set[str] = field(init=False)     # weights (and trained biases): typed in the first row only

    def __post_init__(self):
        self.use(self.graph)

    def found(self, k: int, name: str):
        """The value of ``name`` in data row ``k`` as stored, None where empty (as ``rows[k].get(name)``)."""
        return self.numbers.found(self.table, k, name)

    def use(self, graph: Graph) -> None:
        self.graph, self.exact, self.trained = graph, exact_kinds(graph), set(graph.trained)

    @contextmanager
    def trying(self, name: str, column: Column):
        """For a while, ``column``'s values (and precision) as those of quantity ``name``: a reading of the
        column tried (columns.resolve)."""
        values = self.table.grid.values
        kept = (self.table, self.numbers.columns.get(name), self.precision.get(name))
        numbers = array("d", (float(v) if is_number(v := values.get((row, column.index))) else math.nan
                              for row in self.table.rows))
        others = {n: c for n, c in self.table.columns.items() if n != name and c.index != column.index}
        self.table = replace(self.table, columns={**others, name: replace(column, name=name)})
        self.numbers.columns[name] = numbers
        self.numbers._kept.clear()
        shown = [v for v in numbers if v == v]
        own = len(set(shown)) >= DISTINCT or self.sheet_precision is None
        self.precision[name] = Shapes(shown).precision() if own else self.sheet_precision
        try:
            yield
        finally:
            self.table = kept[0]
            if kept[1] is None:
                del self.numbers.columns[name]
            else:
                self.numbers.columns[name] = kept[1]
            if kept[2] is None:
                del self.precision[name]
            else:
                self.precision[name] = kept[2]
            self.numbers._kept.clear()

    def half_unit(self, name: str, k: int) -> float:
        """Half a unit of the stored precision of quantity ``name`` in data row ``k`` (0 where typed exactly)."""
        value = self.numbers[k].get(name)
        if value is None or name in self.exact or (k == 0 and name in self.trained):
            return 0.0
        return self.precision[name].half_unit(value)

    def unit_of(self, k: int):
        return lambda leaf: self.half_unit(leaf.name, k - 1 if leaf.prev else k)

    def written(self, rule: Rule) -> Rule:
        """``rule`` written out past the chain-rule columns (∂E/∂w3 over the forward values, not over the
        ∂E/∂h2 column), as a student may write it; ``rule`` itself where that would pass READABLE_NODES
        (nobody types such a chain by hand, and writing it out grows with the product of the layers' widths)."""
        # Keyed by the graph and the usable columns as well: choosing the network asks under each candidate.
        key = (self.graph.network, rule.name, frozenset(self.usable))
        if key not in self.written_out:
            present = self.usable - {q.name for q in self.graph.of_role(CHAIN)}
            if expanded_size(self.graph[rule.name].expr, self.graph, present) > READABLE_NODES:
                self.written_out[key] = rule
            else:
                self.written_out[key] = rule_of(self.graph, rule.name, present)
        return self.written_out[key]


def judge(table: Table, assumed: tuple[str, ...] = (), again: bool = True) -> SheetReport:
    """Judge every cell of ``table``; findings per wrong quantity, the learning rate's among them.

    Columns are read from meaning (columns.py): those in doubt before judging; then, once, those whose every
    cell is found wrong (and the givens their readers mostly find wrong), the table judged again when one
    of them holds another quantity. ``assumed``: what an earlier reading assumed."""
    ctx = prepare(table)
    explained = lambda own, readers: _explained(ctx, own, readers)  # noqa: E731 - read by the ctx of the moment
    resolution = meaning.resolve(ctx, explained, ctx.trying)
    if resolution.table is not ctx.table:
        ctx = prepare(resolution.table)
    ctx.assumed = [*assumed, *resolution.assumed]
    row_rates = implied_rates(ctx)
    rate_label = rate_cell(ctx)
    choice = rates.choose(row_rates, (*ctx.table.candidates.get("lr", ()), *([rate_label] if rate_label else [])))
    if choice.rate is not None:
        ctx.params["lr"] = choice.rate
    judged, wrong, skipped = judge_cells(ctx)
    contradicted = _contradicted(ctx, judged, wrong) if again else {}
    if contradicted:
        resolution = meaning.resolve(ctx, explained, ctx.trying, contradicted, frozenset(cell.name for cell in wrong))
        if resolution.table is not ctx.table:
            return judge(resolution.table, (*ctx.assumed, *resolution.assumed), again=False)
    found = findings(ctx, wrong, judged, row_rates, still=choice.still)
    # Weights that never change are judged by that one finding; they count as judged cells.
    still = sum(len(f.cells) for f in found if f.quantity == RATE and choice.still)
    return _sheet_report(ctx, choice, sum(judged.values()) + still, found, judged, skipped)


def rate_cell(ctx: Context) -> Label | None:
    """The cell the first row of weight updates takes η from, as their formulas show: the one cell outside
    the table that every update formula of that row reads (with the text beside it, if any, as its label).
    What a drifting reference reads later, or what most rows imply, cannot outvote it."""
    table, grid = ctx.table, ctx.table.grid
    if len(table.rows) < 2:
        return None
    row, read = table.rows[1], []
    for name in (n for n in ctx.trained if n in table.columns):
        formula = grid.formulas.get((row, table.columns[name].index))
        try:
            cells = {(r.row, r.column) for r in references(formula) if r.sheet in (None, grid.title)} if formula else None
        except FormulaError:
            cells = None
        if cells is not None:
            read.append({cell for cell in cells if not table.holds(*cell)})
    common = set.intersection(*read) if read else set()
    if len(common) != 1:
        return None
    cell = common.pop()
    value = grid.number(*cell)
    if value is None:
        return None
    beside = next(((c, text) for c in ((cell[0], cell[1] - 1), (cell[0] - 1, cell[1]))
                   if isinstance(text := grid.values.get(c), str) and text.strip()), None)
    where, text = beside if beside else (cell, "")
    return Label("lr", where, text.strip(), ((cell, value),), read_by=row)


def prepare(table: Table) -> Context:
    """Infer the network from the names (widths, biases, examples) and from the values (activations, loss,
    mini-batches); read the rows, parameters and precision."""
    shape = shape_of(table.columns, table.labels)
    if shape is None:
        raise ValueError(f"the names of the table in row {table.header_row} name no output layer")
    table = renamed(table, shape)
    present = set(table.columns) - {"iteration"}
    numbers = Numbers(table)
    counter_shift = numbers.count_rows()
    rows = Found(table, numbers)
    network = shape.network()
    biases = [q.name for q in graph_of(network).of_role(BIAS)]
    # Trained biases: a column of their gradients says so, or their values change (a network whose
    # gradients are all zero changes none).
    trained = any(gradient_name(b) in present or (b in present and _varies(rows, b)) for b in biases)
    network = replace(network, train_biases=trained)
    ctx = Context(table, graph_of(network), rows, {}, numbers=numbers, counter_shift=counter_shift)
    ctx.precision, ctx.sheet_precision = _precisions(ctx, present)
    # Every loss's own parameters as well: choosing the loss weighs each candidate with its labelled values;
    # so every candidate optimizer's (AdamW's λ beside Adam's β), and weight decay, which any may add.
    losses = [name for loss in LOSSES.values() for name in loss.parameters]
    hyper = [name for optimizer in shape.optimizers for name in OPTIMIZERS[optimizer].reads]
    labelled = _read_params(ctx, present, [*ctx.graph.params, *losses, *hyper])
    if WEIGHT_DECAY in ctx.params:  # a labelled λ: the updates decay the weights (in the gradient, or AdamW's way)
        network = replace(network, weight_decay=True)
    # The iteration is the row's place (count_rows), with or without a counter column, never judged: sheets
    # count as they like. The rules read it (Adam's step, a mini-batch's turn).
    readable = present | {"iteration"}
    scored = Scored()
    ctx.use(choose(network, readable, lambda graph, rules, beat: _agreeing(ctx, graph, rules, beat, scored)))
    if len(shape.optimizers) > 1:
        ctx.use(_optimizer(ctx, shape.optimizers, readable & set(ctx.graph.index)))
    ctx.notes += [labelled[name] for name in ctx.graph.params if name in labelled]
    if not biases:
        _infer_biases(ctx, readable)
    usable = ctx.usable = frozenset(n for n in readable if n in ctx.graph.index)
    ctx.rules = {n: rule_of(ctx.graph, n, usable) for n in (q.name for q in ctx.graph.quantities)
                 if n in usable and n in present}
    return ctx


def _varies(rows: Found, name: str) -> bool:
    """Does the column hold more than one value (empty cells counted as one)?"""
    first = rows[0].get(name) if len(rows) else None
    return any(rows[k].get(name) != first for k in range(1, len(rows)))


def renamed(table: Table, shape) -> Table:
    """The table with its columns and labels under the graph's names (per-neuron biases b1…bn as b_h1, …)."""
    if not shape.aliases:
        return table
    name = shape.graph_name
    columns = {name(n): replace(c, name=name(n)) for n, c in table.columns.items()}
    labels = {name(n): replace(label, name=name(n)) for n, label in table.labels.items()}
    candidates = {name(n): tuple(replace(label, name=name(n)) for label in found)
                  for n, found in table.candidates.items()}
    return replace(table, columns=columns, labels=labels, candidates=candidates)


def _optimizer(ctx: Context, names: tuple[str, ...], usable: set[str]) -> Graph:
    """Of optimizers whose states look alike (momentum, Nesterov), the one whose weight updates agree with
    the most cells: at the labelled rate, or the one the first updates read; else at the rate each one's
    updates imply (one that is not the sheet's implies no single rate). The first on a tie."""
    graphs = [graph_of(replace(ctx.graph.network, optimizer=name)) for name in names]
    label = ctx.table.labels.get("lr")
    if not label or label.single is None:
        label = rate_cell(ctx)
    given = label.single if label and label.single is not None else None
    best, most = 0, 0
    for i, graph in enumerate(graphs):
        rules = [rule_of(graph, n, usable) for n in graph.trained if n in usable]
        rate = given if given is not None else _implied_rate(ctx, graph, rules)
        if rate is None:
            continue   # scores 0: the first wins a tie
        ctx.params["lr"] = rate
        try:
            score = _agreeing(ctx, graph, rules, most)
        finally:
            del ctx.params["lr"]
        if score > most:
            best, most = i, score
    return graphs[best]


def _implied_rate(ctx: Context, graph: Graph, rules: list[Rule]) -> float | None:
    """The rate most weight changes imply under ``graph``'s updates (``rules``), on rows spread over the table."""
    kept = (ctx.graph, ctx.exact, ctx.trained)
    ctx.use(graph)
    try:
        found = rates.RowRates()
        for k in _sampled(ctx, start=1):
            implied = [i for rule in rules if (i := _implied(ctx, rule, k))]
            if implied:
                found.append(rates.RowRate(k, tuple(implied)))
        return rates.most_common(found)
    finally:
        ctx.graph, ctx.exact, ctx.trained = kept


@dataclass
class Scored:
    """What choosing one sheet's network has judged: per quantity, the sampled rows where its cell is a
    number (no other cell can agree); per candidate network, per (quantity, row), whether the cell agrees
    (the winner of one choice is the next choice's current candidate: its cells are not judged twice)."""

    rows: dict[str, list[int]] = field(default_factory=dict)
    agrees: dict[Network, dict[tuple[str, int], bool]] = field(default_factory=dict)


def _agreeing(ctx: Context, graph: Graph, rules: list[Rule], beat: int = -1, scored: Scored | None = None) -> int:
    """How many cells ``rules`` (of a candidate ``graph``) find right: what chooses an activation or a loss.
    Counting stops once the count cannot exceed ``beat`` (a cell that is not a number never agrees), and then
    what is returned is no more than ``beat``. ``scored`` keeps what is judged, while the parameters stay."""
    scored = Scored() if scored is None else scored
    sample = _sampled(ctx)
    for rule in rules:
        if rule.name not in scored.rows:
            scored.rows[rule.name] = [k for k in sample if is_number(ctx.found(k, rule.name))]
    cells = sum(len(scored.rows[rule.name]) for rule in rules)
    if cells <= beat:
        return 0
    kept = (ctx.graph, ctx.exact, ctx.trained)
    ctx.use(graph)
    agree, missed = 0, 0
    agrees = scored.agrees.setdefault(graph.network, {})
    try:
        # Row by row, as ctx.numbers makes each row's dict once.
        for k, rule in sorted(((k, rule) for rule in rules for k in scored.rows[rule.name]), key=lambda c: c[0]):
            if (rule.name, k) not in agrees:
                agrees[rule.name, k] = _judge_cell(ctx, rule, k) is True
            if agrees[rule.name, k]:
                agree += 1
            else:
                missed += 1
                if cells - missed <= beat:
                    return agree
        return agree
    finally:
        ctx.graph, ctx.exact, ctx.trained = kept


def _contradicted(ctx: Context, judged: dict[str, int], wrong: list[Wrong]) -> dict[int, Column]:
    """The columns their own cells contradict: every judged cell wrong (a weight's, wrong by its rate, aside),
    and the givens (inputs, targets) whose readers are mostly such columns; by column index."""
    counts: dict[str, int] = {}
    for cell in wrong:
        counts[cell.name] = counts.get(cell.name, 0) + 1
    whole = {n for n, count in counts.items() if count == judged.get(n) and n not in ctx.trained}
    columns = ctx.table.columns
    found = {columns[n].index: columns[n] for n in whole if n in columns}
    for given in ctx.exact & set(columns) - {"iteration"}:
        readers = [n for n, rule in ctx.rules.items() if n != given and any(
            isinstance(leaf, Sym) and leaf.name == given for leaf in rule.leaves)]
        if readers and 2 * sum(n in whole for n in readers) > len(readers):
            found[columns[given].index] = columns[given]
    return found


def _sampled(ctx: Context, start: int = 0) -> range:
    """CHOOSING_ROWS data rows spread over the table, from ``start``: where readings and candidates are compared."""
    return range(start, len(ctx.rows), max(1, len(ctx.rows) // CHOOSING_ROWS))


def _explained(ctx: Context, own: list[Rule], readers: list[Rule]) -> tuple[int, int, int]:
    """Of the cells of ``own`` (a quantity's rule, if it has one) and then ``readers`` on rows spread over the
    table, how many agree and how many could be judged, and how many of the agreeing are the readers'. Cells
    of its own that mostly disagree end the count: a column whose values are not the quantity's does not hold
    it, whatever reads it."""
    sample = _sampled(ctx)
    agree = judged = 0
    for rule in own:
        for k in sample:
            verdict = _judge_cell(ctx, rule, k)
            agree += verdict is True
            judged += verdict is not None
            if judged >= EARLY and not agree:
                return 0, judged, 0
    if judged and 2 * agree <= judged:   # (a weight's own cells need the rate, not read yet: its readers count)
        return 0, judged, 0
    own_agree = agree
    for rule in readers:
        for k in sample:
            verdict = _judge_cell(ctx, rule, k)
            agree += verdict is True
            judged += verdict is not None
    return agree, judged, agree - own_agree


def _read_params(ctx: Context, present: set[str], names) -> dict[str, str]:
    """Inputs, targets, untrained biases and parameter records of ``names``: a labelled value, else the
    first number of their column (a first cell of text is reported where it stands, not taken for a
    missing column). Returns the note of each value read from a label without a column."""
    notes = {}
    for name in dict.fromkeys(names):
        label = ctx.table.labels.get(name)
        if name == "lr" or name in ctx.trained:
            continue
        if label and label.single is not None:
            ctx.params[name] = label.single
            if name not in present:
                notes[name] = f"{name} = {label.single:g}, from {label.where}"
        elif name in present:
            first = next(ctx.numbers.column(name), None)
            if first is not None:
                ctx.params[name] = first
    return notes


def _infer_biases(ctx: Context, present: set[str]) -> None:
    """Biases written into the net formulas as numbers: the nets of a layer all sit one constant above
    Σ w·a, as far as the stored precision can tell."""
    network = replace(ctx.graph.network, biases="layer")
    graph = graph_of(network)
    names = [layer[0] for layer in bias_names(network)]
    found = {}
    for layer, bias in enumerate(names, start=1):
        nets = [q for q in graph.of_role(NET) if q.layer == layer]
        offsets = [offset for net in nets for offset in _net_offsets(ctx, graph, net, present, names)]
        low, high = max((o - s for o, s in offsets), default=1.0), min((o + s for o, s in offsets), default=0.0)
        if low <= high:
            found[bias] = rates.shortest(low, high)
    if any(found.values()):
        ctx.use(graph)
        for layer, bias in enumerate(names, start=1):
            ctx.params[bias] = found.get(bias, 0.0)
            if ctx.params[bias]:
                net = next(q.name for q in graph.of_role(NET) if q.layer == layer)
                ctx.notes.append(f"{bias} = {ctx.params[bias]:g}, inferred: every net of its layer ({net}, …) "
                                 f"exceeds Σ w·a by it")


def _net_offsets(ctx: Context, graph: Graph, net, present: set[str], biases: list[str]) -> list[tuple[float, float]]:
    """net − Σ w·a on the first rows, give or take rounding; from the net's column, else from its
    activation's through the activation's inverse (and its slope, for the rounding)."""
    rule = rule_of(graph, net.name, present - {net.name})
    activation = ACTIVATIONS[graph.network.activations[net.layer - 1]]
    output = next(q.name for q in graph.of_role(ACT) if (q.layer, q.neuron, q.example) == (net.layer, net.neuron,
                                                                                            net.example))
    slope = _slope(activation.name)
    P = dict(ctx.params, **{bias: 0.0 for bias in biases})
    offsets = []
    for k, V in enumerate(ctx.numbers[:5]):
        U, a = ctx.numbers[k - 1] if k else {}, V.get(output)
        if not _ready(rule, V, U, P):
            continue
        if net.name in V:
            value, own = V[net.name], ctx.half_unit(net.name, k)
        elif a is not None and math.isfinite(z := activation.inverse(a)):
            steep = abs(slope({"z": z, "a": a}, {}, {}))
            if not steep:
                continue
            value, own = z, ctx.half_unit(output, k) / steep
        else:
            continue
        spread = tolerance(rule, V, U, P, ctx.unit_of(k), own)
        offsets.append((value - rule.fn(V, U, P), spread))
    return offsets


@functools.cache
def _slope(activation: str):
    """The slope of an activation at z with output a, compiled once."""
    return compile_tree(ACTIVATIONS[activation].slope(Sym("z"), Sym("a")))


def _precisions(ctx: Context, present: set[str]) -> tuple[dict[str, Precision], Precision]:
    """Each column's stored precision, from its own values; a column of too few distinct values to show
    one (a weight that never changes: 0.15 is not 0.15 rounded to 2 digits) takes the sheet's, from the
    values of all its columns (returned too)."""
    shapes, distinct = {}, {}
    for name in present:
        start = 1 if name in ctx.trained else 0   # the first row's weights are typed, not computed
        shapes[name], seen = Shapes(), set()
        for value in ctx.numbers.column(name, start):
            shapes[name].add(value)
            if len(seen) < DISTINCT:
                seen.add(value)
        distinct[name] = len(seen)
    sheet = Shapes()
    for name in present - ctx.exact:
        sheet.update(shapes[name])
    sheet = sheet.precision()
    return {name: shapes[name].precision() if distinct[name] >= DISTINCT else sheet for name in present}, sheet


def implied_rates(ctx: Context) -> rates.RowRates:
    """Per data row after the first, the rate each weight's change implies."""
    found = rates.RowRates()
    for k in range(1, len(ctx.rows)):
        implied = [i for name in ctx.trained if name in ctx.rules and (i := _implied(ctx, ctx.rules[name], k))]
        if implied:
            found.append(rates.RowRate(k, tuple(implied)))
    return found


def _implied(ctx: Context, rule: Rule, k: int) -> rates.Implied | None:
    V, U = ctx.numbers[k], ctx.numbers[k - 1]
    w = V.get(rule.name)
    if w is None or not _ready(rule, V, U, dict(ctx.params, lr=0.0)):
        return None
    at = lambda lr: rule.fn(V, U, dict(ctx.params, lr=lr))  # noqa: E731
    start, per_unit = at(0.0), at(0.0) - at(1.0)
    if not per_unit or not math.isfinite(per_unit):
        return None
    rate = (start - w) / per_unit
    spread = tolerance(rule, V, U, dict(ctx.params, lr=rate), ctx.unit_of(k), ctx.half_unit(rule.name, k))
    return rates.Implied(rule.name, rate, spread / abs(per_unit))


def judge_cells(ctx: Context) -> tuple[dict[str, int], list[Wrong], int]:
    """Every cell with a rule and numeric upstream cells: how many were judged per quantity, the wrong ones,
    and how many filled cells could not be judged because a cell they read is not a number."""
    judged = dict.fromkeys(ctx.rules, 0)
    wrong: list[Wrong] = []
    unjudged = 0
    numbers = ctx.numbers
    for k in range(len(numbers)):  # row by row: ctx.numbers makes each row's dict once
        for name, rule in ctx.rules.items():
            verdict = _judge_cell(ctx, rule, k)
            if verdict is True:
                judged[name] += 1
            elif verdict is not None:
                judged[name] += 1
                wrong.append(verdict)
            elif (k or not (rule.update or name in ctx.trained)) and ctx.found(k, name) is not None \
                    and not _ready(rule, numbers[k], numbers[k - 1] if k else {}, None):
                unjudged += 1
    order = {name: i for i, name in enumerate(ctx.rules)}
    wrong.sort(key=lambda w: order[w.name])  # by quantity, each top to bottom
    return {name: n for name, n in judged.items() if n}, wrong, unjudged


def _judge_cell(ctx: Context, rule: Rule, k: int):
    """True when the cell agrees, a Wrong when not, None when it cannot be judged (start value, empty,
    broken upstream)."""
    if k == 0 and (rule.update or rule.name in ctx.trained):
        return _start_value(ctx, rule.name) if rule.name in ctx.trained else None
    V, U = ctx.numbers[k], ctx.numbers[k - 1] if k else {}
    if not _ready(rule, V, U, ctx.params):
        return None
    try:
        expected = rule.fn(V, U, ctx.params)
    except (ArithmeticError, ValueError):
        return None
    if not math.isfinite(expected):
        return None
    found = ctx.found(k, rule.name)
    if found is None:
        return None  # an empty cell (an unfinished row) is not judged
    if not is_number(found):
        return Wrong(rule.name, k, found, expected, 0.0)
    own = ctx.half_unit(rule.name, k)
    if abs(found - expected) <= SAFETY * (own + noise(expected)):
        return True  # within the cell's own rounding: no need to follow the upstream cells'
    allowed = tolerance(rule, V, U, ctx.params, ctx.unit_of(k), own)
    if abs(found - expected) <= allowed or _agrees_written_out(ctx, rule, k, found, own):
        return True
    return Wrong(rule.name, k, float(found), expected, allowed)


def _agrees_written_out(ctx: Context, rule: Rule, k: int, found: float, own: float) -> bool:
    """Does the cell agree with its definition written out past the chain-rule columns (∂E/∂w3 from the
    forward values, not from the ∂E/∂h2 column)? A formula written out so is right, and where two terms
    nearly cancel its rounding is not the chain column's: the column's noise is its terms', not its own."""
    written = ctx.written(rule)
    V, U = ctx.numbers[k], ctx.numbers[k - 1] if k else {}
    if written.expr == rule.expr or not _ready(written, V, U, ctx.params):
        return False
    try:
        expected = written.fn(V, U, ctx.params)
        allowed = tolerance(written, V, U, ctx.params, ctx.unit_of(k), own)
    except (ArithmeticError, ValueError):
        return False
    return abs(found - expected) <= allowed


def _start_value(ctx: Context, name: str):
    """A start value (first row of a weight) is typed, not computed: None when it is a number or empty,
    a Wrong when it is text or an error, expected the number the text spells if it spells one."""
    found = ctx.found(0, name)
    if found is None or is_number(found):
        return None
    try:
        spelled = float(str(found).strip().replace(",", "."))
    except ValueError:
        spelled = None
    return Wrong(name, 0, found, spelled if spelled is not None and math.isfinite(spelled) else None, 0.0)


def _ready(rule: Rule, V: dict, U: dict, P: dict | None) -> bool:
    """Are all the values the rule reads numbers? (Parameters are not looked at when P is None.)"""
    for leaf in rule.leaves:
        if not isinstance(leaf, Sym):
            if P is not None and leaf.name not in P:
                return False
        elif leaf.name not in (U if leaf.prev else V):
            return False
    return True


def _sheet_report(ctx: Context, choice: rates.Choice, judged: int, found: list[Finding],
                  counts: dict[str, int], skipped: int) -> SheetReport:
    table = ctx.table
    columns = tuple((c.letter, n if n in ctx.graph.index or n == "iteration" else f"{n} (not judged)", c.header)
                    for n, c in sorted(table.columns.items(), key=lambda item: item[1].index))
    unknown = tuple((c.letter, excerpt(c.header)) for c in table.unknown)
    missing = sorted({leaf.name for rule in ctx.rules.values() for leaf in rule.leaves
                      if not isinstance(leaf, Sym) and leaf.name not in ctx.params})
    if choice.still:
        missing = [name for name in missing if name != "lr"]  # the weights never change: said by a finding
    notes = list(ctx.notes)
    if skipped:
        notes.append(f"{skipped} cells not judged: a cell they read is empty or not a number")
    if missing:
        notes.append(missing_words(missing))
    first = ctx.numbers[0] if ctx.numbers else {}
    givens = {name: value for name in ctx.graph.params if name != "lr"
              if isinstance(value := first.get(name, ctx.params.get(name)), float)}
    return SheetReport(table.grid.title, table.header_row, (table.rows[0], table.rows[-1]), columns, unknown,
                       choice.rate, choice.words, tuple(notes), judged, tuple(found),
                       core_unjudged(ctx, counts, choice, found), givens,
                       {name: n for name, n in counts.items() if n}, ctx.graph.network, len(table.rows),
                       tuple(ctx.assumed))


def core_unjudged(ctx: Context, counts: dict[str, int], choice: rates.Choice, found: list[Finding]) -> tuple[str, ...]:
    """The core quantities (E_total, the gradients, the weight updates) of which not one cell was judged:
    missing from the table, or every cell reading something that is not there. Weights with one row only
    have no update to judge; weights that never change are judged by their η finding."""
    if choice.still or any(f.quantity == RATE for f in found):
        counts = {**counts, **{n: 1 for n in ctx.trained}}
    core = (TOTAL, *(gradient_name(w) for w in ctx.graph.weights), *ctx.graph.weights)
    missing = [n for n in core if not counts.get(n)]
    if len(ctx.rows) < 2:
        missing = [n for n in missing if n not in ctx.trained]
    return tuple(missing)


def missing_words(missing: list[str]) -> str:
    """The note for parameters the sheet never gives.

    >>> print(missing_words(["t1"]))  # doctest: +NORMALIZE_WHITESPACE
    t1 has no column and no labelled cell (such as 't1 =' with its value beside it):
    the cells that need it are not judged
    >>> print(missing_words(["i1", "lr"]).split(":")[0])
    i1, η have no column and no labelled cell (such as 'i1 =' with its value beside it)
    """
    shown = [legend.math(name) for name in missing]
    one = len(shown) == 1
    return (f"{', '.join(shown)} {'has' if one else 'have'} no column and no labelled cell (such as '{shown[0]} =' "
            f"with its value beside it): the cells that need {'it' if one else 'them'} are not judged")
