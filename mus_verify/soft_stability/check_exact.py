"""Check ``soft-stability-exact``: the enumeration identities of Δ_r and τ_r, and τ_r = 1 inside the MuS radius.

Statements, for every smoothed classifier g = MuS_{L_qv(λ)}(h) of :mod:`.families`
(every family, average and vote mode), every α ∈ {0,1}^n and every r = 0..m
(so the edge cases m = 0 and m = 1 are included at every n), exact:

1. |Δ_r| = Σ_{j ≤ min(r,m)} C(m, j), counted by enumerating the cone (notes §6.1);
2. τ_0 = 1 when g(α) has a unique top class (τ_r = 0 at a tie under the strict policy);
   1/|Δ_r| <= τ_r <= 1; τ_r = τ_m for r >= m (§6.2, 6.4);
3. τ_r = 1 ⇔ r <= R* (the exact hard radius) (§6.3);
4. **certificate soundness** (Thm 3.2 read for soft stability, §6.9): with the radius
   rule ρ (default: the strict ⌈gap/(2λ)⌉ − 1), τ_r(g) = 1 for every r <= min(m, ρ),
   and τ_r(g) >= |Δ_ρ| / |Δ_r| beyond; for supersets (incremental) and, as the
   decremental analogue, for subsets of α;
5. the boundary example of notes §3.2.5 (n = 1, λ = 1/2, gap/(2λ) = 1 exactly, a
   flip at r = 1) is part of the default configurations (n = 1, q = 2).

Planted bugs (``radius_rule=``): :func:`~.planted.ge_radius` ("gap/(2λ) >= r") and
:func:`~.planted.truncated_radius` (λ → int(λq)/q) must be REFUTED.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Callable, Mapping, Sequence

from ..certificates import certified_radius, top_two
from ..results import CheckResult, Verdict
from ._kinds import counterexample
from .families import Case, case_table, smoothed_cases
from .rates import NO_CLASS, shell_counts, stability_rate

__all__ = ["DEFAULT_CONFIGS", "check_exact", "run", "replay_hard_radius"]

# (n, q, λ): n = 1, q = 2 holds the §3.2.5 boundary example; λ = 29/100 at q = 100 is the published float-truncation case
DEFAULT_CONFIGS: tuple[tuple[int, int, str], ...] = ((1, 2, "1/2"), (2, 2, "1/2"), (3, 4, "1/4"), (4, 100, "29/100"), (6, 8, "3/8"), (8, 16, "4/16"))
RadiusRule = Callable[[Any, Any], int]


def check_exact(
    configs: Sequence[tuple[int, int, str]] = DEFAULT_CONFIGS,
    *,
    classes: int = 3,
    seed: int = 0,
    families: str | None = None,
    radius_rule: RadiusRule = certified_radius,
    progress: Callable[[int], None] = lambda _k: None,
) -> CheckResult:
    import time

    started = time.perf_counter()
    pairs = certificates = nontrivial = 0
    tightest: int | None = None
    failure: tuple[Case, dict[str, Any]] | None = None
    rule_name = getattr(radius_rule, "__name__", repr(radius_rule))
    for case in smoothed_cases(configs, classes, seed, families):
        n, table = case.n, case.table
        for alpha in range(1 << n):
            for direction in ("add", "remove"):
                sizes, stable, reference = shell_counts(table, alpha, direction=direction)
                m = len(sizes) - 1
                # 1. |Δ_r| by enumeration equals the binomial sum; 2-3. the rate identities
                if sizes != [math.comb(m, j) for j in range(m + 1)]:
                    raise AssertionError(f"cone enumeration of α={alpha} gave shells {sizes}")  # pragma: no cover
                size = good = 0
                hard = -1 if reference == NO_CLASS else None
                for r in range(m + 2):
                    if r <= m:
                        size, good = size + sizes[r], good + stable[r]
                    if hard is None and good != size:
                        hard = r - 1
                    if (reference != NO_CLASS and not 1 <= good <= size) or (r == 0 and reference != NO_CLASS and good != 1):
                        raise AssertionError(f"rate identity broken at α={alpha}, r={r}")  # pragma: no cover
                    pairs += 1
                if hard is None:
                    hard = m
                if reference == NO_CLASS:
                    continue
                # 4. soundness of the certificate for this direction
                best = top_two(table.value(alpha))
                radius = radius_rule(best.gap, case.lam)
                certificates += 1
                nontrivial += radius >= 1
                claimed = min(radius, m)
                tightest = hard - claimed if tightest is None else min(tightest, hard - claimed)
                if hard < claimed and failure is None:
                    r = hard + 1
                    rate = stability_rate(table, alpha, r, direction=direction)
                    failure = (case, {"alpha": alpha, "r": r, "direction": direction, "claimed_radius": radius, "gap": best.gap, "tau": rate.rate, "strict_radius": certified_radius(best.gap, case.lam), "rule": rule_name})
        progress(1)
    params = {"configs": [list(c) for c in configs], "classes": classes, "seed": seed, "families": families or "tables,voting,mlp", "radius_rule": rule_name, "tie": "strict",
              "quantified_over": "(classifier, mode, α, direction, r) for every α of every smoothed classifier g"}
    details = {"certificates": certificates, "nontrivial_certificates": nontrivial, "rate_pairs": pairs}
    elapsed = time.perf_counter() - started
    if failure is not None:
        case, info = failure
        data = {**case.data(), **info}
        summary = (f"{case.label} ({case.mode}, n={case.n}, q={case.q}, λ={case.lam}): the {rule_name} radius {info['claimed_radius']} at α={info['alpha']} "
                   f"claims τ_{info['r']} = 1 ({info['direction']}), but τ_{info['r']} = {info['tau']}")
        return CheckResult("soft-stability-exact", Verdict.REFUTED, "exhaustive", pairs, params, counterexample("soft-stability-hard-radius", summary, data), None, summary, elapsed, details)
    if certificates == 0:
        return CheckResult("soft-stability-exact", Verdict.VACUOUS, "exhaustive", 0, params, None, None, "no α with a unique class: nothing certified", elapsed, details)
    message = f"{pairs} (α, r) rate identities and {certificates} certificates ({nontrivial} with radius >= 1) hold exactly; min slack R* − radius = {tightest}"
    return CheckResult("soft-stability-exact", Verdict.VERIFIED, "exhaustive", pairs, params, None, Fraction(tightest or 0), message, elapsed, details)


def run(config: Any, progress: Callable[[int], None]) -> CheckResult:
    extra: Mapping[str, Any] = dict(config.extra)
    configs = extra.get("configs", DEFAULT_CONFIGS)
    if config.n is not None or config.q is not None or config.lam is not None:
        configs = _single_config(config)
    return check_exact(configs, classes=config.classes or 3, seed=config.seed, families=config.classifiers, radius_rule=extra.get("radius_rule", certified_radius), progress=progress)


def _single_config(config: Any) -> tuple[tuple[int, int, str], ...]:
    from .._validation import as_fraction, as_int, check_lambda, check_q

    n = as_int(config.n if config.n is not None else 4, "--n", low=1, high=12)
    # the CLI has already inferred q from --lam K/Q (cli._options.resolve_q); from Python, λ's denominator
    q = check_q(config.q if config.q is not None else (as_fraction(config.lam, "--lam").denominator if config.lam is not None else 4), "--q")
    lam = check_lambda(config.lam if config.lam is not None else f"1/{q}", q, "--lam")
    return ((n, q, str(lam)),)


def replay_hard_radius(data: Mapping[str, Any]) -> bool:
    """True iff the rebuilt g has τ_r < 1 at a radius r the recorded rule claimed, beyond the strict radius."""
    _, g = case_table(data)
    r = int(data["r"])
    rate = stability_rate(g, int(data["alpha"]), r, direction=data["direction"])
    strict = certified_radius(top_two(g.value(int(data["alpha"]))).gap, Fraction(str(data["lam"])))
    return rate.rate < 1 and r <= int(data["claimed_radius"]) and strict < r
