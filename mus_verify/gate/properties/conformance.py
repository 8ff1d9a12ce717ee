"""Conformance to the exact reference: g equals the average of the base over L_qv(λ) with the same seed.

Statement: for the seed vector v given to the factory,
g(x, α) = Σ_j h(x ⊙ α ⊙ s^(j)) / q with s^(j)_i = [(v_i + j) mod q < k],
within the tolerance of the implementation's working dtype. The reference is
:func:`mus_verify.smoothing.smooth` with :func:`mus_verify.distributions.lqv`
(for the gate's exact classifiers the same sum is computed in int64 and one
case per configuration is re-checked with ``smooth`` itself). Classifiers: a
value-sensitive random table, a random pattern table and a small MLP with
non-dyadic outputs; inputs with and without zeros; α by popcount.

For an nn.Module-style class, which draws its own v, the reference uses the v
recovered from the masks it applied (none: not L_qv).

A difference alone is not a broken guarantee: an implementation with another
valid noise layout, or one that votes instead of averaging, keeps every
guarantee. The runner therefore reports a non-conformant implementation whose
other properties all hold as "sound, not the reference L_qv", which passes
unless ``--strict``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...theorems import reference as thm
from ..classifiers import MLP, GateClassifier, HashTable, PatternTable
from ..configs import GateConfig, alphas_for, distinct_inputs
from ..context import Failure, GateRun, Outcome
from ..noise import exact_counts, infer_lqv_seed
from ..repro import script, tensor_line
from ..target import ModuleFactory
from .basic import _message

__all__ = ["conformance"]


class _Voted(GateClassifier):
    """One-hot of a classifier's argmax (lowest index on ties): what a voting implementation averages."""

    def __init__(self, inner: GateClassifier) -> None:
        self.inner, self.m, self.n, self.resolution = inner, inner.m, inner.n, 1

    def counts(self, rows: np.ndarray) -> np.ndarray:
        inner = self.inner.counts(rows)
        out = np.zeros_like(inner)
        out[np.arange(inner.shape[0]), inner.argmax(axis=1)] = 1
        return out

    def spec_fields(self) -> dict[str, Any]:
        return self.inner.spec()


