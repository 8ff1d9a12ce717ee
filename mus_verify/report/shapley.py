"""Exact Shapley values of the smoothed class probability, from integer vote counts.

For v(S) = g_c(x, 1_S) = votes(S)[c] / q (voting mode, so every v(S) is a
rational with denominator q),

    φ_i = Σ_{S ⊆ N∖i} |S|! (n − |S| − 1)! / n! · (v(S ∪ i) − v(S)).

Grouping the coalitions by size k = |S| gives integers only:

    φ_i · n! · q = Σ_k k! (n − 1 − k)! · D_{i,k},   D_{i,k} = Σ_{|S| = k, i ∉ S} (votes(S ∪ i) − votes(S)),

where each D_{i,k} is a sum of at most 2^(n−1) vote differences (|D| ≤ 2^(n−1) · q, exact
in int64 for the report's n <= 16) and the weighted sum is taken in Python integers.

Why exact: the report ranks features by φ and breaks exact ties by the lower
feature index. Float Shapley values of tied features differ in their last bits
depending on summation order, so a float ranking breaks ties by noise (it changed
10 of 162 wine explanations). With integers, tied means equal.

>>> votes = np.array([0, 4, 0, 4])   # class c gets all q = 4 votes iff feature 0 is shown
>>> shapley_numerators(votes, 2)     # φ_0 = 1, φ_1 = 0, over n! · q = 8
(8, 0)
>>> shapley_values(votes, 2, 4)
(Fraction(1, 1), Fraction(0, 1))
>>> rank_features(shapley_numerators(np.array([0, 4, 4, 8]), 2), 1)   # tied: lower index first
[0]
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Sequence

import numpy as np

from .._validation import as_int
from ..errors import InvalidArgument
from ..core.bits import popcount

__all__ = ["MAX_SHAPLEY_FEATURES", "shapley_numerators", "shapley_values", "rank_features"]

# 2^n coalitions are enumerated; the int64 partial sums need 2^(n−1) · q < 2^63.
MAX_SHAPLEY_FEATURES = 24


def shapley_numerators(votes: np.ndarray, n: int) -> tuple[int, ...]:
    """φ_i · n! · q for every feature i, as exact Python integers.

    ``votes`` has one integer per coalition, indexed by its code (bit i = feature i shown).
    """
    n = as_int(n, "n", low=1, high=MAX_SHAPLEY_FEATURES)
    values = np.asarray(votes)
    if values.shape != (1 << n,) or values.dtype.kind not in "iu":
        raise InvalidArgument("votes", f"array of shape {values.shape} and dtype {values.dtype}", f"one integer vote count per coalition, shape ({1 << n},)")
    values = values.astype(np.int64)
    if values.size and int(np.abs(values).max()) >= 2**62 >> (n - 1):
        raise InvalidArgument("votes", int(np.abs(values).max()), f"vote counts below 2^{62 - (n - 1)} (exact int64 sums over 2^{n - 1} coalitions)")
    codes = np.arange(1 << n, dtype=np.int64)
    sizes = popcount(codes)
    weights = [math.factorial(k) * math.factorial(n - 1 - k) for k in range(n)]
    out = []
    for i in range(n):
        without = codes[(codes >> i) & 1 == 0]
        differences = values[without | (1 << i)] - values[without]
        sums = np.zeros(n, dtype=np.int64)  # D_{i,k} for k = 0..n−1
        np.add.at(sums, sizes[without], differences)
        out.append(sum(weights[k] * int(sums[k]) for k in range(n)))
    return tuple(out)


def shapley_values(votes: np.ndarray, n: int, q: int) -> tuple[Fraction, ...]:
    """φ_i as exact Fractions, for v(S) = votes(S) / q."""
    q = as_int(q, "q", low=1)
    scale = math.factorial(as_int(n, "n", low=1, high=MAX_SHAPLEY_FEATURES)) * q
    return tuple(Fraction(v, scale) for v in shapley_numerators(votes, n))


def rank_features(scores: Sequence[int | Fraction], size: int) -> list[int]:
    """The ``size`` features with the largest exact scores; exact ties go to the lower index."""
    size = as_int(size, "size", low=0, high=len(scores))
    return sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:size]
