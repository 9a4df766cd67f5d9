"""Numbers as sheetprop prints them for people: a fixed count of significant digits, a real minus sign.

>>> number(0.15 * 0.05 + 0.2 * 0.1), number(-0.0380982366, 4), number(3.51085e-05, 6)
('0.0275', '−0.0381', '3.51085×10⁻⁵')
>>> parts(3.51085e-05, 6)
('3.51085', -5)
"""

from __future__ import annotations

import math

DIGITS = 9  # significant digits: the blog prints 0.298371109 and 0.593269992
MINUS = "−"
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def parts(value: float, digits: int = DIGITS, zeros: bool = False) -> tuple[str, int | None]:
    """Mantissa text and power of ten (None when written without one), as Python's ``g`` format decides;
    ``zeros`` keeps the trailing zeros, so that every number shows ``digits`` digits (a column lines up).

    The mantissa keeps its sign as ASCII '-'; callers choose how to print it.

    >>> parts(0.15, 9, zeros=True), parts(123456789.0, 9, zeros=True), parts(1e-5, 3, zeros=True)
    (('0.150000000', None), ('123456789', None), ('1.00', -5))
    """
    text = f"{value:#.{digits}g}".replace(".e", "e").rstrip(".") if zeros else f"{value:.{digits}g}"
    if "e" not in text or not math.isfinite(value):
        return text, None
    mantissa, exponent = text.split("e")
    return mantissa, int(exponent)


def number(value: float, digits: int = DIGITS, zeros: bool = False) -> str:
    """The value as text: ``digits`` significant digits, ×10ⁿ for very small or large ones; ``zeros`` keeps
    trailing zeros (see ``parts``)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return ("−" if value < 0 else "") + "∞"
    mantissa, exponent = parts(value, digits, zeros)
    text = mantissa if exponent is None else f"{mantissa}×10{str(exponent).translate(_SUPERSCRIPTS)}"
    return text.replace("-", MINUS, 1)
