"""The living walkthrough in real headless Chromium (Selenium, Debian's chromium-driver): edits and links
recompute the page to the engine's numbers for the edited config, and nothing leaves the page.

The expected page is the one sheetprop writes for the edited config (the Python engine's numbers, its
own Markdown-tested renderer); the lecture's edited numbers are also held against PyTorch float64
autograd and torch.optim, which share nothing with the page's script.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import itertools
import math
import random
import re
import tomllib
from pathlib import Path

import pytest

from browser import Driven, visit
from reference import trajectory
from sheetprop import config as configs
from sheetprop import plots
from sheetprop.compare import Case
from sheetprop.dialects import mathml_number
from sheetprop.engine import iterate
from sheetprop.graph import neuron_names
from sheetprop.numerals import number
from sheetprop.runs import Run
from sheetprop.walkthrough import write_walkthrough
from test_walkthrough import DEEP, WIDE, printed_from

from selenium.webdriver.common.by import By  # selenium: the test extra; a missing one fails loudly
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

DIGITS = 9

# What the page shows, as text: every equation group, every table but the fields' own, every paragraph
# outside the panel, and the fields' values. The one phrase that names where η came from is set aside.
SHOWN = """
const texts = sel => Array.from(document.querySelectorAll(sel), e => e.textContent);
for (const w of document.querySelectorAll("span[data-live=which]")) w.textContent = "WHICH";
return {
  equations: texts("div.equations"),
  tables: texts("table:not([data-live=start])"),
  paragraphs: texts("body > p"),
  labels: texts("figure svg text[data-value]"),
  fields: Object.fromEntries(Array.from(document.querySelectorAll("input.num"), i => [i.dataset.param, i.value])),
  updates: document.body.dataset.updates,
  status: (document.querySelector(".live-status") || {}).textContent,
  chart: document.querySelectorAll("figure svg.live-chart polyline").length,  // a line per run, per scale
  picture: !!document.querySelector("figure img:not([hidden])"),
};
"""


def edited(config, values=None, lr=None, rates=None, iterations=None):
    """The config with some values changed, as the page's fields change them."""
    return dataclasses.replace(config, values={**config.values, **(values or {})},
                               walkthrough_rate=config.walkthrough_rate if lr is None else float(lr),
                               learning_rates=tuple(rates) if rates else config.learning_rates,
                               iterations=iterations or config.iterations)


def page(config, folder, chart=None, digits=DIGITS):
    """The walkthrough page sheetprop writes for ``config``."""
    folder.mkdir(parents=True, exist_ok=True)
    run = Run.of(config)
    return write_walkthrough(config, run.graph, run.summary, folder, chart, digits).html


@pytest.fixture
def browser(tmp_path):
    driven = Driven(tmp_path / "chromium")
    yield driven
    assert driven.quit() == []  # no request left any page the test opened


def shown(browser):
    return browser.script(SHOWN)


def assert_same_page(live, expected):
    """The live page shows what the Python engine's page for the edited config shows (an equation may
    stay on one line where the Python page, its numbers longer, breaks it: line breaks are not compared)."""
    for key in ("equations", "tables", "paragraphs", "labels"):
        assert len(live[key]) == len(expected[key]), key
        for got, want in zip(live[key], expected[key]):
            if key in ("equations", "tables"):
                got, want = re.sub(r"\s+", "", got), re.sub(r"\s+", "", want)
            assert got == want


# Mini-batches of 2 from 5 examples (each iteration's gradient chosen by the iteration), ReLU and a linear
# output, mse, trained biases per layer, and two optimizers with hyperparameters of their own.
MINIBATCH = {"name": "minibatch", "inputs": [[0.1, 0.9], [0.4, 0.2], [0.8, 0.5], [0.3, 0.3], [0.6, 0.1]],
             "targets": [[0.5], [0.1], [0.9], [0.2], [0.4]], "layers": [2, 3, 1], "seed": 4, "batch_size": 2,
             "activations": ["relu", "linear"], "loss": "mse", "biases": [0.1, 0.0], "train_biases": True,
             "optimizers": ["rmsprop", "nesterov"], "learning_rates": [0.01, 0.05], "iterations": 25}

