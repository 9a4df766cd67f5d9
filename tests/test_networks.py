"""Any dense network: random shapes, activations, losses, biases and batches against PyTorch and finite differences."""

import math

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import reference
from helpers import close, run, value
from sheetprop import config as configs
from sheetprop.functions import ACTIVATIONS, LOSSES
from sheetprop.graph import ACT, NET, build_graph
from sheetprop.legend import BIAS_MODES
from sheetprop.optimizers import WEIGHT_DECAY
from sheetprop.parameters import PARAMETERS

numbers = st.floats(min_value=-2, max_value=2, allow_nan=False).map(lambda x: round(x, 6))
weights = st.floats(min_value=-1, max_value=1, allow_nan=False).map(lambda x: round(x, 6))
unit = st.floats(min_value=0.02, max_value=0.98).map(lambda x: round(x, 6))


def distribution(values: list[float]) -> list[float]:
    """``values`` scaled to add up to 1, rounded, the last making the sum 1."""
    shares = [round(v / sum(values), 6) for v in values[:-1]]
    return [*shares, 1 - math.fsum(shares)]


@st.composite
def networks(draw):
    """A random config: up to 4 layers of 1-6 neurons, every activation and loss of the registries (the
    output activation a loss's record needs, targets its rules take), biases, 1-8 examples, weight decay."""
    layers = draw(st.lists(st.integers(1, 6), min_size=2, max_size=4))
    loss = draw(st.sampled_from(sorted(LOSSES)))
    activations = draw(st.lists(st.sampled_from(sorted(ACTIVATIONS)), min_size=len(layers) - 1, max_size=len(layers) - 1))
    activations[-1] = LOSSES[loss].outputs or activations[-1]
    layers[1:] = [max(2, n) if ACTIVATIONS[f].layer else n for f, n in zip(activations, layers[1:])]  # softmax of 1: refused
    count = draw(st.integers(1, 8))
    targets = [draw(st.lists(unit, min_size=layers[-1], max_size=layers[-1])) for _ in range(count)]
    if any(rule.total for _, _, rule, _ in configs.target_rules(loss, activations[-1])):
        targets = [distribution(example) for example in targets]
    data = {
        "layers": layers, "activations": activations, "loss": loss,
        "inputs": [draw(st.lists(numbers, min_size=layers[0], max_size=layers[0])) for _ in range(count)],
        "targets": targets,
        "weights": [[draw(st.lists(weights, min_size=before, max_size=before)) for _ in range(after)]
                    for before, after in zip(layers, layers[1:])],
        "batch_size": draw(st.integers(1, count)),
        "learning_rates": [draw(st.sampled_from([0.05, 0.1, 0.3]))],
        "iterations": 50,
    }
    bias_mode = draw(st.sampled_from(BIAS_MODES))
    if bias_mode == "layer":
        data["biases"] = draw(st.lists(numbers, min_size=len(layers) - 1, max_size=len(layers) - 1))
    elif bias_mode == "neuron":
        data["biases"] = [draw(st.lists(numbers, min_size=n, max_size=n)) for n in layers[1:]]
    if bias_mode != "none":
        data["train_biases"] = draw(st.booleans())
    for name in LOSSES[loss].parameters:  # a loss's parameter (Huber's δ) away from its default too
        record = PARAMETERS[name]
        data[record.key] = draw(st.sampled_from([record.default, record.default / 4, record.default * 3]))
    if draw(st.booleans()):
        data[PARAMETERS[WEIGHT_DECAY].key] = draw(st.sampled_from([0.0, 0.01, 0.2]))
    return configs.parse(data)


def _away_from_relu_kinks(config, graph, row, margin=1e-3) -> bool:
    relu_nets = {q.name for q, nxt in zip(graph.quantities, graph.quantities[1:])
                 if q.role == NET and nxt.role == ACT and "relu" in nxt.words}
    return all(abs(value(graph, row, name)) > margin for name in relu_nets)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_gradients_match_autograd_and_finite_differences(config):
    graph, rows = run(config, config.learning_rates[0], 1)
    full_batch = config.network.batch_size == 0
    error, expected = reference.gradients(config)
    assert close(value(graph, rows[0], "E_total"), error, rel=1e-10, abs_=1e-14)
    for name in graph.trained:
        if full_batch:
            assert close(value(graph, rows[0], f"∂E/∂{name}"), expected[name], rel=1e-10, abs_=1e-14), name
    if full_batch and _away_from_relu_kinks(config, graph, rows[0]):
        for name in graph.trained:
            assert close(value(graph, rows[0], f"∂E/∂{name}"), reference.finite_difference(config, name),
                         rel=1e-6, abs_=1e-9), name


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_fifty_iterations_match_torch_sgd(config):
    lr = config.learning_rates[0]
    graph, rows = run(config, lr, 50)
    expected = reference.trajectory(config, lr, 50, graph.trained)
    # A run that blows up amplifies every rounding difference; compare runs that stay bounded.
    assume(all(math.isfinite(error) and error < 1e3 for error, _ in expected))
    for iteration, (row, (error, params)) in enumerate(zip(rows, expected), start=1):
        assert close(value(graph, row, "E_total"), error, rel=1e-10, abs_=1e-14), iteration
        for name in graph.trained:
            assert close(value(graph, row, name), params[name], rel=1e-10, abs_=1e-14), (iteration, name)


def test_mini_batches_cycle_through_the_examples():
    data = {"layers": [1, 1], "inputs": [[1.0], [2.0], [3.0]], "targets": [[0.2], [0.4], [0.6]],
            "weights": [0.3], "batch_size": 2, "learning_rates": [0.5], "iterations": 5}
    config = configs.parse(data)
    graph, rows = run(config, 0.5, 5)
    expected = reference.trajectory(config, 0.5, 5, graph.trained)
    assert all(close(value(graph, r, "w1"), p["w1"], rel=1e-12) for r, (_, p) in zip(rows, expected))
    assert "CHOOSE" not in graph["∂E/∂w1"].math()
    assert not math.isclose(value(graph, rows[1], "w1"), value(graph, run(
        configs.parse({**data, "batch_size": 3}), 0.5, 2)[1][1], "w1"))


def test_names_for_deeper_networks():
    graph = build_graph(configs.parse({"layers": [2, 3, 2, 1], "inputs": [0.1, 0.2], "targets": [0.5],
                                       "seed": 1}).network)
    names = [q.name for q in graph.quantities]
    assert names[:3] == ["iteration", "i1", "i2"]
    assert "h1.3" in names and "a_h2.2" in names and "∂E/∂w14" in names and "∂E/∂w15" not in names
