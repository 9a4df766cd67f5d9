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


# Each case: the TOML line(s) replacing the base's key of the same name (an empty line drops nothing),
# and what the one-line error must say.
BAD_CONFIGS = {
    "unknown key": ("learning_rate = [0.5]\n", "unknown key 'learning_rate'; did you mean 'learning_rates'?"),
    "missing inputs": ("inputs = DROP\n", "missing key 'inputs'; add it"),
    "missing weights": ("weights = DROP\nlayers = [2, 2, 2]\n", "missing key 'weights'; list w1, w2, … or set seed = 1"),
    "wrong weight count": ("weights = [0.1, 0.2]\n", "key 'weights'"),
    "ragged weight rows": ("weights = [[0.1, 0.2], [0.3]]\n", "key 'weights': layer 1 needs 2 rows of 2 weights"),
    "weight as text": ('weights = [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, "x"]\n', "key 'weights': 'x' is not a number"),
    "infinite weight": ("weights = [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 1e999]\n", "key 'weights': inf is not a finite"),
    "seed and weights": ("seed = 1\n", "key 'seed': draws weights, but 'weights' are given"),
    "text for a number": ('learning_rates = ["fast"]\n', "key 'learning_rates'"),
    "zero learning rate": ("learning_rates = [0]\n", "key 'learning_rates'"),
    "negative learning rate": ("learning_rates = [-0.5]\n", "key 'learning_rates'"),
    "nan": ("learning_rates = [nan]\n", "key 'learning_rates'"),
    "inf": ("learning_rates = [inf]\n", "key 'learning_rates': inf is not a finite number"),
    "no learning rate": ("learning_rates = []\n", "key 'learning_rates': must be a non-empty list"),
    "a rate twice": ("learning_rates = [0.5, 0.5]\n", "key 'learning_rates': a rate is listed twice"),
    "zero iterations": ("iterations = 0\n", "key 'iterations'"),
    "fractional iterations": ("iterations = 2.5\n", "key 'iterations': must be a whole number"),
    "iterations as text": ('iterations = "100"\n', "key 'iterations': must be a whole number"),
    "too many rows": ("iterations = 2000000\n", "key 'iterations'"),
    "rows for the Compare sheet": ("iterations = 1048540\nlearning_rates = [0.1, 0.2, 0.5, 0.8, 1.0, 2.0]\n",
                                   "key 'iterations': 1,048,540 rows do not fit in a spreadsheet (at most "
                                   "1,048,539 with 6 learning rates)"),
    "name without a letter": ('name = " -- "\n', "key 'name': ' -- ' is not a name; give text with a letter"),
    "name not text": ("name = 3\n", "key 'name': 3 is not a name"),
    "title not text": ("title = 3\n", "key 'title': must be text"),
    "biases wrong length": ("biases = [0.35]\n", "key 'biases'"),
    "nan bias": ("biases = [0.35, nan]\n", "key 'biases': nan is not a finite number"),
    "train_biases not a boolean": ('train_biases = "yes"\n', "key 'train_biases': must be true or false"),
    "unknown activation": ('activations = "softmin"\n', "key 'activations': unknown activation 'softmin'"),
    "activations wrong length": ('activations = ["sigmoid"]\n', "key 'activations': give one name, or a list of 2"),
    "unknown loss": ('loss = "hinge"\n', "key 'loss': unknown loss 'hinge'"),
    "cross-entropy without softmax": ('loss = "cross_entropy"\n', "key 'loss': cross_entropy needs outputs that form "
                                      "a probability distribution; set the last activation to softmax"),
    "softmax targets not summing to 1": ('activations = ["sigmoid", "softmax"]\ntargets = [0.5, 0.9]\n',
                                         "key 'targets': softmax outputs probability distributions, but the targets "
                                         "sum to 1.4"),
    "bce without sigmoid": ('loss = "bce"\nactivations = "tanh"\n', "key 'loss': bce needs outputs in (0, 1)"),
    "bce target out of range": ('loss = "bce"\ntargets = [0.01, 1.5]\n', "key 'targets': bce compares probabilities"),
    "examples of unequal length": ("inputs = [[0.05, 0.1], [0.2]]\n", "key 'inputs': every example needs the same"),
    "batch larger than the examples": ("batch_size = 3\n", "key 'batch_size': must be a whole number from 1 to 1"),
    "negative threshold": ("threshold = -1\n", "key 'threshold': -1 must be greater than 0"),
    "empty layer": ("layers = [2, 0, 2]\n", "key 'layers': must list at least two positive whole numbers"),
    "targets mismatch": ("targets = [0.01]\nlayers = [2, 2, 2]\n", "key 'layers'"),
    "too many columns": ("layers = [2, 80, 80, 80, 2]\nweights = DROP\nseed = 1\n",
                         "bad.toml: key 'layers': the network needs 27,458 columns per sheet, a spreadsheet holds"),
    "formula too long": ("layers = [2, 1000, 2]\nweights = DROP\nseed = 1\n", "a spreadsheet cell holds 8,192"),
    "not toml": ("inputs = [\n", "not valid TOML"),
    "unknown paper": ('paper = "a5"\n', "key 'paper': unknown paper size 'a5'; use one of a4, letter"),
}
BASE = {"inputs": "[0.05, 0.10]", "targets": "[0.01, 0.99]",
        "weights": "[0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]"}


