"""Check: λ is the smallest valid Lipschitz constant of Thm 3.1 (some classifier reaches it).

Statement. L* = sup over base classifiers with values in [0, 1], inputs x and
edges (α, α + e_i) of |g_c(x, α) − g_c(x, α + e_i)| equals λ exactly: λ is valid
(L* <= λ, Thm 3.1) and cannot be lowered (L* >= λ). The sup over classifiers
of one edge is the total-variation distance of the two masked-input laws
(see :mod:`mus_verify.checks.lipschitz`), and the sup over x is reached at x
with nonzero entries (data processing), so L* is computed exactly by the TV
scan of every edge at x = (1, ..., n). Edges suffice because L1 distances on
the cube are path lengths (a pair at distance d moves g by at most d · L*).

For MuS, L* is the largest coordinate marginal: the classifier "class 1 iff
feature i is visible" moves g by exactly Pr[s_i = 1] on the edge (0, e_i).

Verdicts: PROVED when L* = λ, with the witness edge and classifier replayed in
the exact reference (``details["witness"]``); REFUTED when L* > λ (λ is not
valid: a shrunk edge counterexample, as ``lipschitz`` reports) or L* < λ (λ is
not the smallest constant: no classifier reaches it; kind ``"tightness"``,
whose replay recomputes every edge's TV from the distribution in exact
rationals, n · 2^(n−1) edges, and confirms the largest one through
:func:`mus_verify.smoothing.smooth`). Planted bug: :func:`~mus_verify.exhaustive.planted.lowered_lqv`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Iterable, Mapping

import numpy as np

from .._validation import as_fraction
from ..distributions import MaskDistribution
from ..core.bits import bits_of
from ..model.classifiers import from_spec
from ..exhaustive.engine import encode_noise
from ..exhaustive.inputs import worst_case_input
from ..exhaustive.mask_encodings import MULTIPLICATIVE, SmoothingVariant, masked_rows, resolve_variant
from ..replaying import Replay
from ..results import CheckResult, Counterexample, Verdict
from ._replay import exact_variant
from ._exhaustive import Clock, distribution_data, distribution_from_data, setup_from_config
from ..theorems import tightness as thm
from .lipschitz import edge_counterexample, edge_violates, scan_edges, shrink_edge
from .registry import CheckConfig, Progress

__all__ = ["check_tightness", "run", "replay_tightness", "DEFAULTS"]

DEFAULTS = {"n": 16, "q": 64, "lam": "16/64", "classes": 3, "classifiers": "tables,voting,mlp"}


def check_tightness(
    distributions: MaskDistribution | Iterable[MaskDistribution],
    lam: Any,
    *,
    variant: SmoothingVariant | str = MULTIPLICATIVE,
    name: str = "tightness",
    params: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """L* = λ exactly, for every given distribution (PROVED), else REFUTED with the edge or the shortfall."""
    lam = as_fraction(lam, "lam")
    variant = resolve_variant(variant)
    clock = Clock()
    cases = 0
    witness: dict[str, Any] = {}
    for distribution in [distributions] if isinstance(distributions, MaskDistribution) else distributions:
        noise = encode_noise(distribution)
        n = noise.n
        x = worst_case_input(n)
        scan = scan_edges(noise, variant, x, lam, clock.stats, progress, stop=False)
        cases += scan.edges
        alpha, i = scan.argmax
        if scan.violation is not None:
            bad_alpha, bad_i = scan.violation
            x_small, alpha_small = shrink_edge(noise, variant, x, bad_alpha, bad_i, edge_violates(noise, variant, lam, bad_i))
            cex, difference = edge_counterexample(noise, variant, x_small, alpha_small, bad_i, lam, summary_prefix="λ is not a valid constant: ")
            return _result(name, Verdict.REFUTED, cases, params, clock, cex, lam - scan.max_tv,
                           f"{cex.summary}; the exact constant is {scan.max_tv}; {clock.line()}", {"max_tv": scan.max_tv})
        cex, _ = edge_counterexample(noise, variant, x, alpha, i, lam)
        if thm.short(scan.max_tv, lam):
            data = thm.TightnessWitness(variant.name, [float(v) for v in x], lam, scan.max_tv,
                                        {"alpha": bits_of(alpha, n), "feature": i, "classifier": cex.data["classifier"]},
                                        scan.edges, distribution_data(distribution)).to_data()
            summary = f"no classifier reaches λ = {lam}: the largest |Δg| over all {scan.edges:,} edges and all classifiers is {scan.max_tv} (at feature {i})"
            tight = Counterexample("tightness", summary, data)
            return _result(name, Verdict.REFUTED, cases, params, clock, tight, lam - scan.max_tv, f"λ is not the smallest constant: {summary}; {clock.line()}", {"max_tv": scan.max_tv})
        if not witness:  # λ is reached: confirm the witness edge in the exact reference once
            moved = _moved(cex.data, variant)
            witness = {**cex.data, "distribution": distribution.name, "reference_difference": moved,
                       "reference_reaches_lambda": not (thm.short(moved, lam) or thm.too_large(moved, lam))}
    if cases == 0:
        return _result(name, Verdict.VACUOUS, 0, params, clock, None, Fraction(0), "no distribution to check", {})
    message = (f"λ = {lam} is the exact Lipschitz constant over every classifier with values in [0, 1]: no edge of {cases:,} exceeds it "
               f"and the classifier 'class 1 on {len(witness['classifier']['rows'])} masked input(s)' reaches it on feature "
               f"{int(np.flatnonzero(np.array(witness['alpha']) != np.array(witness['alpha_prime']))[0])}; {clock.line()}")
    return _result(name, Verdict.PROVED, cases, params, clock, None, Fraction(0), message, {"witness": witness})


def _moved(data: Mapping[str, Any], variant: SmoothingVariant) -> Fraction:
    """|g_c(x, α) − g_c(x, α')| of an edge counterexample's data, in the variant's exact reference."""
    distribution = distribution_from_data(data["distribution"])
    h = from_spec(data["classifier"])
    c = int(data["class"])
    g_a = variant.exact(h, data["x"], data["alpha"], distribution, data["mode"])
    g_b = variant.exact(h, data["x"], data["alpha_prime"], distribution, data["mode"])
    return abs(g_a[c] - g_b[c])


def replay_tightness(data: Mapping[str, Any], *, variant: Any = None) -> Any:
    """True iff, recomputed in exact rationals, every edge's TV is < λ and the largest equals ``max_tv``.

    The laws of the masked inputs are built from the distribution and the
    variant's digits (n · 2^(n−1) edges: slow beyond n ≈ 12), and the largest
    edge is confirmed through :func:`mus_verify.smoothing.smooth` with its
    witness classifier.
    """
    distribution = distribution_from_data(data["distribution"])
    variant = exact_variant(data, variant)
    if isinstance(variant, Replay):
        return variant  # an unregistered variant is user code: not replayed unless named again
    lam = as_fraction(data["lam"], "lam")
    x = np.asarray(data["x"], dtype=np.float64)
    n = distribution.n
    weights = distribution.weights()
    laws = []
    for code in range(1 << n):
        rows = masked_rows(x, variant.digits(np.array(bits_of(code, n), dtype=bool), distribution.masks))
        law: dict[bytes, Fraction] = {}
        for row, w in zip(rows, weights):
            law[row.tobytes()] = law.get(row.tobytes(), Fraction(0)) + w
        laws.append(law)
    largest = Fraction(0)
    for i in range(n):
        for code in range(1 << n):
            if not (code >> i) & 1:
                a, b = laws[code], laws[code | (1 << i)]
                largest = max(largest, sum((p - b.get(k, 0) for k, p in a.items() if p > b.get(k, 0)), Fraction(0)))
    reached = data["reached_at"]
    alpha = reached["alpha"]
    alpha_prime = list(alpha)
    alpha_prime[int(reached["feature"])] = 1
    h = from_spec(reached["classifier"])
    moved = variant.exact(h, x, alpha, distribution, "average")[1] - variant.exact(h, x, alpha_prime, distribution, "average")[1]
    return bool(thm.short(largest, lam)) and largest == as_fraction(data["max_tv"], "max_tv") and abs(moved) == largest


def _result(name: str, verdict: Verdict, cases: int, params: Mapping[str, Any] | None, clock: Clock, cex: Counterexample | None,
            margin: Fraction, message: str, details: Mapping[str, Any]) -> CheckResult:
    quantified_over = "every edge (α, α + e_i) at x = (1, ..., n) (the worst case) and every base classifier with values in [0, 1]"
    return clock.result(name, verdict, "exhaustive+tv", cases, params, quantified_over, cex, margin, message, details)


def run(config: CheckConfig, progress: Progress) -> CheckResult:
    """CLI runner: L_qv(λ) noise, MuS unless ``extra['variant']`` says otherwise."""
    setup = setup_from_config(config, DEFAULTS, uses_classifiers=False)
    return check_tightness(setup.distributions, setup.lam, variant=setup.variant, params=setup.params, progress=progress)
