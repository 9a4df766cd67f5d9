"""Numbers as sheetprop prints them for people: a fixed count of significant digits, a real minus sign.

>>> number(0.15 * 0.05 + 0.2 * 0.1), number(-0.0380982366, 4), number(3.51085e-05, 6)
('0.0275', '−0.0381', '3.51085×10⁻⁵')
"""

from __future__ import annotations

from sheetprop.dialects import MINUS, column_number, mathml_number
from sheetprop.dialects import number as _number

DIGITS = 9  # significant digits: the blog prints 0.298371109 and 0.593269992
__all__ = ["DIGITS", "MINUS", "mathml_number", "number"]


def number(value: float, digits: int = DIGITS, zeros: bool = False) -> str:
    """The value as text: ``digits`` significant digits, ×10ⁿ for very small or large ones (defined once, as
    ``sheetprop.dialects.NUMBER``, which the living page runs in the js dialect); ``zeros`` keeps its trailing
    zeros, as a table's column shows it (``COLUMN_NUMBER``).

    >>> number(0.15), number(0.15, zeros=True)
    ('0.15', '0.150000000')
    """
    return column_number(value, digits) if zeros else _number(value, digits)

