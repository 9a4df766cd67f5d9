"""The legend: every quantity's name, from its structure to each notation and back.

A quantity's structure is a ``Name``: its role (an input, a weight, a net input, a chain-rule step, …), the
neuron, weight or bias it belongs to, the training example, an optimizer state's key. This module is the
one place that turns a structure into a name, in every notation, and a name back into a structure:

- ``header``: the name the workbook's header shows and every module uses as a key (``∂E/∂w5``, ``a_h1``,
  ``h1.2``, ``∂E/∂w5[2]``, ``v_w5``, ``b_h1``, ``E_total``); ``parse`` reads it back,
- ``math``: a name in plain-text math (a parameter by its symbol, η for ``lr``; ′ for the row above, ⁺ for
  the value after the update),
- ``mathml``: a name typeset (w₅, a with the subscript h1, ∂E/∂w5 as a fraction),
- ``defined``: a spreadsheet's defined name (no cell reference look-alike: ``w_5``, ``dE_dw_5``), which
  ``parse_defined`` reads back.

>>> header(Name(GRADIENT, param=Name(WEIGHT, number=5), example=2))
'∂E/∂w5[2]'
>>> parse("∂a_h1.2/∂h1.2") == Name(CHAIN, neuron=Neuron("h", 2, layer=1), step=SLOPE_STEP)
True
>>> parse("x5") is None
True
>>> math("lr"), math("w5", previous=True), defined(parse("∂E/∂w5[2]"))
('η', 'w5′', 'dE_dw_5_x2')
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from html import escape

from sheetprop.parameters import PARAMETERS, symbol
from sheetprop.optimizers import OPTIMIZERS

# Roles of quantities (a name's structure begins with one).
COUNTER, INPUT, TARGET, WEIGHT, BIAS, NET, ACT, ERROR, CHAIN, GRADIENT, STATE = (
    "counter", "input", "target", "weight", "bias", "net", "activation", "error", "chain", "gradient", "state")
# The chain-rule steps of a neuron: ∂E/∂a, the activation's slope ∂a/∂z and δ = ∂E/∂z; and a net input's
# change with one of its weights, ∂z/∂w (a factor the walkthrough writes, no column of its own).
OUTPUT_STEP, SLOPE_STEP, DELTA_STEP, WEIGHT_STEP = "∂E/∂a", "∂a/∂z", "δ", "∂z/∂w"
TOTAL = "E_total"
COUNTER_NAME = "iteration"
INPUTS, HIDDEN, OUTPUTS = "i", "h", "o"   # a neuron's letter
ANY = "…"                                 # any neuron of a family: ∂E/∂a_…
# How a network's biases are named: none; one per layer after the inputs (b1, b2); one per neuron (b_h1, b_o1).
BIAS_MODES = ("none", "layer", "neuron")

# Optimizer state keys: a parameter's own (v_w5) and those every parameter shares (c1).
_OWN_KEYS = frozenset(state.key for o in OPTIMIZERS.values() for state in o.states)
_SHARED_KEYS = frozenset(state.key for o in OPTIMIZERS.values() for state in o.shared)
# A key that spelled a neuron, a weight or a bias would make names ambiguous.
assert not _OWN_KEYS & _SHARED_KEYS and not (_OWN_KEYS | _SHARED_KEYS) & {"a", "b", "i", "t", "w", "E", "h", "o"}


@dataclass(frozen=True)
class Neuron:
    """A neuron as names number it: the ``number``-th input (i), hidden (h) or output (o) neuron; a hidden
    neuron of a network with several hidden layers carries its hidden ``layer`` too (h2.1)."""

    kind: str
    number: int
    layer: int | None = None

    @property
    def name(self) -> str:
        """'i1', 'h3', 'h2.1', 'o1'."""
        return f"{self.kind}{self.layer}.{self.number}" if self.layer is not None else f"{self.kind}{self.number}"


@dataclass(frozen=True)
class Name:
    """The structure of a quantity's name: everything its name says, as fields.

    ``neuron`` is the neuron of an input, target, net, activation, error or chain-rule step (None for
    E_total, or for any neuron of a family: ∂E/∂a_…), or of a per-neuron bias; ``number`` a weight's
    number (w5; None for a generic weight w) or a per-layer bias's layer (b1); ``param`` the weight or bias
    a gradient, an optimizer state or ∂z/∂w belongs to; ``key`` an optimizer state's key (v, m, c1);
    ``step`` which chain-rule step; ``example`` the training example of one of several.
    """

    role: str
    neuron: Neuron | None = None
    number: int | None = None
    param: "Name | None" = None
    key: str | None = None
    step: str | None = None
    example: int | None = None

    def of_example(self, example: int | None) -> "Name":
        """The same name for one training example (None: for what all of them share)."""
        return replace(self, example=example)


GENERIC_WEIGHT = Name(WEIGHT)   # the w of an update rule written for any weight


# ---------------------------------------------------------------------------------------------- positions

def neurons(layers) -> list[list[Neuron]]:
    """The neurons of each layer (``layers``: widths, inputs first): i1…, h1… (h1.1… with several hidden
    layers), o1….

    >>> [[n.name for n in layer] for layer in neurons((2, 3, 2, 1))]
    [['i1', 'i2'], ['h1.1', 'h1.2', 'h1.3'], ['h2.1', 'h2.2'], ['o1']]
    """
    hidden = len(layers) - 2
    found = [[Neuron(INPUTS, j) for j in range(1, layers[0] + 1)]]
    for layer in range(1, hidden + 1):
        found.append([Neuron(HIDDEN, j, layer if hidden > 1 else None) for j in range(1, layers[layer] + 1)])
    found.append([Neuron(OUTPUTS, j) for j in range(1, layers[-1] + 1)])
    return found


def weights(layers) -> list[list[list[Name]]]:
    """w1, w2, … numbered as the lecture does: layer by layer, per receiving neuron, per sending neuron."""
    count, found = 0, []
    for before, after in zip(layers, layers[1:]):
        rows = []
        for _ in range(after):
            rows.append([Name(WEIGHT, number=count + k + 1) for k in range(before)])
            count += before
        found.append(rows)
    return found


def biases(layers, mode: str) -> list[list[Name]]:
    """The bias each neuron of each layer after the inputs adds: ``mode`` "layer" shares one per layer (b1,
    b2), "neuron" gives each its own (b_h1, b_o1), "none" none."""
    if mode not in BIAS_MODES:
        raise ValueError(f"no bias mode {mode!r}: one of {', '.join(BIAS_MODES)}")
    later = neurons(layers)[1:]
    if mode == "layer":
        return [[Name(BIAS, number=layer)] * len(names) for layer, names in enumerate(later, start=1)]
    if mode == "neuron":
        return [[Name(BIAS, neuron=n) for n in names] for names in later]
    return [[] for _ in later]


# ---------------------------------------------------------------------------------------------- header

def header(name: Name) -> str:
    """The name as the workbook's header shows it, and as every module keys the quantity.

    >>> [header(n) for n in (Name(ACT, neuron=Neuron("h", 1)), Name(STATE, key="v", param=Name(WEIGHT, number=5)),
    ...                      Name(ERROR, example=3), Name(CHAIN, neuron=Neuron("o", 1), step=DELTA_STEP))]
    ['a_h1', 'v_w5', 'E_total[3]', '∂E/∂o1']
    """
    if name.step == WEIGHT_STEP:   # the net input is of one example, the weight of all: ∂o1[2]/∂w5
        top = header(Name(NET, neuron=name.neuron, example=name.example))
        return f"∂{top}/∂{_base(name.param or GENERIC_WEIGHT)}"
    base = _base(name)
    return f"{base}[{name.example}]" if name.example else base


def _base(name: Name) -> str:
    role, neuron = name.role, name.neuron.name if name.neuron else ANY
    if role == COUNTER:
        return COUNTER_NAME
    if role in (INPUT, NET):
        return neuron
    if role == TARGET:
        return f"t{name.neuron.number}"
    if role == ERROR:
        return f"E{name.neuron.number}" if name.neuron else TOTAL
    if role == WEIGHT:
        return f"w{name.number}" if name.number is not None else "w"
    if role == BIAS:
        return f"b_{neuron}" if name.neuron else f"b{name.number}"
    if role == ACT:
        return f"a_{neuron}"
    if role == GRADIENT:
        return f"∂E/∂{_base(name.param)}"
    if role == STATE:
        return name.key if name.param in (None, GENERIC_WEIGHT) else f"{name.key}_{_base(name.param)}"
    if role == CHAIN:
        return {OUTPUT_STEP: f"∂E/∂a_{neuron}", SLOPE_STEP: f"∂a_{neuron}/∂{neuron}",
                DELTA_STEP: f"∂E/∂{neuron}"}[name.step]
    raise ValueError(f"no name for the role {role!r}")


# ---------------------------------------------------------------------------------------------- parse

_NUMBER = r"[1-9]\d*"
_EXAMPLE = re.compile(rf"(.+)\[({_NUMBER})\]")
_NEURON = re.compile(rf"([{INPUTS}{HIDDEN}{OUTPUTS}])({_NUMBER})(?:\.({_NUMBER}))?")
_INDEXED = re.compile(rf"([tEwb])({_NUMBER})")


def parse(text) -> Name | None:
    """The structure a header names, or None when it names no quantity (``header``'s inverse: a name
    ``header`` would not write, such as h01, is None too).

    >>> parse("h1.2[3]")
    Name(role='net', neuron=Neuron(kind='h', number=2, layer=1), number=None, param=None, key=None, step=None, example=3)
    >>> [parse(t).role for t in ("iteration", "i1", "t2", "w7", "b2", "b_o1", "E1", "E_total", "c1", "m_b_h1")]
    ['counter', 'input', 'target', 'weight', 'bias', 'bias', 'error', 'error', 'state', 'state']
    """
    if not isinstance(text, str):
        return None
    return _parse(text) if len(text) <= KEPT_LENGTH else _parse.__wrapped__(text)


KEPT_LENGTH = 200   # names parsed are kept (a workbook's sheets share their headers); a long text is not a name


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> Name | None:
    example = _EXAMPLE.fullmatch(text)
    base, number = (example[1], int(example[2])) if example else (text, None)
    found = _parse_base(base)
    if found is not None:
        return found.of_example(number) if not (number and found.role == COUNTER) else None
    found = _parse_weight_step(text)
    return found if found is not None and header(found) == text else None


def _parse_base(text: str) -> Name | None:
    if text == COUNTER_NAME:
        return Name(COUNTER)
    if text == TOTAL:
        return Name(ERROR)
    if text.startswith("∂"):
        return _parse_derivative(text)
    neuron = _neuron(text)
    if neuron:
        return Name(INPUT if neuron.kind == INPUTS else NET, neuron=neuron)
    indexed = _INDEXED.fullmatch(text)
    if indexed:
        letter, number = indexed[1], int(indexed[2])
        if letter in "tE":
            return Name(TARGET if letter == "t" else ERROR, neuron=Neuron(OUTPUTS, number))
        return Name(WEIGHT if letter == "w" else BIAS, number=number)
    if text == "w":
        return GENERIC_WEIGHT
    key, _, rest = text.partition("_")
    if rest and key in ("a", "b"):
        neuron = _neuron(rest)
        if neuron is None or neuron.kind == INPUTS:
            return None
        return Name(ACT if key == "a" else BIAS, neuron=neuron)
    if key in _OWN_KEYS:
        param = _parameter(rest) if rest else GENERIC_WEIGHT
        return Name(STATE, key=key, param=param) if param and param != GENERIC_WEIGHT or not rest else None
    if text in _SHARED_KEYS:
        return Name(STATE, key=text)
    return None


def _parse_derivative(text: str) -> Name | None:
    top, slash, bottom = text[1:].partition("/∂")
    if not slash:
        return None
    if top == "E":
        if bottom == f"a_{ANY}":
            return Name(CHAIN, step=OUTPUT_STEP)
        if bottom.startswith("a_") and (neuron := _neuron(bottom[2:])) and neuron.kind != INPUTS:
            return Name(CHAIN, neuron=neuron, step=OUTPUT_STEP)
        if (neuron := _neuron(bottom)) and neuron.kind != INPUTS:
            return Name(CHAIN, neuron=neuron, step=DELTA_STEP)
        param = _parameter(bottom)
        return Name(GRADIENT, param=param) if param else None
    if top.startswith("a_") and (neuron := _neuron(top[2:])) and neuron.kind != INPUTS and bottom == top[2:]:
        return Name(CHAIN, neuron=neuron, step=SLOPE_STEP)
    return None


def _parse_weight_step(text: str) -> Name | None:
    """∂o1/∂w5, or ∂o1[2]/∂w5 for one example's net input."""
    top, slash, bottom = text[1:].partition("/∂")
    net, param = parse(top) if text.startswith("∂") and slash else None, _parameter(bottom)
    if net is None or net.role != NET or param is None or param.role != WEIGHT:
        return None
    return Name(CHAIN, neuron=net.neuron, param=None if param == GENERIC_WEIGHT else param, step=WEIGHT_STEP,
                example=net.example)


