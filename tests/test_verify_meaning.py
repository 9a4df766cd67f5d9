"""verify reads a sheet's own formulas as expressions over the network, and names a slip as the difference
(issue 28): one function table, formulas as trees, mutations on trees, refusals, columns from meaning.

Sheets are made for the tests (tests/handmade.py, sheetprop's own writer); the values a formula should give
are computed here from the functions' definitions in Python's math, never read from the code under test.
"""

from __future__ import annotations

import math

import pytest

from sheetprop.expr import Param
from sheetprop.functions import SPREADSHEET
from sheetprop.verify.evaluate import compile_tree
from sheetprop.verify.formula import read

# What each spreadsheet function gives, as a spreadsheet computes it, written out here.
EXPECTED = {
    "TANH": lambda x: math.tanh(x), "LN": lambda x: math.log(x), "SQRT": lambda x: math.sqrt(x),
    "EXP": lambda x: math.exp(x), "ABS": lambda x: abs(x), "LOG10": lambda x: math.log10(x),
    "LOG": lambda x, b=10: math.log(x) / math.log(b), "MOD": lambda a, b: a - b * math.floor(a / b),
    "MAX": lambda *v: max(v), "MIN": lambda *v: min(v), "INT": lambda x: math.floor(x),
    "ROUND": lambda x, d=0: math.floor(abs(x) * 10 ** d + 0.5) / 10 ** d * (1 if x >= 0 else -1),
    "CHOOSE": lambda i, *o: o[int(i) - 1], "ISNUMBER": lambda x: True, "SIGN": lambda x: (x > 0) - (x < 0),
}
ARGUMENTS = {1: [(0.7,), (2.5,)], 2: [(7.5, 2.0), (-7.5, 2.0)]}
SEVERAL = {"LOG": [(100.0,), (8.0, 2.0)], "MAX": [(2.0, 1.5, 3.0), (0.3,)], "MIN": [(2.0, 1.5, 3.0), (-0.3,)],
           "ROUND": [(2.5,), (-2.345, 2.0)], "CHOOSE": [(2.0, 1.5, 3.0), (1.0, 4.0)]}


def read_value(formula: str, cells: dict[str, float] | None = None) -> float:
    """The value of a formula as verify's reader computes it, its references read from ``cells``."""
    return compile_tree(read(formula, lambda ref: Param(ref.text)))({}, {}, cells or {})


@pytest.mark.parametrize("name", sorted(SPREADSHEET))
def test_every_spreadsheet_function_of_the_records_is_read_through_its_record(name):
    """The reader knows a spreadsheet function because a record of sheetprop.functions names it (MOD
    included, which sheetprop's own mini-batch formulas use), and computes it as that record does."""
    assert name in EXPECTED, f"{name}: a new record: write its expected value in EXPECTED"
    arity = SPREADSHEET[name].arguments
    for args in ARGUMENTS[arity] if arity else SEVERAL[name]:
        formula = f"={name}({','.join(repr(a) for a in args)})"
        assert math.isclose(read_value(formula), EXPECTED[name](*args), rel_tol=1e-15), formula


def test_sheetprops_own_mini_batch_formula_is_read():
    """CHOOSE(MOD(counter−1, batches)+1, …): each iteration the next batch's gradient."""
    formula = "=CHOOSE(MOD($A7-1,3)+1,B7,C7,D7)"
    cells = {"$A7": 5.0, "B7": 10.0, "C7": 20.0, "D7": 30.0}
    assert read_value(formula, cells) == 20.0   # iteration 5: (5 − 1) mod 3 + 1 = 2, the second batch
    assert read_value("=MAX(B7:D7)-MIN(B7,C7)", {"B7": 1.0, "C7": 4.0, "D7": 2.0}) == 3.0


# ---------------------------------------------------------------------------------------- formulas as trees

import dataclasses  # noqa: E402

import openpyxl  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import handmade  # noqa: E402
from sheetprop import config as configs  # noqa: E402
from sheetprop.runs import Run  # noqa: E402
from sheetprop.verify import NotTheExercise, verify  # noqa: E402
from sheetprop.workbook.writer import write_workbook  # noqa: E402

LECTURE = {"name": "lecture", "layers": [2, 2, 2], "inputs": [0.05, 0.10], "targets": [0.01, 0.99],
           "weights": [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]], "learning_rates": [0.5],
           "iterations": 6}