@pytest.mark.parametrize("case", BAD_CONFIGS)
def test_bad_config_one_line_exit_2_nothing_written(case, tmp_path):
    lines, message = BAD_CONFIGS[case]
    keys = {line.split("=")[0].strip() for line in lines.splitlines()}
    text = "".join(f"{k} = {v}\n" for k, v in BASE.items() if k not in keys)
    text += "".join(f"{line}\n" for line in lines.splitlines() if not line.endswith("= DROP"))
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
    for command, example in [("show", "sheetprop show --csv trace.csv"), ("verify", "sheetprop verify my-sheet.xlsx"),
                             ("", "sheetprop build examples/*.toml")]:
        assert example in sheetprop(*[command, "--help"] if command else ["--help"]).stdout


def test_the_main_help_shows_every_command():
    from sheetprop.cli import _parser

    commands = next(a for a in _parser()._actions if a.__class__.__name__ == "_SubParsersAction").choices
    examples = sheetprop("--help").stdout.split("examples:")[1]
    assert set(commands) == set(re.findall(r"^  sheetprop ([\w-]+)", examples, re.M)), examples


def test_dash_writes_the_csv_to_stdout_in_shortest_round_trip_numbers(tmp_path):
    result = sheetprop("show", "--csv", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []  # no file named '-'
    header, *rows = result.stdout.splitlines()
    assert header.startswith("lr,iteration,i1") and len(rows) == 6 * 201
    fields = [field for row in rows for field in row.split(",")]
    # Each number as Python's repr writes it: the shortest text that reads back to the same float
    # (0.1, not 0.10000000000000001).
    assert all(field == repr(float(field)) or field == str(int(float(field))) for field in fields), \
        [f for f in fields if f != repr(float(f))][:3]
    assert rows[0].startswith("0.1,1,0.05,0.1,0.01,0.99,0.15,")
    target = tmp_path / "trace.csv"
    assert sheetprop("show", "--csv", str(target)).returncode == 0
    assert target.read_text().splitlines()[1:] == rows


def test_dash_writes_the_annotated_copy_to_stdout_and_the_report_to_stderr(tmp_path):
    import zipfile

    result = subprocess.run([sys.executable, "-m", "sheetprop", "verify", "tests/sheets/lecture-BackPropagation.ods",
                             "--annotate", "-"], capture_output=True, cwd=ROOT, timeout=300)
    assert result.returncode == 1  # the lecture's sheet has slips
    assert b"quantities wrong" in result.stderr and not (ROOT / "-").exists()
    (tmp_path / "copy.ods").write_bytes(result.stdout)  # in the sheet's own format
    assert zipfile.ZipFile(tmp_path / "copy.ods").read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"


def test_verifying_sheetprops_own_workbook_is_quiet():
    result = sheetprop("verify", "outputs/lecture.xlsx")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # The six rate sheets share one layout, listed once; one line each; the Compare sheet named at the end.
    assert sum(line.lstrip().startswith("columns:") for line in lines) == 1
    assert lines[1].startswith("sheets lr 0.1, lr 0.2, lr 0.5, lr 0.8, lr 1 and lr 2: header in row 6")
    assert [line for line in lines if line.startswith("sheet ")] == [
        f"sheet lr {rate}: learning rate η = {rate}, from A4 (labelled 'η (lr)' in A3); all 8635 cells agree"
        for rate in ("0.1", "0.2", "0.5", "0.8", "1", "2")]
    assert lines[-1] == "not judged, not tables of the exercise: Compare"
    assert len(lines) <= 15 and "skipped" not in result.stdout


@pytest.mark.parametrize("command", [[], ["build"], ["show"], ["verify"], ["exercise"], ["grade"]])
def test_help_imports_no_heavy_library(command):
    # --help stays fast because pandas, matplotlib, openpyxl, XlsxWriter and numpy load only when used, and so
    # do sheetprop's own writers and readers (the walkthrough, the workbook, verify).
    script = ("import sys\nfrom sheetprop.cli import main\ntry:\n    main(sys.argv[1:] + ['--help'])\n"
              "except SystemExit:\n    pass\n"
              "heavy = {'pandas', 'matplotlib', 'openpyxl', 'xlsxwriter', 'numpy', 'torch', 'sheetprop.walkthrough',"
              " 'sheetprop.workbook', 'sheetprop.verify', 'sheetprop.plots'} & set(sys.modules)\n"
              "print(sorted(heavy))")
    result = subprocess.run([sys.executable, "-c", script, *command], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


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


@pytest.mark.parametrize("command", [["show"], ["show", "--csv", "CSV"], ["verify", "tests/sheets/lecture-BackPropagation.ods"],
                                     ["verify", "tests/sheets/lecture-BackPropagation.ods", "--json"], ["build", "--out", "OUT"],
                                     ["verify", "tests/sheets/student-BackPropagation.xlsx", "--annotate", "ANNOTATED"]])
def test_a_reader_that_stops_early_ends_the_command_quietly_with_status_0(command, tmp_path):
    """As in ``sheetprop show | head -1``: the pipe is closed before sheetprop writes to it."""
    paths = {"OUT": tmp_path / "out", "CSV": tmp_path / "t.csv", "ANNOTATED": tmp_path / "annotated.xlsx"}
    command = [str(paths.get(part, part)) for part in command]
    process = subprocess.Popen([sys.executable, "-m", "sheetprop", *command], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    process.stdout.close()  # the reader has gone before the first line is written
    stderr = process.stderr.read()
    assert process.wait(timeout=300) == 0 and stderr == "", stderr
    if command[0] == "build":
        assert (tmp_path / "out" / "lecture.xlsx").exists()  # the work itself was done
    if "--csv" in command:
        assert paths["CSV"].exists()
    if "--annotate" in command:
        assert paths["ANNOTATED"].exists()  # written although the report found no reader


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_is_accepted_before_or_after_the_command(where, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("inputs = [\n")
    arguments = ["--debug", "build", str(bad)] if where == "before" else ["build", str(bad), "--debug"]
    result = sheetprop(*arguments, "--out", str(tmp_path / "out"))
    assert result.returncode != 0 and "Traceback" in result.stderr and "not valid TOML" in result.stderr
    plain = sheetprop("build", str(bad), "--out", str(tmp_path / "out"))
    assert plain.returncode == 2 and "Traceback" not in plain.stderr


def test_a_name_may_be_any_text_and_titles_keep_it(tmp_path):
    import openpyxl

    config = tmp_path / "check.toml"
    lines = "".join(f"{k} = {v}\n" for k, v in BASE.items())
    config.write_text(f'name = "blog check"\n{lines}', encoding="utf-8")
    out = tmp_path / "out"
    result = sheetprop("build", str(config), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "blog-check-learning-rates.png", "blog-check-network.svg", "blog-check-walkthrough.html",
        "blog-check-walkthrough.md", "blog-check.xlsx"]
    assert openpyxl.load_workbook(out / "blog-check.xlsx")["lr 0.5"]["A1"].value.startswith("blog check — ")
    assert "blog check" in (out / "blog-check-walkthrough.md").read_text(encoding="utf-8")
    # A name that reads like a path or a formula stays a name: the files stay in the folder, the title is text.
    config.write_text(f'name = "../../=SUM(A1)"\n{lines}', encoding="utf-8")
    assert sheetprop("build", str(config), "--out", str(out / "hostile")).returncode == 0
    assert sorted(p.name for p in (out / "hostile").iterdir())[-1] == "SUM-A1.xlsx"
    title = openpyxl.load_workbook(out / "hostile" / "SUM-A1.xlsx")["lr 0.5"]["A1"]
    assert title.data_type == "s" and title.value.startswith("../../=SUM(A1) — ")
