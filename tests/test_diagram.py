"""The network diagram: every weight labelled where the drawing labels edges, and no text overlapping
another text or a neuron, and no line through a text (an edge label sits on its own edge, over a halo), for
many shapes of network up to the largest a build accepts.

Text extents are estimated from the SVG itself, from each text's font size and character count; lines are
the parts of each edge between the circles' rims.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sheetprop import config as configs
from sheetprop.config import MAX_LAYERS
from sheetprop.graph import Network, bias_names, neuron_names, weight_names
from sheetprop.legend import BIAS_MODES
from sheetprop.walkthrough.diagram import LABELLED, network_svg

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"
EM_WIDTH = 0.62  # a sans-serif character's width, in em, a little wider than most


def boxes(svg: str):
    """(labels, other texts, circles, size): labels and texts as (text, left, top, right, bottom), circles as
    (x, y, r); a neuron's name (bold, inside its circle) is not among the texts."""
    root = ET.fromstring(svg)
    base = float(root.get("font-size"))
    labels, texts = [], []
    for element in root.iter(f"{SVG}text"):
        if element.get("font-weight") == "bold":
            continue
        size, text = float(element.get("font-size", base)), element.text
        width = EM_WIDTH * size * len(text)
        x, y = float(element.get("x")), float(element.get("y"))
        left = x - {"start": 0, "middle": width / 2, "end": width}[element.get("text-anchor", "start")]
        box = (text, left, y - 0.8 * size, left + width, y + 0.25 * size)
        (labels if element.get("paint-order") else texts).append(box)
    circles = [(float(c.get("cx")), float(c.get("cy")), float(c.get("r"))) for c in root.iter(f"{SVG}circle")]
    return labels, texts, circles, (float(root.get("width")), float(root.get("height")))


def lines(svg: str) -> list[tuple[float, float, float, float]]:
    """Each edge's line between the rims of the two circles it joins."""
    root = ET.fromstring(svg)
    radius = float(next(root.iter(f"{SVG}circle")).get("r"))
    found = []
    for line in root.iter(f"{SVG}line"):
        x1, y1, x2, y2 = (float(line.get(k)) for k in ("x1", "y1", "x2", "y2"))
        length = math.hypot(x2 - x1, y2 - y1)
        ux, uy = (x2 - x1) / length * radius, (y2 - y1) / length * radius
        found.append((x1 + ux, y1 + uy, x2 - ux, y2 - uy))
    return found


def crosses(box, segment) -> bool:
    """Whether the segment passes through the box: their bounding boxes overlap and the box's corners are not
    all on one side of the segment's line (the separating axis test)."""
    x1, y1, x2, y2 = segment
    _, left, top, right, bottom = box
    if max(x1, x2) <= left or min(x1, x2) >= right or max(y1, y2) <= top or min(y1, y2) >= bottom:
        return False
    sides = [(x2 - x1) * (y - y1) - (y2 - y1) * (x - x1) for x in (left, right) for y in (top, bottom)]
    return not (all(side > 0 for side in sides) or all(side < 0 for side in sides))


def on(label, segment) -> bool:
    """Whether the label is centred on this segment's line (its own edge): its middle, 0.3 em above the
    baseline, within a pixel of the line."""
    x, y = (label[1] + label[3]) / 2, label[4] - 0.25 * 15 - 0.3 * 15
    x1, y1, x2, y2 = segment
    length = math.hypot(x2 - x1, y2 - y1)
    along = ((x - x1) * (x2 - x1) + (y - y1) * (y2 - y1)) / length ** 2
    return 0 <= along <= 1 and abs((x2 - x1) * (y1 - y) - (x1 - x) * (y2 - y1)) / length < 1.5


def overlap(a, b) -> bool:
    return a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]


def touches_circle(box, circle) -> bool:
    x, y, r = circle
    nearest_x, nearest_y = min(max(x, box[1]), box[3]), min(max(y, box[2]), box[4])
    return math.hypot(x - nearest_x, y - nearest_y) < r


def check(svg: str, network: Network, labelled: bool = True) -> None:
    """Every text clear of every other, of every neuron and of every line (a label but of its own edge), inside
    the drawing; with ``labelled``, each weight's label there."""
    labels, texts, circles, (width, height) = boxes(svg)
    segments = lines(svg)
    weights = [w for layer in weight_names(network) for row in layer for w in row]
    if labelled:
        assert sorted(label[0].split(" = ")[0] for label in labels) == sorted(weights)
    else:  # every weight or none
        assert sorted(label[0].split(" = ")[0] for label in labels) in (sorted(weights), [])
    every = labels + texts
    for i, box in enumerate(every):
        assert not any(overlap(box, other) for other in every[i + 1:]), box
        assert 0 <= box[1] and box[3] <= width and 0 <= box[2] and box[4] <= height, box
    for box in every:
        assert not any(touches_circle(box, circle) for circle in circles), box
        mine = [s for s in segments if box in labels and on(box, s)]
        assert len(mine) <= 1
        assert not any(crosses(box, s) for s in segments if s not in mine), box


def values_for(network: Network, draw) -> dict[str, float]:
    names = [w for layer in weight_names(network) for row in layer for w in row]
    names += [b for layer in bias_names(network) for b in layer] + list(neuron_names(network)[0])
    names += [f"t{k}" for k in range(1, network.layers[-1] + 1)]
    return {name: draw(st.floats(-99, 99, allow_nan=False)) for name in names}


layers = st.lists(st.integers(1, 7), min_size=2, max_size=5).filter(
    lambda sizes: sum(a * b for a, b in zip(sizes, sizes[1:])) <= 24)


@settings(max_examples=150, deadline=None)
@given(layers=layers, biases=st.sampled_from(BIAS_MODES), examples=st.sampled_from([1, 3]),
       data=st.data())
def test_no_text_overlaps_another_text_a_neuron_or_a_line(layers, biases, examples, data):
    network = Network(layers=tuple(layers), biases=biases, examples=examples)
    # Any value at all: a label of extreme length may leave the edges unlabelled, never on a line.
    check(network_svg(network, values_for(network, data.draw)), network, labelled=False)


def config_values(draw):
    """A value as configs hold them: a few digits, from 0.001 to 99 either way, or 0."""
    return draw(st.sampled_from([0.0, 0.001, 0.15, -0.3, 1.0, -2.5, 0.0375, 12.25, -99.0]))


@settings(max_examples=150, deadline=None)
@given(layers=layers, biases=st.sampled_from(["none", "layer", "neuron"]), examples=st.sampled_from([1, 3]),
       data=st.data())
def test_every_edge_of_a_small_network_is_labelled_clear_of_the_others(layers, biases, examples, data):
    network = Network(layers=tuple(layers), biases=biases, examples=examples)
    values = {name: config_values(data.draw) for name in values_for(network, lambda s: 0.0)}
    check(network_svg(network, values), network)


@settings(max_examples=10, deadline=None)
@given(sizes=st.lists(st.sampled_from([1, 2, 3, 7, 8, 100, 784]), min_size=MAX_LAYERS, max_size=MAX_LAYERS),
       biases=st.sampled_from(["none", "layer", "neuron"]))
def test_the_largest_networks_a_build_accepts_are_drawn_clear_too(sizes, biases):
    network = Network(layers=tuple(sizes), biases=biases)
    values = defaultdict(lambda: -0.1234)  # naming every weight of such a network takes longer than drawing it
    check(network_svg(network, values), network, labelled=False)


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
