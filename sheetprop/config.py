"""The user's description of a run: network, values, learning rates; loaded from TOML and validated.

Every problem becomes one ConfigError whose text names the key and the fix.

>>> config = parse({"inputs": [0.05, 0.10], "targets": [0.01, 0.99],
...                 "weights": [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]})
>>> config.network.layers, config.learning_rates, config.iterations
((2, 2, 2), (0.5,), 100)
"""

from __future__ import annotations

import difflib
import math
import random
import re
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from sheetprop import legend
from sheetprop.compare import Case, sheet_name
from sheetprop.functions import ACTIVATIONS, LOSSES, Targets
from sheetprop.graph import Network, bias_names, weight_names
from sheetprop.legend import INPUT, TARGET
from sheetprop.limits import MAX_COLUMNS, max_iterations
from sheetprop.optimizers import OPTIMIZERS, WEIGHT_DECAY
from sheetprop.paper import DEFAULT as DEFAULT_PAPER
from sheetprop.paper import PAPERS
from sheetprop.parameters import LEARNING_RATE, PARAMETERS, Parameter, keyed

# Bounds that keep every refusal quick: a config past them could never be a workbook anyway.
MAX_CONFIG_BYTES = 1 << 20     # 1 MiB: a network that fits a sheet (16,384 columns) is far smaller as TOML
MAX_RUNS = 255                 # lines in one native chart (Excel's limit): optimizers × learning rates
MAX_TEXT = 200                 # characters of a name or a title
MAX_LAYERS = 64                # layers, inputs and outputs included
MAX_NESTING = 50               # brackets inside brackets in the TOML text
THRESHOLD_RANGE = (1e-100, 1e100)   # what the charts' log scale draws

_SETTINGS = {
    "name": "a name for the run, any text: titles show it, file names are made from it",
    "title": "a title shown on every sheet",
    "layers": "neurons per layer, inputs first, e.g. [2, 2, 2]",
    "activations": f"one of {', '.join(ACTIVATIONS)}, or a list with one per layer after the inputs",
    "loss": f"one of {', '.join(LOSSES)}",
    "inputs": "input values: a list, or a list of lists for several examples",
    "targets": "target values: a list, or a list of lists for several examples",
    "weights": "w1, w2, … in the lecture's order, or one list of rows (one row per neuron) per layer",
    "seed": "seed for drawing the initial weights when none are given",
    "biases": "one value per layer (shared by its neurons), or one list per layer with a value per neuron",
    "train_biases": "true to update the biases by gradient descent too",
    "batch_size": "examples per update (mini-batches taken in turn); default: all of them",
    "learning_rates": f"a list of learning rates {LEARNING_RATE.symbol}, each in {LEARNING_RATE.range_text}: "
                      f"{LEARNING_RATE.help}, e.g. [0.1, 0.5, 1.0]",
    "iterations": "rows per learning rate (iteration 1 is the forward pass on the initial weights)",
    "threshold": "the E_total the comparison counts iterations down to",
    "walkthrough_rate": "the learning rate the walkthrough works the update through (default: the first)",
    "paper": f"the paper the sheets and the walkthrough print on: {' or '.join(PAPERS)} (default {DEFAULT_PAPER})",
    "optimizer": f"how the weights are updated: one of {', '.join(OPTIMIZERS)} (default sgd)",
    "optimizers": "instead of 'optimizer': a list of optimizers to compare, each at every learning rate",
}


def _key_help(group: tuple[Parameter, ...]) -> str:
    """A parameter key's help from its records: who reads it, what it does, its range and default."""
    names = [name for _, name in readers(group)]
    users = " and ".join(names) if len(names) < 3 else f"{', '.join(names[:-1])} and {names[-1]}"
    if len(group) == 1:
        p = group[0]
        own = "".join(f"; {o.name} {o.defaults[p.name]:g}" for o in OPTIMIZERS.values() if p.name in o.defaults)
        return f"{users}: {p.symbol}, {p.help}, in {p.range_text} (default {p.default:g}{own})"
    symbols = ", ".join(p.symbol for p in group)
    return (f"{users}: [{symbols}]: " + "; ".join(f"{p.symbol}, {p.help}, in {p.range_text}" for p in group)
            + f" (default [{', '.join(f'{p.default:g}' for p in group)}])")


