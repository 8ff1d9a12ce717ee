"""Rational bounds on square roots, exactly (integer square roots): the one place every family gets them.

ℓ2 norms enter exact checks squared where possible; where a square root cannot be avoided (a sum of
norms, a sharp constant a + b√c), a rational upper or lower bound within 1/scale keeps the check sound.

>>> sqrt_lower(Fraction(2)) < Fraction(14142136, 10**7) < sqrt_upper(Fraction(2))
True
>>> sqrt_upper(Fraction(9, 4)) == sqrt_lower(Fraction(9, 4)) == Fraction(3, 2)
True
"""

from __future__ import annotations

import math
from fractions import Fraction

from .errors import InvalidArgument

__all__ = ["sqrt_upper", "sqrt_lower"]


def sqrt_upper(r: Fraction, scale: int = 10**6) -> Fraction:
    """A rational u >= √r with u − √r <= 1/scale."""
    if r < 0:
        raise InvalidArgument("r", r, "a non-negative rational")
    k = math.isqrt(r.numerator * scale * scale // r.denominator)
    while Fraction(k * k, scale * scale) < r:
        k += 1
    return Fraction(k, scale)


def sqrt_lower(r: Fraction, scale: int = 10**6) -> Fraction:
    """A rational l <= √r with √r − l <= 1/scale."""
    if r < 0:
        raise InvalidArgument("r", r, "a non-negative rational")
    k = math.isqrt(r.numerator * scale * scale // r.denominator)
    while Fraction(k * k, scale * scale) > r:
        k -= 1
    return Fraction(k, scale)
