"""Optimizers: every trajectory equals torch.optim's in float64; the workbook carries their state as live
formulas that LibreOffice recalculates to the engine's numbers, hyperparameter cells included; configs
that name a hyperparameter of another optimizer, or one out of range, are refused before anything is written."""

from __future__ import annotations

import subprocess
import sys

import openpyxl
import pytest

import reference
from helpers import close, workbook_mismatches
from sheetprop import config as configs
from sheetprop.compare import Case
from sheetprop.libreoffice import recalculate
from sheetprop.optimizers import OPTIMIZERS
from sheetprop.outputs import build
from sheetprop.runs import Run
from sheetprop.workbook.layout import Layout
from xlsx_patch import patch_cell

LECTURE = dict(inputs=[0.05, 0.10], targets=[0.01, 0.99], weights=[0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55])
NETWORKS = {
    "lecture": LECTURE,
    # the blog's biases, trained too
    "biases trained": dict(LECTURE, biases=[0.35, 0.60], train_biases=True),
    # four examples in mini-batches of two, a tanh hidden layer of three, a bias per neuron
    "mini-batches": dict(inputs=[[0, 0], [0, 1], [1, 0], [1, 1]], targets=[[0], [1], [1], [0]], layers=[2, 3, 1],
                         activations=["tanh", "sigmoid"], seed=3, biases=[[0.1, -0.2, 0.05], [0.3]],
                         train_biases=True, batch_size=2),
}
# Hyperparameters away from the defaults, so that a formula reading the wrong cell would show.
SETTINGS = dict(momentum={"momentum": 0.8}, nesterov={"momentum": 0.7}, rmsprop={"alpha": 0.9, "eps": 1e-6},
                adam={"betas": [0.8, 0.99], "eps": 1e-7}, adamw={"betas": [0.8, 0.99], "eps": 1e-7, "weight_decay": 0.05},
                sgd={})

# Rates each optimizer is used with. RMSprop steps every weight by about η whatever its gradient: at
# η = 0.3 its weights jump about chaotically, and any two float64 computations part after ~150 steps.
RATES = dict(sgd=0.5, momentum=0.3, nesterov=0.3, rmsprop=0.01, adam=0.1, adamw=0.1)
# Weight decay as torch.optim adds it to the gradient (L2), for each optimizer that has it so; AdamW's is its own.
DECAYED = [name for name, optimizer in OPTIMIZERS.items() if optimizer.decay == "l2"]
# Near the decayed loss's minimum RMSprop's gradient changes sign from step to step and each step is about
# η whatever the gradient's size: two float64 computations part there (after about 60 updates at λ = 0.05,
# 150 at λ = 0.001; plain RMSprop does not get there in 200). Its decayed run is compared before that.
DECAY = dict(rmsprop=0.001)
DECAYED_ITERATIONS = dict(rmsprop=100)


def config_of(network: str, optimizer: str, **extra) -> configs.Config:
    return configs.parse({**NETWORKS[network], "optimizer": optimizer, **SETTINGS[optimizer], **extra})


@pytest.mark.parametrize("network", NETWORKS)
@pytest.mark.parametrize("optimizer, decay", [(name, None) for name in OPTIMIZERS]
                         + [(name, DECAY.get(name, 0.05)) for name in DECAYED])
def test_trajectory_equals_torch_optim(network, optimizer, decay):
    """200 updates: E_total and every trained parameter at every iteration, as torch.optim computes them
    (with ``weight_decay`` where the config sets it)."""
    rate = RATES[optimizer]
    iterations = DECAYED_ITERATIONS.get(optimizer, 201) if decay is not None else 201
    config = config_of(network, optimizer, iterations=iterations, learning_rates=[rate],
                       **({"weight_decay": decay} if decay is not None else {}))
    assert config.network.weight_decay or decay is None
    run = Run.of(config)
    graph = run.graph
    rows = list(run.rows(rate))
    expected = reference.trajectory(config, rate, iterations, graph.trained, optimizer)
    assert len(rows) == len(expected) == iterations
    for iteration, (row, (total, params)) in enumerate(zip(rows, expected), start=1):
        assert close(row[graph.index["E_total"]], total, 1e-10, 1e-14), (iteration, "E_total")
        for name, value in params.items():
            assert close(row[graph.index[name]], value, 1e-10, 1e-14), (iteration, name)
    assert rows[-1][graph.index["E_total"]] < rows[0][graph.index["E_total"]]  # it learned something