def keys() -> dict[str, str]:
    """Every key a config may hold, with its help: the settings above, then each parameter's key from its
    records (read each time: a record added is a key at once).

    >>> keys()["betas"].split(":")[0], list(keys())[-1]
    ('adam and adamw', 'huber_delta')
    >>> keys()["weight_decay"]
    'sgd, momentum, nesterov, rmsprop, adam and adamw: λ, how strongly each update pulls every weight towards 0 (weight decay), in [0, ∞) (default 0; adamw 0.01)'
    """
    return {**_SETTINGS, **{key: _key_help(group) for key, group in keyed().items() if key not in _SETTINGS}}


class ConfigError(ValueError):
    """A config value is missing or invalid; the message names the key and how to fix it. A config with
    several problems raises one ConfigError holding each (``problems``), its message one line each.

    >>> print(ConfigError("key 'a': fix it", "key 'b': fix that"))
    key 'a': fix it
    key 'b': fix that
    """

    def __str__(self) -> str:
        return "\n".join(self.problems)

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(str(problem) for problem in self.args)


@dataclass(frozen=True)
class Config:
    """Everything one build needs. ``values`` holds inputs, targets, initial weights and biases by name."""

    name: str
    network: Network
    values: dict[str, float]
    learning_rates: tuple[float, ...]
    iterations: int = 100
    threshold: float = 0.01
    title: str = ""
    source: str = field(default="", compare=False)
    walkthrough_rate: float | None = None
    optimizers: tuple[str, ...] = ("sgd",)
    paper: str = DEFAULT_PAPER

    @property
    def heading(self) -> str:
        return self.title or self.name

    @property
    def stem(self) -> str:
        """The start of every file name of the run, made from ``name`` (which titles show as it is)."""
        return file_stem(self.name)

    @property
    def cases(self) -> list[Case]:
        """Every run the build makes: each optimizer at each learning rate, in that order."""
        return [Case(optimizer, rate) for optimizer in self.optimizers for rate in self.learning_rates]

    def network_for(self, optimizer: str) -> Network:
        """The config's network, updated by ``optimizer``."""
        return replace(self.network, optimizer=optimizer)

    def values_for(self, optimizer: str) -> dict[str, float]:
        """The parameter values a run of ``optimizer`` reads: the config's, and PyTorch's defaults for
        hyperparameters of an optimizer the config does not list (``sheetprop show --optimizer``)."""
        chosen = OPTIMIZERS[optimizer]
        return {**{name: chosen.default(name) for name in chosen.hyperparameters}, **self.values}

    @property
    def shown_rate(self) -> float:
        """The learning rate the walkthrough shows: ``walkthrough_rate``, else the first of the rates."""
        return self.learning_rates[0] if self.walkthrough_rate is None else self.walkthrough_rate

    def __repr__(self) -> str:
        net = self.network
        rates = ", ".join(f"{r:g}" for r in self.learning_rates)
        extras = [f"biases per {net.biases}" + (" (trained)" if net.train_biases else "")] if net.biases != "none" else []
        extras += [f"{net.examples} examples"] if net.examples > 1 else []
        extras += [f"optimizers {', '.join(self.optimizers)}"] if self.optimizers != ("sgd",) else []
        extras += [f"weight decay {self.values[WEIGHT_DECAY]:g}"] if net.weight_decay else []
        return (f"Config({self.name!r}: {'-'.join(map(str, net.layers))} {'/'.join(dict.fromkeys(net.activations))} "
                f"network, {net.loss}{''.join(', ' + e for e in extras)}; learning rates {rates}; "
                f"{self.iterations} iterations)")


def default() -> Config:
    """The built-in example: the lecture's 2-2-2 network without biases, six learning rates.

    >>> default().name, default().learning_rates
    ('lecture', (0.1, 0.2, 0.5, 0.8, 1.0, 2.0))
    """
    text = resources.files("sheetprop").joinpath("default.toml").read_text(encoding="utf-8")
    return parse(tomllib.loads(text), source="built-in lecture example")


def load(path: str | Path) -> Config:
    """Read and validate a TOML config file: a regular file of at most MAX_CONFIG_BYTES of UTF-8."""
    path = Path(path)
    text = _read(path)
    if _nesting(text) > MAX_NESTING:
        key = _key_before(text, _nesting_at(text))
        raise ConfigError(f"{path}: {_named(key)}nested more than {MAX_NESTING} brackets deep; "
                          "give plain lists (of lists) of numbers")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error}); fix the syntax at that line") from None
    except RecursionError:  # tomllib recurses into nested tables and arrays
        raise ConfigError(f"{path}: nested too deeply to read; give plain lists of numbers") from None
    try:
        return parse(data, source=str(path))
    except ConfigError as error:
        raise ConfigError(*(f"{path}: {problem}" for problem in error.problems)) from None


