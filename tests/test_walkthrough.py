"""The step-by-step walkthrough: its numbers are the engine's, its chains are right, its page is self-contained.

The Markdown is parsed back: every equation's result must be the engine's value at the printed
precision, every symbolic form (definition, chain, expansion) must evaluate to that value on the engine's
numbers, and every line of substituted numbers must evaluate to it too.
"""

import dataclasses
import math
import re
from html.parser import HTMLParser

import pytest

from browser import page_requests, screenshot, visit
from helpers import run, workbook_mismatches
from sheetprop import config as configs
from sheetprop.outputs import build
from sheetprop.compare import summarize
from sheetprop.engine import iterate
from sheetprop.dialects import render
from sheetprop.graph import CHAIN, GRADIENT, build_graph
from sheetprop.walkthrough.document import walkthrough
from sheetprop.walkthrough.markdown import markdown
from sheetprop.walkthrough.reading import reading

DIGITS = 9
WIDE = {"name": "wide", "inputs": [0.1] * 12, "targets": [0.5] * 6, "layers": [12, 20, 6], "seed": 3,
        "iterations": 5, "biases": [0.1, 0.2]}
DEEP = {"name": "deep", "inputs": [[0.1, 0.2, 0.3], [0.3, -0.2, 0.1]], "targets": [[0.2, 0.8], [0.6, 0.1]],
        "layers": [3, 4, 3, 2], "seed": 2, "activations": ["tanh", "relu", "sigmoid"], "loss": "bce",
        "biases": [[0.1] * 4, [0.1] * 3, [0.0] * 2], "train_biases": True, "learning_rates": [0.3, 3.0],
        "iterations": 30}
# A softmax output and cross-entropy (the general chain and its collapse); Huber's loss on both sides of δ,
# with weight decay in the gradient.
SOFTMAX = {"name": "softmax", "inputs": [0.5, -0.3, 0.9], "targets": [0.2, 0.7, 0.1], "layers": [3, 4, 3],
           "seed": 11, "activations": ["relu", "softmax"], "loss": "cross_entropy", "biases": [0.2, 0.0],
           "learning_rates": [0.5], "iterations": 10}
HUBER = {"name": "huber", "inputs": [[0.3, 0.8], [0.9, -0.4]], "targets": [[2.5, 0.1, -0.2], [-1.5, 0.3, 0.05]],
         "layers": [2, 3, 3], "seed": 5, "activations": ["tanh", "linear"], "loss": "huber", "huber_delta": 0.4,
         "weight_decay": 0.05, "learning_rates": [0.2], "iterations": 10}


# ---------------------------------------------------------------------------------------------- parsing

def equations(text: str) -> list[tuple[str, list[str]]]:
    """(left-hand side, right-hand sides) of every equation in the Markdown's ```text blocks."""
    found = []
    for block in re.findall(r"```text\n(.*?)```", text, re.S):
        for line in block.splitlines():
            if line.startswith(" "):
                found[-1][1].append(line.strip().removeprefix("= "))
            else:
                left, *right = line.split(" = ")
                found.append((left.strip(), right))
    return found


_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_NAME = re.compile(r"∂[\w.\[\]]+/∂[\w.\[\]]+|(?<![\w.])[A-Za-z_][\w.]*(?:\[\d+\])?")
_FUNCTIONS = {"tanh": math.tanh, "ln": math.log, "max": max, "exp": math.exp, "sign": lambda x: math.copysign(1, x) if x else 0.0,
              "abs": abs}


def lines(text: str) -> set[str]:
    """Every equation as one line, whatever the Markdown's alignment and wrapping."""
    return {" = ".join([left, *right]) for left, right in equations(text)}


def number(text: str) -> float:
    """A printed number back to a float: '−0.0381' → -0.0381, '3.51×10⁻⁵' → 3.51e-05."""
    return float(re.sub(r"×10([⁻⁰-⁹¹²³]+)", lambda m: "e" + m[1].translate(_SUPERSCRIPT), text).replace("−", "-"))


