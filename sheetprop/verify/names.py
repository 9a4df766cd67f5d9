"""The names people give the columns and cells of the exercise, mapped to the graph's names.

Headers are squashed (lower case; no spaces, underscores or brackets; ∂ and δ read as d, but not Δ) and then
matched against small patterns, so the many spellings of one quantity land on one name:

>>> [quantity(h) for h in ("net_h1", "act_h1", "out_h1", "E_TOTAL", "E_tot", "e1")]
['h1', 'a_h1', 'a_h1', 'E_total', 'E_total', 'E1']
>>> [quantity(h) for h in ("∂E/∂w1", "∂E_total/∂w1", "E∂W1", "δE_tot/δw1", "dw1", "Etotaldw1")]
['∂E/∂w1', '∂E/∂w1', '∂E/∂w1', '∂E/∂w1', '∂E/∂w1', '∂E/∂w1']
>>> [quantity(h) for h in ("δ_o1", "delta_o1", "delta w1", "grad w2", "gradient_w3", "∂a_o1/∂o1", "dE/da_h2")]
['∂E/∂o1', '∂E/∂o1', '∂E/∂w1', '∂E/∂w2', '∂E/∂w3', '∂a_o1/∂o1', '∂E/∂a_h2']
>>> [quantity(h) for h in ("t1 ( output of out_o1)", "∂(E_total)/∂w1", "w1 (new)")]
['t1', '∂E/∂w1', 'w1']
>>> [quantity(h) for h in ("Δw1", "∆w1", "step", "notes")]   # Δw is the weight's change, −η·∂E/∂w
[None, None, 'iteration', None]

Any width and depth: the numbers are read, not assumed; a deeper network's hidden neurons carry their
layer (h2.1), one example of several its number in brackets, as the graph names them:

>>> [quantity(h) for h in ("w12", "out_h3", "a_h2.1", "∂E/∂a_h1.3", "∂a_o3/∂o3", "b_o1", "∂E/∂b_h2.2")]
['w12', 'a_h3', 'a_h2.1', '∂E/∂a_h1.3', '∂a_o3/∂o3', 'b_o1', '∂E/∂b_h2.2']
>>> [quantity(h) for h in ("h1[2]", "E_total[3]", "∂E/∂w10[1]", "b4", "iteration[2]")]
['h1[2]', 'E_total[3]', '∂E/∂w10[1]', 'b4', None]
>>> [parameter(h) for h in ("learningRate=", "η =", "eta", "η (lr)", "Learning_rate", "t1 =", "h1")]
['lr', 'lr', 'lr', 'lr', 'lr', 't1', None]
>>> [parameter(h) for h in ("μ (momentum)", "α (alpha)", "alpha", "eps", "β2 (beta2)")]   # optimizers'
['momentum', 'alpha', 'lr', 'eps', 'beta2']
"""

from __future__ import annotations

import functools
import re
import unicodedata

from sheetprop import legend
from sheetprop.legend import (ACT, BIAS, CHAIN, ERROR, HIDDEN, INPUT, INPUTS, NET, OUTPUTS, SLOPE_STEP, STATE, TARGET,
                              WEIGHT, Name, Neuron)
from sheetprop.parameters import PARAMETERS

_DROP = re.compile(r"[\s_\-.*()\[\]{}'’`\"]+")
_LETTERS = str.maketrans({"∂": "d", "δ": "d", "σ": "sigma", "η": "eta", "α": "alpha"})


def _neuron(kind: str):
    """The neuron a captured index names: 'h' and '2' → h2; 'h' and '2.01' → h2.1 (of a deeper network)."""
    def neuron(index: str) -> Neuron:
        *layer, number = (int(part) for part in index.split("."))
        return Neuron(kind, number, *layer)
    return neuron


def _of(role: str, kind: str):
    return lambda index: Name(role, neuron=_neuron(kind)(index))