def _read(path: Path) -> str:
    """The config's text: refuse what is not a regular file (a FIFO, /dev/zero) before opening it, read at
    most one byte past the limit, decode as UTF-8 (a leading byte-order mark is dropped)."""
    import os
    import stat

    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{path}: not a regular file; give the path of a .toml file")
        # O_NONBLOCK: a FIFO swapped in after the check must not hang the open.
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(handle, "rb") as file:
            data = file.read(MAX_CONFIG_BYTES + 1)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the config ({error.strerror}); check the path") from None
    if len(data) > MAX_CONFIG_BYTES:
        key = _key_before(data.decode("utf-8", "replace"), len(data))
        raise ConfigError(f"{path}: {_named(key)}the config passes {MAX_CONFIG_BYTES >> 20} MiB; a network that "
                          f"fits a spreadsheet is far smaller: give fewer values")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        key = _key_before(data[:error.start].decode("utf-8", "replace"), error.start)
        raise ConfigError(f"{path}: {_named(key)}byte {error.start + 1} (0x{data[error.start]:02x}) is not UTF-8; "
                          "save the file as UTF-8") from None


def _named(key: str | None) -> str:
    return f"key '{key}': " if key else ""


def _key_before(text: str, index: int) -> str | None:
    """The last key assigned before ``index`` in TOML text (which key a problem at ``index`` is in)."""
    keys = re.findall(r"^[ \t]*([A-Za-z_][\w-]*)[ \t]*=", text[:index], re.MULTILINE)
    return keys[-1] if keys else None


