"""The stated, finite domains of the removal checks: model families, grids, backgrounds, joints.

Everything is deterministic (a seeded ``random.Random`` where a choice is drawn) and rational.
Model families per dimension d (notes §7.4): linear with integer ‖β‖, clipped linear (a hard
sigmoid with B = 1), max-affine (exact L = max ‖a_k‖), and a 2-layer ReLU net with a sound L² bound.
"""

from __future__ import annotations

import itertools
import random
from fractions import Fraction as F
from typing import Iterator

from .games import Baseline, Marginal, Removal
from .joint import FiniteJoint
from .models import ClippedLinear, ExactModel, Linear, MaxAffine, ReluNet

__all__ = ["models_for", "bounded_models_for", "grid", "removals_for", "joints_for", "GRID_VALUES"]

# β with an integer ℓ2 norm where one exists (notes §7): (1,2,2) → 3, (1,2,4,10) → 11.
_BETAS = {1: (F(3),), 2: (F(3), F(-4)), 3: (F(1), F(2), F(-2)), 4: (F(1), F(-2), F(4), F(10))}

GRID_VALUES = {1: (F(-2), F(-1, 2), F(0), F(1), F(2)), 2: (F(-2), F(-1, 2), F(0), F(1), F(2)), 3: (F(-1), F(0), F(1)), 4: (F(-1), F(1))}
"""Per-coordinate grid values: the input domain is GRID_VALUES[d]^d."""


def _beta(d: int) -> tuple[F, ...]:
    return _BETAS.get(d) or tuple(F((-1) ** i * (i + 1)) for i in range(d))


def models_for(d: int) -> list[ExactModel]:
    """Linear, clipped linear, max-affine and a small ReLU net on R^d."""
    beta = _beta(d)
    rng = random.Random(1000 + d)
    a = tuple(tuple(F(rng.randint(-3, 3), rng.randint(1, 2)) for _ in range(d)) for _ in range(3))
    w1 = tuple(tuple(F(rng.randint(-2, 2), 2) for _ in range(d)) for _ in range(3))
    b1 = tuple(F(rng.randint(-1, 1), 2) for _ in range(3))
    w2 = ((F(1), F(-1), F(1, 2)),)
    return [
        Linear(beta, F(1, 2)),
        ClippedLinear(beta, F(0), F(-1), F(1)),
        MaxAffine(a, (F(0), F(1, 2), F(-1))),
        ReluNet((w1, w2), (b1, (F(0),))),
    ]


def bounded_models_for(d: int) -> list[ExactModel]:
    """Bounded models (Assumption 2): clipped linear ones with B = 1 and B = 2."""
    beta = _beta(d)
    other = tuple(F(i % 3 - 1) + F(1, 2) for i in range(d))
    return [ClippedLinear(beta, F(0), F(-1), F(1)), ClippedLinear(other, F(1, 2), F(-2), F(1))]


def grid(d: int) -> list[tuple[F, ...]]:
    return [tuple(p) for p in itertools.product(GRID_VALUES[d], repeat=d)]


def removals_for(d: int) -> list[Removal]:
    """Baseline removal at b = (1/3, ..., 1/3) and marginal removal over three weighted background points."""
    background = (tuple(F(1, 3) for _ in range(d)), tuple(F(-1) for _ in range(d)), tuple(F((-1) ** i, 2) for i in range(d)))
    return [Baseline(background[0]), Marginal(background, (F(1, 2), F(1, 3), F(1, 6)))]


def joints_for(d: int, seed: int = 0) -> Iterator[tuple[str, FiniteJoint]]:
    """Finite joints with dependence: a correlated random one on {0, 1/2, 1}^d, a near-duplicate-feature
    one, and the sharp one of the planted-bug test (a jump of the conditional law under a tiny move)."""
    rng = random.Random(seed * 7919 + d)
    points = [p for p in itertools.product((F(0), F(1, 2), F(1)), repeat=d) if rng.random() < 0.6] or [tuple(F(0) for _ in range(d))]
    weights = [F(rng.randint(1, 5)) for _ in points]
    total = sum(weights)
    yield "random", FiniteJoint(tuple(points), tuple(w / total for w in weights))
    if d >= 2:
        dup = [tuple([v, v] + [F(j % 2) for j in range(d - 2)]) for v in (F(0), F(1, 2), F(1))]
        dup.append(tuple([F(0), F(1, 2)] + [F(1)] * (d - 2)))
        yield "near-duplicate", FiniteJoint(tuple(dup), (F(1, 4), F(1, 4), F(1, 4), F(1, 4)))
        jump = (tuple([F(0), F(0)] + [F(0)] * (d - 2)), tuple([F(0), F(1)] + [F(0)] * (d - 2)), tuple([F(1, 16), F(0)] + [F(0)] * (d - 2)))
        yield "jump", FiniteJoint(jump, (F(1, 4), F(1, 4), F(1, 2)))
