"""verify on a workbook of many sheets (a class's copies of the exercise, issue 28): each sheet is judged
exactly as it is alone, whatever its neighbours, and the work of choosing each sheet's network does not
grow with sheets that share its layout.

The sheets are sheetprop's own rate sheets of the lecture's network (its engine's numbers, checked against
PyTorch in test_networks.py), copied as values into one workbook; the odd sheet is of another network (each
other hidden activation, each other loss, biases, trained biases, from the registries) or has a slip.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from sheetprop import config as configs
from sheetprop.functions import ACTIVATIONS, LOSSES
from sheetprop.graph import build_graph
from sheetprop.runs import Run
from sheetprop.verify import check, network, rules, verify
from sheetprop.workbook.layout import Layout
from sheetprop.workbook.writer import write_workbook

LECTURE = {"name": "many", "inputs": [0.05, 0.10], "targets": [0.01, 0.99],
           "weights": [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55], "learning_rates": [0.5], "iterations": 6}
# Another network than the lecture's, one per record: each hidden activation, each loss (with the output
# activation it needs), fixed and trained biases.
OTHERS = {
    **{f"hidden {name}": {"activations": [name, "sigmoid"]} for name, a in ACTIVATIONS.items()
       if name != "sigmoid" and a.layer is None},
    **{f"loss {name}": {"loss": name, "activations": ["sigmoid", loss.outputs or "sigmoid"]}
       for name, loss in LOSSES.items() if name != "half_sse"},
    "biases": {"biases": [0.35, 0.60]},
    "trained biases": {"biases": [0.35, 0.60], "train_biases": True},
}
COPIES = 8
SLOPE = "∂a_o1/∂o1"   # a quantity whose definition the output activation changes: it chooses the network


def rate_sheet(folder: Path, name: str, **changes) -> tuple[Path, object]:
    """sheetprop's own workbook of the lecture's network with ``changes``, and its config (its one rate
    sheet is the workbook's second)."""
    config = configs.parse({**LECTURE, **changes})
    path = folder / f"{name}.xlsx"
    write_workbook(path, Run.of(config))
    return path, config


def values_book(target: Path, sheets: list[tuple[str, Path]], edit=None) -> Path:
    """One workbook of the rate sheets of ``sheets`` (title, workbook), their cached values typed as
    constants to the last digit; ``edit(title, coordinate, value)`` may change one."""
    out = openpyxl.Workbook()
    out.remove(out.active)
    loaded = {}
    for title, source in sheets:
        if source not in loaded:
            loaded[source] = openpyxl.load_workbook(source, data_only=True).worksheets[1]
        copy = out.create_sheet(title)
        for cell in loaded[source]._cells.values():
            value = edit(title, cell.coordinate, cell.value) if edit else cell.value
            if value is not None:
                copy.cell(cell.row, cell.column, value)
    out.save(target)
    return target


def forget(monkeypatch) -> None:
    """verify as in a fresh process: no graph, rule or choice kept from the sheets judged before."""
    for kept in ("_graphs", "_compared", "_rules_made"):
        monkeypatch.setattr(network, kept, network.Kept(getattr(network, kept).bound))


@pytest.fixture(scope="module")
def lecture(tmp_path_factory):
    return rate_sheet(tmp_path_factory.mktemp("lecture"), "lecture")


def judged_alone(monkeypatch, folder: Path, title: str, source: Path, edit=None):
    forget(monkeypatch)
    return verify(values_book(folder / f"alone-{title}.xlsx", [(title, source)], edit)).sheets[0]


@pytest.mark.parametrize("at", [0, COPIES // 2])
@pytest.mark.parametrize("other", list(OTHERS))
def test_a_sheet_of_another_network_among_many_is_judged_as_it_is_alone(other, at, lecture, tmp_path, monkeypatch):
    """The class's sheets share a layout and a network but one: that one is judged by its own network (and
    the others by theirs), first in the workbook or in the middle, exactly as each is judged alone."""
    lecture_path, _ = lecture
    odd, _ = rate_sheet(tmp_path, "odd", **OTHERS[other])
    sheets = [(f"student {n}", lecture_path) for n in range(COPIES)]
    sheets[at] = (f"student {at}", odd)
    forget(monkeypatch)
    report = verify(values_book(tmp_path / "class.xlsx", sheets))
    assert report.findings == ()   # each sheet explained by a network of its own (MSE of two outputs is ½ SSE)
    for (title, source), sheet in zip(sheets, report.sheets):
        assert sheet == judged_alone(monkeypatch, tmp_path, title, source)


def test_a_sheet_with_a_slip_among_many_is_judged_as_it_is_alone(lecture, tmp_path, monkeypatch):
    """A wrong slope of an output unit in one sheet of many (the last row's): found there (and in the cell
    that reads it), and that sheet and every other judged exactly as alone: no candidate network explains
    every cell of the slip's sheet, so each candidate is scored as far as it could still win."""
    lecture_path, config = lecture
    cell = Layout(build_graph(config.network)).cell(SLOPE, LECTURE["iterations"])
    slipped = "student 3"

    def slip(title, coordinate, value):
        return value * 1.01 + 0.01234567891 if (title, coordinate) == (slipped, cell) else value
    sheets = [(f"student {n}", lecture_path) for n in range(COPIES)]
    forget(monkeypatch)
    report = verify(values_book(tmp_path / "class.xlsx", sheets, slip))
    assert {f.sheet for f in report.findings} == {slipped}
    assert (report.findings[0].cell, report.findings[0].quantity) == (cell, SLOPE)
    for (title, source), sheet in zip(sheets, report.sheets):
        assert sheet == judged_alone(monkeypatch, tmp_path, title, source, slip)


class Counted:
    """Calls of a function, and of ``check._judge_cell`` while the network is being chosen."""

    def __init__(self, monkeypatch):
        self.compiled = self.built = self.choosing = 0
        self.judged_choosing = 0
        compile_tree, build_graph_, choose, judge_cell = (rules.compile_tree, network.build_graph, check.choose,
                                                          check._judge_cell)

        def compiling(*args):
            self.compiled += 1
            return compile_tree(*args)

        def building(*args):
            self.built += 1
            return build_graph_(*args)

        def choosing(*args):
            self.choosing += 1
            try:
                return choose(*args)
            finally:
                self.choosing -= 1

        def judging(*args):
            self.judged_choosing += bool(self.choosing)
            return judge_cell(*args)
        monkeypatch.setattr(rules, "compile_tree", compiling)
        monkeypatch.setattr(network, "build_graph", building)
        monkeypatch.setattr(check, "choose", choosing)
        monkeypatch.setattr(check, "_judge_cell", judging)


@pytest.mark.parametrize("slipped", [False, True])
def test_choosing_the_network_of_many_alike_sheets_grows_far_slower_than_the_sheets(slipped, lecture, tmp_path,
                                                                                     monkeypatch):
    """Counted, not timed: the graphs built and the definitions compiled for 1 sheet and for 12 sheets of
    one layout are the same; choosing a sheet's network judges fewer cells than judging the sheet does
    (each candidate network is scored only while it could still win, and a cell once per candidate): before,
    every candidate of every choice was scored on every sampled cell of every sheet, 696 cells of this
    sheet of 250."""
    lecture_path, config = lecture
    cell = Layout(build_graph(config.network)).cell(SLOPE, LECTURE["iterations"])

    def slip(title, coordinate, value):   # a wrong slope in every sheet: no candidate explains every cell
        return value + 0.01 if slipped and coordinate == cell else value
    counts = {}
    for copies in (1, 12):
        path = values_book(tmp_path / f"{copies}.xlsx", [(f"student {n}", lecture_path) for n in range(copies)], slip)
        forget(monkeypatch)
        counted = Counted(monkeypatch)
        report = verify(path)
        assert len(report.findings) == copies * len(report.sheets[0].findings) and bool(report.findings) == slipped
        counts[copies] = counted
        monkeypatch.undo()
        for sheet in report.sheets:
            assert sheet.network == config.network
    one, many = counts[1], counts[12]
    assert (many.built, many.compiled) == (one.built, one.compiled) and one.compiled
    assert one.judged_choosing and many.judged_choosing == 12 * one.judged_choosing
    assert one.judged_choosing < report.sheets[0].judged
