"""Removal-based feature attributions and their robustness (Lin, Covert & Lee, NeurIPS 2023).

Exact reference (rationals only, no torch): games v_S = f(x_S) under baseline, marginal and
conditional removal (:mod:`.games`, :mod:`.joint`), summaries as exact operators φ = A v
(:mod:`.operators`), their properties and norms (:mod:`.properties`, :mod:`.norms`), model
families with known L and B (:mod:`.models`), one judge per lemma/theorem (:mod:`.theorems`),
planted bugs (:mod:`.planted`). Checks are registered by :mod:`.checks`; Z3 statements live
in :mod:`.z3_statements`; :mod:`.libraries` runs shap/captum against the exact values and
:mod:`.study` is the wine report. See docs/removal-robustness.md.
"""

from __future__ import annotations

from .games import Baseline, Conditional, Marginal, game
from .joint import FiniteJoint
from .operators import SummaryOperator, apply, banzhaf, by_name, lime, loo, mean_when_included, semivalue, shapley

__all__ = [
    "Baseline", "Conditional", "Marginal", "game", "FiniteJoint", "SummaryOperator", "apply", "banzhaf", "by_name",
    "lime", "loo", "mean_when_included", "semivalue", "shapley",
]
