"""The network as a small SVG drawing: neurons by layer, each edge labelled with its weight's name and value.

Wide layers show their first and last neurons around a ⋮, and edge labels only appear while they fit,
so the drawing stays readable (and small) for any network the engine supports.

>>> from sheetprop.config import default as default_config
>>> config = default_config()
>>> svg = network_svg(config.network, config.values)
>>> svg.startswith("<svg") and "w5 = 0.4" in svg and svg.count("<circle") == 6
True
"""

from __future__ import annotations

from html import escape
from typing import Mapping

from sheetprop.graph import Network, bias_names, neuron_names, weight_names
from sheetprop.numerals import DIGITS, number

GAP_X, GAP_Y, RADIUS, MARGIN = 250, 100, 24, 70
SHOWN = 7       # neurons drawn per layer before the middle ones give way to ⋮
LABELLED = 24   # edges labelled with their weight, at most
HALO = 'stroke="white" stroke-width="5" paint-order="stroke"'


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
    names, weights, biases = neuron_names(network), weight_names(network), bias_names(network)
    columns = [shown(size) for size in network.layers]
    tallest = max(len(c) for c in columns)
    width = 2 * MARGIN + GAP_X * (len(columns) - 1) + 80
    height = 2 * MARGIN + GAP_Y * (tallest - 1) + 40
    position = {}
    for layer, column in enumerate(columns):
        top = MARGIN + 20 + GAP_Y * (tallest - len(column)) / 2
        for row, index in enumerate(column):
            position[layer, index] = (MARGIN + 40 + GAP_X * layer, top + GAP_Y * row)
    labelled = all(len(c) == n for c, n in zip(columns, network.layers)) and network.weight_count <= LABELLED
    parts = _edges(columns, position, weights, values, labelled, digits)
    parts += _nodes(network, columns, position, names, values, biases, digits)
    parts += _captions(network, height)
    body = "\n".join(parts)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13" role="img" '
            f'aria-label="The {"–".join(map(str, network.layers))} network">\n{body}\n</svg>\n')


def _edges(columns, position, weights, values, labelled: bool, digits: int) -> list[str]:
    lines, labels = [], []
    for layer in range(1, len(columns)):
        for receiver in columns[layer]:
            for sender in columns[layer - 1]:
                if receiver is None or sender is None:
                    continue
                (x1, y1), (x2, y2) = position[layer - 1, sender], position[layer, receiver]
                lines.append(f'<line x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" stroke="#8a9bb0" '
                             'stroke-width="1.3"/>')
                if labelled:
                    # Near the sender, where the edges of one neuron fan out and their labels do not collide.
                    x, y = x1 + 0.3 * (x2 - x1), y1 + 0.3 * (y2 - y1) + 4
                    name = weights[layer - 1][receiver][sender]
                    labels.append(f'<text x="{x:g}" y="{y:g}" text-anchor="middle" fill="#1f3a5f" {HALO}>'
                                  f'{name} = {escape(number(values[name], digits))}</text>')
    return lines + labels


def _nodes(network, columns, position, names, values, biases, digits: int) -> list[str]:
    parts = []
    last = len(columns) - 1
    for layer, column in enumerate(columns):
        for index in filter(lambda i: i is not None, column):
            x, y = position[layer, index]
            name = names[layer][index]
            fill = "#fff2cc" if layer == 0 else "#ddebf7" if layer < last else "#e2efda"
            parts.append(f'<circle cx="{x:g}" cy="{y:g}" r="{RADIUS}" fill="{fill}" stroke="#44546a" stroke-width="1.5"/>')
            parts.append(f'<text x="{x:g}" y="{y + 5:g}" text-anchor="middle" font-size="15" font-weight="bold">'
                         f'{escape(name)}</text>')
            if layer == 0 and network.examples == 1:
                parts.append(f'<text x="{x - RADIUS - 8:g}" y="{y + 5:g}" text-anchor="end">'
                             f'{escape(number(values[name], digits))}</text>')
            if layer == last and network.examples == 1:
                target = f"t{index + 1}"
                parts.append(f'<text x="{x + RADIUS + 8:g}" y="{y + 5:g}">{target} = '
                             f'{escape(number(values[target], digits))}</text>')
            if layer and network.biases == "neuron":
                bias = biases[layer - 1][index]
                parts.append(f'<text x="{x:g}" y="{y + RADIUS + 16:g}" text-anchor="middle" font-size="11" '
                             f'fill="#555">{escape(bias)} = {escape(number(values[bias], digits))}</text>')
        if None in column:
            x, y = position[layer, None]
            parts.append(f'<text x="{x:g}" y="{y + 8:g}" text-anchor="middle" font-size="26">⋮</text>')
        if layer and network.biases == "layer":
            bias = biases[layer - 1][0]
            x, y = position[layer, column[0]]
            parts.append(f'<text x="{x:g}" y="{y - RADIUS - 14:g}" text-anchor="middle" fill="#555">'
                         f'bias {escape(bias)} = {escape(number(values[bias], digits))}</text>')
    return parts


def _captions(network: Network, height: int) -> list[str]:
    parts = []
    last = len(network.layers) - 1
    for layer, size in enumerate(network.layers):
        x = MARGIN + 40 + GAP_X * layer
        if layer == 0:
            text = f"{size} input{'s' if size > 1 else ''}"
        else:
            kind = "output layer" if layer == last else ("hidden layer" if last == 2 else f"hidden layer {layer}")
            text = f"{kind}: {size}, {network.activations[layer - 1]}"
        parts.append(f'<text x="{x:g}" y="{height - 16}" text-anchor="middle" fill="#44546a">{escape(text)}</text>')
    return parts


def figure_digits(digits: int = DIGITS) -> int:
    """The drawing prints fewer digits than the text: it labels, the text computes."""
    return min(digits, 4)
