"""Every parameter record (sheetprop.parameters) through every place that shows or reads it.

The cases come from the registry, so a new record is tested by adding it: its config key is accepted and
an out-of-range value refused in one line naming the key and the fix; its symbol shows in the column notes
and the walkthrough; its labelled cell in the workbook carries its label and value, and verify reads that
cell by each word people write for it. A loss with a parameter of its own (a test-only record, κ·½(t − a)²)
goes the same way and runs as PyTorch computes it.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import openpyxl
import pytest

import engines
import reference
from helpers import run as engine_run
from sheetprop import config as configs
from sheetprop.dialects import render
from sheetprop.expr import Num
from sheetprop.functions import LOSSES, Loss
from sheetprop.graph import build_graph
from sheetprop.limits import PARAM_LABEL_ROW, PARAM_ROW
from sheetprop.optimizers import OPTIMIZERS
from sheetprop.numerals import DIGITS, number
from sheetprop.parameters import LEARNING_RATE, PARAMETERS, Parameter, keyed
from sheetprop.runs import Run
from sheetprop.verify import names, verify
from sheetprop.walkthrough.document import walkthrough
from sheetprop.walkthrough.live import live_page
from sheetprop.walkthrough.markdown import markdown
from sheetprop.workbook.layout import Layout
from sheetprop.workbook.writer import write_workbook
from test_verify_networks import judged_everything, values_only

LECTURE = {"name": "lecture", "inputs": [0.05, 0.10], "targets": [0.01, 0.99],
           "weights": [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55], "learning_rates": [0.5], "iterations": 4}

# A loss with a parameter of its own, as a record of each kind: not one of sheetprop's, only the tests'.
SCALE = Parameter("kappa", "κ", "<mi>κ</mi>", "loss_scale", 1.0, "how much the loss is scaled", words=("scale",),
                  low_open=True, high=math.inf)
SCALED = Loss("scaled_sse", "half the sum of squared errors, scaled",
              lambda a, t, n: SCALE.param * (Num(0.5) * (t - a) ** 2), lambda a, t, n: SCALE.param * (a - t),
              parameters=(SCALE.name,))


@pytest.fixture(params=[*PARAMETERS, SCALE.name])
def record(request, monkeypatch) -> Parameter:
    """Each parameter of the registry, and the test-only loss's, with that loss registered."""
    monkeypatch.setitem(PARAMETERS, SCALE.name, SCALE)
    monkeypatch.setitem(LOSSES, SCALED.name, SCALED)
    return PARAMETERS[request.param]


def owner(record: Parameter) -> tuple[str, str]:
    """The first optimizer or loss that reads ``record`` whether or not the config gives it (not one that
    reads it only when given: sgd's weight decay); sgd for the learning rate."""
    found = [(kind, name) for kind, name in configs.readers((record,))
             if kind == "loss" or record.name in OPTIMIZERS[name].hyperparameters]
    return found[0] if found else ("optimizer", "sgd")


def reader(record: Parameter) -> dict:
    """A config that reads ``record``: its owner's."""
    kind, name = owner(record)
    return {**LECTURE, kind: name}


def default(record: Parameter) -> float:
    """The value a config that does not give ``record`` reads: its owner's default (AdamW's weight decay)."""
    kind, name = owner(record)
    return OPTIMIZERS[name].default(record.name) if kind == "optimizer" else record.default


def inside(record: Parameter) -> float:
    """A value in the record's range other than its default."""
    if record.default == record.low:  # at the bottom of its range: weight decay 0
        return record.default + (min(record.high, record.default + 1) - record.default) / 2
    return (record.low + record.default) / 2


def outside(record: Parameter) -> float:
    """A value just past one end of the record's range."""
    if math.isinf(record.high):
        return record.low if record.low_open else record.low - 1
    return record.high if record.high_open else record.high * 2


def given(record: Parameter, value: float) -> dict:
    """The config lines that set ``record`` to ``value`` (the others of its key at their defaults)."""
    if record is LEARNING_RATE:
        return {record.key: [value]}
    group = keyed()[record.key]
    values = [value if p is record else p.default for p in group]
    return {record.key: values if len(group) > 1 else values[0]}


def test_every_record_is_whole():
    """Symbols, MathML, keys and words that the rest can rely on."""
    for record in PARAMETERS.values():
        assert record.symbol and record.help and record.key, record
        assert record.problem(record.default) is None, record
        # The MathML is well-formed and reads as the symbol.
        text = "".join(openpyxl.xml.functions.fromstring(f"<math>{record.mathml}</math>").itertext())
        assert text == record.symbol, record
    assert len({p.symbol for p in PARAMETERS.values()}) == len(PARAMETERS)
    for key, group in keyed().items():  # a key of several parameters takes them all from one reader
        assert len({tuple(configs.readers((p,))) for p in group}) == 1, key


def test_the_config_accepts_its_key(record):
    value = inside(record)
    config = configs.parse({**reader(record), **given(record, value)})
    assert (config.learning_rates == (value,) if record is LEARNING_RATE else config.values[record.name] == value)
    if record is not LEARNING_RATE:  # not given: its default
        assert configs.parse(reader(record)).values[record.name] == default(record)
        assert record.key in configs.keys() and record.symbol in configs.keys()[record.key]


def test_the_config_refuses_a_value_out_of_range_in_one_line(record):
    with pytest.raises(configs.ConfigError) as raised:
        configs.parse({**reader(record), **given(record, outside(record))})
    (message,) = raised.value.problems
    assert message.startswith(f"key '{record.key}': ") and f"outside {record.range_text}" in message, message
    assert "give a" in message and "\n" not in message


