"""The shipped examples do what they say, checked against PyTorch."""

import pytest

import reference
from helpers import close, run, value
from sheetprop import config as configs
from sheetprop.outputs import build


def test_xor_learns_exclusive_or(tmp_path):
    config = configs.load(reference.ROOT / "examples" / "xor.toml")
    assert config.network.examples == 4 and config.network.layers[-1] == 1
    rate = max(config.learning_rates)
    graph, rows = run(config, rate)
    expected = reference.trajectory(config, rate, config.iterations, graph.trained)
    assert close(value(graph, rows[-1], "E_total"), expected[-1][0], rel=1e-10)
    for e, target in enumerate([0, 1, 1, 0], start=1):
        assert abs(value(graph, rows[-1], f"a_o1[{e}]") - target) < 0.1


@pytest.mark.parametrize("layers, message", [
    ([2, 3000, 2], "columns per sheet"),
    ([900, 2, 2], "characters"),
])
def test_networks_a_spreadsheet_cannot_hold_are_refused(layers, message, tmp_path):
    config = configs.parse({"layers": layers, "inputs": [0.5] * layers[0], "targets": [0.1, 0.2], "seed": 1})
    with pytest.raises(configs.ConfigError, match=message):
        build(config, tmp_path / "out")
    assert not (tmp_path / "out").exists()
