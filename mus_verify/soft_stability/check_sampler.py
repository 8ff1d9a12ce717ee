"""Check ``soft-stability-sampler``: the SCA sampler's law is exactly Unif(Δ_r(α)) (notes §6.12).

1. **Exact** (small m): for every n <= :data:`EXACT_MAX_N`, every α ∈ {0,1}^n and every
   r = 0..m+1, the sampler is run under *every* outcome of its integer draws
   (:func:`~.sampler.exact_law`); the resulting law, as fractions, must put exactly
   1/|Δ_r| on each element of Δ_r and nothing elsewhere. This covers m = 0, m = 1
   and r > m (each added feature then a fair coin).
2. **Statistical** (fixed seeds): Pearson χ² goodness of fit of the drawn states to
   the uniform law (n = 6, m = 6, r = 3: 42 states) and of the number of added
   features to ∝ C(m, j) at m = 147, r = 10 (the ViT setting, the big-integer
   path), each at false-alarm rate :data:`FALSE_ALARM` = 1e-6 per test. Shells with
   expected count < 5 are pooled.

Planted bug: :class:`~.planted.UniformShellSampler` (j uniform) must be REFUTED.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..results import CheckResult, Verdict
from ._kinds import counterexample
from .perturbations import delta_size, free_positions, shell_sizes, supersets
from .sampler import IntegerSource, UniformSupersetSampler, exact_law

__all__ = ["check_sampler", "run", "replay_law", "replay_fit", "chi_square", "FALSE_ALARM", "EXACT_MAX_N"]

EXACT_MAX_N = 6
FALSE_ALARM = 1e-6
STAT_DRAWS = 20_000
SamplerFactory = Callable[[int, int, int], Any]


def chi_square(counts: Sequence[int], probabilities: Sequence[Any]) -> tuple[float, int, float]:
    """Pearson χ² of counts against probabilities, pooling cells with expected < 5; (statistic, dof, p-value)."""
    from scipy.stats import chi2

    total = sum(counts)
    cells, pooled_c, pooled_e = [], 0, 0.0
    for c, p in sorted(zip(counts, (float(Fraction(p)) for p in probabilities)), key=lambda t: t[1]):
        pooled_c, pooled_e = pooled_c + c, pooled_e + p * total
        if pooled_e >= 5:
            cells.append((pooled_c, pooled_e))
            pooled_c, pooled_e = 0, 0.0
    if pooled_e > 0 or pooled_c:
        if cells:
            last = cells.pop()
            cells.append((last[0] + pooled_c, last[1] + pooled_e))
        else:
            cells.append((pooled_c, pooled_e))
    statistic = sum((c - e) ** 2 / e for c, e in cells if e > 0)
    dof = max(1, len(cells) - 1)
    return float(statistic), dof, float(chi2.sf(statistic, dof))


def _exact_part(factory: SamplerFactory, max_n: int) -> tuple[int, dict[str, Any] | None]:
    cases = 0
    for n in range(max_n + 1):
        for alpha in range(1 << n):
            m = n - bin(alpha).count("1")
            for r in range(m + 2):
                law = exact_law(factory(n, alpha, r))
                support = set(supersets(alpha, n, r))
                target = Fraction(1, delta_size(m, r))
                cases += 1
                bad = sorted(set(law) ^ support) + sorted(c for c in support & set(law) if law[c] != target)
                if bad:
                    state = bad[0]
                    return cases, {"n": n, "alpha": alpha, "r": r, "law": {str(c): p for c, p in sorted(law.items())}, "state": state,
                                   "probability": law.get(state, Fraction(0)), "expected": target if state in support else Fraction(0)}
    return cases, None


def _fit_part(factory: SamplerFactory, seed: int) -> tuple[int, list[dict[str, Any]], dict[str, Any] | None]:
    tests: list[dict[str, Any]] = []
    # (a) every state of Δ_3 at n = m = 6
    sampler = factory(6, 0, 3)
    codes = sampler.draw(IntegerSource(seed), STAT_DRAWS)
    states = supersets(0, 6, 3)
    index = {c: k for k, c in enumerate(states)}
    counts = [0] * len(states)
    outside = 0
    for c in codes:
        if c in index:
            counts[index[c]] += 1
        else:
            outside += 1
    tests.append({"test": "states of Δ_3, n = m = 6", "counts": counts, "probabilities": [Fraction(1, len(states))] * len(states), "outside": outside})
    # (b) the number of added features at m = 147, r = 10 (big-integer weights)
    sampler = factory(196, (1 << 49) - 1, 10)
    added = [bin(c).count("1") - 49 for c in sampler.draw(IntegerSource(seed + 1), STAT_DRAWS // 4)]
    weights = shell_sizes(147, 10)
    total = sum(weights)
    tests.append({"test": "added features j at m = 147, r = 10", "counts": [added.count(j) for j in range(11)], "probabilities": [Fraction(w, total) for w in weights], "outside": sum(not 0 <= j <= 10 for j in added)})
    failure = None
    for t in tests:
        statistic, dof, p = chi_square(t["counts"], t["probabilities"])
        t.update({"statistic": statistic, "dof": dof, "p_value": p, "threshold": FALSE_ALARM})
        if (p < FALSE_ALARM or t["outside"]) and failure is None:
            failure = t
    return sum(len(t["counts"]) for t in tests), tests, failure


def check_sampler(factory: SamplerFactory = UniformSupersetSampler, *, seed: int = 0, exact_max_n: int = EXACT_MAX_N, progress: Callable[[int], None] = lambda _k: None) -> CheckResult:
    started = time.perf_counter()
    name = getattr(factory, "__name__", repr(factory))
    params = {"sampler": name, "exact_max_n": exact_max_n, "seed": seed, "draws": STAT_DRAWS, "false_alarm_per_test": FALSE_ALARM,
              "quantified_over": f"(n, α, r) for n <= {exact_max_n}, every α, r = 0..m+1 (exact law); 2 fixed-seed χ² tests"}
    exact_cases, wrong = _exact_part(factory, exact_max_n)
    progress(1)
    if wrong is not None:
        summary = f"{name}: at n={wrong['n']}, α={wrong['alpha']}, r={wrong['r']} the state {wrong['state']} has probability {wrong['probability']}, not {wrong['expected']}"
        return CheckResult("soft-stability-sampler", Verdict.REFUTED, "exhaustive", exact_cases, params, counterexample("soft-stability-sampler-law", summary, wrong), None, summary, time.perf_counter() - started, {})
    cells, tests, failed = _fit_part(factory, seed)
    progress(1)
    details = {"exact_laws": exact_cases, "fit_tests": [{k: v for k, v in t.items() if k not in ("counts", "probabilities")} for t in tests]}
    if failed is not None:
        summary = f"{name}: χ² test '{failed['test']}' has p = {failed['p_value']:.3g} < {FALSE_ALARM} ({failed['outside']} draws outside the support)"
        return CheckResult("soft-stability-sampler", Verdict.REFUTED, "sampled", exact_cases + cells, params, counterexample("soft-stability-sampler-fit", summary, failed), None, summary, time.perf_counter() - started, details)
    p_values = ", ".join(f"{t['p_value']:.3g}" for t in tests)
    message = f"exact law uniform on Δ_r in {exact_cases} (n, α, r) cases; χ² p-values {p_values} (threshold {FALSE_ALARM})"
    return CheckResult("soft-stability-sampler", Verdict.VERIFIED, "exhaustive", exact_cases, params, None, None, message, time.perf_counter() - started, details)


def run(config: Any, progress: Callable[[int], None]) -> CheckResult:
    extra: Mapping[str, Any] = dict(config.extra)
    return check_sampler(extra.get("sampler", UniformSupersetSampler), seed=config.seed, progress=progress)


def replay_law(data: Mapping[str, Any]) -> bool:
    """True iff the recorded law is not uniform on the recomputed Δ_r(α)."""
    n, alpha, r = int(data["n"]), int(data["alpha"]), int(data["r"])
    law = {int(k): Fraction(str(v)) for k, v in data["law"].items()}
    support = set(supersets(alpha, n, r))
    target = Fraction(1, delta_size(len(free_positions(alpha, n)), r))
    return set(law) != support or any(law[c] != target for c in support)


def replay_fit(data: Mapping[str, Any]) -> bool:
    """True iff the recorded counts fail the χ² test at the recorded threshold (or fell outside the support)."""
    _, _, p = chi_square([int(c) for c in data["counts"]], [Fraction(str(p)) for p in data["probabilities"]])
    return p < float(data["threshold"]) or int(data.get("outside", 0)) > 0
