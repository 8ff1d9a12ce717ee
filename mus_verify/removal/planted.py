"""Planted bugs for the removal-robustness checks: offered by name only, never defaults.

=========================================  ====================================================
name                                       bug
=========================================  ====================================================
``planted-shapley-wrong-weights``          Shapley with p_s = 1/(d·C(d, s)) instead of
                                           1/(d·C(d−1, s)): breaks efficiency (d ≥ 2)
``planted-shapley-sqrt-d`` (h rule)        Theorems 1/2 claimed with h = √d for Shapley
``planted-baseline-constant`` (g rule)     conditional removal certified with g = L (no 2BM)
``planted-mwi-bounded`` (claim)            mean-when-included claimed to be bounded
=========================================  ====================================================

The h and g rules live in :mod:`.theorems` (:data:`~.theorems.H_RULES`, :data:`~.theorems.G_RULES`).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Callable

from .operators import SummaryOperator, semivalue
from .subsets import check_d

__all__ = ["PLANTED_OPERATORS", "shapley_wrong_weights"]


def shapley_wrong_weights(d: int) -> SummaryOperator:
    """The classic slip: dividing by C(d, s) where the Shapley weight has C(d − 1, s)."""
    d = check_d(d)
    return semivalue([Fraction(1, d * math.comb(d, s)) for s in range(d)], "planted-shapley-wrong-weights")


PLANTED_OPERATORS: dict[str, Callable[[int], SummaryOperator]] = {
    "planted-shapley-wrong-weights": shapley_wrong_weights,
}
