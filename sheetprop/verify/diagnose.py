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
from dataclasses import dataclass

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from sheetprop import legend
from sheetprop.engine import compile_rows
from sheetprop.expr import Num, Op, Param, Sym, substitute, sum_of, symbols
from sheetprop.functions import ACTIVATIONS, LOSSES
from sheetprop.graph import (ACT, BIAS, CHAIN, DELTA_STEP, GRADIENT, INPUT, NET, OUTPUT_STEP, READABLE_NODES,
                             SLOPE_STEP, TARGET, refs as graph_refs)
from sheetprop.verify import rate as rates
from sheetprop.verify.findings import RATE, Finding, as_found, excerpt
from sheetprop.verify.formula import FormulaError, references, renamed, to_python, unwrap
from sheetprop.verify.rules import Rule, compile_source, expand, math_text, python_source

MATCH = 4.0            # a mutant reproduces a value within this many of the cell's tolerances
SAMPLES = 3            # random points on which two formulas must agree to be the same
MAX_CELLS = 30         # wrong cells a values-only diagnosis looks at


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
    """One plausible mistake: what it is, in words, the formula it gives, as Python over V, U, P, and its
    kind (a key of SLIPS)."""

    words: str
    source: str
    slip: str = "reference"


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
    """The mutant that reproduces the most stored values, the first wrong cell's among them, and its kind."""
    sample = [w for w in cells if isinstance(w.found, float)][:MAX_CELLS]
    if not sample:
        return None
    best, best_count = None, 0
    for mutant in mutants(ctx, rule, []):
        fn = compile_source(mutant.source)
        count = sum(1 for w in sample if _reproduces(ctx, fn, w))
        if count > best_count and _reproduces(ctx, fn, sample[0]) and _changes(ctx, fn, sample[0]):
            best, best_count = mutant, count
    if best is None:
        return None
    return (f"{best.words} (this reproduces the value in {best_count} of the {len(sample)} wrong rows checked)",
            best.slip)


def _reproduces(ctx, fn, wrong) -> bool:
    V, U = ctx.numbers[wrong.k], ctx.numbers[wrong.k - 1] if wrong.k else {}
    try:
        value = fn(V, U, ctx.params)
    except (KeyError, ArithmeticError, ValueError, TypeError):
        return False
    return abs(value - wrong.found) <= MATCH * wrong.tolerance + 1e-300


def _changes(ctx, fn, wrong) -> bool:
    """Does the mutant move the cell off its expected value, by more than the cell's tolerance? (One that
    does not cannot be what made the cell wrong.)"""
    V, U = ctx.numbers[wrong.k], ctx.numbers[wrong.k - 1] if wrong.k else {}
    try:
        return abs(fn(V, U, ctx.params) - wrong.expected) > wrong.tolerance
    except (KeyError, ArithmeticError, ValueError, TypeError):
        return False


def _from_formula(ctx, rule: Rule, k: int, formula: str) -> tuple[str, str] | None:
    """Which mistake the formula is, and its kind: compared with each mutant on random values of every cell."""
    opaque: dict[str, float] = {}
    try:
        source = to_python(formula, _resolver(ctx, k, opaque))
        user = compile_source(source)
    except (FormulaError, SyntaxError, RecursionError, MemoryError):  # Python's compiler has limits too
        return None
    envs = _environments(ctx, opaque)
    if _same(user, rule.fn, envs):
        return (f"the formula {formula} is right, but the value stored is not its result: "
                "recalculate the sheet (or an upstream cell changed after it was computed)"), "stale"
    extra = [Param(key) for key in opaque]
    for mutant in mutants(ctx, rule, extra, envs):
        if _same(user, compile_source(mutant.source), envs):
            return f"{mutant.words} (the formula is {excerpt(formula)})", mutant.slip
    reference = _reference(ctx, k, {})
    named = renamed(formula, lambda ref: math_text(reference(ref)))
    return f"the formula {formula}, that is {named}, matches none of the usual slips", "unknown"


def _resolver(ctx, k: int, opaque: dict):
    """Python source for each reference of a formula in data row k (see _reference)."""
    reference = _reference(ctx, k, opaque)
    return lambda ref: python_source(reference(ref))


def _reference(ctx, k: int, opaque: dict):
    """What each reference of a formula in data row k stands for, as a node: a quantity of this row or the
    row above, a labelled parameter, or some other cell (a parameter of its own, kept as its value)."""
    table, grid = ctx.table, ctx.table.grid
    by_column = {c.index: n for n, c in table.columns.items() if n in ctx.rules}
    labelled = {label.values[0][0]: name for name, label in table.labels.items()
                if label.single is not None and name in ctx.params}
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


