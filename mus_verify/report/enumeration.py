"""Every mask at once: the smoothed model's vote counts at all 2^n α (n <= 16).

For a fixed input x the base classifier's input x ⊙ m depends only on the
effective mask m, so h is evaluated once per mask (a 2^n truth table of its
voted class) and

    votes(α)[c] = #{ j : table[α ∧ s_j] = c },     s_j the q masks of L_qv(λ),

is the smoothed classifier in voting mode, in exact integers (g = votes / q).
From it come the certified radius at any α (strict rule, in integers), the
true radius (the Hamming distance to the nearest mask where the class is not
the unique, same argmax, minus one), and exact Shapley values of the smoothed
class probability.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np

from ..certificates import top_two_rows
from ..errors import InvalidArgument
from ..core.bits import codes_from_masks, masks_from_codes, popcount
from .shapley import shapley_numerators, shapley_values

__all__ = ["MAX_ENUMERATION_GROUPS", "VoteTable", "vote_table", "votes_at", "strict_radius_from_votes"]

MAX_ENUMERATION_GROUPS = 16


def strict_radius_from_votes(top: np.ndarray, second: np.ndarray, k: int) -> np.ndarray:
    """⌈gap/(2λ)⌉ − 1 with gap = (top − second)/q and λ = k/q, i.e. ⌈(top − second)/(2k)⌉ − 1; −1 at a tie."""
    return -((second - top) // (2 * k)) - 1


@dataclass(frozen=True)
class VoteTable:
    """Vote counts of the smoothed classifier at every α (index = mask code)."""

    votes: np.ndarray  # (2^n, m) integer counts summing to q per row
    base_classes: np.ndarray  # (2^n,) the base classifier's voted class at each effective mask
    n: int
    q: int
    k: int

    @property
    def full(self) -> int:
        return (1 << self.n) - 1

    def predicted(self) -> np.ndarray:
        """Unique argmax class per α, −1 where the top two tie."""
        return top_two_rows(self.votes).predicted

    def certified_radius(self, alpha: int) -> int:
        best = top_two_rows(self.votes[[alpha]])
        top, second = best.top, best.second
        return int(strict_radius_from_votes(top, second, self.k)[0])

    def true_radius(self, alpha: int, *, supersets_only: bool) -> int:
        """Largest r such that every β within distance r of α (β ⊇ α if ``supersets_only``) keeps α's unique class.

        −1 when α itself has no unique class; the largest reachable distance when no β changes the class.
        """
        distance, _ = self.nearest_change(alpha, supersets_only=supersets_only)
        return distance - 1

    def nearest_change(self, alpha: int, *, supersets_only: bool) -> tuple[int, int | None]:
        """(distance, β) for the nearest β whose class is not α's unique class (0, α) when α has none;
        (largest reachable distance + 1, None) when there is no such β."""
        predicted = self.predicted()
        c = predicted[alpha]
        if c < 0:
            return 0, alpha
        codes = np.arange(1 << self.n, dtype=np.int64)
        region = (codes & alpha) == alpha if supersets_only else np.ones_like(codes, dtype=bool)
        bad = np.flatnonzero(region & (predicted != c))
        if bad.size == 0:
            return int(popcount(codes[region] ^ alpha).max()) + 1, None
        distances = popcount(bad ^ alpha)
        nearest = int(np.argmin(distances))
        return int(distances[nearest]), int(bad[nearest])

    def shapley(self, c: int) -> tuple[Fraction, ...]:
        """Exact Shapley values of v(S) = g_c(x, 1_S) = votes(S)[c] / q, as Fractions."""
        return shapley_values(self.votes[:, c], self.n, self.q)

    def shapley_numerators(self, c: int) -> tuple[int, ...]:
        """φ_i · n! · q as integers: the same order as :meth:`shapley`, and exact ties are equal."""
        return shapley_numerators(self.votes[:, c], self.n)


def _voted_classes(h: Callable[[np.ndarray], np.ndarray], x: np.ndarray, groups: np.ndarray, masks: np.ndarray) -> np.ndarray:
    inputs = np.where(masks[:, groups], x[None, :], 0.0)
    return np.asarray(h(inputs)).argmax(axis=1)  # ties to the lowest class, as the exact reference votes


def vote_table(h: Callable[[np.ndarray], np.ndarray], x: np.ndarray, groups: np.ndarray, noise_masks: np.ndarray, k: int, m: int) -> VoteTable:
    """Vote counts at every α from one evaluation of h per mask (2^n calls, batched)."""
    q, n = noise_masks.shape
    if n > MAX_ENUMERATION_GROUPS:
        raise InvalidArgument("n", n, f"at most {MAX_ENUMERATION_GROUPS} feature groups for enumeration (2^n masks)")
    codes = np.arange(1 << n, dtype=np.int64)
    # Masks that differ only in groups whose coordinates are all zero give the same input x ⊙ mask,
    # so h is evaluated once per distinct masked input (digits: background patches).
    nonzero_groups = np.unique(groups[x != 0])
    visible_bits = int(sum(1 << int(g) for g in nonzero_groups))
    keys, inverse = np.unique(codes & visible_bits, return_inverse=True)
    key_masks = masks_from_codes(keys, n)
    table = _voted_classes(h, x, groups, key_masks)[np.asarray(inverse).reshape(-1)]
    votes = np.zeros((1 << n, m), dtype=np.int32)
    for s in codes_from_masks(noise_masks):
        votes[codes, table[codes & s]] += 1
    return VoteTable(votes, table, n, q, k)


def votes_at(h: Callable[[np.ndarray], np.ndarray], x: np.ndarray, groups: np.ndarray, noise_masks: np.ndarray, alphas: np.ndarray, m: int) -> np.ndarray:
    """Vote counts (B, m) of the smoothed classifier at each α in ``alphas`` (B, n): B·q calls of h."""
    q = noise_masks.shape[0]
    effective = (alphas[:, None, :] & noise_masks[None, :, :]).reshape(-1, noise_masks.shape[1])
    classes = _voted_classes(h, x, groups, effective).reshape(len(alphas), q)
    votes = np.zeros((len(alphas), m), dtype=np.int32)
    for j in range(q):
        votes[np.arange(len(alphas)), classes[:, j]] += 1
    return votes
