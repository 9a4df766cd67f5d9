"""What a column holds, from the sheet's own formulas and values, its header a hint.

The table's headers name most columns (table.py). A column stays in doubt when its header names nothing
the network has (`y1`, `ðE/ðw1`, `Z`, a word of another language) or names what another column's header
names too (two columns headed `i2`); after judging, once, so does a column whose every cell its header makes
wrong (`i2` and `t2` swapped), with the givens such columns read. Each column in doubt is tried as each
quantity the network has no column for, as its header's and as what the other columns in doubt are headed:
where formulas exist, a reading is worth the formulas it explains (its own formula computes the quantity,
or another column's formula reads it where the quantity belongs); where they do not decide, the cells whose
values agree once it holds the quantity. A reading is taken only when it explains more than any other
reading of the column, the header's included; each one that is not the header's is said in one line:

>>> from sheetprop.verify.table import Column
>>> words(Column(None, 2, "i2"), "t2", "the loss reads it")
'column B headed i2 holds t2: the loss reads it'

Only columns in doubt are tried, against only the quantities without a column (and the disputed names): a
sheet whose headers name every column costs nothing here.
"""

from __future__ import annotations

import functools
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from typing import Callable

from sheetprop import legend
from sheetprop.expr import Expr, Param, Sym, symbols
from sheetprop.graph import COUNTER, ERROR, READABLE_NODES, Graph
from sheetprop.verify.diagnose import environments, resolver, same_values
from sheetprop.verify.evaluate import TooDeep, check_depth
from sheetprop.verify.findings import excerpt
from sheetprop.verify.formula import FormulaError, read, references, unwrap
from sheetprop.verify.names import quantity
from sheetprop.verify.rules import Rule, expanded_size, make_rule
from sheetprop.verify.table import MIN_QUANTITIES, Column, Table

MAX_DOUBTFUL = 32     # columns in doubt tried on one table; past them the rest stay unknown
MAX_READINGS = 4096   # (column, quantity) pairs tried on one table
READERS = 8           # quantities reading a column whose formulas and cells a reading counts


@dataclass(frozen=True)
class Reading:
    """A column read as one quantity: the formulas and the cells that reading explains, and why in words."""

    column: Column
    name: str
    formulas: int = 0
    agree: int = 0        # cells whose values agree
    judged: int = 0       # cells whose values could be judged
    by_readers: int = 0   # of the formulas and agreeing cells, the other columns': what the sheet says of it
    why: str = ""
    present: frozenset = field(default=frozenset(), repr=False)   # the quantities with a column, under it
    own: tuple[str, ...] = ()       # the quantity, when it has a definition its cells are judged by
    readers: tuple[str, ...] = ()   # the quantities with a column whose definitions read it

    @property
    def score(self) -> tuple[int, int]:
        """Formulas first, where there are any; then values, if most of the cells judged agree."""
        return self.formulas, self.agree if 2 * self.agree > self.judged else 0


@dataclass
class Resolution:
    """The table with its columns read from meaning, the lines saying what was assumed, and the work done."""

    table: Table
    assumed: list[str] = field(default_factory=list)
    tried: int = 0        # readings tried: (column, quantity) pairs


# How many cells agree, how many could be judged, and how many agree of its readers', of a quantity's own rule
# and of its readers' (check's).
Explained = Callable[[list[Rule], list[Rule]], tuple[int, int, int]]
Trying = Callable[[str, Column], object]   # a context manager: the column's values under the name, for a while