def test_adamw_takes_torch_defaults_and_decays_every_weight_apart_from_the_gradient():
    """AdamW without settings is torch.optim.AdamW's defaults (weight decay 0.01, not the 0 of the others);
    its update shrinks the weight by η·λ of itself before Adam's step, which reads the gradient alone."""
    import torch

    from sheetprop.dialects import render

    config = configs.parse({**LECTURE, "optimizer": "adamw", "iterations": 30})
    assert config.values["weight_decay"] == 0.01 and not config.network.weight_decay
    run = Run.of(config)
    graph = run.graph
    params = reference.parameters(config)
    optimizer = torch.optim.AdamW([params[name] for name in graph.trained], lr=0.5)  # torch's defaults
    for row in run.rows(0.5):
        for name in graph.trained:
            assert close(row[graph.index[name]], params[name].item(), 1e-10, 1e-14), name
        optimizer.zero_grad()
        reference.total_error(config, params).backward()
        optimizer.step()
    assert render(graph["w5"].expr, "math") == "w5·(1 − η·λ) − η·(m_w5/c1)/(√(v_w5/c2) + ε)"
    assert render(graph["m_w5"].expr, "math") == "β1·m_w5 + (1 − β1)·∂E/∂w5"


def test_a_decayed_update_shows_its_decay_term_and_sgd_without_it_does_not():
    from sheetprop.dialects import render

    plain, decayed = (Run.of(config_of("lecture", "momentum", **extra)).graph for extra in ({}, {"weight_decay": 0.1}))
    assert render(plain["v_w5"].expr, "math") == "μ·v_w5 + ∂E/∂w5"
    assert render(decayed["v_w5"].expr, "math") == "μ·v_w5 + ∂E/∂w5 + λ·w5"
    assert "λ" in decayed["v_w5"].note(decayed) and "weight_decay" in decayed.params
    assert "weight_decay" not in plain.params


def test_hyperparameters_are_torch_defaults_when_not_given():
    """Without momentum, betas or eps in the config, the run is torch.optim's with its own defaults."""
    import torch

    config = configs.parse({**LECTURE, "optimizer": "adam", "iterations": 30})
    graph = Run.of(config).graph
    rows = list(Run.of(config).rows(0.5))
    params = reference.parameters(config)
    optimizer = torch.optim.Adam([params[name] for name in graph.trained], lr=0.5)  # torch's defaults
    for row in rows:
        for name in graph.trained:
            assert close(row[graph.index[name]], params[name].item(), 1e-10, 1e-14), name
        optimizer.zero_grad()
        reference.total_error(config, params).backward()
        optimizer.step()


def test_finite_differences_check_the_gradients_along_an_adam_run():
    """The gradients at iteration 40 (weights Adam moved there) are the slopes of E_total at those weights."""
    config = config_of("biases trained", "adam", iterations=40)
    run = Run.of(config)
    graph = run.graph
    row = list(run.rows(0.5))[-1]
    values = dict(config.values, **{name: row[graph.index[name]] for name in graph.trained})
    for name in graph.trained:
        assert close(row[graph.index[f"∂E/∂{name}"]], reference.finite_difference(config, name, values), 1e-6), name


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """The lecture network with SGD, momentum and Adam at two rates each, built."""
    config = configs.parse({**LECTURE, "name": "optimizers", "optimizers": ["sgd", "momentum", "adam"],
                            "learning_rates": [0.1, 0.5], "iterations": 60, "betas": [0.85, 0.995]})
    return config, build(config, tmp_path_factory.mktemp("build"))


def test_a_sheet_per_optimizer_and_rate_with_state_columns_and_hyperparameter_cells(compared):
    config, result = compared
    book = openpyxl.load_workbook(result.workbook)
    assert book.sheetnames == ["Compare", "sgd lr 0.1", "sgd lr 0.5", "momentum lr 0.1", "momentum lr 0.5",
                               "adam lr 0.1", "adam lr 0.5"]
    adam = book["adam lr 0.5"]
    run = Run.of(config)
    layout = Layout(run.graph_of(Case("adam", 0.5)))
    # β1 and β2 are labelled parameter cells holding the config's values, and formulas read them.
    for name, value in (("beta1", 0.85), ("beta2", 0.995), ("eps", 1e-8), ("lr", 0.5)):
        cell = layout.param_cell(name).replace("$", "")
        assert adam[cell].value == value, name
        assert name in adam.cell(adam[cell].row - 1, adam[cell].column).value
    formulas = [adam[layout.cell(name, 2)].value for name in ("m_w5", "v_w5", "c1", "w5")]
    beta1, beta2 = layout.param_cell("beta1"), layout.param_cell("beta2")
    assert beta1 in formulas[0] and beta2 in formulas[1] and beta1 in formulas[2]
    assert "SQRT(" in formulas[3] and layout.param_cell("eps") in formulas[3]
    headers = {cell.value: cell for cell in adam[6]}  # the names' row
    for name in ("c1", "c2", "m_w1", "v_w8"):
        assert headers[name].comment is not None and headers[name].comment.text.strip()


