"""Subsets of the feature set [d] = {0, ..., d−1} as bitmasks (bit i set iff feature i is in S).

Every game and operator in :mod:`mus_verify.removal` indexes the 2^d subsets this way:
``v[S]`` is the value of the coalition whose bitmask is ``S``, ``v[0]`` the empty set and
``v[full(d)]`` the grand coalition.

>>> members(0b101), size(0b101), full(3)
((0, 2), 2, 7)
"""

from __future__ import annotations

from .._validation import as_int

__all__ = ["MAX_D", "check_d", "full", "members", "size", "contains"]

MAX_D = 13
"""Largest number of features the exact operators accept (2^13 columns: wine has 13 features)."""


def check_d(d: object, argument: str = "d", *, high: int = MAX_D) -> int:
    """The number of features: an integer in 1..high."""
    return as_int(d, argument, low=1, high=high)


def full(d: int) -> int:
    """Bitmask of [d]."""
    return (1 << d) - 1


def members(S: int) -> tuple[int, ...]:
    """The features in S, increasing."""
    out = []
    i = 0
    while S >> i:
        if S >> i & 1:
            out.append(i)
        i += 1
    return tuple(out)


def size(S: int) -> int:
    return bin(S).count("1")


def contains(S: int, i: int) -> bool:
    return bool(S >> i & 1)