# Huber's δ and weight decay added to momentum's gradient, beside AdamW: fields of the page as any parameter's.
HUBER = {"name": "huber", "inputs": [[0.3, 0.8], [0.9, 0.1]], "targets": [[1.5, -0.5], [0.2, 0.4]], "layers": [2, 3, 2],
         "seed": 5, "activations": ["tanh", "linear"], "loss": "huber", "huber_delta": 0.5, "weight_decay": 0.02,
         "optimizers": ["momentum", "adamw"], "learning_rates": [0.1, 0.3], "iterations": 30}

CASES = {
    "lecture": ("examples/lecture.toml", "w5=0.3&lr=0.5", dict(values={"w5": 0.3}, lr=0.5)),
    "blog-biases": ("examples/blog.toml", "b1=0.5&i2=0.3&t1=0.2&lr=2",
                    dict(values={"b1": 0.5, "i2": 0.3, "t1": 0.2}, lr=2.0)),
    "xor-examples": ("examples/xor.toml", "i1[3]=0.8&t1[2]=0.7&b_h2=0.1&rates=2,5,9&iterations=120&lr=9",
                     dict(values={"i1[3]": 0.8, "t1[2]": 0.7, "b_h2": 0.1}, rates=(2.0, 5.0, 9.0), iterations=120,
                          lr=9.0)),
    "optimizers": ("examples/optimizers.toml", "momentum=0.5&beta1=0.8&eps=1e-6&w1=0.1&lr=0.5",
                   dict(values={"momentum": 0.5, "beta1": 0.8, "eps": 1e-6, "w1": 0.1}, lr=0.5)),
    "deep-bce": (DEEP, "w3=0.5&b_h1.1=-0.4&i2[2]=0.9&t1[1]=0.7&iterations=12",
                 dict(values={"w3": 0.5, "b_h1.1": -0.4, "i2[2]": 0.9, "t1[1]": 0.7}, iterations=12)),
    "minibatch-rmsprop": (MINIBATCH, "alpha=0.9&b1=0.2&i2[3]=-0.5&w4=0.7&iterations=40&lr=0.05",
                          dict(values={"alpha": 0.9, "b1": 0.2, "i2[3]": -0.5, "w4": 0.7}, iterations=40, lr=0.05)),
    "classifier": ("examples/classifier.toml", "w3=0.4&i2[3]=0.5&b_o1=0.2&weight_decay=0.05&lr=0.4",
                   dict(values={"w3": 0.4, "i2[3]": 0.5, "b_o1": 0.2, "weight_decay": 0.05}, lr=0.4)),
    "huber-decay": (HUBER, "delta=0.2&weight_decay=0.1&t1[1]=2&momentum=0.5",
                    dict(values={"delta": 0.2, "weight_decay": 0.1, "t1[1]": 2.0, "momentum": 0.5})),
    "wide-summarised": (WIDE, "w1=0.9&w300=-2&b2=0.7&rates=0.5,4&lr=4",
                        dict(values={"w1": 0.9, "w300": -2.0, "b2": 0.7}, rates=(0.5, 4.0), lr=4.0)),
}


def load(source):
    from pathlib import Path

    return configs.parse(source) if isinstance(source, dict) else configs.load(Path(__file__).parent.parent / source)


@pytest.mark.parametrize("case", list(CASES))
def test_a_link_shows_the_engines_numbers_for_its_values(case, browser, tmp_path):
    source, fragment, edits = CASES[case]
    config = load(source)
    browser.open(page(config, tmp_path / "live"), fragment)
    live = shown(browser)
    assert live["updates"] == "1" and live["status"] == ""
    assert live["chart"] == 2 * len(load(source).optimizers) * len(edits.get("rates") or load(source).learning_rates)
    browser.open(page(edited(config, **edits), tmp_path / "expected"))
    expected = shown(browser)
    assert expected["updates"] == "0"  # the expected page is the static one: sheetprop's Python numbers
    assert_same_page(live, expected)
    for name, value in edits.get("values", {}).items():
        if name in live["fields"]:
            assert float(live["fields"][name]) == value


@pytest.mark.parametrize("case", ["lecture", "xor-examples", "optimizers", "minibatch-rmsprop", "deep-bce",
                                  "classifier", "huber-decay"])