def resolve(ctx, explained: Explained, trying: Trying, contradicted: dict[int, Column] | None = None,
            disagreeing: frozenset = frozenset()) -> Resolution:
    """Read the columns in doubt of ``ctx.table`` (a check.Context judged by its headers) from what the
    sheet's formulas and values say; the table unchanged when nothing is read otherwise. ``contradicted``:
    columns whose cells, judged under their headers, contradict them (in doubt too); ``disagreeing``: the
    quantities with wrong cells under the headers, the only readers another reading of such a column can win
    (a right column that reads the quantity either way says nothing of which it is)."""
    table = ctx.table
    doubtful = dict(sorted({**_doubtful(table), **(contradicted or {})}.items())[:MAX_DOUBTFUL])
    result = Resolution(table)
    if not doubtful:
        return result
    holds = {c.index: n for n, c in table.columns.items()}
    settled: dict[int, Reading] = {}
    with ExitStack() as taken_so_far:   # a reading taken holds for the rounds after it
        while doubtful:
            taken = _choose(_round(ctx, doubtful, holds, settled, result, explained, trying, contradicted or {},
                                   disagreeing), contradicted or {})
            for reading in taken:
                holds = {i: n for i, n in holds.items() if n != reading.name}
                holds[reading.column.index] = reading.name
                settled[reading.column.index] = reading
                del doubtful[reading.column.index]
                taken_so_far.enter_context(trying(reading.name, reading.column))
            if not taken:
                break
    ctx.points = None   # the random rows were drawn for the readings tried; the judging draws its own
    _refs.cache_clear()   # a hostile formula's thousands of references are not kept past this table
    return _renamed(table, holds, settled, result)


def _round(ctx, doubtful: dict, holds: dict, settled: dict, result: Resolution, explained: Explained,
           trying: Trying, contradicted: dict[int, Column], disagreeing: frozenset) -> list[Reading]:
    """Every column in doubt read as its header's quantity, as each quantity without a column and as what the
    other columns in doubt are headed (two headers swapped), while the count allows."""
    graph = ctx.graph
    # A column in doubt holds what its header says until another reading is taken.
    known = set(holds.values()) - {"iteration"}
    missing = [q.name for q in graph.quantities if q.name not in known and q.role != COUNTER]
    taken = {r.name for r in settled.values()}
    disputed = [n for i, n in holds.items() if i in doubtful and n not in taken]
    readers = _readers(graph, known)
    readings = []
    for column in doubtful.values():
        header = quantity(column.header)
        own = [header] if header in graph.index and header not in taken else []
        for name in dict.fromkeys([*own, *missing, *disputed]):
            if result.tried < MAX_READINGS:
                result.tried += 1
                by = readers.get(name, ())
                if column.index in contradicted and name != header:
                    by = [n for n in by if n in disagreeing]
                readings.append(_reading(ctx, column, name, holds, known, by))
    return _valued(ctx, readings, explained, trying, contradicted)


def _valued(ctx, readings: list[Reading], explained: Explained, trying: Trying,
            contradicted: dict[int, Column]) -> list[Reading]:
    """The readings with the cells they explain, for the columns whose formulas do not decide: none of their
    readings explains a formula, or two explain as many (those two are valued). The header's reading of a
    column its own cells contradict is valued by its readers alone: do the other columns take it for that?"""
    best: dict[int, int] = {}
    count: dict[tuple[int, int], int] = {}
    for reading in readings:
        index = reading.column.index
        best[index] = max(best.get(index, 0), reading.formulas)
        count[index, reading.formulas] = count.get((index, reading.formulas), 0) + 1
    valued = []
    for reading in readings:
        index = reading.column.index
        if index in contradicted and reading.name == quantity(reading.column.header) and not reading.by_readers:
            reading = _values(ctx, replace(reading, own=()), explained, trying)
        elif reading.formulas == best[index] and (not best[index] or count[index, best[index]] > 1):
            reading = _values(ctx, reading, explained, trying)
        valued.append(reading)
    return valued


def _doubtful(table: Table) -> dict[int, Column]:
    """Columns whose header names nothing of the network, or a name another column's header names too (both
    of them), that hold numbers: by column index, left to right, at most MAX_DOUBTFUL. As many second names
    as a table has columns are a second table beside the first, not a dispute: those are left alone."""
    again = [c for c in table.unknown if quantity(c.header)]
    beside = len(again) >= MIN_QUANTITIES
    found = {c.index: c for c in table.unknown if not (beside and quantity(c.header))}
    disputed = set() if beside else {quantity(c.header) for c in again}
    for name, column in table.columns.items():
        if name in disputed:
            found[column.index] = column
    return dict(sorted(found.items())[:MAX_DOUBTFUL])


