"""Check: every coordinate of the noise is marginally Bernoulli(λ), exactly.

Statement (paper Prop. 3.4 / A.2): for s ~ L_qv(λ) with λ = k/q and any seed
vector v, Pr[s_i = 1] = λ for every i. Thm 3.1 needs exactly this and nothing
more (no independence). The check computes every marginal as an exact
rational; a distribution that misses λ by any amount is refuted, and the
counterexample names the coordinate and carries that coordinate's projected
distribution (the smallest object that still shows the violation).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Iterable, Mapping

from .._validation import as_fraction
from ..distributions import MaskDistribution, finite
from ..results import CheckResult, Counterexample, Verdict
from ..theorems import marginals as thm
from ._noise import noise_from_config
from .registry import CheckConfig, Progress

__all__ = ["check_marginals", "run", "replay_marginal", "DEFAULTS", "MAX_SEED_VECTORS"]

DEFAULTS = {"n": 16, "q": 64, "lam": "16/64"}
MAX_SEED_VECTORS = 200_000


def check_marginals(
    distributions: Iterable[MaskDistribution],
    lam: Any,
    *,
    name: str = "marginals",
    params: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """Exhaustively check Pr[s_i = 1] = λ for every coordinate of every given distribution.

    Stops at the first violation. Returns VACUOUS when no distribution was given.
    """
    lam = as_fraction(lam, "lam")
    cases = 0
    for distribution in distributions:
        for i, marginal in enumerate(distribution.marginals()):
            cases += 1
            if thm.off(marginal, lam):
                return CheckResult(
                    name=name,
                    verdict=Verdict.REFUTED,
                    method="exhaustive",
                    cases=cases,
                    params={**(params or {}), "quantified_over": "coordinates"},
                    counterexample=_counterexample(distribution, i, lam, marginal),
                    margin=abs(marginal - lam),
                    message=f"coordinate {i} is kept with probability {marginal}, not λ = {lam}",
                )
        if progress:
            progress(1)
    if cases == 0:
        return CheckResult(name, Verdict.VACUOUS, "exhaustive", 0, {**(params or {})}, message="no distribution to check")
    return CheckResult(
        name=name,
        verdict=Verdict.VERIFIED,
        method="exhaustive",
        cases=cases,
        params={**(params or {}), "quantified_over": "coordinates"},
        margin=Fraction(0),
        message=f"all {cases} coordinate marginals equal λ = {lam} exactly",
    )


def _counterexample(distribution: MaskDistribution, i: int, lam: Fraction, marginal: Fraction) -> Counterexample:
    column = distribution.masks[:, i : i + 1]
    projected = finite(column.astype(int).tolist(), distribution.weights(), name=f"{distribution.name}[coordinate {i}]")
    masks, counts = projected.support()
    seed_vector = distribution.params.get("seed_vector")
    extra = {} if seed_vector is None else {"seed_entry": seed_vector[i]}
    data = thm.MarginalWitness(
        i, lam, marginal, {"masks": masks.astype(int).tolist(), "weights": [Fraction(c, projected.total) for c in counts]},
        distribution.name, dict(distribution.params), extra,
    ).to_data()
    return Counterexample("marginal", f"Pr[s_{i} = 1] = {marginal} but λ = {lam}", data)


def replay_marginal(data: Mapping[str, Any]) -> bool:
    """True iff the projected distribution's marginal still differs from the expected λ."""
    projected = finite(data["projected_distribution"]["masks"], data["projected_distribution"]["weights"])
    return bool(thm.off(projected.marginal(0), as_fraction(data["expected"], "expected")))


def run(config: CheckConfig, progress: Progress) -> CheckResult:
    """CLI runner: L_qv(λ) for one seed vector (given, or drawn from ``--seed``) or for all q^n."""
    noise = noise_from_config(config.with_defaults(**DEFAULTS), max_seed_vectors=MAX_SEED_VECTORS)  # L_qv, or --variant's noise
    return check_marginals(noise.distributions, noise.lam, params=noise.params, progress=progress)