def test_the_pages_rows_are_the_engines_in_full_precision(case, browser, tmp_path):
    """Beyond the digits shown: iteration 1 and 2 and E_total down every run, float64, as the engine's
    (rel 1e-12: the browser's exp and tanh may differ from the C library's in the last bit)."""
    source, fragment, edits = CASES[case]
    config = load(source)
    browser.open(page(config, tmp_path), fragment)
    rows = browser.script("return window.sheetprop.rows()")
    config = edited(config, **edits)
    run = Run.of(config)
    first, second = list(iterate(run.graph, config.values, config.shown_rate, 2))
    assert len(rows["r1"]) == len(first)
    for got, want in zip(rows["r1"] + rows["r2"], first + second):
        assert got == pytest.approx(want, rel=1e-12, abs=1e-300)
    assert [(o, r) for o, r, _ in rows["runs"]] == [tuple(c) for c in config.cases]
    for optimizer, rate, losses in rows["runs"]:
        want = [row[run.graph_of(Case(optimizer, rate)).index["E_total"]] for row in run.rows(Case(optimizer, rate))]
        got = [float(v) for v in losses]  # as text: NaN and Infinity survive
        assert len(got) == len(want) == config.iterations
        for g, w in zip(got, want):
            assert (math.isnan(g) and math.isnan(w)) or g == pytest.approx(w, rel=1e-12, abs=1e-300)


def test_typing_in_the_fields_recomputes_keeps_the_link_and_resets(browser, tmp_path):
    config = load("examples/lecture.toml")
    run = Run.of(config)
    folder = tmp_path / "live"
    folder.mkdir()
    chart, = plots.write(run, folder)  # the build's PNG: the page shows it for the config's own values
    live_page = write_walkthrough(config, run.graph, run.summary, folder, chart, DIGITS).html
    browser.open(live_page)
    original = shown(browser)
    for name, text in (("w5", "0.3"), ("lr", "0.5"), ("rates", "0.5, 1, 3")):
        box = browser.driver.find_element(By.CSS_SELECTOR, f"input.num[data-param='{name}']")
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(text)
    live = shown(browser)
    assert browser.driver.current_url.endswith("#w5=0.3&lr=0.5&rates=0.5,1,3")
    browser.open(page(edited(config, values={"w5": 0.3}, lr=0.5, rates=(0.5, 1.0, 3.0)), tmp_path / "expected"))
    assert_same_page(live, shown(browser))
    browser.open(live_page, "w5=0.3&lr=0.5&rates=0.5,1,3")  # the link opens the same variant
    assert_same_page(shown(browser), live)
    browser.driver.find_element(By.CSS_SELECTOR, ".live-panel button").click()
    back = shown(browser)
    assert_same_page(back, original)
    assert back["fields"] == original["fields"] and "#" not in browser.driver.current_url
    assert back["picture"] and original["picture"] and back["chart"] == 0
    # A new link pasted into the same tab: the page follows its fragment.
    count = int(back["updates"])
    browser.script("location.hash = 'w5=0.3&lr=0.5&rates=0.5,1,3'")
    WebDriverWait(browser.driver, 20).until(lambda d: d.execute_script("return document.body.dataset.updates")
                                            == str(count + 1))
    assert_same_page(shown(browser), live)


