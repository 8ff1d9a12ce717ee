"""Distance transforms on the hypercube: how far each mask is from a set of "bad" masks.

For a set B ⊆ {0,1}^n, ``distance_to(B, n, direction)[α]`` is

* ``"any"``: min_{β ∈ B} ‖β − α‖₁ (a multi-source BFS on the cube);
* ``"up"``: the same over supersets β ⪰ α only (adding features: incremental stability);
* ``"down"``: over subsets β ⪯ α only (removing features: decremental stability);

and ``n + 1`` where no such β exists. The Hamming distance is a sum of
per-coordinate distances, so the transform is separable: one min-plus pass per
coordinate (the 1-D transform of a two-point line is d'(0) = min(d(0), d(1)+1),
d'(1) = min(d(1), d(0)+1)), O(n · 2^n) in total. The directed versions keep
only one of the two updates; after the passes over coordinates 0..i, D[α]
is the best over β reached by moving along those coordinates in the allowed
direction, which is the sum-over-subsets recursion.

Used as: with B = {masks where class c is not the unique argmax}, the true
stability radius of a mask predicting c is ``distance_to(B)[α] − 1``.

>>> bad = np.zeros(8, dtype=bool); bad[0b111] = True
>>> distance_to(bad, 3, "any").tolist()
[3, 2, 2, 1, 2, 1, 1, 0]
>>> distance_to(bad, 3, "down").tolist()   # nothing below 111 except from 111 itself
[4, 4, 4, 4, 4, 4, 4, 0]
>>> nearest(bad, 3, 0b001, 2, "up")
7
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ..errors import InvalidArgument
from ..core.bits import popcount

__all__ = ["Direction", "DIRECTIONS", "distance_to", "nearest", "cone_size"]

Direction = Literal["any", "up", "down"]
DIRECTIONS = ("any", "up", "down")


def distance_to(bad: np.ndarray, n: int, direction: Direction = "any") -> np.ndarray:
    """Distance from every mask to the nearest mask in ``bad`` (length 2^n bool), n + 1 if none."""
    if direction not in DIRECTIONS:
        raise InvalidArgument("direction", direction, f"one of {DIRECTIONS}")
    bad = np.asarray(bad, dtype=bool)
    if bad.shape != (1 << n,):
        raise InvalidArgument("bad", f"array of shape {bad.shape}", f"one flag per mask, shape ({1 << n},)")
    dist = np.where(bad, 0, n + 1).astype(np.uint8 if n < 250 else np.int32)
    for i in range(n):
        pairs = dist.reshape(-1, 2, 1 << i)
        lower, upper = pairs[:, 0, :], pairs[:, 1, :]
        if direction in ("any", "up"):
            np.minimum(lower, upper + 1, out=lower)
        if direction in ("any", "down"):
            np.minimum(upper, lower + 1, out=upper)
    return dist


def nearest(bad: np.ndarray, n: int, alpha: int, distance: int, direction: Direction = "any") -> int | None:
    """The smallest code β ∈ bad at exactly ``distance`` from α in the allowed direction (None if none)."""
    codes = np.arange(1 << n, dtype=np.int64)
    ok = np.asarray(bad, dtype=bool) & (popcount(codes ^ alpha) == distance)
    if direction == "up":
        ok &= (codes & alpha) == alpha
    elif direction == "down":
        ok &= (codes & ~np.int64(alpha)) == 0
    found = np.flatnonzero(ok)
    return int(found[0]) if found.size else None


def cone_size(alpha_codes: np.ndarray, n: int, direction: Direction) -> np.ndarray:
    """How many coordinates can change from α in the direction: n − |α| (up), |α| (down), n (any)."""
    ones = popcount(alpha_codes)
    if direction == "up":
        return n - ones
    if direction == "down":
        return ones
    return np.full(ones.shape, n, dtype=np.int64)