def _reading(ctx, column: Column, name: str, holds: dict, known: set, readers) -> Reading:
    """``column`` read as ``name``: the formulas it explains (``readers``: the quantities that read ``name``)."""
    graph = ctx.graph
    present = (known - {holds.get(column.index)}) | {name}
    readers = [n for n in readers if n != name and n in present][:READERS]
    own = [] if isinstance(graph[name].expr, Param) else [name]
    formulas, by_readers, why = _formulas(ctx, column, name, holds, present, own, readers)
    return Reading(column, name, formulas, by_readers=by_readers, why=why, present=frozenset(present),
                   own=tuple(own), readers=tuple(readers))


def _values(ctx, reading: Reading, explained: Explained, trying: Trying) -> Reading:
    """``reading`` with the cells it explains: its own, then (if most of those agree) its readers'."""
    present = set(reading.present)

    def rules(names) -> list[Rule]:   # a definition too long to type by hand is no column's
        return [make_rule(ctx.graph, n, present) for n in names
                if expanded_size(ctx.graph[n].expr, ctx.graph, present) <= READABLE_NODES]
    with trying(reading.name, reading.column):
        agree, judged, by_readers = explained(rules(reading.own), rules(reading.readers))
    why = reading.why or (f"its values are {legend.math(reading.name)}'s" if agree else "")
    return replace(reading, agree=agree, judged=judged, by_readers=reading.by_readers + by_readers, why=why)


def _readers(graph: Graph, present: set[str]) -> dict[str, list[str]]:
    """Per quantity, the ``present`` ones whose definitions, written out down to the ``present`` columns, read
    it, in the graph's order (the loss before the gradients, so that the words name the nearest reader)."""
    reached: dict[str, frozenset] = {}

    def written_out(leaf, q: str) -> bool:
        """Is ``leaf`` replaced by its definition when ``q``'s is written out (as rules.expand does)?"""
        return isinstance(leaf, Sym) and leaf.name not in present and leaf.name in graph.index \
            and leaf.name != q and graph[leaf.name].first is None

    def reach(start: str) -> frozenset:
        """What a quantity without a column reads once written out; by a stack, not recursion (a deep chain)."""
        stack, visiting = [(start, False)], set()
        while stack:
            q, done = stack.pop()
            if q in reached:
                continue
            leaves = list(symbols(graph[q].expr))
            if done:
                found = {leaf.name for leaf in leaves}
                for leaf in leaves:
                    if written_out(leaf, q):
                        found |= reached.get(leaf.name, frozenset())
                reached[q] = frozenset(found)
            elif q not in visiting:   # met again before it is done: a cycle, cut
                visiting.add(q)
                stack.append((q, True))
                stack.extend((leaf.name, False) for leaf in leaves if written_out(leaf, q))
        return reached.get(start, frozenset())

    readers: dict[str, list[str]] = {}
    for q in sorted((q for q in present if q in graph.index and graph[q].role != COUNTER), key=graph.index.get):
        found = set()
        for leaf in symbols(graph[q].expr):
            found.add(leaf.name)
            if written_out(leaf, q):
                found |= reach(leaf.name)
        for name in found:
            readers.setdefault(name, []).append(q)
    return readers


def _formulas(ctx, column: Column, name: str, holds: dict, present: set[str], own: list[str],
              readers: list[str]) -> tuple[int, int, str]:
    """How many formulas (of two data rows) say ``column`` holds ``name``: its own computing the quantity's
    definition, another's reading it where the definition reads the quantity; how many of them are the
    others'; and why, in words."""
    table, grid = ctx.table, ctx.table.grid
    columns = {i: n for i, n in holds.items() if n != name and n in present}
    columns[column.index] = name
    if len(table.rows) > 1:
        ks = sorted({1, len(table.rows) - 1})
    else:
        ks = [0]
    index_of = {n: i for i, n in holds.items()}
    count, by_readers, why = 0, 0, ""
    for k in ks:
        row, above = table.rows[k], table.rows[k - 1] if k else None
        for quantity_name, index in [*((n, column.index) for n in own),
                                     *((n, index_of[n]) for n in readers if n in index_of)]:
            formula = grid.formulas.get((row, index))
            if not formula:
                continue
            formula = unwrap(formula)
            if index != column.index and not any(r.column == column.index and r.row in (row, above)
                                                 and r.sheet in (None, grid.title) for r in _refs(formula)):
                continue
            if _computes(ctx, k, formula, columns, _definition(ctx.graph, quantity_name, present)):
                count += 1
                by_readers += index != column.index
                if not why:
                    why = _because(ctx.graph, name, quantity_name, index == column.index)
    return count, by_readers, why