def test_the_edited_lecture_agrees_with_pytorch(browser, tmp_path):
    """w5, w1, i1 and t2 edited, rates 0.5, 1 and 3: the gradients of iteration 1, the weights after one
    update at each rate and E_total down the iterations, as torch.optim's SGD computes them."""
    config = load("examples/lecture.toml")
    values = {"w5": 0.3, "w1": 0.2, "i1": 0.1, "t2": 0.8}
    rates = (0.5, 1.0, 3.0)
    browser.open(page(config, tmp_path), "w5=0.3&w1=0.2&i1=0.1&t2=0.8&rates=0.5,1,3&lr=1")
    tables = browser.script("""
      const grab = t => Array.from(t.rows, r => Array.from(r.cells, c => c.textContent));
      const results = Array.from(document.querySelectorAll("div.equations .lhs.start"), lhs => {
        const rhs = lhs.nextElementSibling; let row = lhs;
        while (row.nextElementSibling && row.nextElementSibling.nextElementSibling
               && !row.nextElementSibling.nextElementSibling.classList.contains("start")) row = row.nextElementSibling.nextElementSibling;
        const last = (row === lhs ? rhs : row.nextElementSibling).querySelectorAll("[data-v]");
        return [lhs.textContent, last[last.length - 1].textContent];
      });
      return {after: grab(document.querySelector("table[data-live=after]")),
              losses: grab(document.querySelector("table[data-live=losses]")), results};""")
    edited_config = edited(config, values=values, rates=rates, lr=1.0)
    trained = [f"w{k}" for k in range(1, 9)]
    runs = {rate: trajectory(edited_config, rate, config.iterations, trained) for rate in rates}
    # After one update: each weight and E_total at iteration 2, per rate.
    header, *rows = tables["after"]
    assert header == ["quantity", "iteration 1", "η = 0.5", "η = 1", "η = 3"]
    for row in rows:
        name = row[0].replace("E", "E_", 1) if row[0] == "Etotal" else row[0]
        for rate, cell in zip(rates, row[2:]):
            loss, weights = runs[rate][1]
            assert printed_from(loss if name == "E_total" else weights[name], cell), (name, rate)
    # E_total at the checkpoints.
    header, *rows = tables["losses"]
    for row in rows:
        iteration = int(row[0])
        for rate, cell in zip(rates, row[1:]):
            assert printed_from(runs[rate][iteration - 1][0], cell), (iteration, rate)
    # The gradients of iteration 1 (∂E/∂w1 … reads ∂E∂w1 as text).
    from reference import gradients

    _, grads = gradients(edited_config)
    found = {lhs: value for lhs, value in tables["results"]}
    for name, grad in grads.items():
        assert printed_from(grad, found[f"∂E∂{name}"]), name


def test_bad_values_are_named_and_change_nothing(browser, tmp_path):
    config = load("examples/lecture.toml")
    live_page = page(config, tmp_path)
    browser.open(live_page)
    original = shown(browser)
    box = browser.driver.find_element(By.CSS_SELECTOR, "input.num[data-param='w5']")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("abc")
    after = shown(browser)
    assert box.get_attribute("aria-invalid") == "true" and after["status"] == "w5: not a number"
    assert_same_page(after, original)
    browser.open(live_page, "w5=abc&zz=1&iterations=0&lr=0.5")
    opened = shown(browser)
    assert opened["status"] == ("w5 = abc: not a number; zz: no such value in this network; "
                                "iterations = 0: a whole number from 1 to 100,000")
    browser.open(page(edited(config, lr=0.5), tmp_path / "expected"))
    assert_same_page(opened, shown(browser))  # what could be read was applied