def _nesting(text: str) -> int:
    """The deepest nesting of brackets and braces (strings are not told apart: a bound, not a parser)."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
    return deepest


def _nesting_at(text: str) -> int:
    depth = 0
    for index, char in enumerate(text):
        depth += char in "[{"
        depth -= char in "]}" and depth > 0
        if depth > MAX_NESTING:
            return index
    return len(text)


def parse(data: dict, source: str = "") -> Config:
    """Validate a config given as a dict (as TOML reads it); every problem found is reported at once, one
    line each, in one ConfigError.

    >>> try:
    ...     parse({"inputs": [0.05], "targets": [1], "weights": [0.1, 0.2], "learning_rate": 0.5, "loss": "MSE",
    ...            "activations": "Tanh", "iterations": 0})
    ... except ConfigError as error:
    ...     print(error)
    unknown key 'learning_rate'; did you mean 'learning_rates'?
    key 'iterations': must be a whole number of at least 1, e.g. iterations = 100
    """
    problems = _Problems()
    known = keys()
    for key in data:
        if key not in known:
            problems.add(f"unknown key '{key}'; {suggestion(key, known)}")
    name = problems.attempt(_name, data.get("name", "sheetprop"))
    title = problems.attempt(_title, data.get("title", ""))

    inputs = problems.attempt(_examples, data, "inputs")
    targets = problems.attempt(_examples, data, "targets")
    if inputs and targets and len(inputs) != len(targets):
        problems.add(f"keys 'inputs' and 'targets': {len(inputs)} input examples but {len(targets)} "
                     "target examples; give one target list per input list")
    layers = problems.attempt(_layers, data, len(inputs[0]), len(targets[0])) if inputs and targets else None
    if layers and inputs and len(inputs) * sum(layers[1:]) > MAX_COLUMNS:  # a column per neuron and example
        problems.add(f"key 'inputs': {len(inputs):,} examples of {sum(layers[1:]):,} neurons do not fit a sheet "
                     f"of {MAX_COLUMNS:,} columns; give fewer examples")
    activations = problems.attempt(_activations, data, layers)
    loss = problems.attempt(_loss, data, activations)
    if loss and activations and targets:
        problems.attempt(_targets, loss, activations[-1], targets)
    train_biases = data.get("train_biases", False)
    if not isinstance(train_biases, bool):
        problems.add("key 'train_biases': must be true or false")
    biases = problems.attempt(_biases, data.get("biases"), layers) if layers else None
    optimizers = problems.attempt(_optimizers, data)
    batch_size = problems.attempt(_batch_size, data, len(inputs)) if inputs else None
    settings = problems.attempt(_settings, data, optimizers, loss)
    rates = problems.attempt(_rates, data, optimizers)
    runs = len(rates) * len(optimizers) if rates and optimizers else None
    iterations = problems.attempt(_iterations, data, runs, len(optimizers or ()))
    threshold = problems.attempt(_threshold, data)
    shown = problems.attempt(_walkthrough_rate, data, rates)
    paper = problems.attempt(choose, data.get("paper", DEFAULT_PAPER), PAPERS, "paper", "paper size")
    weights = None
    if layers:  # named by the layers alone, so that their problems show beside the others'
        sketch = Network(layers=layers, biases=biases[0] if biases else "none",
                         examples=len(inputs) if inputs else 1)
        weights = problems.attempt(_weights, data, sketch)
    if problems.found:
        raise ConfigError(*problems.found)

    bias_mode, bias_values = biases
    network = Network(layers=layers, activations=activations, loss=loss, biases=bias_mode,
                      train_biases=train_biases, examples=len(inputs),
                      batch_size=0 if batch_size == len(inputs) else batch_size, optimizer=optimizers[0],
                      weight_decay=_decays(data))
    values: dict[str, float] = {}
    inputs_of = legend.neurons(network.layers)[0]
    for e, (x, t) in enumerate(zip(inputs, targets), start=1):
        example = e if network.examples > 1 else None
        values.update({legend.header(legend.Name(INPUT, neuron=n, example=example)): v for n, v in zip(inputs_of, x)})
        values.update({legend.header(legend.Name(TARGET, neuron=legend.Neuron(legend.OUTPUTS, k), example=example)): v
                       for k, v in enumerate(t, start=1)})
    values.update(weights)
    values.update(zip(dict.fromkeys(b for layer in bias_names(network) for b in layer), bias_values))
    values.update(settings)
    return Config(name=name, network=network, values=values, learning_rates=rates, iterations=iterations,
                  threshold=threshold, title=title, source=source, walkthrough_rate=shown, optimizers=optimizers,
                  paper=paper)


class _Problems:
    """The problems of one config, gathered so that one run reports every one of them."""

    def __init__(self):
        self.found: list[str] = []

    def add(self, problem: str) -> None:
        self.found.append(problem)

    def attempt(self, check, *args):
        """What ``check(*args)`` gives, or None when it raises a ConfigError (whose problems are kept)."""
        try:
            return check(*args)
        except ConfigError as error:
            self.found += error.problems
            return None


def suggestion(word, known) -> str:
    """What to write instead of an unknown ``word``: the near ones of ``known``, else all of them.

    >>> suggestion("learning_rate", ["learning_rates", "iterations"]), suggestion("adagrad", ["sgd", "adam"])
    ("did you mean 'learning_rates'?", 'use one of sgd, adam')
    """
    close = difflib.get_close_matches(word.strip().casefold(), list(known), n=2) if isinstance(word, str) else []
    if close:
        return f"did you mean {' or '.join(repr(c) for c in close)}?"
    return f"use one of {', '.join(known)}"


def choose(value, known, key: str, kind: str) -> str:
    """The name of ``known`` that ``value`` spells, in any case ('Tanh' is tanh: no two names differ by case
    alone), or a ConfigError naming ``key`` (or a command-line option, ``--optimizer``) with the near names.

    >>> choose("Tanh", ACTIVATIONS, "activations", "activation")
    'tanh'
    """
    if isinstance(value, str):
        folded = {name.casefold(): name for name in known}
        if value.strip().casefold() in folded:
            return folded[value.strip().casefold()]
    where = key if key.startswith("--") else f"key '{key}'"
    raise ConfigError(f"{where}: unknown {kind} {value!r}; {suggestion(value, known)}")


def _title(value) -> str:
    if not isinstance(value, str):
        raise ConfigError("key 'title': must be text, e.g. title = \"Lecture example\"")
    if len(value) > MAX_TEXT:
        raise ConfigError(f"key 'title': {len(value):,} characters; give at most {MAX_TEXT}")
    _printable(value, "title")
    return value


def _loss(data: dict, activations: tuple[str, ...] | None) -> str:
    """The loss, and the output activation its record needs (bce: sigmoid; cross_entropy: softmax)."""
    loss = choose(data.get("loss", "half_sse"), LOSSES, "loss", "loss")
    record = LOSSES[loss]
    if record.outputs and activations and activations[-1] != record.outputs:
        raise ConfigError(f"key 'loss': {loss} needs {record.needs}; set the last activation to {record.outputs}")
    return loss


def target_rules(loss: str, output: str) -> list[tuple[str, str, Targets, str]]:
    """What the targets must be, from the records of the loss and of the output activation: (who, how it
    says so, the rule, the other way out) each; bce's probabilities, cross_entropy's and softmax's
    probability distributions (each example's summing to 1). Config and the living page both check them.

    >>> [(who, rule.rule) for who, _, rule, _ in target_rules("cross_entropy", "softmax")]
    [('cross_entropy', "from 0 to 1, each example's summing to 1")]
    """
    rules = {ACTIVATIONS[output].targets: (output, "outputs", "or set another last activation")}
    rules[LOSSES[loss].targets] = (loss, "compares", 'or use loss = "half_sse"')  # a rule both have: the loss's words
    return [(who, verb, rule, otherwise) for rule, (who, verb, otherwise) in rules.items() if rule is not None]


def _targets(loss: str, output: str, targets: list[list[float]]) -> None:
    """Each example's targets against the rules of the loss and the output activation (``target_rules``)."""
    for who, verb, rule, otherwise in target_rules(loss, output):
        for number, example in enumerate(targets, start=1):
            problem = rule.problem(example)
            if problem:
                where = f"in example {number} " if len(targets) > 1 else ""
                raise ConfigError(f"key 'targets': {who} {verb} {rule.what}, but {where}{problem}; "
                                  f"give targets {rule.rule}, {otherwise}")


def _batch_size(data: dict, examples: int) -> int:
    batch_size = data.get("batch_size", examples)
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or not 1 <= batch_size <= examples:
        raise ConfigError(f"key 'batch_size': must be a whole number from 1 to {examples} (the number of examples)")
    return batch_size


def _rates(data: dict, optimizers: tuple[str, ...] | None) -> tuple[float, ...]:
    rates = data.get("learning_rates", [LEARNING_RATE.default])
    if not isinstance(rates, list) or not rates:
        raise ConfigError("key 'learning_rates': must be a non-empty list, e.g. learning_rates = [0.1, 0.5]")
    optimizers = optimizers or ("sgd",)
    runs = len(rates) * len(optimizers)
    if runs > MAX_RUNS:
        many = (f"{len(rates):,} learning rates" if len(optimizers) == 1
                else f"{len(optimizers)} optimizers × {len(rates):,} learning rates = {runs:,} runs")
        raise ConfigError(f"key 'learning_rates': {many}; the Compare chart draws at most {MAX_RUNS} lines: "
                          "list fewer")
    rates = tuple(learning_rate(r, "learning_rates") for r in rates)
    if len(set(rates)) != len(rates):
        raise ConfigError("key 'learning_rates': a rate is listed twice; list each rate once")
    named = {}
    for case in (Case(o, r) for o in optimizers for r in rates):
        sheet = sheet_name(case.rate, case.optimizer)
        if sheet in named:
            raise ConfigError(f"key 'learning_rates': {named[sheet]!r} and {case.rate!r} differ only past 15 digits "
                              "(or 15 decimals) "
                              "and would share a sheet; list rates that differ sooner")
        named[sheet] = case.rate
    return rates


def _iterations(data: dict, runs: int | None, optimizers: int) -> int:
    iterations = data.get("iterations", 100)
    if not isinstance(iterations, int) or isinstance(iterations, bool) or iterations < 1:
        raise ConfigError("key 'iterations': must be a whole number of at least 1, e.g. iterations = 100")
    if runs is not None and iterations > max_iterations(runs):
        compared = (f"{runs} learning rate{'s' * (runs > 1)}" if optimizers == 1
                    else f"{runs} runs: {optimizers} optimizers × {runs // optimizers} learning rates")
        raise ConfigError(f"key 'iterations': {iterations:,} rows do not fit in a spreadsheet "
                          f"(at most {max_iterations(runs):,} with {compared}); lower it")
    return iterations


def _threshold(data: dict) -> float:
    threshold = _number(data.get("threshold", 0.01), "threshold", positive=True)
    if not THRESHOLD_RANGE[0] <= threshold <= THRESHOLD_RANGE[1]:
        raise ConfigError(f"key 'threshold': {threshold!r} is outside {THRESHOLD_RANGE[0]:g} to "
                          f"{THRESHOLD_RANGE[1]:g}; give a threshold in that range")
    return threshold


def _walkthrough_rate(data: dict, rates: tuple[float, ...] | None) -> float | None:
    shown = data.get("walkthrough_rate")
    if shown is None:
        return None
    rate = _number(shown, "walkthrough_rate", positive=True)
    if rates is not None and rate not in rates:
        listed = ", ".join(f"{r:g}" for r in rates)
        raise ConfigError(f"key 'walkthrough_rate': {shown!r} is not one of the learning_rates ({listed}); "
                          "choose one of them or add it to learning_rates")
    return rate


def _optimizers(data: dict) -> tuple[str, ...]:
    if "optimizer" in data and "optimizers" in data:
        raise ConfigError("keys 'optimizer' and 'optimizers': give one of the two (a list compares several)")
    value = data.get("optimizers", [data.get("optimizer", "sgd")])
    key = "optimizers" if "optimizers" in data else "optimizer"
    if not isinstance(value, list) or not value:
        raise ConfigError("key 'optimizers': must be a non-empty list, e.g. optimizers = [\"sgd\", \"adam\"]")
    problems = _Problems()
    names = [problems.attempt(choose, name, OPTIMIZERS, key, "optimizer") for name in value]
    if problems.found:
        raise ConfigError(*problems.found)
    if len(set(names)) != len(names):
        raise ConfigError("key 'optimizers': an optimizer is listed twice; list each once")
    return tuple(names)


def readers(group: tuple[Parameter, ...]) -> list[tuple[str, str]]:
    """Who reads a parameter of ``group``: ('optimizer', name) and ('loss', name) pairs, in registry order.

    >>> readers((PARAMETERS["momentum"],))
    [('optimizer', 'momentum'), ('optimizer', 'nesterov')]
    """
    names = {p.name for p in group}
    return ([("optimizer", o.name) for o in OPTIMIZERS.values() if names & set(o.reads)]
            + [("loss", loss.name) for loss in LOSSES.values() if names & set(loss.parameters)])


def _decays(data: dict) -> bool:
    """Whether the config sets weight decay, which SGD, RMSprop and Adam then add to every gradient."""
    return PARAMETERS[WEIGHT_DECAY].key in data


def _settings(data: dict, optimizers: tuple[str, ...] | None, loss: str | None) -> dict[str, float]:
    """The parameters the chosen optimizers and loss read, given or their defaults (PyTorch's: the first
    optimizer's own where it has one, AdamW's weight decay); a key of several parameters (``betas``) takes
    a list of them in its records' order. Unknown optimizers or loss (None): each given value is still
    checked against its range."""
    problems = _Problems()
    chosen = [OPTIMIZERS[optimizer] for optimizer in optimizers or ()]
    used = {name for optimizer in chosen for name in (optimizer.reads if _decays(data) else optimizer.hyperparameters)}
    used |= set(LOSSES[loss].parameters) if loss else set()
    values = {}
    kinds = {"optimizer": optimizers, "loss": (loss,) if loss else None}
    for key, group in keyed().items():
        needed = used.intersection(p.name for p in group)
        if group == (LEARNING_RATE,) or not needed and key not in data:
            continue
        owners = readers(group)
        if not needed and owners and kinds[owners[0][0]] is not None:
            kind = owners[0][0]
            problems.add(f"key '{key}': belongs to {' and '.join(name for _, name in owners)}, not to "
                         f"{', '.join(kinds[kind])}; remove it or choose that {kind}")
            continue
        defaults = {p.name: next((o.default(p.name) for o in chosen if p.name in o.hyperparameters), p.default)
                    for p in group}
        values.update(problems.attempt(_group, data, key, group, defaults) or {})
    if problems.found:
        raise ConfigError(*problems.found)
    return {name: value for name, value in values.items() if name in used}


def _group(data: dict, key: str, group: tuple[Parameter, ...], defaults: dict[str, float]) -> dict[str, float]:
    """The values of the parameters one key sets, each in its range (``defaults`` where not given)."""
    if len(group) > 1:
        given = data.get(key, [defaults[p.name] for p in group])
        if not isinstance(given, list) or len(given) != len(group):
            example = ", ".join(f"{p.default:g}" for p in group)
            raise ConfigError(f"key '{key}': give {len(group)} numbers, e.g. {key} = [{example}]")
    else:
        given = [data.get(key, defaults[group[0].name])]
    values = {}
    for p, value in zip(group, given):
        value = _number(value, key)
        problem = p.problem(value)
        if problem:
            raise ConfigError(f"key '{key}': {p.name} = {problem}; give a value in that range")
        values[p.name] = value
    return values


def _name(value) -> str:
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise ConfigError(f"key 'name': {len(value):,} characters; give at most {MAX_TEXT}")
    if not isinstance(value, str) or not any(c.isalnum() for c in value):
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "…"
        raise ConfigError(f"key 'name': {shown} is not a name; give text with a letter or digit (at most "
                          f"{MAX_TEXT} characters), e.g. name = \"blog check\"")
    _printable(value, "name")
    return " ".join(value.split())


def _printable(text: str, key: str) -> None:
    """Refuse control characters: an XML part cannot hold most of them, and nothing can show them."""
    import unicodedata

    bad = next((c for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n"), None)
    if bad is not None:
        raise ConfigError(f"key '{key}': holds the control character U+{ord(bad):04X}; remove it")


# Names Windows keeps for devices: a file called so cannot be made there.
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}


def file_stem(name: str) -> str:
    """The file name made from a run's name: letters, digits and ``- _ .`` kept, every other run of
    characters one ``-``; nothing that leads out of the folder, hides the file or names a device.

    >>> file_stem("blog check"), file_stem("Übung 3: σ/tanh"), file_stem("../../etc/passwd"), file_stem("con")
    ('blog-check', 'Übung-3-σ-tanh', 'etc-passwd', 'con-run')
    """
    stem = re.sub(r"[^\w.-]+", "-", name).strip("-._")[:80].rstrip("-._")
    if stem.split(".")[0].upper() in _RESERVED:
        stem += "-run"
    return stem or "sheetprop"


def learning_rate(value, key: str) -> float:
    """A learning rate in its record's range, or a ConfigError naming ``key``.

    >>> learning_rate(0.5, "learning_rates")
    0.5
    """
    rate = _number(value, key, positive=True)
    problem = LEARNING_RATE.problem(rate)
    if problem:
        raise ConfigError(f"key '{key}': {problem}; give a rate in that range")
    return rate


def _number(value, key: str, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"key '{key}': {value!r} is not a number; write it without quotes, e.g. 0.5")
    if not math.isfinite(value):
        raise ConfigError(f"key '{key}': {value!r} is not a finite number; give a finite value")
    if positive and value <= 0:
        raise ConfigError(f"key '{key}': {value!r} must be greater than 0")
    return float(value)


def _numbers(value, key: str) -> list[float]:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"key '{key}': must be a non-empty list of numbers, e.g. [0.05, 0.10]")
    return [_number(v, key) for v in value]


def _examples(data: dict, key: str) -> list[list[float]]:
    if key not in data:
        raise ConfigError(f"missing key '{key}'; add it: {key} = [...] ({_SETTINGS[key]})")
    value = data[key]
    rows = value if isinstance(value, list) and value and all(isinstance(v, list) for v in value) else [value]
    rows = [_numbers(row, key) for row in rows]
    if len({len(row) for row in rows}) != 1:
        raise ConfigError(f"key '{key}': every example needs the same number of values")
    return rows


def _layers(data: dict, n_in: int, n_out: int) -> tuple[int, ...]:
    layers = _given_layers(data, n_in, n_out)
    key = "layers" if "layers" in data else "weights"
    if layers[-1] != n_out:
        raise ConfigError(f"key '{key}': the output layer has {layers[-1]} neuron{'s' * (layers[-1] != 1)} but there are {n_out} targets; "
                          f"give {n_out} rows in the last layer of weights, or {layers[-1]} targets")
    if len(layers) > MAX_LAYERS:
        raise ConfigError(f"key '{key}': {len(layers)} layers; give at most {MAX_LAYERS}")
    # Each neuron and each weight needs a column of its own at least: refuse before building anything.
    weights = sum(a * b for a, b in zip(layers, layers[1:]))
    if sum(layers) > MAX_COLUMNS or weights > MAX_COLUMNS:
        raise ConfigError(f"key '{key}': {sum(layers):,} neurons and {weights:,} weights do not fit a sheet of "
                          f"{MAX_COLUMNS:,} columns (each needs one at least); use fewer neurons")
    return layers


def _given_layers(data: dict, n_in: int, n_out: int) -> tuple[int, ...]:
    if "layers" in data:
        layers = data["layers"]
        if (not isinstance(layers, list) or len(layers) < 2
                or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in layers)):
            raise ConfigError("key 'layers': must list at least two positive whole numbers, e.g. layers = [2, 2, 2]")
        if layers[0] != n_in or layers[-1] != n_out:
            raise ConfigError(f"key 'layers': {layers} does not fit {n_in} inputs and {n_out} targets; "
                              f"start it with {n_in} and end it with {n_out}")
        return tuple(layers)
    # Without 'layers', one hidden layer sized to fit the weights (the lecture: 8 weights → 2 hidden).
    weights = data.get("weights")
    if isinstance(weights, list) and weights and not isinstance(weights[0], list):
        hidden, remainder = divmod(len(weights), n_in + n_out)
        if remainder == 0 and hidden > 0:
            return (n_in, hidden, n_out)
        raise ConfigError(f"key 'weights': {len(weights)} weights do not make one hidden layer between "
                          f"{n_in} inputs and {n_out} outputs; give a multiple of {n_in + n_out} or set 'layers'")
    if isinstance(weights, list) and weights:
        sizes = [n_in]
        for number, layer in enumerate(weights, start=1):
            rows = layer if isinstance(layer, list) else []
            if not rows or not all(isinstance(row, list) and len(row) == sizes[-1] for row in rows):
                raise ConfigError(f"key 'weights': layer {number} needs {len(rows) or 'one or more'} rows of "
                                  f"{sizes[-1]} weights (one row per receiving neuron)")
            sizes.append(len(rows))
        return tuple(sizes)
    raise ConfigError("key 'layers': missing; say how many neurons each layer has, e.g. layers = [2, 2, 2]")