def test_a_key_of_another_reader_is_refused(record):
    """A parameter key with an optimizer or loss that does not read it: say whose it is."""
    found = configs.readers((record,))
    if not found:
        assert record is LEARNING_RATE  # read by every run
        return
    kind, name = found[0]
    others = [o for o in (OPTIMIZERS if kind == "optimizer" else LOSSES) if (kind, o) not in found]
    if not others:  # every optimizer reads it (weight decay): no config gives it to the wrong one
        assert kind == "optimizer" and record.name == "weight_decay"
        return
    other = others[0]
    with pytest.raises(configs.ConfigError) as raised:
        configs.parse({**LECTURE, kind: other, **given(record, record.default)})
    assert f"key '{record.key}': belongs to {name}" in str(raised.value) and f"choose that {kind}" in str(raised.value)


def test_its_symbol_shows_in_the_notes_the_walkthrough_and_the_page(record):
    value = inside(record)
    config = configs.parse({**reader(record), **given(record, value)})
    graph = build_graph(config.network)
    assert any(record.symbol in q.note(graph) for q in graph.quantities)
    text = markdown(walkthrough(config, graph, None), {})
    assert f"{record.symbol} = {number(value, DIGITS)}" in text
    script = live_page(config, graph, DIGITS, chart=False).script
    spec = json.loads(re.search(r"const SPEC = (.*);\n", script)[1])
    if record is LEARNING_RATE:
        assert spec["lr"] == value and spec["rateRange"] == record.range_text
    else:
        (field,) = [f for f in spec["fields"] if f["name"] == record.name]
        assert field["value"] == value and field["words"].endswith(record.help) and field["kind"] == "hyper"
        assert field["rangeText"] == record.range_text
    # Its range, as the page checks it: the record's own definition in the js dialect.
    assert f'"{record.name}": function allowed(value) {{\n  const allowed = {render(record.allowed, "js")};' in script


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("parameters")


def spellings(record: Parameter) -> list[str]:
    """Each word a person may write for the record in a label, as its label: a word that an earlier record
    also has is read as that one's alone, so it is written with this record's name in brackets."""
    labels = []
    for word in dict.fromkeys((record.name, record.symbol, *record.words, *record.lookalikes)):
        first = names.parameter(word) or names.lookalike(word)
        if first != record.name:
            assert list(PARAMETERS).index(first) < list(PARAMETERS).index(record.name), (word, first)
            word = f"{word} ({record.name})"
        labels.append(word)
    return labels


def test_verify_reads_its_labelled_cell_by_each_of_its_words(record, folder):
    value = inside(record)
    config = configs.parse({**reader(record), **given(record, value)})
    path = folder / f"{record.name}.xlsx"
    write_workbook(path, Run.of(config))
    layout = Layout(build_graph(config.network))
    column = layout.param_columns[record.name]
    label = openpyxl.utils.get_column_letter(column + 1) + str(PARAM_LABEL_ROW + 1)
    cell = openpyxl.utils.get_column_letter(column + 1) + str(PARAM_ROW + 1)
    sheet = openpyxl.load_workbook(path).worksheets[1]
    assert (sheet[label].value, sheet[cell].value) == (record.label, value)

    for word in [record.label, *spellings(record)]:
        copy = values_only(path, folder / f"{record.name}-labelled.xlsx",
                           edit=lambda title, at, found: word if title != "Compare" and at == label else found)
        report = verify(copy)
        judged_everything(config, report)
        said = (report.sheets[0].learning_rate_words if record is LEARNING_RATE else
                next(note for note in report.sheets[0].notes if note.startswith(f"{record.name} = ")))
        assert f"from {cell} (labelled '{word}' in {label})" in said, (word, said)


def test_a_loss_with_a_parameter_runs_as_pytorch_computes_it(monkeypatch, tmp_path):
    """κ·½(t − a)² at κ = 3: E_total and every weight along an SGD run, and the workbook recalculated."""
    monkeypatch.setitem(PARAMETERS, SCALE.name, SCALE)
    monkeypatch.setitem(LOSSES, SCALED.name, SCALED)
    monkeypatch.setitem(reference.LOSSES, SCALED.name, lambda a, t, z, kappa: kappa * 0.5 * ((t - a) ** 2).sum())
    config = configs.parse({**LECTURE, "loss": "Scaled_SSE", SCALE.key: 3.0, "iterations": 5})
    assert config.network.loss == SCALED.name and config.values[SCALE.name] == 3.0
    graph, rows = engine_run(config, 0.5)
    expected = reference.trajectory(config, 0.5, 5, graph.weights)
    for row, (loss, weights) in zip(rows, expected):
        assert math.isclose(row[graph.index["E_total"]], loss, rel_tol=1e-10, abs_tol=1e-14)
        for name in graph.weights:
            assert math.isclose(row[graph.index[name]], weights[name], rel_tol=1e-10, abs_tol=1e-14)
    path = tmp_path / "scaled.xlsx"
    write_workbook(path, Run.of(config))
    report = engines.formualizer_report(path)
    assert report["cache_cells_changed"] == 0 and report["unknown_functions"] == [], report["message"]
    kappa = Layout(graph).param_cell(SCALE.name)
    formulas = [c.value for row in openpyxl.load_workbook(path).worksheets[1].iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("=")]
    assert any(kappa in f for f in formulas), kappa
