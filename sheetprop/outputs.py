"""One build: config → engine row streams → workbook and PNG, written atomically into a folder."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable

from sheetprop import config as configs
from sheetprop.atomic import replacing
from sheetprop.compare import Summary
from sheetprop.engine import compile_rows, iterate
from sheetprop.graph import build_graph


@dataclass(frozen=True)
class BuildResult:
    """The files one build wrote and its learning-rate comparison."""

    workbook: Path
    chart: Path
    summary: Summary


def default_config() -> configs.Config:
    """The built-in example: the lecture's 2-2-2 network without biases, six learning rates.

    >>> default_config().name, default_config().learning_rates
    ('lecture', (0.1, 0.2, 0.5, 0.8, 1.0, 2.0))
    """
    text = resources.files("sheetprop").joinpath("default.toml").read_text(encoding="utf-8")
    import tomllib

    return configs.parse(tomllib.loads(text), source="built-in lecture example")


def build(config: configs.Config, out_dir, progress: Callable[[int], None] | None = None) -> BuildResult:
    """Compute every learning rate's run and write ``NAME.xlsx`` and ``NAME-learning-rates.png`` into ``out_dir``."""
    from sheetprop.plots import plot_learning_rates
    from sheetprop.workbook.writer import write_workbook

    from sheetprop.workbook.layout import Layout

    graph = build_graph(config.network)
    Layout(graph).check_fits(config.iterations)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = compile_rows(graph)
    runs = ((rate, iterate(graph, config.values, rate, config.iterations, rows)) for rate in config.learning_rates)
    workbook, chart = out_dir / f"{config.name}.xlsx", out_dir / f"{config.name}-learning-rates.png"
    with replacing(workbook) as workbook_part, replacing(chart) as chart_part:
        summary = write_workbook(workbook_part, config, graph, runs, progress)
        plot_learning_rates(chart_part, summary, config.heading)
    return BuildResult(workbook, chart, summary)