def _neuron(text: str) -> Neuron | None:
    match = _NEURON.fullmatch(text)
    if not match or (match[3] and match[1] != HIDDEN):
        return None
    return Neuron(match[1], int(match[3]), int(match[2])) if match[3] else Neuron(match[1], int(match[2]))


def _parameter(text: str) -> Name | None:
    """A weight or a bias (what a gradient or an optimizer state belongs to)."""
    found = _parse_base(text)
    return found if found is not None and found.role in (WEIGHT, BIAS) else None


def derivative(name: Name) -> Name | None:
    """∂E/∂ of a quantity, where the graph has it: of an activation its ∂E/∂a, of a net input its δ, of a
    weight or bias its gradient; None for anything else.

    >>> header(derivative(parse("a_h1[2]"))), header(derivative(parse("b_o1")))
    ('∂E/∂a_h1[2]', '∂E/∂b_o1')
    """
    if name.role in (ACT, NET):
        return Name(CHAIN, neuron=name.neuron, step=OUTPUT_STEP if name.role == ACT else DELTA_STEP,
                    example=name.example)
    if name.role in (WEIGHT, BIAS) and name.example is None:
        return Name(GRADIENT, param=name)
    return None


def neurons_in(name: Name):
    """Every neuron a name mentions, its parameter's included: b_o1 and m_b_h1 mention o1 and h1."""
    if name.neuron is not None:
        yield name.neuron
    if name.param is not None:
        yield from neurons_in(name.param)


