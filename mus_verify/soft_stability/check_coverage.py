"""Check ``soft-stability-coverage``: SCA's interval τ̂ ± ε misses the exact τ_r no more often than the binomial law allows.

Statement (notes §2.4, §6.13-6.16). With N i.i.d. uniform draws, N·τ̂ ~ Binomial(N, τ_r), so
one run misses (|τ̂ − τ_r| > ε) with the exact probability p = P(|X/N − τ_r| > ε), and
p <= δ when N >= ⌈ln(2/δ)/(2ε²)⌉ (Hoeffding). Over K independent seeds the miss count
is Binomial(K, p). The check:

1. N used by the certifier satisfies the two-sided Hoeffding requirement for (ε, δ)
   (decided exactly, :func:`~.bounds.hoeffding_guarantees`);
2. for each case (a smoothed classifier g of :mod:`.families` with exact τ_r in
   [:data:`TAU_RANGE`], where a sampler or noise bug can show), the miss count over
   K seeds passes the **one-sided** binomial test P(Bin(K, p) >= misses) >= level/cases
   (level :data:`LEVEL` = 1e-6, Bonferroni over cases): a correct SCA fails it with
   probability <= 1e-6, so CI is not flaky, and a single miss is never a refutation.

Planted bugs: :class:`~.planted.UniformShellSampler`, :func:`~.planted.one_sided_samples`
and :class:`~.planted.FreshNoiseClassifier` must be REFUTED.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any, Callable, Mapping

from ..results import CheckResult, Verdict
from ._kinds import counterexample
from .bounds import binomial_miss_probability, binomial_upper_tail, hoeffding_guarantees, hoeffding_miss_bound, hoeffding_samples
from .families import Case, case_table, smoothed_cases
from .rates import stability_rate
from .sampler import UniformSupersetSampler
from .sca import sca, table_classifier

__all__ = ["check_coverage", "run", "replay_coverage", "replay_sample_size", "LEVEL", "TAU_RANGE"]

LEVEL = Fraction(1, 10**6)
TAU_RANGE = (Fraction(1, 5), Fraction(4, 5))
DEFAULT_CONFIG = (8, 8, "2/8")
DEFAULT_SEEDS = 60
MAX_CASES = 6


def _select(seed: int, max_cases: int) -> list[tuple[Case, int, int, Fraction]]:
    """Cases in registration order whose exact τ_r lies in TAU_RANGE: α = the first two features, r in (2, 4)."""
    chosen = []
    for case in smoothed_cases([DEFAULT_CONFIG], 3, seed, modes=("vote",)):
        alpha = 0b11
        for r in (2, 4):
            tau = stability_rate(case.table, alpha, r).rate
            if TAU_RANGE[0] <= tau <= TAU_RANGE[1]:
                chosen.append((case, alpha, r, tau))
        if len(chosen) >= max_cases:
            break
    return chosen[:max_cases]


def check_coverage(
    *,
    sampler: Callable[[int, int, int], Any] = UniformSupersetSampler,
    samples: Callable[[Any, Any], int] = hoeffding_samples,
    classifier: Callable[[Case], Any] = lambda case: table_classifier(case.table),
    eps: Any = "1/10",
    delta: Any = "1/10",
    seeds: int = DEFAULT_SEEDS,
    seed: int = 0,
    max_cases: int = MAX_CASES,
    progress: Callable[[int], None] = lambda _k: None,
) -> CheckResult:
    started = time.perf_counter()
    eps, delta = Fraction(eps), Fraction(delta)
    N = int(samples(eps, delta))
    names = {"sampler": getattr(sampler, "__name__", repr(sampler)), "samples": getattr(samples, "__name__", repr(samples))}
    params = {**names, "eps": eps, "delta": delta, "n_samples": N, "seeds_per_case": seeds, "level": LEVEL, "config": list(DEFAULT_CONFIG), "tau_range": list(TAU_RANGE),
              "quantified_over": "SCA runs (cases × seeds), each compared with the exact τ_r"}
    if not hoeffding_guarantees(N, eps, delta):
        data = {"n_samples": N, "eps": eps, "delta": delta, "required": hoeffding_samples(eps, delta), "hoeffding_bound": str(hoeffding_miss_bound(N, eps))}
        summary = f"N = {N} samples for ε = {eps}, δ = {delta}: two-sided Hoeffding gives 2·exp(−2Nε²) = {float(hoeffding_miss_bound(N, eps)):.4f} > δ (needs N >= {data['required']})"
        return CheckResult("soft-stability-coverage", Verdict.REFUTED, "exact", 1, params, counterexample("soft-stability-sample-size", summary, data), None, summary, time.perf_counter() - started, {})
    cases = _select(seed, max_cases)
    if not cases:
        return CheckResult("soft-stability-coverage", Verdict.VACUOUS, "sampled", 0, params, None, None, "no case with τ in the informative range", time.perf_counter() - started, {})
    per_case: list[dict[str, Any]] = []
    failure = None
    threshold = LEVEL / len(cases)
    for index, (case, alpha, r, tau) in enumerate(cases):
        p = binomial_miss_probability(N, tau, eps)
        f = classifier(case)
        estimates = [sca(f, alpha, r, eps=eps, delta=delta, seed=seed * 100_003 + index * 1009 + k, n_samples=N, sampler=sampler(case.n, alpha, r), intervals=False) for k in range(seeds)]
        misses = sum(e.misses(tau) for e in estimates)
        tail = binomial_upper_tail(seeds, p, misses)
        # exact p and tail decide the verdict; JSON gets floats (their exact forms have thousands of digits)
        row = {"case": case.label, "mode": case.mode, "alpha": alpha, "r": r, "tau": tau, "miss_probability": float(p), "misses": misses, "seeds": seeds, "p_value": float(tail),
               "mean_estimate": float(sum(e.estimate for e in estimates) / seeds)}
        per_case.append(row)
        if tail < threshold and failure is None:  # exact comparison
            failure = {**case.data(), **row, "n_samples": N, "eps": eps, "threshold": threshold, "estimates": [e.stable for e in estimates]}
        progress(1)
    details = {"cases": per_case}
    runs = seeds * len(cases)
    if failure is not None:
        summary = (f"{failure['case']} at α={failure['alpha']}, r={failure['r']}: {failure['misses']} of {seeds} intervals miss τ = {failure['tau']} "
                   f"(exact miss probability {float(failure['miss_probability']):.4f}; P(Bin >= misses) = {float(failure['p_value']):.3g} < {float(threshold):.3g})")
        return CheckResult("soft-stability-coverage", Verdict.REFUTED, "sampled", runs, params, counterexample("soft-stability-coverage", summary, failure), None, summary, time.perf_counter() - started, details)
    worst = min(row["p_value"] for row in per_case)  # a float, for the message only
    message = f"{runs} SCA runs over {len(cases)} cases: misses {[row['misses'] for row in per_case]} all within the binomial law (smallest p-value {float(worst):.3g} >= {float(threshold):.3g})"
    return CheckResult("soft-stability-coverage", Verdict.NO_COUNTEREXAMPLE, "sampled", runs, params, None, None, message, time.perf_counter() - started, details)


def run(config: Any, progress: Callable[[int], None]) -> CheckResult:
    extra: Mapping[str, Any] = dict(config.extra)
    options = {k: extra[k] for k in ("sampler", "samples", "classifier", "eps", "delta", "seeds", "max_cases") if k in extra}
    return check_coverage(seed=config.seed, progress=progress, **options)


def replay_coverage(data: Mapping[str, Any]) -> bool:
    """True iff, with τ recomputed exactly from the rebuilt g, the recorded estimates miss too often for Binomial(K, p)."""
    _, g = case_table(data)
    tau = stability_rate(g, int(data["alpha"]), int(data["r"])).rate
    N, eps = int(data["n_samples"]), Fraction(str(data["eps"]))
    misses = sum(abs(Fraction(int(k), N) - tau) > eps for k in data["estimates"])
    p = binomial_miss_probability(N, tau, eps)
    return binomial_upper_tail(len(data["estimates"]), p, misses) < Fraction(str(data["threshold"]))


def replay_sample_size(data: Mapping[str, Any]) -> bool:
    """True iff N is below the two-sided Hoeffding requirement for the recorded (ε, δ)."""
    return not hoeffding_guarantees(int(data["n_samples"]), Fraction(str(data["eps"])), Fraction(str(data["delta"])))
