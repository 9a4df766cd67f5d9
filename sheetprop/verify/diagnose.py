"""Naming the likely slip behind a wrong quantity.

The correct definition is mutated in the ways hand-made sheets go wrong: a wrong reference (the
other hidden unit's a(1−a), an input where a target belongs), two references swapped, a missing pair
of parentheses, a flipped sign, a factor left out, the row above instead of this one. When the cell
has a formula, the mutant that *is* that formula (equal on random values) names the slip; otherwise
the mutant that reproduces the stored values does.
"""

from __future__ import annotations

import datetime
import itertools
import math
import random
import re
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from sheetprop import legend
from sheetprop.dialects import render
from sheetprop.expr import Expr, Fn, Num, Op, Param, Sym, substitute, sum_of, symbols
from sheetprop.functions import ACTIVATIONS, FUNCTIONS, LOSSES
from sheetprop.graph import (ACT, BIAS, CHAIN, DELTA_STEP, GRADIENT, INPUT, NET, OUTPUT_STEP, READABLE_NODES,
                             SLOPE_STEP, TARGET, refs as graph_refs)
from sheetprop.verify import rate as rates
from sheetprop.verify.findings import RATE, Finding, as_found, excerpt
from sheetprop.verify.evaluate import Batch, TooDeep, check_depth, preorder, rebuild, replace_at
from sheetprop.verify.formula import FormulaError, read, read_tokens, references, renamed, unwrap
from sheetprop.verify.formula import tokens as formula_tokens
from sheetprop.verify.rules import Rule, expand, math_text

MATCH = 4.0            # a mutant reproduces a value within this many of the cell's tolerances
SAMPLES = 3            # random points on which two formulas must agree to be the same
MAX_CELLS = 30         # wrong cells a values-only diagnosis looks at
REFERENCES = 2_000     # references tried per definition before only those of the same kind are (a wide network)
MUTANTS = 100_000      # mutants tried per sheet: past them, a wrong quantity is reported without its slip
CANNOT_TELL = "the values alone cannot tell"


# The kinds of slip, each with the words a class report groups its findings under (a Finding's ``slip``).
SLIPS = {
    "slope": "the slope of the wrong unit",
    "jacobian": "the Jacobian's diagonal alone, as if the activation were one neuron's",
    "net for output": "the net input where the activation's output belongs",
    "input for target": "an input where a target belongs",
    "sign": "a sign flipped",
    "reference": "a reference to the wrong quantity",
    "swap": "two quantities swapped",
    "parentheses": "parentheses left out",
    "factor": "a factor left out",
    "term": "a term of a sum left out",
    "row": "the row above mixed up with this row",
    "iteration": "the iteration counted one off",
    "column": "another column's value",
    "rate reference": "a relative learning-rate reference that drifts down the rows",
    "rate sign": "the update's sign flipped (the weights climb the error)",
    "no update": "weights never updated",
    "rate": "another learning rate in the updates",
    "not a number": "text or an error value where a number belongs",
    "stale": "values not recalculated",
    "given": "a given typed with another value",
    "unknown": "a formula that matches none of the usual slips",
    "": "wrong values that no usual slip reproduces",
}


@dataclass(frozen=True)
class Mutant:
    """One plausible mistake: what it is, in words, the definition's tree with it made, its kind (a key
    of SLIPS), and its values on the random rows it was told apart from the definition on."""

    words: str
    tree: Expr
    slip: str = "reference"
    values: tuple = field(default=(), repr=False, compare=False)


# ---------------------------------------------------------------------------------------- findings

def findings(ctx, wrong, judged, row_rates, still: bool = False) -> list[Finding]:
    """One finding per wrong quantity; weights wrong because the rate is, as one finding for η; weights
    that never change (``still``: η = 0 inferred), as one finding for η too."""
    rate_rows = _rate_rows(ctx, wrong, row_rates)
    by_rate = [w for w in wrong if w.name in ctx.trained and w.k in rate_rows]
    found = [_rate_finding(ctx, rate_rows, row_rates, by_rate)] if rate_rows else []
    if still:
        found.append(_still_finding(ctx, row_rates))
    groups: dict[str, list] = {}
    for w in wrong:
        if not (w.name in ctx.trained and w.k in rate_rows):
            groups.setdefault(w.name, []).append(w)
    for name, cells in groups.items():
        found.append(_finding(ctx, name, sorted(cells, key=lambda w: w.k), judged[name]))
    return sorted(found, key=lambda f: _position(f.cell))


def _rate_rows(ctx, wrong, row_rates) -> dict[int, str | None]:
    """Rows whose weights are wrong because of the rate: they agree on another rate, or their
    formulas take it from a cell that moved; the row maps to what the formulas show, if anything."""
    lr = ctx.params.get("lr")
    if lr is None:
        return {}
    by_value = {r.k for r in rates.drifting(row_rates, lr)}
    rows = {}
    for k in sorted({w.k for w in wrong if w.name in ctx.trained}):
        moved = _formula_drift(ctx, k)
        if moved or k in by_value or _all_updates_fail(ctx, wrong, k):
            rows[k] = moved
    return rows


def _all_updates_fail(ctx, wrong, k: int) -> bool:
    """Is every weight of row k an error such as #VALUE!, the row above being numbers? What all
    updates share is the rate."""
    failed = {w.name for w in wrong if w.k == k and w.name in ctx.trained and isinstance(w.found, str)}
    weights = {n for n in ctx.trained if n in ctx.rules}
    return len(weights) > 1 and failed == weights


