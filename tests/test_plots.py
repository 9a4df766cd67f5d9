"""The learning-rate PNG as a reader sees it: its pixels, not matplotlib's objects.

The chart is drawn with a fixed layout and plain-text log labels (the fast path, ``sheetprop/plots.py``);
these tests fail if that path stops drawing the same chart: the lines where the engine's numbers put them,
in log proportion on the right panel and linear on the left, the threshold between the runs that reach it
and those that do not, the same bytes on every drawing.
"""

import io
import math
import zlib

import numpy as np
import pytest
from PIL import Image

from sheetprop import palette, plots
from sheetprop.compare import Case
from sheetprop.config import default
from sheetprop.runs import Run



def rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


# The palette's first six run colours: one per learning rate, in the config's order.
RUNS = [rgb(palette.series(k).colour) for k in range(6)]


@pytest.fixture(scope="module")
def lecture(tmp_path_factory):
    """The default build's chart (the lecture, six rates) drawn twice, and its summary."""
    run = Run.of(default())
    folder = tmp_path_factory.mktemp("chart")
    first, second = folder / "first.png", folder / "second.png"
    plots.plot_learning_rates(first, run.summary, run.config.heading)
    plots.plot_learning_rates(second, run.summary, run.config.heading)
    return first.read_bytes(), second.read_bytes(), run.summary


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def rows_of(image: np.ndarray, column: int, colour) -> np.ndarray:
    """The rows of ``column`` whose pixel is ``colour`` (a line's core, inside its antialiased edges)."""
    return np.flatnonzero((np.abs(image[:, column] - colour).sum(axis=1) <= 12))


def line_row(image: np.ndarray, column: int, colour, window: int = 12) -> float:
    """The row of the line drawn in ``colour`` about ``column``: the mean row of its core over the ``window``
    columns up to ``column`` where it is drawn thin (a dashed line has gaps; a marker is thicker than the line)."""
    found = [rows_of(image, x, colour) for x in range(column - window, column + 1)]
    thin = [rows.mean() for rows in found if 0 < len(rows) <= 4]
    assert thin, (column, colour)
    return float(np.mean(thin))


def grey_rows(image: np.ndarray, column: int) -> np.ndarray:
    """The rows of ``column`` drawn in grey: the threshold's dotted line, a pixel wide and antialiased (lighter
    where it falls between rows), darker than the grid and lighter than text."""
    pixel = image[:, column]
    flat = (pixel.max(axis=1) - pixel.min(axis=1)) <= 8
    return np.flatnonzero(flat & (pixel[:, 0] >= 100) & (pixel[:, 0] <= 215))


def panels(image: np.ndarray) -> list[slice]:
    """The columns inside each panel's frame, left to right: between the axes' dark vertical edges."""
    dark = np.flatnonzero((image.max(axis=2) < 80).sum(axis=0) > 200)
    edges = [int(group[0]) for group in np.split(dark, np.flatnonzero(np.diff(dark) > 1) + 1)]
    assert len(edges) == 4, edges  # two panels, each framed left and right
    return [slice(edges[0] + 2, edges[1]), slice(edges[2] + 2, edges[3])]


def line_ends(image: np.ndarray, panel: slice) -> int:
    """The last column of ``panel`` where the first rate's line is drawn (iteration 201)."""
    columns = np.flatnonzero((np.abs(image[:, panel] - RUNS[0]).sum(axis=2) <= 12).any(axis=0))
    return panel.start + columns.max()


def test_the_png_is_an_opaque_image_of_the_charts_size_without_timestamps(lecture):
    data, again, _ = lecture
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(data))
    assert image.size == (1210, 462) and image.mode == "RGB"  # 11 × 4.2 inches at 110 dpi
    chunks, at = [], 8
    while at < len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        kind = data[at + 4:at + 8]
        assert zlib.crc32(data[at + 4:at + 8 + length]) == int.from_bytes(data[at + 8 + length:at + 12 + length], "big")
        chunks.append(kind.decode())
        at += 12 + length
    assert set(chunks) <= {"IHDR", "pHYs", "IDAT", "IEND"}, chunks  # no tIME, no tEXt (Software, dates)
    assert again == data  # deterministic: the same bytes every drawing


def test_each_rate_has_its_line_in_both_panels(lecture):
    image = pixels(lecture[0])
    for half in panels(image):
        for colour in RUNS:
            drawn = (np.abs(image[:, half] - colour).sum(axis=2) <= 12).sum()
            assert drawn > 300, (half, colour, drawn)  # a line across the panel, not a legend swatch alone


def test_the_log_panel_places_the_final_losses_in_log_proportion(lecture):
    data, _, summary = lecture
    image = pixels(data)
    column = line_ends(image, panels(image)[1]) - 4  # iteration 199 or so: every line still drawn
    finals = [summary.trajectories[Case("sgd", rate)][-3] for rate in (0.1, 0.2, 0.5, 0.8, 1.0, 2.0)]
    centres = [line_row(image, column, colour) for colour in RUNS]
    assert centres == sorted(centres)  # lr 0.1, the highest loss, on top; lr 2 at the bottom
    # Rows are linear in log10(E_total): fitted through the top and bottom lines, the others fall within 2 px.
    top, bottom = centres[0], centres[-1]
    per_decade = (bottom - top) / (math.log10(finals[0]) - math.log10(finals[-1]))
    assert 100 < per_decade < 300  # about 2.2 decades over the panel's 340 pixels
    for loss, centre in zip(finals, centres):
        assert centre == pytest.approx(top + per_decade * (math.log10(finals[0]) - math.log10(loss)), abs=2.0)
    # The dotted threshold (0.01) lies between lr 0.5 (0.0125 at the end) and lr 0.8 (0.0069).
    threshold = top + per_decade * (math.log10(finals[0]) - math.log10(summary.threshold))
    grey = [row for x in range(column - 40, column) for row in grey_rows(image, x) if top < row < bottom]
    assert grey and all(abs(row - threshold) <= 2 for row in grey) and centres[2] < threshold < centres[3]


