"""Check: masking equivalence g(x ⊙ α, 1) = g(x, α) (paper §3.1, eq. 3; fails for additive noise, Prop. A.1).

Statement. For every input x, mask α and base classifier h,
E_s h((x ⊙ α) ⊙ e(1, s)) = E_s h(x ⊙ e(α, s)): smoothing the masked input
equals smoothing with the mask. Stability (Thm 3.2) rests on it: it is what
lets f(x ⊙ α) be read as g(x, α).

For every classifier at once: the two sides are expectations of h over two
laws of masked inputs, so they agree for every h iff the two laws are equal,
i.e. their total-variation distance is 0. The check computes that distance
exactly for every α (2^n of them) at x with distinct nonzero entries and at x
with zero entries. Equal laws at x' stay equal after zeroing entries (both
sides are pushed forward by the same map), so the nonzero x covers every x:
the verdict is PROVED for the given noise and variant. For MuS the masked
inputs coincide draw by draw ((x ⊙ α) ⊙ s = x ⊙ (α ⊙ s)); additive noise
reveals hidden features on the left only.

Concrete classifiers are then compared exactly on both sides for all α
(the classifier memoised over distinct masked inputs, shared by both sides).

Counterexample: the α with the fewest hidden features, shrunk greedily
(features un-hidden, then entries of x zeroed, while the laws still differ),
with the witness classifier (class 1 where the left law is larger).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Iterable, Mapping, Sequence, cast

import numpy as np

from ..distributions import MaskDistribution
from ..core.bits import bits_of, popcount
from ..model.classifiers import ExactClassifier, Indicator, classifier_family, from_spec
from ..exhaustive.engine import BLOCK, KeyMemo, Mode, Noise, Stats, encode_noise, keys_to_rows, law_difference, law_tv, smoothed
from ..exhaustive.inputs import check_inputs
from ..exhaustive.mask_encodings import MULTIPLICATIVE, SmoothingVariant, resolve_variant, visible_code
from ..replaying import Replay
from ..results import CheckResult, Counterexample, Verdict
from ..theorems import masking as thm
from ._replay import exact_variant
from ._exhaustive import MODES, Clock, distribution_data, distribution_from_data, setup_from_config
from .registry import CheckConfig, Progress

__all__ = ["check_masking_equivalence", "run", "replay_masking", "DEFAULTS"]

DEFAULTS = {"n": 16, "q": 64, "lam": "16/64", "classes": 3, "classifiers": "tables,voting,mlp"}


def _both_sides(noise: Noise, variant: SmoothingVariant, x: np.ndarray, alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keys of x ⊙ e(α, s) and of (x ⊙ α) ⊙ e(1, s) for every α and s."""
    visible = visible_code(x)
    full = (1 << noise.n) - 1
    left = variant.keys(alphas, noise.codes, visible)
    right = variant.keys(np.full(alphas.shape[0], full, dtype=np.int64), noise.codes, alphas & visible)
    return left, right


def _tv(noise: Noise, variant: SmoothingVariant, x: np.ndarray, alpha: int) -> int:
    left, right = _both_sides(noise, variant, x, np.array([alpha], dtype=np.int64))
    return int(law_tv(left, right, noise.weights)[0])


