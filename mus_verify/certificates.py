"""Stability certificates (paper Thm 3.2) with the strict, tie-aware radius.

If every class coordinate of g(x, ·) is λ-Lipschitz in the L1 (Hamming) norm
(Thm 3.1), then for any β at distance d from α, g_A can fall by at most λd and
any other class rise by at most λd, so the top class stays the *unique*
argmax whenever ``2λd < gap`` (gap = g_A − g_B at α). The largest integer d with
``2λd < gap`` is

    r = ⌈gap / (2λ)⌉ − 1        (and r = −1 when gap = 0: no certificate)

which is the only rule this package offers as sound (:func:`certified_radius`).
Two published forms claim one step too much:

* ``⌈gap/(2λ)⌉`` (paper Remark 2.6): when gap/(2λ) = 1.5 it claims radius 2,
  but at d = 2 the bound 2λd = 4λ exceeds gap, so the top two may swap.
* ``⌊gap/(2λ)⌋`` (or "gap/(2λ) >= r"): when gap/(2λ) is an integer r it claims
  d = r, where the bound only gives g_A >= g_B: the two classes can tie and
  argmax picks either. Smallest case (mus-notes): n = 2, q = 2, λ = 1/2, h
  votes class 1 only when both features are hidden; at α = (0, 0) gap = 1 and
  ⌊1/1⌋ = 1, yet α' = (0, 1) gives g = (1/2, 1/2). (One feature already
  suffices: n = 1, α = (0) against α' = (1); `mus-verify search mus --property
  stability --radius-rule floor` finds it.)

These two live in :data:`UNSOUND_RADIUS_RULES` only so the checkers can
reproduce the errata; never certify with them.

With voting, g·N is an integer vector, so the rule runs on integers and no
float rounding can make it unsound.

>>> certified_radius(Fraction(1), Fraction(1, 2))
0
>>> certified_radius(Fraction(3, 4), Fraction(1, 4))
1
>>> certified_radius(Fraction(0), Fraction(1, 4))
-1
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Sequence

import numpy as np

from ._validation import as_fraction, check_binary_vector
from .distributions import MaskDistribution
from .errors import InvalidArgument
from .smoothing import Classifier, smooth

__all__ = [
    "certified_radius",
    "top_two",
    "TopTwo",
    "top_two_rows",
    "TopTwoRows",
    "Certificate",
    "certify",
    "certify_incremental",
    "certify_decremental",
    "lipschitz_constant",
    "RADIUS_RULES",
    "SOUND_RADIUS_RULES",
    "UNSOUND_RADIUS_RULES",
    "RULE_COVERS",
    "rule_covers",
    "rule_radius",
]


def _check_gap_lam(gap: Any, lam: Any) -> tuple[Fraction, Fraction]:
    gap = as_fraction(gap, "gap")
    lam = as_fraction(lam, "lam")
    if not 0 <= gap <= 1:
        raise InvalidArgument("gap", gap, "a top-1 minus top-2 probability gap in [0, 1]")
    if not 0 < lam <= 1:
        raise InvalidArgument("lam", lam, "a Lipschitz constant λ in (0, 1]")
    return gap, lam


def _strict_covers(two_lam_d: Any, two_lam: Any, gap: Any) -> Any:
    return two_lam_d < gap  # d <= ⌈gap/2λ⌉ − 1  <=>  2λd < gap


def _floor_covers(two_lam_d: Any, two_lam: Any, gap: Any) -> Any:
    return two_lam_d <= gap  # d <= ⌊gap/2λ⌋  <=>  2λd <= gap


def _ceil_covers(two_lam_d: Any, two_lam: Any, gap: Any) -> Any:
    return two_lam_d - two_lam < gap  # d <= ⌈gap/2λ⌉  <=>  2λ(d − 1) < gap


RULE_COVERS: dict[str, Callable[[Any, Any, Any], Any]] = {"strict": _strict_covers, "floor": _floor_covers, "ceil": _ceil_covers}
"""The one table of radius rules: ``covers(2λd, 2λ, gap)`` says whether the rule's radius reaches distance d.

