"""Greedy attack: an upper bound on the true radius when 2^n masks are too many.

Starting from α (the explanation for incremental, 1 for decremental), it adds
(or removes) one feature at a time, each time the one that most lowers the
predicted class's vote lead, and stops at the first mask where the class is
no longer the unique argmax. If that happens after t changes, the true radius
is at most t − 1. It attacks *the same smoothed classifier that was
certified*: same noise masks (q, λ, seed vector) and voting, with exact
integer vote counts, so its bound is comparable with the certificate.

The search itself is :func:`mus_verify.engines.greedy.greedy_path` (the one greedy attack, shared with
the torch fast path); this module only scores candidate masks by their exact vote leads.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..engines.greedy import greedy_path
from .enumeration import votes_at

__all__ = ["greedy_attack"]


def greedy_attack(
    h: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    groups: np.ndarray,
    noise_masks: np.ndarray,
    alpha: np.ndarray,
    predicted: int,
    m: int,
    *,
    add: bool,
) -> int | None:
    """Upper bound t − 1 on the true radius at α (None when no flip was found on the greedy path)."""

    def leads(trials: np.ndarray) -> np.ndarray:
        votes = votes_at(h, x, groups, noise_masks, trials, m)
        others = np.delete(votes, predicted, axis=1)
        return votes[:, predicted] - (others.max(axis=1) if others.shape[1] else 0)

    return greedy_path(alpha, leads, add=add).upper_bound
