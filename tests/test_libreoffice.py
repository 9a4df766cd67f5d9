"""LibreOffice recalculates the generated workbook and lands on the engine's numbers.

The recalculation is forced: a deliberately wrong formula (with a correct cached value) is caught, and
an edited learning rate flows through every formula to the engine's numbers for that rate.
"""

import re

import pytest

from helpers import run, workbook_mismatches
from sheetprop.outputs import build
from sheetprop.libreoffice import recalculate
from sheetprop.workbook.layout import Layout
from xlsx_patch import patch_cell


@pytest.fixture(scope="module")
def lecture_build(lecture, tmp_path_factory):
    return build(lecture, tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="module")
def blog_build(blog, tmp_path_factory):
    return build(blog, tmp_path_factory.mktemp("build"))


@pytest.mark.parametrize("which", ["lecture_build", "blog_build"])
def test_recalculation_equals_engine(which, request, tmp_path):
    result = request.getfixturevalue(which)
    recalculated = recalculate(result.workbook, tmp_path)
    assert workbook_mismatches(result.workbook, recalculated) == []


def test_a_wrong_formula_is_caught(lecture, lecture_build, tmp_path):
    graph, _ = run(lecture, 0.5, 1)
    target = Layout(graph).cell("∂E/∂w5", iteration=10)
    broken = tmp_path / "broken.xlsx"
    # w5's gradient made four times too large in one cell, its cached value left as it was.
    patch_cell(lecture_build.workbook, broken, "lr 0.5", target,
               lambda xml: re.sub(r"<f>([A-Z]+\d+)\*([A-Z]+\d+)</f>", r"<f>\1*\2*4</f>", xml))
    recalculated = recalculate(broken, tmp_path / "lo")
    problems = workbook_mismatches(lecture_build.workbook, recalculated)
    on_sheet = [p for p in problems if p.startswith("lr 0.5!")]
    assert on_sheet and on_sheet[0].startswith(f"lr 0.5!{target} ")
    assert all(p.startswith(("lr 0.5!", "Compare!")) for p in problems)


def test_editing_the_learning_rate_recalculates_the_sheet(lecture, lecture_build, tmp_path):
    """Change the lr cell of sheet 'lr 0.5' to 0.3: every formula then shows the engine's numbers for 0.3."""
    edited = tmp_path / "edited.xlsx"
    patch_cell(lecture_build.workbook, edited, "lr 0.5", "A4", lambda xml: xml.replace("<v>0.5</v>", "<v>0.3</v>"))
    recalculated = recalculate(edited, tmp_path / "lo")

    import openpyxl

    sheet = openpyxl.load_workbook(recalculated, data_only=True)["lr 0.5"]
    graph, rows = run(lecture, 0.3, lecture.iterations)
    layout = Layout(graph)
    for iteration in (1, 2, 100, lecture.iterations):
        for quantity in graph.quantities:
            got = sheet[layout.cell(quantity.name, iteration)].value
            want = rows[iteration - 1][graph.index[quantity.name]]
            assert got == pytest.approx(want, rel=1e-12, abs=1e-15), (quantity.name, iteration)
    assert sheet[layout.cell("w5", 2)].value != pytest.approx(run(lecture, 0.5, 2)[1][1][graph.index["w5"]])


def test_deeper_batch_workbook_recalculation_equals_engine(tmp_path):
    """A 2-3-3-2 tanh/tanh/sigmoid network, per-neuron trained biases, a batch of 4 examples."""
    from sheetprop import config as configs

    config = configs.parse({
        "name": "deep", "layers": [2, 3, 3, 2], "activations": ["tanh", "tanh", "sigmoid"],
        "inputs": [[0.05, 0.10], [0.9, -0.3], [-0.5, 0.5], [1.0, 1.0]],
        "targets": [[0.01, 0.99], [0.5, 0.2], [0.9, 0.1], [0.3, 0.7]],
        "seed": 7, "biases": [[0.1, -0.1, 0.2], [0.0, 0.3, -0.2], [0.35, 0.6]], "train_biases": True,
        "learning_rates": [0.5, 2.0], "iterations": 60,
    })
    result = build(config, tmp_path / "build")
    recalculated = recalculate(result.workbook, tmp_path / "lo")
    assert workbook_mismatches(result.workbook, recalculated) == []