def _environments(ctx, opaque: dict) -> list[tuple[dict, dict, dict]]:
    """Random, self-consistent rows (this one and the one above) computed by the engine from random
    weights and, where the sheet has columns for them, random inputs and targets."""
    first, _ = compile_rows(ctx.graph)
    names = [q.name for q in ctx.graph.quantities]
    rng, steps = random.Random(20240101), random.Random(20241204)
    envs = []
    for _ in range(SAMPLES):
        shared = {}
        for name in ctx.graph.params:
            if name == "lr" or name in ctx.trained:
                continue
            shared[name] = rng.uniform(0.1, 0.9) if name in ctx.rules or name not in ctx.params else ctx.params[name]
        rows = []
        for _ in range(2):
            P = [ctx.params.get("lr", 0.5) if n == "lr" else shared.get(n, rng.uniform(-1.0, 1.0))
                 for n in ctx.graph.params]
            rows.append(dict(zip(names, first(P))))
        # Rows of a random iteration, one after the other: a rule that reads it (Adam's step) is told apart
        # from one that reads it one off. Drawn apart from the values, which stay as they were.
        step = steps.randint(2, 60)
        rows[0]["iteration"], rows[1]["iteration"] = float(step), float(step - 1)
        envs.append((rows[0], rows[1], {"lr": ctx.params.get("lr", 0.5), **ctx.params, **shared, **opaque}))
    return envs


def _same(f, g, envs) -> bool:
    for V, U, P in envs:
        try:
            a, b = f(V, U, P), g(V, U, P)
            # A formula may give a list (a bare range) or a truth value: only numbers can agree.
            if not (math.isfinite(a) and math.isfinite(b)) or abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b)):
                return False
        except (KeyError, ArithmeticError, ValueError, TypeError, RecursionError):
            return False
    return True


# ---------------------------------------------------------------------------------------- mutants

def mutants(ctx, rule: Rule, extra: list, envs=None) -> list[Mutant]:
    """Plausible mistakes in ``rule``, most specific first, without duplicates, and without any that
    computes what the rule computes (two factors of a product swapped, t1 the column for t1 the
    parameter): on random rows (``envs``) each must give another value."""
    correct = python_source(rule.expr)
    envs = envs if envs is not None else _environments(ctx, {})
    seen, found = {correct}, []
    # A sign before a swap: (t1 − a_o1) for (a_o1 − t1) is both, and a teacher calls it a sign.
    kinds = (("sign", _signs(rule)), ("swap", _swaps(rule)), ("parentheses", _parentheses(rule.expr)),
             ("iteration", _steps(rule)), ("row", _rows(rule)), ("factor", _dropped(rule)),
             ("sign", _negations(rule)), ("column", _other_columns(ctx, rule)))
    for slip, words, source in itertools.chain(
            _definitions(ctx, rule), _references(ctx, rule, extra),
            ((slip, *mutant) for slip, made in kinds for mutant in made)):
        if source in seen:
            continue
        seen.add(source)
        if not _same(compile_source(source), rule.fn, envs):
            found.append(Mutant(words, source, slip))
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
               f"∂E/∂a_k·a_k·{a} for every other output k", python_source(expand(diagonal, graph, present)))
    if loss.collapse and loss.outputs == activation.name and quantity.layer == len(graph.network.layers) - 1:
        target = Sym(name(TARGET))
        wrong = loss.collapse(Sym(z), target, graph.network.layers[-1])
        yield ("net for output", f"{math_text(wrong)} where {math_text(loss.collapse(Sym(a), target, graph.network.layers[-1]))} "
               f"belongs: the net input {z} in place of the {activation.name} output {a} (a − t holds for the "
               f"outputs after the {activation.name})", python_source(expand(wrong, graph, present)))


def _candidates(ctx, rule: Rule, extra: list) -> list:
    """What a reference could wrongly point at: the sheet's columns, its parameters, other cells."""
    columns = [n for n in ctx.rules if n != rule.name]
    return [*(Sym(n) for n in columns), *(Param(p) for p in ctx.params), *extra]


def _references(ctx, rule: Rule, extra: list):
    """Every reference to one quantity (or just one of them) pointing at another, with its kind."""
    candidates = _candidates(ctx, rule, extra)
    single = []
    for old in rule.leaves:
        kind = _kind(ctx, old)
        for new in sorted(candidates, key=lambda c: _kind(ctx, c) != kind):
            new = Sym(new.name, prev=old.prev) if isinstance(new, Sym) and isinstance(old, Sym) else new
            if new == old or _name(new) == _name(old):
                continue  # a name put where it already stands is no slip
            yield (*_replace_words(ctx, rule, old, new), python_source(_replace(rule.expr, old, new)))
            spots = [i for i, node in enumerate(_nodes(rule.expr)) if node == old]
            if len(spots) > 1:
                for i in spots:
                    single.append(("reference",
                                   f"{_name(new)} where {_name(old)} belongs, in one of its {len(spots)} places",
                                   python_source(_at(rule.expr, i, new))))
    yield from single


