"""Extreme numbers, hostile text and killed runs: clear results, never a corrupt or half-written file."""

import os
import signal
import subprocess
import sys
import time

import openpyxl
import pytest

from helpers import run, value, workbook_mismatches
from sheetprop import config as configs
from sheetprop.compare import Case
from sheetprop.functions import ACTIVATIONS
from sheetprop.libreoffice import recalculate
from sheetprop.outputs import build

ROOT = __import__("reference").ROOT


@pytest.mark.filterwarnings("error")  # e.g. matplotlib on a flat line of saturated sigmoids
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_huge_learning_rates_and_weights_run_and_overflow_is_flagged(activation, tmp_path):
    config = configs.parse({
        "name": "extreme", "layers": [2, 2, 2], "activations": activation, "inputs": [1.0, 2.0],
        "targets": [0.1, 0.9], "weights": [1000, -1000, 500, 700, 1000, -1000, 300, 800],
        "learning_rates": [10000.0, 0.001], "iterations": 40})
    result = build(config, tmp_path)
    statuses = {r.rate: r.status for r in result.summary.rates}
    compare = openpyxl.load_workbook(result.workbook, data_only=True)["Compare"]
    assert [compare.cell(row, 5).value for row in (6, 7)] == [statuses[10000.0], statuses[0.001]]
    if activation == "linear":
        assert statuses[10000.0] == "diverged (overflow)"
        assert compare.cell(7, 3).value == "overflow"  # text, so that the best rate skips it
        assert result.summary.best is None and compare.cell(8, 3).value == "#N/A"  # both runs overflowed
        assert "diverges: E_total grows until it overflows" in (tmp_path / "extreme-walkthrough.md").read_text()


def test_overflowing_workbook_recalculates_to_the_same_errors(tmp_path):
    config = configs.parse({
        "name": "overflow", "layers": [2, 2, 2], "activations": "linear", "inputs": [1.0, 2.0],
        "targets": [0.1, 0.9], "weights": [1000, -1000, 500, 700, 1000, -1000, 300, 800],
        "learning_rates": [10000.0, 1e-9], "iterations": 30})
    result = build(config, tmp_path)
    assert {r.status for r in result.summary.rates} >= {"diverged (overflow)"}
    assert workbook_mismatches(result.workbook, recalculate(result.workbook, tmp_path / "lo")) == []


def test_user_text_is_written_as_text_never_as_a_formula(tmp_path):
    config = configs.parse({"title": '=HYPERLINK("http://example.invalid","click")', "inputs": [0.05, 0.1],
                            "targets": [0.01, 0.99], "weights": [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55],
                            "iterations": 2})
    result = build(config, tmp_path)
    sheet = openpyxl.load_workbook(result.workbook)["lr 0.5"]
    assert sheet["A1"].data_type == "s" and sheet["A1"].value.startswith('=HYPERLINK(')


def test_a_build_killed_mid_write_leaves_the_previous_file_intact(tmp_path):
    small = tmp_path / "run.toml"
    small.write_text('name = "run"\ninputs = [0.05, 0.10]\ntargets = [0.01, 0.99]\n'
                     "weights = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]\niterations = 5\n")
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-m", "sheetprop", "build", str(small), "--out", str(out), "--quiet"],
                   check=True, cwd=ROOT, timeout=120)
    before = (out / "run.xlsx").read_bytes()
    written = sorted(p.name for p in out.iterdir())

    small.write_text(small.read_text().replace("iterations = 5", "iterations = 200000") +
                     "learning_rates = [0.1, 0.2, 0.5, 0.8, 1.0, 2.0]\n")
    process = subprocess.Popen([sys.executable, "-m", "sheetprop", "build", str(small), "--out", str(out), "--quiet"],
                               cwd=ROOT)
    deadline = time.monotonic() + 60
    # The build writes into a staging folder inside out/; XlsxWriter's row files there come first.
    while not any(any(f.iterdir()) for f in out.glob(".sheetprop-build-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # well into writing rows
    assert process.poll() is None, "the build finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert (out / "run.xlsx").read_bytes() == before
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == written

    small.write_text(small.read_text().replace("iterations = 200000", "iterations = 3"))
    subprocess.run([sys.executable, "-m", "sheetprop", "build", str(small), "--out", str(out), "--quiet"],
                   check=True, cwd=ROOT, timeout=120)
    assert sorted(p.name for p in out.iterdir()) == written, "the next build cleans up what the killed one left"


@pytest.mark.filterwarnings("error")
def test_chart_of_an_overflowing_run_draws_without_warnings(tmp_path):
    config = configs.parse({
        "name": "wild", "layers": [2, 3, 2], "activations": ["relu", "linear"], "loss": "mse",
        "inputs": [[0.05, 0.1], [1.0, -2.0]], "targets": [[0.01, 0.99], [0.3, 0.6]], "seed": 3,
        "biases": [[0.1, -0.2, 0.3], [0.0, 0.4]], "train_biases": True,
        "learning_rates": [10000.0, 0.01], "iterations": 60})
    result = build(config, tmp_path)
    assert result.summary.rates[0].status == "diverged (overflow)"
    assert result.chart.read_bytes().startswith(b"\x89PNG")
    # Drawing must not touch the run: the walkthrough and the caller read the same trajectories after it.
    graph, rows = run(config, 10000.0)
    losses = [value(graph, row, "E_total") for row in rows]
    assert list(result.summary.trajectories[Case("sgd", 10000.0)]) == losses and losses[-1] == float("inf")
    assert "NaN" not in (tmp_path / "wild-walkthrough.md").read_text()


def test_long_runs_are_thinned_for_drawing_keeping_each_stretchs_extremes():
    np = pytest.importorskip("numpy")  # matplotlib's own dependency
    from sheetprop.plots import MAX_POINTS, thinned

    iterations = np.arange(1, 100_001)
    losses = 1 / iterations + np.where(iterations % 2 == 0, 0.01, 0.0)  # decays while oscillating
    losses[70_000:] = np.nan                                            # then overflows
    x, y = thinned(losses)
    assert len(x) <= MAX_POINTS and np.all(np.diff(x) > 0)
    assert np.nanmax(y) == losses[0] and np.nanmin(y) == np.nanmin(losses)
    finite = ~np.isnan(y)
    assert np.array_equal(y[finite], losses[x[finite] - 1])            # drawn points are real points
    assert np.all(np.isnan(y[x > 70_000])) and (y[x <= 70_000] > 0).all()
    upper, lower = y[(x > 60_000) & (x <= 70_000)][1::2], y[(x > 60_000) & (x <= 70_000)][::2]
    assert np.all(np.abs(upper - lower) > 0.009)                        # the oscillation stays visible