def _position(cell: str) -> tuple[int, int]:
    letters, row = coordinate_from_string(cell)
    return row, column_index_from_string(letters)


def _finding(ctx, name: str, cells: list, judged: int) -> Finding:
    first = cells[0]
    table = ctx.table
    words, slip = explain(ctx, ctx.rules[name], cells)
    return Finding(table.grid.title, table.cell(name, table.rows[first.k]), name, table.columns[name].header,
                   as_found(first.found), first.expected, correct_words(ctx, name), words, len(cells), judged,
                   tuple(table.cell(name, table.rows[w.k]) for w in cells), slip)


def correct_words(ctx, name: str) -> str:
    """The definition as the lecture writes it, chain-rule steps written out."""
    quantity = ctx.graph[name]
    if quantity.role in (INPUT, TARGET) or (quantity.role == BIAS and quantity.first is None):
        return f"{name} = {ctx.params[name]:g} on every row, as given"
    if quantity.first is not None:
        return f"{name} = {math_text(quantity.expr)} (′: the row above), from the value typed in the first row"
    if quantity.role in (CHAIN, GRADIENT):
        return quantity.math_expanded(ctx.graph, READABLE_NODES) or quantity.math()
    return quantity.math()


def _rate_finding(ctx, rate_rows: dict, row_rates, cells) -> Finding:
    table, lr = ctx.table, ctx.params["lr"]
    k = min(rate_rows)
    in_row = sorted((w for w in cells if w.k == k), key=lambda w: table.columns[w.name].index)
    by_row = {r.k: r for r in row_rates}
    row = by_row[k] if k in by_row and by_row[k].consistent else None
    found = row.rate if row else as_found(in_row[0].found)
    changes = f"the weights change as for η = {rates.history(row_rates, table.rows)}; " if row_rates else ""
    words, slip = _rate_slip(ctx, k, found, row, rate_rows[k], row_rates)
    return Finding(table.grid.title, table.cell(in_row[0].name, table.rows[k]), RATE, "learning rate", found, lr,
                   f"w = {_update(ctx).rule} for every weight, with one η ({lr:g}) on every row",
                   changes + words, len(rate_rows), len(ctx.rows) - 1,
                   tuple(table.cell(w.name, table.rows[w.k]) for w in _by_row(cells)), slip)


def _by_row(cells: list) -> list:
    return sorted(cells, key=lambda w: w.k)


def _still_finding(ctx, row_rates) -> Finding:
    """Weights that never change (η = 0 inferred): one finding, every weight of those rows its cells."""
    table, update = ctx.table, _update(ctx)
    weights = sorted((n for n in ctx.trained if n in ctx.rules), key=lambda n: table.columns[n].index)
    still = [r.k for r in row_rates if r.allows(0.0)] or [r.k for r in row_rates]
    cells = tuple(table.cell(name, table.rows[k]) for k in still for name in weights)
    return Finding(table.grid.title, cells[0], RATE, "learning rate", 0.0, None,
                   f"w = {update.rule} for every weight, with one η above 0 on every row",
                   f"the weights never change: each is copied from the row above without the step {update.step}; "
                   f"write {update.rule} with η {_rate_cell(ctx)}", len(still), len(ctx.rows) - 1, cells, "no update")


@dataclass(frozen=True)
class Update:
    """A generic weight's update as the sheet's optimizer defines it, in the lecture's notation: the rule
    (w′ − η·∂E/∂w′), its step (−η·∂E/∂w′), the change it subtracts (η·∂E/∂w′) and the rule with the
    change added instead (the sign slip)."""

    rule: str
    step: str
    change: str
    added: str


def _update(ctx) -> Update:
    refs = graph_refs(legend.GENERIC_WEIGHT)
    rule = ctx.graph.optimizer.step(refs)
    # Every optimizer's step is w′ minus a change; the change is what a sign slip adds.
    change = rule.args[1] if isinstance(rule, Op) and rule.op == "-" and rule.args[0] == refs.w else None
    if change is None:
        text = math_text(rule)
        return Update(text, f"to {text}", text, text)
    return Update(math_text(rule), f"−{math_text(change)}", math_text(change), math_text(Op("+", (refs.w, change))))


def _rate_slip(ctx, k: int, found, row, moved: str | None, row_rates) -> tuple[str, str]:
    """Why the rate is off, and the kind of slip: what the formulas show, else what the values suggest."""
    if moved:
        return moved, "rate reference"
    lr, label, update = ctx.params["lr"], ctx.table.labels.get("lr"), _update(ctx)
    if isinstance(found, str):
        return (f"every weight update of row {ctx.table.rows[k]} is {found}, and what they share is η: a rate "
                f"reference that is relative and has drifted onto a cell that is not a number? Take η "
                f"{_rate_cell(ctx)} in every update"), "rate reference"
    if row is not None and row.allows(-lr):
        return (f"sign flipped: the updates add {update.change} ({update.added} where {update.rule} belongs), so "
                "the weights climb the error instead of descending it"), "rate sign"
    if row is not None and all(r.allows(0.0) for r in row_rates):  # from the start: not a reference that drifted
        return (f"the weights do not change: each is copied from the row above without the step {update.step}; "
                f"write {update.rule} with η {_rate_cell(ctx)}"), "no update"
    if (drift := _value_drift(ctx, k, row)):
        return drift, "rate reference"
    others = {r.rate for r in row_rates if r.consistent and not r.allows(lr)}
    if label and label.single is not None and len(others) == 1 and all(not r.allows(lr) for r in row_rates):
        return (f"every update uses η = {others.pop():g}, not the {lr:g} of {label.where}: the weight "
                "formulas take another cell, or the values were not recalculated after η changed"), "rate"
    return (f"a learning-rate reference that is relative and drifts down the rows? Take η {_rate_cell(ctx)} in "
            "every update"), "rate reference"