Written with comparison operators only, so the same function runs on exact
Fractions, on numpy integer arrays (scaled by a common denominator, see
:func:`rule_covers`) and on Z3 terms. Each rule is monotone (true for every d up
to its radius, false beyond), so the radius is the largest d it covers
(:func:`rule_radius`), and :data:`RADIUS_RULES` is derived from this table.
"""


def rule_covers(rule: str, distance: Any, gap: Any, lam: Fraction, scale: Any = 1) -> Any:
    """Whether ``rule`` certifies distance d for this gap: the comparison in integers.

    ``gap`` is gap·scale (``scale`` = 1 for an exact gap; the common denominator D of
    integer numerators otherwise). With λ = a/b, 2λd ⋚ gap/D becomes 2·a·D·d ⋚ b·gap,
    so Fractions, integer arrays and Z3 terms (``distance`` an Int term, ``gap`` a Real
    term) all go through the same operators.
    """
    two_lam = 2 * lam.numerator * scale
    return RULE_COVERS[rule](two_lam * distance, two_lam, lam.denominator * gap)


def rule_radius(rule: str, gap: Any, lam: Fraction, scale: Any = 1) -> Any:
    """The largest distance ``rule`` covers: an int for an exact gap, an int64 array for integer numerators over ``scale``.

    Starts two steps above ⌊gap/(2λ)⌋ (beyond every rule's radius) and steps down
    until the rule covers the distance; exact in integers.

    >>> rule_radius("strict", Fraction(3, 4), Fraction(1, 4)), rule_radius("ceil", Fraction(3, 4), Fraction(1, 4))
    (1, 2)
    """
    scalar = not isinstance(gap, np.ndarray)
    two_lam = 2 * lam.numerator * scale
    start = (lam.denominator * gap) // two_lam + 2  # Fraction // int and int64 // int are both exact floors
    radius = int(start) if scalar else np.asarray(start, dtype=np.int64)
    if np.any(rule_covers(rule, radius, gap, lam, scale)):
        raise AssertionError(f"radius rule {rule!r} covers more than ⌊gap/(2λ)⌋ + 1: not a rule of this table's form")
    for _ in range(4):
        covered = rule_covers(rule, radius, gap, lam, scale)
        if np.all(covered):
            return int(radius) if scalar else radius
        radius = np.where(covered, radius, radius - 1) if not scalar else radius - 1
    raise AssertionError(f"radius rule {rule!r} covers nothing within ⌊gap/(2λ)⌋ − 2: not a rule of this table's form")


def certified_radius(gap: Any, lam: Any) -> int:
    """Largest integer r with 2λr < gap, i.e. ⌈gap/(2λ)⌉ − 1; −1 when gap = 0. Exact."""
    gap, lam = _check_gap_lam(gap, lam)
    return int(rule_radius("strict", gap, lam))


def _floor_radius(gap: Any, lam: Any) -> int:
    """UNSOUND (ties): ⌊gap/(2λ)⌋. Kept only to reproduce the erratum."""
    gap, lam = _check_gap_lam(gap, lam)
    return int(rule_radius("floor", gap, lam))


def _ceil_radius(gap: Any, lam: Any) -> int:
    """UNSOUND (one step too far): ⌈gap/(2λ)⌉ of the paper's Remark 2.6. Kept only to reproduce the erratum."""
    gap, lam = _check_gap_lam(gap, lam)
    return int(rule_radius("ceil", gap, lam))


RADIUS_RULES: dict[str, Callable[[Any, Any], int]] = {
    "strict": certified_radius,
    "floor": _floor_radius,
    "ceil": _ceil_radius,
}
"""The exact radius of each rule of :data:`RULE_COVERS`, from (gap, λ), validated."""
SOUND_RADIUS_RULES = ("strict",)
UNSOUND_RADIUS_RULES = ("floor", "ceil")


@dataclass(frozen=True)
class TopTwo:
    """The predicted class (None when the top two tie), the runner-up and the exact gap."""

    predicted: int | None
    runner_up: int | None
    gap: Fraction


def top_two(probabilities: Sequence[Any]) -> TopTwo:
    """Top-1 minus top-2 of an exact probability vector (one class: gap = its probability).

    >>> top_two([Fraction(1, 2), Fraction(1, 2)])
    TopTwo(predicted=None, runner_up=None, gap=Fraction(0, 1))
    """
    if isinstance(probabilities, (str, bytes)) or not hasattr(probabilities, "__iter__"):
        raise InvalidArgument("probabilities", probabilities, "a sequence of exact class probabilities")
    values = [as_fraction(p, f"probabilities[{c}]") for c, p in enumerate(probabilities)]
    if not values:
        raise InvalidArgument("probabilities", [], "at least one class")
    order = sorted(range(len(values)), key=lambda c: (-values[c], c))
    if len(values) == 1:
        return TopTwo(order[0], None, values[0])
    gap = values[order[0]] - values[order[1]]
    if gap == 0:
        return TopTwo(None, None, gap)
    return TopTwo(order[0], order[1], gap)


@dataclass(frozen=True)
class TopTwoRows:
    """:class:`TopTwo` of every row of an integer score table (vote counts, or numerators over one denominator)."""

    predicted: np.ndarray  # (N,) int64: the unique argmax, -1 where the top two tie
    runner_up: np.ndarray  # (N,) int64: second place in the stable order (even at a tie); -1 with one class
    top: np.ndarray  # (N,) the largest value of each row
    second: np.ndarray  # (N,) the second largest (0 with one class, so the gap is the value itself)

    @property
    def gap(self) -> np.ndarray:
        """top - second, in the rows' own units (divide by the common denominator for the probability gap)."""
        return self.top - self.second


def top_two_rows(values: Any) -> TopTwoRows:
    """:func:`top_two` on every row of an (N, m) integer array, exactly and vectorised.

    Ties go to the lower class index (a stable descending order), as in
    :func:`top_two`; with one class the gap is that class's value.

    >>> best = top_two_rows(np.array([[1, 3, 3], [5, 2, 0]]))
    >>> best.predicted.tolist(), best.runner_up.tolist(), best.gap.tolist()
    ([-1, 0], [2, 1], [0, 3])
    """
    array = np.asarray(values)
    if array.ndim != 2 or array.shape[1] < 1 or not np.issubdtype(array.dtype, np.integer):
        raise InvalidArgument("values", f"array of shape {array.shape} and dtype {array.dtype}", "an (N, m >= 1) integer array")
    m = array.shape[1]
    # Stable ascending sort of the reversed columns, read backwards: descending values, ties to the lower
    # index, without negating (which would overflow at the dtype's minimum or wrap unsigned counts).
    order = (m - 1 - np.argsort(array[:, ::-1], axis=1, kind="stable")[:, ::-1]).astype(np.int64)
    top = np.take_along_axis(array, order[:, :1], axis=1)[:, 0]
    if m == 1:
        return TopTwoRows(np.zeros(array.shape[0], dtype=np.int64), np.full(array.shape[0], -1, dtype=np.int64), top, np.zeros_like(top))
    second = np.take_along_axis(array, order[:, 1:2], axis=1)[:, 0]
    return TopTwoRows(np.where(top > second, order[:, 0], -1), order[:, 1].copy(), top, second)


@dataclass(frozen=True)
class Certificate:
    """A certified radius: every β within Hamming distance ``radius`` of ``alpha`` keeps ``predicted`` as unique argmax."""

    kind: str
    alpha: tuple[int, ...]
    probabilities: tuple[Fraction, ...]
    predicted: int | None
    gap: Fraction
    lam: Fraction
    radius: int


def lipschitz_constant(distribution: MaskDistribution) -> Fraction:
    """max_i Pr[s_i = 1]: the proof of Thm 3.1 bounds |g(x,α) − g(x,α')| by Σ_i Pr[s_i = 1]|δ_i|."""
    if not isinstance(distribution, MaskDistribution):
        raise InvalidArgument("distribution", distribution, "a mus_verify.distributions.MaskDistribution (e.g. lqv(seed_vector, q, lam))")
    return max(distribution.marginals())


def certify(
    h: Classifier,
    x: Any,
    alpha: Any,
    distribution: MaskDistribution,
    *,
    lam: Any = None,
    kind: str = "at-alpha",
    **smooth_kwargs: Any,
) -> Certificate:
    """Certificate at mask α with the strict radius.

    ``lam`` defaults to the distribution's largest coordinate marginal (its
    exact Lipschitz constant); a given ``lam`` smaller than that is refused,
    because certifying with it would claim more than Thm 3.1 gives.
    """
    exact_lam = lipschitz_constant(distribution)
    if lam is None:
        lam = exact_lam
    else:
        lam = as_fraction(lam, "lam")
        if lam < exact_lam:
            raise InvalidArgument("lam", lam, f"a Lipschitz constant >= the distribution's largest marginal {exact_lam}")
    if lam == 0:
        raise InvalidArgument("distribution", distribution.name, "noise that keeps some feature (every marginal is 0, so g is constant)")
    alpha_mask = check_binary_vector(alpha, distribution.n, "alpha")
    probabilities = smooth(h, x, alpha_mask, distribution, **smooth_kwargs)
    best = top_two(probabilities)
    return Certificate(
        kind=kind,
        alpha=tuple(int(a) for a in alpha_mask),
        probabilities=probabilities,
        predicted=best.predicted,
        gap=best.gap,
        lam=lam,
        radius=certified_radius(best.gap, lam),
    )


def certify_incremental(h: Classifier, x: Any, explanation: Any, distribution: MaskDistribution, **kwargs: Any) -> Certificate:
    """Incremental stability radius: the certificate at α = the explanation φ(x)."""
    return certify(h, x, explanation, distribution, kind="incremental", **kwargs)


def certify_decremental(h: Classifier, x: Any, distribution: MaskDistribution, **kwargs: Any) -> Certificate:
    """Decremental stability radius: the certificate at α = 1 (the full input)."""
    return certify(h, x, np.ones(distribution.n, dtype=bool), distribution, kind="decremental", **kwargs)
