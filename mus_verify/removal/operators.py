"""Summary techniques as exact linear operators φ = A v, A ∈ Q^{d × 2^d} (Lin, Covert & Lee 2023, §3).

Columns are coalitions by bitmask (:mod:`.subsets`). Entries (paper's operator table):

====================  ===============================  ================================
summary               A_{iS}, i ∈ S                    A_{iS}, i ∉ S
====================  ===============================  ================================
leave-one-out (LOO)   1{|S| = d}                       −1{|S| = d−1}
Shapley               (|S|−1)!(d−|S|)!/d!              −|S|!(d−|S|−1)!/d!
Banzhaf               2^{1−d}                          −2^{1−d}
mean-when-included    2^{1−d}                          0
====================  ===============================  ================================

A semivalue with weights p_0..p_{d−1} has A_{iS} = p_{|S|−1} (i ∈ S) and −p_{|S|} (i ∉ S);
LOO, Shapley and Banzhaf are semivalues. Exact LIME is the feature rows of the weighted
least-squares solution (Zᵀ W Z)^{−1} Zᵀ W with an intercept over all 2^d subsets.

>>> [[str(a) for a in row] for row in shapley(2).rows]   # columns ∅, {0}, {1}, {0, 1}
[['-1/2', '1/2', '-1/2', '1/2'], ['-1/2', '-1/2', '1/2', '1/2']]
>>> apply(shapley(2), [0, 1, 2, 5])
(Fraction(2, 1), Fraction(3, 1))
>>> lime(3).rows == banzhaf(3).rows   # unweighted least squares with intercept is Banzhaf
True
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Sequence

from .._validation import as_fraction
from ..errors import InvalidArgument
from .subsets import check_d, size

__all__ = [
    "SummaryOperator", "apply", "loo", "shapley", "banzhaf", "mean_when_included", "semivalue",
    "semivalue_weights", "lime", "by_name", "SUMMARIES", "BOUNDED_SUMMARIES",
]

Row = tuple[Fraction, ...]


@dataclass(frozen=True)
class SummaryOperator:
    """A named exact operator; ``rows[i][S]`` is A_{iS}. ``semivalue_p`` is set for semivalues."""

    name: str
    d: int
    rows: tuple[Row, ...]
    semivalue_p: tuple[Fraction, ...] | None = None

    def __post_init__(self) -> None:
        if len(self.rows) != self.d or any(len(r) != 1 << self.d for r in self.rows):
            raise ValueError(f"{self.name}: expected a {self.d} x {1 << self.d} matrix")

    @functools.cached_property
    def _scaled(self) -> tuple[list[list[int]], int]:
        denominator = math.lcm(*{a.denominator for row in self.rows for a in row})
        return [[a.numerator * (denominator // a.denominator) for a in row] for row in self.rows], denominator

    def scaled(self) -> tuple[list[list[int]], int]:
        """(integer matrix N, common denominator D) with A = N / D, for fast exact norms (cached)."""
        return self._scaled


def apply(operator: SummaryOperator, v: Sequence[Fraction | int]) -> tuple[Fraction, ...]:
    """φ = A v, exactly."""
    if len(v) != 1 << operator.d:
        raise InvalidArgument("v", f"<{len(v)} values>", f"a game with 2^{operator.d} = {1 << operator.d} values")
    return tuple(sum((a * v[S] for S, a in enumerate(row) if a), Fraction(0)) for row in operator.rows)


def semivalue(p: Sequence[Fraction | int | str], name: str = "semivalue") -> SummaryOperator:
    """The semivalue φ_i = Σ_{S ∌ i} p_{|S|} [v(S ∪ i) − v(S)] for weights p_0..p_{d−1} (not checked here)."""
    weights = tuple(as_fraction(x, "p") for x in p)
    d = check_d(len(weights), "len(p)")
    rows = []
    for i in range(d):
        row = []
        for S in range(1 << d):
            s = size(S)
            row.append(weights[s - 1] if S >> i & 1 else -weights[s] if s < d else Fraction(0))
        rows.append(tuple(row))
    return SummaryOperator(name, d, tuple(rows), weights)


def semivalue_weights(name: str, d: int) -> tuple[Fraction, ...]:
    """p_s of the named semivalue: Shapley s!(d−1−s)!/d!, Banzhaf 2^{1−d}, LOO 1{s = d−1}."""
    d = check_d(d)
    if name == "shapley":
        return tuple(Fraction(math.factorial(s) * math.factorial(d - 1 - s), math.factorial(d)) for s in range(d))
    if name == "banzhaf":
        return tuple(Fraction(1, 2 ** (d - 1)) for _ in range(d))
    if name == "loo":
        return tuple(Fraction(int(s == d - 1)) for s in range(d))
    raise InvalidArgument("semivalue", name, "one of shapley, banzhaf, loo")


def shapley(d: int) -> SummaryOperator:
    return semivalue(semivalue_weights("shapley", d), "shapley")


def banzhaf(d: int) -> SummaryOperator:
    return semivalue(semivalue_weights("banzhaf", d), "banzhaf")


def loo(d: int) -> SummaryOperator:
    return semivalue(semivalue_weights("loo", d), "loo")


def mean_when_included(d: int) -> SummaryOperator:
    """RISE: φ_i = 2^{1−d} Σ_{S ∋ i} v(S). Not a semivalue and not bounded."""
    d = check_d(d)
    weight = Fraction(1, 2 ** (d - 1))
    rows = tuple(tuple(weight if S >> i & 1 else Fraction(0) for S in range(1 << d)) for i in range(d))
    return SummaryOperator("mwi", d, rows)


def lime(d: int, kernel: Sequence[Fraction | int | str] | None = None, name: str | None = None) -> SummaryOperator:
    """Exact LIME: feature rows of (Zᵀ W Z)^{−1} Zᵀ W, Z's rows [1, 1_S] over all S, W = diag(kernel[|S|]).

    ``kernel`` gives one positive rational weight per coalition size 0..d (default: all 1,
    which makes LIME equal to Banzhaf). Zᵀ W Z is inverted exactly by Gauss–Jordan.
    """
    d = check_d(d, high=10)
    weights = tuple(as_fraction(x, "kernel") for x in (kernel if kernel is not None else [1] * (d + 1)))
    if len(weights) != d + 1 or any(w <= 0 for w in weights):
        raise InvalidArgument("kernel", [str(w) for w in weights], f"{d + 1} positive weights, one per coalition size 0..{d}")
    columns = [(1,) + tuple(S >> i & 1 for i in range(d)) for S in range(1 << d)]
    n = d + 1
    gram = [[sum((weights[size(S)] * z[a] * z[b] for S, z in enumerate(columns) if z[a] and z[b]), Fraction(0)) for b in range(n)] for a in range(n)]
    inverse = _inverse(gram)
    rows = []
    for i in range(1, n):
        rows.append(tuple(weights[size(S)] * sum((inverse[i][a] for a in range(n) if z[a]), Fraction(0)) for S, z in enumerate(columns)))
    return SummaryOperator(name or ("lime" if kernel is None else "lime-kernel"), d, tuple(rows))


def _inverse(matrix: list[list[Fraction]]) -> list[list[Fraction]]:
    n = len(matrix)
    work = [list(row) + [Fraction(int(i == j)) for j in range(n)] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = next((r for r in range(col, n) if work[r][col] != 0), None)
        if pivot is None:
            raise InvalidArgument("kernel", "(singular)", "weights for which Zᵀ W Z is invertible")
        work[col], work[pivot] = work[pivot], work[col]
        scale = work[col][col]
        work[col] = [x / scale for x in work[col]]
        for r in range(n):
            if r != col and work[r][col] != 0:
                factor = work[r][col]
                work[r] = [x - factor * y for x, y in zip(work[r], work[col])]
    return [row[n:] for row in work]


SUMMARIES: dict[str, Callable[[int], SummaryOperator]] = {
    "loo": loo,
    "shapley": shapley,
    "banzhaf": banzhaf,
    "mwi": mean_when_included,
    "lime": lime,
    # exact LIME with kernel weight |S| + 1: not bounded, not symmetric-in-norm to Banzhaf; h = ‖A‖_{1,∞}
    "lime-size-weighted": lambda d: lime(d, [s + 1 for s in range(d + 1)], "lime-size-weighted"),
}
"""The built-in summaries by name (planted ones live in :mod:`.planted`)."""

BOUNDED_SUMMARIES = ("loo", "shapley", "banzhaf")
"""The summaries with the boundedness property (probabilistic values; row ℓ1 norm 2)."""


def by_name(name: str, d: int) -> SummaryOperator:
    """A built-in or planted summary by name (planted names start with ``planted-``)."""
    if name in SUMMARIES:
        return SUMMARIES[name](d)
    from . import planted

    if name in planted.PLANTED_OPERATORS:
        return planted.PLANTED_OPERATORS[name](d)
    raise InvalidArgument("summary", name, f"one of {', '.join(SUMMARIES)} or a planted operator ({', '.join(planted.PLANTED_OPERATORS)})")

