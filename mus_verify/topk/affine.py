"""The exact model family: affine saliency I(x + δ) = g + A δ, signed or absolute (r2et-notes §6).

A quadratic model f = ½ xᵀAx + bᵀx has gradient saliency g = Ax + b and constant Hessian A
(symmetric); :func:`from_quadratic` builds that case. The class also accepts a non-symmetric A,
which models any explainer whose saliency is affine in the input (the notes' sign-bound
counterexample uses rows a_i = a_j = (1, 0)). With ``absolute=True`` the saliency is |g + Aδ|,
the official code's choice.

Exact flip radii. A cross pair (i, j) (i in the top-k set S at x, j not) *flips* at δ when
I_j(x + δ) >= I_i(x + δ): a tie counts as a change (the tie policy of :mod:`.ranking`). The flip
region is a polyhedron (signed: one half-space; absolute: |u| >= |v| is the union of
{u − v >= 0, u + v >= 0} and {−u − v >= 0, v − u >= 0}), so the exact pair radius is an exact LP
(:mod:`.exact_lp`), and the exact set radius is the minimum over cross pairs (T1b): for every
‖δ‖_p < r* the top-k set is unchanged under a strict order, and some δ with ‖δ‖_p = r* ties or
flips a cross pair. ℓ2 radii are returned squared. ``None`` means infinite (no flip anywhere).

>>> model = AffineSaliency.create([2, Fraction(1, 1000)], [[1, 0], [1, 0]], absolute=True)
>>> model.exact_pair_value(0, 1, "inf")
Fraction(2001, 2000)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

from .._validation import as_fraction
from ..errors import InvalidArgument
from .exact_lp import MAX_DIMENSION, min_norm, min_norm_point
from .ranking import cross_pairs, top_k

__all__ = ["AffineSaliency", "from_quadratic", "dual_norm", "Radius"]

Radius = tuple[Fraction, tuple[Fraction, ...]] | None
"""``(value, δ)`` with δ a point attaining it, or None for an infinite radius."""


def dual_norm(vector: Sequence[Fraction], p: str) -> Fraction:
    """‖a‖_q for the dual q of p: ℓ1 for p = "inf"; for p = "2" the *squared* ℓ2 norm."""
    if p == "inf":
        return sum((abs(a) for a in vector), Fraction(0))
    if p == "2":
        return sum((a * a for a in vector), Fraction(0))
    raise InvalidArgument("p", p, "'inf' or '2'")


def _matrix(rows: Sequence[Sequence[Any]], argument: str) -> tuple[tuple[Fraction, ...], ...]:
    try:
        out = tuple(tuple(as_fraction(v, f"{argument}[{r}][{c}]") for c, v in enumerate(row)) for r, row in enumerate(rows))
    except TypeError:
        raise InvalidArgument(argument, rows, "a list of rows of numbers") from None
    if not out or len({len(row) for row in out}) != 1 or not out[0]:
        raise InvalidArgument(argument, rows, "a non-empty rectangular list of rows")
    return out


@dataclass(frozen=True)
class AffineSaliency:
    """I(x + δ) = g + A δ (or its absolute value), with g ∈ Q^n and A ∈ Q^{n×d}."""

    g: tuple[Fraction, ...]
    A: tuple[tuple[Fraction, ...], ...]
    absolute: bool = False

    @classmethod
    def create(cls, g: Sequence[Any], A: Sequence[Sequence[Any]], *, absolute: bool = False) -> "AffineSaliency":
        gs = tuple(as_fraction(v, f"g[{i}]") for i, v in enumerate(g))
        As = _matrix(A, "A")
        if len(As) != len(gs):
            raise InvalidArgument("A", f"{len(As)} rows", f"{len(gs)} rows, one per feature of g")
        if len(As[0]) > MAX_DIMENSION:
            raise InvalidArgument("A", f"{len(As[0])} columns", f"at most {MAX_DIMENSION} input dimensions for exact radii")
        return cls(gs, As, bool(absolute))

    @property
    def n(self) -> int:
        return len(self.g)

    @property
    def dim(self) -> int:
        return len(self.A[0])

    def saliency(self, delta: Sequence[Any] | None = None) -> tuple[Fraction, ...]:
        d = [Fraction(0)] * self.dim if delta is None else [as_fraction(v, "delta") for v in delta]
        if len(d) != self.dim:
            raise InvalidArgument("delta", delta, f"a vector of length {self.dim}")
        values = tuple(gi + sum(a * x for a, x in zip(row, d)) for gi, row in zip(self.g, self.A))
        return tuple(abs(v) for v in values) if self.absolute else values

    def top_k(self, k: int) -> tuple[int, ...]:
        return top_k(self.saliency(), k)

    def flip_regions(self, i: int, j: int) -> list[tuple[list[list[Fraction]], list[Fraction]]]:
        """Polyhedra {C δ >= d} whose union is {δ : I_j(x+δ) >= I_i(x+δ)}."""
        u_row, u0 = list(self.A[j]), self.g[j]  # u = g_j + A_j δ
        v_row, v0 = list(self.A[i]), self.g[i]  # v = g_i + A_i δ

        def half(su: int, sv: int) -> tuple[list[Fraction], Fraction]:
            # su·u + sv·v >= 0  <=>  (su A_j + sv A_i) δ >= −(su g_j + sv g_i)
            return [su * a + sv * b for a, b in zip(u_row, v_row)], -(su * u0 + sv * v0)

        if not self.absolute:
            row, rhs = half(1, -1)
            return [([row], [rhs])]
        regions = []
        for pair in (((1, -1), (1, 1)), ((-1, -1), (-1, 1))):
            (r1, b1), (r2, b2) = half(*pair[0]), half(*pair[1])
            regions.append(([r1, r2], [b1, b2]))
        return regions

    def exact_pair_radius(self, i: int, j: int, p: str) -> Radius:
        """min ‖δ‖_p (squared for ℓ2) over the flip region of (i, j) with a δ attaining it; None if empty."""
        best: Radius = None
        for C, d in self.flip_regions(i, j):
            found = min_norm_point(C, d, p)
            if found is not None and (best is None or found[0] < best[0]):
                best = found
        return best

    def exact_pair_value(self, i: int, j: int, p: str) -> Fraction | None:
        """The value of :meth:`exact_pair_radius` alone (faster: no minimiser is built)."""
        values = [v for v in (min_norm(C, d, p) for C, d in self.flip_regions(i, j)) if v is not None]
        return min(values, default=None)

    def exact_set_radius(self, k: int, p: str) -> tuple[Fraction | None, tuple[int, int] | None]:
        """The exact top-k radius (T1b: minimum over cross pairs, ℓ2 squared) and the pair attaining it."""
        best: Fraction | None = None
        best_pair = None
        for i, j in cross_pairs(self.top_k(k), self.n):
            value = self.exact_pair_value(i, j, p)
            if value is not None and (best is None or value < best):
                best, best_pair = value, (i, j)
        return best, best_pair

    def spec(self) -> dict[str, Any]:
        return {"g": list(self.g), "A": [list(row) for row in self.A], "absolute": self.absolute}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> "AffineSaliency":
        return cls.create(spec["g"], spec["A"], absolute=bool(spec.get("absolute", False)))


def from_quadratic(A: Sequence[Sequence[Any]], b: Sequence[Any], x: Sequence[Any], *, absolute: bool = False) -> AffineSaliency:
    """Gradient saliency of f = ½ xᵀAx + bᵀx at x: g = A x + b, Hessian A (must be symmetric)."""
    As = _matrix(A, "A")
    n = len(As)
    if any(len(row) != n for row in As):
        raise InvalidArgument("A", f"{n}x{len(As[0])}", "a square matrix (the Hessian)")
    if any(As[r][c] != As[c][r] for r in range(n) for c in range(n)):
        raise InvalidArgument("A", [list(map(str, row)) for row in As], "a symmetric matrix (a Hessian)")
    bs = [as_fraction(v, f"b[{i}]") for i, v in enumerate(b)]
    xs = [as_fraction(v, f"x[{i}]") for i, v in enumerate(x)]
    if len(bs) != n or len(xs) != n:
        raise InvalidArgument("b, x", (len(bs), len(xs)), f"vectors of length {n}")
    g = [sum(a * xv for a, xv in zip(row, xs)) + bi for row, bi in zip(As, bs)]
    return AffineSaliency.create(g, As, absolute=absolute)
