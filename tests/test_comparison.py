"""The comparison of runs is one definition (``sheetprop.compare``): its python rendering (the summary), its
js rendering (the living page's script) and its excel rendering, recalculated by LibreOffice, Gnumeric and
formualizer, judge the same awkward trajectories alike: values that overflow (nan, inf: errors in a
spreadsheet), ties, one iteration, a rise of exactly the overshoot share, a run that reaches the threshold and
then overflows. The page's reading of random comparisons is the Python reading, sentence for sentence.
"""

from __future__ import annotations

import math
import random

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from browser import Driven
from sheetprop.compare import (BEST, DECREASING, DIVERGING, FINALS, OVERFLOWED, OVERSHOOT, REACHED, RUNS, UNCHANGED,
                               Case, summarize)
from sheetprop.dialects import render
from sheetprop.workbook.writer import run_formulas
from test_engines import recalculated
from test_living_page import _js, load, page

pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style")  # Gnumeric's files

NAN, INF = math.nan, math.inf
STEP = 0.3 * (1 + OVERSHOOT)  # a rise of exactly the share that is noise: no overshoot

# Comparisons as a build makes them: runs of one length, E_total no number from its first overflow on.
COMPARISONS = {
    "mixed": (0.01, [
        [0.3, 0.2, 0.05, 0.009, 0.005, 0.004],  # reaches the threshold at 4
        [0.3, 0.25, 0.2, 0.15, 0.12, 0.1],  # still on its way
        [0.3, 0.4, 0.5, 0.6, 0.7, 0.8],  # diverges
        [0.3, 0.5, 5.0, NAN, NAN, NAN],  # overflows
        [0.3, 1e300, INF, NAN, NAN, NAN],  # overflows through inf
        [0.125] * 6,  # unchanged
        [0.3, STEP, 0.2, 0.1, 0.05, 0.04],  # a rise of exactly the noise share: no overshoot
        [0.3, 0.3 * (1 + 3 * OVERSHOOT), 0.2, 0.1, 0.05, 0.04],  # overshoots from 1 to 2
        [0.3, 0.2, 0.2 * (1 + OVERSHOOT / 10), 0.1, 0.05, 0.04],  # float noise: no overshoot
        [0.3, 0.005, 0.5, NAN, NAN, NAN],  # reaches the threshold, then overflows: never best
        [0.3, 0.2, 0.05, 0.009, 0.007, 0.004],  # reaches it at 4 too, ties the lowest final: the first is best
    ]),
    "one iteration": (0.01, [[0.3], [0.005], [NAN]]),
    "all overflow": (0.01, [[0.3, INF, NAN], [NAN, NAN, NAN], [0.3, 0.2, NAN]]),
}
SHOWN_NAMES = ("first", "final", "reached", "status", "overshoot")


def python_table(threshold, trajectories) -> tuple[list[tuple], object]:
    """The summary's values, as a spreadsheet shows them, and the best run's place from 1 (or '#N/A')."""
    summary = summarize({0.1 * (k + 1): t for k, t in enumerate(trajectories)}, threshold)
    rows = []
    for r in summary.rates:
        values = r.shown
        rows.append(tuple("#N/A" if values[n] is None else "#NUM!" if isinstance(values[n], float)
                          and not math.isfinite(values[n]) else values[n] for n in SHOWN_NAMES))
    best = next((k + 1 for k, r in enumerate(summary.rates) if r.case == summary.best), "#N/A")
    return rows, best


def test_the_definitions_judge_the_awkward_runs_as_the_lecture_would():
    """The definition's own answers on the cases above, written out by hand."""
    rows, best = python_table(*COMPARISONS["mixed"])
    assert [row[3] for row in rows] == [REACHED, DECREASING, DIVERGING, OVERFLOWED, OVERFLOWED, UNCHANGED, DECREASING,
                                        DECREASING, DECREASING, REACHED, REACHED]
    assert [row[2] for row in rows] == [4, "never", "never", "never", "never", "never", "never", "never", "never", 2, 4]
    assert [row[4] for row in rows] == ["#N/A", "#N/A", "#N/A", 1, 1, "#N/A", "#N/A", 1, "#N/A", 2, "#N/A"]
    assert rows[3][1] == rows[9][1] == "overflow" and best == 1
    assert python_table(*COMPARISONS["one iteration"]) == (
        [(0.3, 0.3, "never", "one iteration", "#N/A"), (0.005, 0.005, 1, REACHED, "#N/A"),
         ("#NUM!", "overflow", "never", OVERFLOWED, "#N/A")], 2)
    assert python_table(*COMPARISONS["all overflow"])[1] == "#N/A"