def _activations(data: dict, layers: list[int] | None) -> tuple[str, ...]:
    """One activation per layer after the inputs (None when the layers are unknown: the names are still
    checked). A function of the whole layer (softmax) over a layer of one neuron is refused: it is always 1."""
    count = len(layers) - 1 if layers else None
    value = data.get("activations", "sigmoid")
    names = [value] * (count or 1) if isinstance(value, str) else value
    if not isinstance(names, list) or count is not None and len(names) != count:
        raise ConfigError(f"key 'activations': give one name, or a list of {count} (one per layer after the inputs)")
    problems = _Problems()
    chosen = tuple(problems.attempt(choose, name, ACTIVATIONS, "activations", "activation") for name in names)
    for number, (name, width) in enumerate(zip(chosen, layers[1:] if layers else ()), start=1):
        if name and ACTIVATIONS[name].layer and width == 1:
            problems.add(f"key 'activations': {name} over layer {number}, a layer of one neuron, is always 1 and "
                         "learns nothing; give that layer 2 or more neurons, or choose another activation")
    if problems.found:
        raise ConfigError(*dict.fromkeys(problems.found))  # a name repeated is one problem
    return chosen


def _weights(data: dict, network: Network) -> dict[str, float]:
    names = weight_names(network)
    flat_names = [w for layer in names for row in layer for w in row]
    if "weights" not in data:
        if "seed" not in data:
            raise ConfigError("missing key 'weights'; list w1, w2, … or set seed = 1 to draw them at random")
        seed = data["seed"]
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ConfigError("key 'seed': must be a whole number, e.g. seed = 1")
        return dict(zip(flat_names, _draw(network, seed)))
    if "seed" in data:
        raise ConfigError("key 'seed': draws weights, but 'weights' are given; remove one of the two")
    value = data["weights"]
    if isinstance(value, list) and value and isinstance(value[0], list):
        flat = []
        for layer, (given, wanted) in enumerate(zip(value, names), start=1):
            rows = given if isinstance(given, list) else []
            if len(rows) != len(wanted) or not all(isinstance(r, list) and len(r) == len(wanted[0]) for r in rows):
                raise ConfigError(f"key 'weights': layer {layer} needs {len(wanted)} rows of {len(wanted[0])} "
                                  "weights (one row per receiving neuron)")
            flat += [_number(w, "weights") for row in rows for w in row]
        if len(value) != len(names):
            raise ConfigError(f"key 'weights': give {len(names)} layers of weights, one per layer after the inputs")
    else:
        flat = _numbers(value, "weights")
    if len(flat) != len(flat_names):
        raise ConfigError(f"key 'weights': {len(flat)} values given, the network has {len(flat_names)} "
                          f"(w1…w{len(flat_names)}); give one per weight")
    return dict(zip(flat_names, flat))


def _draw(network: Network, seed: int) -> list[float]:
    """Xavier/Glorot-uniform initial weights from a seeded generator (reproducible on every machine)."""
    generator = random.Random(seed)
    weights = []
    for before, after in zip(network.layers, network.layers[1:]):
        limit = math.sqrt(6.0 / (before + after))
        weights += [round(generator.uniform(-limit, limit), 4) for _ in range(before * after)]
    return weights


def _biases(value, layers: tuple[int, ...]) -> tuple[str, list[float]]:
    if value is None:
        return "none", []
    count = len(layers) - 1
    if not isinstance(value, list) or len(value) != count:
        raise ConfigError(f"key 'biases': give {count} values (one per layer after the inputs), "
                          "or one list per layer with a value per neuron")
    if all(isinstance(v, list) for v in value):
        for layer, (given, size) in enumerate(zip(value, layers[1:]), start=1):
            if len(given) != size:
                raise ConfigError(f"key 'biases': layer {layer} has {size} neuron{'s' * (size != 1)} but {len(given)} biases")
        return "neuron", [_number(v, "biases") for layer in value for v in layer]
    return "layer", [_number(v, "biases") for v in value]