def own_workbook(folder, data=None, edit=None):
    """sheetprop's own workbook (its writer: every quantity a column, the exercise's layout) with
    ``edit(sheet)`` applied to its first rate sheet, saved by openpyxl without cached values."""
    config = configs.parse(data or LECTURE)
    path = folder / "own.xlsx"
    write_workbook(path, Run.of(config))
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[1]
    if edit:
        edit(sheet)
    for other in workbook.worksheets[2:]:
        workbook.remove(other)
    workbook.save(path)
    return path, sheet


def column_of(sheet, header: str, header_row: int = 6) -> str:
    return next(c.column_letter for c in sheet[header_row] if c.value == header)


@pytest.mark.parametrize("header, typed, words", [
    # ∂E/∂a_h2 times the slope of the wrong hidden unit, past the δ column the layout has
    ("∂E/∂w3", "={AH}*{O}*(1-{O})*{B}", "a_h1·(1 − a_h1) where a_h2·(1 − a_h2) belongs: the slope of the wrong hidden unit"),
    # brackets left out around / and ^
    ("a_h1", "=1/1+EXP(-{N})", "missing parentheses around 1 + exp(−h1)"),
    ("E1", "=0.5*{D}-{S}^2", "missing parentheses around t1 − a_o1"),
    ("∂E/∂o1", "={Z}*{Y}", None),   # the factors swapped: the same product, no slip
])
def test_a_formula_of_the_exercise_layout_is_read_as_a_tree_and_its_slip_named(tmp_path, header, typed, words):
    """The issue's slips in sheetprop's own layout (every chain-rule step a column): named from the
    formula, said in the definition's words."""
    row = 8

    def edit(sheet):
        letters = {name: column_of(sheet, name) for name in ("a_h1", "h1", "t1", "a_o1", "i1", "∂E/∂a_h2",
                                                               "∂a_o1/∂o1", "∂E/∂a_o1")}
        cells = {"AH": letters["∂E/∂a_h2"], "O": letters["a_h1"], "B": letters["i1"], "N": letters["h1"],
                 "D": letters["t1"], "S": letters["a_o1"], "Z": letters["∂a_o1/∂o1"], "Y": letters["∂E/∂a_o1"]}
        sheet[f"{column_of(sheet, header)}{row}"] = typed.format(**{k: f"{v}{row}" for k, v in cells.items()})
    path, _ = own_workbook(tmp_path, edit=edit)
    report = verify(path)
    if words is None:
        assert report.findings == () and report.status == 0
        return
    (finding,) = report.findings
    assert finding.quantity == header and finding.cell.endswith(str(row))
    assert words in finding.diagnosis, finding.diagnosis


def test_a_formula_nested_past_any_persons_is_a_judgement_not_a_crash(tmp_path):
    """A formula of 80 nested brackets (or a chain of 2,000 alternating operators) is read no further
    than a spreadsheet allows: the cell is still judged by its value."""
    def edit(sheet):
        h1 = column_of(sheet, "h1")
        sheet[f"{column_of(sheet, 'a_h1')}8"] = "=" + "(" * 80 + f"{h1}8" + ")" * 80
        sheet[f"{column_of(sheet, 'E_total')}9"] = "=" + "+".join(f"{column_of(sheet, 'E1')}9-0" for _ in range(1000))
    path, _ = own_workbook(tmp_path, edit=edit)
    report = verify(path)
    assert {f.quantity for f in report.findings} == {"a_h1", "E_total"}


def test_a_sheet_16384_columns_wide_is_refused_in_one_line_not_a_crash(tmp_path):
    """5,460 inputs into one hidden neuron: every column of a sheet, a net of 5,460 terms. Before, Python's
    compiler ran out of recursion (exit 3, "a bug"); now it is refused in one line, as more quantities than
    verify judges in one table (the values are a correct sheet's, written out here)."""
    import math as m
    import random

    n, path = 5460, tmp_path / "wide.xlsx"
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("wide")
    names = [f"i{j}" for j in range(1, n + 1)] + ["t1"] + [f"w{j}" for j in range(1, n + 2)] + \
        ["h1", "a_h1", "o1", "a_o1", "E1", "E_total"] + [f"∂E/∂w{j}" for j in range(1, n + 2)]
    names = names[:16384]
    sheet.append(names)
    rng = random.Random(1)
    inputs, weights = [rng.uniform(0, .1) for _ in range(n)], [rng.uniform(-.1, .1) for _ in range(n + 1)]
    for _ in range(3):
        h = m.fsum(a * b for a, b in zip(inputs, weights))
        a_h = 1 / (1 + m.exp(-h))
        o = a_h * weights[n]
        a_o = 1 / (1 + m.exp(-o))
        delta = (a_o - 0.5) * a_o * (1 - a_o)
        gradients = [delta * weights[n] * a_h * (1 - a_h) * x for x in inputs] + [delta * a_h]
        values = dict(zip(names, inputs + [0.5] + weights + [h, a_h, o, a_o, 0.5 * (0.5 - a_o) ** 2] * 1
                          + [0.5 * (0.5 - a_o) ** 2] + gradients))
        sheet.append([values.get(name) for name in names])
        weights = [w - 0.5 * g for w, g in zip(weights, gradients)]
    workbook.save(path)
    with pytest.raises(NotTheExercise) as refused:
        verify(path)
    message = str(refused.value)
    assert "\n" not in message and "16,3" in message and "not judged" in message, message