def evaluate(text: str, values: dict) -> float:
    """Evaluate printed math: names take ``values``, σ is the sigmoid, [z > 0] a step."""
    names = []

    def slot(match) -> str:
        if match[0] in _FUNCTIONS or match[0] in ("if", "else"):
            return match[0]
        names.append(match[0])
        return f"_v[{len(names) - 1}]"

    text = re.sub(r"×10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)", lambda m: "e" + m[1].translate(_SUPERSCRIPT), text)
    text = re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+", lambda m: "**" + m[0].translate(_SUPERSCRIPT), text)
    text = re.sub(r"\|([^|]+)\|", r"abs(\1)", text).replace(", else ", " else ")  # |x|; (a if c, else b)
    text = _NAME.sub(slot, text)  # names first: h1[2] keeps its brackets, a step's [z > 0] does not
    text = (text.replace("η", "_lr").replace("δ", "_delta").replace("λ", "_decay").replace("μ", "_momentum")
            .replace("σ", "_sigmoid").replace("½", "0.5*").replace("·", "*")
            .replace("−", "-").replace("[", "(").replace("]", ")").replace("_v(", "_v["))
    text = re.sub(r"_v\[(\d+)\)", r"_v[\1]", text)
    namespace = dict(_FUNCTIONS, _v=[values[n] for n in names], _lr=values.get("lr"), _delta=values.get("delta"),
                     _decay=values.get("weight_decay"), _momentum=values.get("momentum"),
                     _sigmoid=lambda z: 1 / (1 + math.exp(-z)))
    return float(eval(text, {"__builtins__": {}}, namespace))  # noqa: S307 - the test's own generated text


def printed_from(value: float, text: str, digits: int = DIGITS) -> bool:
    """Is ``text`` the value rounded to ``digits`` significant digits (half a unit in the last place)?"""
    shown = number(text)
    if value == 0:
        return shown == 0
    unit = 10 ** (math.floor(math.log10(abs(value))) - digits + 1)
    return abs(shown - value) <= 0.5 * unit + 4 * math.ulp(value)  # a tie in decimal may round either way


def tables(text: str) -> list[list[list[str]]]:
    """Every Markdown table as rows of cells (header first, the alignment row left out)."""
    found, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            cells = [c.strip().strip("`") for c in line.strip("|").split(" | ")]
            if not set(line) <= set("|-: "):
                current.append(cells)
        elif current:
            found.append(current)
            current = []
    return found


# ---------------------------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def lecture_build(lecture, tmp_path_factory):
    return build(lecture, tmp_path_factory.mktemp("walkthrough"))


