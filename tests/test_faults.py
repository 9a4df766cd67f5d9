"""Every fault ends cleanly: hostile sizes and values, signals, concurrent builds, a full disk.

Each refusal is one line on stderr naming the key (or option) and the fix, exit status 2, quickly, with
nothing written; a stopped or failed build leaves the output folder exactly as it was.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BASE = ('inputs = [0.05, 0.10]\ntargets = [0.01, 0.99]\n'
        'weights = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]\niterations = 3\n')
LIMIT = 5.0  # seconds for a refusal, Python's start included (the work itself takes well under one)


def sheetprop(*args, cwd=None, timeout=120):
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "sheetprop", *args], capture_output=True, text=True,
                            cwd=cwd or ROOT, timeout=timeout)
    return result, time.monotonic() - started


def config_text(extra: str) -> str:
    """BASE with the keys ``extra`` sets replaced by its lines (``weights`` dropped when it draws them)."""
    keys = {line.split("=")[0].strip() for line in extra.splitlines() if "=" in line}
    if "seed" in keys or "layers" in keys:
        keys.add("weights")
    kept = "".join(line + "\n" for line in BASE.splitlines() if line.split("=")[0].strip() not in keys)
    return kept + extra


def assert_refused(result, seconds, *expected):
    """Exit 2, one line on stderr holding every ``expected`` text, no traceback, within LIMIT."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    assert seconds < LIMIT, f"refused after {seconds:.1f} s"


def rates(count: int) -> str:
    return "learning_rates = [" + ", ".join(f"{0.001 * (i + 1):.3f}" for i in range(count)) + "]\n"