def _rate_cell(ctx) -> str:
    """Where η should come from, in words: its labelled cell, referred to absolutely."""
    label = ctx.table.labels.get("lr")
    if label and label.single is not None:
        row, column = label.values[0][0]
        return f"from its cell referred to absolutely (${get_column_letter(column)}${row})"
    return "from one cell of its own, referred to absolutely (with $, as $B$2)"


def _formula_drift(ctx, k: int) -> str | None:
    """From the weight formulas: a rate reference that the row above took from outside the table and that
    moves down with the rows (onto an empty cell, a note, or a column of the table)."""
    table, grid = ctx.table, ctx.table.grid
    for name in (n for n in ctx.rules if n in ctx.trained):
        column = table.columns[name].index
        here = grid.formulas.get((table.rows[k], column))
        above = grid.formulas.get((table.rows[k - 1], column))
        if not (here and above):
            continue
        now, then = _refs(here), _refs(above)
        if len(now) != len(then):
            continue  # not one formula copied down
        moved = [(a, b) for a, b in zip(now, then) if not table.holds(b.row, b.column)
                 and not a.row_absolute and (a.row, a.column) != (b.row, b.column)]
        if moved:
            now, then = moved[0]
            return (f"{table.cell(name, table.rows[k])} takes η from {now.text} ({_shown(grid, now)}) where the "
                    f"row above took it from {then.text} ({_shown(grid, then)}): the reference is relative and "
                    f"drifts down the rows; write ${get_column_letter(then.column)}${then.row}")
    return None


def _value_drift(ctx, k: int, row) -> str | None:
    """From the values alone: the rate row k's weights imply is what a relative reference to the labelled
    η cell reads once it has moved down with the rows (the first update reading the cell itself)."""
    label = ctx.table.labels.get("lr")
    if row is None or not label or label.single is None:
        return None
    (cell_row, column), _ = label.values[0]
    landed = (cell_row + k - 1, column)
    value = ctx.table.grid.values.get(landed)
    read = 0.0 if value is None else float(value) if isinstance(value, (int, float)) else None
    if read is None or not row.allows(read) or landed == (cell_row, column):
        return None
    shown = "empty, read as 0" if value is None else f"{read:g}"
    return (f"the weights of row {ctx.table.rows[k]} change as for η = {read:g}, what "
            f"{get_column_letter(column)}{landed[0]} holds ({shown}): a relative reference to "
            f"{get_column_letter(column)}{cell_row} lands there {k - 1} row{'s' if k > 2 else ''} down; the "
            f"reference drifts down the rows: write ${get_column_letter(column)}${cell_row}")


def _pinned(ctx, formula: str) -> list[str]:
    """References to a computed column of the table pinned to one row (Z$41): copied down, the formula
    keeps reading that row. (A given, the same on every row, may be pinned harmlessly.)"""
    table = ctx.table
    by_column = {c.index: n for n, c in table.columns.items()}
    rows, found = set(table.rows), []
    for ref in _refs(formula):
        name = by_column.get(ref.column)
        if ref.row_absolute and ref.sheet in (None, table.grid.title) and ref.row in rows and name \
                and name not in ctx.exact and ref.text not in {f.split(" ")[0] for f in found}:
            found.append(f"{ref.text} is pinned to row {ref.row} (the $ before {ref.row}): copied down, every row "
                         f"reads row {ref.row}'s {name}; write it without the $ before the row")
    return found


def _refs(formula: str):
    try:
        return references(formula)
    except FormulaError:
        return []


def _shown(grid, ref) -> str:
    value = grid.values.get((ref.row, ref.column))
    return "empty" if value is None else (f"{value:g}" if isinstance(value, (int, float)) else repr(excerpt(value)))


# ---------------------------------------------------------------------------------------- explaining

def explain(ctx, rule: Rule, cells: list) -> tuple[str, str]:
    """The likely slip, from the first wrong cell's formula when it has one, else from the values; and its
    kind (a key of SLIPS)."""
    first = cells[0]
    table = ctx.table
    formula = table.grid.formulas.get((table.rows[first.k], table.columns[rule.name].index))
    if formula:
        formula = unwrap(formula)  # a Google Sheets export's, as typed
        named = _from_formula(ctx, rule, first.k, formula)
        if named and named[1] == "unknown" and ctx.written(rule).expr != rule.expr:
            # Written out past the chain-rule columns, the formula is a slip of the written-out definition.
            other = _from_formula(ctx, ctx.written(rule), first.k, formula)
            named = other if other and other[1] not in ("unknown", "stale") else named
        if named:
            words, slip = named
            return words + "".join(f"; {pinned}" for pinned in _pinned(ctx, formula)), slip
    if not isinstance(first.found, float):
        return not_a_number(first.found), "not a number"
    if rule.name in ctx.exact:
        # A typed given has no formula to slip in: no reference of it can point at the wrong cell.
        return (f"typed as {first.found:.10g} where {rule.name} is {ctx.params[rule.name]:g}, as its first row "
                "gives it: a given keeps one value on every row"), "given"
    return _from_values(ctx, rule, cells) or ("", "")