@pytest.fixture(scope="module")
def lecture_md(lecture_build):
    return lecture_build.workbook.with_name("lecture-walkthrough.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def lecture_page(lecture_build):
    return lecture_build.workbook.with_name("lecture-walkthrough.html")


def engine_values(config, rate: float):
    """Iteration 1's values by name (with lr), and iteration 2's, for one rate."""
    graph = build_graph(config.network)
    first, second = iterate(graph, config.values, rate, 2)
    names = [q.name for q in graph.quantities]
    return graph, dict(config.values, **dict(zip(names, first)), lr=rate), dict(zip(names, second))


def document_text(config, digits: int = DIGITS) -> str:
    """The Markdown of a config's walkthrough, without writing a workbook."""
    graph = build_graph(config.network)
    losses = {r: [row[graph.index["E_total"]] for row in iterate(graph, config.values, r, config.iterations)]
              for r in config.learning_rates}
    return markdown(walkthrough(config, graph, summarize(losses, config.threshold), digits), {})


def example(request, name):
    return request.getfixturevalue(name) if isinstance(name, str) else configs.parse(name)


# ---------------------------------------------------------------------------------------------- numbers

@pytest.mark.parametrize("which", ["lecture", "blog", "targets_half", WIDE, DEEP, SOFTMAX, HUBER],
                         ids=["lecture", "blog", "targets-half", "wide", "deep", "softmax", "huber"])
def test_every_number_is_the_engines(which, request):
    config = example(request, which)
    graph, first, second = engine_values(config, config.shown_rate)
    found = equations(document_text(config))
    assert len(found) >= 10
    checked = 0
    for left, right in found:
        name, after = left.removesuffix("⁺"), left.endswith("⁺")
        value = (second if after else first)[name]
        assert printed_from(value, right[-1]), (left, right[-1], value)
        for side in right[:-1]:
            if "…" in side:  # an elided sum of a wide layer: its result is checked, its terms cannot be
                continue
            numeric = not re.search(r"[A-Za-z∂ηδλμ]", re.sub(r"σ|tanh|ln|max|exp|sign|if|else", "", side))
            got = evaluate(side, first)
            # Symbolic forms on the engine's own numbers are exact; printed numbers carry 9-digit rounding.
            tolerance = dict(rel=1e-6, abs=1e-9) if numeric else dict(rel=1e-11, abs=1e-15)
            assert got == pytest.approx(value, **tolerance), (left, side)
            checked += 1
    assert checked >= len(found)


def test_a_wrong_number_is_caught():
    assert printed_from(0.0721570729, "0.0721570729")
    assert not printed_from(0.0721570729, "0.0721570739")
    assert not printed_from(0.0721570729, "0.072157073")  # a digit short is not 9 significant digits
    assert number("3.51085×10⁻⁵") == 3.51085e-05 and number("−0.0381") == -0.0381
    assert evaluate("½(0.01 − 0.606477732)²", {}) == pytest.approx(0.177892843, rel=1e-8)
    assert evaluate("(a_o1 − t1)·a_o1·(1 − a_o1)·a_h1", {"a_o1": 0.5, "t1": 0.1, "a_h1": 2}) == pytest.approx(0.2)


def test_the_worked_example_reads_as_the_lecture(lecture_md):
    assert "h1 = w1·i1 + w2·i2 = 0.15·0.05 + 0.2·0.1 = 0.0275" in lines(lecture_md)
    assert "E_total = E1 + E2 = 0.177892843 + 0.0646270148 = 0.242519857" in lines(lecture_md)
    assert "a_h1 = σ(h1) = σ(0.0275) = 0.506874567" in lines(lecture_md)
    assert "w5⁺ = w5 − η·∂E/∂w5 = 0.4 − 0.1·0.0721570729 = 0.392784293" in lines(lecture_md)


def test_blog_numbers_as_published(blog):
    """The blog's printed figures, found in the document at the blog's own precision where it gives 9 digits."""
    text = document_text(blog)
    for published in ("0.593269992", "0.75136507", "0.298371109", "0.35891648", "0.149780716"):
        assert published in text, published


def test_digits_set_the_precision(lecture):
    text = lines(document_text(lecture, digits=4))
    assert "a_h1 = σ(h1) = σ(0.0275) = 0.5069" in text
    assert "E_total = E1 + E2 = 0.1779 + 0.06463 = 0.2425" in text


def test_loss_table_is_the_summary(lecture, lecture_build, lecture_md):
    table = next(t for t in tables(lecture_md) if t[0][0] == "iteration")
    trajectories = lecture_build.summary.trajectories
    cases = list(trajectories)
    assert table[0][1:] == [f"η = {case.rate:g}" for case in cases]
    assert [int(row[0]) for row in table[1:]] == [1, 2, 3, 5, 10, 20, 50, 100, 200, 201]
    for row in table[1:]:
        for case, text in zip(cases, row[1:]):
            assert printed_from(trajectories[case][int(row[0]) - 1], text)


def test_updated_weights_for_every_rate(lecture, lecture_md):
    table = next(t for t in tables(lecture_md) if t[0][:2] == ["quantity", "iteration 1"])
    assert [row[0] for row in table[1:]] == [f"w{k}" for k in range(1, 9)] + ["E_total"]
    for column, rate in enumerate(lecture.learning_rates, start=2):
        graph, rows = run(lecture, rate, 2)
        for row in table[1:]:
            assert printed_from(rows[1][graph.index[row[0]]], row[column]), (rate, row[0])


# ---------------------------------------------------------------------------------------------- chains

def test_every_derivative_of_the_lecture_appears_with_its_chain(lecture, lecture_md):
    graph = build_graph(lecture.network)
    found = dict(equations(lecture_md))
    derivatives = [q for q in graph.quantities if q.role in (CHAIN, GRADIENT)]
    assert len(derivatives) == 12 + 8
    for q in derivatives:
        sides = found[q.name]
        assert sides[0] == q.math().split(" = ", 1)[1], q.name  # the definition the workbook's note gives
        assert q.math_expanded(graph).split(" = ", 1)[1] in sides, q.name  # the chain down to forward values
    # The chain as the lecture writes it, spelled out here independently of the code.
    assert found["∂E/∂w5"][:3] == ["∂E/∂o1·a_h1", "∂E/∂a_o1·∂a_o1/∂o1·a_h1", "(a_o1 − t1)·a_o1·(1 − a_o1)·a_h1"]
    assert found["∂E/∂w1"][:2] == ["∂E/∂h1·i1", "∂E/∂a_h1·∂a_h1/∂h1·i1"]
    assert found["∂E/∂a_h1"][0] == "∂E/∂o1·w5 + ∂E/∂o2·w7"
    assert found["w5⁺"][0] == "w5 − η·∂E/∂w5"


def test_text_and_workbook_notes_share_definitions(lecture_build, lecture, lecture_md):
    """Each equation's definition is the math in the note of the workbook column with that name."""
    import openpyxl

    from sheetprop.limits import HEADER_ROW

    sheet = openpyxl.load_workbook(lecture_build.workbook)["lr 0.1"]
    notes = {cell.value: cell.comment.text for cell in sheet[HEADER_ROW + 1] if cell.comment}
    found = dict(equations(lecture_md))
    for name, sides in found.items():
        if not name.endswith("⁺"):
            assert f"{name} = {sides[0]}" in notes[name], name


def test_large_networks_are_summarised_by_layer():
    config = configs.parse(dict(WIDE, layers=[12, 60, 6]))
    graph = build_graph(config.network)
    text = document_text(config)
    assert len(graph.quantities) > 2500 and len(text.splitlines()) < 400
    assert "The other 118 of this layer work the same way" in text
    rows = [row for table in tables(text) for row in table]
    assert ["h1 … h60", "60"] in [row[:2] for row in rows]
    assert ["w1 … w720", "720"] in [row[:2] for row in rows]  # the starting weights into the hidden layer
    assert "h1 = w1·i1 + w2·i2 + w3·i3 + w4·i4 + … + b1" in {line.split(" = ")[0] + " = " + line.split(" = ")[1]
                                                            for line in lines(text)}  # a 13-term sum, elided


# ---------------------------------------------------------------------------------------------- reading

def test_reading_names_the_fastest_and_the_diverging():
    summary = summarize({0.5: [0.3, 0.2, 0.1], 2.0: [0.3, 0.05, 0.004], 40.0: [0.3, 0.9, 2.5]}, 0.01)
    text = " ".join(reading(summary))
    assert "η = 2 converges fastest" in text and "iteration 3" in text
    assert "η = 40 diverges" in text
    assert "η = 0.5 is still on its way" in text


def test_reading_of_the_lecture(lecture_md):
    assert "η = 2 converges fastest: E_total falls below the threshold 0.01 at iteration 60" in lecture_md
    assert "No rate diverges" in lecture_md


def test_a_real_divergence_is_read_as_one():
    config = configs.parse({"inputs": [1.0], "targets": [0.5], "weights": [0.2], "layers": [1, 1],
                            "activations": "linear", "learning_rates": [0.5, 2.5], "iterations": 10})
    text = document_text(config)
    assert "η = 0.5 converges fastest" in text and "η = 2.5 diverges" in text


# ---------------------------------------------------------------------------------------------- html

class _Resources(HTMLParser):
    """Every tag and every attribute that can make a browser fetch something."""

    def __init__(self):
        super().__init__()
        self.tags, self.fetches = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for key, value in attrs:
            if key in ("src", "href", "srcset", "poster", "data", "action") and value:
                self.fetches.append(value)


def test_html_has_no_external_resource(lecture_page):
    text = lecture_page.read_text(encoding="utf-8")
    parser = _Resources()
    parser.feed(text)
    assert not {"link", "iframe", "object", "embed"} & set(parser.tags)
    # One script, the living page's own, inline (no src) and allowed by its hash alone.
    assert parser.tags.count("script") == 1 and "script-src 'sha256-" in text and "unsafe-eval" not in text
    assert parser.fetches and all(v.startswith("data:image/png;base64,") for v in parser.fetches)
    assert not re.search(r"url\(|@import", text)
    assert "Content-Security-Policy" in text and "default-src 'none'" in text


def test_html_opens_in_chromium_without_network_and_without_tex(lecture_page, lecture_md, tmp_path):
    page = visit(lecture_page, tmp_path)
    assert page.requests == []
    assert page.dom.count("<math") > len(equations(lecture_md))
    assert "<svg" in page.dom and "data:image/png;base64," in page.dom
    for tex in ("\\frac", "\\partial", "$$", "\\(", "\\sigma", "\\cdot"):
        assert tex not in page.dom, tex
    assert "0.0721570729" in page.dom and "0.242519857" in page.dom  # the numbers came through
    shot = screenshot(lecture_page, tmp_path / "page.png", tmp_path)
    from PIL import Image

    with Image.open(shot) as image:
        assert image.size == (1100, 2400)
        assert len(image.convert("RGB").getcolors(1 << 20) or []) > 50  # drawn text and a diagram, not blank


def test_the_network_check_sees_a_page_that_fetches(tmp_path):
    page = tmp_path / "fetches.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png">'
                    '<link rel="stylesheet" href="https://cdn.example.invalid/katex.css"></body></html>')
    requests = visit(page, tmp_path / "chromium").requests
    assert "http://127.0.0.1:9/x.png" in requests