def _workbook(path, threshold, trajectories) -> None:
    """Each trajectory a column; below them each run's values as the Compare sheet writes their formulas
    (the step that overshoots too, which the sheet leaves out), and the best run."""
    book = openpyxl.Workbook()
    sheet = book.active
    n, k = len(trajectories[0]), len(trajectories)
    sheet["A1"], sheet["B1"] = "threshold", threshold
    top, results = 4, 4 + n + 1  # trajectories from row 4; results below, a row per definition
    places = results + len(SHOWN_NAMES) + 1  # the runs' places from here down, which the best run names
    for column, trajectory in enumerate(trajectories, start=2):
        sheet.cell(places + column - 2, 1, column - 1)
        for i, value in enumerate(trajectory):
            sheet.cell(top + i, column, value if math.isfinite(value) else "=SQRT(-1)")  # an error, as an overflow
    rows = {name: results + i for i, name in enumerate(SHOWN_NAMES)}
    for column in range(2, k + 2):
        letter = get_column_letter(column)
        formulas = run_formulas(n, f"${letter}${top}", f"${letter}${top + n - 1}", "$B$1",
                                {name: f"{letter}{row}" for name, row in rows.items()})
        for name, formula in formulas.items():
            sheet.cell(rows[name], column, formula)
    last = get_column_letter(k + 1)
    ranges = {RUNS: f"$A${places}:$A${places + k - 1}", FINALS: f"$B${rows['final']}:${last}${rows['final']}"}
    sheet.cell(results + len(SHOWN_NAMES), 2, "=" + render(BEST, "excel", lambda node: ranges.get(node)))
    book.save(path)


def _error(value) -> bool:
    return isinstance(value, str) and value.startswith("#") or value == "N/A"


@pytest.mark.parametrize("engine", ["libreoffice", "gnumeric", "formualizer"])
@pytest.mark.parametrize("name", list(COMPARISONS))
def test_the_excel_rendering_recalculates_to_the_definitions_values(engine, name, tmp_path):
    threshold, trajectories = COMPARISONS[name]
    _workbook(tmp_path / "comparison.xlsx", threshold, trajectories)
    sheet = openpyxl.load_workbook(recalculated(engine, tmp_path / "comparison.xlsx", tmp_path / engine),
                                   data_only=True).active
    rows, best = python_table(threshold, trajectories)
    first = 4 + len(trajectories[0]) + 1
    for column, wanted in enumerate(rows, start=2):
        found = tuple(sheet.cell(first + i, column).value for i in range(len(SHOWN_NAMES)))
        # no value (None, a number that is none): an error there, whichever error the program names
        assert all(f == w or (_error(f) and _error(w)) for f, w in zip(found, wanted)), (engine, column - 1, found, wanted)
    found = sheet.cell(first + len(SHOWN_NAMES), 2).value
    assert found == best or (_error(found) and _error(best)), (engine, found, best)


@pytest.fixture(scope="module")
def driven(tmp_path_factory):
    work = tmp_path_factory.mktemp("comparison")
    browser = Driven(work / "chromium")
    yield browser, work
    assert browser.quit() == []


def _compared(browser, cases, trajectories, threshold, digits=3):
    runs = [{"run": {"optimizer": c.optimizer, "rate": c.rate}, "losses": [_js(v) for v in t]}
            for c, t in zip(cases, trajectories)]
    return browser.script("""const [runs, threshold, digits] = arguments;
        const number = v => v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v === "-0" ? -0 : v;
        return window.sheetprop.compared(runs.map(r => ({ run: r.run, losses: Float64Array.from(r.losses, number) })),
                                          threshold, digits);""", runs, threshold, digits)


@pytest.mark.parametrize("name", list(COMPARISONS))
def test_the_js_rendering_judges_as_the_python_one(driven, name):
    browser, work = driven
    browser.open(page(load("examples/lecture.toml"), work / "lecture"))
    threshold, trajectories = COMPARISONS[name]
    cases = [Case("sgd", 0.1 * (k + 1)) for k in range(len(trajectories))]
    got = _compared(browser, cases, trajectories, threshold)
    summary = summarize(dict(zip(cases, trajectories)), threshold)
    wanted = [[r.status, r.shown["reached"], r.shown["final"], r.overshoot] for r in summary.rates]
    assert [[None if isinstance(v, float) and math.isnan(v) else v for v in row] for row in got["results"]] == [
        [None if isinstance(v, float) and math.isnan(v) else v for v in row] for row in wanted]
    assert got["best"] == next((k for k, c in enumerate(cases) if c == summary.best), -1)


@pytest.mark.parametrize("example", ["examples/lecture.toml", "examples/optimizers.toml"])
def test_the_pages_reading_of_random_comparisons_is_pythons(driven, example):
    """Random runs drawn from awkward values (nan, inf, ties, rises near the overshoot share), read by the page
    and by ``reading``: the same sentences, the same statuses."""
    from sheetprop.walkthrough.reading import reading

    browser, work = driven
    config = load(example)
    browser.open(page(config, work / config.stem))
    rng = random.Random(27)
    pool = [0.3, 0.2, 0.1, 0.005, 0.009, 0.5, STEP, 0.3 * (1 + 3 * OVERSHOOT), NAN, INF, 0.01]
    for _ in range(60):
        n = rng.choice([1, 2, 3, 6])
        every = [Case(o, r) for o in config.optimizers for r in config.learning_rates]
        cases = rng.sample(every, rng.randint(1, min(4, len(every))))
        if len(config.optimizers) > 1 and all(c.optimizer == "sgd" for c in cases):
            cases.append(every[-1])  # the page names its optimizers: so do these runs
        trajectories = []
        for _ in cases:
            t = [rng.choice(pool) for _ in range(n)]
            cut = next((i for i, v in enumerate(t) if not math.isfinite(v)), n)
            trajectories.append(t[:cut + 1] + [NAN] * (n - cut - 1))
        summary = summarize(dict(zip(cases, trajectories)), 0.01)
        got = _compared(browser, cases, trajectories, 0.01)
        assert got["reading"] == reading(summary, 3), trajectories
        assert [row[0] for row in got["results"]] == [r.status for r in summary.rates]
