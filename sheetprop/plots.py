"""PNG charts for READMEs and slides (matplotlib, imported only when a chart is drawn)."""

from __future__ import annotations

import functools
import warnings
from pathlib import Path
from typing import NamedTuple

from sheetprop.compare import Summary
from sheetprop.palette import GRID, MARK_EVERY, REFERENCE, series

DRAWN_UP_TO = 1e100
MARKER_POINTS = 5
LEGEND_GAP = 0.012  # between the log panel and the legend, a fraction of the figure's width
MAX_POINTS = 4000  # per line: several times the chart's width in pixels
MAX_LEGEND = 20    # legend entries that fit beside the axes; past them the legend names the best run only
# The chart's words, on the PNG and on the living page's redrawn chart (``walkthrough/live.py`` passes them on).
WORDS = {"x": "iteration", "y": "E_total", "log": " (log scale)", "best": " (best)", "many": "{n} runs, the best"}


def chart_name(config_name: str) -> str:
    """The PNG's file name for a config."""
    return f"{config_name}-learning-rates.png"


def chart_title(heading: str, named: bool, threshold: float) -> str:
    """The chart's title, on the PNG and on the living page's redrawn chart.

    >>> chart_title("Lecture", False, 0.01)
    'Lecture: E_total against iteration, by learning rate (dotted: threshold 0.01)'
    """
    return f"{heading}: E_total against iteration, by {legend_title(named)} (dotted: threshold {threshold:g})"


def legend_title(named: bool) -> str:
    """What the legend lists: runs when they name their optimizer, else learning rates."""
    return "run" if named else "learning rate"


def write(run, folder: Path) -> tuple[Path, ...]:
    """The writer of the build's table: ``NAME-learning-rates.png`` in ``folder``. ``run`` is a Run, or the
    ``aside_input`` of one."""
    path = Path(folder) / chart_name(run.config.stem)
    plot_learning_rates(path, run.summary, run.config.heading)
    return (path,)


def prepare() -> None:
    """What ``write`` needs before it has a run, done first in a process of its own: matplotlib imported
    (two fifths of a second), while the build's process loads the config and writes the workbook.

    The process only draws: its matplotlib writes no property tables into docstrings (``kwdoc``, a quarter of
    the import), which only ``help()`` would show."""
    import matplotlib.artist

    matplotlib.artist.kwdoc = lambda artist: ""
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.figure  # noqa: F401
    import PIL.Image  # noqa: F401


class Names(NamedTuple):
    """The config's names that ``write`` reads."""

    stem: str
    heading: str


class Drawn(NamedTuple):
    """What ``write`` reads of a run (``run.config.stem``, ``.heading``, ``run.summary``), sent to a process that
    has no run: it needs neither the config's nor the graph's modules, nor to run the engine again."""

    config: Names
    summary: Summary


def aside_input(run) -> Drawn:
    """What ``write`` reads of ``run``, to be sent to the process that draws aside (see ``Drawn``)."""
    return Drawn(Names(run.config.stem, run.config.heading), run.summary)


# The figure's fixed layout, in fractions of its 11 × 4.2 inches: what constrained layout gives the examples
# with the widest tick labels (targets-half's 0.014). Constrained layout draws the figure twice, a quarter of
# the PNG's time; it is kept for a figure whose texts do not fit this one (``fits``).
SIZE, DPI = (11, 4.2), 110  # inches, dots an inch
FONT_POINTS = 10  # matplotlib's default size of the figure's texts; the title is "large" (1.2 times), the legend "small"
LAYOUT = dict(left=0.068, right=0.996, bottom=0.1124, top=0.9304, wspace=0.168)