# What each error value means, for whoever finds one where a number belongs.
ERRORS = {"#DIV/0!": "a division by zero in its formula", "#VALUE!": "its formula reads text where a number belongs",
          "#NAME?": "its formula names a function or cell the spreadsheet does not know",
          "#REF!": "its formula refers to a cell that was deleted", "#NUM!": "a result too large, or a root of "
          "a negative number", "#N/A": "a lookup found nothing", "#NULL!": "two ranges that do not meet"}


def not_a_number(found) -> str:
    """Words for a cell holding an error value, text, a date or a truth value where a number belongs.

    >>> not_a_number("#DIV/0!")
    'the cell shows #DIV/0!: a division by zero in its formula'
    >>> not_a_number("0,25")
    "the cell holds the text '0,25', not a number: type 0.25, with a decimal point"
    >>> import datetime; not_a_number(datetime.datetime(2024, 5, 10))
    'the cell is formatted as a date (it shows 2024-05-10): format it as a number and check its value'
    """
    if isinstance(found, str):
        found = excerpt(found)
    text = str(found).strip()
    if text in ERRORS:
        return f"the cell shows {text}: {ERRORS[text]}"
    if isinstance(found, (datetime.date, datetime.time, datetime.timedelta)):
        return (f"the cell is formatted as a date (it shows {as_found(found)}): format it as a number and check "
                "its value")
    if isinstance(found, bool):
        return f"the cell holds {as_found(found)}, a truth value, not a number: a comparison where a number belongs?"
    if not isinstance(found, str):
        return f"the cell holds {as_found(found)}, not a number"
    if re.fullmatch(r"[-+]?\d*,\d+", text):
        return f"the cell holds the text {found!r}, not a number: type {text.replace(',', '.')}, with a decimal point"
    try:
        float(text)
    except ValueError:
        return f"the cell holds the text {found!r}, not a number"
    return f"the cell holds the text {found!r}, a number stored as text: type it again as a number (no apostrophe)"


def _from_values(ctx, rule: Rule, cells: list) -> tuple[str, str] | None:
    """The mutant that reproduces the most stored values, the first wrong cell's among them, and its kind.
    Every mutant is evaluated on the first wrong row (most do not make it what it is), and one that does on
    all the sampled rows at once; what a mutant shares with the definition is computed once."""
    sample = [w for w in cells if isinstance(w.found, float)][:MAX_CELLS]
    if not sample:
        return None
    first_row, batch = (Batch(len(rows), _row_values(ctx, [w.k for w in rows])) for rows in (sample[:1], sample))
    first_row.values(rule.expr)
    batch.values(rule.expr)
    found = [w.found for w in sample]
    near = [MATCH * w.tolerance + 1e-300 for w in sample]
    best, best_count, ties = None, 0, []

    def first_cell(tree) -> bool:
        """Does it make the first wrong cell what it is, and move it off its expected value?"""
        first = first_row.values(tree, keep=False)[0]
        return abs(first - found[0]) <= near[0] and abs(first - sample[0].expected) > sample[0].tolerance
    points = environments(ctx, {})
    for mutant in mutants(ctx, rule, [], points, first_cell):
        values = batch.values(mutant.tree, keep=False)
        count = sum(1 for v, f, d in zip(values, found, near) if abs(v - f) <= d)
        if count > best_count:
            best, best_count, ties = mutant, count, []
        elif count == best_count and len(ties) < 2 and (
                not same_values(mutant.values, best.values)
                or _reads(mutant.tree) != _reads(best.tree)):
            # Another formula, or one that reads other cells (0.5·t1² is also 0.5·(∂E/∂a_o1 − a_o1)² on a
            # sheet's own rows), not the same one written otherwise: the values cannot choose.
            ties.append(mutant)
    if best is None:
        return (f"no usual slip reproduces its values: {CANNOT_TELL} what the slip is", "")
    either = "".join(f", or {m.words}" for m in ties)
    return (f"{best.words}{either} (this reproduces the value in {best_count} of the {len(sample)} wrong rows "
            f"checked{f'; {CANNOT_TELL} which' if ties else ''})", best.slip)


def _reads(tree) -> set[str]:
    """The names a tree reads (t1 the column and t1 the labelled cell alike)."""
    return {_name(leaf) for leaf in symbols(tree)}


def _row_values(ctx, ks: list[int]):
    """The values of a leaf on data rows ``ks`` (this row's, the row above's, a parameter's); nan where the
    sheet has none."""
    nan = math.nan

    def leaf(node) -> list[float]:
        if isinstance(node, Param):
            return [ctx.params.get(node.name, nan)] * len(ks)
        if node.prev:
            return [ctx.numbers[k - 1].get(node.name, nan) if k else nan for k in ks]
        return [ctx.numbers[k].get(node.name, nan) for k in ks]
    return leaf