# One pattern per kind of plain variable; the captured number is the neuron's (or the weight's), any
# number: the network is read from the names, not assumed. A hidden neuron of a deeper network carries
# its layer, as the graph names it: h2.1 is neuron 1 of hidden layer 2.
_N = r"(\d+)"
_HIDDEN = r"(\d+(?:\.\d+)?)"
_VARIABLES = (
    (rf"(?:i|x|in|input){_N}", _of(INPUT, INPUTS)),
    (rf"(?:t|to|target|targeto|targ){_N}", _of(TARGET, OUTPUTS)),
    (rf"(?:w|weight){_N}", lambda index: Name(WEIGHT, number=int(index))),
    (rf"(?:b|bias){_N}", lambda index: Name(BIAS, number=int(index))),
    (rf"(?:b|bias)h{_HIDDEN}", _of(BIAS, HIDDEN)),
    (rf"(?:b|bias)o{_N}", _of(BIAS, OUTPUTS)),
    (rf"(?:net|z|in|sum)?h{_HIDDEN}", _of(NET, HIDDEN)),
    (rf"(?:net|z|in|sum)?o{_N}", _of(NET, OUTPUTS)),
    (rf"(?:a|act|out|output|sigma|sigmoid|y|s|f)h{_HIDDEN}", _of(ACT, HIDDEN)),
    # a_01 for a_o1: the lecture's own notes type a zero for the letter o.
    (rf"(?:a|act|out|output|sigma|sigmoid|y|s|f)[o0]{_N}", _of(ACT, OUTPUTS)),
    (rf"(?:e|err|error)o?{_N}", _of(ERROR, OUTPUTS)),
)
_TOTALS = {"etotal", "etot", "e", "et", "total", "error", "loss", "totalerror", "errortotal", "esum", "sumerror"}
_COUNTERS = {"iteration", "iterations", "iter", "step", "steps", "epoch", "n", "#", "no", "nr", "k", "it", "run", "sno", "srno", "sn"}
# ∂E/∂x in its spellings: ∂E/∂x, ∂E_total/∂x, E∂x, Etotaldx, dx, δx, delta x, grad x.
# The words first: tried after it, d?…d would take the d of "delta" and leave "eltaw1".
_DERIVATIVE = re.compile(r"(?:delta|gradient|grad|d?(?:e|etotal|etot|et|error|loss)?/?d)(?P<x>[^/]+)")
_SLOPE = re.compile(r"d(?P<a>[^/]+)/d(?P<z>[^/]+)")
_PARAMETERS = (INPUT, TARGET, WEIGHT, BIAS)
_STATES, _SHARED_STATES = legend.state_keys()


def squash(text) -> str:
    """Lower case, ∂/δ as d, without spaces, underscores, brackets or a trailing = or :.

    >>> squash(" ∂E_total / ∂W1 = ")
    'detotal/dw1'
    """
    text = unicodedata.normalize("NFKC", str(text)).strip()
    # Capital Δ (or the increment sign ∆) is a change, Δw = −η·∂E/∂w, not δ: lower case would make it one.
    text = text.replace("Δ", "change").replace("∆", "change").lower().translate(_LETTERS)
    # A dot between digits is a deeper network's neuron (h2.1), not punctuation to drop.
    text = re.sub(r"(?<=\d)\.(?=\d)", "\0", text)
    return _DROP.sub("", text).rstrip("=:").replace("\0", ".")


@functools.lru_cache(maxsize=4)
def _spellings(records: tuple) -> tuple[dict[str, str], dict[str, str]]:
    """Every word of every parameter record, squashed, to the parameter's name (the first record to have
    a word keeps it: α alone is the learning rate); and the same of their lookalikes."""
    found: dict[str, str] = {}
    for record in records:
        for word in (record.name, record.symbol, *record.words):
            found.setdefault(squash(word), record.name)
    return found, {squash(word): record.name for record in records for word in record.lookalikes}


def _spelled(text: str) -> str | None:
    """The parameter a squashed label spells: one of its words, or two run together ('learning rate η')."""
    spellings, _ = _spellings(tuple(PARAMETERS.values()))
    if text in spellings:
        return spellings[text]
    for cut in range(1, len(text)):
        first = spellings.get(text[:cut])
        if first and spellings.get(text[cut:]) == first:
            return first
    return None


def lookalike(label: str) -> str | None:
    """The parameter whose symbol a label types as a letter it looks like ('h' for η), or None.

    >>> lookalike("h ="), lookalike("h1")
    ('lr', None)
    """
    return _spellings(tuple(PARAMETERS.values()))[1].get(squash(label))


def variable(text: str) -> Name | None:
    """The plain variable a squashed name stands for: i1, t2, w5, b1, h1, a_o2, E1 or E_total.

    >>> legend.header(variable("outh2.01")), variable("etot") == Name(ERROR)
    ('a_h2.1', True)
    """
    for pattern, name in _VARIABLES:
        match = re.fullmatch(pattern, text)
        if match:
            return name(match.group(1))
    return Name(ERROR) if text in _TOTALS else None


def quantity(header) -> str | None:
    """The graph name a column header stands for, or None when it names nothing of the exercise."""
    if isinstance(header, str) and len(header) <= legend.KEPT_LENGTH:
        return _kept_quantity(header)   # the sheets of a workbook share their headers
    return _quantity_of(header)


def _quantity_of(header) -> str | None:
    found = _named(header)
    return legend.header(found) if found else None