# ---------------------------------------------------------------------------------------- refusals

def other_kind(path, headers: list[str], rows: list[list[float]]) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "exercise"
    sheet.append(["My homework"])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def perceptron_rows(pattern=((0, 0, 0), (0, 1, 0), (1, 0, 0), (1, 1, 1)), epochs=3, lr=0.5):
    """The perceptron rule over AND, one row per example, typed here: w += η(t − y)x."""
    w1, w2, rows = 0.1, -0.2, []
    for _ in range(epochs):
        for x1, x2, t in pattern:
            o = w1 * x1 + w2 * x2
            y = 1.0 if o > 0 else 0.0
            rows.append([x1, x2, t, w1, w2, o, y, t - y])
            w1, w2 = w1 + lr * (t - y) * x1, w2 + lr * (t - y) * x2
    return rows


def test_a_perceptron_over_and_is_refused_in_one_line(tmp_path):
    path = tmp_path / "perceptron.xlsx"
    other_kind(path, ["X_1", "X_2", "T1", "W_1", "W_2", "o1", "a_o1", "E1"], perceptron_rows())
    with pytest.raises(NotTheExercise) as refused:
        verify(path)
    message = str(refused.value)
    assert "\n" not in message and "perceptron" in message and "one row per training example" in message
    assert "not judged" in message


def test_a_perceptron_on_one_example_is_refused_by_its_step_outputs(tmp_path):
    """Inputs kept, outputs only 0 and 1: a step activation's."""
    path = tmp_path / "step.xlsx"
    rows = [r for r in perceptron_rows(pattern=((1, 1, 1), (1, 1, 1)), epochs=3)]
    rows = [[1, 1, 1, *r[3:6], float(k % 2), r[7]] for k, r in enumerate(rows)]
    other_kind(path, ["x1", "x2", "t1", "w1", "w2", "o1", "a_o1", "E1"], rows)
    with pytest.raises(NotTheExercise, match="a perceptron: its outputs .a_o1. are only 0 and 1"):
        verify(path)


def test_adaline_a_single_neuron_whose_weights_follow_another_rule_is_refused(tmp_path):
    """ADALINE's Widrow–Hoff rule, w += η(t − net)x, on one example with a sigmoid read out: no hidden layer,
    and every weight change disagrees with the gradient of the error."""
    import math as m

    x1, x2, t, w1, w2, rows = 0.05, 0.10, 0.9, 0.15, 0.20, []
    for _ in range(6):
        o = w1 * x1 + w2 * x2
        a = 1 / (1 + m.exp(-o))
        rows.append([x1, x2, t, w1, w2, o, a, 0.5 * (t - a) ** 2, (t - o) * x1, (t - o) * x2])
        w1, w2 = w1 + 0.5 * (t - o) * x1, w2 + 0.5 * (t - o) * x2
    path = tmp_path / "adaline.xlsx"
    other_kind(path, ["x1", "x2", "t1", "w1", "w2", "o1", "a_o1", "E_total", "∂E/∂w1", "∂E/∂w2"], rows)
    with pytest.raises(NotTheExercise, match="single neuron without a hidden layer"):
        verify(path)


def test_batch_normalisation_is_refused(tmp_path):
    spec = dataclasses.replace(handmade.SHEETS[0], extra=("γ", "=1"), title="bn")
    path = tmp_path / "bn.xlsx"
    workbook = openpyxl.Workbook()
    handmade.write(spec, workbook.active)
    sheet = workbook.active
    sheet.cell(spec.header_row, spec.column("dw8") + 2, "β")
    for k in range(spec.iterations):
        sheet.cell(spec.row(k), spec.column("dw8") + 2, 0.0)
    workbook.save(path)
    with pytest.raises(NotTheExercise, match="batch normalisation"):
        verify(path)


