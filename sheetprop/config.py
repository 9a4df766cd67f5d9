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

from sheetprop.compare import Case, sheet_name
from sheetprop.functions import ACTIVATIONS, LOSSES
from sheetprop.graph import Network, bias_names, neuron_names, weight_names
from sheetprop.optimizers import HYPERPARAMETERS, OPTIMIZERS
from sheetprop.paper import DEFAULT as DEFAULT_PAPER
from sheetprop.paper import PAPERS
from sheetprop.workbook.layout import MAX_COLUMNS, max_iterations

# Bounds that keep every refusal quick: a config past them could never be a workbook anyway.
MAX_CONFIG_BYTES = 1 << 20     # 1 MiB: a network that fits a sheet (16,384 columns) is far smaller as TOML
MAX_RUNS = 255                 # lines in one native chart (Excel's limit): optimizers × learning rates
MAX_TEXT = 200                 # characters of a name or a title
MAX_LAYERS = 64                # layers, inputs and outputs included
MAX_NESTING = 50               # brackets inside brackets in the TOML text
LEARNING_RATE_RANGE = (1e-12, 1e6)  # past these a rate does nothing or overflows at once
THRESHOLD_RANGE = (1e-100, 1e100)   # what the charts' log scale draws

KEYS = {
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
    "learning_rates": "a list of positive learning rates, e.g. [0.1, 0.5, 1.0]",
    "iterations": "rows per learning rate (iteration 1 is the forward pass on the initial weights)",
    "threshold": "the E_total the comparison counts iterations down to",
    "walkthrough_rate": "the learning rate the walkthrough works the update through (default: the first)",
    "paper": f"the paper the sheets and the walkthrough print on: {' or '.join(PAPERS)} (default {DEFAULT_PAPER})",
    "optimizer": f"how the weights are updated: one of {', '.join(OPTIMIZERS)} (default sgd)",
    "optimizers": "instead of 'optimizer': a list of optimizers to compare, each at every learning rate",
    "momentum": "momentum and nesterov: how much of the previous velocity each step keeps (default 0.9)",
    "alpha": "rmsprop: the decay of the running average of squared gradients (default 0.99)",
    "betas": "adam: the decays [β1, β2] of the running averages of the gradient and its square (default [0.9, 0.999])",
    "eps": "rmsprop and adam: added to the root of the squared-gradient average (default 1e-8)",
}


