"""The legend: every quantity's name, in every notation, read back to the structure it was written from.

Networks are drawn from the registries (activations, losses, optimizers, the legend's bias modes), so a new
record is covered by adding it.
"""

from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ElementTree

import xlsxwriter
from hypothesis import given, settings, strategies as st

from sheetprop import legend
from sheetprop.dialects import render
from sheetprop.expr import Param, Sym
from sheetprop.functions import ACTIVATIONS, LOSSES
from sheetprop.graph import BIAS, WEIGHT, Network, build_graph, update_rules
from sheetprop.optimizers import OPTIMIZERS
from sheetprop.verify import names
from sheetprop.verify.rules import math_text


@st.composite
def networks(draw) -> Network:
    layers = tuple(draw(st.lists(st.integers(1, 4), min_size=2, max_size=5)))
    examples = draw(st.integers(1, 3))
    return Network(layers=layers,
                   activations=tuple(draw(st.sampled_from(sorted(ACTIVATIONS))) for _ in layers[1:]),
                   loss=draw(st.sampled_from(sorted(LOSSES))),
                   biases=draw(st.sampled_from(legend.BIAS_MODES)), train_biases=draw(st.booleans()),
                   examples=examples, batch_size=draw(st.integers(0, examples - 1)),
                   optimizer=draw(st.sampled_from(sorted(OPTIMIZERS))))


def _layer(neuron: legend.Neuron, network: Network) -> int:
    """Where a neuron's name puts it: the inputs are layer 0, the outputs the last."""
    if neuron.kind == legend.HIDDEN:
        return neuron.layer or 1
    return 0 if neuron.kind == legend.INPUTS else len(network.layers) - 1


@settings(max_examples=60, deadline=None)
@given(networks())
def test_every_name_reads_back_to_the_structure_it_was_written_from(network):
    graph = build_graph(network)
    assert len(graph.index) == len(graph.quantities)   # no two quantities share a name
    for q in graph.quantities:
        structure = q.structure
        assert legend.header(structure) == q.name
        assert legend.parse(q.name) == structure, q.name
        assert legend.parse_defined(legend.defined(structure)) == structure, q.name
        # The structure is the quantity's own: what its fields say, its name says.
        assert (structure.role, structure.step, structure.example) == (q.role, q.step, q.example)
        if structure.neuron is not None:
            assert (structure.neuron.name, _layer(structure.neuron, network)) == (q.neuron, q.layer), q.name
        if structure.param is not None:
            assert legend.header(structure.param) == q.param
        if structure.role in (WEIGHT, BIAS) and q.first is not None:
            assert q.param == q.name


@settings(max_examples=30, deadline=None)
@given(networks())
def test_a_names_other_notations_keep_every_letter_and_index(network):
    """Math text is the header (marked for the row above or after the update); MathML typesets it, every
    character but _ and / kept, in reading order; a defined name is one no spreadsheet takes for a cell."""
    book = xlsxwriter.Workbook("unused.xlsx", {"in_memory": True})
    for q in build_graph(network).quantities:
        assert legend.math(q.name) == q.name
        assert (legend.math(q.name, previous=True), legend.math(q.name, after=True)) == (q.name + "′", q.name + "⁺")
        markup = legend.mathml(q.name)
        text = "".join(ElementTree.fromstring(f"<math>{markup}</math>").itertext())
        assert text == re.sub(r"[_/]", "", q.name), (q.name, markup)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert book.define_name(legend.defined(q.structure), "=Sheet1!$A$1") == 0, q.name


@settings(max_examples=40, deadline=None)
@given(networks())
def test_verify_reads_every_header_the_legend_writes_as_that_name(network):
    """verify's reading of a header (its many spellings squashed and matched) lands each of sheetprop's own
    headers on the name it is, so a sheet sheetprop wrote is read column for column."""
    for q in build_graph(network).quantities:
        assert names.quantity(q.name) == q.name, q.name


def test_verify_writes_every_definition_as_the_graphs_notes_do():
    """One rendering: verify's wording of a definition is the notes' (β1, not beta1), the row above marked ′."""
    for optimizer in OPTIMIZERS:
        graph = build_graph(Network(layers=(2, 2, 2), biases="layer", train_biases=True, optimizer=optimizer))
        for q in graph.quantities:
            assert math_text(q.expr).replace(legend.PREVIOUS, "") == render(q.expr, "math"), q.name


def test_names_that_are_no_quantitys_read_as_none():
    for text in ("h01", "w0", "x1", "i1.2", "a_i1", "∂E/∂i1", "∂E/∂t1", "∂a_h1/∂h2", "iteration[2]", "v_w", "v_h1",
                 "b_i1", "h1[0]", "E_total[02]", "", "lr", 5, None):
        assert legend.parse(text) is None, text


def test_the_prose_rules_and_the_walkthroughs_factors_name_through_the_legend():
    """The names of a rule written for any weight, and the walkthrough's ∂o1/∂w5 and ∂E/∂a_…, are the legend's
    too, and read back."""
    for optimizer in OPTIMIZERS.values():
        for left, right in update_rules(optimizer):
            for node in (left, *(s for s in _leaves(right) if isinstance(s, Sym) and s.name != "t")):
                assert legend.parse(node.name) is not None, node.name
    for text in ("∂o1/∂w5", "∂o1[2]/∂w5", "∂h1.2/∂w3", "∂E/∂a_…", "w", "∂E/∂w", "v", "c1"):
        name = legend.parse(text)
        assert name is not None and legend.header(name) == text, text
    assert render(Param("beta1") * Sym("m_w1", prev=True), "math") == "β1·m_w1"


def _leaves(expr):
    from sheetprop.expr import symbols
    return symbols(expr)