def test_page_requests_reads_the_net_log(tmp_path):
    log = tmp_path / "log.json"
    log.write_text('{"constants": {"logEventTypes": {"URL_REQUEST_START_JOB": 7}}, "events": ['
                   '{"type": 7, "params": {"url": "https://update.googleapis.com/x", "network_isolation_key": "null null"}},'
                   '{"type": 7, "params": {"url": "file:///page.html", "network_isolation_key": "file:// file://"}},'
                   '{"type": 7, "params": {"url": "https://cdn.example/k.css", "network_isolation_key": "file:// file://"}}]}')
    assert page_requests(log) == ["https://cdn.example/k.css"]


def test_html_results_match_the_markdown(lecture_md, lecture_page):
    """Every result printed in the Markdown is a number in the page's MathML."""
    shown = set(re.findall(r"<mn>([^<]+)</mn>", lecture_page.read_text(encoding="utf-8")))
    for left, right in equations(lecture_md):
        assert right[-1].lstrip("−") in shown, left


# ---------------------------------------------------------------------------------------------- files

def test_build_writes_the_walkthrough_files_deterministically(lecture, lecture_build, tmp_path):
    again = build(lecture, tmp_path)
    names = {p.name for p in lecture_build.files}
    assert {"lecture-walkthrough.md", "lecture-walkthrough.html", "lecture-network.svg"} <= names
    for path in lecture_build.files:
        if path.suffix in (".md", ".html", ".svg"):
            assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
    assert not list(tmp_path.glob(".*.part"))
    assert again.workbook.name == "lecture.xlsx"


