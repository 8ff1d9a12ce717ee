"""The finite domains the top-k checks quantify over, stated once so results can name them.

Everything is exact: small rational grids, plus seeded instances from a dedicated
``random.Random(seed)`` (the global RNG is never touched), listed by their seed so a run is
reproducible and its domain finite.
"""

from __future__ import annotations

import random
from fractions import Fraction
from itertools import permutations, product
from typing import Iterator

from .affine import AffineSaliency, from_quadratic

__all__ = ["lemma_cases", "radius_models", "thickness_cases", "at_models", "step_models", "GRID_G", "GRID_A"]

GRID_G = (Fraction(-1), Fraction(1, 3), Fraction(1), Fraction(2))
GRID_A = (Fraction(-1), Fraction(0), Fraction(1))


def lemma_cases(n_max: int) -> Iterator[tuple[tuple[Fraction, ...], tuple[Fraction, ...], int]]:
    """(I(x), I(x'), k) for n = 2..n_max, every k, I(x) = (n, ..., 1), I(x') every permutation."""
    for n in range(2, n_max + 1):
        base = tuple(Fraction(n - i) for i in range(n))
        for k in range(1, n):
            for perm in permutations(base):
                yield base, tuple(perm), k


def _strict(values: tuple[Fraction, ...]) -> bool:
    return len(set(values)) == len(values)


def radius_models(seed: int, random_count: int) -> Iterator[AffineSaliency]:
    """n = 2: every g in GRID_G² (strict |·| and signed orders) and A in GRID_A^{2×2}, signed and
    absolute; then ``random_count`` seeded random instances at n = 3 (quadratics: symmetric A)."""
    for absolute in (False, True):
        for g in product(GRID_G, repeat=2):
            shown = tuple(abs(v) for v in g) if absolute else g
            if not _strict(shown):
                continue
            for entries in product(GRID_A, repeat=4):
                yield AffineSaliency.create(g, [entries[:2], entries[2:]], absolute=absolute)
    rng = random.Random(seed)
    made = 0
    while made < random_count:
        A = [[Fraction(0)] * 3 for _ in range(3)]
        for r in range(3):
            for c in range(r, 3):
                A[r][c] = A[c][r] = Fraction(rng.randint(-4, 4), rng.choice((1, 2, 3)))
        b = [Fraction(rng.randint(-6, 6), 2) for _ in range(3)]
        x = [Fraction(rng.randint(-3, 3), 2) for _ in range(3)]
        model = from_quadratic(A, b, x, absolute=bool(made % 2))
        if _strict(model.saliency()):
            made += 1
            yield model


def thickness_cases() -> Iterator[tuple[Fraction, tuple[Fraction, ...], tuple[Fraction, ...], str]]:
    """(h0, a, δ, p): h0 ∈ {0, 1/2, 1, 2}, a ∈ {−1, 0, 1, 2}², δ ∈ {−1, −1/2, 0, 1/2, 1}², p ∈ {∞, 2}."""
    values_a = (Fraction(-1), Fraction(0), Fraction(1), Fraction(2))
    values_d = (Fraction(-1), Fraction(-1, 2), Fraction(0), Fraction(1, 2), Fraction(1))
    for p in ("inf", "2"):
        for h0 in (Fraction(0), Fraction(1, 2), Fraction(1), Fraction(2)):
            for a in product(values_a, repeat=2):
                for delta in product(values_d, repeat=2):
                    yield h0, a, delta, p


def at_models(seed: int, count: int) -> Iterator[tuple[AffineSaliency, int, Fraction]]:
    """Seeded signed affine instances with n in {3, 4} features, dim in {2, 3}, k < n, ε in {1/3, 1/2, 1}."""
    rng = random.Random(seed)
    made = 0
    while made < count:
        n, dim = rng.choice((3, 4)), rng.choice((2, 3))
        g = [Fraction(rng.randint(-8, 8), 2) for _ in range(n)]
        if not _strict(tuple(g)):
            continue
        A = [[Fraction(rng.randint(-3, 3)) for _ in range(dim)] for _ in range(n)]
        made += 1
        yield AffineSaliency.create(g, A), rng.randint(1, n - 1), rng.choice((Fraction(1, 3), Fraction(1, 2), Fraction(1)))


def step_models() -> Iterator[tuple[AffineSaliency, tuple[int, int], Fraction]]:
    """Two features, dim 2: gaps h ∈ {1/2, 1, 3/2, 2}, rows of A_i − A_j in {−1, 0, 1}², η ∈ {1/4, 1/2}."""
    for h in (Fraction(1, 2), Fraction(1), Fraction(3, 2), Fraction(2)):
        for row in product(GRID_A, repeat=2):
            for eta in (Fraction(1, 4), Fraction(1, 2)):
                yield AffineSaliency.create([h, 0], [list(row), [0, 0]]), (0, 1), eta