# What the config says (beside BASE), and what its one line must say.
HOSTILE = {
    "a million weights": ("weights = [" + "0.1, " * 1_000_000 + "0.1]\n", "key 'weights'", "1 MiB"),
    "100,000 weights": ("weights = [" + "0.1, " * 99_999 + "0.1]\n", "key 'weights'", "16,384 columns"),
    "a hundred million neurons": ("layers = [2, 100000000, 2]\nseed = 1\n", "key 'layers'", "use fewer neurons"),
    "a thousand layers": ("layers = [2" + ", 1" * 1000 + ", 2]\nseed = 1\n", "key 'layers'", "at most 64"),
    "20,000 examples": ("inputs = [" + "[0.1, 0.2], " * 20_000 + "[0.1, 0.2]]\ntargets = ["
                         + "[0.1, 0.2], " * 20_000 + "[0.1, 0.2]]\n", "key 'inputs'", "fewer examples"),
    "10,000 learning rates": (rates(10_000), "key 'learning_rates'", "at most 255"),
    "300 learning rates": (rates(300), "key 'learning_rates'", "the Compare chart draws at most 255 lines"),
    "128 rates of two optimizers": ('optimizers = ["sgd", "adam"]\n' + rates(128), "key 'learning_rates'",
                                    "2 optimizers × 128 learning rates = 256 runs"),
    "a 1 MB title": ('title = "' + "x" * 1_000_000 + '"\n', "key 'title'", "at most 200"),
    "a 100 kB name": ('name = "' + "x" * 100_000 + '"\n', "key 'name'", "at most 200"),
    "a control character": ('title = "a\\u0007"\n', "key 'title'", "U+0007"),
    "one output, two targets": ("weights = [[[0.1, 0.2]]]\n", "key 'weights'", "output layer has 1 neuron but"),
    "deep nesting": ("weights = " + "[" * 100_000 + "]" * 100_000 + "\n", "key 'weights'", "nested more than"),
    "loss as a list": ('loss = ["mse"]\n', "key 'loss'", "use one of"),
    "nested activations": ('activations = [["relu"], "sigmoid"]\n', "key 'activations'", "use one of"),
    "nested optimizers": ('optimizers = [["sgd"]]\n', "key 'optimizers'", "use one of"),
    "a huge learning rate": ("learning_rates = [1e300]\n", "key 'learning_rates'", "outside [1e-12, 1e+06]"),
    "a tiny learning rate": ("learning_rates = [1e-17]\n", "key 'learning_rates'", "outside [1e-12, 1e+06]"),
    "rates alike to 15 digits": ("learning_rates = [0.1234567890123451, 0.1234567890123452]\n",
                                 "key 'learning_rates'", "would share a sheet"),
    "a huge threshold": ("threshold = 1e300\n", "key 'threshold'", "outside"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_config_is_refused_in_one_line_quickly_with_nothing_written(case, tmp_path):
    extra, *expected = HOSTILE[case]
    path = tmp_path / "bad.toml"
    path.write_text(config_text(extra), encoding="utf-8")
    result, seconds = sheetprop("build", str(path), "--out", str(tmp_path / "out"))
    assert_refused(result, seconds, "bad.toml", *expected)
    assert not (tmp_path / "out").exists()


def test_255_runs_build_and_the_chart_holds_them_without_warnings(tmp_path):
    path = tmp_path / "many.toml"
    path.write_text(config_text('name = "many"\n' + rates(255) + "iterations = 2\n"))
    result, _ = sheetprop("build", str(path), "--out", str(tmp_path / "out"), "--quiet", timeout=600)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    import openpyxl

    workbook = openpyxl.load_workbook(tmp_path / "out" / "many.xlsx", read_only=True)
    assert len(workbook.sheetnames) == 256  # Compare and one sheet per rate


@pytest.mark.parametrize("content", [b"\xff\xfeinputs = [0.05]\n", b'title = "caf\xe9"\n'])
def test_bytes_that_are_not_utf8_are_refused(content, tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes(config_text("").encode() + content)
    result, seconds = sheetprop("build", str(path), "--out", str(tmp_path / "out"))
    assert_refused(result, seconds, "is not UTF-8", "save the file as UTF-8")
    assert not (tmp_path / "out").exists()


def test_a_byte_order_mark_is_read_as_notepad_means_it(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + config_text('name = "bom"\n').encode())
    result, _ = sheetprop("build", str(path), "--out", str(tmp_path / "out"), "--quiet")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "bom.xlsx").exists()


@pytest.mark.parametrize("kind", ["/dev/zero", "fifo", "folder"])
def test_a_config_path_that_is_not_a_regular_file_is_refused_without_reading_it(kind, tmp_path):
    path = {"/dev/zero": Path("/dev/zero"), "fifo": tmp_path / "pipe.toml", "folder": tmp_path}[kind]
    if kind == "fifo":
        os.mkfifo(path)  # nobody writes to it: opening it to read would wait for ever
    result, seconds = sheetprop("build", str(path), "--out", str(tmp_path / "out"), timeout=30)
    assert_refused(result, seconds, str(path), "not a regular file")
    assert not (tmp_path / "out").exists()


def test_a_title_with_dollars_is_drawn_as_typed(tmp_path):
    path = tmp_path / "tex.toml"
    path.write_text(config_text('name = "tex"\ntitle = "cost in $ and $\\\\frac{"\n'))
    result, _ = sheetprop("build", str(path), "--out", str(tmp_path / "out"), "--quiet")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert (tmp_path / "out" / "tex-learning-rates.png").read_bytes()[:4] == b"\x89PNG"


def test_out_naming_a_file_is_refused(tmp_path):
    target = tmp_path / "report.txt"
    target.write_text("mine")
    result, seconds = sheetprop("build", "--out", str(target))
    assert_refused(result, seconds, "--out", "is a file, not a folder")
    assert target.read_text() == "mine" and sorted(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("option, expected", [
    (("--iteration", "1000000000"), "--iteration: give a whole number from 1 to 1,048,544"),
    (("--lr", "inf"), "--lr: inf is outside"),
    (("--lr", "nan"), "--lr: nan is outside"),
    (("--lr", "1e-17"), "--lr: 1e-17 is outside"),
])
def test_show_refuses_unbounded_options_at_once(option, expected):
    result, seconds = sheetprop("show", *option)
    assert_refused(result, seconds, expected)


# Wrong results: a run whose numbers overflowed is never best, one iteration is not judged.

def _build(tmp_path, **keys):
    from sheetprop import config as configs
    from sheetprop.outputs import build

    return build(configs.parse({"name": "run", **keys}), tmp_path / "out")


def _compare_statuses(workbook, count):
    import openpyxl

    compare = openpyxl.load_workbook(workbook, data_only=True)["Compare"]
    return [compare.cell(6 + i, 5).value for i in range(count)]


def test_a_relu_run_whose_numbers_overflow_is_diverged_never_best(tmp_path):
    # Iteration 1: a_h = 1e153 and a_o = 1; the update sends w2 to -9e158, so iteration 2's o1 = w2·a_h is -inf,
    # and ReLU's max(0, -inf) = 0 gives a finite E_total of 0.005 (less than 0.405): "decreasing", in arithmetic.
    # A spreadsheet's o1 is #NUM! there, and so is every cell after it.
    from sheetprop.libreoffice import recalculate

    result = _build(tmp_path, layers=[1, 1, 1], activations="relu", inputs=[1.0], targets=[0.1],
                    weights=[1e153, 1e-153], learning_rates=[1e6], iterations=3, threshold=0.001)
    (run,) = result.summary.rates
    assert run.status == "diverged (overflow)" and result.summary.best is None
    assert _compare_statuses(result.workbook, 1) == ["diverged (overflow)"]
    recalculated = recalculate(result.workbook, tmp_path / "lo")
    assert _compare_statuses(recalculated, 1) == ["diverged (overflow)"]  # LibreOffice agrees


def test_one_iteration_is_not_judged(tmp_path):
    result = _build(tmp_path, inputs=[0.05, 0.1], targets=[0.01, 0.99],
                    weights=[0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55], learning_rates=[0.5, 1.0], iterations=1)
    assert [r.status for r in result.summary.rates] == ["one iteration"] * 2
    assert _compare_statuses(result.workbook, 2) == ["one iteration"] * 2
    text = (tmp_path / "out" / "run-walkthrough.md").read_text(encoding="utf-8")
    assert "diverg" not in text and "no rate is judged yet" in text


def test_a_run_that_does_not_move_is_unchanged_not_diverging(tmp_path):
    # A dead ReLU: h1 = -1 < 0, so a_h1 = 0, every gradient 0 and E_total stays ½·0.5² = 0.125.
    result = _build(tmp_path, layers=[1, 1, 1], activations="relu", inputs=[1.0], targets=[0.5],
                    weights=[-1.0, 1.0], learning_rates=[0.5], iterations=4)
    (run,) = result.summary.rates
    assert run.first == run.final == 0.125 and run.status == "unchanged"
    assert _compare_statuses(result.workbook, 1) == ["unchanged"]


def test_the_command_line_marks_no_overflowed_run_best(tmp_path):
    path = tmp_path / "relu.toml"
    path.write_text('layers = [1, 1, 1]\nactivations = "relu"\ninputs = [1.0]\ntargets = [0.1]\n'
                    "weights = [1e153, 1e-153]\nlearning_rates = [1e6]\niterations = 3\nthreshold = 0.001\n")
    result, _ = sheetprop("build", str(path), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.strip().startswith("1e+06")]
    assert line.endswith("diverged (overflow)") and "best" not in line


# Signals, concurrent builds, a full disk: the folder holds the previous outputs or the new ones, whole.

SMALL = 'name = "run"\n' + BASE
LARGE = SMALL.replace("iterations = 3", "iterations = 200000") + "learning_rates = [0.1, 0.2, 0.5, 0.8, 1.0, 2.0]\n"


def _snapshot(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _previous_outputs(tmp_path, *options):
    """A folder holding a finished build of SMALL, a private TMPDIR, and the LARGE config to stop."""
    config, out, tmp = tmp_path / "run.toml", tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    config.write_text(SMALL)
    result, _ = sheetprop("build", str(config), "--out", str(out), "--quiet", *options)
    assert result.returncode == 0, result.stderr
    config.write_text(LARGE)
    return config, out, {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)}


def _wait_for(condition, seconds=120):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _staged(out: Path) -> bool:
    """Whether a build has begun writing into its staging folder (XlsxWriter's row files come first)."""
    return any(any(folder.iterdir()) for folder in out.glob(".sheetprop-build-*"))


def _processes_naming(text: str) -> list[int]:
    """Live (not zombie) processes whose command line holds ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if text in (entry / "cmdline").read_bytes().decode(errors="replace") and \
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                found.append(int(entry.name))
        except (OSError, ValueError):
            continue
    return found


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_signal_mid_build_leaves_the_previous_outputs_and_no_temporary_file(signal_name, tmp_path):
    import signal

    config, out, env = _previous_outputs(tmp_path)
    before = _snapshot(out)
    # A suite started in the background inherits SIGINT ignored, and Python then keeps it ignored: the build
    # gets the default, as from a terminal.
    process = subprocess.Popen([sys.executable, "-m", "sheetprop", "build", str(config), "--out", str(out)],
                               cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    _wait_for(lambda: _staged(out))
    time.sleep(0.5)  # well into writing rows
    assert process.poll() is None, "the build finished before it could be stopped"
    number = getattr(signal, signal_name)
    process.send_signal(number)
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == 128 + number
    assert stderr.strip().splitlines() == [f"sheetprop: stopped by {signal_name}; nothing was half-written, "
                                           "earlier outputs are as they were"]
    assert _snapshot(out) == before  # no .part, no staging folder, every file byte for byte
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_signal_while_libreoffice_converts_stops_it_too(tmp_path):
    import signal

    config, out, env = _previous_outputs(tmp_path, "--format", "xlsx,ods")
    config.write_text(LARGE.replace("iterations = 200000", "iterations = 20000"))
    before = _snapshot(out)
    process = subprocess.Popen([sys.executable, "-m", "sheetprop", "build", str(config), "--out", str(out),
                                "--format", "xlsx,ods"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: _processes_naming(str(out)), seconds=300)  # soffice --outdir names the staging folder
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == 128 + signal.SIGTERM, stderr
    assert len(stderr.strip().splitlines()) == 1 and "stopped by SIGTERM" in stderr
    assert _processes_naming(str(out)) == [] and _processes_naming(str(tmp_path / "tmp")) == []
    assert _snapshot(out) == before
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_signal_while_libreoffice_converts_an_ods_to_verify_leaves_nothing_in_tmpdir(tmp_path):
    """LibreOffice's own temporary file (lu….tmp) goes into a private folder that sheetprop removes, however
    the conversion ends: here a SIGTERM while it converts an .ods of 6 × 1,500 rows (a few seconds' work)."""
    import signal

    config, out, tmp = tmp_path / "big.toml", tmp_path / "out", tmp_path / "tmp"
    config.write_text('name = "big"\n' + BASE.replace("iterations = 3", "iterations = 1500")
                      + "learning_rates = [0.1, 0.2, 0.5, 0.8, 1.0, 2.0]\n")
    result, _ = sheetprop("build", str(config), "--out", str(out), "--format", "ods", "--quiet", timeout=600)
    assert result.returncode == 0, result.stderr
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "sheetprop", "verify", str(out / "big.ods")], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: list(tmp.rglob("lu*.tmp")), seconds=300)  # LibreOffice is converting: its file is there
    assert process.poll() is None, "verify finished before it could be stopped"
    assert all(any(part.startswith("sheetprop-lo-") for part in path.relative_to(tmp).parts)
               for path in tmp.rglob("lu*.tmp"))  # in sheetprop's private folder, not loose in TMPDIR
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert len(stderr.strip().splitlines()) == 1 and "stopped by SIGTERM" in stderr
    assert _processes_naming("big.ods") == [] and _processes_naming(str(tmp)) == []
    assert list(tmp.iterdir()) == []


def test_two_builds_into_one_folder_at_once_each_succeed_or_say_it_is_busy(tmp_path):
    import openpyxl

    config, out, env = _previous_outputs(tmp_path)
    config.write_text(SMALL.replace("iterations = 3", "iterations = 3000"))
    processes = [subprocess.Popen([sys.executable, "-m", "sheetprop", "build", str(config), "--out", str(out),
                                   "--quiet"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
                 for _ in range(3)]
    outcomes = [(p.wait(timeout=300), p.stderr.read()) for p in processes]
    for status, stderr in outcomes:
        assert (status, stderr) == (0, "") or (status == 1 and stderr.count("\n") == 1 and "is busy" in stderr), stderr
    assert any(status == 0 for status, _ in outcomes)
    assert sorted(p.name for p in out.iterdir()) == [
        "run-learning-rates.png", "run-network.svg", "run-walkthrough.html", "run-walkthrough.md", "run.xlsx"]
    sheet = openpyxl.load_workbook(out / "run.xlsx", read_only=True)["lr 0.5"]
    assert sheet.max_row == 6 + 3000  # the header rows, then every iteration: the later build, whole


def test_two_configs_of_one_name_in_one_command_are_refused(tmp_path):
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    first.write_text(SMALL)
    second.write_text(SMALL.replace("iterations = 3", "iterations = 4"))
    result, seconds = sheetprop("build", str(first), str(second), "--out", str(tmp_path / "out"))
    assert_refused(result, seconds, "a.toml and", "b.toml both write run.xlsx", "another 'name'")
    assert not (tmp_path / "out").exists()


def _full_disk_build(tmp_path, monkeypatch, capsys, where, fail_on=1, counted=lambda out, *args: True):
    """Build the lecture into a folder of earlier outputs with ``where`` (module, name) raising ENOSPC on its
    ``fail_on``-th call that ``counted``; returns the exit status, stderr and whether the folder is as it was."""
    import errno
    import importlib

    from sheetprop.cli import main

    out = tmp_path / "out"
    assert main(["build", "--out", str(out), "--quiet"]) == 0
    for path in out.iterdir():  # earlier outputs, told apart from what this build would write
        path.write_bytes(b"earlier " + path.name.encode())
    before = _snapshot(out)
    module, name = where
    target = importlib.import_module(module)
    real = getattr(target, name)
    calls = tmp_path / "calls"  # counted in a file: the PNG is drawn in a process of its own

    def full(*args, **kwargs):
        if counted(out, *args):
            with open(calls, "a") as log:
                log.write("1")
            if len(calls.read_text()) == fail_on:
                raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, full)
    capsys.readouterr()
    status = main(["build", "--out", str(out), "--quiet"])
    assert calls.exists(), "the fault was never reached"
    return status, capsys.readouterr().err, _snapshot(out) == before


@pytest.mark.parametrize("where", [("xlsxwriter.workbook", "ZipFile"), ("sheetprop.plots", "plot_learning_rates")])
def test_a_full_disk_ends_in_one_line_and_leaves_the_earlier_outputs(where, tmp_path, monkeypatch, capsys):
    status, stderr, unchanged = _full_disk_build(tmp_path, monkeypatch, capsys, where)
    assert status == 1 and unchanged
    assert stderr.splitlines() == [f"sheetprop: error: no space left on the device in {tmp_path / 'out'}; free some "
                                   "space and run again (nothing was half-written, earlier outputs are as they were)"]


def test_a_failure_among_the_final_renames_puts_every_earlier_output_back(tmp_path, monkeypatch, capsys):
    # The third of the five renames into place fails: the two files already moved go back as they were.
    into_place = lambda out, source, target: Path(target).parent == out  # noqa: E731
    status, stderr, unchanged = _full_disk_build(tmp_path, monkeypatch, capsys, ("os", "replace"), 3, into_place)
    assert status == 1 and unchanged and "no space left" in stderr


@pytest.mark.parametrize("failing", ["sheetprop.workbook.writer", "sheetprop.plots"])
def test_a_failing_writer_leaves_no_process_and_no_staging_folder(failing, tmp_path, monkeypatch):
    # The PNG is drawn in a forked process beside the workbook: whichever side fails, the build raises that
    # error, the process is gone (reaped) and so is the staging folder.
    from sheetprop.outputs import STAGING_PREFIX, build, default_config

    def broken(run, folder):
        raise RuntimeError(f"{failing} broke")

    def children() -> set[int]:
        """This process's children, running or unreaped (a browser an earlier test keeps open among them)."""
        return {int(pid) for task in Path(f"/proc/{os.getpid()}/task").iterdir()
                for pid in (task / "children").read_text().split()}

    monkeypatch.setattr(f"{failing}.write", broken)
    before = children()
    with pytest.raises(RuntimeError, match=f"{failing} broke"):
        build(default_config(), tmp_path / "out")
    assert children() == before  # the build's drawing process is gone, running or unreaped
    assert not list((tmp_path / "out").glob(STAGING_PREFIX + "*")) and not list((tmp_path / "out").iterdir())
