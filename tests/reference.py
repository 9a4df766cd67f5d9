"""Independent oracles: the same networks in PyTorch (float64 autograd) and central finite differences.

Nothing here uses sheetprop's engine or expressions; only the naming helpers, to read a Config's values,
and the names of a loss's parameters (torch's keyword arguments: huber_loss's ``delta``).
"""

from __future__ import annotations

from pathlib import Path

import mpmath
import torch
import torch.nn.functional as F

from sheetprop.config import Config
from sheetprop.functions import LOSSES as LOSS_RECORDS
from sheetprop.graph import bias_names, neuron_names, weight_names

torch.set_default_dtype(torch.float64)
ROOT = Path(__file__).resolve().parent.parent

ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda z: z,
               "softmax": lambda z: torch.softmax(z, 0)}
# Each loss of one example, from the outputs a, the targets t and the output layer's net inputs z (the
# logits: torch's cross_entropy takes them, and computes its own log-softmax), with the loss's parameters
# as torch's keyword arguments.
LOSSES = {
    "half_sse": lambda a, t, z: 0.5 * ((t - a) ** 2).sum(),
    "mse": lambda a, t, z: F.mse_loss(a, t, reduction="mean"),
    "bce": lambda a, t, z: F.binary_cross_entropy(a, t, reduction="mean"),
    "cross_entropy": lambda a, t, z: F.cross_entropy(z.unsqueeze(0), t.unsqueeze(0)),
    "huber": lambda a, t, z, delta: F.huber_loss(a, t, reduction="mean", delta=delta),
}


def parameters(config: Config, values: dict[str, float] | None = None) -> dict[str, torch.Tensor]:
    """Every weight and bias of the config as a float64 leaf tensor, by name."""
    values = values or config.values
    names = [w for layer in weight_names(config.network) for row in layer for w in row]
    names += list(dict.fromkeys(b for layer in bias_names(config.network) for b in layer))
    return {name: torch.tensor(values[name], requires_grad=True) for name in names}


def examples(config: Config) -> list[tuple[torch.Tensor, torch.Tensor]]:
    net = config.network
    inputs = neuron_names(net)[0]
    out = []
    for e in range(1, net.examples + 1):
        suffix = f"[{e}]" if net.examples > 1 else ""
        x = torch.tensor([config.values[f"{n}{suffix}"] for n in inputs])
        t = torch.tensor([config.values[f"t{k}{suffix}"] for k in range(1, net.layers[-1] + 1)])
        out.append((x, t))
    return out


def total_error(config: Config, params: dict[str, torch.Tensor], batch: list[int] | None = None) -> torch.Tensor:
    """E_total averaged over the examples, or over the 1-based examples of ``batch``."""
    net = config.network
    weights, biases = weight_names(net), bias_names(net)
    totals = []
    chosen = examples(config)
    for x, t in (chosen if batch is None else [chosen[e - 1] for e in batch]):
        a = x
        for layer, rows in enumerate(weights):
            W = torch.stack([torch.stack([params[w] for w in row]) for row in rows])
            z = W @ a
            if biases[layer]:
                z = z + torch.stack([params[b] for b in biases[layer]])
            a = ACTIVATIONS[net.activations[layer]](z)
        totals.append(LOSSES[net.loss](a, t, z, **{name: config.values[name]
                                                   for name in LOSS_RECORDS[net.loss].parameters}))
    return torch.stack(totals).mean()


def gradients(config: Config, values: dict[str, float] | None = None) -> tuple[float, dict[str, float]]:
    """E_total and its gradient for every weight and bias, by PyTorch autograd."""
    params = parameters(config, values)
    error = total_error(config, params)
    error.backward()
    return error.item(), {name: p.grad.item() for name, p in params.items()}


def torch_optimizer(name: str, params: list[torch.Tensor], lr: float, values: dict[str, float],
                    decayed: bool = False):
    """torch.optim's optimizer of that config name, with the config's hyperparameters (read from ``values``);
    ``decayed``: with the config's weight decay (AdamW always has its own)."""
    decay = values["weight_decay"] if decayed else 0.0
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=decay)
    if name in ("momentum", "nesterov"):
        return torch.optim.SGD(params, lr=lr, momentum=values["momentum"], nesterov=name == "nesterov",
                               weight_decay=decay)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=values["alpha"], eps=values["eps"], weight_decay=decay)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(values["beta1"], values["beta2"]), eps=values["eps"],
                                weight_decay=decay)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=(values["beta1"], values["beta2"]), eps=values["eps"],
                                 weight_decay=values["weight_decay"])
    raise ValueError(name)


