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

from dataclasses import dataclass
from html import escape
from typing import Mapping

from sheetprop import legend
from sheetprop.graph import Network, bias_names, neuron_names, weight_names
from sheetprop.legend import TARGET
from sheetprop.numerals import DIGITS, number

RADIUS, MARGIN = 24, 70
SHOWN = 7       # neurons drawn per layer before the middle ones give way to ⋮
LABELLED = 24   # edges labelled with their weight, at most
FONT = 13       # the drawing's font size; edge labels use it
HALO = 'stroke="white" stroke-width="5" paint-order="stroke"'
HALO_PAD = 3    # pixels the halo (and a little air) adds around a label's box
# Horizontal and vertical gaps between neurons, tried in turn until every edge label finds a free place.
SPACINGS = ((250, 100), (300, 115), (360, 130), (430, 150), (520, 175), (620, 205), (740, 240))
# Where along an edge (from its sender) a label may sit, in order of preference: near the sender, where
# one neuron's edges fan out.
PLACES = (0.3, 0.25, 0.35, 0.2, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.15)


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle: left, top, right, bottom."""

    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: "Box") -> bool:
        return self.left < other.right and other.left < self.right and self.top < other.bottom and other.top < self.bottom


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
    """The drawing as an SVG document; values (inputs, targets, weights, biases) printed to ``digits``."""
    columns = [shown(size) for size in network.layers]
    labelled = all(len(c) == n for c, n in zip(columns, network.layers)) and network.weight_count <= LABELLED
    for gap_x, gap_y in SPACINGS:
        drawing = _drawing(network, values, digits, columns, gap_x, gap_y, labelled)
        if drawing is not None:
            return drawing
    return _drawing(network, values, digits, columns, *SPACINGS[0], labelled=False)


def _drawing(network, values, digits: int, columns, gap_x: int, gap_y: int, labelled: bool) -> str | None:
    """The SVG at these gaps, or None when some edge label finds no free place."""
    tallest = max(len(c) for c in columns)
    width = 2 * MARGIN + gap_x * (len(columns) - 1) + 80
    height = 2 * MARGIN + gap_y * (tallest - 1) + 40
    position = {}
    for layer, column in enumerate(columns):
        top = MARGIN + 20 + gap_y * (tallest - len(column)) / 2
        for row, index in enumerate(column):
            position[layer, index] = (MARGIN + 40 + gap_x * layer, top + gap_y * row)
    nodes, texts = _nodes(network, columns, position, values, digits)
    texts += _captions(network, height, gap_x)
    lines, labels = _edges(network, columns, position, values, digits, labelled, nodes, texts)
    if labels is None:
        return None
    body = "\n".join([*lines, *(label.svg() for label in labels), *nodes, *(text.svg() for text in texts)])
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="{FONT}" role="img" '
            f'aria-label="The {"–".join(map(str, network.layers))} network">\n{body}\n</svg>\n')


def _edges(network, columns, position, values, digits: int, labelled: bool, nodes, texts):
    """The edges' lines and their labels; labels None when one of them finds no free place."""
    weights = weight_names(network)
    lines, labels = [], []
    taken = [text.box() for text in texts]
    taken += [Box(x - RADIUS, y - RADIUS, x + RADIUS, y + RADIUS) for x, y in position.values()]
    for layer in range(1, len(columns)):
        for receiver in columns[layer]:
            for sender in columns[layer - 1]:
                if receiver is None or sender is None:
                    continue
                (x1, y1), (x2, y2) = position[layer - 1, sender], position[layer, receiver]
                lines.append(f'<line x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" stroke="#8a9bb0" '
                             'stroke-width="1.3"/>')
                if not labelled:
                    continue
                name = weights[layer - 1][receiver][sender]
                label = _place(f"{name} = {number(values[name], digits)}", (x1, y1), (x2, y2), taken, name)
                if label is None:
                    return lines, None
                labels.append(label)
                taken.append(label.box(pad=HALO_PAD))
    return lines, labels


def _place(text: str, start, end, taken: list[Box], value: str = "") -> Text | None:
    """The label at the first place along the edge whose box (with its halo) is clear of every box taken."""
    (x1, y1), (x2, y2) = start, end
    for t in PLACES:
        x, y = round(x1 + t * (x2 - x1)), round(y1 + t * (y2 - y1) + 0.3 * FONT)  # centred on the line
        label = Text(x, y, text, anchor="middle", style=f' fill="#1f3a5f" {HALO}', value=value)
        box = label.box(pad=HALO_PAD)
        if not any(box.overlaps(other) for other in taken):
            return label
    return None


def _nodes(network, columns, position, values, digits: int) -> tuple[list[str], list[Text]]:
    """The neurons' circles, and every text beside them: names, input values, targets, biases, ⋮."""
    names, biases = neuron_names(network), bias_names(network)
    circles, texts = [], []
    last = len(columns) - 1
    grey = ' fill="#555"'
    for layer, column in enumerate(columns):
        for index in filter(lambda i: i is not None, column):
            x, y = position[layer, index]
            name = names[layer][index]
            fill = "#fff2cc" if layer == 0 else "#ddebf7" if layer < last else "#e2efda"
            circles.append(f'<circle cx="{x:g}" cy="{y:g}" r="{RADIUS}" fill="{fill}" stroke="#44546a" '
                           'stroke-width="1.5"/>')
            texts.append(Text(x, y + 5, name, 15, "middle", ' font-weight="bold"'))
            if layer == 0 and network.examples == 1:
                texts.append(Text(x - RADIUS - 8, y + 5, number(values[name], digits), anchor="end", value=name))
            if layer == last and network.examples == 1:
                target = legend.header(legend.Name(TARGET, neuron=legend.Neuron(legend.OUTPUTS, index + 1)))
                texts.append(Text(x + RADIUS + 8, y + 5, f"{target} = {number(values[target], digits)}", value=target))
            if layer and network.biases == "neuron":
                bias = biases[layer - 1][index]
                texts.append(Text(x, y + RADIUS + 16, f"{bias} = {number(values[bias], digits)}", 11, "middle", grey,
                                  value=bias))
        if None in column:
            x, y = position[layer, None]
            texts.append(Text(x, y + 8, "⋮", 26, "middle"))
        if layer and network.biases == "layer":
            bias = biases[layer - 1][0]
            x, y = position[layer, column[0]]
            texts.append(Text(x, y - RADIUS - 14, f"bias {bias} = {number(values[bias], digits)}", anchor="middle",
                              style=grey, value=bias))
    return circles, texts


def _captions(network: Network, height: int, gap_x: int) -> list[Text]:
    texts = []
    last = len(network.layers) - 1
    for layer, size in enumerate(network.layers):
        x = MARGIN + 40 + gap_x * layer
        if layer == 0:
            text = f"{size} input{'s' if size > 1 else ''}"
        else:
            kind = "output layer" if layer == last else ("hidden layer" if last == 2 else f"hidden layer {layer}")
            text = f"{kind}: {size}, {network.activations[layer - 1]}"
        texts.append(Text(x, height - 16, text, anchor="middle", style=' fill="#44546a"'))
    return texts


def figure_digits(digits: int = DIGITS) -> int:
    """The drawing prints fewer digits than the text: it labels, the text computes."""
    return min(digits, 4)
