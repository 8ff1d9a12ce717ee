"""Check ``soft-stability-smoothing``: the Boolean-analytic facts of MuS smoothing (notes §3.2-3.3), exactly.

For every n = 1..:data:`MAX_N`, every classifier family of the exhaustive engine (at
x = (1, …, n)), λ ∈ :data:`LAMS`, with g = E_{s ~ Bern(λ)^n} h(· ∧ s) computed by the
smoother under test (default: the direct 2^n-term expectation), exact rationals:

1. ``tensor``: g equals the tensor-product form K^{⊗n} h (§3.2.1);
2. ``mobius``: c_S(g) = λ^{|S|} c_S(h) for every S (the operator is diagonal in the
   0/1 monomial basis, §3.2.2);
3. ``fourier``: ĝ = M ĥ with M[T, S] = λ^{|T|} (1−λ)^{|S∖T|} [T ⊆ S] for χ = (−1)^β,
   M built entry by entry (the notes' / repo's ``generate_M``, §3.2.3), n <= :data:`M_MAX_N`;
4. ``base-bound``: τ_r(h) >= 1 − Q_r(h) for every α where h has a unique top class, every r;
5. ``smoothed-bound``: τ_r(g) >= 1 − λ·(γ_h/γ_g)·Q_r(h) where both h and g have a unique
   top class (via Q_r(g) <= λ·(γ_h/γ_g)·Q_r(h), checked too), with Q_r as in :mod:`.theory`.

The paper's own theorem (its Q, hypotheses and margins) could not be recovered;
4-5 are the notes' derived statements (§3.3), which is what is checked. The
stronger "base margin fixed" form is not a theorem and is not asserted.

Planted bug: :func:`~.planted.truncated_smooth_iid` (λ → int(λq)/q) must be REFUTED.
"""

from __future__ import annotations

import math
import time
from fractions import Fraction
from typing import Any, Callable, Mapping

import numpy as np

from ..certificates import top_two
from ..model.classifiers import from_spec
from ..exhaustive.inputs import worst_case_input
from ..results import CheckResult, Verdict
from ._kinds import counterexample
from .families import base_tables
from .rates import NO_CLASS, ScoreTable, shell_counts, smooth_iid
from .theory import fourier_sums, m_matrix_apply, mobius, popcounts, reach_counts, smooth_iid_direct, spectral_weights

__all__ = ["check_smoothing", "run", "replay_smoothing", "MAX_N", "M_MAX_N", "LAMS"]

MAX_N = 6  # the default run; `--n 10` runs n <= 10 (about 150 s on 2 cores)
M_MAX_N = 8
LAMS = ("1/4", "1/2", "29/100")


def _operator_failure(h: ScoreTable, g: ScoreTable, lam: Fraction, n: int) -> dict[str, Any] | None:
    """The first of statements 1-3 that g violates, with the witness S."""
    a, b = lam.numerator, lam.denominator
    reference = smooth_iid(h, lam)
    if reference.denominator * 1 != g.denominator or not np.array_equal(np.asarray(reference.numerators, dtype=object), np.asarray(g.numerators, dtype=object)):
        # compare as rationals when the denominators differ
        for code in range(1 << n):
            if reference.value(code) != g.value(code):
                return {"statement": "tensor", "mask": code}
    ch, cg = mobius(h.numerators), mobius(g.numerators)
    sizes = popcounts(n)
    for S in range(1 << n):
        k = int(sizes[S])
        for c in range(h.classes):
            # c_S(g) / (D'·) vs λ^|S| c_S(h) / D
            if Fraction(int(cg[S, c]), g.denominator) != lam**k * Fraction(int(ch[S, c]), h.denominator):
                return {"statement": "mobius", "subset": S, "class": c, "got": Fraction(int(cg[S, c]), g.denominator), "expected": lam**k * Fraction(int(ch[S, c]), h.denominator)}
    if n <= M_MAX_N:
        fh, fg = fourier_sums(h.numerators), fourier_sums(g.numerators)
        applied, scale = m_matrix_apply(fh, lam)
        for T in range(1 << n):
            for c in range(h.classes):
                got = Fraction(int(fg[T, c]), (1 << n) * g.denominator)
                expected = Fraction(int(applied[T, c]), (1 << n) * h.denominator * scale)
                if got != expected:
                    return {"statement": "fourier", "subset": T, "class": c, "got": got, "expected": expected}
    return None