def test_compare_names_every_run_and_the_best(compared):
    config, result = compared
    compare = openpyxl.load_workbook(result.workbook, data_only=True)["Compare"]
    table = [[cell.value for cell in row[:6]] for row in compare.iter_rows(min_row=6, max_row=11)]
    assert [row[:2] for row in table] == [[o, r] for o in ("sgd", "momentum", "adam") for r in (0.1, 0.5)]
    finals = {(row[0], row[1]): row[3] for row in table}
    best = min(finals, key=finals.get)
    assert [compare.cell(12, c).value for c in (1, 3, 4)] == ["best run", *best]
    # The best run, computed here from torch.optim's trajectories.
    torch_finals = {(o, r): reference.trajectory(configs.parse({**LECTURE, "optimizer": o, "betas": [0.85, 0.995]}
                                                               if o == "adam" else {**LECTURE, "optimizer": o}),
                                                 r, 60, [f"w{k}" for k in range(1, 9)], o)[-1][0]
                    for o in ("sgd", "momentum", "adam") for r in (0.1, 0.5)}
    assert best == min(torch_finals, key=torch_finals.get)
    for key, final in finals.items():
        assert close(final, torch_finals[key], 1e-10, 1e-14), key


def test_libreoffice_recalculates_every_optimizer_to_the_engine(compared, tmp_path):
    _, result = compared
    assert workbook_mismatches(result.workbook, recalculate(result.workbook, tmp_path)) == []


def test_editing_beta1_in_libreoffice_recalculates_the_run(compared, tmp_path):
    """β1 of sheet 'adam lr 0.5' set to 0.7: LibreOffice's numbers are then the engine's run at β1 = 0.7."""
    config, result = compared
    run = Run.of(config)
    layout = Layout(run.graph_of(Case("adam", 0.5)))
    cell = layout.param_cell("beta1").replace("$", "")
    edited = tmp_path / "edited.xlsx"
    patch_cell(result.workbook, edited, "adam lr 0.5", cell, lambda xml: xml.replace("<v>0.85</v>", "<v>0.7</v>"))
    sheet = openpyxl.load_workbook(recalculate(edited, tmp_path / "lo"), data_only=True)["adam lr 0.5"]
    assert sheet[cell].value == 0.7
    changed = configs.parse({**LECTURE, "optimizer": "adam", "betas": [0.7, 0.995], "iterations": 60})
    graph = Run.of(changed).graph
    rows = list(Run.of(changed).rows(0.5))
    expected = reference.trajectory(changed, 0.5, 60, graph.trained, "adam")
    for iteration in (2, 3, 30, 60):
        row = rows[iteration - 1]
        for name in ("m_w5", "v_w1", "c1", "w5", "w1", "E_total"):
            assert close(sheet[layout.cell(name, iteration)].value, row[graph.index[name]], 1e-12, 1e-15), name
        assert close(sheet[layout.cell("E_total", iteration)].value, expected[iteration - 1][0], 1e-10, 1e-14)


def test_the_walkthrough_works_through_the_first_optimizers_update(tmp_path):
    config = configs.parse({**LECTURE, "name": "adam", "optimizer": "adam", "iterations": 5})
    build(config, tmp_path)
    text = (tmp_path / "adam-walkthrough.md").read_text(encoding="utf-8")
    graph = Run.of(config).graph
    second = list(Run.of(config).rows(0.5))[1]
    # Adam's first update from torch: each weight moves by about η (m/c1 = g, √(v/c2) = |g|).
    torch_w5 = reference.trajectory(config, 0.5, 2, graph.trained, "adam")[1][1]["w5"]
    assert close(second[graph.index["w5"]], torch_w5, 1e-12)
    for rule in ("v ← β2·v + (1 − β2)·(∂E/∂w)²", "c1 ← 1 − β1^t", "β1 = 0.9", "ε = 1×10⁻⁸"):
        assert rule in text, rule
    section = text.split("## 6.")[1].split("## 7.")[0]
    # The update reads this update's state, printed with the plus sign as the state's own lines are.
    assert "c1⁺ = 1 − β1^(iteration⁺ − 1) = 1 − 0.9^(2 − 1) = 0.1" in section
    assert "w5⁺   = w5 − η·(m_w5⁺/c1⁺)/(√(v_w5⁺/c2⁺) + ε)" in section
    assert f"= {torch_w5:.9g}".replace("-", "−") in section


def run_cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "sheetprop", *args], cwd=cwd, capture_output=True, text=True)


