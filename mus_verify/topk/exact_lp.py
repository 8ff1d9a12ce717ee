"""Smallest ℓ∞ or squared-ℓ2 norm of a point of a polyhedron {δ : C δ >= d}, in exact rationals.

The flip regions of affine saliency are such polyhedra (one per sign pattern for absolute
saliency), so the exact top-k radius is a minimum of these values. Small dimensions only
(n <= 6): the solvers enumerate candidate points, which is exact and easy to audit.

* ℓ∞: minimise t subject to C δ >= d and −t <= δ_l <= t. The feasible set in (δ, t) is pointed (the
  2n box rows span R^{n+1}), so a finite optimum is attained at a vertex: every choice of n + 1
  linearly independent active rows is solved exactly and the feasible one with the least t wins.
* ℓ2²: the minimiser satisfies KKT with some set J of linearly independent active rows:
  δ = C_Jᵀ μ with C_J C_Jᵀ μ = d_J and μ >= 0; every such J is tried (the problem is convex, so
  KKT is sufficient), and the feasible candidate with the least ‖δ‖² wins.

Both return ``(value, point)`` or ``None`` when the polyhedron is empty. :func:`min_norm` gives
the value alone and, for ℓ∞ with at most two rows (every flip region of affine saliency), reads it
off the LP dual instead: by strong duality min ‖δ‖∞ = max(0, max_{μ >= 0} μ·d / ‖Cᵀμ‖₁), and with
μ = (1 − θ, θ) the ratio is linear-fractional on each piece where ‖Cᵀμ‖₁ is linear, so its maximum
sits at θ ∈ {0, 1} or where a component of Cᵀμ vanishes; a μ with Cᵀμ = 0 and μ·d > 0 is a Farkas
certificate that the region is empty. The test suite checks both forms agree.

>>> min_norm_point([[1, 0]], [2], "inf")[0]   # the minimiser need not be unique in ℓ∞
Fraction(2, 1)
>>> min_norm_point([[1, 1]], [2], "2")[0]
Fraction(2, 1)
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations
from typing import Sequence

from ..errors import InvalidArgument

__all__ = ["min_norm", "min_norm_point", "solve", "MAX_DIMENSION", "NORMS"]

MAX_DIMENSION = 6
NORMS = ("inf", "2")

Matrix = list[list[Fraction]]


def solve(matrix: Sequence[Sequence[Fraction]], rhs: Sequence[Fraction]) -> list[Fraction] | None:
    """The unique solution of a square system by exact Gaussian elimination, or None if singular."""
    size = len(matrix)
    rows = [list(map(Fraction, row)) + [Fraction(b)] for row, b in zip(matrix, rhs)]
    for col in range(size):
        pivot = next((r for r in range(col, size) if rows[r][col] != 0), None)
        if pivot is None:
            return None
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(size):
            if r != col and rows[r][col] != 0:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col])]
    return [rows[i][size] / rows[i][i] for i in range(size)]


def _feasible(C: Matrix, d: list[Fraction], point: Sequence[Fraction]) -> bool:
    return all(sum(c * x for c, x in zip(row, point)) >= b for row, b in zip(C, d))


def _clean(C: Sequence[Sequence[object]], d: Sequence[object]) -> tuple[Matrix, list[Fraction]] | None:
    """Drop rows 0·δ >= b with b <= 0 (always true); None if a row 0·δ >= b with b > 0 (empty)."""
    rows: Matrix = []
    rhs: list[Fraction] = []
    for row, b in zip(C, d):
        frow = [Fraction(c) for c in row]  # type: ignore[call-overload]
        fb = Fraction(b)  # type: ignore[call-overload]
        if all(c == 0 for c in frow):
            if fb > 0:
                return None
            continue
        rows.append(frow)
        rhs.append(fb)
    return rows, rhs


def min_norm_point(C: Sequence[Sequence[object]], d: Sequence[object], p: str) -> tuple[Fraction, tuple[Fraction, ...]] | None:
    """``(min ‖δ‖_p, δ)`` over {C δ >= d}; for p = "2" the value is the *squared* norm."""
    if p not in NORMS:
        raise InvalidArgument("p", p, "'inf' or '2'")
    if not C:
        raise InvalidArgument("C", C, "at least one constraint row")
    n = len(C[0])
    if not 1 <= n <= MAX_DIMENSION:
        raise InvalidArgument("C", f"{n} columns", f"1..{MAX_DIMENSION} columns (the exact solver enumerates vertices)")
    cleaned = _clean(C, d)
    if cleaned is None:
        return None
    rows, rhs = cleaned
    zero = tuple(Fraction(0) for _ in range(n))
    if _feasible(rows, rhs, zero):
        return Fraction(0), zero
    return _min_inf(rows, rhs, n) if p == "inf" else _min_l2(rows, rhs, n)


def _min_inf(rows: Matrix, rhs: list[Fraction], n: int) -> tuple[Fraction, tuple[Fraction, ...]] | None:
    # Constraints on z = (δ, t) as A z >= b.
    A: Matrix = [row + [Fraction(0)] for row in rows]
    b = list(rhs)
    for l in range(n):
        unit = [Fraction(0)] * (n + 1)
        unit[l], unit[n] = Fraction(-1), Fraction(1)
        A.append(list(unit))
        b.append(Fraction(0))
        unit[l] = Fraction(1)
        A.append(list(unit))
        b.append(Fraction(0))
    best: tuple[Fraction, tuple[Fraction, ...]] | None = None
    for active in combinations(range(len(A)), n + 1):
        z = solve([A[r] for r in active], [b[r] for r in active])
        if z is None or not _feasible(A, b, z):
            continue
        if best is None or z[n] < best[0]:
            best = (z[n], tuple(z[:n]))
    return best


def _min_l2(rows: Matrix, rhs: list[Fraction], n: int) -> tuple[Fraction, tuple[Fraction, ...]] | None:
    best: tuple[Fraction, tuple[Fraction, ...]] | None = None
    for size in range(1, min(len(rows), n) + 1):
        for active in combinations(range(len(rows)), size):
            CJ = [rows[r] for r in active]
            gram = [[sum((a * c for a, c in zip(ri, rj)), Fraction(0)) for rj in CJ] for ri in CJ]
            mu = solve(gram, [rhs[r] for r in active])
            if mu is None or any(m < 0 for m in mu):
                continue
            point = tuple(sum((m * CJ[r][l] for r, m in enumerate(mu)), Fraction(0)) for l in range(n))
            if not _feasible(rows, rhs, point):
                continue
            value = sum((x * x for x in point), Fraction(0))
            if best is None or value < best[0]:
                best = (value, point)
    return best


def min_norm(C: Sequence[Sequence[object]], d: Sequence[object], p: str) -> Fraction | None:
    """The value of :func:`min_norm_point` (None: empty), by the ℓ∞ dual when C has <= 2 rows."""
    if p != "inf" or not C or len(C) > 2:
        found = min_norm_point(C, d, p)
        return None if found is None else found[0]
    cleaned = _clean(C, d)
    if cleaned is None:
        return None
    rows, rhs = cleaned
    if not rows:
        return Fraction(0)
    if len(rows) == 1:
        return max(Fraction(0), rhs[0] / sum(abs(c) for c in rows[0]))
    (c1, c2), (d1, d2) = rows, rhs
    thetas = {Fraction(0), Fraction(1)}
    for a, b in zip(c1, c2):
        if a != b:
            theta = a / (a - b)
            if 0 < theta < 1:
                thetas.add(theta)
    best = Fraction(0)
    for theta in thetas:
        numerator = (1 - theta) * d1 + theta * d2
        norm = sum(abs((1 - theta) * a + theta * b) for a, b in zip(c1, c2))
        if norm == 0:
            if numerator > 0:
                return None  # Farkas: no δ satisfies both rows
            continue
        best = max(best, numerator / norm)
    return best