def plot_learning_rates(path, summary: Summary, title: str) -> None:
    """Draw E_total against iteration, one line per learning rate, on linear and log scales side by side."""
    # The figure and its Agg canvas without pyplot: pyplot's import (its backends and state) is a tenth of
    # a build's time, and a figure of one's own needs no closing.
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE, dpi=DPI)
    figure.subplots_adjust(**LAYOUT)
    canvas = FigureCanvasAgg(figure)
    axes = figure.subplots(1, 2)
    for axis, scale in zip(axes, ("linear", "log")):
        axis.set_yscale(scale)  # before any line: rescaling a flat line's axis warns
        if scale == "log":
            axis.yaxis.set_major_formatter(plain_log_formatter())
            axis.yaxis.set_minor_formatter(plain_log_formatter(labelOnlyBase=False))
        axis.set_xlabel(WORDS["x"])
        axis.set_ylabel(WORDS["y"] + (WORDS["log"] if scale == "log" else ""))
        axis.axhline(summary.threshold, color=REFERENCE, linestyle=":", linewidth=1)
        axis.grid(True, which="major", color=GRID, alpha=0.3)
    listed = len(summary.trajectories) <= MAX_LEGEND
    handles = []
    for index, (case, trajectory) in enumerate(summary.trajectories.items()):
        label = summary.label(case) + (WORDS["best"] if case == summary.best else "")
        if not listed and case != summary.best:
            label = "_nolegend_"  # matplotlib leaves labels starting with "_" out of the legend
        # The palette's colour, dash and marker of the run: told apart on a projector, on paper and in grey.
        look = series(index)
        style = dict(color=look.colour, linestyle=look.dash.matplotlib(), marker=look.marker.matplotlib,
                     markersize=MARKER_POINTS, markevery=(look.mark_from, MARK_EVERY))
        # A diverged run's line stops where E_total leaves any sensible scale (matplotlib overflows near 1e308).
        losses = np.array(trajectory, dtype=float)  # a copy: the summary's trajectory must stay as it is
        losses[~(losses < DRAWN_UP_TO)] = np.nan
        iterations, losses = thinned(losses)
        for axis in axes:
            line, = axis.plot(iterations, losses, label=label, linewidth=1.6, **style)
        handles.append(line)
    by = legend_title(summary.named)
    shown = [h for h in handles if not h.get_label().startswith("_")]
    legend = dict(handles=shown, title=by if listed else WORDS["many"].format(n=len(summary.trajectories)),
                  fontsize="small", handlelength=3.2, frameon=False) if shown else None
    if legend:
        # Beside the panels, never on them: the panels leave the legend the room it takes.
        drawn = figure.legend(loc="upper right", bbox_to_anchor=(LAYOUT["right"], LAYOUT["top"]), **legend)
        room = drawn.get_window_extent(canvas.get_renderer()).width / figure.bbox.width
        figure.subplots_adjust(right=LAYOUT["right"] - room - LEGEND_GAP)
    # A $ would start matplotlib's mathtext (and a stray one fails the drawing): the title is shown as typed.
    heading = figure.suptitle(chart_title(title, summary.named, summary.threshold).replace("$", r"\$"))
    with warnings.catch_warnings():
        # A flat line's log axis spans a few units in the last place, which matplotlib widens itself, saying so
        # or not as the panel's size happens to round.
        warnings.filterwarnings("ignore", "Attempting to set identical low and high ylims", UserWarning)
        canvas.draw()
        if not fits(figure, heading, canvas.get_renderer()):  # a long title or wide labels: matplotlib lays it out
            figure.set_layout_engine("constrained")
            if legend:  # a legend constrained layout makes room for
                figure.legends.clear()
                figure.legend(loc="outside right upper", **legend)
            canvas.draw()
    # Pillow (matplotlib's own PNG writer) straight from the canvas: no timestamp or version in the file, so
    # regenerated outputs stay byte-identical; RGB, as the figure is opaque, at zlib level 1: smaller than
    # matplotlib's RGBA at level 6, in half the time.
    from PIL import Image

    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    image.convert("RGB").save(path, format="png", dpi=(figure.dpi, figure.dpi), compress_level=1)


def fits(figure, heading, renderer) -> bool:
    """Whether the drawn figure's texts stay inside it with the fixed layout: the title (``heading``) within
    its width, each panel's y-axis label and tick labels right of what is left of them (the figure's edge, the
    other panel)."""
    if heading.get_window_extent(renderer).width > figure.bbox.width:
        return False
    left = 0.0
    for axis in figure.axes:
        extents = [axis.yaxis.label.get_window_extent(renderer)]
        ticks = axis.yaxis.get_major_ticks() + axis.yaxis.get_minor_ticks()
        extents += [tick.label1.get_window_extent(renderer) for tick in ticks
                    if tick.label1.get_visible() and tick.label1.get_text()]
        if min(extent.x0 for extent in extents) < left:
            return False
        left = axis.bbox.x1
    return True


def plain_log_formatter(**options):
    """matplotlib's LogFormatterSciNotation (``options`` its own) with its labels as plain text, ``10⁻²`` and
    ``2×10⁻²``, rather than mathtext, whose parser takes a tenth of a second to build."""
    return _plain_log_formatter()(**options)


@functools.cache
def _plain_log_formatter():
    import re

    from matplotlib.ticker import LogFormatterSciNotation

    math = re.compile(r"\$\\mathdefault\{(.*)\}\$")
    power = re.compile(r"\^\{(-?\d+)\}")
    superscripts = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")

    class PlainLogFormatter(LogFormatterSciNotation):
        def __call__(self, x, pos=None):
            text = super().__call__(x, pos)
            found = math.fullmatch(text)
            if not found:
                return text  # '' for an unlabelled tick
            plain = power.sub(lambda m: m.group(1).translate(superscripts), found.group(1)).replace(r"\times", "×")
            # A form this does not know stays mathtext, which draws it.
            return text if "\\" in plain or "{" in plain or "^" in plain else plain.replace("-", "−")

    return PlainLogFormatter


def thinned(losses, most: int = MAX_POINTS):
    """(iterations, losses) of a line cut down to at most ``most`` points for drawing.

    A long run is split into equal stretches and each keeps its lowest and highest point, in order,
    so an oscillation still shows as a band; memory stays flat however many iterations there are.

    >>> import numpy as np
    >>> x, y = thinned(np.array([5.0, 1.0, 4.0, 2.0, 3.0, 3.0]), most=4)
    >>> x.tolist(), y.tolist()
    ([1, 2, 4, 5], [5.0, 1.0, 2.0, 3.0])
    """
    import numpy as np

    count = len(losses)
    if count <= most:
        return np.arange(1, count + 1), losses
    width = -(-count // (most // 2))
    stretches = -(-count // width)
    padded = np.full(stretches * width, np.nan)
    padded[:count] = losses
    grid = padded.reshape(stretches, width)
    missing = np.isnan(grid)  # a diverged stretch keeps a gap in the line
    lowest = np.where(missing, np.inf, grid).argmin(axis=1)
    highest = np.where(missing, -np.inf, grid).argmax(axis=1)
    picks = np.unique(np.stack([lowest, highest], axis=1) + width * np.arange(stretches)[:, None])  # sorted
    return picks + 1, padded[picks]
