"""四舍五入: the one rounding every output uses, so a figure reads the same everywhere.

Python's ``round`` and ``format`` round half to even on the binary value (0.3125 → "0.312"
at 3 digits); the bulletin rounds half up on the decimal value a clerk would see. That
decimal is the one Excel keeps of a double, 15 significant digits: the sum 0.01 + 0.105 is
0.11499999999999999 in binary, 0.115 in Excel, and shows 0.12 in every output (the workbook
is written unrounded and Excel rounds it the same way).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def as_decimal(value: float) -> Decimal:
    """The decimal Excel (and a clerk) sees of ``value``: 15 significant digits."""
    return Decimal(f"{float(value):.15g}")


def round_half_up(value: float, digits: int = 0) -> float:
    """``value`` rounded half up to ``digits`` decimals: 0.3125 → 0.313 (3), 2.5 → 3.0."""
    q = Decimal(1).scaleb(-digits)
    return float(as_decimal(value).quantize(q, rounding=ROUND_HALF_UP))


def fixed(value: float, digits: int) -> str:
    """``value`` as text with exactly ``digits`` decimals, rounded half up."""
    q = Decimal(1).scaleb(-digits)
    return str(as_decimal(value).quantize(q, rounding=ROUND_HALF_UP))
