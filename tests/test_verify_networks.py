"""verify on any dense network sheetprop builds (issue 12, item 7): it infers the network from the
headers through the graph's names (widths, depths, examples, biases) and from the values (each layer's
activation, the loss, the mini-batch size), with no model of the 2-2-2 exercise of its own.

The sheets are sheetprop's own workbooks, whose numbers the engine computed (checked against PyTorch
and finite differences in test_networks.py) and LibreOffice recalculates; a correct sheet must verify
as correct with every quantity judged, and a slip planted in one layer must be found at its cell.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import handmade
from sheetprop import config as configs
from sheetprop.graph import BIAS, COUNTER, GRADIENT, INPUT, TARGET, Network, build_graph
from sheetprop.optimizers import OPTIMIZERS
from sheetprop.runs import Run
from sheetprop.verify import verify
from sheetprop.workbook.layout import Layout
from sheetprop.workbook.writer import write_workbook
from test_networks import networks
from test_verify_many import forget

ITERATIONS = 4
# Optimizers whose state columns are alike (momentum and Nesterov): told apart by their updates alone.
ALIKE = [name for name, o in OPTIMIZERS.items()
         if sum({s.key for s in (*p.states, *p.shared)} == {s.key for s in (*o.states, *o.shared)}
                for p in OPTIMIZERS.values()) > 1]
# The 2-3-2 network the issue names, seeded weights; the lecture's inputs and targets.
WIDE = {"name": "wide", "layers": [2, 3, 2], "inputs": [0.05, 0.10], "targets": [0.01, 0.99], "seed": 3,
        "learning_rates": [0.5], "iterations": 20}


def short(config):
    """``config`` with a few iterations: enough rows to read the rate from the weight changes."""
    return dataclasses.replace(config, iterations=ITERATIONS)


def built(config, folder, name="built.xlsx"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    write_workbook(path, Run.of(config))
    return path


def judged_everything(config, report) -> None:
    """Every sheet is correct and every derived quantity of the graph was judged on it."""
    graph = build_graph(config.network)
    wanted = {q.name for q in graph.quantities
              if q.role not in (COUNTER, INPUT, TARGET) and not (q.role == BIAS and q.first is None)}
    assert report.findings == () and report.status == 0, report.findings[:3]
    (sheet,) = report.sheets
    assert set(sheet.judged_cells) >= wanted, sorted(wanted - set(sheet.judged_cells))[:5]
    assert sheet.learning_rate == config.learning_rates[0]


def values_only(path, target, edit=None):
    """The workbook's numbers typed as constants (the engine's values, to the last digit), no formula."""
    handmade.values_copy(path, target, digits=17, edit=edit)
    return target


def formulas_only(path, target):
    """The workbook re-saved by openpyxl: formulas kept, every cached value gone."""
    workbook = openpyxl.load_workbook(path)
    workbook.save(target)
    check = openpyxl.load_workbook(target, data_only=True)
    sheet = check.worksheets[1]
    assert all(cell.value is None for row in sheet.iter_rows(min_row=7) for cell in row)  # no value left
    return target


# ---------------------------------------------------------------------------------------- the 2-3-2

@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    config = configs.parse(WIDE)
    return config, built(config, tmp_path_factory.mktemp("wide"))


def test_sheetprops_own_2_3_2_workbook_verifies_as_correct(wide):
    config, path = wide
    report = verify(path)
    judged_everything(config, report)
    (sheet,) = report.sheets
    assert ("N", "w9", "w9") in sheet.columns and ("V", "h3", "h3") in sheet.columns
    assert sheet.unknown == ()


@pytest.mark.parametrize("copy", [values_only, formulas_only])
def test_the_2_3_2_workbook_re_saved_without_its_formulas_or_its_values_verifies(wide, copy, tmp_path):
    config, path = wide
    report = verify(copy(path, tmp_path / "copy.xlsx"))
    judged_everything(config, report)
    if copy is formulas_only:
        assert any("recalculated" in note for note in report.notes)


# ---------------------------------------------------------------------------------------- any network

def planted(config, layer: int):
    """(sheet title, cell, quantity) of the gradient of the first weight into ``layer`` in the last row:
    no other cell reads it (the next update would), so it is the one wrong cell."""
    graph = build_graph(config.network)
    quantity = next(q for q in graph.of_role(GRADIENT) if q.layer == layer and q.example is None
                    and q.param.startswith("w"))
    layout = Layout(graph)
    return f"lr {config.learning_rates[0]:g}", layout.cell(quantity.name, ITERATIONS), quantity.name


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(config=networks(), data=st.data())
def test_any_network_sheetprop_builds_verifies_and_a_slip_in_any_layer_is_found(config, data, tmp_path_factory):
    config = short(config)
    folder = tmp_path_factory.mktemp("net")
    path = built(config, folder)
    judged_everything(config, verify(values_only(path, folder / "values.xlsx")))

    layer = data.draw(st.integers(1, len(config.network.layers) - 1), label="layer")
    title, cell, name = planted(config, layer)

    def slip(sheet, coordinate, value):
        return value * 1.01 + 0.01234567891 if (sheet, coordinate) == (title, cell) else value
    report = verify(values_only(path, folder / "slip.xlsx", edit=slip))
    assert [(f.cell, f.quantity) for f in report.findings] == [(cell, name)], report.findings[:3]
    assert report.status == 1


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(config=networks())
def test_any_network_re_saved_without_cached_values_verifies_after_recalculation(config, tmp_path_factory):
    config = short(config)
    folder = tmp_path_factory.mktemp("bare")
    report = verify(formulas_only(built(config, folder), folder / "bare.xlsx"))
    judged_everything(config, report)


def test_per_neuron_biases_named_b1_to_bn_are_the_neurons_biases_in_order(tmp_path):
    """A student names the biases of a 2-2-2 network b1…b4 (h1, h2, o1, o2), trained: more biases than
    layers, so one per neuron, hidden layer first; the same sheet with the names sheetprop writes agrees."""
    config = short(configs.parse({**WIDE, "layers": [2, 2, 2], "biases": [[0.35, 0.3], [0.6, 0.65]],
                                  "train_biases": True, "activations": ["tanh", "sigmoid"]}))
    path = built(config, tmp_path)
    student = {"b_h1": "b1", "b_h2": "b2", "b_o1": "b3", "b_o2": "b4"}

    def rename(sheet, cell, value):
        if isinstance(value, str):
            for graph_name, own in student.items():
                value = value.replace(graph_name, own)
        return value
    for copy in (values_only(path, tmp_path / "graph.xlsx"), values_only(path, tmp_path / "own.xlsx", rename)):
        report = verify(copy)
        judged_everything(config, report)
    (sheet,) = report.sheets
    assert {(name, header) for _, name, header in sheet.columns} >= {
        ("b_h1", "b1"), ("b_o2", "b4"), ("∂E/∂b_o1", "∂E/∂b3")}
    # Two biases for two layers are one per layer: the lecture blog's b1, b2 (tests/test_verify.py).


# ---------------------------------------------------------------------------------------- optimizers

@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_each_optimizer_sheetprop_writes_verifies_and_a_slip_is_found(optimizer, tmp_path):
    """The optimizer is read from its state columns (v_w1, m_w1, c1, … as its record names them; momentum
    and Nesterov, alike in their states, told apart by the updates at the rate); every state column
    is judged. The slip goes into the last row's gradient, which only the next row's state or update reads."""
    config = short(configs.parse({**WIDE, "optimizer": optimizer, "learning_rates": [0.3]}))
    path = built(config, tmp_path)
    judged_everything(config, verify(values_only(path, tmp_path / "values.xlsx")))
    graph = build_graph(config.network)
    assert graph.network.optimizer == optimizer
    assert any(q.role == "state" for q in graph.quantities) == (optimizer != "sgd")
    name = graph.gradient(graph.weights[0]).name
    cell = Layout(graph).cell(name, ITERATIONS)
    title = f"{optimizer} lr 0.3" if optimizer != "sgd" else "lr 0.3"
    sheets = openpyxl.load_workbook(path).sheetnames
    assert title in sheets, sheets

    def slip(sheet, coordinate, value):
        return value * 1.01 + 0.01234567891 if (sheet, coordinate) == (title, cell) else value
    report = verify(values_only(path, tmp_path / "slip.xlsx", edit=slip))
    assert [(f.cell, f.quantity) for f in report.findings] == [(cell, name)], report.findings[:3]


@pytest.mark.parametrize("kept", ["values", "formulas"])
@pytest.mark.parametrize("optimizer", ALIKE)
def test_momentum_and_nesterov_are_told_apart_without_a_labelled_rate(optimizer, kept, tmp_path):
    """Their states look alike; with no η label, the rate is the cell the first updates read (formulas), or
    what the weight changes imply under each (values): the other one implies no single rate."""
    config = short(configs.parse({**WIDE, "optimizer": optimizer, "learning_rates": [0.3], "iterations": 6}))
    path = built(config, tmp_path)
    value = Layout(build_graph(config.network)).param_cell("lr").replace("$", "")
    column = value.rstrip("0123456789")
    label = f"{column}{int(value[len(column):]) - 1}"  # the text above the value
    if kept == "values":
        def unlabelled(sheet, coordinate, found):
            return None if sheet != "Compare" and coordinate in (label, value) else found
        path = values_only(path, tmp_path / "unlabelled.xlsx", edit=unlabelled)
    else:
        workbook = openpyxl.load_workbook(path)
        workbook.worksheets[1][label] = None
        workbook.save(tmp_path / "unlabelled.xlsx")  # formulas only: verify recalculates them
        path = tmp_path / "unlabelled.xlsx"
    report = verify(path)
    judged_everything(config, report)
    words = report.sheets[0].learning_rate_words
    assert "inferred from the weight change" in words or kept == "formulas", words


# Sheets that read the counter: Adam's bias corrections, and mini-batches taken in turn.
COUNTED = {"adam": {**WIDE, "optimizer": "adam", "learning_rates": [0.3]},
           "mini-batches": {"name": "batches", "layers": [2, 2, 1], "inputs": [[0, 0], [0, 1], [1, 0], [1, 1]],
                            "targets": [[0], [1], [1], [0]], "seed": 1, "batch_size": 1, "learning_rates": [2.0]}}


@pytest.mark.parametrize("counting", ["from 0", "from 100", "blank", "absent"])
@pytest.mark.parametrize("network", sorted(COUNTED))
def test_a_sheet_counts_its_iterations_as_it_likes(network, counting, tmp_path):
    """The iteration is the row's place: a counter from 0 (with formulas that add 1 to it), from anywhere,
    left blank or not there at all, Adam's step and a mini-batch's turn are judged all the same."""
    config = short(configs.parse(COUNTED[network]))
    path = built(config, tmp_path)
    layout = Layout(build_graph(config.network))
    counter = {layout.cell("iteration", k): k for k in range(1, ITERATIONS + 1)}
    first = layout.cell("iteration", 1)
    column = first.rstrip("0123456789")
    headers = {f"{column}{int(first[len(column):]) - above}" for above in (1, 2)}  # its name, its group's

    def count(sheet, coordinate, value):
        if sheet == "Compare":
            return value
        if coordinate in counter:
            return {"from 0": counter[coordinate] - 1, "from 100": counter[coordinate] + 99}.get(counting)
        return None if coordinate in headers and counting == "absent" else value
    report = verify(values_only(path, tmp_path / "counted.xlsx", edit=count))
    judged_everything(config, report)
    assert any(name == "iteration" for _, name, _ in report.sheets[0].columns) == (counting != "absent")


def test_adams_step_read_from_a_counter_from_0_as_if_from_1_is_named(tmp_path):
    """The slip the counter invites: c1 = 1 − β1^(iteration − 1) with the iteration read from a counter that
    starts at 0, so one behind on every row."""
    config = short(configs.parse(COUNTED["adam"]))
    path = built(config, tmp_path)
    layout = Layout(build_graph(config.network))
    corrections = {layout.cell(name, k): (beta, k) for name, beta in (("c1", 0.9), ("c2", 0.999))
                   for k in range(1, ITERATIONS + 1)}

    def behind(sheet, coordinate, value):
        if sheet == "Compare" or coordinate not in corrections:
            return value
        beta, k = corrections[coordinate]
        return 1 - beta ** (k - 2)  # the step k − 1, from a counter that says k − 1 on iteration k
    report = verify(values_only(path, tmp_path / "behind.xlsx", edit=behind))
    found = {f.quantity: f for f in report.findings}
    assert {"c1", "c2"} <= set(found), sorted(found)
    for name in ("c1", "c2"):
        assert found[name].cell == layout.cell(name, 1) and found[name].wrong == ITERATIONS
        assert "a counter from 0 read as one from 1" in found[name].diagnosis, found[name].diagnosis


@pytest.mark.parametrize("adds_one", [True, False])
def test_adams_formulas_over_a_counter_from_0_are_judged_by_what_they_compute(adds_one, tmp_path):
    """sheetprop's Adam workbook with its counter started at 0 and saved without values (verify recalculates
    it): formulas that read the counter plus 1 are right; left as they are, they read the step one behind,
    and the formula is named for it."""
    import re

    config = short(configs.parse(COUNTED["adam"]))
    workbook = openpyxl.load_workbook(built(config, tmp_path))
    layout = Layout(build_graph(config.network))
    first = layout.cell("iteration", 1)
    column = first.rstrip("0123456789")
    sheet = workbook.worksheets[1]
    sheet[first] = "=0"
    if adds_one:
        for row in sheet.iter_rows(min_row=int(first[len(column):])):
            for cell in row[1:]:
                if isinstance(cell.value, str):
                    cell.value = re.sub(rf"(?<![A-Z$]){column}{row[0].row}(?!\d)", f"({column}{row[0].row}+1)",
                                        cell.value)
    workbook.save(tmp_path / "from-0.xlsx")
    report = verify(tmp_path / "from-0.xlsx")
    if adds_one:
        judged_everything(config, report)
        return
    found = {f.quantity: f for f in report.findings}
    assert found["c1"].cell == layout.cell("c1", 1), sorted(found)
    assert "a counter from 0 read as one from 1 (the formula is" in found["c1"].diagnosis, found["c1"].diagnosis


@pytest.mark.parametrize("name", ["lecture", "blog", "targets-half", "xor", "optimizers"])
def test_every_example_workbook_in_outputs_verifies_as_correct(name):
    """The committed example workbooks: the lecture's, biases, other targets, XOR's 2-3-1 over four examples
    with trained biases, three optimizers; every rate sheet judged, each correct."""
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "outputs" / f"{name}.xlsx"
    config = configs.load(path.parent.parent / "examples" / f"{name}.toml")
    report = verify(path)
    assert report.status == 0 and report.findings == () and report.incomplete == ()
    assert len(report.sheets) == len(config.cases)


def test_trained_biases_are_read_from_their_gradient_columns_when_no_value_changes(tmp_path):
    # A dead ReLU output layer: every gradient is 0, so no weight or bias changes from row to row; the
    # ∂E/∂b columns alone say the biases are trained (hypothesis found such a network).
    config = configs.parse({"name": "dead", "inputs": [0.05, 0.10], "targets": [0.01, 0.99],
                            "weights": [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55], "biases": [0.35, -5.0],
                            "train_biases": True, "activations": ["sigmoid", "relu"], "learning_rates": [0.5],
                            "iterations": ITERATIONS})
    path = built(config, tmp_path)
    for copy in (path, values_only(path, tmp_path / "values.xlsx")):
        report = verify(copy)
        assert report.status == 0, report.findings[:3]
        (sheet,) = report.sheets
        assert {"∂E/∂b1", "∂E/∂b2", "b1", "b2"} <= set(sheet.judged_cells), sheet.columns



def test_a_net_that_cancels_carries_its_terms_float_noise_not_a_slip(tmp_path):
    # Found by hypothesis: h2.3[6] = Σ w·a + b is 0.0023 from terms near 1, and the engine's value and the
    # definition evaluated on the sheet's cells differ by 1.1e-16, an ulp of the terms, 5e-14 of the net.
    found = json.loads((Path(__file__).parent / "sheets" / "cancelling-net.json").read_text(encoding="utf-8"))
    config = configs.Config(name="cancel", network=Network(**{k: tuple(v) if isinstance(v, list) else v
                                                              for k, v in found["network"].items()}),
                            values=found["values"], learning_rates=tuple(found["learning_rates"]),
                            iterations=ITERATIONS)
    judged_everything(config, verify(values_only(built(config, tmp_path), tmp_path / "values.xlsx")))


def test_a_deep_networks_slip_is_found_without_writing_its_chain_out_in_full(tmp_path, monkeypatch):
    """A wrong first-layer gradient of a deep, wide network: verify compares it with the definition written
    out past the chain-rule columns only while that stays as short as a person would type (READABLE_NODES);
    written out in full the chain grows with the product of the layers' widths (here thousands of nodes,
    compiled once per candidate network). Bounded by counting the nodes of the trees verify compiles."""
    from sheetprop.graph import READABLE_NODES
    from sheetprop.verify import rules

    config = short(configs.parse({**WIDE, "layers": [2, 5, 5, 5, 5, 2], "activations": "tanh"}))
    graph = build_graph(config.network)
    first = next(q for q in graph.of_role(GRADIENT) if q.layer == 1)
    assert graph.expanded_size(first.expr) > 10 * READABLE_NODES  # the chain the test is about
    from sheetprop.verify.evaluate import postorder

    forget(monkeypatch)   # no rule kept compiled from an earlier test's sheets
    compiled = []
    compile_tree = rules.compile_tree
    monkeypatch.setattr(rules, "compile_tree",
                        lambda expr: compiled.append(sum(1 for _ in postorder(expr))) or compile_tree(expr))
    path = built(config, tmp_path)
    title, cell, name = planted(config, 1)

    def slip(sheet, coordinate, value):
        return value * 1.01 + 0.01234567891 if (sheet, coordinate) == (title, cell) else value
    report = verify(values_only(path, tmp_path / "slip.xlsx", edit=slip))
    assert [(f.cell, f.quantity) for f in report.findings] == [(cell, name)] and report.status == 1
    assert compiled and max(compiled) < 4 * READABLE_NODES, max(compiled)  # nodes of the largest tree compiled
