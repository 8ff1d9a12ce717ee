"""Exact stability rates τ_r (Jin et al. 2025, Def. "soft stability"; notes §1.3-1.5), by enumeration.

For a classifier f, an input x and an explanation α,

    τ_r(f, x, α) = Pr_{α' ~ Unif(Δ_r(α))} [ f(x ⊙ α') ≅ f(x ⊙ α) ]

where ≅ is "same predicted class". The reference is the *masked* prediction
f(x ⊙ α), not f(x). Everything here is exact: a classifier at a fixed x is a
:class:`ScoreTable`, its class scores at **every** mask as integer numerators
over one denominator, and τ_r is a count over Δ_r, a :class:`Rate` (a Fraction
with denominator |Δ_r|).

Ties (notes §1.5). ``tie="strict"`` (the default): a mask whose top two classes
tie has *no* predicted class, and is never "same prediction", not even as the
reference (so τ_r = 0 at an α that ties). ``tie="lowest-index"`` mimics torch's
argmax: the lowest tied index wins. The MuS certificate (strict inequality)
rules out ties inside its radius, so the two agree there.

The same table serves the base classifier h (:meth:`ScoreTable.from_classifier`),
the exact MuS g over any mask distribution (:func:`smooth_table`, integers) and
i.i.d. Bernoulli(λ) smoothing (:func:`smooth_iid`, the tensor-product form
K^{⊗n}, notes §3.2.1). Variants: ``shape="exactly"`` (adding exactly r) and
``direction="remove"`` (the decremental analogue, subsets removing at most r
features, which the paper lacks).

>>> t = ScoreTable.from_rows([[0, 1], [1, 0], [1, 0], [0, 1]], 1)  # n = 2, class 1 at masks 00 and 11
>>> [str(stability_rate(t, 0b00, r).rate) for r in range(3)]   # τ is not monotone (notes §1.4)
['1', '1/3', '1/2']
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Literal, Sequence

import numpy as np

from .._validation import as_fraction, as_int, as_probability, check_probabilities
from ..errors import InvalidArgument
from ..core.bits import codes_from_masks, masks_from_codes, popcount
from .perturbations import (
    MAX_ENUMERATED_FEATURES,
    Direction,
    Shape,
    _check_direction,
    _check_shape,
    check_radius,
    free_positions,
)

__all__ = [
    "TiePolicy",
    "TIE_POLICIES",
    "ScoreTable",
    "Rate",
    "smooth_table",
    "smooth_distribution",
    "smooth_lqv",
    "smooth_iid",
    "predictions",
    "stability_rate",
    "rate_curve",
    "shell_counts",
    "hard_radius",
    "cone_codes",
]

TiePolicy = Literal["strict", "lowest-index"]
TIE_POLICIES = ("strict", "lowest-index")
NO_CLASS = -1


@dataclass(frozen=True)
class ScoreTable:
    """Exact class scores of one classifier at one input, at every mask: ``numerators[code, c] / denominator``.

    ``numerators`` is an int64 array, or an object array of Python ints when the
    values outgrow int64 (i.i.d. smoothing multiplies denominators).
    """

    n: int
    numerators: np.ndarray
    denominator: int

    def __post_init__(self) -> None:
        if self.numerators.shape[0] != 1 << self.n or self.numerators.ndim != 2 or self.numerators.shape[1] < 1:
            raise InvalidArgument("numerators", f"array of shape {self.numerators.shape}", f"(2^n, classes) = ({1 << self.n}, C >= 1) rows")
        if self.denominator <= 0:
            raise InvalidArgument("denominator", self.denominator, "a positive integer")

    @property
    def classes(self) -> int:
        return int(self.numerators.shape[1])

    def value(self, code: int) -> tuple[Fraction, ...]:
        return tuple(Fraction(int(v), self.denominator) for v in self.numerators[code])

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[Any]], denominator: int = 1) -> "ScoreTable":
        """A table from integer rows (one per mask code, 2^n of them)."""
        array = np.array([[int(v) for v in row] for row in rows], dtype=object)
        n = int(round(math.log2(max(1, array.shape[0]))))
        return cls(n, _compact(array), as_int(denominator, "denominator", low=1))

    @classmethod
    def from_fractions(cls, rows: Sequence[Sequence[Any]]) -> "ScoreTable":
        """A table from exact rational rows (anything Fraction accepts), over their common denominator."""
        values = [[as_fraction(v, "scores") for v in row] for row in rows]
        denominator = math.lcm(*[v.denominator for row in values for v in row]) if values else 1
        return cls.from_rows([[v.numerator * (denominator // v.denominator) for v in row] for row in values], denominator)

    @classmethod
    def from_classifier(cls, h: Callable[[np.ndarray], Any], x: Any, n: int, groups: Sequence[int] | None = None) -> "ScoreTable":
        """h(x ⊙ mask) at all 2^n masks, converted exactly (floats through ``Fraction(float)``, never rounded).

        ``h`` is batched: (B, d) masked inputs -> (B, C) scores. ``groups`` maps
        each of the d coordinates to one of the n mask bits (default: d = n).
        """
        from ..smoothing import check_groups, masked_inputs

        n = as_int(n, "n", low=0, high=MAX_ENUMERATED_FEATURES)
        x = np.asarray(x, dtype=np.float64)
        group_map = check_groups(groups, x.shape[0], n)
        masks = all_masks(n)
        outputs = getattr(h, "numerators", None)
        if callable(outputs) and hasattr(h, "denominator"):  # an exhaustive.ExactClassifier: integers already
            numerators = np.asarray(outputs(masked_inputs(x, group_map, masks)), dtype=np.int64)
            return cls(n, numerators, int(h.denominator))
        values, _ = check_probabilities(h(masked_inputs(x, group_map, masks)), masks.shape[0])
        return cls.from_fractions(values.tolist())


@dataclass(frozen=True)
class Rate:
    """τ_r = stable / size exactly, with the per-shell counts (shell j: C(m, j) masks adding j features)."""

    r: int
    stable: int
    size: int
    shells: tuple[tuple[int, int], ...]  # (size, stable) for j = 0..min(r, m) (one entry for shape="exactly")
    reference: int  # the predicted class at α (NO_CLASS = -1 under the strict tie policy at a tie)

    @property
    def rate(self) -> Fraction:
        if self.size == 0:
            raise InvalidArgument("r", self.r, "a radius with a non-empty perturbation set (exactly-r with r <= m)")
        return Fraction(self.stable, self.size)


def all_masks(n: int) -> np.ndarray:
    return masks_from_codes(np.arange(1 << n, dtype=np.int64), n)


def _compact(array: np.ndarray) -> np.ndarray:
    """int64 when every entry fits (with head-room for sums of 2^20 rows), else Python ints."""
    if array.size == 0:
        return array.astype(np.int64)
    biggest = max(abs(int(v)) for v in array.reshape(-1))
    return array.astype(np.int64) if biggest < 2**40 else array.astype(object)


def predictions(table: ScoreTable, tie: TiePolicy = "strict") -> np.ndarray:
    """Predicted class at every mask: argmax, NO_CLASS (-1) at a top tie under ``tie="strict"``."""
    if tie not in TIE_POLICIES:
        raise InvalidArgument("tie", tie, f"one of {TIE_POLICIES}")
    values = table.numerators
    winner = np.asarray(np.argmax(values, axis=1), dtype=np.int64)  # first maximal index, as torch
    if tie == "lowest-index":
        return winner
    top = values.max(axis=1)
    tied = np.asarray((values == top[:, None]).sum(axis=1), dtype=np.int64) > 1
    return np.where(tied, NO_CLASS, winner)


def smooth_table(table: ScoreTable, masks: np.ndarray, counts: Sequence[int]) -> ScoreTable:
    """Exact MuS over a finite mask law: G[α] = Σ_s count_s · H[α ∧ s], over Σ count · D (integers)."""
    masks = np.asarray(masks, dtype=bool)
    if masks.ndim != 2 or masks.shape[1] != table.n:
        raise InvalidArgument("masks", f"array of shape {masks.shape}", f"(N, {table.n}) noise masks")
    codes = codes_from_masks(masks)
    alphas = np.arange(1 << table.n, dtype=np.int64)
    out = np.zeros_like(table.numerators)
    for code, count in zip(codes.tolist(), counts):
        out = out + int(count) * table.numerators[alphas & code]
    return ScoreTable(table.n, _compact(np.asarray(out, dtype=object)) if out.dtype == object else out, table.denominator * int(sum(int(c) for c in counts)))


def smooth_distribution(table: ScoreTable, distribution: Any) -> ScoreTable:
    """Exact MuS over any :class:`~mus_verify.distributions.MaskDistribution` (L_qv, i.i.d., or a variant's finite law)."""
    masks, counts = distribution.support()
    return smooth_table(table, masks, counts)


def smooth_lqv(table: ScoreTable, seed_vector: Sequence[int], q: int, lam: Any) -> ScoreTable:
    """The toolkit's exact MuS g = E_{s ~ L_qv(λ)} h(· ∧ s) (mus-notes: q structured masks, each weight 1)."""
    from ..distributions import lqv

    distribution = lqv(seed_vector, q, lam)
    masks, counts = distribution.support()
    return smooth_table(table, masks, counts)


def smooth_iid(table: ScoreTable, lam: Any) -> ScoreTable:
    """g = E_{s ~ Bern(λ)^n} h(· ∧ s) by the tensor-product form K^{⊗n}, K = [[1, 0], [1−λ, λ]] (notes §3.2.1).

    With λ = a/b each axis maps (H0, H1) to (b·H0, (b−a)·H0 + a·H1), so the
    result is integers over D·b^n, exactly.
    """
    lam = as_probability(lam, "lam")
    a, b = lam.numerator, lam.denominator
    values = np.asarray(table.numerators, dtype=object).copy()
    codes = np.arange(1 << table.n, dtype=np.int64)
    for i in range(table.n):
        high = codes[(codes >> i) & 1 == 1]
        low = high ^ (1 << i)
        h0, h1 = values[low], values[high]
        values[high] = (b - a) * h0 + a * h1
        values[low] = b * h0
    return ScoreTable(table.n, _compact(values), table.denominator * b**table.n)


def cone_codes(alpha: int, n: int, direction: Direction = "add") -> tuple[np.ndarray, np.ndarray]:
    """Every superset (or subset) of α as codes, with the number of features each one changes."""
    _check_direction(direction)
    free = np.asarray(free_positions(alpha, n, direction), dtype=np.int64)
    t = np.arange(1 << free.size, dtype=np.int64)
    flips = np.zeros_like(t)
    for b, position in enumerate(free.tolist()):
        flips |= ((t >> b) & 1) << position
    codes = alpha | flips if direction == "add" else alpha & ~flips
    changed = popcount(t)
    return codes, changed


def shell_counts(table: ScoreTable, alpha: int, *, tie: TiePolicy = "strict", direction: Direction = "add", predicted: np.ndarray | None = None) -> tuple[list[int], list[int], int]:
    """(C(m, j), stable count of shell j) for j = 0..m, and the reference class at α."""
    if not 0 <= alpha < (1 << table.n):
        raise InvalidArgument("alpha", alpha, f"a mask code in 0..{(1 << table.n) - 1}")
    predicted = predictions(table, tie) if predicted is None else predicted
    codes, changed = cone_codes(alpha, table.n, direction)
    reference = int(predicted[alpha])
    same = (predicted[codes] == reference) & (reference != NO_CLASS)
    m = len(free_positions(alpha, table.n, direction))
    sizes = np.bincount(changed, minlength=m + 1).tolist()
    stable = np.bincount(changed, weights=same.astype(np.int64), minlength=m + 1).astype(np.int64).tolist()
    return sizes, stable, reference


def stability_rate(
    table: ScoreTable,
    alpha: int,
    r: int,
    *,
    tie: TiePolicy = "strict",
    shape: Shape = "at-most",
    direction: Direction = "add",
) -> Rate:
    """τ_r(f, x, α) exactly (``shape="exactly"``: uniform over the masks changing exactly r features)."""
    _check_shape(shape)
    r = check_radius(r)
    sizes, stable, reference = shell_counts(table, alpha, tie=tie, direction=direction)
    m = len(sizes) - 1
    shells = [r] if shape == "exactly" else list(range(min(r, m) + 1))
    pairs = tuple((sizes[j], stable[j]) if j <= m else (0, 0) for j in shells)
    return Rate(r, sum(s for _, s in pairs), sum(z for z, _ in pairs), pairs, reference)


def rate_curve(table: ScoreTable, alpha: int, r_max: int, *, tie: TiePolicy = "strict", direction: Direction = "add") -> list[Fraction]:
    """[τ_0, ..., τ_{r_max}] from one enumeration of the cone (shell identity |Δ_{r+1}|τ_{r+1} = |Δ_r|τ_r + C(m, r+1)p_{r+1})."""
    sizes, stable, _ = shell_counts(table, alpha, tie=tie, direction=direction)
    out, size, good = [], 0, 0
    for r in range(check_radius(r_max, "r_max") + 1):
        if r < len(sizes):
            size, good = size + sizes[r], good + stable[r]
        out.append(Fraction(good, size))
    return out


def hard_radius(table: ScoreTable, alpha: int, *, tie: TiePolicy = "strict", direction: Direction = "add") -> int:
    """R* = the largest r <= m with τ_r = 1 (every perturbation keeps the class); -1 when α itself has none."""
    sizes, stable, reference = shell_counts(table, alpha, tie=tie, direction=direction)
    if reference == NO_CLASS:
        return -1
    for j, (size, good) in enumerate(zip(sizes, stable)):
        if good != size:
            return j - 1
    return len(sizes) - 1
