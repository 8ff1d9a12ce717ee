"""Planted bugs of soft-stability implementations (notes §4.2); offered only as named planted options.

Each reproduces a defect of the published code, and a check must REFUTE it:

* :class:`UniformShellSampler` — the number of added features j drawn uniformly
  from 0..r instead of ∝ C(m, j) (``soft-stability-sampler``, ``-coverage``, the gate);
* :func:`one_sided_samples` — N = ⌈ln(1/δ)/(2ε²)⌉, a one-sided bound used for the
  two-sided interval τ̂ ± ε (``soft-stability-coverage``);
* :func:`ge_radius` — "hard-stable at r iff gap/(2λ) >= r" (the blog plots' ``cert_rs >= r``,
  defect 6) (``soft-stability-exact``);
* :class:`FreshNoiseClassifier` — an L_qv smoothed classifier that draws a new seed
  vector on every call (defects 1 and 3) (``soft-stability-coverage``, the gate);
* :func:`truncated_lambda` / :func:`truncated_smooth_iid` — λ replaced by int(λ·q)/q in
  floats (defect 4: 0.29 → 0.28 at q = 100) (``soft-stability-smoothing``, ``-exact``).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from ..certificates import certified_radius
from ..core.bits import codes_from_masks
from .bounds import one_sided_samples
from .rates import ScoreTable, predictions, smooth_lqv
from .sampler import UniformSupersetSampler, unrank_combination

__all__ = ["UniformShellSampler", "one_sided_samples", "ge_radius", "FreshNoiseClassifier", "truncated_lambda", "truncated_smooth_iid", "truncated_radius"]


class UniformShellSampler(UniformSupersetSampler):
    """PLANTED: j uniform on 0..min(r, m), then a uniform j-subset (not uniform on Δ_r)."""

    def draw(self, source: Any, count: int) -> list[int]:
        top = min(self.r, self.m)
        shells = source.below(top + 1, count)
        ranks = source.below([math.comb(self.m, j) for j in shells], count)
        out = []
        for j, rank in zip(shells, ranks):
            code = self.alpha
            for index in unrank_combination(rank, self.m, j):
                code |= 1 << self.free[index]
            out.append(code)
        return out


def ge_radius(gap: Any, lam: Any) -> int:
    """PLANTED: the largest integer r with gap/(2λ) >= r, i.e. ⌊gap/(2λ)⌋ (unsound at equality)."""
    gap, lam = Fraction(gap), Fraction(lam)
    return math.floor(gap / (2 * lam))


def truncated_lambda(lam: Any, q: int) -> Fraction:
    """PLANTED: int(λ·q)/q computed in floats, as the research code (0.29 at q = 100 gives 0.28)."""
    return Fraction(int(float(Fraction(lam)) * q), q)


def truncated_radius(q: int) -> Any:
    """PLANTED: the strict radius, but with λ truncated to int(λ·q)/q (a smaller λ claims a larger radius)."""

    def rule(gap: Any, lam: Any) -> int:
        small = truncated_lambda(lam, q)
        return certified_radius(gap, small) if small > 0 else 10**9
    rule.__name__ = f"truncated_radius_q{q}"
    return rule


def truncated_smooth_iid(q: int) -> Any:
    """PLANTED: i.i.d. smoothing at int(λ·q)/q instead of λ."""
    from .theory import smooth_iid_direct

    def smoother(table: ScoreTable, lam: Any) -> ScoreTable:
        return smooth_iid_direct(table, truncated_lambda(lam, q))
    smoother.__name__ = f"truncated_smooth_iid_q{q}"
    return smoother


class FreshNoiseClassifier:
    """PLANTED: the L_qv smoothed classifier of a base table, with a fresh seed vector drawn on every call.

    The intended classifier is g with the fixed ``seed_vector``; each ``predict``
    call instead smooths with a new seed vector from its own generator.
    """

    def __init__(self, base: ScoreTable, q: int, lam: Any, seed: int = 0, tie: str = "strict") -> None:
        self.n, self.base, self.q, self.lam, self.tie = base.n, base, q, Fraction(lam), tie
        self.generator = np.random.Generator(np.random.PCG64(seed))

    def predict(self, masks: np.ndarray) -> np.ndarray:
        seed_vector = self.generator.integers(0, self.q, size=self.n).tolist()
        classes = predictions(smooth_lqv(self.base, seed_vector, self.q, self.lam), self.tie)  # type: ignore[arg-type]
        codes = codes_from_masks(masks)
        return classes[codes]
