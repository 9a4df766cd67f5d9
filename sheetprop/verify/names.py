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

from sheetprop.optimizers import OPTIMIZERS
from sheetprop.parameters import PARAMETERS

_DROP = re.compile(r"[\s_\-.*()\[\]{}'’`\"]+")
_LETTERS = str.maketrans({"∂": "d", "δ": "d", "σ": "sigma", "η": "eta", "α": "alpha"})

# One pattern per kind of plain variable; the captured number is the neuron's (or the weight's), any
# number: the network is read from the names, not assumed. A hidden neuron of a deeper network carries
# its layer, as the graph names it: h2.1 is neuron 1 of hidden layer 2.
_N = r"(\d+)"
_HIDDEN = r"(\d+(?:\.\d+)?)"
_VARIABLES = (
    (rf"(?:i|x|in|input){_N}", "i{}"),
    (rf"(?:t|to|target|targeto|targ){_N}", "t{}"),
    (rf"(?:w|weight){_N}", "w{}"),
    (rf"(?:b|bias){_N}", "b{}"),
    (rf"(?:b|bias)h{_HIDDEN}", "b_h{}"),
    (rf"(?:b|bias)o{_N}", "b_o{}"),
    (rf"(?:net|z|in|sum)?h{_HIDDEN}", "h{}"),
    (rf"(?:net|z|in|sum)?o{_N}", "o{}"),
    (rf"(?:a|act|out|output|sigma|sigmoid|y|s|f)h{_HIDDEN}", "a_h{}"),
    # a_01 for a_o1: the lecture's own notes type a zero for the letter o.
    (rf"(?:a|act|out|output|sigma|sigmoid|y|s|f)[o0]{_N}", "a_o{}"),
    (rf"(?:e|err|error)o?{_N}", "E{}"),
)
_TOTALS = {"etotal", "etot", "e", "et", "total", "error", "loss", "totalerror", "errortotal", "esum", "sumerror"}
_COUNTERS = {"iteration", "iterations", "iter", "step", "steps", "epoch", "n", "#", "no", "nr", "k", "it", "run", "sno", "srno", "sn"}
# ∂E/∂x in its spellings: ∂E/∂x, ∂E_total/∂x, E∂x, Etotaldx, dx, δx, delta x, grad x.
# The words first: tried after it, d?…d would take the d of "delta" and leave "eltaw1".
_DERIVATIVE = re.compile(r"(?:delta|gradient|grad|d?(?:e|etotal|etot|et|error|loss)?/?d)(?P<x>[^/]+)")
_SLOPE = re.compile(r"d(?P<a>[^/]+)/d(?P<z>[^/]+)")
_PARAMETER_KINDS = ("i", "t", "w", "b")
_STATES = {state.key for o in OPTIMIZERS.values() for state in o.states}
_SHARED_STATES = {state.key for o in OPTIMIZERS.values() for state in o.shared}


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


def variable(text: str) -> str | None:
    """The plain variable a squashed name stands for: i1, t2, w5, b1, h1, a_o2, E1 or E_total."""
    for pattern, name in _VARIABLES:
        match = re.fullmatch(pattern, text)
        if match:
            return name.format(".".join(str(int(part)) for part in match.group(1).split(".")))
    return "E_total" if text in _TOTALS else None


def quantity(header) -> str | None:
    """The graph name a column header stands for, or None when it names nothing of the exercise."""
    if not isinstance(header, str):
        return None
    # One example of several, as the graph names it: h1[2], ∂E/∂w5[3].
    example = re.fullmatch(r"(.*\S)\s*\[(\d+)\]\s*", header, re.DOTALL)
    if example:
        found = quantity(example[1])
        return f"{found}[{int(example[2])}]" if found and found != "iteration" else None
    found = _quantity(header) or state(header)
    if found is None and "(" in header.strip()[1:]:
        # A name explained in brackets after it: 't1 ( output of out_o1)'.
        found = _quantity(header.split("(")[0]) if header.split("(")[0].strip() else None
    return found


def _quantity(header: str) -> str | None:
    text = squash(header)
    if text in _COUNTERS:
        return "iteration"
    found = variable(text)
    if found:
        return found
    slope = _SLOPE.fullmatch(text)
    if slope:
        a, z = variable(slope["a"]), variable(slope["z"])
        if a and z and a.startswith("a_") and a[2:] == z:
            return f"∂{a}/∂{z}"
        if a and re.fullmatch(r"E\d+", a) and z in (f"a_o{a[1:]}", f"o{a[1:]}"):
            return f"∂E/∂{z}"  # E1 alone depends on o1, so ∂E1/∂o1 is ∂E/∂o1
    derivative = _DERIVATIVE.fullmatch(text)
    if derivative:
        x = variable(derivative["x"])
        if x and not x.startswith(("E", "i", "t")):
            return f"∂E/∂{x}"
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
    found = _spelled(text) or variable(text)
    return found if found in PARAMETERS or found and found.startswith(_PARAMETER_KINDS) else None


def state(header: str) -> str | None:
    """An optimizer's state column as the graph names it: 'v_w5' (a parameter's), 'c1' (shared by all).

    >>> [state(h) for h in ("v_w5", "m_b_o1", "c2", "v", "x_w1")]
    ['v_w5', 'm_b_o1', 'c2', None, None]
    """
    text = header.strip()
    if text in _SHARED_STATES:
        return text
    key, _, rest = text.partition("_")
    found = variable(squash(rest)) if key in _STATES and rest else None
    return f"{key}_{found}" if found and found.startswith(("w", "b")) else None


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