def test_a_single_slip_in_a_network_without_a_hidden_layer_is_named_not_refused(tmp_path):
    """A network without a hidden layer is judged when its weights learn by its gradient: one slip is a slip."""
    data = {"name": "single", "layers": [2, 1], "inputs": [0.05, 0.10], "targets": [0.9], "learning_rates": [0.5],
            "weights": [[[0.15, 0.20]]], "iterations": 6}

    def edit(sheet):
        sheet[f"{column_of(sheet, '∂E/∂w2')}9"] = "=" + sheet[f"{column_of(sheet, '∂E/∂w2')}9"].value[1:].replace(
            column_of(sheet, "i2") + "9", column_of(sheet, "i1") + "9")
    path, _ = own_workbook(tmp_path, data, edit)
    report = verify(path)
    assert [f.quantity for f in report.findings] == ["∂E/∂w2"]
    assert "i1 where i2 belongs" in report.findings[0].diagnosis


# ---------------------------------------------------------------------------------------- a slip planted

import random  # noqa: E402
import re  # noqa: E402

import formualizer  # noqa: E402
from hypothesis import assume  # noqa: E402

from sheetprop.verify.diagnose import CANNOT_TELL  # noqa: E402

# The slip kinds a planted slip may be named by: a reference to another quantity is one of several kinds,
# by what it points at (the slope of the wrong unit, an input for a target).
NAMED_AS = {"reference": {"reference", "slope", "input for target", "swap"}, "factor": {"factor"},
            "term": {"term"}, "parentheses": {"parentheses"}, "sign": {"sign"}}
TOKEN = re.compile(r"\$?[A-Z]{1,3}\$?\d+|\d+\.?\d*(?:E[-+]?\d+)?|[A-Z][A-Z0-9.]*(?=\()|>=|<=|<>|[-+*/^(),=<>]")


def formula_tokens(formula: str) -> list[str]:
    """A formula's tokens, the leading = left off (written here: the test plants slips as a person types)."""
    found = TOKEN.findall(formula[1:])
    assert "".join(found) == formula[1:].replace(" ", ""), formula
    return found


def is_operand_end(token: str) -> bool:
    return token == ")" or bool(re.fullmatch(r"\$?[A-Z]{1,3}\$?\d+|\d+\.?\d*", token))


def plantings(tokens: list[str], row: int, columns: list[str]) -> dict[str, list]:
    """Every slip of each kind that can be planted in one formula: (what it is, the tokens with it)."""
    kinds = {kind: [] for kind in NAMED_AS}
    here = [i for i, t in enumerate(tokens) if re.fullmatch(rf"[A-Z]{{1,3}}{row}", t)]
    for i in here:
        for column in columns:
            if not tokens[i].startswith(column) or tokens[i] != f"{column}{row}":
                kinds["reference"].append((f"{tokens[i]}→{column}{row}", [*tokens[:i], f"{column}{row}", *tokens[i + 1:]]))
    for i, t in enumerate(tokens):
        simple = i + 1 < len(tokens) and re.fullmatch(r"\$?[A-Z]{1,3}\$?\d+|\d+\.?\d*", tokens[i + 1])
        after = i + 2 >= len(tokens) or tokens[i + 2] in ",)+-"
        before = i == 0 or tokens[i - 1] in "(,+-"
        if t == "*" and simple and after and i > 0 and is_operand_end(tokens[i - 1]):
            kinds["factor"].append((f"*{tokens[i + 1]} dropped", tokens[:i] + tokens[i + 2:]))
        if t in "+-" and i > 0 and is_operand_end(tokens[i - 1]):
            end = i + 1   # the term after the operator: operands and * up to the next + − , or )
            while end < len(tokens) and tokens[end] not in "+-,)" and tokens[end] != "(":
                end += 1
            alone = tokens[i - 2] == "(" and end < len(tokens) and tokens[end] == ")" if i >= 2 else False
            # (1 − a) without its a is a factor 1: the factor left out, not a term
            if end > i + 1 and (end == len(tokens) or tokens[end] in "+-,)") and not alone:
                kinds["term"].append((f"{''.join(tokens[i:end])} dropped", tokens[:i] + tokens[end:]))
            kinds["sign"].append((f"{t} flipped", [*tokens[:i], "+" if t == "-" else "-", *tokens[i + 1:]]))
        if t == "(" and before:
            depth, end = 0, i
            for end in range(i, len(tokens)):
                depth += {"(": 1, ")": -1}.get(tokens[end], 0)
                if depth == 0:
                    break
            kinds["parentheses"].append((f"brackets at {i} dropped", tokens[:i] + tokens[i + 1:end] + tokens[end + 1:]))
    return kinds


def upstream(columns: list[str], letter: str) -> list[str]:
    """The columns left of ``letter``: sheetprop's layout computes a row from left to right, so a reference to
    one of them is a slip, not a circular reference."""
    return columns[:columns.index(letter)]