class ConfigError(ValueError):
    """A config value is missing or invalid; the message names the key and how to fix it."""


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

    @property
    def shown_case(self) -> Case:
        """The run the walkthrough works through: the first optimizer at ``shown_rate``."""
        return Case(self.optimizers[0], self.shown_rate)

    def network_for(self, optimizer: str) -> Network:
        """The config's network, updated by ``optimizer``."""
        return replace(self.network, optimizer=optimizer)

    def values_for(self, optimizer: str) -> dict[str, float]:
        """The parameter values a run of ``optimizer`` reads: the config's, and PyTorch's defaults for
        hyperparameters of an optimizer the config does not list (``sheetprop show --optimizer``)."""
        defaults = {name: HYPERPARAMETERS[name].default for name in OPTIMIZERS[optimizer].hyperparameters}
        return {**defaults, **self.values}

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
        raise ConfigError(f"{path}: {error}") from None


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
    """Validate a config given as a dict (as TOML reads it)."""
    for key in data:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(KEYS)}"
            raise ConfigError(f"unknown key '{key}'; {hint}")
    name = _name(data.get("name", "sheetprop"))
    title = data.get("title", "")
    if not isinstance(title, str):
        raise ConfigError("key 'title': must be text, e.g. title = \"Lecture example\"")
    if len(title) > MAX_TEXT:
        raise ConfigError(f"key 'title': {len(title):,} characters; give at most {MAX_TEXT}")
    _printable(title, "title")

    inputs = _examples(data, "inputs")
    targets = _examples(data, "targets")
    if len(inputs) != len(targets):
        raise ConfigError(f"keys 'inputs' and 'targets': {len(inputs)} input examples but {len(targets)} "
                          "target examples; give one target list per input list")
    n_in, n_out = len(inputs[0]), len(targets[0])
    layers = _layers(data, n_in, n_out)
    if len(inputs) * sum(layers[1:]) > MAX_COLUMNS:  # a column per neuron and example at least
        raise ConfigError(f"key 'inputs': {len(inputs):,} examples of {sum(layers[1:]):,} neurons do not fit a sheet "
                          f"of {MAX_COLUMNS:,} columns; give fewer examples")
    activations = _activations(data, len(layers) - 1)
    loss = data.get("loss", "half_sse")
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ConfigError(f"key 'loss': unknown loss {loss!r}; use one of {', '.join(LOSSES)}")
    if loss == "bce" and activations[-1] != "sigmoid":
        raise ConfigError("key 'loss': bce needs outputs in (0, 1); set the last activation to sigmoid")
    if loss == "bce" and not all(0 <= t <= 1 for example in targets for t in example):
        raise ConfigError("key 'targets': bce compares probabilities; give targets from 0 to 1 or use loss = \"half_sse\"")
    train_biases = data.get("train_biases", False)
    if not isinstance(train_biases, bool):
        raise ConfigError("key 'train_biases': must be true or false")
    bias_mode, bias_values = _biases(data.get("biases"), layers)
    optimizers = _optimizers(data)
    batch_size = data.get("batch_size", len(inputs))
    if (not isinstance(batch_size, int) or isinstance(batch_size, bool)
            or not 1 <= batch_size <= len(inputs)):
        raise ConfigError(f"key 'batch_size': must be a whole number from 1 to {len(inputs)} "
                          "(the number of examples)")
    network = Network(layers=layers, activations=activations, loss=loss, biases=bias_mode,
                      train_biases=train_biases, examples=len(inputs),
                      batch_size=0 if batch_size == len(inputs) else batch_size, optimizer=optimizers[0])

    values: dict[str, float] = {}
    names = neuron_names(network)
    for e, (x, t) in enumerate(zip(inputs, targets), start=1):
        suffix = f"[{e}]" if network.examples > 1 else ""
        values.update({f"{n}{suffix}": v for n, v in zip(names[0], x)})
        values.update({f"t{k}{suffix}": v for k, v in enumerate(t, start=1)})
    values.update(_weights(data, network))
    values.update(zip(dict.fromkeys(b for layer in bias_names(network) for b in layer), bias_values))
    values.update(_hyperparameters(data, optimizers))

    rates = data.get("learning_rates", [0.5])
    if not isinstance(rates, list) or not rates:
        raise ConfigError("key 'learning_rates': must be a non-empty list, e.g. learning_rates = [0.1, 0.5]")
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
                              "and would share a sheet; list rates that differ sooner")
        named[sheet] = case.rate

    iterations = data.get("iterations", 100)
    if not isinstance(iterations, int) or isinstance(iterations, bool) or iterations < 1:
        raise ConfigError("key 'iterations': must be a whole number of at least 1, e.g. iterations = 100")
    compared = (f"{len(rates)} learning rate{'s' * (len(rates) > 1)}" if len(optimizers) == 1
                else f"{runs} runs: {len(optimizers)} optimizers × {len(rates)} learning rates")
    if iterations > max_iterations(runs):
        raise ConfigError(f"key 'iterations': {iterations:,} rows do not fit in a spreadsheet "
                          f"(at most {max_iterations(runs):,} with {compared}); lower it")
    threshold = _number(data.get("threshold", 0.01), "threshold", positive=True)
    if not THRESHOLD_RANGE[0] <= threshold <= THRESHOLD_RANGE[1]:
        raise ConfigError(f"key 'threshold': {threshold!r} is outside {THRESHOLD_RANGE[0]:g} to "
                          f"{THRESHOLD_RANGE[1]:g}; give a threshold in that range")
    shown = data.get("walkthrough_rate")
    if shown is not None and _number(shown, "walkthrough_rate", positive=True) not in rates:
        listed = ", ".join(f"{r:g}" for r in rates)
        raise ConfigError(f"key 'walkthrough_rate': {shown!r} is not one of the learning_rates ({listed}); "
                          "choose one of them or add it to learning_rates")
    paper = data.get("paper", DEFAULT_PAPER)
    if not isinstance(paper, str) or paper.lower() not in PAPERS:
        raise ConfigError(f"key 'paper': {paper!r} is not a paper size; give one of {', '.join(PAPERS)}, "
                          'e.g. paper = "letter"')
    return Config(name=name, network=network, values=values, learning_rates=rates, iterations=iterations,
                  threshold=threshold, title=title, source=source,
                  walkthrough_rate=None if shown is None else float(shown), optimizers=optimizers,
                  paper=paper.lower())