def conformance(ctx: GateRun) -> Outcome:
    outcome = Outcome("conformance", "differential", quantified_over="(x, alpha) pairs")
    module = isinstance(ctx.subject.factory, ModuleFactory)
    verdicts = {"voting": 0, "average": 0}
    confirmed = [0]

    def reference_seed(config: GateConfig) -> tuple[tuple[int, ...] | None, str]:
        if not module:
            return config.seed, "the seed vector given to the factory"
        noise = ctx.noise(config)
        if noise.masks is None or not noise.uniform:
            return None, "no seed vector: the output is not the average of the masks the base was shown"
        seed = infer_lqv_seed(noise.masks, config.q, config.k)
        return seed, "the seed vector recovered from the masks the class applied" if seed else "no seed vector: the masks applied are not L_qv(λ) for any v"

    def body(config: GateConfig) -> Failure | None:
        from ...distributions import lqv_masks

        seed, origin = reference_seed(config)
        rng = ctx.rng("conformance", config.n, config.q, config.k)
        alphas = alphas_for(config.n, rng, min(ctx.plan.enumerate_up_to, 4), 8)[:16]
        classifiers: list[GateClassifier] = [HashTable(config.m, seed=config.n * 3 + config.k), PatternTable(config.n, config.m, seed=config.k)]
        classifiers += [MLP(config.n, config.m, seed=config.q)]
        for index, classifier in enumerate(classifiers):
            x = distinct_inputs(rng, config.n, 1, zeros=index % 2 == 1)[0]
            if classifier.resolution is None:  # float outputs: the reference runs in Fractions, so fewer α
                alphas = alphas[:: max(1, alphas.shape[0] // 4)]
            instance = ctx.instance(config, classifier)
            got, tol = ctx.evaluate_many(instance, np.repeat(x[None, :], alphas.shape[0], axis=0), alphas)
            outcome.cases += alphas.shape[0]
            if seed is None:
                return _failure(ctx, config, classifier, x, alphas[-1], got[-1], None, tol, origin)
            masks = lqv_masks(seed, config.q, config.k)
            expected = _reference(classifier, x, alphas, masks, config, seed)
            bad = thm.coordinate_differs(got, expected, slack=tol).any(axis=1)  # the one judge, dtype tolerance as slack
            if not bad.any():
                verdicts["average"] += 1
                if index == 0 and classifier.resolution is not None:
                    _check_with_smooth(classifier, x, alphas[-1], seed, config, exact_counts(classifier, x, alphas[-1:], masks)[0])
                    confirmed[0] += 1
                continue
            voted = exact_counts(_Voted(classifier), x, alphas, masks) / config.q if classifier.resolution is not None else None
            r = int(np.argmax(bad))
            if voted is not None and not thm.coordinate_differs(got, voted, slack=tol).any():
                verdicts["voting"] += 1
                failure = _failure(ctx, config, classifier, x, alphas[r], got[r], expected[r], tol, origin, seed)
                failure.summary = f"g averages one-hot votes (the argmax of the base), not its probabilities, on {config.label}"
                return failure
            return _failure(ctx, config, classifier, x, alphas[r], got[r], expected[r], tol, origin, seed)
        return None

    ran, outcome.failure = ctx.each_config("conformance", body)
    outcome.details.update({"conformant": outcome.failure is None, "votes_instead_of_averaging": verdicts["voting"] > 0, "checked_with_smooth": confirmed[0]})
    outcome.message = _message(outcome, ran, "g equals the exact reference L_qv(λ) average")
    return outcome


def _reference(classifier: GateClassifier, x: np.ndarray, alphas: np.ndarray, masks: np.ndarray, config: GateConfig, seed: tuple[int, ...]) -> np.ndarray:
    if classifier.resolution is not None:
        return exact_counts(classifier, x, alphas, masks) / (config.q * classifier.resolution)
    from ...distributions import lqv
    from ...smoothing import smooth

    distribution = lqv(seed, config.q, config.lam)
    return np.array([[float(v) for v in smooth(classifier, x, a, distribution)] for a in alphas])


def _check_with_smooth(classifier: GateClassifier, x: np.ndarray, alpha: np.ndarray, seed: tuple[int, ...], config: GateConfig, counts: np.ndarray) -> None:
    """The int64 path must agree with the exact reference exactly; a mismatch is a bug in the gate."""
    from fractions import Fraction

    from ...distributions import lqv
    from ...smoothing import smooth

    assert classifier.resolution is not None  # only called for the gate's exact classifiers
    exact = smooth(classifier, x, alpha, lqv(seed, config.q, config.lam))
    fast = [Fraction(int(c), config.q * classifier.resolution) for c in counts]
    if fast != list(exact):
        raise AssertionError(f"gate's integer smoothing disagrees with mus_verify.smoothing.smooth: {fast} vs {exact}")


def _failure(ctx: GateRun, config: GateConfig, classifier: GateClassifier, x: np.ndarray, alpha: np.ndarray, got: np.ndarray, expected: np.ndarray | None, tol: float, origin: str, seed: tuple[int, ...] | None = None) -> Failure:
    data = thm.ObservedReference(config.to_json(), classifier.spec(), x, alpha.astype(int), got, expected,
                                 None if seed is None else list(seed), origin, tol).to_data()
    if expected is None:
        summary = f"not the reference L_qv on {config.label}: {origin}"
        probe = ctx.probe_input(config)
        lines = [
            "from mus_verify.gate.noise import infer_lqv_seed",
            "shown = []",
            "def recording(z):",
            f"    shown.append(z.detach().double().reshape(-1, {config.n}))",
            "    return base(z)",
            f"smoothed = factory(recording, q={config.q}, lam=Fraction({config.k}, {config.q}), seed={list(config.seed)})",
            tensor_line("x", [probe]),
            "smoothed(x, torch.ones_like(x))",
            "masks = (torch.cat(shown) != 0).numpy()  # the masks applied, in order",
            f"assert infer_lqv_seed(masks, {config.q}, {config.k}) is not None, masks.astype(int)",
        ]
        margin = None
    else:
        assert seed is not None  # an expected value comes from a reference seed
        diff = float(np.abs(got - expected).max())
        summary = f"g differs from the exact reference L_qv(λ) by {diff:.3g} at α = {alpha.astype(int).tolist()} on {config.label} (reference seed: {origin})"
        lines = [
            "from mus_verify import lqv, smooth",
            tensor_line("x", [x]),
            tensor_line("alpha", [alpha]),
            "got = smoothed(x, alpha)[0]",
            f"expected = smooth(base, x[0].numpy(), alpha[0].numpy(), lqv({list(seed)}, q={config.q}, lam=Fraction({config.k}, {config.q})))",
            f"assert max(abs(float(g) - float(e)) for g, e in zip(got, expected)) <= {tol:.3g}, (got, expected)",
        ]
        margin = diff
    return Failure(summary, data, script(ctx.subject, config, classifier.spec(), lines), margin)