def _bound_failure(h: ScoreTable, g: ScoreTable, lam: Fraction, n: int) -> tuple[int, dict[str, Any] | None]:
    """Statements 4-5 for every α and r; returns (pairs checked, first failure)."""
    wh = spectral_weights(mobius(h.numerators), n)
    wg = spectral_weights(mobius(g.numerators), n)
    pairs = 0
    for alpha in range(1 << n):
        sh, stable_h, ref_h = shell_counts(h, alpha)
        sg, stable_g, ref_g = shell_counts(g, alpha)
        m = len(sh) - 1
        gap_h, gap_g = top_two(h.value(alpha)).gap, top_two(g.value(alpha)).gap
        size = good_h = good_g = 0
        for r in range(m + 1):
            size, good_h, good_g = size + sh[r], good_h + stable_h[r], good_g + stable_g[r]
            reach = reach_counts(m, r)
            sum_h = Fraction(sum(reach[u] * int(wh[alpha, u]) for u in range(1, m + 1)), h.denominator * size)  # Σ |c| π_r
            sum_g = Fraction(sum(reach[u] * int(wg[alpha, u]) for u in range(1, m + 1)), g.denominator * size)
            if ref_h != NO_CLASS:
                pairs += 1
                q_h = 2 * sum_h / gap_h
                if Fraction(good_h, size) < 1 - q_h:
                    return pairs, {"statement": "base-bound", "alpha": alpha, "r": r, "tau": Fraction(good_h, size), "bound": 1 - q_h}
                if ref_g != NO_CLASS:
                    q_g = 2 * sum_g / gap_g
                    smoothed = lam * (gap_h / gap_g) * q_h
                    if q_g > smoothed or Fraction(good_g, size) < 1 - smoothed:
                        return pairs, {"statement": "smoothed-bound", "alpha": alpha, "r": r, "tau": Fraction(good_g, size), "bound": 1 - smoothed, "q_g": q_g}
    return pairs, None


def check_smoothing(
    smoother: Callable[[ScoreTable, Any], ScoreTable] = smooth_iid_direct,
    *,
    max_n: int = MAX_N,
    lams: tuple[str, ...] = LAMS,
    classes: int = 3,
    seed: int = 0,
    families: str | None = None,
    progress: Callable[[int], None] = lambda _k: None,
) -> CheckResult:
    started = time.perf_counter()
    name = getattr(smoother, "__name__", repr(smoother))
    params = {"smoother": name, "max_n": max_n, "m_max_n": M_MAX_N, "lams": list(lams), "classes": classes, "seed": seed, "families": families or "tables,voting,mlp",
              "quantified_over": "(n, classifier, λ): operator identities on every subset; bounds on every (α, r)"}
    tables = identities = pairs = 0
    for n in range(1, max_n + 1):
        for classifier, h in base_tables(n, classes, seed, families):
            for text in lams:
                lam = Fraction(text)
                g = smoother(h, lam)
                tables += 1
                failure = _operator_failure(h, g, lam, n)
                identities += 3 << n
                if failure is None:
                    checked, failure = _bound_failure(h, g, lam, n)
                    pairs += checked
                if failure is not None:
                    data = {"classifier": dict(classifier.spec), "n": n, "lam": lam, "x": worst_case_input(n).tolist(), "g_numerators": np.asarray(g.numerators, dtype=object).tolist(), "g_denominator": g.denominator, **failure}
                    summary = f"{classifier!r}, n={n}, λ={lam}: statement '{failure['statement']}' fails " + ", ".join(f"{k}={v}" for k, v in failure.items() if k not in ("statement",))
                    return CheckResult("soft-stability-smoothing", Verdict.REFUTED, "exhaustive", identities + pairs, params, counterexample("soft-stability-smoothing", summary, data), None, summary, time.perf_counter() - started, {})
        progress(1)
    message = f"{tables} smoothed tables: tensor, Möbius and ±1-basis identities on every subset, and the §3.3 bounds on {pairs} (α, r) pairs, exactly"
    return CheckResult("soft-stability-smoothing", Verdict.VERIFIED, "exhaustive", identities + pairs, params, None, None, message, time.perf_counter() - started, {"tables": tables, "bound_pairs": pairs})


def run(config: Any, progress: Callable[[int], None]) -> CheckResult:
    extra: Mapping[str, Any] = dict(config.extra)
    max_n = extra.get("max_n", MAX_N if config.n is None else config.n)
    return check_smoothing(extra.get("smoother", smooth_iid_direct), max_n=int(max_n), classes=config.classes or 3, seed=config.seed, families=config.classifiers, progress=progress)


def replay_smoothing(data: Mapping[str, Any]) -> bool:
    """True iff the recorded g (numerators over its denominator) still violates the recorded statement for the rebuilt h."""
    n, lam = int(data["n"]), Fraction(str(data["lam"]))
    h = ScoreTable.from_classifier(from_spec(data["classifier"]), np.asarray(data["x"], dtype=np.float64), n)
    g = ScoreTable(n, np.array([[int(v) for v in row] for row in data["g_numerators"]], dtype=object), int(data["g_denominator"]))
    if data["statement"] in ("tensor", "mobius", "fourier"):
        return _operator_failure(h, g, lam, n) is not None
    return _bound_failure(h, g, lam, n)[1] is not None