def test_the_page_refuses_what_the_config_refuses(browser, tmp_path):
    """More runs than the Compare chart draws, a bce target that is no probability: refused by the page, in a
    link, as ``config`` refuses them."""
    config = load(DEEP)
    too_many = ",".join(f"{0.001 * k:g}" for k in range(1, configs.MAX_RUNS // len(config.optimizers) + 2))
    with pytest.raises(configs.ConfigError, match=f"at most {configs.MAX_RUNS} lines"):
        configs.parse({**DEEP, "learning_rates": [float(r) for r in too_many.split(",")]})
    ((who, _, rule, _),) = configs.target_rules(config.network.loss, config.network.activations[-1])
    low, high = f"{rule.low:g}", f"{rule.high:g}"
    with pytest.raises(configs.ConfigError, match="key 'targets'"):
        configs.parse({**DEEP, "targets": [[rule.high + 0.5, 0.8], [0.6, 0.1]]})
    browser.open(page(config, tmp_path), f"rates={too_many}&t1[1]={rule.high + 0.5}&t2[1]={low}")
    assert shown(browser)["status"] == (f"rates = {too_many}: at most {configs.MAX_RUNS} runs; "
                                        f"t1[1] = {rule.high + 0.5}: {who} needs a target from {low} to {high}")


def test_the_page_refuses_targets_that_do_not_sum_to_1_as_the_config_does(browser, tmp_path):
    """cross_entropy's targets are a probability distribution: an example's changed alone no longer sums to
    1 and is refused, in a link and typed; changed together they are taken."""
    config = load("examples/classifier.toml")
    with pytest.raises(configs.ConfigError, match="the targets sum to 1.5"):
        configs.parse({**tomllib.loads((Path(__file__).parent.parent / "examples/classifier.toml").read_text()), "targets": [[1, 0.5, 0]] * 6})
    browser.open(page(config, tmp_path), "t2[1]=0.5&w1=0.3")
    live = shown(browser)
    assert live["status"] == "cross_entropy needs t1[1], t2[1], t3[1] to sum to 1, not 1.5"
    browser.open(page(edited(config, values={"w1": 0.3}), tmp_path / "w1"))
    assert_same_page(live, shown(browser))  # the targets as the config gives them, w1 as the link does
    browser.open(page(config, tmp_path / "together"), "t1[1]=0.25&t2[1]=0.75")
    together = shown(browser)
    assert together["status"] == ""
    browser.open(page(edited(config, values={"t1[1]": 0.25, "t2[1]": 0.75}), tmp_path / "expected"))
    assert_same_page(together, shown(browser))


def test_the_pages_numbers_are_printed_as_python_prints_them(browser, tmp_path):
    """The script's formatter against sheetprop.numerals and the MathML dialect, on awkward values."""
    browser.open(page(load("examples/lecture.toml"), tmp_path))
    rng = random.Random(5)
    values = [0.0, -0.0, 0.125, 0.375, 2.5, 1e16, 123456789.5, 1e-4, 9.99999999995e-5, 0.000123456789, 5e-324,
              1.7976931348623157e308, -3.51085e-05, 0.1 + 0.2, 99999.99999, 999999999.5, math.nan, math.inf, -math.inf]
    values += [rng.uniform(-1, 1) * 10 ** rng.randint(-12, 12) for _ in range(600)]
    values += [rng.randint(-999, 999) / 8 * 10 ** rng.randint(-3, 3) for _ in range(200)]  # exact ties
    for digits in (2, 3, 9):
        got = browser.script("""const [values, digits] = arguments;
            return values.map(v => { const x = v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity
                                       : v === "-0" ? -0 : v;
              return [window.sheetprop.number(x, digits), window.sheetprop.mathmlNumber(x, digits, 0),
                      window.sheetprop.mathmlNumber(x, digits, 1), window.sheetprop.number(x, digits, true)]; });""",
                             [_js(v) for v in values], digits)
        for value, (text, plain, inside, zeros) in zip(values, got):
            assert text == number(value, digits), (value, digits)
            assert zeros == number(value, digits, zeros=True), (value, digits)  # a table's column
            assert plain == mathml_number(value, digits, 0), (value, digits)
            assert inside == mathml_number(value, digits, 1), (value, digits)


def _js(value: float):
    """A float as the script receives it (WebDriver's JSON has no nan, infinity or −0)."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0 and math.copysign(1, value) < 0:
        return "-0"
    return value


def test_the_policy_allows_this_script_only(browser, tmp_path):
    path = page(load("examples/lecture.toml"), tmp_path)
    text = path.read_text(encoding="utf-8")
    script = re.search(r"<script>(.*)</script>", text, re.S)[1]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text)[1]
    assert policy == f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{digest}'"
    assert text.count("<script") == 1 and "<script src" not in text
    browser.open(path, "w5=0.3")
    assert shown(browser)["updates"] == "1"
    tampered = tmp_path / "tampered.html"
    tampered.write_text(text.replace("const D = SPEC.digits;", "const D = SPEC.digits; "), encoding="utf-8")
    browser.open(tampered, "w5=0.3")
    assert shown(browser)["updates"] is None  # the browser refused the changed script


def test_without_javascript_the_page_shows_its_static_numbers(tmp_path):
    path = page(load("examples/lecture.toml"), tmp_path)
    off = Driven(tmp_path / "off", javascript=False)
    off.open(path, "w5=0.3")  # a link to a variant: without the script, the config's own numbers
    dom, static = off.driver.page_source, shown(off)
    assert off.quit() == []
    assert static["updates"] is None and 'class="live-panel"' not in dom and "<input" not in dom
    assert "o1=w5·ah1+w6·ah2=0.4·0.506874567+0.45·0.510623401=0.432530357" in "".join(static["equations"])
    on = visit(path, tmp_path / "on")
    assert on.requests == []
    assert 'class="live-panel"' in on.dom and on.dom.count('<input class="num"') == 8 + 2 + 2 + 3  # w, i, t, panel


def test_the_driven_browsers_net_log_sees_a_page_that_fetches(tmp_path):
    """The control for every "no request" above: the same browser and log catch a page's fetch."""
    fetches = tmp_path / "fetches.html"
    fetches.write_text('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png"></body></html>')
    driven = Driven(tmp_path / "chromium")
    driven.open(fetches)
    assert "http://127.0.0.1:9/x.png" in driven.quit()


def test_one_neuron_per_field_in_the_start_table(tmp_path, browser):
    config = load("examples/xor.toml")
    browser.open(page(config, tmp_path))
    fields = shown(browser)["fields"]
    names = {f"{n}[{e}]" for e in range(1, 5) for n in (*neuron_names(config.network)[0], "t1")}
    assert names <= set(fields) and {f"w{k}" for k in range(1, 10)} <= set(fields)
    assert {"lr", "rates", "iterations"} <= set(fields)
    assert all(float(fields[n]) == config.values[n] for n in names)


def test_a_large_networks_values_are_set_by_name(browser, tmp_path):
    """Section 1 sums a wide network's starting values up by layer: the name-and-value fields set any."""
    source, fragment, edits = CASES["wide-summarised"]
    config = load(source)
    browser.open(page(config, tmp_path / "live"), "rates=0.5,4&lr=4")
    for name, value in (("w1", "0.9"), ("w300", "-2"), ("b2", "0.7"), ("nonsense", "1")):
        box = browser.driver.find_element(By.CSS_SELECTOR, "input[data-any=name]")
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(name)
        box = browser.driver.find_element(By.CSS_SELECTOR, "input[data-any=value]")
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(value)
    live = shown(browser)
    assert live["status"] == "nonsense: no such value in this network"
    assert browser.driver.current_url.endswith("#w1=0.9&w300=-2&b2=0.7&lr=4&rates=0.5,4")
    browser.open(page(edited(config, **edits), tmp_path / "expected"))
    assert_same_page(live, shown(browser))


def test_the_page_keeps_its_precision(browser, tmp_path):
    """Built with 4 significant digits, the page recomputes to 4 digits."""
    config = load("examples/blog.toml")
    browser.open(page(config, tmp_path / "live", digits=4), "w6=-0.25&b2=1.5&lr=0.8")
    live = shown(browser)
    assert "0.2984" not in "".join(live["equations"])  # E_total changed
    browser.open(page(edited(config, values={"w6": -0.25, "b2": 1.5}, lr=0.8), tmp_path / "expected", digits=4))
    assert_same_page(live, shown(browser))


def test_the_redrawn_chart_is_the_pngs_in_style_and_palette(browser, tmp_path):
    """After an edit the page draws the chart itself: the PNG's title, its legend with the best run marked, each
    run in the palette's colour and dash (sheetprop.palette, the workbook's chart and the PNG's too)."""
    from sheetprop import palette

    config = load("examples/optimizers.toml")
    browser.open(page(config, tmp_path / "live"), "w5=0.3&rates=0.05,0.5,3")
    drawn = browser.script("""
      const svg = document.querySelector("figure svg.live-chart");
      const texts = Array.from(svg.querySelectorAll("text"), t => t.textContent);
      const lines = Array.from(svg.querySelectorAll("polyline"), l =>
        [l.getAttribute("stroke"), l.getAttribute("stroke-dasharray") || "", getComputedStyle(l).stroke]);
      const legend = Array.from(svg.querySelectorAll("text[data-run]"), t => [Number(t.dataset.run), t.textContent]);
      const marks = new Set(Array.from(svg.querySelectorAll("path"), p => p.getAttribute("d")));
      return {texts, lines, legend, marks: Array.from(marks)};""")
    variant = edited(config, values={"w5": 0.3}, rates=(0.05, 0.5, 3.0))
    summary = Run.of(variant).summary
    assert drawn["texts"][0] == plots.chart_title(variant.heading, True, variant.threshold)
    assert "run" in drawn["texts"] and "E_total (log scale)" in drawn["texts"]
    cases = list(summary.trajectories)
    assert drawn["legend"] == [[k, summary.label(case) + (" (best)" if case == summary.best else "")]
                               for k, case in enumerate(cases)]
    assert sum(label.endswith(" (best)") for _, label in drawn["legend"]) == 1
    width = palette.LINE_WIDTH
    expected = [(palette.series(k).colour, palette.series(k).dash.svg(width)) for k in range(len(cases))]
    assert [(colour, dash) for colour, dash, _ in drawn["lines"]] == expected * 2  # linear panel, then log
    assert all(shown == "rgb({}, {}, {})".format(*(int(colour[i:i + 2], 16) for i in (1, 3, 5)))
               for colour, _, shown in drawn["lines"])  # as the browser draws it
    assert set(drawn["marks"]) == {palette.series(k).marker.path for k in range(len(cases))}


# What the page's script must not hold a copy of: the words that name runs and head the tables
# (reading.WORDS), the chart's (plots.WORDS), the comparison's words, and the limit of a drawn value.
def _words(data):
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _words(value)
    elif isinstance(data, (list, tuple)):
        for value in data:
            yield from _words(value)


def _literals(script: str) -> list[str]:
    """The string literals of a script (its comments and regular expressions dropped), template literals cut
    at each ${…}."""
    code = re.sub(r"(?m)^\s*//.*$|\s//\s.*$", "", script)
    code = re.sub(r"(?<=[(,=:!&|?])(\s*)/(?:[^/\n\\]|\\.)+/[gimsuy]*", r"\1", code)
    found = re.findall(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'|`((?:[^`\\]|\\.)*)`', code)
    return [piece for groups in found for text in groups if text for piece in re.split(r"\$\{[^}]*\}", text)]


def test_the_pages_script_holds_no_copy_of_the_words_and_rules():
    """Every wording of runs, tables and chart reaches the script as data from Python (SPEC), every rule as a
    rendering (COMPARISON): a literal of page.js that restates one is a second copy."""
    from sheetprop import compare
    from sheetprop.walkthrough import blocks, live, reading

    script = live.PAGE_SCRIPT.read_text(encoding="utf-8")
    literals = _literals(script)
    assert ".live-status" in literals and "lr" in literals and "reset" in literals  # the literals are read
    words = {*_words(reading.WORDS), *_words(plots.WORDS), reading.BEST_MARK, *compare.STATUSES, compare.NEVER,
             compare.OVERFLOW, *(w for w in blocks.IN_NUMBERS if w), *blocks.LIVE_WORDS.values()}
    for word in words:
        for fragment in (f for f in re.split(r"\{\w+\}", word) if re.search(r"[^\W_]", f)):  # a word, not "," alone
            copied = [lit for lit in literals if lit.strip() == fragment.strip()]
            assert not copied, (word, copied)
    assert not [lit for lit in literals if re.search(r"(^|\s)lr $", lit)]  # a run's name: compare.SHEET_NAME
    assert not re.search(r"\b1e100\b", script)  # plots.DRAWN_UP_TO
    assert "isFinite(row" not in script and "broken = true" not in script  # runs.SPREAD
    assert "lowOpen" not in script and "rateRange[" not in script  # parameters.Parameter.allowed
    assert "overshoot + 1" not in script and "reached_list:" not in script  # reading.FIELDS


def test_the_pages_run_names_are_the_sheets(browser, tmp_path):
    """COMPARISON.sheetName, rendered from compare.SHEET_NAME, names a rate typed on the page as the build
    names its sheet: awkward rates included (ties at the 15th decimal, 15 significant digits, the range's ends)."""
    from sheetprop import compare
    from sheetprop.parameters import LEARNING_RATE

    browser.open(page(load("examples/lecture.toml"), tmp_path))
    rng = random.Random(7)
    rates = [LEARNING_RATE.low, LEARNING_RATE.high, 1 / 65536, 3 / 65536, 5 / 65536, 1e-4, 9.99999999999996e-05,
             0.1 + 0.2, 123456.78901234567, 2.0, 1.5e-7, 1.23456789e-10]
    rates += [rng.uniform(1, 10) * 10 ** rng.randint(-12, 5) for _ in range(2000)]
    got = browser.script("return arguments[0].map(([rate, optimizer]) => COMPARISON.sheetName(rate, optimizer));",
                         [[rate, optimizer] for rate in rates for optimizer in (None, "nesterov")])
    want = [compare.sheet_name(rate, optimizer) for rate in rates for optimizer in (None, "nesterov")]
    assert got == want
    assert max(map(len, want)) <= 31  # a sheet's name in Excel


def test_the_page_spreads_a_value_that_is_no_number_as_the_runs_do(browser, tmp_path):
    """COMPARISON.spread (runs.SPREAD in the js dialect) against the Python summary: rows holding inf or nan
    before, at and after E_total, earlier rows broken or not."""
    from sheetprop import runs

    browser.open(page(load("examples/lecture.toml"), tmp_path))
    cases = []
    for broken, at, bad, loss in itertools.product((0, 1), (None, 0, 2, 3, 5), ("nan", "inf", "-inf"), (0.25, "inf", "nan")):
        row = [0.5, 0.25, 0.125, loss, 0.75, 0.0]
        if at is not None:
            row[at] = bad
        cases.append((row, 3, broken))
    got = browser.script("""const number = v => v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v;
      return arguments[0].map(([row, total, broken]) => {
        const values = Float64Array.from(row, number), shown = COMPARISON.spread(values, values[total], total, broken);
        return [shown.now, String(shown.loss)]; });""", cases)
    to_float = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
    for (row, total, broken), (now, loss) in zip(cases, got):
        values = [to_float.get(v, v) if isinstance(v, str) else v for v in row]
        want = runs._spread(values, values[total], total, broken)
        assert now == want["now"] and float(loss) == pytest.approx(want["loss"], nan_ok=True), (row, broken)
    assert {"0.25", "Infinity", "NaN"} <= {loss for _, loss in got}  # kept, kept, made no number


def test_a_relu_run_whose_numbers_overflow_is_no_number_on_the_page_too(browser, tmp_path):
    """ReLU's max(0, -inf) = 0 leaves iteration 2's E_total a number in arithmetic; a spreadsheet shows an error
    (LibreOffice agrees, tests/test_faults.py) and so do the build and the page: no number, the run diverged."""
    from sheetprop.compare import OVERFLOWED

    config = configs.parse({"name": "overflow", "layers": [1, 1, 1], "activations": "relu", "inputs": [1.0],
                            "targets": [0.1], "weights": [1e153, 1e-153], "learning_rates": [1e6, 0.5],
                            "iterations": 3, "threshold": 0.001})
    run = Run.of(config)
    arithmetic = [row[run.graph.index["E_total"]] for row in iterate(run.graph, config.values, 1e6, 3)]
    assert math.isfinite(arithmetic[1])  # the rule, not the arithmetic, makes it no number
    browser.open(page(config, tmp_path), "w5=0")  # an edit that changes nothing: the page recomputes
    rows = browser.script("return window.sheetprop.rows()")
    for optimizer, rate, losses in rows["runs"]:
        want = [row[run.graph.index["E_total"]] for row in run.rows(Case(optimizer, rate))]
        assert [float(v) for v in losses] == pytest.approx(want, nan_ok=True, rel=1e-12)
    assert math.isnan(float(rows["runs"][0][2][1]))
    statuses = browser.script("return Array.from(document.querySelectorAll('table[data-live=rates] tbody tr'), "
                              "r => r.cells[4].textContent)")
    assert statuses[0] == OVERFLOWED


def test_a_parameter_outside_its_range_is_named_in_its_records_words(browser, tmp_path):
    """A link's hyperparameters outside their ranges: refused with the interval of sheetprop.parameters' record."""
    from sheetprop.parameters import PARAMETERS

    config = load("examples/optimizers.toml")
    outside = {name: (2.0 if PARAMETERS[name].high <= 1 else -1.0) for name in ("momentum", "beta1", "beta2", "eps")}
    browser.open(page(config, tmp_path), "&".join(f"{name}={value:g}" for name, value in outside.items()))
    assert shown(browser)["status"] == "; ".join(f"{name} = {value:g}: outside {PARAMETERS[name].range_text}"
                                                 for name, value in outside.items())


def test_the_pages_ranges_are_the_parameters_records(browser, tmp_path):
    """RANGES (each record's ``allowed`` in the js dialect) takes what the config takes, at and around every
    record's ends, open or closed."""
    from sheetprop.parameters import PARAMETERS
    from sheetprop.walkthrough.live import ranges_source

    browser.open(page(load("examples/lecture.toml"), tmp_path))
    cases = []
    for name, record in PARAMETERS.items():
        ends = [record.low] + ([record.high] if math.isfinite(record.high) else [1e300])
        values = {v for end in ends for v in (end, math.nextafter(end, -math.inf), math.nextafter(end, math.inf))}
        cases += [(name, v) for v in sorted(values | {-1.0, 0.0, 0.5, 2.0, 1e7}) if math.isfinite(v)]
    got = browser.script(ranges_source(list(PARAMETERS)) + "\nreturn arguments[0].map(([name, v]) => RANGES[name](v));",
                         cases)
    assert got == [int(PARAMETERS[name].problem(v) is None) for name, v in cases]
    assert {0, 1} == set(got)