_kept_quantity = functools.lru_cache(maxsize=4096)(_quantity_of)


def _named(header) -> Name | None:
    if not isinstance(header, str):
        return None
    # One example of several, as the graph names it: h1[2], ∂E/∂w5[3].
    example = re.fullmatch(r"(.*\S)\s*\[(\d+)\]\s*", header, re.DOTALL)
    if example:
        found = _named(example[1])
        return found.of_example(int(example[2])) if found and found.role != legend.COUNTER and int(example[2]) \
            else None
    found = _quantity(header) or _state(header)
    if found is None and "(" in header.strip()[1:]:
        # A name explained in brackets after it: 't1 ( output of out_o1)'.
        found = _quantity(header.split("(")[0]) if header.split("(")[0].strip() else None
    return found


def _quantity(header: str) -> Name | None:
    text = squash(header)
    if text in _COUNTERS:
        return Name(legend.COUNTER)
    found = variable(text)
    if found:
        return found
    slope = _SLOPE.fullmatch(text)
    if slope:
        a, z = variable(slope["a"]), variable(slope["z"])
        if a and z and a.role == ACT and z.role == NET and a.neuron == z.neuron:
            return Name(CHAIN, neuron=a.neuron, step=SLOPE_STEP)
        if a and z and a.role == ERROR and a.neuron and z.role in (ACT, NET) and z.neuron == a.neuron:
            return legend.derivative(z)  # E1 alone depends on o1, so ∂E1/∂o1 is ∂E/∂o1
    derivative = _DERIVATIVE.fullmatch(text)
    if derivative:
        x = variable(derivative["x"])
        if x and x.role not in (ERROR, INPUT, TARGET):
            return legend.derivative(x)
    return None


def parameter(label) -> str | None:
    """The parameter a label names: a record of ``sheetprop.parameters`` ('lr' for the learning rate) by
    the words people write for it, or an input, target, bias or weight."""
    if not isinstance(label, str):
        return None
    # A parameter named by its record's name in brackets, as sheetprop labels it: 'μ (momentum)', 'α (alpha)'
    # (without them, α is a learning rate as often as not).
    for part in re.findall(r"\(([^()]*)\)", label):
        if squash(part) in PARAMETERS:
            return squash(part)
    text = squash(label)
    spelled = _spelled(text)
    if spelled:
        return spelled
    found = variable(text)
    return legend.header(found) if found and found.role in _PARAMETERS else None


def state(header: str) -> str | None:
    """An optimizer's state column as the graph names it: 'v_w5' (a parameter's), 'c1' (shared by all).

    >>> [state(h) for h in ("v_w5", "m_b_o1", "c2", "v", "x_w1")]
    ['v_w5', 'm_b_o1', 'c2', None, None]
    """
    found = _state(header)
    return legend.header(found) if found else None


def _state(header: str) -> Name | None:
    text = header.strip()
    if text in _SHARED_STATES:
        return Name(STATE, key=text)
    key, _, rest = text.partition("_")
    param = variable(squash(rest)) if key in _STATES and rest else None
    return Name(STATE, key=key, param=param) if param and param.role in (WEIGHT, BIAS) else None


# A name starts after a separator: tried from inside a long word, the match would cost quadratic time.
PROSE_WORDS = 3     # words around an assignment that make it a sentence ("learning rate η = 0.5" is not)
_ASSIGNMENT = re.compile(r"(?<![^\s=:,;])([^\s=:,;]+)\s*[=:]\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?![\w.*/+^-])")


def is_prose(text: str) -> bool:
    """Is an assignment part of a sentence, not a label of its own? Words besides the assignments tell.

    >>> is_prose("η = 0.5"), is_prose("i1=.05  i2=0.1"), is_prose("The lecture used eta = 0.5; I try 1 below")
    (False, False, True)
    """
    return len(re.findall(r"[^\W\d_]+", _ASSIGNMENT.sub(" ", text))) >= PROSE_WORDS


def assignments(text: str) -> list[tuple[str, float]]:
    """Parameters given inside one text cell, as in 'i1=.05  i2=0.1' or 'η = 0.5'.

    >>> assignments("i1=.05  i2=0.1  w1=0.5 w4 =0.3")
    [('i1', 0.05), ('i2', 0.1), ('w1', 0.5), ('w4', 0.3)]
    >>> assignments("h1 = w1*i1+w2*i2"), assignments("eta: 2")
    ([], [('lr', 2.0)])
    """
    found = []
    for name, number in _ASSIGNMENT.findall(text):
        known = parameter(name)
        if known:
            found.append((known, float(number)))
    return found
