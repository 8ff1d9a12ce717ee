"""Recovering the noise an implementation applied, and exact smoothing in integers.

An implementation is a black box, but its base classifier is the gate's. With
an input x whose entries are distinct and non-zero, every row the base is
shown reveals its mask exactly (s_i = [row_i ≠ 0]); with a *pattern probe*
(one class per visibility pattern) the smoothed output at α = 1 is the noise
distribution itself, whatever the implementation's evaluation strategy.

:func:`recover` does both. When the output equals the uniform average over
the masks the base was shown (the usual case), those masks *are* the noise
and every rate is an exact count: Pr[s_i = 1] = #{rows keeping i} / #rows.
Otherwise (the implementation weights, deduplicates, or post-processes) the
noise is read from the output, within the float tolerance.

:func:`exact_counts` evaluates g(x, α)·N·R in int64 for the gate's exact
classifiers (outputs k/R): the same sum :func:`mus_verify.smoothing.smooth`
computes in Fractions, vectorised over many α. Counterexamples are confirmed
with ``smooth`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..certificates import top_two_rows
from ..core.bits import masks_from_codes
from .classifiers import MAX_PATTERN_FEATURES, FeatureProbe, GateClassifier, PatternProbe
from .configs import GateConfig

__all__ = ["Noise", "recover", "infer_lqv_seed", "exact_counts", "probe_for", "same_distribution"]


@dataclass
class Noise:
    """The noise an implementation applied for one configuration (and seed), as far as the gate could see it.

    ``masks`` are the masks the base was shown at α = 1, in order (None when
    rows could not be attributed). ``uniform`` says the output equals their
    uniform average, so ``masks`` is the noise exactly. ``distribution`` is
    {pattern: probability} read from the output of a pattern probe (None for
    n > 12). ``rates`` are the keep rates from the output, as floats.
    """

    config: GateConfig
    masks: np.ndarray | None
    uniform: bool
    distribution: dict[int, float] | None
    rates: np.ndarray
    tol: float
    output: np.ndarray

    def exact_rates(self) -> tuple[Fraction, ...] | None:
        """Pr[s_i = 1] as exact counts over the masks shown, when ``uniform``."""
        if not self.uniform or self.masks is None or self.masks.shape[0] == 0:
            return None
        total = self.masks.shape[0]
        return tuple(Fraction(int(c), total) for c in self.masks.sum(axis=0))

    def weights(self) -> tuple[np.ndarray, list[Fraction]] | None:
        """(distinct masks, exact weights) of the noise when ``uniform``."""
        if not self.uniform or self.masks is None:
            return None
        distinct, counts = np.unique(self.masks, axis=0, return_counts=True)
        total = int(self.masks.shape[0])
        return distinct, [Fraction(int(c), total) for c in counts]


def probe_for(n: int) -> GateClassifier:
    return PatternProbe(n) if n <= MAX_PATTERN_FEATURES else FeatureProbe(n)


def recover(instance: Any, x: np.ndarray) -> Noise:
    """Run the pattern (or feature) probe at α = 1 on one input row with distinct non-zero entries."""
    config = instance.config
    n = config.n
    evaluation = instance.evaluate(x[None, :], np.ones((1, n)))
    g = evaluation.g[0]
    rows = evaluation.observation.rows
    masks = None if rows is None else rows != 0
    probe = instance.classifier
    if isinstance(probe, PatternProbe):
        distribution = {int(p): float(w) for p, w in enumerate(g) if abs(w) > evaluation.tol}
        codes = np.arange(probe.m, dtype=np.int64)
        keeps = masks_from_codes(codes, n).astype(np.float64)
        rates = g @ keeps
    else:
        distribution = None
        rates = g[:n] * probe.resolution
    uniform = False
    if masks is not None and masks.shape[0] > 0:
        expected = probe.probabilities(rows).mean(axis=0)
        uniform = bool(np.abs(expected - g).max() <= evaluation.tol * max(1, probe.resolution))
    return Noise(config, masks, uniform, distribution, rates, evaluation.tol, g)


def same_distribution(a: Noise, b: Noise) -> bool | None:
    """Whether two recovered noises are the same distribution: exactly when both are uniform, within
    tolerance from pattern-probe outputs, None when it cannot be told (feature probes show marginals only)."""
    wa, wb = a.weights(), b.weights()
    if wa is not None and wb is not None:
        return _as_dict(*wa) == _as_dict(*wb)
    if a.distribution is None or b.distribution is None:
        return None
    return bool(np.abs(a.output - b.output).max() <= max(a.tol, b.tol))


def _as_dict(masks: np.ndarray, weights: list[Fraction]) -> dict[bytes, Fraction]:
    return {np.packbits(m).tobytes(): w for m, w in zip(masks, weights)}


def lqv_multiset(seed: tuple[int, ...], q: int, k: int) -> dict[bytes, int]:
    from ..distributions import lqv_masks

    masks = lqv_masks(seed, q, k)
    out: dict[bytes, int] = {}
    for row in masks:
        key = np.packbits(row).tobytes()
        out[key] = out.get(key, 0) + 1
    return out


def infer_lqv_seed(masks: np.ndarray, q: int, k: int) -> tuple[int, ...] | None:
    """The seed vector v with masks[j] = L_qv(v)[j] for every j (the order the base saw them), or None.

    Each feature must be kept on one cyclic run of exactly k of the q masks;
    the run starting at j0 means v_i = -j0 mod q. At λ = 1 every mask keeps
    everything and any v fits (0 is returned), also when the implementation
    skips the noise and evaluates a single mask.
    """
    from ..distributions import lqv_masks

    n = masks.shape[1]
    if k == q and masks.size and masks.all():
        return (0,) * n
    if masks.shape[0] != q:
        return None
    seed = []
    for i in range(n):
        column = masks[:, i]
        if int(column.sum()) != k:
            return None
        starts = [j for j in range(q) if column[j] and not column[(j - 1) % q]]
        if len(starts) != 1:
            return None
        seed.append((-starts[0]) % q)
    if not np.array_equal(lqv_masks(seed, q, k), masks):
        return None
    return tuple(seed)


def exact_counts(classifier: GateClassifier, x: np.ndarray, alphas: np.ndarray, masks: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
    """Σ_j R·h(x ⊙ (μ ∨ (α ∧ s_j))) for every α, in int64: g(x, α) = result / (len(masks)·R).

    ``x`` is one input row (n,), ``alphas`` (A, n) bool, ``masks`` (N, n) bool.
    """
    alphas = alphas.astype(bool)
    effective = alphas[:, None, :] & masks[None, :, :]
    if keep is not None:
        effective |= keep.astype(bool)[None, None, :]
    flat = effective.reshape(-1, x.shape[0])
    # Distinct effective masks only: many (α, j) pairs coincide.
    distinct, inverse = np.unique(flat, axis=0, return_inverse=True)
    counts = classifier.counts(np.where(distinct, x[None, :], 0.0))
    per = counts[np.asarray(inverse).reshape(-1)].reshape(alphas.shape[0], masks.shape[0], -1)
    return per.sum(axis=1)


def top_two_exact(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(predicted class or -1 at a tie, gap in count units, runner-up) for integer count rows
    (:func:`mus_verify.certificates.top_two_rows`)."""
    best = top_two_rows(counts)
    return best.predicted, best.gap, best.runner_up