@functools.lru_cache(maxsize=256)   # a formula is looked at once per reading tried
def _refs(formula: str) -> tuple:
    try:
        return tuple(references(formula))
    except FormulaError:
        return ()


def _definition(graph: Graph, name: str, present: set[str]) -> Expr:
    """What a formula computing ``name`` is compared with: on the diagnosis's random rows, each self-consistent,
    the quantity's own value; an update, which reads the row above (another random row), by its rule."""
    if any(isinstance(leaf, Sym) and leaf.prev for leaf in symbols(graph[name].expr)):
        return make_rule(graph, name, present).expr
    return Sym(name)


def _computes(ctx, k: int, formula: str, columns: dict, definition: Expr) -> bool:
    """Does ``formula`` (of data row k), its references read as ``columns`` say, compute ``definition``?"""
    opaque: dict[str, float] = {}
    try:
        tree = check_depth(read(formula, resolver(ctx, k, opaque, columns, given={"lr"})))
    except (FormulaError, TooDeep):
        return False
    batch = environments(ctx, opaque)
    return same_values(batch.values(tree, keep=False), batch.values(definition, keep=False))


def _because(graph: Graph, name: str, reader: str, own: bool) -> str:
    """Why a column holds ``name``, in words: 'its formula computes ∂E/∂w1', 'the loss reads it', 'h1 reads it'."""
    if own:
        return f"its formula computes {legend.math(name)}"
    if graph[reader].role == ERROR:
        return "the loss reads it"
    return f"{legend.math(reader)}'s formula reads it"


def _choose(readings: list[Reading], contradicted: dict[int, Column]) -> list[Reading]:
    """The readings to take: per column, the best one when it explains more than the header's reading and
    more than any other reading of the column (two equal readings: the header's, or none); each quantity to one
    column, the better reading first. A column in doubt because its own cells contradict its header (a slip
    can make a whole column another quantity) is read otherwise only where the other columns say more for
    the new reading than for the header's: a column's own formula or values never outvote its header."""
    by_column: dict[int, list[Reading]] = {}
    for reading in readings:
        by_column.setdefault(reading.column.index, []).append(reading)
    best = []
    for index, found in by_column.items():
        header = next((r for r in found if r.name == quantity(r.column.header)), None)
        if index in contradicted and header is not None:
            if header.by_readers:
                continue   # the other columns take it for its header's quantity: its own cells are the slip
            found = [r for r in found if r is header or r.by_readers]
        found.sort(key=lambda r: r.score, reverse=True)
        top = found[0]
        if top.score <= (0, 0) or (len(found) > 1 and found[1].score == top.score):
            continue
        best.append(top)
    best.sort(key=lambda r: (r.score, -r.column.index), reverse=True)
    taken, names = [], set()
    for reading in best:
        if reading.name not in names:
            taken.append(reading)
            names.add(reading.name)
    return taken


def _renamed(table: Table, holds: dict, settled: dict, result: Resolution) -> Resolution:
    """The table with the settled columns under the names they hold; one line for each column that holds
    what its header does not say."""
    by_index = {c.index: c for c in (*table.columns.values(), *table.unknown)}
    columns = {n: replace(by_index[i], name=n) for i, n in sorted(holds.items())}
    if columns == table.columns:
        return result
    unknown = tuple(replace(c, name=None) for i, c in sorted(by_index.items()) if i not in holds)
    result.table = replace(table, columns=columns, unknown=unknown)
    result.assumed = [words(r.column, r.name, r.why) for _, r in sorted(settled.items())
                      if quantity(r.column.header) != r.name]
    return result


def words(column: Column, name: str, why: str) -> str:
    """One assumption in words: 'column B headed i2 holds t2: the loss reads it'."""
    header = " ".join(excerpt(column.header, 40).split())   # one line, whatever the cell holds
    return f"column {column.letter} headed {header} holds {legend.math(name)}: {why}"
