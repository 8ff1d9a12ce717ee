"""Masks as integer codes, and the hypercube {0,1}^n they index.

A mask α ∈ {0,1}^n is stored as the integer ``Σ_i α_i 2^i`` (bit i is
feature i), so the whole cube is ``arange(2**n)``, α ⊙ s is ``α & s``, the
Hamming (L1) distance is ``popcount(α ^ β)`` and "β ⪰ α" is ``β & α == α``.
Every operation below is a vectorised numpy integer operation: no float ever
touches a mask.

>>> codes_from_masks(np.array([[1, 0, 1], [0, 1, 1]], dtype=bool)).tolist()
[5, 6]
>>> masks_from_codes(np.array([5]), 3).astype(int).tolist()
[[1, 0, 1]]
>>> popcount(np.array([0, 7, 8])).tolist()
[0, 3, 1]
>>> edge_lower_ends(3, 1).tolist()   # masks without bit 1: the lower ends of the edges along feature 1
[0, 1, 4, 5]
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .._validation import as_int

__all__ = [
    "MAX_FEATURES",
    "check_features",
    "codes_from_masks",
    "masks_from_codes",
    "code_from_bits",
    "bits_of",
    "popcount",
    "edge_lower_ends",
    "binomial_prefix_table",
]

# 2^24 masks of one byte each is the largest cube the engine allocates (the
# distance transforms hold a few arrays of that length).
MAX_FEATURES = 24


def check_features(n: Any, argument: str = "n", high: int = MAX_FEATURES) -> int:
    """The number of features of an exhaustive run: an integer in 1..high."""
    return as_int(n, argument, low=1, high=high)


def codes_from_masks(masks: np.ndarray) -> np.ndarray:
    """(N, n) bool masks -> (N,) int64 codes with bit i = feature i."""
    masks = np.asarray(masks, dtype=bool)
    weights = np.left_shift(np.int64(1), np.arange(masks.shape[1], dtype=np.int64))
    return (masks.astype(np.int64) * weights[None, :]).sum(axis=1, dtype=np.int64)


def masks_from_codes(codes: np.ndarray, n: int) -> np.ndarray:
    """(N,) codes -> (N, n) bool masks."""
    codes = np.asarray(codes, dtype=np.int64)
    return ((codes[:, None] >> np.arange(n, dtype=np.int64)[None, :]) & 1).astype(bool)


def code_from_bits(bits: Iterable[Any]) -> int:
    """A 0/1 sequence (feature 0 first) -> its integer code."""
    return sum(1 << i for i, b in enumerate(bits) if int(b))


def bits_of(code: int, n: int) -> list[int]:
    """An integer code -> its n bits as a list (feature 0 first)."""
    return [(int(code) >> i) & 1 for i in range(n)]


def popcount(codes: np.ndarray) -> np.ndarray:
    """Number of set bits of each code (int64)."""
    return np.bitwise_count(np.asarray(codes, dtype=np.int64).astype(np.uint64)).astype(np.int64)


def edge_lower_ends(n: int, i: int, start: int = 0, stop: int | None = None) -> np.ndarray:
    """Codes of the masks with bit i clear, in increasing order (slice [start, stop) of the 2^(n-1) of them).

    Together with ``code | (1 << i)`` they enumerate every edge of the cube along feature i once.
    """
    stop = (1 << (n - 1)) if stop is None else stop
    t = np.arange(start, stop, dtype=np.int64)
    low = t & ((1 << i) - 1)
    return ((t >> i) << (i + 1)) | low


def binomial_prefix_table(n: int) -> list[list[int]]:
    """``table[c][r]`` = Σ_{d=1..min(r, c)} C(c, d): the masks at distance 1..r inside a cone of c free bits.

    Python integers (exact); ``r`` runs over 0..n.
    """
    from math import comb

    table = []
    for c in range(n + 1):
        row = [0]
        for r in range(1, n + 1):
            row.append(row[-1] + (comb(c, r) if r <= c else 0))
        table.append(row)
    return table