def _optimizers(data: dict) -> tuple[str, ...]:
    if "optimizer" in data and "optimizers" in data:
        raise ConfigError("keys 'optimizer' and 'optimizers': give one of the two (a list compares several)")
    value = data.get("optimizers", [data.get("optimizer", "sgd")])
    key = "optimizers" if "optimizers" in data else "optimizer"
    if not isinstance(value, list) or not value:
        raise ConfigError("key 'optimizers': must be a non-empty list, e.g. optimizers = [\"sgd\", \"adam\"]")
    for name in value:
        if not isinstance(name, str) or name not in OPTIMIZERS:
            raise ConfigError(f"key '{key}': unknown optimizer {name!r}; use one of {', '.join(OPTIMIZERS)}")
    if len(set(value)) != len(value):
        raise ConfigError("key 'optimizers': an optimizer is listed twice; list each once")
    return tuple(value)


# Config keys of the hyperparameters; 'betas' is PyTorch's pair [β1, β2].
_HYPERPARAMETER_KEYS = {"momentum": ("momentum",), "alpha": ("alpha",), "betas": ("beta1", "beta2"), "eps": ("eps",)}


def _hyperparameters(data: dict, optimizers: tuple[str, ...]) -> dict[str, float]:
    """The hyperparameters of the chosen optimizers, given or PyTorch's defaults."""
    used = {name for optimizer in optimizers for name in OPTIMIZERS[optimizer].hyperparameters}
    values = {}
    for key, names in _HYPERPARAMETER_KEYS.items():
        if not used.intersection(names):
            if key in data:
                users = [o for o in OPTIMIZERS if set(OPTIMIZERS[o].hyperparameters) & set(names)]
                raise ConfigError(f"key '{key}': belongs to {' and '.join(users)}, not to {', '.join(optimizers)}; "
                                  "remove it or choose that optimizer")
            continue
        given = data.get(key, [HYPERPARAMETERS[n].default for n in names] if len(names) > 1
                         else HYPERPARAMETERS[names[0]].default)
        if len(names) > 1:
            if not isinstance(given, list) or len(given) != len(names):
                raise ConfigError(f"key '{key}': give {len(names)} numbers, e.g. {key} = [0.9, 0.999]")
        else:
            given = [given]
        for name, value in zip(names, given):
            value = _number(value, key)
            problem = HYPERPARAMETERS[name].problem(value)
            if problem:
                raise ConfigError(f"key '{key}': {name} = {problem}; give a value in that range")
            values[name] = value
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
    """A learning rate in LEARNING_RATE_RANGE, or a ConfigError naming ``key``.

    >>> learning_rate(0.5, "learning_rates")
    0.5
    """
    rate = _number(value, key, positive=True)
    low, high = LEARNING_RATE_RANGE
    if not low <= rate <= high:
        raise ConfigError(f"key '{key}': {rate!r} is outside "
                          f"{low:g} to {high:g}; give a rate in that range")
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
        raise ConfigError(f"missing key '{key}'; add it: {key} = [...] ({KEYS[key]})")
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


def _activations(data: dict, count: int) -> tuple[str, ...]:
    value = data.get("activations", "sigmoid")
    names = [value] * count if isinstance(value, str) else value
    if not isinstance(names, list) or len(names) != count:
        raise ConfigError(f"key 'activations': give one name, or a list of {count} (one per layer after the inputs)")
    for name in names:
        if not isinstance(name, str) or name not in ACTIVATIONS:
            raise ConfigError(f"key 'activations': unknown activation {name!r}; use one of {', '.join(ACTIVATIONS)}")
    return tuple(names)


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
                raise ConfigError(f"key 'biases': layer {layer} has {size} neurons but {len(given)} biases")
        return "neuron", [_number(v, "biases") for layer in value for v in layer]
    return "layer", [_number(v, "biases") for v in value]