def same(a, b) -> bool:
    """Two cached values alike: numbers to rounding, anything else (an error value) exactly."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)
    return a == b


def random_network(seed: int) -> dict:
    rng = random.Random(seed)
    layers = [rng.randint(1, 3), rng.randint(1, 3), rng.randint(1, 2)]
    uniform = lambda: round(rng.uniform(-0.9, 0.9), 3)   # noqa: E731
    return {"name": "random", "layers": layers, "inputs": [uniform() for _ in range(layers[0])],
            "targets": [round(rng.uniform(0.05, 0.95), 3) for _ in range(layers[-1])], "learning_rates": [0.5],
            "weights": [[[uniform() for _ in range(a)] for _ in range(b)] for a, b in zip(layers, layers[1:])],
            "iterations": 3}


def planted_book(folder, seed: int, kind: str, choice: int):
    """sheetprop's own workbook of a random network, one slip planted in one column on every data row,
    recalculated by formualizer (an engine of its own). Returns the file, the column's header, the kind of
    slip and what it is, or None where the slip changes no value (no slip at all)."""
    data = random_network(seed)
    path, sheet = own_workbook(folder, data)
    formualizer.recalculate_file(str(path), str(folder / "clean.xlsx"))
    header = {c.column_letter: c.value for c in sheet[6] if c.value}
    rows = [r for r in range(7, sheet.max_row + 1) if isinstance(sheet[f"A{r}"].value, (int, str))]
    quantity_columns = [letter for letter, name in header.items() if name != "iteration"]
    plantable = [letter for letter in quantity_columns
                 if isinstance(sheet[f"{letter}{rows[-1]}"].value, str) and "$" not in sheet[f"{letter}{rows[-1]}"].value
                 and not header[letter].startswith("a_") and "IF(" not in sheet[f"{letter}{rows[-1]}"].value]
    options = []
    for letter in plantable:
        tokens = formula_tokens(sheet[f"{letter}{rows[-1]}"].value)
        made = plantings(tokens, rows[-1], upstream(quantity_columns, letter))[kind]
        options.extend((letter, kind, what, k) for k, (what, _) in enumerate(made))
    if not options:
        return None
    letter, kind, what, k = options[choice % len(options)]
    for r in rows:
        formula = sheet[f"{letter}{r}"].value
        if not (isinstance(formula, str) and formula.startswith("=")):
            continue
        others = upstream(quantity_columns, letter)
        sheet[f"{letter}{r}"] = "=" + "".join(plantings(formula_tokens(formula), r, others)[kind][k][1])
    sheet.parent.save(path)
    recalculated = folder / "planted.xlsx"
    formualizer.recalculate_file(str(path), str(recalculated))
    clean, planted = (openpyxl.load_workbook(folder / name, data_only=True).worksheets[1]
                      for name in ("clean.xlsx", "planted.xlsx"))
    if all(same(clean[f"{letter}{r}"].value, planted[f"{letter}{r}"].value) for r in rows) or \
            any(isinstance(planted[f"{letter}{r}"].value, str) for r in rows):
        return None   # the slip changes no value (it is no slip), or makes an error value (another finding)
    return recalculated, header[letter], kind, f"{header[letter]}: {what}"


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), kind=st.sampled_from(sorted(NAMED_AS)), choice=st.integers(0, 10_000))
def test_a_slip_planted_in_sheetprops_own_workbook_is_named_exactly(tmp_path_factory, seed, kind, choice):
    """A random slip (a reference to another quantity, a factor or term dropped, brackets left out, a sign
    flipped) planted into a formula of sheetprop's own workbook of a random network: named exactly from the
    formula; from the values alone, named or said to be one of several the values cannot tell apart."""
    planted = planted_book(tmp_path_factory.mktemp("planted"), seed, kind, choice)
    assume(planted is not None)
    path, header, kind, what = planted
    folder = path.parent
    report = verify(path)
    findings = [f for f in report.findings if f.quantity == header]
    assert findings and len(report.findings) == 1, (what, [(f.quantity, f.diagnosis) for f in report.findings])
    assert findings[0].slip in NAMED_AS[kind], (what, findings[0].slip, findings[0].diagnosis)
    values = folder / "values.xlsx"
    handmade.values_copy(path, values, digits=17)
    (finding,) = [f for f in verify(values).findings if f.quantity == header]
    assert finding.slip in NAMED_AS[kind] or CANNOT_TELL in finding.diagnosis, (what, finding.slip, finding.diagnosis)
