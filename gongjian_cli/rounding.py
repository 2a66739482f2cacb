"""四舍五入: the one rounding every output uses, so a figure reads the same everywhere.

Python's ``round`` and ``format`` round half to even on the binary value (0.3125 → "0.312"
at 3 digits); the bulletin rounds half up on the decimal value a clerk would see.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def round_half_up(value: float, digits: int = 0) -> float:
    """``value`` rounded half up to ``digits`` decimals: 0.3125 → 0.313 (3), 2.5 → 3.0."""
    q = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(float(value))).quantize(q, rounding=ROUND_HALF_UP))


def fixed(value: float, digits: int) -> str:
    """``value`` as text with exactly ``digits`` decimals, rounded half up."""
    q = Decimal(1).scaleb(-digits)
    return str(Decimal(repr(float(value))).quantize(q, rounding=ROUND_HALF_UP))
