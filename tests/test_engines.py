"""The Compare sheet's plain formulas give the same table in LibreOffice, Gnumeric and formualizer.

Its cached values are poisoned first, so each program must compute the table itself; the expected table
comes from the engine's E_total trajectories, read off in plain Python. And every record of the registries
(each activation, loss and optimizer, weight decay) is in a workbook the three recalculate to the engine's
numbers: a record added is recalculated by adding it.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

import engines
from helpers import close, run
from sheetprop import config as configs
from sheetprop.functions import ACTIVATIONS, LOSSES
from sheetprop.libreoffice import recalculate
from sheetprop.optimizers import OPTIMIZERS
from sheetprop.outputs import build
from sheetprop.runs import Run
from sheetprop.workbook.writer import write_workbook
from xlsx_patch import sheet_part

pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style")  # Gnumeric's, formualizer's files

LINEAR = {"activations": "linear", "inputs": [0.05, 0.1], "targets": [0.01, 0.99],
          "weights": [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55], "iterations": 120}
CASES = {
    # reaches the threshold; never reaches it; overflows
    "mixed": dict(LINEAR, name="mixed", learning_rates=[3.0, 0.05, 400.0]),
    "all overflow": dict(LINEAR, name="overflow", learning_rates=[400.0, 900.0], iterations=40),
}


def recalculated(engine: str, workbook: Path, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    if engine == "libreoffice":
        return recalculate(workbook, out)
    target = out / workbook.name
    if engine == "gnumeric":
        assert shutil.which("ssconvert"), "Gnumeric is missing: bash scripts/test installs it"
        subprocess.run(["ssconvert", "--recalc", str(workbook), str(target)], check=True, capture_output=True,
                       timeout=600)
    else:
        report = subprocess.run(["formualizer", "recalc", str(workbook), "-o", str(target), "--json"],
                                capture_output=True, text=True, timeout=600)
        assert json.loads(report.stdout)["status"] == "written", report.stdout
    return target


def poisoned(workbook: Path, target: Path, rows: range) -> Path:
    """A copy whose Compare cells in ``rows`` (1-based) cache 0: only a recalculation brings the values back."""
    with zipfile.ZipFile(workbook) as archive, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        part = sheet_part(archive, "Compare")
        for item in archive.infolist():
            data = archive.read(item)
            if item.filename == part:
                def poison(match):
                    cell = re.sub(r' t="(?:str|e|b)"', "", match.group(1))
                    return f"{cell}<f>{match.group(2)}</f><v>0</v></c>"
                xml = data.decode()
                for r in rows:
                    xml = re.sub(rf'(<c r="[A-E]{r}"[^>]*>)<f>(.*?)</f><v>.*?</v></c>', poison, xml)
                data = xml.encode()
            out.writestr(item, data)
    return target


def expected_table(config) -> tuple[list[tuple], object]:
    """(rate, E_total at 1, final E_total or 'overflow', first iteration below the threshold or 'never',
    status) per rate, and the best rate, from the engine's trajectories."""
    table = []
    for rate in config.learning_rates:
        graph, rows = run(config, rate)
        losses = [row[graph.index["E_total"]] for row in rows]
        below = next((i for i, loss in enumerate(losses, start=1) if loss < config.threshold), "never")
        final = losses[-1] if math.isfinite(losses[-1]) else "overflow"
        status = ("reached threshold" if below != "never" else "diverged (overflow)" if final == "overflow"
                  else "decreasing" if final < losses[0] else "diverging")
        table.append((rate, losses[0], final, below, status))
    finite = [row for row in table if row[2] != "overflow"]
    best = min(finite, key=lambda row: row[2])[0] if finite else "#N/A"
    return table, best


def same(found, wanted) -> bool:
    if isinstance(wanted, float) and isinstance(found, (int, float)) and not isinstance(found, bool):
        return close(found, wanted, 1e-12, 1e-15)
    return found == wanted


@pytest.fixture(scope="module", params=list(CASES))
def case(request, tmp_path_factory):
    config = configs.parse(CASES[request.param])
    folder = tmp_path_factory.mktemp("engines")
    result = build(config, folder)
    n = len(config.learning_rates)
    return config, poisoned(result.workbook, folder / "poisoned.xlsx", range(6, 6 + n + 1))


@pytest.mark.parametrize("engine", ["libreoffice", "gnumeric", "formualizer"])
def test_compare_table_is_computed_alike_by_every_engine(engine, case, tmp_path):
    config, workbook = case
    table, best = expected_table(config)
    statuses = {row[4] for row in table}
    assert statuses == ({"diverged (overflow)"} if config.name == "overflow" else
                        {"reached threshold", "decreasing", "diverged (overflow)"})
    sheet = openpyxl.load_workbook(recalculated(engine, workbook, tmp_path), data_only=True, read_only=True)["Compare"]
    rows = list(sheet.iter_rows(min_row=6, max_row=6 + len(table), max_col=5, values_only=True))
    for found, wanted in zip(rows, table):
        assert all(same(f, w) for f, w in zip(found, wanted)), (engine, found, wanted)
    assert same(rows[-1][2], best), (engine, rows[-1], best)