def _swaps(rule: Rule):
    for a, b in itertools.combinations(rule.leaves, 2):
        swapped = substitute(rule.expr, lambda node, a=a, b=b: b if node == a else a if node == b else None)
        yield f"{_name(a)} and {_name(b)} swapped", python_source(swapped)


def _parentheses(expr):
    """Each pair of brackets left out: (a_o1 − t1)·… typed as a_o1 − t1·…. The brackets are those the
    tree's rendering needs around a subtree; the mutant is the rendering without them, read again.

    >>> from sheetprop.expr import Fn
    >>> expr = (Sym("a_o1") - Param("t1")) * Sym("a_o1") * Fn("sigmoid", Sym("h1") + Sym("w5", prev=True))
    >>> [(words, source) for words, source in _parentheses(expr)]  # the call's own brackets stay
    [('missing parentheses around a_o1 − t1', "V['a_o1'] - P['t1']*V['a_o1']*_sigmoid(V['h1'] + U['w5'])")]
    """
    source = python_source(expr)
    for node in dict.fromkeys(n for n in _nodes(expr) if isinstance(n, Op)):
        inner = python_source(node)
        start = source.find(f"({inner})")
        while start >= 0:
            # A function call's brackets are not the kind people forget; a tuple's are no grouping.
            if not (start and (source[start - 1].isalnum() or source[start - 1] in "_]")) \
                    and not _top_level_comma(inner):
                yield (f"missing parentheses around {math_text(node)}",
                       source[:start] + inner + source[start + len(inner) + 2:])
            start = source.find(f"({inner})", start + 1)


def _top_level_comma(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            return True
    return False


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
            yield (f"{math_text(flipped)} where {math_text(node)} belongs (sign flipped)",
                   python_source(_at(rule.expr, i, flipped)))


def _negations(rule: Rule):
    """A minus sign left out: −t1·ln(a_o1) typed as t1·ln(a_o1)."""
    for i, node in enumerate(_nodes(rule.expr)):
        if isinstance(node, Op) and node.op == "neg":
            mutated = _at(rule.expr, i, node.args[0])
            yield (f"{math_text(mutated)} where {math_text(rule.expr)} belongs: the minus sign of "
                   f"{math_text(node)} left out (sign flipped)", python_source(mutated))


def _rows(rule: Rule):
    for leaf in rule.leaves:
        if isinstance(leaf, Sym):
            other = Sym(leaf.name, prev=not leaf.prev)
            yield f"{_name(other)} where {_name(leaf)} belongs", python_source(_replace(rule.expr, leaf, other))


def _steps(rule: Rule):
    """The iteration one off: a counter from 0 read as one from 1, or the other way."""
    for leaf in rule.leaves:
        if isinstance(leaf, Sym) and leaf.name == "iteration" and not leaf.prev:
            yield ("iteration − 1 where iteration belongs: a counter from 0 read as one from 1",
                   python_source(_replace(rule.expr, leaf, leaf - Num(1.0))))
            yield ("iteration + 1 where iteration belongs: a counter from 1 read as one from 0",
                   python_source(_replace(rule.expr, leaf, leaf + Num(1.0))))


def _dropped(rule: Rule):
    for i, node in enumerate(_nodes(rule.expr)):
        if isinstance(node, Op) and node.op == "*":
            for j, factor in enumerate(node.args):
                rest = node.args[:j] + node.args[j + 1:]
                yield (f"the factor {math_text(factor)} left out",
                       python_source(_at(rule.expr, i, rest[0] if len(rest) == 1 else Op("*", rest))))


def _other_columns(ctx, rule: Rule):
    for name in ctx.rules:
        if name != rule.name:
            yield f"the value of {name} (this row) instead of {rule.name}", f"V[{name!r}]"


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
    """Every node of ``expr``, in the order substitute offers them: outermost first, left to right."""
    found = []
    substitute(expr, lambda node: found.append(node), every_node=True)  # append gives None: nothing replaced
    return found


def _at(expr, i: int, new):
    """``expr`` with its i-th node (counted as _nodes counts) replaced by ``new``."""
    count = itertools.count()
    return substitute(expr, lambda node: new if next(count) == i else None, every_node=True)


def _replace(expr, old, new):
    """Every subtree equal to ``old`` replaced by ``new``."""
    return substitute(expr, lambda node: new if node == old else None, every_node=True)