def trajectory(config: Config, lr: float, iterations: int, trained: list[str], optimizer: str = "sgd",
               values: dict[str, float] | None = None) -> list[tuple[float, dict]]:
    """(E_total over all examples, parameter values) at each iteration of torch.optim's ``optimizer``.

    Each step uses the mean gradient of the next mini-batch, in turn (all examples when there is one batch).
    """
    params = parameters(config)
    optimizer = torch_optimizer(optimizer, [params[name] for name in trained], lr, values or config.values,
                                config.network.weight_decay)
    size = config.network.batch_size or config.network.examples
    batches = [list(range(s, min(s + size, config.network.examples + 1))) for s in range(1, config.network.examples + 1, size)]
    out = []
    for step in range(iterations):
        optimizer.zero_grad()
        with torch.no_grad():
            out.append((total_error(config, params).item(), {name: p.item() for name, p in params.items()}))
        total_error(config, params, batches[step % len(batches)]).backward()
        optimizer.step()
    return out


def finite_difference(config: Config, name: str, values: dict[str, float] | None = None) -> float:
    """Central difference of E_total in one parameter, in 60-digit arithmetic (mpmath) with a 1e-25 step.

    At that precision the step's truncation error (~1e-50) and rounding (~1e-35) vanish next to float64,
    so the difference is the derivative to float64 precision, even where the loss curves sharply.
    """
    values = dict(values or config.values)
    step = mpmath.mpf("1e-25")
    with mpmath.workdps(60):
        def error_at(delta):
            shifted = {k: mpmath.mpf(v) for k, v in values.items()}
            shifted[name] += delta
            return _mp_total_error(config, shifted)

        return float((error_at(step) - error_at(-step)) / (2 * step))


_MP_ACTIVATIONS = {
    "sigmoid": lambda z: 1 / (1 + mpmath.exp(-z)),
    "tanh": mpmath.tanh,
    "relu": lambda z: z if z > 0 else mpmath.mpf(0),
    "linear": lambda z: z,
}


def _mp_softmax(z: list) -> list:
    powers = [mpmath.exp(zj) for zj in z]
    total = mpmath.fsum(powers)
    return [p / total for p in powers]


def _mp_huber(a, t, delta) -> object:
    gap = abs(a - t)
    return gap ** 2 / 2 if gap < delta else delta * (gap - delta / 2)


def _mp_total_error(config: Config, values: dict):
    """E_total averaged over the examples, written out in plain arithmetic on mpmath numbers."""
    net = config.network
    weights, biases = weight_names(net), bias_names(net)
    totals = []
    for x, t in examples(config):
        a = [mpmath.mpf(float(v)) for v in x]
        for layer, rows in enumerate(weights):
            z = [mpmath.fsum(values[w] * ai for w, ai in zip(row, a)) for row in rows]
            if biases[layer]:
                z = [zj + values[b] for zj, b in zip(z, biases[layer])]
            kind = net.activations[layer]
            a = _mp_softmax(z) if kind == "softmax" else [_MP_ACTIVATIONS[kind](zj) for zj in z]
        targets = [mpmath.mpf(float(v)) for v in t]
        n = len(a)
        if net.loss == "half_sse":
            totals.append(mpmath.fsum((tk - ak) ** 2 for ak, tk in zip(a, targets)) / 2)
        elif net.loss == "mse":
            totals.append(mpmath.fsum((tk - ak) ** 2 for ak, tk in zip(a, targets)) / n)
        elif net.loss == "cross_entropy":
            totals.append(-mpmath.fsum(tk * mpmath.log(ak) for ak, tk in zip(a, targets)))
        elif net.loss == "huber":
            delta = mpmath.mpf(float(config.values["delta"]))
            totals.append(mpmath.fsum(_mp_huber(ak, tk, delta) for ak, tk in zip(a, targets)) / n)
        elif net.loss == "bce":
            totals.append(-mpmath.fsum(tk * mpmath.log(ak) + (1 - tk) * mpmath.log(1 - ak)
                                       for ak, tk in zip(a, targets)) / n)
        else:
            raise ValueError(f"no finite-difference oracle for the loss {net.loss!r}: add it here")
    return mpmath.fsum(totals) / len(totals)