def test_no_array_formulas_anywhere(case):
    _, workbook = case
    with zipfile.ZipFile(workbook) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any('t="array"' in archive.read(n).decode() for n in sheets)


def test_formualizer_and_gnumeric_agree_with_every_cached_value_of_the_default_workbook(tmp_path):
    from sheetprop.outputs import default_config

    result = build(default_config(), tmp_path / "build")
    report = subprocess.run(["formualizer", "recalc", str(result.workbook), "--check", "--json"],
                            capture_output=True, text=True, timeout=600)
    summary = json.loads(report.stdout)
    assert (summary["status"], summary["cache_cells_changed"], summary["error_cells"]) == ("current", 0, 0), summary
    assert summary["formula_cells"] > 50_000
    gnumeric = recalculated("gnumeric", result.workbook, tmp_path / "gnumeric")
    mine = openpyxl.load_workbook(result.workbook, data_only=True, read_only=True)
    theirs = openpyxl.load_workbook(gnumeric, data_only=True, read_only=True)
    compared = 0
    for title in mine.sheetnames:
        for ours, other in zip(mine[title].iter_rows(values_only=True), theirs[title].iter_rows(values_only=True)):
            for a, b in zip(ours, other):
                if isinstance(a, float):
                    assert same(b, a), (title, a, b)
                    compared += 1
    assert compared > 50_000


# ---------------------------------------------------------------------------------------- every record

# Gnumeric's own arithmetic is not the IEEE double's to the last bit (EXP, and x/7 + 3·x − 0.1, differ from
# Python's in the last digit for most of 300 random x), and a mean of δ over examples, Σ(a − t), cancels
# down to 1e-5 from terms near 1: such a gradient, and the weights Adam and RMSprop move by it, land within
# 1e-13 absolutely (a few hundred units in the last place of the terms). LibreOffice and formualizer land
# within the usual rel 1e-12, abs 1e-15.
GNUMERIC = dict(rel=1e-12, abs_=1e-13)


def registry_configs() -> dict[str, dict]:
    """One small network per loss of the registry, its output activation the one the loss needs (or each
    activation in turn), the hidden layer through every activation, every optimizer a sheet, weight decay
    given to every other one: all records of the registries in some workbook. (At most 256 columns a sheet,
    formualizer's limit; a bias per neuron, as one shared by a softmax layer has a gradient of exactly 0, its
    rounding noise a full step of RMSprop or Adam.)"""
    names = sorted(ACTIVATIONS)
    found = {}
    for number, (name, loss) in enumerate(sorted(LOSSES.items())):
        output = loss.outputs or names[number % len(names)]
        found[name] = {"name": name, "layers": [2, 3, 3], "loss": name, "seed": number + 1,
                       "activations": [names[(number + 1) % len(names)], output],
                       "inputs": [[0.4, -0.7], [0.9, 0.2]], "targets": [[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]],
                       "biases": [[0.1, -0.1, 0.05], [0.0, 0.2, -0.1]], "train_biases": True,
                       "optimizers": list(OPTIMIZERS), "learning_rates": [0.3], "iterations": 6,
                       **({"weight_decay": 0.03} if number % 2 else {})}
    return found


@pytest.fixture(scope="module", params=sorted(LOSSES))
def registry_workbook(request, tmp_path_factory):
    config = configs.parse(registry_configs()[request.param])
    path = tmp_path_factory.mktemp("registry") / f"{request.param}.xlsx"
    write_workbook(path, Run.of(config))
    return path


def test_the_registry_workbooks_hold_every_record():
    built = [configs.parse(data) for data in registry_configs().values()]
    assert {c.network.loss for c in built} == set(LOSSES)
    assert {a for c in built for a in c.network.activations} == set(ACTIVATIONS)
    assert {c.network.weight_decay for c in built} == {True, False}


@pytest.mark.parametrize("engine", ["libreoffice", "gnumeric", "formualizer"])
def test_every_engine_recalculates_the_registry_workbooks_to_the_engines_numbers(engine, registry_workbook, tmp_path):
    if engine == "libreoffice":
        assert engines.libreoffice_mismatches(registry_workbook, tmp_path) == []
    elif engine == "gnumeric":
        assert engines.gnumeric_mismatches(registry_workbook, tmp_path, **GNUMERIC) == []
    else:
        report = engines.formualizer_report(registry_workbook)
        assert (report["cache_cells_changed"], report["error_cells"], report["unknown_functions"]) == (0, 0, []), report
