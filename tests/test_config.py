"""The config's habits: every problem of a file in one run, names in any case, near names suggested.

The names come from the registries (activations, losses, optimizers, config keys), so a new record is
covered by adding it.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from sheetprop import config as configs
from sheetprop.functions import ACTIVATIONS, LOSSES
from sheetprop.optimizers import OPTIMIZERS

BASE = {"inputs": [0.05, 0.10], "targets": [0.01, 0.99], "weights": [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]}
# Each registry a config names from, with the key that names it and what it is called in messages.
CHOICES = [("activations", ACTIVATIONS, "activation"), ("loss", LOSSES, "loss"), ("optimizer", OPTIMIZERS, "optimizer")]


def problems(data: dict) -> tuple[str, ...]:
    with pytest.raises(configs.ConfigError) as raised:
        configs.parse(data)
    return raised.value.problems


def test_every_problem_of_a_config_in_one_error():
    """Two unknown keys, a bad name, a value out of range and a broken list: all five, one line each."""
    found = problems({**BASE, "learning_rate": [0.5], "iteratons": 5, "activations": "sigmod", "optimizer": "adam",
                      "betas": [0.9, 1.0], "weights": [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, "x"]})
    assert [p.split(";")[0].split(":")[0] for p in found] == [
        "unknown key 'learning_rate'", "unknown key 'iteratons'", "key 'activations'", "key 'betas'", "key 'weights'"]
    assert all("\n" not in p for p in found)


def test_problems_that_need_another_key_wait_for_it():
    """A key whose check needs a broken one is not judged on a guess: no second line from the first fault."""
    (found,) = problems({**BASE, "inputs": "x"})
    assert found.startswith("key 'inputs'")


@pytest.mark.parametrize("key, known, kind", CHOICES)
def test_names_are_taken_in_any_case(key, known, kind):
    assert len({name.casefold() for name in known}) == len(known)  # nothing is lost by folding the case
    for name in known:
        needs = LOSSES[name].outputs if key == "loss" else None  # the output activation its record needs
        extra = {"activations": needs} if needs else {}
        for spelled in (name.upper(), name.title(), f" {name} "):
            config = configs.parse({**BASE, **extra, key: spelled})
            chosen = {"activations": config.network.activations[0], "loss": config.network.loss,
                      "optimizer": config.optimizers[0]}[key]
            assert chosen == name, spelled


@pytest.mark.parametrize("key, known, kind", CHOICES)
def test_a_misspelt_name_suggests_the_near_one(key, known, kind):
    for name in known:
        misspelt = name[:-1] + ("x" if name[-1] != "x" else "y") if len(name) > 3 else name + "x"
        (found,) = problems({**BASE, key: misspelt})
        assert found.startswith(f"key '{key}': unknown {kind} {misspelt!r}; did you mean ") and f"'{name}'" in found


def test_a_misspelt_key_suggests_the_near_one():
    for key in configs.keys():
        misspelt = key.upper() if key != key.upper() else key + "x"
        found = problems({**BASE, misspelt: 1})
        assert f"unknown key '{misspelt}'; did you mean '{key}'" in found[0], found


def test_nothing_near_lists_the_choices():
    (found,) = problems({**BASE, "loss": "zzzz"})
    assert found == f"key 'loss': unknown loss 'zzzz'; use one of {', '.join(LOSSES)}"


def test_the_command_line_prints_every_problem_of_every_file_and_writes_nothing(tmp_path):
    base = "".join(f"{k} = {v}\n" for k, v in BASE.items())
    (tmp_path / "one.toml").write_text(base + "learning_rate = [0.5]\niteratons = 5\n", encoding="utf-8")
    (tmp_path / "two.toml").write_text(base + 'loss = "msx"\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "sheetprop", "build", "one.toml", "two.toml", "--out", "out"],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "sheetprop: error: one.toml: unknown key 'learning_rate'; did you mean 'learning_rates'?",
        "sheetprop: error: one.toml: unknown key 'iteratons'; did you mean 'iterations' or 'activations'?",
        "sheetprop: error: two.toml: key 'loss': unknown loss 'msx'; did you mean 'mse'?",
    ]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("module, apart", [("sheetprop.config", "sheetprop.workbook"),
                                           ("sheetprop.workbook.layout", "sheetprop.config"),
                                           ("sheetprop.limits", "sheetprop.")])
def test_the_config_and_the_workbook_share_their_limits_without_importing_each_other(module, apart):
    """config and the workbook's layout both read the spreadsheet's limits from ``limits``, which imports
    nothing of sheetprop: neither imports the other."""
    code = (f"import sys, {module}; print(sorted(m for m in sys.modules if m.startswith({apart!r}) "
            f"and m not in ({module!r}, 'sheetprop')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
