"""Registers the four soft-stability checks with ``mus-verify check`` and their counterexample replayers."""

from __future__ import annotations

from ..checks.registry import CheckSpec, register
from ..results import register_replayer
from ._kinds import REPLAYERS

_PACKAGE = "mus_verify.soft_stability"

register(CheckSpec(
    name="soft-stability-exact",
    summary="soft stability, exact: |Δ_r| and τ_r identities, τ_r = 1 inside the strict MuS radius (both directions), m = 0 and m = 1",
    target=f"{_PACKAGE}.check_exact:run",
    options=("n", "q", "lam", "seed", "classes", "classifiers"),
))
register(CheckSpec(
    name="soft-stability-sampler",
    summary="soft stability: the SCA sampler's law is exactly Unif(Δ_r) (enumerated) and passes fixed-seed χ² tests",
    target=f"{_PACKAGE}.check_sampler:run",
    options=("seed",),
))
register(CheckSpec(
    name="soft-stability-coverage",
    summary="soft stability: N >= ⌈ln(2/δ)/(2ε²)⌉ and SCA's misses of the exact τ_r fit Binomial(K, p) (one-sided test)",
    target=f"{_PACKAGE}.check_coverage:run",
    options=("seed",),
))
register(CheckSpec(
    name="soft-stability-smoothing",
    summary="soft stability: MuS is diagonal in the monomial basis, equals M in the ±1 basis, and the τ_r ≥ 1 − Q_r bounds hold",
    target=f"{_PACKAGE}.check_smoothing:run",
    options=("n", "seed", "classes", "classifiers"),
))
for _kind, _target in REPLAYERS.items():
    register_replayer(_kind, _target)
