"""The network as a small SVG drawing: neurons by layer, each edge labelled with its weight's name and value.

Wide layers show their first and last neurons around a ⋮, and edge labels only appear while they fit,
so the drawing stays readable (and small) for any network the engine supports. Each label sits on its
edge at the first place where its box overlaps no other label, node or text; when an edge has no such
place, the drawing is spread wider and taller until every label has one.

>>> from sheetprop.config import default as default_config
>>> config = default_config()
>>> svg = network_svg(config.network, config.values)
>>> svg.startswith("<svg") and "w5 = 0.4" in svg and svg.count("<circle") == 6
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Mapping

from sheetprop import legend, palette
from sheetprop.graph import Network, bias_names, neuron_names, weight_names
from sheetprop.legend import TARGET
from sheetprop.numerals import DIGITS, number

RADIUS, MARGIN = 24, 70
SHOWN = 7       # neurons drawn per layer before the middle ones give way to ⋮
LABELLED = 24   # edges labelled with their weight, at most
FONT = 15       # the drawing's font size (edge labels, values, captions): 12 px or more on a 1280-px projector
SMALL = 14      # a neuron's bias
NAME = 17       # a neuron's name, bold, in its circle
MIN_SCALE = 0.8  # the page never shows the drawing smaller than this (it scrolls instead): FONT stays 12 px
HALO = f'stroke="{palette.WHITE}" stroke-width="5" paint-order="stroke"'
EDGE = 4        # pixels between the outermost text and the drawing's edge
HALO_PAD = 3    # pixels the halo (and a little air) adds around a label's box
# Horizontal and vertical gaps between neurons, tried in turn until every label finds a free place.
SPACINGS = ((260, 105), (310, 120), (370, 135), (440, 155), (530, 180), (630, 210), (750, 245), (900, 280))
# Where along an edge (from its sender) a label may sit, in order of preference: near the sender, where
# one neuron's edges fan out, then further along in steps of a fortieth.
PLACES = (0.3, 0.25, 0.35, 0.2, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.15,
          *(k / 40 for k in range(4, 37) if k % 2))


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle: left, top, right, bottom."""

    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: "Box") -> bool:
        return self.left < other.right and other.left < self.right and self.top < other.bottom and other.top < self.bottom

    def crosses(self, segment: "Segment") -> bool:
        """Whether the segment passes through the box (Liang and Barsky's clipping)."""
        x1, y1, x2, y2 = segment.ends
        dx, dy, low, high = x2 - x1, y2 - y1, 0.0, 1.0
        for p, q in ((-dx, x1 - self.left), (dx, self.right - x1), (-dy, y1 - self.top), (dy, self.bottom - y1)):
            if p == 0:
                if q < 0:
                    return False
                continue
            t = q / p
            low, high = (max(low, t), high) if p < 0 else (low, min(high, t))
            if low > high:
                return False
        return True


@dataclass(frozen=True)
class Segment:
    """The part of an edge's line that shows: between the two circles' rims."""

    ends: tuple[float, float, float, float]