@pytest.mark.parametrize("lines, named", [
    ('optimizer = "sgd"\nmomentum = 0.9', "momentum"),
    ('optimizer = "momentum"\nbetas = [0.9, 0.99]', "betas"),
    ('optimizer = "adam"\nalpha = 0.9', "alpha"),
    ('optimizer = "momentum"\nmomentum = 1.0', "momentum"),
    ('optimizer = "nesterov"\nmomentum = -0.1', "momentum"),
    ('optimizer = "adam"\neps = 0', "eps"),
    ('optimizer = "rmsprop"\neps = -1e-8', "eps"),
    ('optimizer = "adam"\nbetas = [0.9, 1.0]', "betas"),
    ('optimizer = "adam"\nbetas = [0.9]', "betas"),
    ('optimizer = "adagrad"', "optimizer"),
    ('optimizer = "adamw"\nweight_decay = -0.1', "weight_decay"),
    ('optimizer = "sgd"\nhuber_delta = 0.5', "huber_delta"),
    ('optimizers = ["sgd", "sgd"]', "optimizers"),
    ('optimizer = "adam"\noptimizers = ["sgd"]', "optimizer"),
])
def test_a_bad_optimizer_setting_is_one_line_exit_2_nothing_written(tmp_path, lines, named):
    base = "\n".join(f"{key} = {value}" for key, value in LECTURE.items())
    (tmp_path / "run.toml").write_text(f"{base}\n{lines}\n", encoding="utf-8")
    result = run_cli("build", "run.toml", "--out", "out", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and f"'{named}'" in message, message
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_show_prints_the_optimizers_state(tmp_path):
    (tmp_path / "run.toml").write_text("\n".join(f"{k} = {v}" for k, v in LECTURE.items())
                                       + '\noptimizer = "momentum"\n', encoding="utf-8")
    result = run_cli("show", "run.toml", "--iteration", "2", "--lr", "0.5", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    config = configs.load(tmp_path / "run.toml")
    run = Run.of(config)
    rows = list(run.rows(0.5))[:3]
    graph = run.graph
    lines = {}
    for line in result.stdout.splitlines():  # the first: iteration 2's own values, before its update
        if " = " in line:
            lines.setdefault(line.split(" = ")[0].strip(), line)
    for name in ("v_w5", "v_w1"):
        # iteration 2's velocity is the gradient of iteration 1 (torch starts the buffer at it)
        assert close(rows[1][graph.index[name]], rows[0][graph.index[f"∂E/∂{name[2:]}"]], 1e-15)
        assert lines[name].split(" = ")[1].split()[0] == f"{rows[1][graph.index[name]]:.10g}"
    assert "v ← μ·v + ∂E/∂w" in result.stdout


def test_show_takes_any_optimizer_and_prints_its_shared_state(tmp_path):
    # The lecture config lists only sgd: --optimizer adam runs Adam with PyTorch's defaults.
    (tmp_path / "run.toml").write_text("\n".join(f"{k} = {v}" for k, v in LECTURE.items()), encoding="utf-8")
    result = run_cli("show", "run.toml", "--optimizer", "adam", "--lr", "0.1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    config = configs.load(tmp_path / "run.toml")
    torch_defaults = {**config.values, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}  # torch.optim.Adam's
    torch_rows = reference.trajectory(config, 0.1, 2, [f"w{k}" for k in range(1, 9)], "adam", torch_defaults)
    update = result.stdout.split("updated for iteration 2")[1]
    assert "β1 = 0.9, β2 = 0.999" in update
    assert "c1 = 0.1 " in update and "c2 = 0.001 " in update  # 1 − β^1, the first update's corrections
    for name in ("w1", "w5", "w8"):
        line = next(line for line in update.splitlines() if line.strip().startswith(f"{name} = "))
        assert close(float(line.split(" = ")[1].split()[0]), torch_rows[1][1][name], 1e-9), line


def test_show_refuses_an_unknown_optimizer(tmp_path):
    result = run_cli("show", "--optimizer", "adamax", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "--optimizer" in result.stderr and "adam" in result.stderr


def test_readme_states_each_optimizers_rules_as_the_code_defines_them():
    from pathlib import Path

    from sheetprop.dialects import render
    from sheetprop.graph import update_rules
    from sheetprop.optimizers import OPTIMIZERS

    readme = Path(__file__).parent.parent.joinpath("README.md").read_text(encoding="utf-8")
    for name, optimizer in OPTIMIZERS.items():
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{name}` |"))
        rules = ", ".join(f"`{render(left, 'math')} ← {render(right, 'math')}`" for left, right in update_rules(optimizer))
        assert rules in row, (name, rules)
