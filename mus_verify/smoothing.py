"""Exact smoothing: g(x, α) = E_s h(x ⊙ α ⊙ s) as exact rationals.

This is the reference every fast path is tested against. The base classifier
``h`` is *batched*: it receives a (B, d) array of masked inputs and returns a
(B, m) array of class probabilities (floats, ints or Fractions). Float outputs
enter the exact world through one conversion, ``Fraction(float)``, which is
exact: no output of h is ever rounded. Sums and weights are rationals.

Feature groups (paper App. B.3): ``groups`` maps each of the d input
coordinates to one of n mask bits, so one bit hides a whole image patch or
token. The optional always-kept mask μ ≤ α (the research code's ``mu``) gives
the effective mask μ ∨ (α ∧ s).

Voting replaces h by the one-hot of its argmax (ties go to the lowest class
index, so votes are deterministic); then g·N is an integer vector.

>>> from mus_verify.distributions import lqv
>>> def h(inputs):  # class 1 iff feature 0 is visible
...     visible = inputs[:, 0] != 0
...     return np.stack([~visible, visible], axis=1).astype(float)
>>> smooth(h, [5.0, 7.0], [1, 1], lqv([0, 2], q=4, lam="1/4"))
(Fraction(3, 4), Fraction(1, 4))
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Literal, Sequence

import numpy as np

from ._validation import check_binary_vector, check_finite_array, check_probabilities
from .distributions import MaskDistribution
from .errors import InvalidArgument

__all__ = ["Classifier", "smooth", "smooth_f", "effective_masks", "masked_inputs", "check_groups", "MODES"]

Classifier = Callable[[np.ndarray], Any]
"""A batched base classifier: (B, d) masked inputs -> (B, m) class probabilities."""

MODES = ("average", "vote")


def check_groups(groups: Sequence[int] | None, d: int, n: int) -> np.ndarray:
    """Group map: coordinate c belongs to mask bit groups[c]; every bit 0..n-1 owns >= 1 coordinate."""
    if groups is None:
        if d != n:
            raise InvalidArgument("x", f"input with {d} coordinates", f"n = {n} coordinates (one per mask bit), or pass groups= mapping coordinates to {n} groups")
        return np.arange(n)
    array = np.asarray(groups)
    if array.ndim != 1 or array.shape[0] != d or array.dtype.kind not in "iu":
        raise InvalidArgument("groups", f"array of shape {array.shape} and dtype {array.dtype}", f"{d} integer group ids, one per input coordinate")
    if array.min(initial=0) < 0 or array.max(initial=0) >= n:
        raise InvalidArgument("groups", array.tolist(), f"group ids in 0..{n - 1} (one per mask bit)")
    missing = np.setdiff1d(np.arange(n), array)
    if missing.size:
        raise InvalidArgument("groups", array.tolist(), f"every group 0..{n - 1} owning at least one coordinate", f"group {int(missing[0])} is empty")
    return array


def effective_masks(alpha: np.ndarray, masks: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
    """μ ∨ (α ∧ s) for every noise mask s (rows of ``masks``)."""
    out = masks & alpha[None, :]
    if keep is not None:
        out = out | keep[None, :]
    return out


def masked_inputs(x: np.ndarray, groups: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """x ⊙ mask for each row of ``masks`` (mask bits lifted to coordinates through ``groups``).

    Hidden coordinates become exactly +0 (``np.where``, not a product, so a
    negative x_i never turns into -0.0).
    """
    coordinate_masks = masks[:, groups]
    return np.where(coordinate_masks, x[None, :], np.zeros((), dtype=x.dtype))


def smooth(
    h: Classifier,
    x: Any,
    alpha: Any,
    distribution: MaskDistribution,
    *,
    mode: Literal["average", "vote"] = "average",
    groups: Sequence[int] | None = None,
    keep: Any = None,
) -> tuple[Fraction, ...]:
    """g(x, α) = Σ_s Pr[s] · h(x ⊙ (μ ∨ (α ∧ s))), exactly.

    ``h`` is called once on the distinct masked inputs (masks that coincide
    after applying α and μ are merged, their weights added).
    """
    if not isinstance(distribution, MaskDistribution):
        raise InvalidArgument("distribution", distribution, "a mus_verify.distributions.MaskDistribution (e.g. lqv(seed_vector, q, lam))")
    if not callable(h):
        raise InvalidArgument("h", h, "a batched base classifier: a callable (B, d) inputs -> (B, m) class probabilities")
    n = distribution.n
    x = check_finite_array(x, "x", ndim=1)
    group_map = check_groups(groups, x.shape[0], n)
    alpha = check_binary_vector(alpha, n, "alpha")
    keep_mask = None
    if keep is not None:
        keep_mask = check_binary_vector(keep, n, "keep")
        outside = np.flatnonzero(keep_mask & ~alpha)
        if outside.size:
            raise InvalidArgument("keep", keep_mask.astype(int).tolist(), "an always-kept mask μ <= alpha", f"μ keeps feature {int(outside[0])} that alpha hides")
    if mode not in MODES:
        raise InvalidArgument("mode", mode, f"one of {MODES}")

    effective = effective_masks(alpha, distribution.masks, keep_mask)
    distinct, inverse = np.unique(effective, axis=0, return_inverse=True)
    weights = [0] * distinct.shape[0]
    for row, count in zip(np.asarray(inverse).reshape(-1), distribution.counts):
        weights[row] += count

    outputs, _ = check_probabilities(h(masked_inputs(x, group_map, distinct)), distinct.shape[0])
    rows = _exact_rows(outputs, mode)
    m = len(rows[0])
    totals = [0 * Fraction(0)] * m
    for weight, scores in zip(weights, rows):
        if weight:
            for c in range(m):
                totals[c] += weight * scores[c]
    return tuple(t / distribution.total for t in totals)


def smooth_f(h: Classifier, x: Any, distribution: MaskDistribution, **kwargs: Any) -> tuple[Fraction, ...]:
    """f(x) = g(x, 1): the smoothed classifier at the full input."""
    return smooth(h, x, np.ones(distribution.n, dtype=bool), distribution, **kwargs)


def _exact_rows(outputs: np.ndarray, mode: str) -> list[list[Fraction]]:
    """Each output row as exact Fractions; in vote mode the one-hot of its (lowest-index) argmax."""
    rows = [[Fraction(v) if not isinstance(v, float) else Fraction(float(v)) for v in row] for row in outputs.tolist()]
    if mode == "vote":
        voted = []
        for row in rows:
            winner = max(range(len(row)), key=lambda c: (row[c], -c))
            voted.append([Fraction(int(c == winner)) for c in range(len(row))])
        return voted
    return rows