def test_the_linear_panel_places_the_final_losses_in_linear_proportion(lecture):
    data, _, summary = lecture
    image = pixels(data)
    column = line_ends(image, panels(image)[0]) - 4
    # lr 0.1, 0.2 and 0.5 end apart (0.079, 0.038, 0.0125); the three faster runs end within a line's width.
    finals = [summary.trajectories[Case("sgd", rate)][-3] for rate in (0.1, 0.2, 0.5)]
    centres = [line_row(image, column, colour) for colour in RUNS[:3]]
    assert centres == sorted(centres)
    per_unit = (centres[2] - centres[0]) / (finals[0] - finals[2])
    assert centres[1] == pytest.approx(centres[0] + per_unit * (finals[0] - finals[1]), abs=2.0)


def test_log_labels_are_matplotlibs_as_plain_text():
    # What mathtext would draw for LogFormatterSciNotation's labels, as text the font draws directly.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = {}
    for limits in ((1e-5, 1), (0.015, 0.05)):
        figure = Figure()
        FigureCanvasAgg(figure)
        axis = figure.subplots()
        axis.set_yscale("log")
        axis.set_ylim(*limits)
        axis.yaxis.set_major_formatter(plots.plain_log_formatter())
        axis.yaxis.set_minor_formatter(plots.plain_log_formatter(labelOnlyBase=False))
        figure.canvas.draw()
        labels[limits] = [t.get_text() for t in axis.get_yticklabels() + axis.get_yticklabels(minor=True)
                          if t.get_text()]
    assert labels[(1e-5, 1)] == ["10⁻⁶", "10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "10⁰", "10¹"]
    assert labels[(0.015, 0.05)] == ["10⁻²", "10⁻¹", "2×10⁻²", "3×10⁻²", "4×10⁻²", "6×10⁻²"]


@pytest.mark.parametrize("title, fixed", [("Backpropagation, lecture example (no biases)", True),
                                          ("A title far too long for the figure's width " * 4, False)])
def test_the_fixed_layout_is_kept_while_the_texts_fit(title, fixed, tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    engines = []
    real = Figure.set_layout_engine
    monkeypatch.setattr(Figure, "set_layout_engine",
                        lambda self, *a, **k: engines.extend(e for e in (*a, *k.values()) if e) or real(self, *a, **k))
    run = Run.of(default())
    plots.plot_learning_rates(tmp_path / "chart.png", run.summary, title)
    assert engines == ([] if fixed else ["constrained"])  # a title that does not fit gets constrained layout
    assert Image.open(tmp_path / "chart.png").size == (1210, 462)


DRAW_IN_A_FRESH_PROCESS = """
import sys
from sheetprop import plots
from sheetprop.config import default
from sheetprop.runs import Run
if sys.argv[1] == "prepared":
    plots.prepare()
run = Run.of(default())
plots.plot_learning_rates(sys.argv[2], run.summary, run.config.heading)
from matplotlib.lines import Line2D
print("agg_filter" in (Line2D.set.__doc__ or ""))
"""


def test_the_prepared_process_draws_the_same_png_without_matplotlibs_property_tables(tmp_path):
    # prepare() runs in the PNG's own process (writers.Aside) and spares matplotlib's import its docstring
    # tables, a quarter of it (benchmarks/speed.py): the drawing must not change by a byte.
    import subprocess
    import sys

    drawn = {}
    for how in ("plain", "prepared"):
        path = tmp_path / f"{how}.png"
        told = subprocess.run([sys.executable, "-c", DRAW_IN_A_FRESH_PROCESS, how, str(path)], check=True,
                              capture_output=True, text=True).stdout.split()
        drawn[how] = told, path.read_bytes()
    assert drawn["plain"][0] == ["True"] and drawn["prepared"][0] == ["False"]  # the tables were left out
    assert drawn["prepared"][1] == drawn["plain"][1]


@pytest.mark.parametrize("example", ["lecture", "optimizers"])
def test_the_legend_sits_beside_the_panels_never_on_the_data(example, tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    from sheetprop.config import load

    config = default() if example == "lecture" else load(plots.Path(__file__).parent.parent / "examples" / f"{example}.toml")
    run = Run.of(config)
    labels = []
    real = Figure.legend
    monkeypatch.setattr(Figure, "legend", lambda self, *a, **k: labels.extend(
        h.get_label() for h in k.get("handles", ())) or real(self, *a, **k))
    plots.plot_learning_rates(tmp_path / "chart.png", run.summary, config.heading)
    image = pixels((tmp_path / "chart.png").read_bytes())
    right = panels(image)[1].stop  # the log panel's right edge
    for k in range(len(run.summary.trajectories)):
        colour = rgb(palette.series(k).colour)
        beside = (np.abs(image[:, right + 2:] - colour).sum(axis=2) <= 12).sum()
        assert beside > 20, (k, beside)  # each run's swatch in the legend, right of the panels
    best = run.summary.label(run.summary.best)
    assert f"{best} (best)" in labels and not any("  " in label for label in labels)