# ---------------------------------------------------------------------------------------------- ods

@pytest.fixture(scope="module")
def ods_build(lecture, tmp_path_factory):
    small = dataclasses.replace(lecture, iterations=20, learning_rates=(0.5, 2.0))
    return small, build(small, tmp_path_factory.mktemp("ods"), formats=("xlsx", "ods"))


def test_ods_keeps_the_formulas(ods_build):
    import zipfile

    import openpyxl
    from openpyxl.worksheet.formula import ArrayFormula

    _, result = ods_build
    ods = result.workbook.with_suffix(".ods")
    assert ods in result.files
    with zipfile.ZipFile(ods) as archive:
        assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
        content = archive.read("content.xml").decode("utf-8")
    workbook = openpyxl.load_workbook(result.workbook)
    formulas = sum(1 for sheet in workbook for row in sheet.iter_rows() for cell in row
                   if isinstance(cell.value, ArrayFormula) or str(cell.value).startswith("="))
    assert content.count('table:formula="of:=') == formulas > 1800


def test_ods_reopened_by_libreoffice_has_formulas_and_the_engines_values(ods_build, tmp_path):
    import openpyxl

    from sheetprop.libreoffice import convert

    _, result = ods_build
    reopened = convert(result.workbook.with_suffix(".ods"), tmp_path, "xlsx")  # recalculated on load
    assert workbook_mismatches(result.workbook, reopened) == []
    sheet = openpyxl.load_workbook(reopened)["lr 0.5"]
    assert sheet["J8"].value == "=J7-$A$4*AO7"  # w5 of iteration 2, as the writer made it


def test_ods_only_writes_no_xlsx(lecture, tmp_path):
    small = dataclasses.replace(lecture, iterations=3, learning_rates=(0.5,))
    result = build(small, tmp_path, formats=("ods",))
    assert result.workbook == tmp_path / "lecture.ods" and result.workbook.exists()
    assert not (tmp_path / "lecture.xlsx").exists()
    assert "lecture.ods" in (tmp_path / "lecture-walkthrough.md").read_text(encoding="utf-8")


