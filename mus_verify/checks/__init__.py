"""The registered checks. Adding one: write ``checks/NAME.py`` with a runner
``run(config, progress) -> CheckResult`` and register it below (list ``"variant"``
in its options when it smooths with ``config.variant``: the others refuse one)."""

from __future__ import annotations

from ..results import register_replayer
from .registry import CheckConfig, CheckSpec, available, get, register, run_check

__all__ = ["CheckConfig", "CheckSpec", "available", "get", "register", "run_check", "variant_checks"]


def variant_checks() -> list[CheckSpec]:
    """The registered checks that take a variant (``"variant"`` in their options), in registration order."""
    return [spec for spec in available() if "variant" in spec.options]

register(
    CheckSpec(
        name="marginals",
        summary="every coordinate of L_qv(λ) noise is Bernoulli(λ) exactly (Prop. 3.4 / A.2)",
        target="mus_verify.checks.marginals:run",
        options=("n", "q", "lam", "seed_vector", "all_seed_vectors", "seed", "variant"),
    )
)
register_replayer("marginal", "mus_verify.checks.marginals:replay_marginal")

register(
    CheckSpec(
        name="lipschitz",
        summary="g(x, ·) is λ-Lipschitz in L1 for every classifier: exact TV on every cube edge (Thm 3.1)",
        target="mus_verify.checks.lipschitz:run",
        options=("n", "q", "lam", "seed_vector", "all_seed_vectors", "seed", "classes", "classifiers", "variant"),
    )
)
register_replayer("lipschitz-edge", "mus_verify.checks.lipschitz:replay_edge")

_CLASSIFIER_OPTIONS = ("n", "q", "lam", "seed_vector", "all_seed_vectors", "seed", "classes", "classifiers", "variant")
register(
    CheckSpec(
        name="incremental-stability",
        summary="adding up to r features to any α keeps the unique class, r the strict certified radius (Thm 3.2)",
        target="mus_verify.checks.stability:run_incremental",
        options=_CLASSIFIER_OPTIONS,
    )
)
register(
    CheckSpec(
        name="decremental-stability",
        summary="removing up to r features from any α (α = 1 included) keeps the unique class (Thm 3.2)",
        target="mus_verify.checks.stability:run_decremental",
        options=_CLASSIFIER_OPTIONS,
    )
)
register_replayer("stability", "mus_verify.checks.stability:replay_stability")
register(
    CheckSpec(
        name="masking-equivalence",
        summary="g(x ⊙ α, 1) = g(x, α) for every α and every classifier: equal masked-input laws (§3.1, Prop. A.1)",
        target="mus_verify.checks.masking_equivalence:run",
        options=_CLASSIFIER_OPTIONS,
    )
)
register_replayer("masking-equivalence", "mus_verify.checks.masking_equivalence:replay_masking")
register(
    CheckSpec(
        name="tightness",
        summary="λ is the smallest valid Lipschitz constant: the exact sup over classifiers and edges equals λ",
        target="mus_verify.checks.tightness:run",
        options=("n", "q", "lam", "seed_vector", "all_seed_vectors", "seed", "variant"),
    )
)
register_replayer("tightness", "mus_verify.checks.tightness:replay_tightness")

# Other guarantee families register their checks from their own packages.
from ..topk import registration as _topk_registration  # noqa: E402,F401
from ..soft_stability import checks as _soft_stability_checks  # noqa: E402,F401
from ..removal import checks as _removal_checks  # noqa: E402,F401