def _scan(noise: Noise, variant: SmoothingVariant, x: np.ndarray, stats: Stats) -> int | None:
    """The first block's violating α with the most features kept, or None when the laws agree everywhere."""
    n = noise.n
    order = _fewest_hidden_first(n)  # so the first violation found hides the fewest features
    step = max(1, BLOCK // noise.codes.shape[0])
    for start in range(0, 1 << n, step):
        alphas = order[start : start + step]
        left, right = _both_sides(noise, variant, x, alphas)
        stats.masks += int(left.size + right.size)
        bad = alphas[thm.apart(law_tv(left, right, noise.weights))]
        if bad.size:
            return int(bad[0])
    return None


def _fewest_hidden_first(n: int) -> np.ndarray:
    """All masks, most features kept first; among equals the largest code (hidden features with the lowest indices)."""
    codes = np.arange(1 << n, dtype=np.int64)
    return codes[np.lexsort((-codes, -popcount(codes)))]


def _shrink(noise: Noise, variant: SmoothingVariant, x: np.ndarray, alpha: int) -> tuple[np.ndarray, int]:
    n = noise.n
    x = x.copy()
    for j in range(n):  # un-hide features while the laws still differ
        if not (alpha >> j) & 1 and thm.apart(_tv(noise, variant, x, alpha | (1 << j))):
            alpha |= 1 << j
    for j in range(n):  # then zero entries of x while they still differ
        if x[j] != 0:
            trial = x.copy()
            trial[j] = 0.0
            if thm.apart(_tv(noise, variant, trial, alpha)):
                x = trial
    for j in range(n):  # a hidden feature whose value is 0 hides nothing: count it as kept
        if x[j] == 0:
            alpha |= 1 << j
    return x, alpha


def _witness_counterexample(noise: Noise, variant: SmoothingVariant, x: np.ndarray, alpha: int) -> Counterexample:
    n, T = noise.n, noise.total
    left, right = _both_sides(noise, variant, x, np.array([alpha], dtype=np.int64))
    tv, larger = law_difference(left[0], right[0], noise.weights)
    if not larger:  # the judge called equal laws different: show it with class 1 on one masked input (both sides agree)
        larger = [int(left[0][0])]
    chosen = set(larger)
    g_left = Fraction(sum(int(w) for k, w in zip(left[0], noise.weights) if int(k) in chosen), T)
    g_right = Fraction(sum(int(w) for k, w in zip(right[0], noise.weights) if int(k) in chosen), T)
    witness = Indicator(keys_to_rows(larger, x, variant, n))
    data = _witness(noise.distribution, variant, x, alpha, n, witness.spec, "average", (1 - g_left, g_left), (1 - g_right, g_right)).to_data()
    hidden = [j for j in range(n) if not (alpha >> j) & 1]
    summary = (f"{variant.name} noise: hiding feature(s) {hidden} of x = {[float(v) for v in x]} gives g_1(x, α) = {g_left} "
               f"but g_1(x ⊙ α, 1) = {g_right} (witness: class 1 on {len(larger)} masked input(s); the laws differ by TV {Fraction(tv, T)})")
    return Counterexample("masking-equivalence", summary, data)


def _witness(distribution: MaskDistribution, variant: SmoothingVariant, x: np.ndarray, alpha: int, n: int, classifier: Mapping[str, Any],
             mode: str, left: Sequence[Fraction], right: Sequence[Fraction], extra: Mapping[str, Any] | None = None) -> thm.MaskingWitness:
    return thm.MaskingWitness(variant.name, [float(v) for v in x], bits_of(alpha, n), classifier, mode, list(left), list(right),
                              distribution_data(distribution), dict(extra or {}))


def replay_masking(data: Mapping[str, Any], *, variant: Any = None) -> Any:
    """True iff the exact reference still gives g(x, α) ≠ g(x ⊙ α, 1)."""
    distribution = distribution_from_data(data["distribution"])
    variant = exact_variant(data, variant)
    if isinstance(variant, Replay):
        return variant  # an unregistered variant is user code: not replayed unless named again
    h = from_spec(data["classifier"])
    x, alpha = [float(v) for v in data["x"]], [int(a) for a in data["alpha"]]
    masked = [v if a else 0.0 for v, a in zip(x, alpha)]
    left = variant.exact(h, x, alpha, distribution, data["mode"])
    right = variant.exact(h, masked, [1] * len(alpha), distribution, data["mode"])
    return bool(thm.sides_differ(left, right))


def _concrete(noise: Noise, variant: SmoothingVariant, classifiers: Sequence[ExactClassifier], inputs: Sequence[tuple[str, np.ndarray]],
              modes: Sequence[str], stats: Stats, progress: Progress | None) -> tuple[Counterexample | None, int]:
    n = noise.n
    alphas = np.arange(1 << n, dtype=np.int64)
    full = np.full(1 << n, (1 << n) - 1, dtype=np.int64)
    runs = 0
    for label, x in inputs:
        visible = visible_code(x)
        for clf in classifiers:
            for mode_name in modes:
                mode = cast(Mode, mode_name)  # validated by check_modes
                memo = KeyMemo(clf, x, variant, n, mode, stats)  # one memo: both sides see the same masked inputs
                left = smoothed(clf, x, variant, noise, mode, alphas, stats=stats, memo=memo)
                right = smoothed(clf, x, variant, noise, mode, full, visible=alphas & visible, stats=stats, memo=memo)
                runs += 1
                if progress:
                    progress(1)
                bad = alphas[thm.coordinate_differs(left.numerators, right.numerators).any(axis=1)]
                if bad.size:
                    alpha = int(bad[np.lexsort((-bad, -popcount(bad)))[0]])
                    data = _witness(noise.distribution, variant, x, alpha, n, clf.spec, mode, left.value(alpha), right.value(alpha), {"input": label}).to_data()
                    summary = f"{clf!r} ({mode}, x = {label}): g(x, α) = {data['g_x_alpha']} but g(x ⊙ α, 1) = {data['g_x_masked_ones']} at α = {''.join(map(str, data['alpha']))}"
                    return Counterexample("masking-equivalence", summary, data), runs
    return None, runs


def check_masking_equivalence(
    distributions: MaskDistribution | Iterable[MaskDistribution],
    *,
    variant: SmoothingVariant | str = MULTIPLICATIVE,
    classifiers: Sequence[ExactClassifier] | None = None,
    inputs: Sequence[tuple[str, np.ndarray]] | None = None,
    modes: Sequence[str] = MODES,
    name: str = "masking-equivalence",
    params: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """g(x ⊙ α, 1) = g(x, α) for every α: PROVED for every classifier when the masked-input laws agree."""
    variant = resolve_variant(variant)
    clock = Clock()
    cases = runs = 0
    for distribution in [distributions] if isinstance(distributions, MaskDistribution) else distributions:
        noise = encode_noise(distribution)
        n = noise.n
        points = check_inputs(inputs, n)
        for label, x in points:
            alpha = _scan(noise, variant, x, clock.stats)
            cases += 1 << n
            if progress:
                progress(1)
            if alpha is not None:
                x_small, alpha_small = _shrink(noise, variant, x, alpha)
                found = _witness_counterexample(noise, variant, x_small, alpha_small)
                return _result(name, Verdict.REFUTED, cases, params, clock, found, f"masking equivalence fails: {found.summary}; {clock.line()}", {"input": label})
        concrete = classifier_family(None, n, 3) if classifiers is None else classifiers
        cex, done = _concrete(noise, variant, concrete, points, modes, clock.stats, progress)
        runs += done
        if cex is not None:
            return _result(name, Verdict.REFUTED, cases, params, clock, cex, f"masking equivalence fails for a concrete classifier: {cex.summary}; {clock.line()}", {"concrete_runs": runs})
    if cases == 0:
        return _result(name, Verdict.VACUOUS, 0, params, clock, None, "no distribution to check", {})
    message = (f"g(x ⊙ α, 1) = g(x, α) for every base classifier: the masked-input laws agree at all {cases:,} (α, x) cases; "
               f"{runs} concrete classifier runs agree exactly; {clock.line()}")
    return _result(name, Verdict.PROVED, cases, params, clock, None, message, {"concrete_runs": runs})


def _result(name: str, verdict: Verdict, cases: int, params: Mapping[str, Any] | None, clock: Clock, cex: Counterexample | None,
            message: str, details: Mapping[str, Any]) -> CheckResult:
    quantified_over = "every mask α at each input x; every base classifier (equal masked-input laws); then each concrete classifier"
    margin = Fraction(0) if verdict is Verdict.PROVED else None
    return clock.result(name, verdict, "exhaustive+tv", cases, params, quantified_over, cex, margin, message, details)


def run(config: CheckConfig, progress: Progress) -> CheckResult:
    """CLI runner: L_qv(λ) noise, MuS unless ``extra['variant']`` says otherwise (e.g. "additive")."""
    setup = setup_from_config(config, DEFAULTS)
    return check_masking_equivalence(
        setup.distributions, variant=setup.variant, classifiers=setup.classifiers, inputs=setup.inputs,
        modes=setup.modes, params=setup.params, progress=progress,
    )
