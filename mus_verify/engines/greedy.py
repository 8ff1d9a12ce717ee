"""The one greedy attack: an upper bound on the true stability radius (Thm 3.2) by a path search.

Start at a mask β₀ (the explanation α for an incremental certificate, the all-ones mask for a
decremental one) and, step after step, flip one feature in the attack's direction (add a hidden one,
or remove a visible one), always the flip that most lowers the certified class's lead
``g_c − max_{c'≠c} g_{c'}``. Stop at the first step t whose best flip leaves a lead <= 0: β_t then
changes the class (or ties) at Hamming distance t from β₀, so the true radius is at most t − 1.
An attack proves nothing when it finds no flip; it never lowers a certificate, it only bounds it
from above, which is what makes it a test of the certificate (a certified radius above the bound
is unsound).

The search knows nothing about how a lead is computed: its users pass ``leads``, a function from
candidate masks (a (k, n) bool array) to k leads, as exact integers (the report's vote counts) or
floats (the torch smoother's outputs). Ties between equal leads go to the lowest feature index
among the candidates tried, so both users walk the same path on the same classifier.

>>> import numpy as np
>>> def leads(masks):            # class 0 leads by 2 until features 1 and 2 are both visible
...     return [2 - 2 * int(m[1] and m[2]) for m in masks]
>>> greedy_path(np.array([True, False, False]), leads, add=True).upper_bound
1
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

__all__ = ["GreedyPath", "greedy_path"]

#: (k, n) bool candidate masks -> k leads of the certified class (<= 0: it is no longer the unique winner).
Leads = Callable[[np.ndarray], Sequence[float] | np.ndarray]
#: candidate feature indices (increasing) -> the ones to try this step (e.g. a random subset).
Subset = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class GreedyPath:
    """Where the greedy search ended.

    ``found``: a flip of the certified class at ``distance`` steps from the start, reached at ``beta``
    (the true radius is at most ``upper_bound = distance − 1``). ``leads`` holds the best lead of every
    step taken; ``evaluations`` counts the candidate masks scored.
    """

    found: bool
    distance: int | None
    beta: np.ndarray | None
    leads: tuple[float, ...]
    evaluations: int

    @property
    def upper_bound(self) -> int | None:
        return None if self.distance is None else self.distance - 1


def greedy_path(
    start: np.ndarray,
    leads: Leads,
    *,
    add: bool,
    frozen: np.ndarray | None = None,
    budget: int | None = None,
    subset: Subset | None = None,
) -> GreedyPath:
    """Flip one feature per step from ``start`` (add hidden ones if ``add``, else remove visible ones).

    ``frozen`` (bool, n): features never flipped (the explanation φ when a decremental attack may only
    remove features outside φ). ``budget``: at most this many steps (default n). ``subset``: picks the
    candidates tried at each step from the movable ones (default: all of them).
    """
    current = np.asarray(start, dtype=bool).copy()
    n = current.size
    fixed = np.zeros(n, dtype=bool) if frozen is None else np.asarray(frozen, dtype=bool)
    taken: list[float] = []
    evaluations = 0
    for step in range(1, (n if budget is None else budget) + 1):
        movable = np.flatnonzero((~current if add else current) & ~fixed)
        if subset is not None and movable.size:
            movable = np.asarray(subset(movable), dtype=np.int64)
        if movable.size == 0:
            break
        trials = np.repeat(current[None, :], movable.size, axis=0)
        trials[np.arange(movable.size), movable] = add
        scores = list(leads(trials))
        evaluations += movable.size
        best = min(range(len(scores)), key=lambda b: (scores[b], b))  # lowest index among equal leads
        current = trials[best]
        taken.append(scores[best])
        if scores[best] <= 0:
            return GreedyPath(True, step, current, tuple(taken), evaluations)
    return GreedyPath(False, None, None, tuple(taken), evaluations)
