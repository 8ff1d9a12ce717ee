"""Properties of a linear summary (paper §3): efficiency, boundedness, symmetry — decided exactly.

Each function returns None when the property holds for every game, else a witness game v
(and feature) on which it fails, so the failure replays from numbers alone.

* Efficiency: Σ_i φ_i = v([d]) − v(∅) for all v ⇔ 1ᵀ A = e_{[d]} − e_∅; a failing column S
  gives the unit game v = e_S.
* Boundedness: min_T Δ_i v(T) ≤ φ_i ≤ max_T Δ_i v(T) for all v ⇔ row i is a probability
  distribution c over the marginal contributions (A_{i,T∪i} = −A_{i,T} = c_T ≥ 0, Σ c_T = 1)
  [notes §1, DERIVED]. Each way of failing has a two-valued witness game (see
  :func:`boundedness_witness`).
* Symmetry: A is equivariant under every transposition of two features.

>>> from .operators import shapley, mean_when_included
>>> efficiency_witness(shapley(3)) is None, boundedness_witness(shapley(3)) is None
(True, True)
>>> boundedness_witness(mean_when_included(2))
(0, (Fraction(1, 1), Fraction(1, 1), Fraction(0, 1), Fraction(0, 1)))
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

from .operators import SummaryOperator, apply
from .subsets import full

__all__ = ["efficiency_witness", "efficiency_holds_on", "boundedness_witness", "bounded_on", "symmetry_witness", "marginal_range"]

Game = tuple[Fraction, ...]


def _unit(d: int, *masks: int) -> Game:
    return tuple(Fraction(int(S in masks)) for S in range(1 << d))


def efficiency_holds_on(operator: SummaryOperator, v: Sequence[Fraction]) -> bool:
    """Σ_i φ_i == v([d]) − v(∅) on this game."""
    return sum(apply(operator, v), Fraction(0)) == v[full(operator.d)] - v[0]


def efficiency_witness(operator: SummaryOperator) -> Game | None:
    d = operator.d
    for S in range(1 << d):
        column = sum((row[S] for row in operator.rows), Fraction(0))
        expected = Fraction(int(S == full(d)) - int(S == 0))
        if column != expected:
            return _unit(d, S)
    return None


def marginal_range(v: Sequence[Fraction], i: int, d: int) -> tuple[Fraction, Fraction]:
    """(min_T Δ_i v(T), max_T Δ_i v(T)) over T ⊆ [d] \\ {i}."""
    deltas = [v[T | 1 << i] - v[T] for T in range(1 << d) if not T >> i & 1]
    return min(deltas), max(deltas)


def bounded_on(operator: SummaryOperator, v: Sequence[Fraction], i: int) -> bool:
    low, high = marginal_range(v, i, operator.d)
    return low <= apply(operator, v)[i] <= high


def boundedness_witness(operator: SummaryOperator) -> tuple[int, Game] | None:
    """(feature i, game v) with φ_i(v) outside [min Δ_i v, max Δ_i v], or None if A is bounded.

    * A_{i,T} + A_{i,T∪i} ≠ 0: v = 1 on T and T ∪ i makes every Δ_i v zero but φ_i ≠ 0;
    * A_{i,T∪i} < 0: v = e_{T∪i} has Δ_i v ∈ {0, 1} but φ_i < 0;
    * Σ_T A_{i,T∪i} ≠ 1: v(S) = 1{i ∈ S} has every Δ_i v = 1 but φ_i ≠ 1.
    """
    d = operator.d
    for i, row in enumerate(operator.rows):
        others = [T for T in range(1 << d) if not T >> i & 1]
        for T in others:
            if row[T] + row[T | 1 << i] != 0:
                return i, _unit(d, T, T | 1 << i)
        for T in others:
            if row[T | 1 << i] < 0:
                return i, _unit(d, T | 1 << i)
        if sum((row[T | 1 << i] for T in others), Fraction(0)) != 1:
            return i, tuple(Fraction(S >> i & 1) for S in range(1 << d))
    return None


def _swap(S: int, i: int, j: int) -> int:
    bi, bj = S >> i & 1, S >> j & 1
    return S & ~(1 << i) & ~(1 << j) | bi << j | bj << i


def symmetry_witness(operator: SummaryOperator) -> tuple[int, int, int] | None:
    """(i, j, S) with A_{iS} ≠ A_{j, π(S)} for the transposition π = (i j), else None.

    The adjacent transpositions (i, i + 1) generate every permutation, so they suffice."""
    numerators, _ = operator.scaled()
    d = operator.d
    for i in range(d - 1):
        j = i + 1
        for S in range(1 << d):
            if numerators[i][S] != numerators[j][_swap(S, i, j)]:
                return i, j, S
    return None