def _from_formula(ctx, rule: Rule, k: int, formula: str) -> tuple[str, str] | None:
    """Which mistake the formula is, and its kind: the formula read as a tree over the network's quantities,
    compared with the definition and each mutant of it on random, self-consistent values of every cell."""
    opaque: dict[str, float] = {}
    try:
        user = check_depth(read(formula, resolver(ctx, k, opaque)))
    except (FormulaError, TooDeep):
        return None
    batch = environments(ctx, opaque)
    found = batch.values(user)
    if same_values(found, batch.values(rule.expr)):
        return (f"the formula {formula} is right, but the value stored is not its result: "
                "recalculate the sheet (or an upstream cell changed after it was computed)"), "stale"
    extra = [Param(key) for key in opaque]
    matching = [m for m in mutants(ctx, rule, extra, batch) if same_values(found, m.values)]
    if matching:
        # Of slips that compute the same, the one that reads what the formula reads: 0.5·t1² is the term a_o1
        # left out of ½(t1 − a_o1)², not ∂E/∂a_o1 for t1 (a − t − a on the sheet's own rows).
        reads = set(symbols(user))
        mutant = next((m for m in matching if m.tree == user), None) or \
            next((m for m in matching if set(symbols(m.tree)) == reads), None) or \
            next((m for m in matching if set(symbols(m.tree)) <= reads), matching[0])
        return f"{mutant.words} (the formula is {excerpt(formula)})", mutant.slip
    reference = resolver(ctx, k, {})
    named = renamed(formula, lambda ref: math_text(reference(ref)))   # as typed, in the definition's names
    return f"the formula {formula}, that is {named}, matches none of the usual slips", "unknown"


def resolver(ctx, k: int, opaque: dict, columns: dict | None = None, given=()):
    """What each reference of a formula in data row k stands for, as a node: a quantity of this row or the
    row above, a labelled parameter, or some other cell (a parameter of its own, kept as its value).
    ``columns`` (column index → quantity) in place of the table's judged columns; ``given``: parameters
    taken from their labelled cells though not read yet (the rate, before it is chosen)."""
    table, grid = ctx.table, ctx.table.grid
    by_column = columns if columns is not None else {c.index: n for n, c in table.columns.items() if n in ctx.rules}
    labelled = {label.values[0][0]: name for name, label in table.labels.items()
                if label.single is not None and (name in ctx.params or name in given)}
    row, above = table.rows[k], table.rows[k - 1] if k else None
    counter = table.columns["iteration"].index if "iteration" in table.columns else None
    shift = ctx.counter_shift

    def resolve(ref):
        name = by_column.get(ref.column)
        if ref.sheet in (None, grid.title):
            if name and ref.row == row:
                return Sym(name)
            if name and ref.row == above:
                return Sym(name, prev=True)
            if ref.column == counter and shift is not None and ref.row in (row, above):
                # The sheet's counter, however it counts: the iteration and what its first row adds.
                iteration = Sym("iteration", prev=ref.row == above)
                return iteration + Num(shift) if shift else iteration
            if (ref.row, ref.column) in labelled:
                return Param(labelled[ref.row, ref.column])
        key = f"{ref.sheet + '!' if ref.sheet else ''}{get_column_letter(ref.column)}{ref.row}"
        number = grid.number(ref.row, ref.column) if ref.sheet in (None, grid.title) else None
        opaque[key] = 0.0 if number is None and (ref.row, ref.column) not in grid.values else (
            math.nan if number is None else number)
        return Param(key)
    return resolve


def environments(ctx, opaque: dict) -> Batch:
    """SAMPLES random, self-consistent pairs of rows (this one and the one above), each computed from random
    weights and, where the sheet has columns for them, random inputs and targets, as one Batch: a tree
    evaluated on it gives its value on each of them. The rows are computed once per sheet."""
    if ctx.points is None or ctx.points[0] is not ctx.graph:
        ctx.points = (ctx.graph, *_points(ctx))
    _, settings, this, above = ctx.points
    nan = [math.nan] * SAMPLES

    def leaf(node) -> list[float]:
        if isinstance(node, Param):
            return [opaque[node.name]] * SAMPLES if node.name in opaque else \
                [setting.get(node.name, math.nan) for setting in settings]
        return (above if node.prev else this).get(node.name, nan)
    return Batch(SAMPLES, leaf)


def _points(ctx) -> tuple[list[dict], dict, dict]:
    """The parameters of each random point, and the values of this row and the row above on each."""
    graph = ctx.graph
    rng, steps = random.Random(20240101), random.Random(20241204)
    settings, rows = [], []
    for _ in range(SAMPLES):
        shared = {}
        for name in graph.params:
            if name == "lr" or name in ctx.trained:
                continue
            shared[name] = rng.uniform(0.1, 0.9) if name in ctx.rules or name not in ctx.params else ctx.params[name]
        for _ in range(2):
            rows.append({name: ctx.params.get("lr", 0.5) if name == "lr" else shared.get(name, rng.uniform(-1.0, 1.0))
                         for name in graph.params})
        settings.append({"lr": ctx.params.get("lr", 0.5), **ctx.params, **shared})
    values = first_rows(graph, rows)   # this row and the row above, alternately
    # Rows of a random iteration, one after the other: a rule that reads it (Adam's step) is told apart from
    # one that reads it one off. Drawn apart from the values, which stay as they were.
    iteration = [float(steps.randint(2, 60)) for _ in range(SAMPLES)]
    this = {name: column[0::2] for name, column in values.items()} | {"iteration": iteration}
    above = {name: column[1::2] for name, column in values.items()} | {"iteration": [i - 1 for i in iteration]}
    return settings, this, above


