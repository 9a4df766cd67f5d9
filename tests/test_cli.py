"""The command line as a user runs it: subprocesses, exit codes, files written or not."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def sheetprop(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "sheetprop", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=300)


def test_build_without_arguments_writes_the_lecture_example(tmp_path):
    result = sheetprop("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "outputs" / "lecture.xlsx").stat().st_size > 0
    assert (tmp_path / "outputs" / "lecture-learning-rates.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "0.2425198573" in result.stdout  # E_total at iteration 1, 10 significant digits
    assert "0.005207466086" in result.stdout  # lr 1 at iteration 201
    best = [line for line in result.stdout.splitlines() if "best" in line and "←" in line]
    assert len(best) == 1 and best[0].split()[0] == "2"


def test_committed_outputs_are_current(tmp_path):
    examples = sorted(str(p) for p in (ROOT / "examples").glob("*.toml"))
    result = sheetprop("build", *examples, "--out", str(tmp_path), "--quiet")
    assert result.returncode == 0, result.stderr
    for fresh in tmp_path.glob("*.xlsx"):
        committed = ROOT / "outputs" / fresh.name
        assert committed.exists(), f"outputs/{fresh.name} missing: run sheetprop build examples/*.toml"
        assert committed.read_bytes() == fresh.read_bytes(), f"outputs/{fresh.name} is stale"
    for fresh in tmp_path.glob("*.png"):
        assert (ROOT / "outputs" / fresh.name).exists()
    walkthroughs = [*tmp_path.glob("*-walkthrough.md"), *tmp_path.glob("*-walkthrough.html"), *tmp_path.glob("*.svg")]
    assert len(walkthroughs) == 3 * len(examples)
    for fresh in walkthroughs:
        committed = ROOT / "outputs" / fresh.name
        assert committed.exists(), f"outputs/{fresh.name} missing: run sheetprop build examples/*.toml"
        # The page embeds the chart PNG, whose bytes are matplotlib's to decide (the PNGs are not compared).
        assert _without_png(committed.read_text()) == _without_png(fresh.read_text()), f"outputs/{fresh.name} is stale"


def _without_png(text: str) -> str:
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:image/png;base64,…", text)


def test_the_default_is_the_lecture_example():
    from sheetprop import config as configs
    from sheetprop.outputs import default_config

    assert default_config() == configs.load(ROOT / "examples" / "lecture.toml")


BAD_CONFIGS = {
    "unknown key": ("learning_rate = [0.5]\n", "unknown key 'learning_rate'; did you mean 'learning_rates'?"),
    "wrong weight count": ("weights = [0.1, 0.2]\n", "key 'weights'"),
    "text for a number": ('learning_rates = ["fast"]\n', "key 'learning_rates'"),
    "zero learning rate": ("learning_rates = [0]\n", "key 'learning_rates'"),
    "negative learning rate": ("learning_rates = [-0.5]\n", "key 'learning_rates'"),
    "nan": ("learning_rates = [nan]\n", "key 'learning_rates'"),
    "zero iterations": ("iterations = 0\n", "key 'iterations'"),
    "too many rows": ("iterations = 2000000\n", "key 'iterations'"),
    "bad name": ('name = "../../etc"\n', "key 'name'"),
    "biases wrong length": ("biases = [0.35]\n", "key 'biases'"),
    "unknown activation": ('activations = "softmax"\n', "key 'activations'"),
    "targets mismatch": ("targets = [0.01]\nlayers = [2, 2, 2]\n", "key 'layers'"),
    "not toml": ("inputs = [\n", "not valid TOML"),
}
BASE = {"inputs": "[0.05, 0.10]", "targets": "[0.01, 0.99]",
        "weights": "[0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]"}


@pytest.mark.parametrize("case", BAD_CONFIGS)
def test_bad_config_one_line_exit_2_nothing_written(case, tmp_path):
    line, message = BAD_CONFIGS[case]
    key = line.split("=")[0].strip()
    text = "".join(f"{k} = {v}\n" for k, v in BASE.items() if k != key) + line
    path = tmp_path / "bad.toml"
    path.write_text(text)
    out = tmp_path / "out"
    result = sheetprop("build", str(path), "--out", str(out))
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not out.exists()


def test_version_and_help():
    assert sheetprop("--version").stdout.startswith("sheetprop ")
    help_text = sheetprop("build", "--help").stdout
    assert "sheetprop build examples/blog.toml" in help_text
    assert "--format FORMATS" in help_text and "--digits N" in help_text


def test_digits_and_format_options(tmp_path):
    result = sheetprop("build", "--digits", "4", "--out", str(tmp_path), "--quiet")
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "lecture-walkthrough.md").read_text(encoding="utf-8")
    assert "a_h1 = σ(h1) = σ(0.0275) = 0.5069" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "lecture-learning-rates.png", "lecture-network.svg", "lecture-walkthrough.html", "lecture-walkthrough.md",
        "lecture.xlsx"]


@pytest.mark.parametrize("option", [("--format", "pdf"), ("--format", ""), ("--digits", "0"), ("--digits", "x")])
def test_bad_format_or_digits_exit_2(option, tmp_path):
    result = sheetprop("build", *option, "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert option[0] in result.stderr
    assert not (tmp_path / "out").exists()
