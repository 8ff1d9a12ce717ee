"""Registration of the removal-robustness checks (``mus-verify check removal-*``).

The in-``all`` checks are exact over their stated domains and sized for ``check all``
(≈ 15 s together on 2 cores). The ``removal-planted-*`` checks run a check with a planted bug
(:mod:`.planted`) and must be REFUTED; they are not part of ``all``.
"""

from __future__ import annotations

from ..checks.registry import CheckConfig, CheckSpec, Progress, register
from ..results import CheckResult

__all__ = ["CHECKS"]


def _operators(config: CheckConfig, progress: Progress) -> CheckResult:
    from .check_operators import check_identities

    return check_identities()


def _infinity(config: CheckConfig, progress: Progress) -> CheckResult:
    from .check_operators import check_infinity_norms

    return check_infinity_norms()


def _lemma_c1(config: CheckConfig, progress: Progress) -> CheckResult:
    from .check_operators import check_lemma_c1

    return check_lemma_c1(config.seed)


def _theorem1(config: CheckConfig, progress: Progress) -> CheckResult:
    from .check_theorems import check_theorem1

    return check_theorem1()


def _theorem2(config: CheckConfig, progress: Progress) -> CheckResult:
    from .check_theorems import check_theorem2

    return check_theorem2()


def _conditional(config: CheckConfig, progress: Progress) -> CheckResult:
    from .check_conditional import check_conditional

    return check_conditional(seed=config.seed)


def _duplicate(config: CheckConfig, progress: Progress) -> CheckResult:
    from .check_conditional import check_duplicate_feature

    return check_duplicate_feature()


def _planted_efficiency(config: CheckConfig, progress: Progress) -> CheckResult:
    from .check_operators import check_claims

    return check_claims("removal-planted-shapley-efficiency", ["planted-shapley-wrong-weights"], range(1, 11))


def _planted_mwi_bounded(config: CheckConfig, progress: Progress) -> CheckResult:
    from .check_operators import check_claims

    return check_claims("removal-planted-mwi-bounded", ["planted-mwi-bounded"], range(1, 11))


def _planted_sqrt_d(config: CheckConfig, progress: Progress) -> CheckResult:
    from .check_theorems import check_theorem2

    return check_theorem2(h_rule="planted-shapley-sqrt-d", name="removal-planted-shapley-sqrt-d", summaries=("shapley",))


def _planted_conditional(config: CheckConfig, progress: Progress) -> CheckResult:
    from .check_conditional import check_conditional

    return check_conditional(g_rule="planted-baseline-constant", name="removal-planted-conditional-baseline-constant", seed=config.seed)


CHECKS = (
    CheckSpec("removal-operators", "LOO/Shapley/Banzhaf/MWI operators d = 1..10: row ℓ1, ‖A‖_{1,∞}² (Lemma C2), ‖A‖_2² closed forms, "
              "efficiency, boundedness, symmetry, Observations C1/C2 (Lin et al. 2023)", "mus_verify.removal.checks:_operators"),
    CheckSpec("removal-infinity-norm", "exact ∞→2 norms by vertex enumeration d ≤ 4 (sharp Theorem 2 constants); Shapley d = 5 exceeds 2",
              "mus_verify.removal.checks:_infinity"),
    CheckSpec("removal-lemma-c1", "Lemma C1, spectral and (1,∞) forms, on rational vectors", "mus_verify.removal.checks:_lemma_c1", ("seed",)),
    CheckSpec("removal-theorem1", "Lemma A1 and Theorem 1 (input perturbation), baseline and marginal removal, exact model families on rational grids",
              "mus_verify.removal.checks:_theorem1"),
    CheckSpec("removal-theorem2", "Lemma B1 and Theorem 2 (model perturbation), baseline and marginal removal, signed tents at hybrid points",
              "mus_verify.removal.checks:_theorem2"),
    CheckSpec("removal-conditional", "conditional removal on finite joints: exact M, Lemma A2, Theorem 1 with L + 2BM, Lemma B1/Theorem 2 on the support",
              "mus_verify.removal.checks:_conditional", ("seed",)),
    CheckSpec("removal-duplicate-feature", "x1 = x2 on the support: conditional attributions of 5x1+3x3+x4 and 5x2+3x3+x4 agree, baseline ones do not",
              "mus_verify.removal.checks:_duplicate"),
    CheckSpec("removal-planted-shapley-efficiency", "planted bug: Shapley weights with C(d, s); must be REFUTED (efficiency)",
              "mus_verify.removal.checks:_planted_efficiency", in_all=False),
    CheckSpec("removal-planted-mwi-bounded", "planted bug: mean-when-included claimed bounded; must be REFUTED",
              "mus_verify.removal.checks:_planted_mwi_bounded", in_all=False),
    CheckSpec("removal-planted-shapley-sqrt-d", "planted bug: Theorems 1/2 with h = √d for Shapley; must be REFUTED (Theorem 2)",
              "mus_verify.removal.checks:_planted_sqrt_d", in_all=False),
    CheckSpec("removal-planted-conditional-baseline-constant", "planted bug: conditional removal certified with g = L; must be REFUTED",
              "mus_verify.removal.checks:_planted_conditional", ("seed",), in_all=False),
)

for _spec in CHECKS:
    register(_spec)
