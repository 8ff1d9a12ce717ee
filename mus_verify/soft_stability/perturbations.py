"""The perturbation sets of soft stability, exactly (Jin et al. 2025, §1.2 of the notes).

Masks are integer codes, bit i = feature i visible. For an explanation α with
zero set Z (|Z| = m, the features that can be added):

* ``Δ_r(α)`` = {α' ⪰ α : ‖α' − α‖₀ ≤ r}: supersets adding **at most** r features,
  α itself included (j = 0 added); ``|Δ_r| = Σ_{j=0}^{min(r,m)} C(m, j)``;
* the *exactly-r* shell: supersets adding exactly r features, ``C(m, r)`` of them;
* the decremental analogue (not in the paper): subsets α' ⪯ α removing at most r
  of α's |α| selected features.

r > m is allowed and means r = m (every superset), so ``Δ_r = Δ_m`` for r ≥ m;
a negative r is refused.

>>> delta_size(4, 2)
11
>>> [bin(c) for c in supersets(0b0011, 4, 1)]
['0b11', '0b111', '0b1011']
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import Iterator, Literal

import numpy as np

from .._validation import as_int
from ..errors import InvalidArgument

__all__ = [
    "Direction",
    "Shape",
    "delta_size",
    "shell_sizes",
    "free_positions",
    "supersets",
    "subsets",
    "perturbations",
    "MAX_ENUMERATED_FEATURES",
]

Direction = Literal["add", "remove"]
Shape = Literal["at-most", "exactly"]
DIRECTIONS = ("add", "remove")
SHAPES = ("at-most", "exactly")
# Exact tables hold one row per mask: 2^n rows.
MAX_ENUMERATED_FEATURES = 20


def check_radius(r: object, argument: str = "r") -> int:
    return as_int(r, argument, low=0)


def delta_size(m: int, r: int, shape: Shape = "at-most") -> int:
    """|Δ_r| = Σ_{j ≤ min(r, m)} C(m, j) (``shape="exactly"``: C(m, r), 0 when r > m)."""
    m = as_int(m, "m", low=0)
    r = check_radius(r)
    if shape == "exactly":
        return math.comb(m, r)
    _check_shape(shape)
    return sum(math.comb(m, j) for j in range(min(r, m) + 1))


def shell_sizes(m: int, r: int) -> list[int]:
    """[C(m, 0), ..., C(m, min(r, m))]: the integer weights of the number of added features."""
    m = as_int(m, "m", low=0)
    r = check_radius(r)
    return [math.comb(m, j) for j in range(min(r, m) + 1)]


def free_positions(alpha: int, n: int, direction: Direction = "add") -> list[int]:
    """Features that a perturbation may flip: the zeros of α (add) or its ones (remove)."""
    _check_direction(direction)
    want = 0 if direction == "add" else 1
    return [i for i in range(n) if (alpha >> i) & 1 == want]


def perturbations(alpha: int, n: int, r: int, *, direction: Direction = "add", shape: Shape = "at-most") -> Iterator[int]:
    """Every element of Δ_r(α) once (or of the exactly-r shell; or the decremental analogues), by shell."""
    _check_shape(shape)
    r = check_radius(r)
    if not 0 <= alpha < (1 << n):
        raise InvalidArgument("alpha", alpha, f"a mask code in 0..{(1 << n) - 1} for n = {n}")
    free = free_positions(alpha, n, direction)
    shells = [r] if shape == "exactly" else range(min(r, len(free)) + 1)
    for j in shells:
        for chosen in combinations(free, j):
            flip = sum(1 << i for i in chosen)
            yield alpha | flip if direction == "add" else alpha & ~flip


def supersets(alpha: int, n: int, r: int, shape: Shape = "at-most") -> list[int]:
    return list(perturbations(alpha, n, r, direction="add", shape=shape))


def subsets(alpha: int, n: int, r: int, shape: Shape = "at-most") -> list[int]:
    return list(perturbations(alpha, n, r, direction="remove", shape=shape))


def perturbation_array(alpha: int, n: int, r: int, *, direction: Direction = "add", shape: Shape = "at-most") -> np.ndarray:
    return np.fromiter(perturbations(alpha, n, r, direction=direction, shape=shape), dtype=np.int64)


def _check_shape(shape: str) -> None:
    if shape not in SHAPES:
        raise InvalidArgument("shape", shape, f"one of {SHAPES}")


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise InvalidArgument("direction", direction, f"one of {DIRECTIONS}")
