"""Certified top-k radius rules (r2et-notes T1a–T1d) and two planted unsound ones.

Every rule returns a certificate ``r`` with *open-ball* meaning: for every ‖δ‖_p < r the top-k set
at x + δ equals the one at x, under a strict order (for p = "2", ``r`` is the *squared* radius, so
everything stays rational). ``None`` means an infinite certificate. A certificate is sound iff it is
at most the exact radius of :meth:`AffineSaliency.exact_set_radius` (:mod:`.theorems`).

Sound rules, for a cross pair (i, j) with gap h = I_i(x) − I_j(x) > 0 (T1a: h(x+δ) >= h − L‖δ‖_p
by the mean-value theorem, with L a bound on ‖∇h‖_q over the ball):

* ``t1a``: the pairwise Lipschitz constant. Signed saliency: ∇h = A_i − A_j exactly. Absolute
  saliency: ∇h = σ_i A_i − σ_j A_j where it exists (σ the signs of g + Aδ), so
  L = max(‖A_i − A_j‖_q, ‖A_i + A_j‖_q) covers every sign pattern in the ball.
* ``t1c`` (signed only): Hessian rows, L = 2 max_l ‖A_l‖_q >= ‖A_i − A_j‖_q.
* ``t1d``: L = ‖A_i‖_q + ‖A_j‖_q, sound for absolute (and signed) saliency. For ℓ2 the square of a
  sum of square roots is bounded above by a rational (:func:`sqrt_upper`), so r² stays a sound
  lower bound.

Planted (never defaults; the checks must refute them):

* ``sign``: the official code's ``‖H_i − s_i s_j H_j‖`` with the signs s at x (0 for a zero
  gradient, as torch.sign): wrong once a sign changes inside the ball (notes' counterexample:
  a_i = a_j = (1, 0), g = (2, 1/1000): the denominator is 0, the claim ∞, the exact radius 2001/2000);
* ``kk1-gap``: the (k, k+1) pair alone, with ``t1a``'s constant: the k-th feature can change.

>>> from .affine import AffineSaliency
>>> m = AffineSaliency.create([2, Fraction(1, 1000)], [[1, 0], [1, 0]], absolute=True)
>>> certify(m, 1, "inf", "t1d"), certify(m, 1, "inf", "sign")
(Fraction(1999, 2000), None)
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable

from .._exact_roots import sqrt_upper
from ..errors import InvalidArgument
from .affine import AffineSaliency, dual_norm
from .ranking import cross_pairs

__all__ = ["SOUND_RULES", "PLANTED_RULES", "RULES", "certify", "pair_certificate", "sqrt_upper"]

SOUND_RULES = ("t1a", "t1c", "t1d")
PLANTED_RULES = ("sign", "kk1-gap")
RULES = SOUND_RULES + PLANTED_RULES

_SCALE = 1 << 40  # sqrt_upper's resolution for the ℓ2 form of T1d




def _sub(a: tuple[Fraction, ...], b: tuple[Fraction, ...], sign: int = 1) -> list[Fraction]:
    return [x - sign * y for x, y in zip(a, b)]


def _lipschitz(model: AffineSaliency, i: int, j: int, p: str, rule: str) -> Fraction:
    """The rule's bound L on ‖∇h_ij‖_q (for p = "2": a bound on L²)."""
    Ai, Aj = model.A[i], model.A[j]
    if rule == "t1a":
        if not model.absolute:
            return dual_norm(_sub(Ai, Aj), p)
        return max(dual_norm(_sub(Ai, Aj), p), dual_norm(_sub(Ai, Aj, -1), p))
    if rule == "t1c":
        if model.absolute:
            raise InvalidArgument("rule", rule, "t1a or t1d for absolute saliency", "T1c bounds signed gradient saliency only")
        row = max(dual_norm(list(r), p) for r in model.A)
        return 2 * row if p == "inf" else 4 * row
    if rule == "t1d":
        a, b = dual_norm(list(Ai), p), dual_norm(list(Aj), p)
        return a + b if p == "inf" else a + b + 2 * sqrt_upper(a * b, _SCALE)
    if rule in ("sign", "kk1-gap"):
        if rule == "kk1-gap":
            return _lipschitz(model, i, j, p, "t1a")
        gi, gj = model.g[i], model.g[j]
        si, sj = (gi > 0) - (gi < 0), (gj > 0) - (gj < 0)
        return dual_norm(_sub(Ai, Aj, si * sj), p)
    raise InvalidArgument("rule", rule, f"one of {', '.join(RULES)}")


def pair_certificate(model: AffineSaliency, i: int, j: int, p: str, rule: str) -> Fraction | None:
    """h / L for one pair (squared for ℓ2); 0 when h <= 0, None (∞) when L = 0 and h > 0."""
    s = model.saliency()
    gap = s[i] - s[j]
    if gap <= 0:
        return Fraction(0)
    L = _lipschitz(model, i, j, p, rule)
    if L == 0:
        return None
    return gap / L if p == "inf" else gap * gap / L


def certify(model: AffineSaliency, k: int, p: str, rule: str) -> Fraction | None:
    """The rule's certified top-k radius (T1b: the minimum over cross pairs; ℓ2 squared)."""
    if rule not in RULES:
        raise InvalidArgument("rule", rule, f"one of {', '.join(RULES)}")
    top = model.top_k(k)
    pairs = cross_pairs(top, model.n)
    if rule == "kk1-gap":
        s = model.saliency()
        kth = min(top, key=lambda i: (s[i], -i))
        outside = [j for j in range(model.n) if j not in top]
        nxt = max(outside, key=lambda j: (s[j], -j))
        pairs = [(kth, nxt)]
    best: Fraction | None = None
    for i, j in pairs:
        value = pair_certificate(model, i, j, p, rule)
        if value is not None and (best is None or value < best):
            best = value
    return best


RuleFunction = Callable[[AffineSaliency, int, str], "Fraction | None"]