def first_rows(graph, params: list[dict]) -> dict[str, list[float]]:
    """Iteration 1's row of every quantity of ``graph``, for each of the parameter sets ``params`` at once."""
    computed: dict[str, list[float]] = {}

    def leaf(node) -> list[float]:
        if isinstance(node, Param):
            return [p.get(node.name, math.nan) for p in params]
        return computed.get(node.name, [math.nan] * len(params))
    batch = Batch(len(params), leaf)
    for quantity in graph.quantities:
        computed[quantity.name] = batch.values(quantity.first if quantity.first is not None else quantity.expr)
    return computed


def same_values(a: list[float], b: list[float]) -> bool:
    """Do two trees agree on every point (numbers only: nan or inf agree with nothing)?"""
    for x, y in zip(a, b):
        try:
            if not (math.isfinite(x) and math.isfinite(y)) or abs(x - y) > 1e-9 * max(1.0, abs(x), abs(y)):
                return False
        except TypeError:
            return False
    return True


# ---------------------------------------------------------------------------------------- mutants

def mutants(ctx, rule: Rule, extra: list, batch: Batch | None = None, wanted=None) -> list[Mutant]:
    """Plausible mistakes in ``rule``, most specific first, without duplicates, and without any that
    computes what the rule computes (two factors of a product swapped, t1 the column for t1 the
    parameter): on random rows (``batch``) each must give another value. Each is the definition's tree with
    one part changed; none is compiled. ``wanted(tree)``, when given, is asked first: a mutant it refuses
    is neither evaluated on the random rows nor returned."""
    batch = batch if batch is not None else environments(ctx, {})
    correct = batch.values(rule.expr)
    seen, found = {rule.expr}, []
    if ctx.tried >= MUTANTS:
        return found
    # A sign before a swap: (t1 − a_o1) for (a_o1 − t1) is both, and a teacher calls it a sign.
    kinds = (("sign", _signs(rule)), ("swap", _swaps(rule)), ("parentheses", _parentheses(rule.expr)),
             ("iteration", _steps(rule)), ("row", _rows(rule)), ("factor", _dropped(rule)), ("term", _terms(rule)),
             ("sign", _negations(rule)), ("column", _other_columns(ctx, rule)))
    for slip, words, tree in itertools.chain(
            _definitions(ctx, rule), _references(ctx, rule, extra),
            ((slip, *mutant) for slip, made in kinds for mutant in made)):
        if tree in seen:
            continue
        seen.add(tree)
        ctx.tried += 1
        if ctx.tried > MUTANTS:
            break
        if wanted is not None and not wanted(tree):
            continue
        values = batch.values(tree, keep=False)
        if not same_values(values, correct):
            found.append(Mutant(words, tree, slip, tuple(values)))
    return found


def _definitions(ctx, rule: Rule):
    """Slips of understanding in a δ, from the records: through a function of the whole layer (softmax), its
    Jacobian's diagonal alone, as for a function of one neuron; and a loss's collapsed δ (cross-entropy
    through softmax: a − t) with the net input where the activation's output belongs."""
    graph = ctx.graph
    quantity = graph[rule.name]
    if quantity.role != CHAIN or quantity.step != DELTA_STEP:
        return
    activation = ACTIVATIONS[graph.network.activations[quantity.layer - 1]]
    loss = LOSSES[graph.network.loss]
    present = {n for n in ctx.table.columns if n in graph.index} | {"iteration"}

    def name(role, step=None) -> str:
        return legend.header(legend.Name(role, neuron=quantity.structure.neuron, step=step, example=quantity.example))

    a, z = name(ACT), name(NET)
    if activation.across:
        diagonal = Sym(name(CHAIN, OUTPUT_STEP)) * Sym(name(CHAIN, SLOPE_STEP))
        yield ("jacobian", f"the Jacobian's diagonal alone: {math_text(diagonal)}, as for an activation of one neuron; "
               f"{activation.name} ties every output to every net input, so {rule.name} also subtracts "
               f"∂E/∂a_k·a_k·{a} for every other output k", expand(diagonal, graph, present))
    if loss.collapse and loss.outputs == activation.name and quantity.layer == len(graph.network.layers) - 1:
        target = Sym(name(TARGET))
        wrong = loss.collapse(Sym(z), target, graph.network.layers[-1])
        yield ("net for output", f"{math_text(wrong)} where {math_text(loss.collapse(Sym(a), target, graph.network.layers[-1]))} "
               f"belongs: the net input {z} in place of the {activation.name} output {a} (a − t holds for the "
               f"outputs after the {activation.name})", expand(wrong, graph, present))


def _candidates(ctx, rule: Rule, extra: list) -> list:
    """What a reference could wrongly point at: the sheet's columns, its parameters, other cells."""
    columns = [n for n in ctx.rules if n != rule.name]
    return [*(Sym(n) for n in columns), *(Param(p) for p in ctx.params), *extra]


