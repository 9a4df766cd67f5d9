"""The one palette: how each run is drawn (colour, dash, marker) in the workbook's chart, the PNG, the living
page and the grade report, the colours of the sheet's column groups, and every other colour of an output (the
pages' text, rules and tints, the diagram's, the sheets' labels): no other module writes a colour.

Run colours are Okabe and Ito's scheme for colour-blind readers (without its yellow, too pale for a line on
white); each run also gets its own dash pattern and marker, so that the runs stay apart on a greyscale print.
The three cycles have coprime lengths: no two of the first 7 × 6 × 5 = 210 runs look alike.

>>> series(0).colour, series(1).dash.name, series(7).colour == series(0).colour, series(7).dash == series(1).dash
('#0072B2', 'dash', True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

# Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish green, sky blue, vermillion, reddish purple,
# black. Ordered so that neighbours differ in lightness (CIE L* 46, 71, 58, 70, 54, 61, 0) as well as in hue.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#56B4E9", "#D55E00", "#CC79A7", "#000000")


@dataclass(frozen=True)
class Dash:
    """A line's dash pattern: ``pattern`` alternates drawn and blank lengths in line widths (empty: solid),
    ``excel`` is the same pattern's name among DrawingML's preset dashes (XlsxWriter's ``dash_type``)."""

    name: str
    pattern: tuple[float, ...]
    excel: str

    def svg(self, width: float) -> str:
        """The SVG ``stroke-dasharray`` for a line ``width`` wide ('' for a solid line).

        >>> DASHES[1].svg(2)
        '8 6'
        """
        return " ".join(f"{length * width:g}" for length in self.pattern)

    def matplotlib(self):
        """matplotlib's ``linestyle``: an offset and the pattern, which matplotlib scales by the line's width."""
        return (0, self.pattern) if self.pattern else "-"


# Each preset's pattern as DrawingML draws it (ECMA-376 §20.1.10.48), in line widths.
DASHES = (
    Dash("solid", (), "solid"),
    Dash("dash", (4, 3), "dash"),
    Dash("dot", (1, 1), "round_dot"),
    Dash("dash-dot", (4, 3, 1, 3), "dash_dot"),
    Dash("long dash", (8, 3), "long_dash"),
    Dash("long dash-dot-dot", (8, 3, 1, 3, 1, 3), "long_dash_dot_dot"),
)


@dataclass(frozen=True)
class Marker:
    """A point's marker: its name, matplotlib's code, XlsxWriter's marker type, and its outline as an SVG path
    around (0, 0) for a marker ``1`` unit across (the page scales it)."""

    name: str
    matplotlib: str
    excel: str
    path: str


MARKERS = (
    Marker("circle", "o", "circle", "M0.5,0A0.5,0.5 0 1,1 -0.5,0A0.5,0.5 0 1,1 0.5,0Z"),
    Marker("square", "s", "square", "M-0.45,-0.45H0.45V0.45H-0.45Z"),
    Marker("triangle", "^", "triangle", "M0,-0.55L0.5,0.4H-0.5Z"),
    Marker("diamond", "D", "diamond", "M0,-0.55L0.55,0L0,0.55L-0.55,0Z"),
    Marker("cross", "x", "x", "M-0.45,-0.45L0.45,0.45M-0.45,0.45L0.45,-0.45"),
)

LINE_WIDTH = 1.75  # points in the workbook's chart; pixels on the page; the PNG draws at 1.6 of its points
# A marker every this fraction of a panel's diagonal along the line (few enough not to hide it), the first
# one a little further along from run to run so that markers of lines that run together do not stack.
MARK_EVERY = 0.12


@dataclass(frozen=True)
class Look:
    """How one run is drawn everywhere."""

    colour: str
    dash: Dash
    marker: Marker
    mark_from: float  # where along the line its first marker sits, a fraction of the panel's diagonal


def series(index: int) -> Look:
    """The look of the ``index``-th run (counted from 0, in the config's order of runs)."""
    return Look(COLOURS[index % len(COLOURS)], DASHES[index % len(DASHES)], MARKERS[index % len(MARKERS)],
                MARK_EVERY * (index % len(MARKERS)) / len(MARKERS))


def for_page() -> dict:
    """The palette as data for the living page's script, which draws run ``k`` as ``series(k)`` does: entry
    ``k`` of each cycle modulo its length, its first marker ``markEvery × (k mod markers) / markers`` along."""
    return {"colours": list(COLOURS), "dashes": [list(d.pattern) for d in DASHES],
            "markers": [m.path for m in MARKERS], "width": LINE_WIDTH, "markEvery": MARK_EVERY,
            "reference": REFERENCE, "grid": GRID, "axes": BLACK}


BLACK, WHITE = COLOURS[-1], "#FFFFFF"
GREY = "#808080"
REFERENCE = GREY  # the threshold's dotted line, on every medium
GRID = "#B0B0B0"  # a chart's grid lines (matplotlib's, on the page's redrawn chart too)

# The interface: text, rules and tints of the pages (walkthrough, check page, grade report), the diagram and the
# sheets' labels. Its one hue that means something is Okabe and Ito's blue; right and wrong are said in words too.
INK = "#1D232B"  # text
INK_SOFT = "#34495E"  # subheadings, the diagram's outlines and weights, a sheet's group names
MUTED = "#5A6570"  # captions, notes, a sheet's help and labels
RULE = "#D5DBE3"  # a heading's underline
LINE = "#E1E5EA"  # a table's row lines
EDGE = "#C9D6E3"  # a panel's or a report table's border
TABLE_HEAD = "#EEF2F6"  # a page table's header; a sheet's header of no group
PANEL = "#F6F8FA"  # a box of equations, a report
TINT = "#F4F8FC"  # a panel to act in: the living page's fields, the check page's note and drop zone
ACCENT = COLOURS[0]  # focus, buttons, a drop zone ready
ACCENT_TINT = "#E4F1FF"  # hover, an edited value
INPUT = "#FFF2CC"  # a value to edit: a sheet's parameter cells, the page's fields, the diagram's inputs
INPUT_INK = "#0000CC"  # its text on a sheet, as spreadsheets mark input cells
WIRE = "#8A9BB0"  # the diagram's connections
BEST = "#E2EFDA"  # the best run's row on the Compare sheet; the diagram's output neurons
WRONG = "#9B2C1F"  # a problem, a wrong verdict
WRONG_TINT = "#FFC7CE"  # a field that does not read, an annotated cell (spreadsheets' "bad" fill)
RIGHT = "#1B6E3C"  # a sheet that agrees
WARNING = "#7A4A00"  # what a student should look at twice
# The pages' colours as CSS custom properties (``var(--ink)``), named as above.
CSS = {"ink": INK, "ink-soft": INK_SOFT, "muted": MUTED, "rule": RULE, "line": LINE, "edge": EDGE,
       "table-head": TABLE_HEAD, "panel": PANEL, "tint": TINT, "accent": ACCENT, "accent-tint": ACCENT_TINT,
       "input": INPUT, "wrong": WRONG, "wrong-tint": WRONG_TINT, "right": RIGHT, "warning": WARNING, "white": WHITE}


def css_variables() -> str:
    """The rule that gives a page's style sheet the palette: ``:root { --ink: #1D232B; … }``.

    >>> css_variables().startswith(":root { --ink: #1D232B;")
    True
    """
    return ":root { " + " ".join(f"--{name}: {colour};" for name, colour in CSS.items()) + " }\n"


@dataclass(frozen=True)
class ColourGroup:
    """One colour of the sheet's legend: its name, the header cell's fill and the tint of its column's cells."""

    name: str
    header: str
    tint: str


PARAMETERS = ColourGroup("parameters", "#FFE699", "#FFFAE6")
FORWARD = ColourGroup("forward pass", "#BDD7EE", "#F2F7FC")
LOSS = ColourGroup("loss", "#F8CBAD", "#FDF2EB")
BACKWARD = ColourGroup("backward pass", "#D9C8EC", "#F7F3FB")
GRADIENTS = ColourGroup("gradients", "#C6E0B4", "#F1F8EC")
UPDATES = ColourGroup("updates", "#A9DCD6", "#EDF8F6")
LEGEND = (PARAMETERS, FORWARD, LOSS, BACKWARD, GRADIENTS, UPDATES)

HEADER = "#DDEBF7"  # a table's header row that belongs to no group (the Compare sheet, the grade report)
