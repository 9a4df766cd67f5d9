"""Every number the definitions read from a labelled cell of its own, one record each: the learning rate,
the optimizers' hyperparameters and any loss's parameter.

A record holds all there is to know about one parameter: its name in the definitions (``Param(name)``,
PyTorch's name), its symbol in math text and MathML, its config key, default and range, what it does, and
the words people write for it in a label. The config's keys and checks, the CLI's help, the living page's
fields, the workbook's labelled cells and verify's reading of labels all come from here. An optimizer or a
loss lists the names of the parameters it reads; adding one is adding its record here.

>>> LEARNING_RATE.symbol, PARAMETERS["beta1"].label, PARAMETERS["eps"].range_text
('η', 'β1 (beta1)', '(0, ∞)')
>>> PARAMETERS["momentum"].problem(1.0)
'1.0 is outside [0, 1)'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sheetprop.expr import Expr, If, Num, Param, Sym, fold, greater, less, substitute

VALUE = Sym("value")  # a value a parameter is given, in ``Parameter.allowed``


@dataclass(frozen=True)
class Parameter:
    """One parameter: how the formulas, the notes, the config, the page and a person's label name it.

    ``key`` is its config key; parameters that share one (PyTorch's ``betas = [β1, β2]``) take a list,
    in the order of their records. ``words`` are what people write for it in a label besides its name
    and symbol; ``lookalikes`` letters typed for the symbol (``h`` for η), read as a label only where the
    sheet's values agree. ``called`` is how the page's field names it, when not by its symbol alone.
    The value must lie in [low, high] (an open end excludes its bound).
    """

    name: str
    symbol: str
    mathml: str
    key: str
    default: float
    help: str
    words: tuple[str, ...] = ()
    lookalikes: tuple[str, ...] = ()
    called: str = ""
    low: float = 0.0
    high: float = 1.0
    low_open: bool = False
    high_open: bool = True

    @property
    def param(self) -> Param:
        """The parameter as a node of the definitions."""
        return Param(self.name)

    @property
    def label(self) -> str:
        """The text of its labelled cell in the workbook: the symbol, its name in brackets (``η (lr)``)."""
        return f"{self.symbol} ({self.name})"

    @property
    def words_on_page(self) -> str:
        """What the living page says beside its field: what it is called, then what it does."""
        return f"{self.called or self.symbol}: {self.help}"

    @property
    def range_text(self) -> str:
        """The values it may take, as an interval: ``[0, 1)``, ``(0, ∞)``."""
        left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
        high = "∞" if math.isinf(self.high) else f"{self.high:g}"
        return f"{left}{self.low:g}, {high}{right}"

    @property
    def allowed(self) -> Expr:
        """1 where ``VALUE`` is in the parameter's range, else 0: the config's check and the living page's (its
        js dialect) are this definition."""
        upper = (If(less(VALUE, Num(self.high)), Num(1), Num(0)) if self.high_open
                 else If(greater(VALUE, Num(self.high)), Num(0), Num(1)))
        return (If(greater(VALUE, Num(self.low)), upper, Num(0)) if self.low_open
                else If(less(VALUE, Num(self.low)), Num(0), upper))

    def problem(self, value: float) -> str | None:
        """What is wrong with ``value``, or None when it may be used (``allowed``).

        >>> LEARNING_RATE.problem(0.5), LEARNING_RATE.problem(0.0)
        (None, '0.0 is outside [1e-12, 1e+06]')
        """
        if not math.isfinite(value):
            return f"{value!r} is outside {self.range_text}"
        inside = fold(substitute(self.allowed, lambda node: Num(float(value)) if node == VALUE else None))
        return None if inside == Num(1) else f"{value!r} is outside {self.range_text}"


# Past its range a learning rate does nothing or overflows at once.
LEARNING_RATE = Parameter(
    "lr", "η", "<mi>η</mi>", "learning_rates", 0.5,
    "how far each update moves the weights against their gradient",
    words=("learning rate", "learn rate", "lrate", "eta", "step size", "alpha"), lookalikes=("h",),
    low=1e-12, high=1e6, high_open=False)

# When two records share a word, the first takes it: α alone is a learning rate as often as not, so the
# rmsprop decay is read from 'α (alpha)', its name in brackets.
PARAMETERS: dict[str, Parameter] = {p.name: p for p in (
    LEARNING_RATE,
    Parameter("momentum", "μ", "<mi>μ</mi>", "momentum", 0.9, "how much of the previous velocity each step keeps",
              words=("mu",), called="momentum μ"),
    Parameter("alpha", "α", "<mi>α</mi>", "alpha", 0.99, "the decay of the running average of squared gradients"),
    Parameter("beta1", "β1", "<msub><mi>β</mi><mn>1</mn></msub>", "betas", 0.9,
              "the decay of the running average of gradients"),
    Parameter("beta2", "β2", "<msub><mi>β</mi><mn>2</mn></msub>", "betas", 0.999,
              "the decay of the running average of squared gradients"),
    Parameter("eps", "ε", "<mi>ε</mi>", "eps", 1e-8, "keeps the step finite where the squared gradients are tiny",
              words=("epsilon",), low_open=True, high=math.inf),
    # torch.optim's weight_decay: 0 (none) for SGD, RMSprop and Adam; AdamW's own default is its record's.
    Parameter("weight_decay", "λ", "<mi>λ</mi>", "weight_decay", 0.0,
              "how strongly each update pulls every weight towards 0 (weight decay)",
              words=("weight decay", "lambda", "decay", "wd", "l2"), called="weight decay λ", high=math.inf),
    # torch.nn.functional.huber_loss's delta: where the loss turns from squared to linear.
    Parameter("delta", "δ", "<mi>δ</mi>", "huber_delta", 1.0,
              "the error at which the Huber loss turns from squared to linear",
              words=("huber delta", "huber"), called="Huber δ", low_open=True, high=math.inf),
)}


def symbol(name: str) -> str:
    """How people write a name: a parameter by its symbol (η for ``lr``, β1 for ``beta1``); every other
    name as it is.

    >>> symbol("lr"), symbol("w5")
    ('η', 'w5')
    """
    record = PARAMETERS.get(name)
    return record.symbol if record else name


def keyed() -> dict[str, tuple[Parameter, ...]]:
    """Each config key with the parameters it sets, in the records' order (``betas``: β1 and β2).

    >>> [(key, [p.name for p in group]) for key, group in keyed().items()][3:5]
    [('betas', ['beta1', 'beta2']), ('eps', ['eps'])]
    """
    keys: dict[str, tuple[Parameter, ...]] = {}
    for record in PARAMETERS.values():
        keys[record.key] = (*keys.get(record.key, ()), record)
    return keys