def _references(ctx, rule: Rule, extra: list):
    """Every reference to one quantity (or just one of them) pointing at another, with its kind."""
    candidates = _candidates(ctx, rule, extra)
    if len(candidates) * len(rule.leaves) > REFERENCES:
        candidates = [c for c in candidates if _kind(ctx, c) in {_kind(ctx, leaf) for leaf in rule.leaves}]
    single = []
    spots_of = {}
    for i, node in enumerate(_nodes(rule.expr)):
        if isinstance(node, (Sym, Param)):
            spots_of.setdefault(node, []).append(i)
    for old in rule.leaves:
        kind = _kind(ctx, old)
        spots = spots_of.get(old, [])
        for new in sorted(candidates, key=lambda c: _kind(ctx, c) != kind):
            new = Sym(new.name, prev=old.prev) if isinstance(new, Sym) and isinstance(old, Sym) else new
            if new == old or _name(new) == _name(old):
                continue  # a name put where it already stands is no slip
            yield (*_replace_words(ctx, rule, old, new), _replace(rule.expr, old, new))
            if len(spots) > 1:
                for i in spots:
                    single.append(("reference",
                                   f"{_name(new)} where {_name(old)} belongs, in one of its {len(spots)} places",
                                   _at(rule.expr, i, new)))
    yield from single


def _swaps(rule: Rule):
    for a, b in itertools.combinations(rule.leaves, 2):
        swapped = rebuild(rule.expr, lambda node, a=a, b=b: b if node == a else a if node == b else None)
        yield f"{_name(a)} and {_name(b)} swapped", swapped


def _parentheses(expr):
    """Each pair of brackets left out: (a_o1 − t1)·… typed as a_o1 − t1·…, 1/(1 + exp(−h1)) as 1/1 + exp(−h1),
    ½(t1 − a_o1)² as 0.5·t1 − a_o1². The definition is written as a spreadsheet formula (a function such as
    σ as people spell it out), a pair of its brackets dropped, and the tokens read back as a tree: how a
    spreadsheet reads the formula typed without them, ``/`` and ``^`` included.

    >>> from sheetprop.expr import Fn
    >>> expr = (Sym("a_o1") - Param("t1")) * Sym("a_o1") * Fn("sigmoid", Sym("h1") + Sym("w5", prev=True))
    >>> [words for words, tree in _parentheses(expr)][1:]   # the call's own brackets stay
    ['missing parentheses around 1/(1 + exp(−(h1 + w5′)))', 'missing parentheses around 1 + exp(−(h1 + w5′))', \
'missing parentheses around h1 + w5′']

    (The first pair of those changes nothing: ``mutants`` passes over a tree that computes what the
    definition does.)
    """
    written = substitute(expr, _spelled_out, every_node=True)
    leaves = list(dict.fromkeys(symbols(written)))
    names = {f"LEAF{i}": leaf for i, leaf in enumerate(leaves)}
    placeholders = {leaf: name for name, leaf in names.items()}
    try:
        text = render(written, "excel", lambda leaf: placeholders[leaf])
        tokens = formula_tokens(text)
    except (FormulaError, KeyError, ValueError):
        return
    pairs, opened = [], []
    for i, (kind, token) in enumerate(tokens):
        if token == "(":
            opened.append((i, i > 0 and tokens[i - 1][0] == "name"))
        elif token == ")" and opened:
            start, call = opened.pop()
            if not call:   # a function call's brackets are not the kind people forget
                pairs.append((start, i))
    resolve = names.get
    for start, end in sorted(pairs):
        try:
            inner = read_tokens(tokens[start + 1:end], _no_cells, resolve)
            tree = read_tokens(tokens[:start] + tokens[start + 1:end] + tokens[end + 1:], _no_cells, resolve)
        except FormulaError:
            continue
        yield f"missing parentheses around {math_text(inner)}", tree


def _spelled_out(node):
    """A function as people type it out in a formula (σ(z) as 1/(1 + exp(−z))), where its record says so."""
    if isinstance(node, Fn) and FUNCTIONS[node.name].spelled_out is not None:
        return FUNCTIONS[node.name].spelled_out(substitute(node.arg, _spelled_out, every_node=True))
    return None


def _no_cells(ref):
    raise FormulaError("no cell references in a rendered definition")


def _signs(rule: Rule):
    """a − b typed as b − a or as a + b; a + b as a − b."""
    for i, node in enumerate(_nodes(rule.expr)):
        flips = []
        if isinstance(node, Op) and node.op == "-" and len(node.args) == 2:
            flips = [Op("-", node.args[::-1]), Op("+", node.args)]
        elif isinstance(node, Op) and node.op == "+":
            flips = [Op("-", (sum_of(node.args[:j] + node.args[j + 1:]), term))
                     for j, term in enumerate(node.args) if j]
        for flipped in flips:
            yield f"{math_text(flipped)} where {math_text(node)} belongs (sign flipped)", _at(rule.expr, i, flipped)


def _negations(rule: Rule):
    """A minus sign left out: −t1·ln(a_o1) typed as t1·ln(a_o1)."""
    for i, node in enumerate(_nodes(rule.expr)):
        if isinstance(node, Op) and node.op == "neg":
            mutated = _at(rule.expr, i, node.args[0])
            yield (f"{math_text(mutated)} where {math_text(rule.expr)} belongs: the minus sign of "
                   f"{math_text(node)} left out (sign flipped)", mutated)


