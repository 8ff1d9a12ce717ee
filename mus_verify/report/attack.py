"""Greedy attack: an upper bound on the true radius when 2^n masks are too many.

Starting from α (the explanation for incremental, 1 for decremental), it adds
(or removes) one feature at a time, each time the one that most lowers the
predicted class's vote lead, and stops at the first mask where the class is
no longer the unique argmax. If that happens after t changes, the true radius
is at most t − 1. It attacks *the same smoothed classifier that was
certified*: same noise masks (q, λ, seed vector) and voting, with exact
integer vote counts, so its bound is comparable with the certificate.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

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
    current = alpha.astype(bool).copy()
    for step in range(1, current.size + 1):
        candidates = np.flatnonzero(~current if add else current)
        if candidates.size == 0:
            return None
        trials = np.repeat(current[None, :], candidates.size, axis=0)
        trials[np.arange(candidates.size), candidates] = add
        votes = votes_at(h, x, groups, noise_masks, trials, m)
        others = np.delete(votes, predicted, axis=1)
        lead = votes[:, predicted] - (others.max(axis=1) if others.shape[1] else 0)
        if (lead <= 0).any():
            return step - 1
        current = trials[int(np.argmin(lead))]
    return None