def state_keys() -> tuple[frozenset, frozenset]:
    """The optimizer state keys of one parameter (v, m, s) and those every parameter shares (c1, c2)."""
    return _OWN_KEYS, _SHARED_KEYS


# ---------------------------------------------------------------------------------------------- math

PREVIOUS, AFTER = "′", "⁺"


def math(text: str, previous: bool = False, after: bool = False) -> str:
    """A name in plain-text math: a parameter by its symbol (η for the learning rate ``lr``, β1 for
    ``beta1``), a quantity as its header; marked ′ when of the row above, ⁺ when after the update.

    >>> math("beta1"), math("∂E/∂w5", previous=True), math("w5", after=True)
    ('β1', '∂E/∂w5′', 'w5⁺')
    """
    return symbol(text) + (PREVIOUS if previous else "") + (AFTER if after else "")


# ---------------------------------------------------------------------------------------------- MathML

_SYMBOL = re.compile(r"([^\W\d_]+)(\d[\d.]*)")  # a symbol with an index: β1, c1
_GENERIC = re.compile(r"([^\W\d_])_([^\W\d_]+)")  # a letter with a letter index: a_k, δ_kj


def mathml(text: str, after: bool = False) -> str:
    """A name typeset in MathML: ``w5`` → w₅, ``a_o1`` → a with subscript o1, ``∂E/∂w5`` → a fraction,
    ``lr`` → η; ``after`` the update, the plus sign above the index (w₅⁺), as it is written by hand.

    >>> mathml("a_h1")
    '<msub><mi>a</mi><mrow><mi>h</mi><mn>1</mn></mrow></msub>'
    >>> mathml("w5", after=True)
    '<msubsup><mi>w</mi><mn>5</mn><mo>+</mo></msubsup>'
    """
    name = parse(text)
    markup = (_typeset(name) if name is not None else PARAMETERS[text].mathml if text in PARAMETERS
              else _symbol(text))
    if not after:
        return markup
    if markup.startswith("<msub>"):
        return "<msubsup>" + markup[len("<msub>"):-len("</msub>")] + "<mo>+</mo></msubsup>"
    return f"<msup>{markup}<mo>+</mo></msup>"


