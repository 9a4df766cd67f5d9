"""The public Python API: locked names and signatures, values against PyTorch, notebook-friendly objects."""

import inspect
import subprocess
import sys

import pytest

import reference
import sheetprop

ROOT = reference.ROOT

PUBLIC = {
    "BuildResult": "(workbook: pathlib.Path, chart: pathlib.Path, summary: sheetprop.compare.Summary, "
                   "others: tuple[pathlib.Path, ...] = ()) -> None",
    "Config": None,
    "ConfigError": None,
    "Trace": None,
    "build": "(config: sheetprop.config.Config, out_dir, progress: Optional[Callable[[int], NoneType]] = None, "
             "formats: tuple[str, ...] = ('xlsx',), digits: int = 9) -> sheetprop.outputs.BuildResult",
    "default_config": "() -> sheetprop.config.Config",
    "load_config": "(path: str | pathlib.Path) -> sheetprop.config.Config",
    "parse_config": "(data: dict, source: str = '') -> sheetprop.config.Config",
    "run": "(config: sheetprop.config.Config, learning_rates=None, iterations: int | None = None, "
           "optimizer: str | None = None)"
           " -> sheetprop.trace.Trace",
    "show_iteration": "(trace: sheetprop.trace.Trace, iteration: int = 1, lr: float | None = None, "
                      "digits: int = 10) -> str",
    "verify_sheet": "(path, annotate=None) -> sheetprop.verify.findings.Report",
    "Report": None,
    "Finding": None,
    "VerifyError": None,
}


def test_public_surface_is_locked():
    assert sorted(sheetprop.__all__) == sorted(PUBLIC)
    for name, signature in PUBLIC.items():
        obj = getattr(sheetprop, name)
        if signature is not None:
            assert str(inspect.signature(obj, eval_str=True)) == signature, name
    trace_methods = {n for n in dir(sheetprop.Trace) if not n.startswith("_")}
    assert trace_methods == {"frame", "iterations", "learning_rates", "optimizer", "row", "summary", "value", "values"}
    finding_fields = [f.name for f in __import__("dataclasses").fields(sheetprop.Finding)]
    assert finding_fields == ["sheet", "cell", "quantity", "header", "found", "expected", "correct", "diagnosis",
                              "wrong", "judged", "cells", "slip"]


def test_frame_is_tidy_and_matches_torch():
    config = sheetprop.load_config(ROOT / "examples" / "blog.toml")
    trace = sheetprop.run(config, [0.5, 1.0], 30)
    frame = trace.frame()
    assert len(frame) == 60 and list(frame.columns[:3]) == ["lr", "iteration", "i1"]
    assert set(frame["lr"]) == {0.5, 1.0} and frame["iteration"].tolist()[:3] == [1, 2, 3]
    expected = reference.trajectory(config, 0.5, 30, [f"w{k}" for k in range(1, 9)])
    got = frame[frame.lr == 0.5]
    assert got["E_total"].tolist() == pytest.approx([e for e, _ in expected], rel=1e-10)
    assert got["w5"].tolist() == pytest.approx([p["w5"] for _, p in expected], rel=1e-10)


def test_objects_read_well_in_a_notebook():
    trace = sheetprop.run(sheetprop.default_config(), iterations=5)
    assert repr(trace).startswith("Trace('lecture': 2-2-2 network, 5 iterations")
    assert "| 2 (best) |" in trace._repr_markdown_()
    assert "learning rates 0.1, 0.2, 0.5, 0.8, 1, 2" in repr(trace.config)
    with pytest.raises(ValueError, match="choose one of"):
        trace.value("E_total", lr=0.3)


def test_a_trace_of_several_rates_asks_which_and_an_unknown_name_gets_the_near_ones():
    trace = sheetprop.run(sheetprop.default_config(), iterations=3)
    with pytest.raises(ValueError, match=r"6 learning rates \(0\.1, 0\.2, 0\.5, 0\.8, 1, 2\): say which one"):
        trace.value("E_total", iteration=2)  # it used to answer for lr 0.1, silently
    with pytest.raises(KeyError) as unknown:
        trace.value("Etotal", lr=0.5)
    assert str(unknown.value) == "no quantity 'Etotal' in this network; did you mean 'E_total'?"
    single = sheetprop.run(sheetprop.default_config(), [0.5], iterations=3)
    assert single.value("E_total", iteration=2) == trace.value("E_total", iteration=2, lr=0.5)


def show(*args):
    return subprocess.run([sys.executable, "-m", "sheetprop", "show", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_show_prints_the_lecture_numbers_with_their_chains():
    result = show()
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.strip().startswith("E_total = 0.2425198573 ") for line in lines)
    w5 = next(line for line in lines if line.strip().startswith("∂E/∂w5 = "))
    _, gradients = reference.gradients(sheetprop.default_config())
    assert w5.split()[2] == f"{gradients['w5']:.10g}"
    assert w5.endswith("∂E/∂w5 = ∂E/∂o1·a_h1 = (a_o1 − t1)·a_o1·(1 − a_o1)·a_h1")


def test_show_digits_iteration_and_updated_weights():
    result = show("examples/blog.toml", "--lr", "0.5", "--iteration", "1", "--digits", "9")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "E_total = 0.298371109 " in text  # the blog's published value
    assert "w5 = 0.35891648 " in text  # after the first update, as published
    assert "∂E/∂w1 = 0.000438567734 " in text


def test_show_csv_writes_the_whole_trace(tmp_path):
    target = tmp_path / "trace.csv"
    result = show("--csv", str(target))
    assert result.returncode == 0, result.stderr
    import pandas as pd

    frame = pd.read_csv(target)
    assert len(frame) == 6 * 201
    final = frame[(frame.lr == 1.0) & (frame.iteration == 201)]["E_total"].item()
    assert final == pytest.approx(0.0052074660863154505, rel=1e-12)


@pytest.mark.parametrize("args, message", [(["--lr", "-1"], "--lr"), (["--iteration", "0"], "--iteration"),
                                           (["--digits", "40"], "--digits")])
def test_show_rejects_bad_options(args, message):
    result = show(*args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_verify_report_reads_well_in_a_notebook():
    report = sheetprop.verify_sheet(ROOT / "tests" / "sheets" / "student-BackPropagation.xlsx")
    assert report.agrees and report.status == 0
    assert repr(report).endswith("student-BackPropagation.xlsx': all 6223 cells agree in 1 sheet)")
    lecture = sheetprop.verify_sheet(ROOT / "tests" / "sheets" / "lecture-BackPropagation.ods")
    table = lecture._repr_markdown_().splitlines()
    assert table[2] == "| cell | quantity | found | expected | likely slip |"
    assert table[4].startswith("| Sheet1!Z39 | ∂E/∂w3 | 0.0002248724776 | 0.0002248134627 | a_h1·(1 − a_h1) where")
    assert len(table) == 4 + 4
    with pytest.raises(sheetprop.VerifyError, match="no such file"):
        sheetprop.verify_sheet(ROOT / "missing.xlsx")
