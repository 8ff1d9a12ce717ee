"""Masking equivalence, and the always-kept mask μ of nn.Module-style code.

* **masking_equivalence** (notes, "Masking equivalence"; fails for additive
  noise, the paper's Prop. A.1): g(x ⊙ α, 1) = g(x, α). Both sides come from
  the implementation, with value-sensitive classifiers, inputs with and without
  zero entries, α ordered by popcount.
* **keep_mask** (only for classes whose ``forward`` takes ``mu``): with
  μ ≤ α the effective mask is μ ∨ (α ∧ s), so g(x, α; μ) must equal the exact
  average of the base over μ ∨ (α ∧ s) for the noise s the implementation
  applies (recovered exactly), or, for a voting implementation (the official
  default mode), the exact average of the base's one-hot argmax votes over the
  same masks (lowest index on ties, as torch's argmax): voting is valid MuS
  whatever μ is, so it is judged against the votes, never against averaged
  probabilities. The rows the base is shown must keep every μ feature (checked
  by the masked-inputs watch).
"""

from __future__ import annotations

import numpy as np

from ...theorems import masking as thm
from ...theorems import reference as reference_thm
from ..classifiers import HashTable, PatternTable
from ..configs import GateConfig, alphas_for, distinct_inputs
from ..context import Failure, GateRun, Outcome
from ..noise import exact_counts
from ..repro import script, tensor_line
from .basic import _message
from .conformance import _Voted

__all__ = ["masking_equivalence", "keep_mask"]


def masking_equivalence(ctx: GateRun) -> Outcome:
    outcome = Outcome("masking_equivalence", "sampled", quantified_over="(x, alpha) pairs")
    plan = ctx.plan

    def body(config: GateConfig) -> Failure | None:
        rng = ctx.rng("masking", config.n, config.q, config.k)
        alphas = alphas_for(config.n, rng, min(plan.enumerate_up_to, 5), 16)[: 4 * plan.inputs + 8 * plan.tables]
        for classifier in (HashTable(config.m, seed=config.q + 3), PatternTable(config.n, config.m, seed=config.n)):
            instance = ctx.instance(config, classifier)
            for zeros in (False, True):
                x = distinct_inputs(rng, config.n, 1, zeros=zeros)[0]
                xs = np.repeat(x[None, :], alphas.shape[0], axis=0)
                left, tol_l = ctx.evaluate_many(instance, xs * alphas + 0.0, np.ones_like(alphas, dtype=np.float64))
                right, tol_r = ctx.evaluate_many(instance, xs, alphas)
                outcome.cases += alphas.shape[0]
                diff = np.abs(left - right).max(axis=1)
                tol = max(tol_l, tol_r)
                bad = thm.coordinate_differs(left, right, slack=tol).any(axis=1)  # the one judge, dtype tolerance as slack
                if bad.any():
                    r = int(np.argmax(bad))
                    alpha = alphas[r].astype(np.float64)
                    masked = x * alpha + 0.0
                    return Failure(
                        f"g(x ⊙ α, 1) differs from g(x, α) by {diff[r]:.3g} for α = {alpha.astype(int).tolist()} on {config.label}",
                        thm.ObservedSides(config.to_json(), classifier.spec(), x, alpha, left[r], right[r], tol).to_data(),
                        script(ctx.subject, config, classifier.spec(), [
                            tensor_line("x", [x]),
                            tensor_line("alpha", [alpha]),
                            tensor_line("x_masked", [masked]),
                            "left = smoothed(x_masked, torch.ones_like(x)); right = smoothed(x, alpha)",
                            f"assert (left - right).abs().max() <= {tol:.3g}, (left, right)",
                        ]),
                        float(diff[r]),
                    )
        return None

    ran, outcome.failure = ctx.each_config("masking_equivalence", body)
    outcome.message = _message(outcome, ran, "g(x ⊙ α, 1) = g(x, α)")
    return outcome


def keep_mask(ctx: GateRun) -> Outcome:
    outcome = Outcome("keep_mask", "instrumented", quantified_over="(alpha, mu) pairs")

    def body(config: GateConfig) -> Failure | None:
        noise = ctx.noise(config)
        if not noise.uniform or noise.masks is None:
            return None
        rng = ctx.rng("keep", config.n, config.q)
        classifier = PatternTable(config.n, config.m, seed=config.q)
        instance = ctx.instance(config, classifier)
        x = ctx.probe_input(config)
        alphas = rng.random((6, config.n)) < 0.7
        mus = alphas & (rng.random((6, config.n)) < 0.5)
        for a, mu in zip(alphas, mus):
            evaluation = instance.evaluate(x[None, :], a[None, :].astype(np.float64), mu[None, :].astype(np.float64))
            counts = exact_counts(classifier, x, a[None, :], noise.masks, keep=mu)[0]
            expected = counts / (noise.masks.shape[0] * classifier.resolution)
            votes = exact_counts(_Voted(classifier), x, a[None, :], noise.masks, keep=mu)[0] / noise.masks.shape[0]
            outcome.cases += 1
            diff = float(np.abs(evaluation.g[0] - expected).max())
            voted_diff = float(np.abs(evaluation.g[0] - votes).max())
            if not reference_thm.coordinate_differs(evaluation.g[0], votes, slack=evaluation.tol).any():
                outcome.details["votes"] = True
            elif reference_thm.coordinate_differs(evaluation.g[0], expected, slack=evaluation.tol).any():
                if voted_diff < diff:  # closer to the votes: report against what this implementation averages
                    expected, diff = votes, voted_diff
                return Failure(
                    f"g(x, α; μ) differs by {diff:.3g} from the average over μ ∨ (α ∧ s) for α = {a.astype(int).tolist()}, μ = {mu.astype(int).tolist()} on {config.label}",
                    {"config": config.to_json(), "base": classifier.spec(), "x": x, "alpha": a.astype(int), "mu": mu.astype(int), "got": evaluation.g[0], "expected": expected},
                    script(ctx.subject, config, classifier.spec(), [
                        tensor_line("x", [x]),
                        tensor_line("alpha", [a.astype(float)]),
                        tensor_line("mu", [mu.astype(float)]),
                        "got = smoothed.with_keep(x, alpha, mu)",
                        "# expected: the average of the base over mu | (alpha & s) for the masks s this model applies",
                        tensor_line("expected", [expected]),
                        f"assert (got - expected).abs().max() <= {evaluation.tol:.3g}, got",
                    ]),
                    diff,
                )
        return None

    ran, outcome.failure = ctx.each_config("keep_mask", body, ctx.configs[:6])
    outcome.message = _message(outcome, ran, "g(x, α; μ) averages the base over μ ∨ (α ∧ s)")
    return outcome