def _typeset(name: Name) -> str:
    if name.step == WEIGHT_STEP:   # the example goes with the net input: ∂o1[2]/∂w5
        top = _with_example(_typeset_base(Name(NET, neuron=name.neuron)), name.example)
        return f"<mfrac>{_partial(top)}{_partial(_typeset_base(name.param or GENERIC_WEIGHT))}</mfrac>"
    if name.role in (GRADIENT, CHAIN):
        top, bottom = _fraction(name)
        return f"<mfrac>{_partial(top)}{_partial(_with_example(bottom, name.example))}</mfrac>"
    return _with_example(_typeset_base(name), name.example)


def _with_example(markup: str, example: int | None) -> str:
    if not example:
        return markup
    bracket = f'<mrow><mo stretchy="false">[</mo><mn>{example}</mn><mo stretchy="false">]</mo></mrow>'
    return f"<mrow>{markup}{bracket}</mrow>"


def _partial(markup: str) -> str:
    return f"<mrow><mi>∂</mi>{markup}</mrow>"


def _fraction(name: Name) -> tuple[str, str]:
    """Numerator and denominator of a derivative's name, each without its ∂."""
    neuron = name.neuron and _typeset_base(Name(NET, neuron=name.neuron))
    activation = _typeset_base(Name(ACT, neuron=name.neuron))
    if name.role == GRADIENT:
        return "<mi>E</mi>", _typeset_base(name.param)
    if name.step == OUTPUT_STEP:
        return "<mi>E</mi>", activation
    if name.step == SLOPE_STEP:
        return activation, neuron
    return "<mi>E</mi>", neuron


