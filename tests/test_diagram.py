"""The network diagram: every weight labelled where the drawing labels edges, and no label overlapping
another label, a neuron or any other text, for many shapes of network.

Text extents are estimated from the SVG itself, from each text's font size and character count.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sheetprop import config as configs
from sheetprop.graph import Network, bias_names, neuron_names, weight_names
from sheetprop.walkthrough.diagram import LABELLED, network_svg

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"
EM_WIDTH = 0.62  # a sans-serif character's width, in em, a little wider than most


def boxes(svg: str):
    """(labels, other texts, circles): labels and texts as (text, left, top, right, bottom), circles as (x, y, r)."""
    root = ET.fromstring(svg)
    base = float(root.get("font-size"))
    labels, texts = [], []
    for element in root.iter(f"{SVG}text"):
        size, text = float(element.get("font-size", base)), element.text
        width = EM_WIDTH * size * len(text)
        x, y = float(element.get("x")), float(element.get("y"))
        left = x - {"start": 0, "middle": width / 2, "end": width}[element.get("text-anchor", "start")]
        box = (text, left, y - 0.8 * size, left + width, y + 0.25 * size)
        (labels if element.get("paint-order") else texts).append(box)
    circles = [(float(c.get("cx")), float(c.get("cy")), float(c.get("r"))) for c in root.iter(f"{SVG}circle")]
    return labels, texts, circles, (float(root.get("width")), float(root.get("height")))


def overlap(a, b) -> bool:
    return a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]


def touches_circle(box, circle) -> bool:
    x, y, r = circle
    nearest_x, nearest_y = min(max(x, box[1]), box[3]), min(max(y, box[2]), box[4])
    return math.hypot(x - nearest_x, y - nearest_y) < r


def check(svg: str, network: Network) -> None:
    labels, texts, circles, (width, height) = boxes(svg)
    weights = [w for layer in weight_names(network) for row in layer for w in row]
    assert sorted(label[0].split(" = ")[0] for label in labels) == sorted(weights)
    for i, label in enumerate(labels):
        assert not any(overlap(label, other) for other in labels[i + 1:]), (label, labels)
        assert not any(overlap(label, text) for text in texts), label
        assert not any(touches_circle(label, circle) for circle in circles), label
        assert 0 <= label[1] and label[3] <= width and 0 <= label[2] and label[4] <= height


def values_for(network: Network, draw) -> dict[str, float]:
    names = [w for layer in weight_names(network) for row in layer for w in row]
    names += [b for layer in bias_names(network) for b in layer] + list(neuron_names(network)[0])
    names += [f"t{k}" for k in range(1, network.layers[-1] + 1)]
    return {name: draw(st.floats(-99, 99, allow_nan=False)) for name in names}


layers = st.lists(st.integers(1, 7), min_size=2, max_size=5).filter(
    lambda sizes: sum(a * b for a, b in zip(sizes, sizes[1:])) <= 24)


@settings(max_examples=150, deadline=None)
@given(layers=layers, biases=st.sampled_from(["none", "layer", "neuron"]), examples=st.sampled_from([1, 3]),
       data=st.data())
def test_no_edge_label_overlaps_another_label_a_neuron_or_a_text(layers, biases, examples, data):
    network = Network(layers=tuple(layers), biases=biases, examples=examples)
    check(network_svg(network, values_for(network, data.draw)), network)


def test_the_examples_diagrams_have_no_overlapping_labels():
    for path in sorted((ROOT / "examples").glob("*.toml")):
        config = configs.load(path)
        svg = network_svg(config.network, config.values)
        if config.network.weight_count <= LABELLED:
            check(svg, config.network)
        else:  # the classifier's 35 weights: edges without labels, nothing else to overlap
            assert boxes(svg)[0] == [], path
    xor = configs.load(ROOT / "examples" / "xor.toml")
    labels, *_ = boxes(network_svg(xor.network, xor.values))
    w2, w5 = (next(label for label in labels if label[0].startswith(f"{name} =")) for name in ("w2", "w5"))
    assert not overlap(w2, w5)  # w5 was printed over w2


def test_a_wide_network_is_drawn_without_edge_labels():
    network = Network(layers=(784, 16, 10))
    labels, texts, circles, _ = boxes(network_svg(network, values_for(network, lambda s: 0.5)))
    assert labels == [] and "⋮" in [t[0] for t in texts] and len(circles) == 6 + 6 + 6
