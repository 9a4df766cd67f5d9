"""The step-by-step walkthrough of one build: NAME-walkthrough.md, NAME-walkthrough.html, NAME-network.svg.

The document is built once as plain blocks (``document``) from the graph's quantity definitions and the
engine's numbers, then drawn as Markdown (plain-text math) and as a self-contained HTML page (MathML,
inline SVG, the chart as a data URI). Files are written atomically and deterministically.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from sheetprop.atomic import replacing
from sheetprop.compare import Summary
from sheetprop.config import Config
from sheetprop.graph import Graph
from sheetprop.numerals import DIGITS
from sheetprop.paper import PAPERS
from sheetprop.walkthrough.diagram import figure_digits, network_svg
from sheetprop.walkthrough.document import walkthrough
from sheetprop.walkthrough.html import html
from sheetprop.walkthrough.live import live_page
from sheetprop.walkthrough.markdown import markdown

__all__ = ["DIGITS", "Walkthrough", "write", "write_walkthrough"]


@dataclass(frozen=True)
class Walkthrough:
    """The files of one walkthrough."""

    markdown: Path
    html: Path
    diagram: Path

    @property
    def files(self) -> tuple[Path, ...]:
        return self.markdown, self.html, self.diagram


def write(run, folder: Path) -> tuple[Path, ...]:
    """The writer of the build's table: the walkthrough of ``run`` in ``folder``, showing the chart PNG
    when the build has drawn it there."""
    from sheetprop.plots import chart_name

    folder = Path(folder)
    chart = folder / chart_name(run.config.stem)
    workbook = f"{run.config.stem}.{'xlsx' if 'xlsx' in run.formats else run.formats[0]}"
    written = write_walkthrough(run.config, run.graph, run.summary, folder, chart if chart.exists() else None,
                                run.digits, workbook)
    return written.files


def write_walkthrough(config: Config, graph: Graph, summary: Summary, out_dir, chart: Path | None = None,
                      digits: int = DIGITS, workbook: str = "") -> Walkthrough:
    """Write the walkthrough of ``config`` into ``out_dir``.

    ``chart`` is the learning-rate PNG to show, ``workbook`` the workbook's file name for the text.
    """
    out_dir = Path(out_dir)
    paths = Walkthrough(out_dir / f"{config.stem}-walkthrough.md", out_dir / f"{config.stem}-walkthrough.html",
                        out_dir / f"{config.stem}-network.svg")
    document = walkthrough(config, graph, summary, digits, workbook)
    svg = network_svg(config.network, config.values, figure_digits(digits))
    files = {"network": paths.diagram.name}
    figures = {"network": svg}
    if chart is not None:
        files["chart"] = chart.name
        encoded = base64.b64encode(Path(chart).read_bytes()).decode("ascii")
        figures["chart"] = f'<img src="data:image/png;base64,{encoded}" alt="E_total against iteration">'
    with replacing(paths.markdown) as md, replacing(paths.html) as page, replacing(paths.diagram) as drawing:
        md.write_text(markdown(document, files), encoding="utf-8")
        page.write_text(html(document, figures, live_page(config, graph, digits, chart is not None),
                             PAPERS[config.paper].css), encoding="utf-8")
        drawing.write_text(svg, encoding="utf-8")
    return paths
