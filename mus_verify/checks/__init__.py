"""The registered checks. Adding one: write ``checks/NAME.py`` with a runner
``run(config, progress) -> CheckResult`` and register it below."""

from __future__ import annotations

from ..results import register_replayer
from .registry import CheckConfig, CheckSpec, available, get, register, run_check

__all__ = ["CheckConfig", "CheckSpec", "available", "get", "register", "run_check"]

register(
    CheckSpec(
        name="marginals",
        summary="every coordinate of L_qv(λ) noise is Bernoulli(λ) exactly (Prop. 3.4 / A.2)",
        target="mus_verify.checks.marginals:run",
        options=("n", "q", "lam", "seed_vector", "all_seed_vectors", "seed"),
    )
)
register_replayer("marginal", "mus_verify.checks.marginals:replay_marginal")