def _typeset_base(name: Name) -> str:
    """A name without its example: a letter with its index, a letter with a subscript, or a word."""
    role = name.role
    if role == ERROR and name.neuron is None:
        return _subscripted("E", "<mtext>total</mtext>")
    if role in (ACT, BIAS) and name.neuron is not None or role == STATE and name.param not in (None, GENERIC_WEIGHT):
        inner = _typeset_base(name.param) if role == STATE else _indexed(name.neuron)
        if role != STATE or name.param.neuron is None:   # h₁ set small: its letter and index side by side
            inner = f"<mrow>{inner[len('<msub>'):-len('</msub>')]}</mrow>"
        return _subscripted(name.key or {ACT: "a", BIAS: "b"}[role], inner)
    if role == ACT:   # a_…: any neuron's activation
        return _subscripted("a", f"<mtext>{ANY}</mtext>")
    return _symbol(_base(name))


def _indexed(neuron: Neuron) -> str:
    return f"<msub><mi>{neuron.kind}</mi><mn>{neuron.name[1:]}</mn></msub>"


def _subscripted(letter: str, subscript: str) -> str:
    return f"<msub><mi>{escape(letter)}</mi>{subscript}</msub>"


def _symbol(text: str) -> str:
    """A letter, or letters, with its index as a subscript (h1 → h₁, β1 → β₁); a letter with a letter index,
    as prose writes a generic one (a_k → a with subscript k, δ_kj), and a derivative of such (∂a_k/∂z_j) as
    a fraction; a word as it is.

    >>> _symbol("a_k"), _symbol("∂E/∂z_j")
    ('<msub><mi>a</mi><mi>k</mi></msub>', '<mfrac><mrow><mi>∂</mi><mi>E</mi></mrow><mrow><mi>∂</mi><msub><mi>z</mi><mi>j</mi></msub></mrow></mfrac>')
    """
    match = _SYMBOL.fullmatch(text)
    if match:
        return f"<msub><mi>{escape(match[1])}</mi><mn>{match[2]}</mn></msub>"
    generic = _GENERIC.fullmatch(text)
    if generic:
        return f"<msub><mi>{escape(generic[1])}</mi><mi>{escape(generic[2])}</mi></msub>"
    top, slash, bottom = text[1:].partition("/∂")
    if text.startswith("∂") and slash and _GENERIC.fullmatch(bottom):
        return f"<mfrac>{_partial(_symbol(top))}{_partial(_symbol(bottom))}</mfrac>"
    return f"<mi>{escape(text)}</mi>"


# ---------------------------------------------------------------------------------------------- defined names

_DEFINED_PARTS = (("∂E/∂", "dE_d"), ("/∂", "_d"), ("∂", "d"))


def defined(name: Name) -> str:
    """A spreadsheet defined name for the quantity: letters, digits, underscores and dots only, and never
    a cell reference's look-alike (w1, h1, E1, t1 and b1 are cells): each index follows an underscore,
    an example is ``_x`` and its number.

    >>> [defined(parse(t)) for t in ("w5", "a_h1.2", "E_total", "∂a_o1/∂o1", "v_b_o1", "iteration")]
    ['w_5', 'a_h_1.2', 'E_total', 'da_o_1_do_1', 'v_b_o_1', 'iteration']
    """
    text = re.sub(r"(?<=[iohtEwbc])(\d)", r"_\1", header(name.of_example(None)))
    for part, spelled in _DEFINED_PARTS:
        text = text.replace(part, spelled)
    return f"{text}_x{name.example}" if name.example else text


def parse_defined(text: str) -> Name | None:
    """The structure a defined name (``defined``) stands for; None when it stands for none.

    >>> parse_defined("dE_dw_5_x2") == parse("∂E/∂w5[2]")
    True
    """
    example = re.fullmatch(rf"(.+)_x({_NUMBER})", text)
    base = example[1] if example else text
    if base.startswith("dE_d"):
        base = "∂E/∂" + base[4:]
    elif base.startswith("d") and "_d" in base:
        top, _, bottom = base[1:].partition("_d")
        base = f"∂{top}/∂{bottom}"
    base = re.sub(r"(?<=[iohtEwbc])_(\d)", r"\1", base)
    name = parse(base)
    if name is None:
        return None
    name = name.of_example(int(example[2]) if example else None)
    return name if defined(name) == text else None