def test_ods_without_libreoffice_writes_nothing(lecture, tmp_path, monkeypatch):
    from sheetprop import libreoffice

    monkeypatch.setattr(libreoffice.shutil, "which", lambda name: None)
    with pytest.raises(libreoffice.LibreOfficeError, match="apt-get install"):
        build(lecture, tmp_path / "out", formats=("xlsx", "ods"))
    assert not (tmp_path / "out").exists()


def test_unknown_format_is_refused(lecture, tmp_path):
    with pytest.raises(ValueError, match="xlsx, ods"):
        build(lecture, tmp_path, formats=("pdf",))


def test_math_dialects_unchanged():
    """The walkthrough adds renderers beside expr.py's; the three dialects still read as before."""
    graph = build_graph(configs.parse({"inputs": [0.05, 0.1], "targets": [0.01, 0.99],
                                       "weights": [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55]}).network)
    assert render(graph["E1"].expr, "math") == "½(t1 − a_o1)²"
    assert render(graph["E1"].expr, "excel", lambda n: n.name.upper()) == "0.5*(T1-A_O1)^2"


# ---------------------------------------------------------------------------------------------- on a projector

FIVE_LAYERS = {"name": "five", "inputs": [0.1, 0.2], "targets": [0.3, 0.4], "layers": [2, 3, 3, 3, 2], "seed": 1,
               "biases": [[0.1] * 3, [0.2] * 3, [0.3] * 3, [0.4] * 2], "iterations": 20}

SIZES = """
const body = parseFloat(getComputedStyle(document.body).fontSize);
const size = e => parseFloat(getComputedStyle(e).fontSize);
const svg = document.querySelector("figure[data-live=network] svg, figure svg");
const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
const columns = Array.from(document.querySelectorAll("table:not([data-live=start])"), table => {
  const numbers = Array.from(table.querySelectorAll("tbody tr"), tr => Array.from(tr.cells).map(
    (td, i) => td.classList.contains("number") && /\\./.test(td.textContent) ? [i, td.textContent, td.getBoundingClientRect().right] : null)
    .filter(Boolean));
  return numbers.flat();
});
return {body, width: window.innerWidth,
        fractions: Array.from(document.querySelectorAll("mfrac mi, mfrac mn"), e => size(e) / body),
        diagram: Array.from(svg.querySelectorAll("text"), t => size(t) * scale),
        columns};
"""


@pytest.mark.parametrize("source", ["lecture", "xor", "five"])
def test_the_page_reads_on_a_1280_pixel_projector(source, tmp_path):
    from browser import Driven
    from sheetprop.walkthrough import write_walkthrough
    from sheetprop.runs import Run

    config = configs.parse(FIVE_LAYERS) if source == "five" else configs.load(
        __import__("pathlib").Path(__file__).parent.parent / "examples" / f"{source}.toml")
    run = Run.of(config)
    (tmp_path / "page").mkdir()
    page = write_walkthrough(config, run.graph, run.summary, tmp_path / "page").html
    driven = Driven(tmp_path / "chromium")
    driven.driver.set_window_size(1280, 900)
    driven.open(page)
    shown = driven.script(SIZES)
    assert driven.quit() == []
    assert shown["width"] == 1280 and shown["body"] >= 18
    # The ∂E/∂… fractions at the size of the math around them: a subscript inside is 0.8 of it, no smaller
    # (inline fractions were drawn at about 0.6 of the text).
    assert shown["fractions"] and min(shown["fractions"]) >= 0.85
    # The diagram's labels: 12 pixels or more, however wide the network (a wide one scrolls rather than shrink).
    assert min(shown["diagram"]) >= 12, sorted(shown["diagram"])[:3]
    # Every number in a table of results shows all its digits (0.150000000 beside 0.149981174), right-aligned.
    for table in shown["columns"]:
        by_column = {}
        for column, text, right in table:
            by_column.setdefault(column, []).append((text, right))
        for cells in by_column.values():
            assert len({round(right) for _, right in cells}) == 1
            assert all(len(re.sub(r"\D", "", text.split("×")[0]).lstrip("0")) == DIGITS
                       or float(text.replace("−", "-").split("×")[0]) == 0 for text, _ in cells), cells
