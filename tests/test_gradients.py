"""Every gradient the engine computes, against PyTorch autograd and central finite differences."""

import math
import tomllib

import pytest

import reference
from helpers import close, run, value
from sheetprop import config as configs


@pytest.fixture(scope="module")
def variants(lecture, blog, targets_half):
    with open(blog.source, "rb") as handle:
        trained_biases = configs.parse({**tomllib.load(handle), "train_biases": True})
    return {"lecture": lecture, "blog": blog, "targets-half": targets_half, "blog, trained biases": trained_biases}


@pytest.mark.parametrize("variant", ["lecture", "blog", "targets-half", "blog, trained biases"])
def test_gradients_match_autograd_and_finite_differences(variants, variant):
    config = variants[variant]
    graph, rows = run(config, 0.5, 1)
    error, expected = reference.gradients(config)
    assert close(value(graph, rows[0], "E_total"), error, rel=1e-12)
    for name in graph.trained:
        mine = value(graph, rows[0], f"∂E/∂{name}")
        assert close(mine, expected[name], rel=1e-10, abs_=1e-14), (name, mine, expected[name])
        assert close(mine, reference.finite_difference(config, name), rel=1e-6), name


@pytest.mark.parametrize("variant", ["lecture", "blog", "blog, trained biases"])
@pytest.mark.parametrize("lr", [0.1, 0.5, 2.0])
def test_trajectory_matches_torch_sgd(variants, variant, lr):
    config = variants[variant]
    graph, rows = run(config, lr, 201)
    expected = reference.trajectory(config, lr, 201, graph.trained)
    for row, (error, params) in zip(rows, expected):
        assert close(value(graph, row, "E_total"), error, rel=1e-10, abs_=1e-14)
        for name in graph.trained:
            assert close(value(graph, row, name), params[name], rel=1e-10, abs_=1e-14), name


def test_gradients_at_later_iterations_match_autograd(lecture):
    """Gradients on row 50 are those of the weights on row 50."""
    graph, rows = run(lecture, 1.0, 50)
    row = rows[-1]
    values = dict(lecture.values, **{name: value(graph, row, name) for name in graph.trained})
    _, expected = reference.gradients(lecture, values)
    for name in graph.trained:
        assert close(value(graph, row, f"∂E/∂{name}"), expected[name], rel=1e-10, abs_=1e-14)


def test_finite_difference_oracle_is_sensitive(lecture):
    """The oracle would notice a gradient off by one part in a million."""
    graph, rows = run(lecture, 0.5, 1)
    mine = value(graph, rows[0], "∂E/∂w1")
    assert not close(mine * (1 + 3e-6), reference.finite_difference(lecture, "w1"), rel=1e-6)
    assert math.isfinite(mine)


def test_header_notes_write_chains_out_only_while_readable():
    from sheetprop.graph import Network, build_graph

    lecture_like, deep = build_graph(Network(layers=(2, 3, 3, 2))), build_graph(Network(layers=(2, 30, 30, 30, 2)))
    note = lecture_like["∂E/∂w1"].note(lecture_like).splitlines()
    assert len(note) == 3 and note[2].count("a_o1·(1 − a_o1)") == 3  # one path per neuron of the second layer
    note = deep["∂E/∂w1"].note(deep).splitlines()
    assert note == [note[0], "∂E/∂w1 = ∂E/∂h1.1·i1"]  # 27,000 paths: the definition alone


@pytest.mark.parametrize("layers", [(2, 2, 2), (2, 3, 3, 2), (3, 4, 4, 4, 2)])
def test_expansion_is_measured_without_being_written_out(layers):
    from sheetprop.expr import size, substitute
    from sheetprop.graph import Network, build_graph

    graph = build_graph(Network(layers=layers, biases="neuron", train_biases=True))
    for quantity in graph.quantities:
        written = substitute(quantity.expr, graph.chain_definition)
        while written != (again := substitute(written, graph.chain_definition)):
            written = again
        assert graph.expanded_size(quantity.expr) == size(written), quantity.name