class Lines:
    """The drawing's segments, found by the stretch of width they span: a box meets only the few segments
    between the layers beside it, however many layers the network has."""

    def __init__(self, segments: list[Segment], stretch: float):
        self.stretch, self.by_stretch = stretch, {}
        for segment in segments:
            x1, _, x2, _ = segment.ends
            for k in range(int(min(x1, x2) // stretch), int(max(x1, x2) // stretch) + 1):
                self.by_stretch.setdefault(k, []).append(segment)

    def crossing(self, box: Box, but: Segment | None = None) -> bool:
        """Whether a segment other than ``but`` passes through ``box``."""
        for k in range(int(box.left // self.stretch), int(box.right // self.stretch) + 1):
            if any(segment is not but and box.crosses(segment) for segment in self.by_stretch.get(k, ())):
                return True
        return False


def text_box(x: float, y: float, text: str, size: float = FONT, anchor: str = "start", pad: float = 0) -> Box:
    """The box a line of sans-serif text takes: about 0.62 em a character (most are narrower), from 0.8 em
    above its baseline to 0.25 em below, widened by ``pad`` on every side (a label's halo).

    >>> text_box(100, 50, "w5 = 0.4", 25, "middle")
    Box(left=38.0, top=30.0, right=162.0, bottom=56.25)
    """
    width = 0.62 * size * len(text)
    left = x - {"start": 0, "middle": width / 2, "end": width}[anchor]
    return Box(left - pad, y - 0.8 * size - pad, left + width + pad, y + 0.25 * size + pad)


@dataclass(frozen=True)
class Text:
    """One line of text in the drawing, and the box it takes."""

    x: float
    y: float
    text: str
    size: float = FONT
    anchor: str = "start"
    style: str = ""
    value: str = ""  # the parameter whose value the text ends with: the living page rewrites it

    def box(self, pad: float = 0) -> Box:
        return text_box(self.x, self.y, self.text, self.size, self.anchor, pad)

    def svg(self) -> str:
        anchor = f' text-anchor="{self.anchor}"' if self.anchor != "start" else ""
        size = f' font-size="{self.size:g}"' if self.size != FONT else ""
        value = f' data-value="{escape(self.value)}"' if self.value else ""
        return f'<text x="{self.x:g}" y="{self.y:g}"{anchor}{size}{self.style}{value}>{escape(self.text)}</text>'


def shown(size: int) -> list[int | None]:
    """Indices of the neurons drawn for a layer of ``size``; None stands for the ⋮ between them.

    >>> shown(3), shown(784)
    ([0, 1, 2], [0, 1, 2, 3, None, 782, 783])
    """
    if size <= SHOWN:
        return list(range(size))
    return [0, 1, 2, 3, None, size - 2, size - 1]


def network_svg(network: Network, values: Mapping[str, float], digits: int = 4) -> str:
    """The drawing as an SVG document; values (inputs, targets, weights, biases) printed to ``digits``.

    Every text keeps clear of every other and of every edge's line (an edge label sits on its own edge, over
    a white halo): the neurons are spread further apart until it does; past the widest spacing, the neurons'
    biases go unwritten, then the edges unlabelled (the walkthrough's tables list them all)."""
    columns = [shown(size) for size in network.layers]
    labelled = all(len(c) == n for c, n in zip(columns, network.layers)) and network.weight_count <= LABELLED
    attempts = [(True, True), (True, False), (False, True), (False, False)][0 if labelled else 2:]
    for label_edges, write_biases in attempts:
        for gap_x, gap_y in SPACINGS:
            drawing = _drawing(network, values, digits, columns, gap_x, gap_y, label_edges, write_biases)
            if drawing is not None:
                return drawing
    return _drawing(network, values, digits, columns, *SPACINGS[-1], False, False, check=False)


def _drawing(network, values, digits: int, columns, gap_x: int, gap_y: int, labelled: bool, biases: bool,
             check: bool = True, shift: tuple[float, float] = (0, 0)) -> str | None:
    """The SVG at these gaps, or None when some text finds no place clear of the others and of the lines;
    everything moved right and down by ``shift``."""
    names = neuron_names(network)
    radius = max(RADIUS, max(0.31 * NAME * len(names[layer][i]) + 5 for layer, column in enumerate(columns)
                             for i in column if i is not None))
    tallest = max(len(c) for c in columns)
    width = round(2 * MARGIN + gap_x * (len(columns) - 1) + 80 + 2 * (radius - RADIUS))
    height = round(shift[1] + 2 * MARGIN + gap_y * (tallest - 1) + 60 + 2 * (radius - RADIUS))
    position = {}
    for layer, column in enumerate(columns):
        top = MARGIN + 30 + (radius - RADIUS) + gap_y * (tallest - len(column)) / 2
        for row, index in enumerate(column):
            position[layer, index] = (shift[0] + MARGIN + 40 + (radius - RADIUS) + gap_x * layer,
                                      shift[1] + top + gap_y * row)
    segments, lines = _edges(network, columns, position, radius)
    found = Lines(segments, gap_x / 2)
    circles, texts, movable = _nodes(network, columns, position, values, digits, radius, biases)
    texts += _captions(network, height, position)
    taken = [text.box(pad=HALO_PAD) for text in texts if not text.style.startswith(_NAMED)]
    taken += [Box(x - radius, y - radius, x + radius, y + radius) for x, y in position.values()]
    if check and (_clash([text.box() for text in texts if not text.style.startswith(_NAMED)], found)):
        return None
    for choices in movable:  # a bias beside its neuron, wherever its lines leave room
        free = _free(choices, taken, found)
        if free is None:
            if check:
                return None
            continue
        texts.append(free)
        taken.append(free.box(pad=HALO_PAD))
    labels = []
    if labelled:
        weights = weight_names(network)
        for segment, (layer, receiver, sender) in segments_with_edges(segments, network, columns):
            name = weights[layer - 1][receiver][sender]
            label = _place(f"{name} = {number(values[name], digits)}", segment, taken, found, name)
            if label is None:
                return None
            labels.append(label)
            taken.append(label.box(pad=HALO_PAD))
    # The drawing holds every text: a long caption or value at either end widens it (or moves it right).
    extents = [text.box() for text in [*texts, *labels] if not text.style.startswith(_NAMED)]
    left, top = min(box.left for box in extents), min(box.top for box in extents)
    if (left < EDGE or top < EDGE) and shift == (0, 0):
        return _drawing(network, values, digits, columns, gap_x, gap_y, labelled, biases, check,
                        (max(0, EDGE - left), max(0, EDGE - top)))
    width = max(width + round(shift[0]), math.ceil(max(box.right for box in extents) + EDGE))
    height = max(height, math.ceil(max(box.bottom for box in extents) + EDGE))
    body = "\n".join([*lines, *(label.svg() for label in labels), *circles, *(text.svg() for text in texts)])
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" style="min-width:{round(width * MIN_SCALE)}px" '
            f'font-family="sans-serif" font-size="{FONT}" role="img" '
            f'aria-label="The {"–".join(map(str, network.layers))} network">\n{body}\n</svg>\n')


_NAMED = ' font-weight="bold"'  # a neuron's name: inside its circle, which hides the lines beneath


def _clash(boxes: list[Box], lines: Lines) -> bool:
    """Whether two of the boxes overlap, or a line passes through one of them."""
    ordered = sorted(boxes, key=lambda box: box.left)
    for i, box in enumerate(ordered):
        for other in ordered[i + 1:]:
            if other.left >= box.right:
                break
            if box.overlaps(other):
                return True
        if lines.crossing(box):
            return True
    return False


def _free(choices: list[Text], taken: list[Box], lines: Lines, but: Segment | None = None) -> Text | None:
    """The first of ``choices`` whose box (with its halo) is clear of every box taken and of every line but
    ``but``."""
    for text in choices:
        box = text.box(pad=HALO_PAD)
        if not any(box.overlaps(other) for other in taken) and not lines.crossing(box, but):
            return text
    return None


def _edges(network, columns, position, radius: float) -> tuple[list[Segment], list[str]]:
    """Each drawn edge's visible segment (rim to rim) and its SVG line, layer by layer, receiver by sender."""
    segments, lines = [], []
    for layer in range(1, len(columns)):
        for receiver in filter(lambda i: i is not None, columns[layer]):
            for sender in filter(lambda i: i is not None, columns[layer - 1]):
                (x1, y1), (x2, y2) = position[layer - 1, sender], position[layer, receiver]
                lines.append(f'<line x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" stroke="{palette.WIRE}" '
                             'stroke-width="1.3"/>')
                length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
                ux, uy = (x2 - x1) / length * radius, (y2 - y1) / length * radius
                segments.append(Segment((x1 + ux, y1 + uy, x2 - ux, y2 - uy)))
    return segments, lines


def segments_with_edges(segments: list[Segment], network, columns):
    """Each segment with its edge (layer, receiver, sender), in ``_edges``' order."""
    edges = [(layer, receiver, sender) for layer in range(1, len(columns))
             for receiver in filter(lambda i: i is not None, columns[layer])
             for sender in filter(lambda i: i is not None, columns[layer - 1])]
    return zip(segments, edges)


def _place(text: str, segment: Segment, taken: list[Box], lines: Lines, value: str = "") -> Text | None:
    """The label at the first place along its edge whose box (with its halo) is clear of every box taken and
    of every other edge's line."""
    x1, y1, x2, y2 = segment.ends
    places = [Text(round(x1 + t * (x2 - x1)), round(y1 + t * (y2 - y1) + 0.3 * FONT), text, anchor="middle",
                   style=f' fill="{palette.INK_SOFT}" {HALO}', value=value) for t in PLACES]  # centred on the line
    return _free(places, taken, lines, but=segment)


def _nodes(network, columns, position, values, digits: int, radius: float, biases: bool):
    """The neurons' circles; the texts at fixed places (names, input values, targets, a layer's bias, ⋮); and
    for each neuron's own bias the places it may take, in order (below, above, then beside)."""
    names, bias_of = neuron_names(network), bias_names(network)
    circles, texts, movable = [], [], []
    last = len(columns) - 1
    grey = f' fill="{palette.MUTED}"'
    highest, lowest = min(y for _, y in position.values()), max(y for _, y in position.values())
    for layer, column in enumerate(columns):
        for index in filter(lambda i: i is not None, column):
            x, y = position[layer, index]
            name = names[layer][index]
            fill = palette.INPUT if layer == 0 else palette.HEADER if layer < last else palette.BEST
            circles.append(f'<circle cx="{x:g}" cy="{y:g}" r="{radius:g}" fill="{fill}" stroke="{palette.INK_SOFT}" '
                           'stroke-width="1.5"/>')
            texts.append(Text(x, y + 6, name, NAME, "middle", _NAMED))
            if layer == 0 and network.examples == 1:
                texts.append(Text(x - radius - 8, y + 5, number(values[name], digits), anchor="end", value=name))
            if layer == last and network.examples == 1:
                target = legend.header(legend.Name(TARGET, neuron=legend.Neuron(legend.OUTPUTS, index + 1)))
                texts.append(Text(x + radius + 8, y + 5, f"{target} = {number(values[target], digits)}", value=target))
            if layer and network.biases == "neuron" and biases:
                bias = bias_of[layer - 1][index]
                text = f"{bias} = {number(values[bias], digits)}"
                rows = [y + radius + 4 + 0.8 * SMALL, y - radius - 4 - 0.25 * SMALL]  # below, above
                if index == column[0]:  # a layer's first neuron: atop the whole drawing too, where no line runs
                    rows.append(highest - radius - 4 - 0.25 * SMALL)
                if index == column[-1]:
                    rows.append(lowest + radius + 4 + 0.8 * SMALL)
                movable.append([Text(x + dx, at, text, SMALL, anchor, grey, bias)
                                for at in rows for dx, anchor in ((0, "middle"), (-6, "end"), (6, "start"))])
        if None in column:
            x, y = position[layer, None]
            texts.append(Text(x, y + 8, "⋮", 26, "middle"))
        if layer and network.biases == "layer" and biases:  # above the layer, or below it
            bias = bias_of[layer - 1][0]
            text = f"bias {bias} = {number(values[bias], digits)}"
            (x, top), (_, bottom) = position[layer, column[0]], position[layer, column[-1]]
            # Beside its first or last neuron; else atop or below the whole drawing, where no line runs.
            rows = (top - radius - 6 - 0.25 * FONT, bottom + radius + 6 + 0.8 * FONT,
                    highest - radius - 6 - 0.25 * FONT, lowest + radius + 6 + 0.8 * FONT)
            movable.append([Text(x + dx, at, text, anchor=anchor, style=grey, value=bias)
                            for at in rows for dx, anchor in ((0, "middle"), (6, "start"), (-6, "end"))])
    return circles, texts, movable


def _captions(network: Network, height: int, position) -> list[Text]:
    """Under each layer: what it is, how many neurons, which activation."""
    texts = []
    last = len(network.layers) - 1
    for layer, size in enumerate(network.layers):
        x = next(x for (at, _), (x, _) in position.items() if at == layer)
        if layer == 0:
            text = f"{size} input{'s' if size > 1 else ''}"
        else:
            kind = "output layer" if layer == last else ("hidden layer" if last == 2 else f"hidden layer {layer}")
            text = f"{kind}: {size}, {network.activations[layer - 1]}"
        texts.append(Text(x, height - 16, text, anchor="middle", style=f' fill="{palette.INK_SOFT}"'))
    return texts


def figure_digits(digits: int = DIGITS) -> int:
    """The drawing prints fewer digits than the text: it labels, the text computes."""
    return min(digits, 4)
