"""Classifiers and regularisation (issue 30): softmax with cross-entropy, Huber's loss, weight decay and AdamW,
each one record, checked against PyTorch float64 and central finite differences, recalculated by three
spreadsheet engines, refused where the records say so, worked through by the walkthrough and judged by verify.

The registries' other tests take them too (test_networks draws every activation, loss and weight decay;
test_optimizers every optimizer, with and without weight decay; test_parameters λ and δ); these are what
is particular to them.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import engines
import reference
from helpers import close, run as engine_run, value
from sheetprop import config as configs
from sheetprop.compare import Case
from sheetprop.functions import ACTIVATIONS, LOSSES
from sheetprop.graph import NET, build_graph
from sheetprop.runs import Run
from sheetprop.verify import verify
from sheetprop.walkthrough.document import walkthrough
from sheetprop.walkthrough.markdown import markdown
from sheetprop.workbook.layout import Layout
from sheetprop.workbook.writer import write_workbook
from test_engines import GNUMERIC
from test_verify_networks import formulas_only, judged_everything, values_only
from test_walkthrough import evaluate, lines, printed_from

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = tomllib.loads((ROOT / "examples" / "classifier.toml").read_text(encoding="utf-8"))
# One example, soft targets (so that every cross-entropy term counts), a ReLU hidden layer and softmax.
SOFT = {"name": "soft", "layers": [3, 4, 3], "activations": ["relu", "softmax"], "loss": "cross_entropy",
        "inputs": [0.5, -0.3, 0.9], "targets": [0.2, 0.7, 0.1], "seed": 11, "biases": [0.2, 0.0],
        "learning_rates": [0.5], "iterations": 4}
# Huber's loss with outputs on both sides of δ, weight decay added to momentum's gradient.
HUBER = {"name": "huber", "layers": [2, 3, 3], "activations": ["tanh", "linear"], "loss": "huber",
         "inputs": [[0.3, 0.8], [0.9, -0.4]], "targets": [[2.5, 0.1, -0.2], [-1.5, 0.3, 0.05]], "seed": 5,
         "huber_delta": 0.4, "weight_decay": 0.05, "optimizer": "momentum", "learning_rates": [0.2], "iterations": 60}


def classifier(**changes) -> configs.Config:
    return configs.parse({**EXAMPLE, **changes})


def relu_nets_away_from_kinks(graph, row, margin=1e-3) -> bool:
    """Every net input of a ReLU neuron farther than ``margin`` from 0: a finite difference is no slope at a kink."""
    return all(abs(value(graph, row, q.name)) > margin for q in graph.of_role(NET)
               if graph.network.activations[q.layer - 1] == "relu")


# ---------------------------------------------------------------------------------------- against PyTorch

@pytest.mark.parametrize("case", [Case(o, r) for o in EXAMPLE["optimizers"] for r in EXAMPLE["learning_rates"]],
                         ids=str)
def test_the_classifier_trains_as_torch_optim_does(case):
    """Every run of examples/classifier.toml, 100 full-batch updates: E_total and every weight and bias as
    torch.optim (SGD; AdamW with its default weight decay 0.01) computes them from F.cross_entropy."""
    config = classifier()
    run = Run.of(config)
    graph = run.graph_of(case)
    rows = list(run.rows(case))
    expected = reference.trajectory(config, case.rate, config.iterations, graph.trained, case.optimizer,
                                    config.values_for(case.optimizer))
    for iteration, (row, (total, params)) in enumerate(zip(rows, expected), start=1):
        assert close(row[graph.index["E_total"]], total, 1e-10, 1e-14), (iteration, "E_total")
        for name, wanted in params.items():
            assert close(row[graph.index[name]], wanted, 1e-10, 1e-14), (iteration, name)


def test_softmax_and_cross_entropy_are_torchs_for_a_batch():
    """The outputs are torch.softmax of the net inputs; E_total is F.cross_entropy of the whole batch's net
    inputs and one-hot targets (its mean over the examples)."""
    config = classifier()
    graph, (row,) = engine_run(config, 0.1, 1)
    count, width = config.network.examples, config.network.layers[-1]
    nets = torch.tensor([[value(graph, row, f"o{k}[{e}]") for k in range(1, width + 1)] for e in range(1, count + 1)])
    targets = torch.tensor([[config.values[f"t{k}[{e}]"] for k in range(1, width + 1)] for e in range(1, count + 1)])
    outputs = torch.softmax(nets, dim=1)
    for e in range(1, count + 1):
        for k in range(1, width + 1):
            assert close(value(graph, row, f"a_o{k}[{e}]"), outputs[e - 1, k - 1].item(), 1e-12, 1e-15)
    assert close(value(graph, row, "E_total"), F.cross_entropy(nets, targets).item(), 1e-12)
    assert close(value(graph, row, "E_total"), F.cross_entropy(nets, targets.argmax(dim=1)).item(), 1e-12)


def test_softmax_stays_finite_for_large_net_inputs(tmp_path):
    """Net inputs near 1700 (EXP(710) overflows): the layer's largest is subtracted first, in the engine
    and in the workbook's formula alike, which LibreOffice recalculates to the engine's numbers."""
    # One iteration: the step that follows (rate 0.5 on gradients of hundreds) sends an output to exactly 0,
    # whose logarithm each engine reports as an error of its own kind.
    config = configs.parse({**{k: v for k, v in SOFT.items() if k != "seed"}, "iterations": 1,
                            "weights": [[[300, 200, 500]] * 4, [[1.0, 2, 0, 0], [0, 1, 1, 1], [2, 0, 0.5, 0]]]})
    graph, (row,) = engine_run(config, 0.5, 1)
    nets = torch.tensor([value(graph, row, f"o{k}") for k in (1, 2, 3)])
    assert nets.max() > 800
    for k, wanted in enumerate(torch.softmax(nets, 0), start=1):
        assert close(value(graph, row, f"a_o{k}"), wanted.item(), 1e-12, 1e-300)
    error, gradients = reference.gradients(config)
    assert close(value(graph, row, "E_total"), error, 1e-10)
    for name in graph.trained:
        assert close(value(graph, row, f"∂E/∂{name}"), gradients[name], 1e-10, 1e-14), name
    assert "MAX(" in Layout(graph).formula("a_o1", 2)
    path = tmp_path / "large.xlsx"
    write_workbook(path, Run.of(config))
    assert engines.libreoffice_mismatches(path, tmp_path) == []


def test_a_softmax_layer_of_one_output_is_torchs_and_written_without_max():
    """A softmax over one output is 1 whatever its net input (torch.softmax agrees), so nothing is learnt; its
    definition subtracts the net input itself, not max(o1), a call of one argument that says nothing (and
    that a reader of the walkthrough's text takes for Python's max of a number)."""
    config = configs.parse({"layers": [2, 3, 1], "activations": ["tanh", "softmax"], "loss": "cross_entropy",
                            "inputs": [0.4, -0.2], "targets": [1.0], "seed": 3, "learning_rates": [0.5],
                            "iterations": 2})
    graph, (row,) = engine_run(config, 0.5, 1)
    net = torch.tensor([value(graph, row, "o1")])
    assert close(value(graph, row, "a_o1"), torch.softmax(net, 0).item(), 1e-12, 1e-15)
    _, gradients = reference.gradients(config)
    for name in graph.trained:
        assert close(value(graph, row, f"∂E/∂{name}"), gradients[name], 1e-10, 1e-14), name
    assert "max" not in graph["a_o1"].math() and "MAX(" not in Layout(graph).formula("a_o1", 2)


@pytest.mark.parametrize("iteration", [1, 40])
def test_the_classifiers_gradients_are_autograds_and_the_slopes_of_e_total(iteration):
    """At the initial weights and at those 40 SGD updates made: each gradient as autograd computes it (rel
    1e-10) and as central differences measure it (rel 1e-6), away from every ReLU kink."""
    config = classifier()
    graph, rows = engine_run(config, 0.5, iteration)
    row = rows[-1]
    values = dict(config.values, **{name: value(graph, row, name) for name in graph.trained})
    _, expected = reference.gradients(config, values)
    assert relu_nets_away_from_kinks(graph, row)
    for name in graph.trained:
        mine = value(graph, row, f"∂E/∂{name}")
        assert close(mine, expected[name], 1e-10, 1e-14), name
        assert close(mine, reference.finite_difference(config, name, values), 1e-6, 1e-12), name


def test_huber_is_torchs_on_both_sides_of_delta_with_weight_decay():
    """F.huber_loss(delta=0.4): outputs both within δ of their targets and beyond it; 60 updates of
    momentum with weight decay 0.05 (torch.optim.SGD's weight_decay) equal torch's, the gradients the
    finite differences' too."""
    config = configs.parse(HUBER)
    graph, rows = engine_run(config, 0.2, 60)
    gaps = [abs(value(graph, rows[0], f"a_o{k}[{e}]") - config.values[f"t{k}[{e}]"]) for k in (1, 2, 3) for e in (1, 2)]
    assert min(gaps) < 0.4 < max(gaps)
    error, gradients = reference.gradients(config)
    assert close(value(graph, rows[0], "E_total"), error, 1e-12)
    for name in graph.trained:
        assert close(value(graph, rows[0], f"∂E/∂{name}"), gradients[name], 1e-10, 1e-14), name
        assert close(value(graph, rows[0], f"∂E/∂{name}"), reference.finite_difference(config, name), 1e-6), name
    for row, (total, params) in zip(rows, reference.trajectory(config, 0.2, 60, graph.trained, "momentum")):
        assert close(value(graph, row, "E_total"), total, 1e-10, 1e-14)
        assert all(close(value(graph, row, n), v, 1e-10, 1e-14) for n, v in params.items())


# ---------------------------------------------------------------------------------------- the config's rules

@pytest.mark.parametrize("changes, message", [
    ({"activations": ["relu", "sigmoid"]},
     "key 'loss': cross_entropy needs outputs that form a probability distribution; set the last activation to softmax"),
    ({"targets": [[1, 0, 0]] * 5 + [[0, 1, 1]]},
     "key 'targets': cross_entropy compares probability distributions, but in example 6 the targets sum to 2; "
     "give targets from 0 to 1, each example's summing to 1, or use loss = \"half_sse\""),
    ({"loss": "half_sse", "targets": [[1, 0, 0]] * 5 + [[0, 0.5, 0]]},
     "key 'targets': softmax outputs probability distributions, but in example 6 the targets sum to 0.5; "
     "give targets from 0 to 1, each example's summing to 1, or set another last activation"),
    ({"weight_decay": -0.01}, "key 'weight_decay': weight_decay = -0.01 is outside [0, ∞); give a value in that range"),
    ({"huber_delta": 1.0}, "key 'huber_delta': belongs to huber, not to cross_entropy; remove it or choose that loss"),
    ({"loss": "huber", "huber_delta": 0}, "key 'huber_delta': delta = 0.0 is outside (0, ∞); give a value in that range"),
])
def test_a_config_the_records_refuse_gets_one_line_naming_the_fix(changes, message):
    with pytest.raises(configs.ConfigError) as raised:
        classifier(**changes)
    assert raised.value.problems == (message,)


def test_every_loss_that_needs_an_output_activation_says_so_from_its_record():
    for name, loss in LOSSES.items():
        for activation in ACTIVATIONS:
            if loss.outputs and activation != loss.outputs:
                with pytest.raises(configs.ConfigError, match=f"set the last activation to {loss.outputs}"):
                    configs.parse({**SOFT, "loss": name, "activations": ["relu", activation]})


# ---------------------------------------------------------------------------------------- the workbook

def test_the_classifier_workbook_is_recalculated_to_the_engines_numbers(tmp_path):
    """examples/classifier.toml's workbook, 20 iterations of each run: LibreOffice and Gnumeric (every
    loss, activation and optimizer goes through all three engines in test_engines.py)."""
    config = dataclasses.replace(classifier(), iterations=20)
    path = tmp_path / "classifier.xlsx"
    write_workbook(path, Run.of(config))
    assert engines.libreoffice_mismatches(path, tmp_path) == []
    assert engines.gnumeric_mismatches(path, tmp_path, **GNUMERIC) == []


# ---------------------------------------------------------------------------------------- the walkthrough

def test_the_walkthrough_works_the_general_chain_and_its_collapse_to_a_minus_t():
    config = configs.parse(SOFT)
    graph = build_graph(config.network)
    text = markdown(walkthrough(config, graph, None), {})
    first = list(Run.of(config).rows(0.5))[0]
    values = {q.name: first[i] for i, q in enumerate(graph.quantities)}
    # The general chain: δ through the Jacobian's row, numbers and result the engine's.
    general = next(line for line in lines(text) if line.startswith("∂E/∂o1 = ∂E/∂a_o1·∂a_o1/∂o1 − ∂E/∂a_o2·a_o2·a_o1"))
    assert printed_from(values["∂E/∂o1"], general.split(" = ")[-1])
    # The collapse, each output's δ as a − t, the engine's δ to the digits shown.
    assert "∂a_k/∂z_j = a_k·(δ_kj − a_j)" in text and "∂E/∂z_k = a_k − t_k" in text
    for k in (1, 2, 3):
        line = next(l for l in lines(text) if l.startswith(f"∂E/∂o{k} = a_o{k} − t{k} = "))
        assert printed_from(values[f"∂E/∂o{k}"], line.split(" = ")[-1])
        assert math.isclose(evaluate(f"a_o{k} − t{k}", values), values[f"∂E/∂o{k}"], rel_tol=1e-12, abs_tol=1e-15)


def test_a_decayed_update_shows_lambda_in_the_walkthrough():
    config = configs.parse(HUBER)
    text = markdown(walkthrough(config, build_graph(config.network), None), {})
    assert "v ← μ·v + ∂E/∂w + λ·w" in text and "λ = 0.05" in text and "δ = 0.4" in text


# ---------------------------------------------------------------------------------------- verify

@pytest.fixture(scope="module", params=["adamw", "sgd, weight decay"])
def own(request, tmp_path_factory):
    """sheetprop's own workbook of the classifier, one run: AdamW, or SGD with weight decay in the gradient."""
    changes = {"optimizers": ["adamw"], "learning_rates": [0.1]} if request.param == "adamw" else \
        {"optimizers": ["sgd"], "learning_rates": [0.5], "weight_decay": 0.02}
    config = classifier(iterations=4, **changes)
    folder = tmp_path_factory.mktemp("own")
    path = folder / "own.xlsx"
    write_workbook(path, Run.of(config))
    return config, path


@pytest.mark.parametrize("copy", [None, values_only, formulas_only])
def test_sheetprops_own_classifier_verifies_with_and_without_its_cached_values(own, copy, tmp_path):
    config, path = own
    report = verify(path if copy is None else copy(path, tmp_path / "copy.xlsx"))
    judged_everything(config, report)
    assert any(note.startswith("weight_decay = ") for note in report.sheets[0].notes)


def test_a_softmax_sheet_that_writes_delta_as_a_minus_t_verifies(soft, tmp_path):
    """As by hand ("AI by hand"): no ∂E/∂a and no slope columns, each output's δ typed as a − t. Its outputs
    are softmax's and its δ cross-entropy's together; a linear output with half_sse gives the same δ but
    not the outputs, and is not taken for it."""
    import openpyxl

    config, path = soft
    copy = values_only(path, tmp_path / "values.xlsx")
    book = openpyxl.load_workbook(copy)
    sheet = book["lr 0.5"]
    headers = {sheet.cell(6, c).value: c for c in range(1, sheet.max_column + 1)}
    for column in sorted((c for name, c in headers.items() if isinstance(name, str)
                          and name.startswith(("∂E/∂a_o", "∂a_o"))), reverse=True):
        sheet.delete_cols(column)
    book.save(tmp_path / "by-hand.xlsx")
    report = verify(tmp_path / "by-hand.xlsx")
    assert report.findings == () and report.status == 0, report.findings[:3]
    judged = report.sheets[0].judged_cells
    assert all(judged[f"a_o{k}"] == config.iterations and judged[f"∂E/∂o{k}"] == config.iterations for k in (1, 2, 3))


# How a student slips in a softmax sheet: each as the formula typed in one cell of the last row (``at``
# gives a quantity's cell in that row), and the words verify names it by.
SLIPS = {
    "the Jacobian's diagonal alone": ("∂E/∂o1", lambda at: f"={at('∂E/∂a_o1')}*{at('∂a_o1/∂o1')}"),
    "the net input o2 in place of the softmax output a_o2": ("∂E/∂o2", lambda at: f"={at('o2')}-{at('t2')}"),
    "the minus sign of −t1 left out": ("E1", lambda at: f"={at('t1')}*LN({at('a_o1')})"),
}


@pytest.fixture(scope="module")
def soft(tmp_path_factory):
    config = configs.parse(SOFT)
    path = tmp_path_factory.mktemp("soft") / "soft.xlsx"
    write_workbook(path, Run.of(config))
    return config, path


@pytest.mark.parametrize("stored", ["formulas", "values"])
@pytest.mark.parametrize("slip", list(SLIPS))
def test_a_planted_slip_in_a_softmax_sheet_is_named(soft, slip, stored, tmp_path):
    """One cell of the last row typed as a student slips, the sheet recalculated (by verify, from formulas
    without cached values; or by LibreOffice, then kept as values only): verify names that cell and the slip."""
    import openpyxl

    from sheetprop.libreoffice import recalculate

    config, path = soft
    name, formula = SLIPS[slip]
    layout = Layout(build_graph(config.network))
    cell = layout.cell(name, config.iterations)
    book = openpyxl.load_workbook(path)
    book["lr 0.5"][cell] = formula(lambda quantity: layout.cell(quantity, config.iterations))
    slipped = tmp_path / "slip.xlsx"
    book.save(slipped)  # openpyxl keeps no cached value: every formula is to be recalculated
    if stored == "values":
        slipped = values_only(recalculate(slipped, tmp_path / "lo"), tmp_path / "values.xlsx")
    report = verify(slipped)
    assert [(f.cell, f.quantity) for f in report.findings] == [(cell, name)], report.findings[:3]
    assert slip in report.findings[0].diagnosis, report.findings[0].diagnosis


# ---------------------------------------------------------------------------------------- exercise and grade

def filled_with_the_answers_formulas(path, config, slip: dict | None = None) -> None:
    """Type into every empty cell of the exercise the answer workbook's own formula (``slip``: a quantity's
    formula at the last iteration replaced, given its cells as ``at``)."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    run = Run.of(config)
    for sheet, case in zip(book.worksheets, config.cases):
        layout = Layout(run.graph_of(case))
        for iteration in range(1, config.iterations + 1):
            for name, formula in zip(layout.graph.index, layout.formulas(iteration)):
                cell = layout.cell(name, iteration)
                if sheet[cell].value is None:
                    sheet[cell] = formula
        for name, formula in (slip or {}).items():
            sheet[layout.cell(name, config.iterations)] = formula(lambda q: layout.cell(q, config.iterations))
    book.save(path)


def test_a_softmax_exercise_filled_in_is_graded_correct_and_a_slip_is_named(tmp_path):
    """``sheetprop exercise`` of the soft-target classifier, filled in as the answer does (and once with the
    Jacobian's diagonal alone): grade finds the first correct and names the slip of the second."""
    import shutil

    from sheetprop.exercise import build_exercise
    from sheetprop.grade import grade_folder

    config = configs.parse(SOFT)
    (exercise,) = build_exercise(config, tmp_path / "made")
    folder = tmp_path / "class"
    folder.mkdir()
    for name, slip in (("ann.xlsx", None), ("bob.xlsx", {"∂E/∂o1": SLIPS["the Jacobian's diagonal alone"][1]})):
        shutil.copy(exercise, folder / name)
        filled_with_the_answers_formulas(folder / name, config, slip)
    ann, bob = grade_folder(folder, config, workers=1)
    assert (ann.status, bob.status) == ("correct", "wrong"), (ann, bob)
    assert bob.wrong[0] == "∂E/∂o1" and "Jacobian's diagonal alone" in bob.diagnosis, bob
