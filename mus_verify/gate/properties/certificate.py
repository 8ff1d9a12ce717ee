"""Certificate soundness (paper Thm 3.2), judged by enumerating each claimed Hamming ball.

Statement: if ``certify(x, α)`` returns r ≥ 0, then for every β with
‖β − α‖₁ ≤ r the argmax of g(x, β) is unique and equals the argmax of g(x, α);
r is an integer ≥ −1 (−1: no claim).

The judge is the exact reference: g(x, β) is computed in integers over the
masks the implementation itself applies (recovered exactly, see
:mod:`mus_verify.gate.noise`), and every counterexample is confirmed with
:func:`mus_verify.smoothing.smooth` on that noise (a ``finite`` distribution)
before it is reported. When the noise cannot be recovered exactly (the output
is not a plain average of the masks shown), the implementation's own outputs
are the judge, with a tie meaning a top-two gap within the float tolerance.

Cases: the tight tie/swap constructions of :mod:`.attacks` (they catch the
floor, "≥ r", ceil and rounded-λ rules), plus random voting and averaging
tables at sampled α. Balls larger than the profile's ``ball_cap`` are sampled
(every β at distance ≤ 1, the construction's witness, and random others).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Literal, Sequence

import numpy as np

from ...theorems import stability as thm
from ..classifiers import GateClassifier, PatternTable
from ..configs import GateConfig, alphas_for
from ..context import Failure, GateRun, Outcome, fmt_fraction
from ..noise import exact_counts, top_two_exact
from ..repro import script, tensor_line
from ..subject import ImplementationError
from .attacks import constructions, spread_seed
from .basic import _message

__all__ = ["certificate", "ball"]


def ball(alpha: np.ndarray, radius: int, cap: int, rng: np.random.Generator, must: Sequence[np.ndarray] = ()) -> np.ndarray:
    """Every β with ‖β − α‖₁ ≤ radius (ordered by distance), or a sample of ``cap`` of them."""
    n = alpha.shape[0]
    radius = min(radius, n)
    codes = np.arange(1 << n, dtype=np.int64)
    flips = ((codes[:, None] >> np.arange(n)) & 1).astype(bool)
    distance = flips.sum(axis=1)
    inside = thm.covered(distance, radius)
    if inside.sum() > cap:
        near = inside & (distance <= 1)
        rest = np.flatnonzero(inside & ~near)
        keep = rng.choice(rest, size=max(0, cap - int(near.sum())), replace=False)
        inside = near.copy()
        inside[keep] = True
    chosen = flips[inside][np.argsort(distance[inside], kind="stable")]
    betas = chosen ^ alpha[None, :]
    extra = [m for m in must if thm.covered(int(np.sum(m ^ alpha)), radius)]
    if extra:
        betas = np.concatenate([np.array(extra, dtype=bool), betas])
    return betas


def certificate(ctx: GateRun) -> Outcome:
    outcome = Outcome("certificate", "enumeration", quantified_over="masks in claimed balls")
    plan = ctx.plan

    def judge(config: GateConfig, classifier: GateClassifier, seed: tuple[int, ...], alphas: np.ndarray, witnesses: list[np.ndarray | None]) -> Failure | None:
        noise = ctx.noise(config, seed)
        x = ctx.probe_input(config)
        instance = ctx.instance(config, classifier, seed)
        radii = _claims(ctx, instance, x, alphas)
        model = _exact_model(ctx, instance, noise, classifier, x, alphas)
        for row, (alpha, r) in enumerate(zip(alphas, radii)):
            if not (math.isfinite(r) and r == round(r) and r >= -1):
                return Failure(
                    f"certify returned {r!r} for α = {alpha.astype(int).tolist()} on {config.label}: a radius is an integer >= -1",
                    {"config": config.to_json(), "base": classifier.spec(), "x": x, "alpha": alpha.astype(int), "radius": r},
                    script(ctx.subject, config, classifier.spec(), [tensor_line("x", [x]), tensor_line("alpha", [alpha]), "r = smoothed.certify(x, alpha)", "assert float(r[0]) == int(r[0]) >= -1, r"], seed=seed),
                )
            r = int(r)
            if not thm.covered(0, r):  # r = -1: no claim, not even at α
                continue
            rng = ctx.rng("ball", config.n, config.q, row)
            witness = witnesses[row]
            betas = ball(alpha, r, plan.ball_cap, rng, [] if witness is None else [witness])
            outcome.cases += betas.shape[0]
            bad = _first_violation(ctx, instance, noise, model, x, alpha, betas)
            if bad is not None:
                alone, _ = instance.certify(x[None, :], alpha[None, :].astype(np.float64))
                batch = None if int(alone[0]) == r else (alphas, row)  # the claim depends on the batch it came in
                return _failure(ctx, config, classifier, model, seed, noise, x, alpha, r, *bad, batch=batch)
        return None

    def body(config: GateConfig) -> Failure | None:
        rng = ctx.rng("certificate", config.n, config.q, config.k)
        seed = spread_seed(config.n, config.q, config.k, rng)
        noise = ctx.noise(config, seed)
        if noise.uniform and noise.masks is not None:
            max_distance = min(config.n - 1, int(Fraction(config.q, 2 * config.k)) + 1)
            for case in constructions(noise.masks, config.m, max_distance):
                failure = judge(config, case.classifier, seed, case.alpha[None, :], [case.witness])
                if failure is not None:
                    return failure
        alphas = alphas_for(config.n, rng, 0, 6)
        for index in range(plan.tables):
            for vote in (True, False)[: 1 + (index + plan.inputs > 1)]:
                classifier = PatternTable(config.n, config.m, seed=config.q * 13 + index, vote=vote)
                failure = judge(config, classifier, seed, alphas, [None] * alphas.shape[0])
                if failure is not None:
                    return failure
        return None

    probe = ctx.configs[0]
    try:
        present = ctx.instance(probe, PatternTable(probe.n, probe.m)).has_certify
    except ImplementationError:
        present = False  # reported by the contract watch
    if not present:
        outcome.skipped = "not applicable: the smoothed model has no certify(x, alpha)"
        outcome.message = outcome.skipped
        outcome.details["applicable"] = False
        return outcome
    ran, outcome.failure = ctx.each_config("certificate", body)
    outcome.message = _message(outcome, ran, "every claimed ball keeps a unique, unchanged argmax")
    return outcome


def _claims(ctx: GateRun, instance: Any, x: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """certify for every α: one batched call, or one call per row when batches are not consistent."""
    if ctx.batch_ok:
        radii, _ = instance.certify(np.repeat(x[None, :], alphas.shape[0], axis=0), alphas.astype(np.float64))
        return radii
    return np.concatenate([instance.certify(x[None, :], a[None, :].astype(np.float64))[0] for a in alphas])


def _exact_model(ctx: GateRun, instance: Any, noise: Any, classifier: GateClassifier, x: np.ndarray, alphas: np.ndarray) -> GateClassifier | None:
    """The classifier whose exact average over the recovered noise is what the implementation computes:
    the base itself, or the one-hot of its argmax for a voting implementation; None when neither matches
    (the implementation's own outputs are then the judge)."""
    if not (noise.uniform and noise.masks is not None and classifier.resolution is not None):
        return None
    from .conformance import _Voted

    got = instance.evaluate(np.repeat(x[None, :], alphas.shape[0], axis=0), alphas.astype(np.float64))
    for model in (classifier, _Voted(classifier)):
        exact = exact_counts(model, x, alphas, noise.masks) / (noise.masks.shape[0] * model.resolution)
        if np.abs(exact - got.g).max() <= got.tol:
            return model
    return None


def _first_violation(ctx: GateRun, instance: Any, noise: Any, model: GateClassifier | None, x: np.ndarray, alpha: np.ndarray,
                     betas: np.ndarray) -> tuple[np.ndarray, int, Any, Any, str] | None:
    """(β, distance, exact g(α), exact g(β), why) for the nearest β that breaks the claim, or None."""
    points = np.concatenate([alpha[None, :], betas])
    if model is not None:
        classifier = model
        counts = exact_counts(classifier, x, points, noise.masks)
        predicted, _, _ = top_two_exact(counts)
        scale = noise.masks.shape[0] * classifier.resolution
        values = [[Fraction(int(c), scale) for c in row] for row in counts]
        tie_at = predicted < 0
    else:
        g, tol = ctx.evaluate_many(instance, np.repeat(x[None, :], points.shape[0], axis=0), points)
        order = np.sort(g, axis=1)
        tie_at = (order[:, -1] - order[:, -2]) <= tol
        predicted = np.where(tie_at, -1, g.argmax(axis=1))
        values = g.tolist()
    if predicted[0] < 0:
        return alpha, 0, values[0], values[0], "the top two classes tie at α itself, where only r = -1 is sound"
    wrong = np.flatnonzero(predicted[1:] != predicted[0])
    if wrong.size == 0:
        return None
    distances = (betas[wrong] ^ alpha[None, :]).sum(axis=1)
    pick = int(wrong[np.argmin(distances)])
    why = "the top two classes tie" if predicted[pick + 1] < 0 else f"class {int(predicted[pick + 1])} wins instead of {int(predicted[0])}"
    return betas[pick], int(distances.min()), values[0], values[pick + 1], why


def _confirm(classifier: GateClassifier, model: GateClassifier | None, noise: Any, x: np.ndarray, alpha: np.ndarray, beta: np.ndarray) -> tuple[tuple, tuple] | None:
    """Exact g(α), g(β) from :func:`mus_verify.smoothing.smooth` on the recovered noise (None if not recoverable)."""
    weights = noise.weights()
    if weights is None or model is None:
        return None
    from ...distributions import finite
    from ...smoothing import smooth

    distinct, fractions = weights
    distribution = finite(distinct.astype(int).tolist(), fractions)
    mode: Literal["average", "vote"] = "average" if model is classifier else "vote"
    return smooth(classifier, x, alpha, distribution, mode=mode), smooth(classifier, x, beta, distribution, mode=mode)


def _failure(ctx: GateRun, config: GateConfig, classifier: GateClassifier, model: GateClassifier | None, seed: tuple, noise: Any, x: np.ndarray, alpha: np.ndarray, r: int, beta: np.ndarray, distance: int, g_alpha: Any, g_beta: Any, why: str, batch: tuple | None = None) -> Failure:
    from ...certificates import certified_radius, top_two

    confirmed = _confirm(classifier, model, noise, x, alpha, beta)
    data: dict[str, Any] = {
        "config": {**config.to_json(), "seed": list(seed)},
        "base": classifier.spec(),
        "x": x,
        "alpha": alpha.astype(int),
        "claimed_radius": r,
        "beta": beta.astype(int),
        "distance": distance,
        "g_alpha": g_alpha,
        "g_beta": g_beta,
        "judged_by": "exact reference on the recovered noise" if confirmed is not None else "the implementation's outputs",
    }
    strict = None
    if confirmed is not None:
        data["g_alpha"], data["g_beta"] = confirmed
        best = top_two(confirmed[0])
        strict = certified_radius(best.gap, config.lam)
        data["strict_radius"] = strict
        data["masks_shown"] = ["".join("1" if b else "0" for b in row) for row in noise.masks[:64]]
    shown = [fmt_fraction(v) if isinstance(v, Fraction) else round(float(v), 6) for v in data["g_beta"]]
    summary = (
        f"certify claims r = {r} at α = {alpha.astype(int).tolist()} but at distance {distance}, β = {beta.astype(int).tolist()}: "
        f"{why} (g(x, β) = {shown}) on {config.label}"
    )
    if strict is not None:
        summary += f"; the strict rule ⌈gap/(2λ)⌉ − 1 gives {strict}"
    if batch is None:
        claim = ["r = int(smoothed.certify(x[:1], alpha[:1])[0])"]
    else:  # the implementation claimed r only inside a batch: reproduce that batch
        alphas, row = batch
        data["certify_batch_alphas"], data["certify_batch_row"] = alphas.astype(int), row
        claim = [
            tensor_line("batch_alpha", alphas.astype(np.float64)),
            f"r = int(smoothed.certify(x[:1].expand({alphas.shape[0]}, -1), batch_alpha)[{row}])  # claimed for batch row {row}",
        ]
    lines = [
        tensor_line("x", [x, x]),
        tensor_line("alpha", np.stack([alpha, beta]).astype(np.float64)),
        *claim,
        f"g = smoothed(x, alpha)  # alpha[1] is {distance} flip(s) from alpha[0]",
        "top = g[1].topk(2).values",
        f"assert r < {distance} or (g[1].argmax() == g[0].argmax() and top[0] > top[1]), (r, g)",
    ]
    return Failure(summary, data, script(ctx.subject, config, classifier.spec(), lines, seed=seed), r - (strict if strict is not None else r - 1))
