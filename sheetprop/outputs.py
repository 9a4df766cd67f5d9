"""One build: config → engine row streams → workbook, PNG and walkthrough, written atomically into a folder."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable

from sheetprop import config as configs
from sheetprop.atomic import replacing
from sheetprop.compare import Summary
from sheetprop.engine import compile_rows, iterate
from sheetprop.graph import build_graph
from sheetprop.libreoffice import convert, soffice
from sheetprop.walkthrough import DIGITS, write_walkthrough

# Workbook formats: xlsx written by sheetprop, ods converted from it by LibreOffice.
FORMATS = ("xlsx", "ods")


@dataclass(frozen=True)
class BuildResult:
    """The files one build wrote and its learning-rate comparison.

    ``workbook`` is NAME.xlsx, or NAME.ods when that is the only format asked for; ``others`` holds
    NAME.ods beside NAME.xlsx and the walkthrough's files.
    """

    workbook: Path
    chart: Path
    summary: Summary
    others: tuple[Path, ...] = ()

    @property
    def files(self) -> tuple[Path, ...]:
        return self.workbook, self.chart, *self.others


def default_config() -> configs.Config:
    """The built-in example: the lecture's 2-2-2 network without biases, six learning rates.

    >>> default_config().name, default_config().learning_rates
    ('lecture', (0.1, 0.2, 0.5, 0.8, 1.0, 2.0))
    """
    text = resources.files("sheetprop").joinpath("default.toml").read_text(encoding="utf-8")
    import tomllib

    return configs.parse(tomllib.loads(text), source="built-in lecture example")


def build(config: configs.Config, out_dir, progress: Callable[[int], None] | None = None,
          formats: tuple[str, ...] = ("xlsx",), digits: int = DIGITS) -> BuildResult:
    """Compute every learning rate's run and write ``NAME.xlsx`` (and/or ``NAME.ods``, per ``formats``),
    ``NAME-learning-rates.png`` and the walkthrough (numbers to ``digits`` significant digits) into ``out_dir``."""
    from sheetprop.plots import plot_learning_rates
    from sheetprop.workbook.writer import write_workbook

    if not formats or set(formats) - set(FORMATS):
        raise ValueError(f"workbook formats {formats!r}: choose from {', '.join(FORMATS)}")
    if "ods" in formats:
        soffice()  # no LibreOffice: stop before anything is written
    from sheetprop.workbook.layout import Layout

    graph = build_graph(config.network)
    try:
        Layout(graph).check_fits(config.iterations)
    except configs.ConfigError as error:  # name the file, as every other config error does
        raise configs.ConfigError(f"{config.source}: {error}" if config.source else str(error)) from None
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = compile_rows(graph)
    runs = ((rate, iterate(graph, config.values, rate, config.iterations, rows)) for rate in config.learning_rates)
    with tempfile.TemporaryDirectory(prefix="sheetprop-") as scratch:
        # Without xlsx among the formats, the workbook is made in scratch space only to be converted.
        home = out_dir if "xlsx" in formats else Path(scratch)
        workbook, chart = home / f"{config.name}.xlsx", out_dir / f"{config.name}-learning-rates.png"
        with replacing(workbook) as workbook_part, replacing(chart) as chart_part:
            summary = write_workbook(workbook_part, config, graph, runs, progress)
            plot_learning_rates(chart_part, summary, config.heading)
        workbooks = [workbook] if "xlsx" in formats else []
        if "ods" in formats:
            workbooks.append(write_ods(workbook, out_dir / f"{config.name}.ods"))
    walkthrough = write_walkthrough(config, graph, summary, out_dir, chart, digits, workbooks[0].name)
    return BuildResult(workbooks[0], chart, summary, (*workbooks[1:], *walkthrough.files))


def write_ods(workbook: Path, target: Path) -> Path:
    """The workbook converted to OpenDocument by LibreOffice (formulas kept, recalculated), written atomically."""
    with tempfile.TemporaryDirectory(prefix="sheetprop-ods-") as scratch:
        converted = convert(workbook, scratch, "ods")
        with replacing(target) as part:
            shutil.move(converted, part)
    return target
