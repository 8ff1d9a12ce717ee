"""Ranking thickness for affine gaps, exactly, and the T2 lower bound (r2et-notes §3.2, T2).

Pairwise thickness along one path x(t) = x + tδ, t ∈ [0, 1], is ∫₀¹ 1{h(x(t)) >= 0} dt. For an
affine gap h(x + tδ) = h0 + t·s with s = ∇h·δ the notes' four cases give it exactly:

=================  =========================
h0 >= 0, s >= 0    1
h0 >= 0, s < 0     min(1, h0 / (−s))
h0 < 0,  s <= 0    0
h0 < 0,  s > 0     max(0, 1 + h0 / s)
=================  =========================

T2 [D]: for ‖δ‖_p <= ε and L >= ‖∇h‖_q, the integral is >= min(1, h0 / (L‖δ‖_p)) >= min(1, h0/(Lε)).
Norms enter squared (``bound_violated``) so ℓ2 stays rational.

>>> path_thickness(Fraction(1), Fraction(-4))
Fraction(1, 4)
>>> path_thickness(Fraction(-1), Fraction(4))
Fraction(3, 4)
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product
from typing import Sequence

from ..errors import InvalidArgument
from .affine import AffineSaliency, dual_norm
from .ranking import cross_pairs

__all__ = ["path_thickness", "bound_violated", "box_corners", "topk_thickness", "NORM_RULES"]

NORM_RULES = ("dual", "wrong-norm")
"""``dual`` is T2's L = ‖∇h‖_q; ``wrong-norm`` (PLANTED) uses ‖∇h‖_p, too small for p = ∞."""


def path_thickness(h0: Fraction, s: Fraction) -> Fraction:
    """∫₀¹ 1{h0 + t s >= 0} dt, exactly."""
    if h0 >= 0:
        return Fraction(1) if s >= 0 else min(Fraction(1), h0 / (-s))
    return Fraction(0) if s <= 0 else max(Fraction(0), 1 + h0 / s)


def _norm_squared(vector: Sequence[Fraction], p: str) -> Fraction:
    if p == "inf":
        return max((abs(v) for v in vector), default=Fraction(0)) ** 2
    if p == "2":
        return sum((v * v for v in vector), Fraction(0))
    raise InvalidArgument("p", p, "'inf' or '2'")


def lipschitz_squared(a: Sequence[Fraction], p: str, rule: str = "dual") -> Fraction:
    """L² for the gradient a of an affine gap: ‖a‖_q² (``dual``) or the planted ‖a‖_p²."""
    if rule == "dual":
        return dual_norm(a, p) ** 2 if p == "inf" else dual_norm(a, p)
    if rule == "wrong-norm":
        return _norm_squared(a, p)
    raise InvalidArgument("rule", rule, f"one of {', '.join(NORM_RULES)}")


def bound_violated(h0: Fraction, a: Sequence[Fraction], delta: Sequence[Fraction], p: str, rule: str = "dual") -> bool:
    """True iff the path integral is < min(1, h0 / (L ‖δ‖_p)) (T2 per path; needs h0 >= 0)."""
    if h0 < 0:
        raise InvalidArgument("h0", h0, "a gap >= 0 at x (T2 is stated for pairs in order at x)")
    s = sum((x * y for x, y in zip(a, delta)), Fraction(0))
    integral = path_thickness(h0, s)
    L2, N2 = lipschitz_squared(a, p, rule), _norm_squared(delta, p)
    if L2 == 0 or N2 == 0:
        return integral < 1  # the bound is min(1, ∞) = 1
    # integral < min(1, h0/(L N))  <=>  integral < 1 and integral·L·N < h0  (both sides >= 0)
    return integral < 1 and integral * integral * L2 * N2 < h0 * h0


def box_corners(dim: int, eps: Fraction) -> list[tuple[Fraction, ...]]:
    """The 2^dim corners of the ℓ∞ box of radius ε: a finite D_x for exact thickness."""
    return [tuple(eps * s for s in signs) for signs in product((-1, 1), repeat=dim)]


def topk_thickness(model: AffineSaliency, k: int, support: Sequence[Sequence[Fraction]]) -> Fraction:
    """Θ_k: the mean over cross pairs and over a uniform finite D_x of the path thickness.

    Signed affine saliency only (its gaps are affine); the pair set is the cross pairs.
    """
    if model.absolute:
        raise InvalidArgument("model", "absolute saliency", "signed affine saliency (affine gaps)")
    if not support:
        raise InvalidArgument("support", support, "a non-empty list of perturbations")
    s = model.saliency()
    pairs = cross_pairs(model.top_k(k), model.n)
    total = Fraction(0)
    for i, j in pairs:
        a = [x - y for x, y in zip(model.A[i], model.A[j])]
        for delta in support:
            total += path_thickness(s[i] - s[j], sum((x * y for x, y in zip(a, delta)), Fraction(0)))
    return total / (len(pairs) * len(support))