def _rows(rule: Rule):
    for leaf in rule.leaves:
        if isinstance(leaf, Sym):
            other = Sym(leaf.name, prev=not leaf.prev)
            yield f"{_name(other)} where {_name(leaf)} belongs", _replace(rule.expr, leaf, other)


def _steps(rule: Rule):
    """The iteration one off: a counter from 0 read as one from 1, or the other way."""
    for leaf in rule.leaves:
        if isinstance(leaf, Sym) and leaf.name == "iteration" and not leaf.prev:
            yield ("iteration − 1 where iteration belongs: a counter from 0 read as one from 1",
                   _replace(rule.expr, leaf, leaf - Num(1.0)))
            yield ("iteration + 1 where iteration belongs: a counter from 1 read as one from 0",
                   _replace(rule.expr, leaf, leaf + Num(1.0)))


def _dropped(rule: Rule):
    for i, node in enumerate(_nodes(rule.expr)):
        if isinstance(node, Op) and node.op == "*":
            for j, factor in enumerate(node.args):
                rest = node.args[:j] + node.args[j + 1:]
                yield (f"the factor {math_text(factor)} left out",
                       _at(rule.expr, i, rest[0] if len(rest) == 1 else Op("*", rest)))


def _terms(rule: Rule):
    """A term of a sum (or the subtracted one of a difference) left out: w1·i1 + w2·i2 typed as w1·i1."""
    for i, node in enumerate(_nodes(rule.expr)):
        if isinstance(node, Op) and node.op in "+-" and len(node.args) > 1:
            for j, term in enumerate(node.args):
                if node.op == "-" and j == 0:
                    continue  # a − b without a is −b: a sign, not a term
                rest = node.args[:j] + node.args[j + 1:]
                yield (f"the term {math_text(term)} left out",
                       _at(rule.expr, i, rest[0] if len(rest) == 1 else Op(node.op, rest)))


def _other_columns(ctx, rule: Rule):
    for name in ctx.rules:
        if name != rule.name:
            yield f"the value of {name} (this row) instead of {rule.name}", Sym(name)


def _replace_words(ctx, rule: Rule, old, new) -> tuple[str, str]:
    o, n = _name(old), _name(new)
    if isinstance(old, Sym) and isinstance(new, Sym) and _kind(ctx, old) == _kind(ctx, new) == ACT \
            and _only_in_slope(ctx, rule.expr, old):
        layer = ctx.graph[old.name].layer
        unit = "output" if layer == len(ctx.graph.network.layers) - 1 else "hidden"
        return "slope", (f"{math_text(_slope(ctx, new))} where {math_text(_slope(ctx, old))} belongs: the slope of "
                         f"the wrong {unit} unit")
    if _kind(ctx, old) == TARGET and _kind(ctx, new) == INPUT:
        return "input for target", f"the input {n} where the target {o} belongs"
    if _slope_column(ctx, old) and _slope_column(ctx, new):  # the chain's ∂a/∂z column of another neuron
        layer = ctx.graph[old.name].layer
        unit = "output" if layer == len(ctx.graph.network.layers) - 1 else "hidden"
        return "slope", f"{n} where {o} belongs: the slope of the wrong {unit} unit"
    return "reference", f"{n} where {o} belongs"


def _slope_column(ctx, node) -> bool:
    return isinstance(node, Sym) and node.name in ctx.graph.index and ctx.graph[node.name].step == SLOPE_STEP


def _slope(ctx, leaf: Sym):
    """The slope of the activation ``leaf`` is the output of, as its layer's activation record writes it
    in terms of the neuron's net and output."""
    quantity = ctx.graph[leaf.name]
    net = next(q for q in ctx.graph.of_role(NET)
               if (q.layer, q.neuron, q.example) == (quantity.layer, quantity.neuron, quantity.example))
    activation = ACTIVATIONS[ctx.graph.network.activations[quantity.layer - 1]]
    return activation.slope(Sym(net.name, prev=leaf.prev), leaf)


def _only_in_slope(ctx, expr, leaf) -> bool:
    """Does ``leaf`` appear only inside its own activation's slope, a·(1 − a) for a sigmoid?"""
    return leaf not in set(symbols(_replace(expr, _slope(ctx, leaf), Num(0.0))))


def _kind(ctx, node) -> str:
    if isinstance(node, Sym) and node.name in ctx.graph.index:
        return ctx.graph[node.name].role
    return "parameter" if isinstance(node, Param) and node.name in ctx.graph.params else "cell"


def _name(node) -> str:
    if isinstance(node, Param):
        return legend.math(node.name) if node.name[:1].islower() else f"cell {node.name}"
    return f"{node.name} of the row above" if node.prev else node.name


# ---------------------------------------------------------------------------------------- trees

def _nodes(expr) -> list:
    """Every node of ``expr``, outermost first, left to right (as ``substitute`` offers them)."""
    return list(preorder(expr))


def _at(expr, i: int, new):
    """``expr`` with its i-th node (counted as _nodes counts) replaced by ``new``; what does not contain it
    is shared with ``expr``."""
    return replace_at(expr, i, new)


def _replace(expr, old, new):
    """Every subtree equal to ``old`` replaced by ``new``; what holds none is shared with ``expr``."""
    return rebuild(expr, lambda node: new if node == old else None)
