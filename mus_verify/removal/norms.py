"""Exact norms of summary operators (Lemmas C1, C2; notes §6).

* row ℓ1 norms and ‖A‖_{1,∞}² = Σ_i ‖A_{i·}‖_1² (Lemma C1's constant; Lemma C2: 4d when bounded),
* the Gram matrix A Aᵀ, its structure a I + b (J − I) and so the exact spectral norm
  ‖A‖_2² = max(a − b, a + (d − 1) b) (the closed forms of the notes are checked against this),
* the exact ∞→2 norm max_{w ∈ {±1}^{2^d}} ‖A w‖_2² by vertex enumeration (d ≤ 4): a convex
  function on a box peaks at a vertex, and w ↦ −w leaves ‖A w‖ unchanged, so w_∅ = +1 is fixed.

Everything is an exact rational; square roots only appear as "compare the squares".

>>> from .operators import shapley, banzhaf
>>> one_inf_squared(shapley(3)), spectral_squared(shapley(3)), spectral_squared(banzhaf(3))
(Fraction(12, 1), Fraction(2, 3), Fraction(1, 2))
>>> infinity_to_two_squared(shapley(2))[0]
Fraction(4, 1)
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Sequence

import numpy as np

from ..errors import InvalidArgument
from .operators import SummaryOperator
from .._exact_roots import sqrt_lower, sqrt_upper  # noqa: F401  (re-exported)

__all__ = [
    "row_l1", "one_inf_squared", "gram", "gram_structure", "spectral_squared", "spectral_squared_closed_form",
    "semivalue_spectral_squared", "infinity_to_two_squared", "MAX_VERTEX_D", "sqrt_upper", "sqrt_lower",
]

MAX_VERTEX_D = 4
"""Vertex enumeration visits 2^{2^d − 1} vertices: 32,768 at d = 4, 2^31 at d = 5 (too many)."""


def row_l1(operator: SummaryOperator) -> tuple[Fraction, ...]:
    numerators, denominator = operator.scaled()
    return tuple(Fraction(sum(abs(a) for a in row), denominator) for row in numerators)


def one_inf_squared(operator: SummaryOperator) -> Fraction:
    """‖A‖_{1,∞}² = Σ_i ‖A_{i·}‖_1² (Lemma C1)."""
    return sum((r * r for r in row_l1(operator)), Fraction(0))


def gram(operator: SummaryOperator) -> list[list[Fraction]]:
    """A Aᵀ exactly (through the integer matrix N = D A, so the sums are integer sums)."""
    numerators, denominator = operator.scaled()
    d = operator.d
    return [[Fraction(sum(x * y for x, y in zip(numerators[i], numerators[j])), denominator * denominator) for j in range(d)] for i in range(d)]


def gram_structure(operator: SummaryOperator) -> tuple[Fraction, Fraction] | None:
    """(a, b) with A Aᵀ = a I + b (J − I), or None when A Aᵀ has another form."""
    g = gram(operator)
    a = g[0][0]
    b = g[0][1] if operator.d > 1 else Fraction(0)
    for i in range(operator.d):
        for j in range(operator.d):
            if g[i][j] != (a if i == j else b):
                return None
    return a, b


def spectral_squared(operator: SummaryOperator) -> Fraction:
    """‖A‖_2² exactly, for operators whose Gram matrix is a I + b (J − I) (every symmetric summary).

    The eigenvalues are a − b on 1^⊥ and a + (d − 1) b on 1; an operator without that
    structure is refused rather than bounded loosely.
    """
    structure = gram_structure(operator)
    if structure is None:
        raise InvalidArgument("operator", operator.name, "an operator with A Aᵀ = a I + b (J − I) (a symmetric summary)")
    a, b = structure
    if operator.d == 1:
        return a
    return max(a - b, a + (operator.d - 1) * b)


def semivalue_spectral_squared(p: Sequence[Fraction]) -> Fraction:
    """The notes' closed form for a semivalue with weights p_0..p_{d−1} (p_{−1} = p_d = 0)::

        ‖A‖_2² = max( Σ_{k=0}^{d−2} C(d−2,k) (p_k + p_{k+1})²,
                      (1/d) Σ_{t=0}^{d} C(d,t) (t p_{t−1} − (d−t) p_t)² )
    """
    d = len(p)
    padded = {k: Fraction(p[k]) for k in range(d)}

    def at(k: int) -> Fraction:
        return padded.get(k, Fraction(0))

    off = sum((math.comb(d - 2, k) * (at(k) + at(k + 1)) ** 2 for k in range(d - 1)), Fraction(0)) if d >= 2 else Fraction(0)
    along = sum((math.comb(d, t) * (t * at(t - 1) - (d - t) * at(t)) ** 2 for t in range(d + 1)), Fraction(0)) / d
    return max(off, along)


def spectral_squared_closed_form(name: str, d: int) -> Fraction:
    """The notes' closed forms: Shapley 2/d (d ≥ 2; its 1^⊥ eigenvalue is smaller), Banzhaf 4/2^d,
    LOO d + 1 (A Aᵀ = I + J), MWI (d + 1)/2^d (A Aᵀ = 2^{−d}(I + J))."""
    if name == "shapley":
        return Fraction(2, d) if d >= 2 else Fraction(2)
    if name == "banzhaf":
        return Fraction(4, 2 ** d)
    if name == "loo":
        return Fraction(d + 1)
    if name == "mwi":
        return Fraction(d + 1, 2 ** d)
    raise InvalidArgument("summary", name, "one of shapley, banzhaf, loo, mwi")


def infinity_to_two_squared(operator: SummaryOperator, *, max_d: int = MAX_VERTEX_D) -> tuple[Fraction, tuple[int, ...]]:
    """(max_{‖w‖_∞ ≤ 1} ‖A w‖_2², a maximising vertex w ∈ {±1}^{2^d}) by enumerating every vertex.

    Exact: the products are integer (A = N / D) and int64 holds them for d ≤ 4.
    """
    d = operator.d
    if d > max_d:
        raise InvalidArgument("d", d, f"an integer in 1..{max_d} (vertex enumeration visits 2^(2^d - 1) vertices)")
    numerators, denominator = operator.scaled()
    n = np.array(numerators, dtype=np.int64)
    columns = 1 << d
    free = columns - 1
    codes = np.arange(1 << free, dtype=np.int64)
    signs = np.ones((codes.size, columns), dtype=np.int64)
    for bit in range(free):  # column S = bit + 1; column 0 (the empty set) stays +1
        signs[:, bit + 1] = 1 - 2 * ((codes >> bit) & 1)
    products = signs @ n.T
    values = (products * products).sum(axis=1)
    best = int(np.argmax(values))
    return Fraction(int(values[best]), denominator * denominator), tuple(int(s) for s in signs[best])


# sqrt_upper / sqrt_lower live in mus_verify._exact_roots (shared with the top-k family); re-exported here.
