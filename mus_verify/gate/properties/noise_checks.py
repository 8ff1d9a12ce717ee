"""The noise itself: exact Bernoulli(λ) keep rates, and use of the seed vector.

* **keep_rates** (Thm 3.1's only assumption; Prop. 3.4 / A.2 for L_qv): every
  feature is kept with probability exactly λ. The noise is recovered with a
  pattern probe (see :mod:`mus_verify.gate.noise`); when the output is the
  uniform average over the masks the base was shown, the rate is an exact
  count k_i/N of those masks, otherwise it is read from the output. Catches
  λ floored by ``int(λ·q)/q`` in floats, ``<= k`` off-by-one masks, features
  never masked, softmax or logit averaging on top of the base (the probe's
  one-hot outputs stop being averaged), λ = 1 special cases. When the masks the
  base was shown keep every feature at exactly λ but the output is not their
  average, the noise is right and the combination is wrong: the failure says
  so, and names a softmax applied to outputs that already are probabilities (a
  double softmax) when that is what the output is.
* **seed_use**: the seed vector is part of the contract (the paper's v). For
  a factory, changing one entry v_i must change the noise whenever it changes
  L_qv(λ)'s; an implementation that ignores v, or uses one shared offset for
  all features, keeps every feature together (each mask keeps all or none)
  and is refuted here. Such noise is still Bernoulli(λ) per feature, so it is
  sound: like ``conformance``, the runner reports it as "sound, not the
  reference L_qv" and fails it only under ``--strict``. For an nn.Module class, which draws its own v, the noise must not
  keep all features together, and a class taking ``seed=`` must give
  different noise for different seeds. Both hold trivially at λ = 1 or n = 1,
  which are skipped.
"""

from __future__ import annotations

from fractions import Fraction
from typing import cast

import numpy as np

from ...theorems import marginals as thm
from ..configs import GateConfig
from ..context import Failure, GateRun, Outcome, fmt_fraction
from ..noise import Noise, lqv_multiset, same_distribution
from ..repro import fmt_array, script
from ..target import ModuleFactory
from .basic import _message

__all__ = ["keep_rates", "seed_use"]


def _mask_strings(masks: np.ndarray | None, limit: int = 64) -> list[str] | None:
    if masks is None:
        return None
    return ["".join("1" if b else "0" for b in row) for row in masks[:limit]]


def keep_rates(ctx: GateRun) -> Outcome:
    outcome = Outcome("keep_rates", "instrumented", quantified_over="features")

    decoys_left = [DECOY_CONFIGS]

    def body(config: GateConfig) -> Failure | None:
        failure = check(config)
        if failure is not None or decoys_left[0] == 0:
            return failure
        # State shared across factory calls (e.g. a mask cache keyed by q alone): after this model was
        # built, build one with the same n and q but another λ and seed vector; its noise must be its own.
        decoy = _decoy(config)
        if decoy is None:
            return None
        decoys_left[0] -= 1
        failure = check(decoy)
        if failure is not None:
            failure.summary = (f"a model built after one with λ = {config.k}/{config.q} at the same q does not use its own "
                               f"λ = {decoy.k}/{decoy.q} and seed vector (state shared across factory calls?): {failure.summary}")
            failure.data["built_after"] = config.to_json()
        return failure

    def check(config: GateConfig) -> Failure | None:
        noise = ctx.noise(config)
        lam = config.lam
        exact = noise.exact_rates()
        outcome.cases += config.n
        if exact is None and _masks_keep_lambda(noise, lam):
            off = np.flatnonzero(thm.off(np.asarray(noise.rates, dtype=np.float64), lam, slack=noise.tol))
            if off.size:
                return _combination_failure(ctx, config, noise, int(off[0]))
        for i in range(config.n):
            if exact is not None:
                assert noise.masks is not None  # exact rates are counts over the masks shown
                wrong = bool(thm.off(exact[i], lam))
                shown = f"{fmt_fraction(exact[i])} ({int(noise.masks[:, i].sum())} of the {noise.masks.shape[0]} masks the base was shown)"
                margin: Fraction | float = abs(exact[i] - lam)
            else:
                wrong = bool(thm.off(float(noise.rates[i]), lam, slack=noise.tol))
                shown = f"{float(noise.rates[i]):.6g} (read from the output: it is not the plain average of the base over the masks it was shown)"
                margin = abs(float(noise.rates[i]) - float(lam))
            if wrong:
                return _failure(ctx, config, noise, i, shown, margin)
        return None

    ran, outcome.failure = ctx.each_config("keep_rates", body)
    outcome.message = _message(outcome, ran, "every feature is kept with probability exactly λ")
    return outcome


DECOY_CONFIGS = 2
"""How many configurations also build a decoy model (same n and q, another λ and seed) after theirs."""


def _decoy(config: GateConfig) -> GateConfig | None:
    """The same n and q with another λ = k'/q, 0 < k' < q, k' != k, and a shifted seed vector; None when q < 3.

    λ = 1 is avoided on purpose: an implementation may special-case it validly.
    """
    from dataclasses import replace

    if config.q < 3:
        return None
    k = config.q - config.k
    if k in (0, config.k, config.q):
        k = config.k % (config.q - 1) + 1
        if k == config.k:
            k = 1 if config.k != 1 else 2
    return replace(config, k=k, seed=tuple((v + 1) % config.q for v in config.seed), why="decoy: built after another λ at the same q")


def _masks_keep_lambda(noise: Noise, lam: Fraction) -> bool:
    """The masks the base was shown, counted as the noise, keep every feature at exactly λ."""
    if noise.masks is None or noise.masks.shape[0] == 0:
        return False
    total = noise.masks.shape[0]
    return not any(thm.off(int(c), lam, scale=total) for c in noise.masks.sum(axis=0))


def _softmax_of_average(config: GateConfig, noise: Noise) -> bool:
    """Whether the output is the average, over the masks shown, of softmax(base output): a double softmax."""
    from ..noise import probe_for

    probe = probe_for(config.n)
    assert noise.masks is not None
    y = probe.probabilities(noise.masks.astype(np.float64))
    z = np.exp(y - y.max(axis=1, keepdims=True))
    expected = (z / z.sum(axis=1, keepdims=True)).mean(axis=0)
    return bool(np.abs(expected - noise.output).max() <= max(noise.tol, 1e-6))


def _combination_failure(ctx: GateRun, config: GateConfig, noise: Noise, i: int) -> Failure:
    assert noise.masks is not None  # only called when the masks shown keep every feature at λ
    k, total = int(noise.masks[:, i].sum()), noise.masks.shape[0]
    if _softmax_of_average(config, noise):
        defect = ("softmax was applied to the base's outputs, which already are probabilities (a double softmax; "
                  "e.g. a \"normalised?\" test that sums over the copies instead of the classes)")
    else:
        defect = "the base's outputs were transformed before averaging (not treated as the probabilities they are)"
    summary = (f"g is not the average of the base over the masks it was shown, although those masks keep every feature at exactly "
               f"λ = {config.k}/{config.q} (feature {i}: {k} of {total}): {defect}; feature {i} reads as kept with probability "
               f"{float(noise.rates[i]):.6g} from the output, on {config.label}")
    failure = _failure(ctx, config, noise, i, f"{float(noise.rates[i]):.6g}", abs(float(noise.rates[i]) - float(config.lam)))
    failure.summary = summary
    failure.data["defect"] = "double softmax" if "double softmax" in defect else "outputs transformed before averaging"
    return failure


def _failure(ctx: GateRun, config: GateConfig, noise: Noise, i: int, shown: str, margin: Fraction | float) -> Failure:
    x = ctx.probe_input(config)
    spec = {"kind": "pattern-probe", "n": config.n} if config.n <= 12 else {"kind": "feature-probe", "n": config.n}
    if spec["kind"] == "pattern-probe":
        rate_line = f"rate = float(sum(g[p] for p in range({2**config.n}) if p >> {i} & 1))  # Pr[feature {i} kept]"
    else:
        rate_line = f"rate = float(g[{i}]) * base.resolution  # Pr[feature {i} kept]"
    lines = [
        f"x = torch.tensor([{fmt_array(x)}], dtype=torch.float64)",
        "g = smoothed(x, torch.ones_like(x))[0]  # the probe's output is the noise distribution",
        rate_line,
        f"assert abs(rate - {config.k}/{config.q}) <= {noise.tol:.3g}, rate",
    ]
    data = {
        "config": config.to_json(),
        "base": spec,
        "x": x,
        "feature": i,
        "lam": config.lam,
        "rate": shown,
        "masks_shown": _mask_strings(noise.masks),
        "output_is_average_of_masks_shown": noise.uniform,
    }
    return Failure(f"feature {i} is kept with probability {shown}, not λ = {config.k}/{config.q}, on {config.label}", data, script(ctx.subject, config, spec, lines), margin)


def seed_use(ctx: GateRun) -> Outcome:
    outcome = Outcome("seed_use", "instrumented", quantified_over="seed-vector changes")
    module = isinstance(ctx.subject.factory, ModuleFactory)
    eligible = [c for c in ctx.configs if c.k < c.q and c.n >= 2]
    if not eligible:
        outcome.message = "not applicable: no configuration with λ < 1 and n >= 2 (L_qv does not depend on v there)"
        outcome.details["applicable"] = False
        return outcome

    def together(config: GateConfig) -> Failure | None:
        # Every mask keeping all features or none: what "v not used" / "one shared offset" produce.
        noise = ctx.noise(config)
        outcome.cases += 1
        masks = noise.masks
        if masks is None or not noise.uniform or (not module and len(set(config.seed)) == 1):
            return None
        if config.n >= 3 and np.all(masks.all(axis=1) | ~masks.any(axis=1)):
            return Failure(
                f"every mask keeps all {config.n} features or none on {config.label}: the seed vector is not used per feature "
                f"(L_qv with seed {list(config.seed)} would keep each feature on its own cyclic run of masks)",
                {"config": config.to_json(), "masks_shown": _mask_strings(masks)},
                script(ctx.subject, config, {"kind": "pattern-probe", "n": config.n}, [
                    f"x = torch.tensor([{fmt_array(ctx.probe_input(config))}], dtype=torch.float64)",
                    "g = smoothed(x, torch.ones_like(x))[0]",
                    f"assert float(g[0] + g[{2**config.n - 1}]) < 1, 'all-or-nothing masks: v unused'",
                ]),
            )
        return None

    def sensitivity(config: GateConfig) -> Failure | None:
        base = ctx.noise(config)
        reference = lqv_multiset(config.seed, config.q, config.k)
        for i in range(config.n):
            for delta in range(1, config.q):
                changed = list(config.seed)
                changed[i] = (changed[i] + delta) % config.q
                if lqv_multiset(tuple(changed), config.q, config.k) != reference:
                    break
            else:
                continue
            other = ctx.noise(config, tuple(changed))
            outcome.cases += 1
            if same_distribution(base, other) is True:
                return Failure(
                    f"changing seed entry v[{i}] from {config.seed[i]} to {changed[i]} changes L_qv's noise but not the implementation's, on {config.label}",
                    {"config": config.to_json(), "feature": i, "changed_seed": changed, "masks_shown": _mask_strings(base.masks), "masks_shown_changed": _mask_strings(other.masks)},
                    script(ctx.subject, config, {"kind": "pattern-probe", "n": config.n}, [
                        f"x = torch.tensor([{fmt_array(ctx.probe_input(config))}], dtype=torch.float64)",
                        f"other = factory(base, q={config.q}, lam=Fraction({config.k}, {config.q}), seed={changed})",
                        "g1 = smoothed(x, torch.ones_like(x)); g2 = other(x, torch.ones_like(x))",
                        "assert not torch.allclose(g1, g2), 'the noise ignores seed entry v[%d]' % " + str(i),
                    ], seed=config.seed),
                )
        return None

    def module_seeds(config: GateConfig) -> Failure | None:
        # Three seeds giving one and the same noise: for n, q >= 5 two random seed vectors
        # give the same L_qv distribution with probability far below 1e-3.
        base = ctx.noise(config)
        seeds = [tuple((v + shift) % config.q for v in config.seed[::-1]) for shift in (1, 2)]
        others = [ctx.noise(config, s) for s in seeds]
        changed = seeds[0]
        outcome.cases += 2
        if all(same_distribution(base, other) is True for other in others):
            return Failure(
                f"{ctx.subject.factory!r} gives the same noise for seed={ModuleFactory.int_seed(config.seed)} and seed={ModuleFactory.int_seed(changed)} on {config.label}",
                {"config": config.to_json(), "seeds": [ModuleFactory.int_seed(config.seed), ModuleFactory.int_seed(changed)], "masks_shown": _mask_strings(base.masks)},
                script(ctx.subject, config, {"kind": "pattern-probe", "n": config.n}, [
                    f"x = torch.tensor([{fmt_array(ctx.probe_input(config))}], dtype=torch.float64)",
                    f"other = factory(base, q={config.q}, lam=Fraction({config.k}, {config.q}), seed={list(changed)})",
                    "assert not torch.allclose(smoothed(x, torch.ones_like(x)), other(x, torch.ones_like(x)))",
                ]),
            )
        return None

    if module:
        # A class draws its own v: all offsets equal by chance has probability q^-(n-1), so only
        # configurations with n, q >= 5 count, and all of them (at least two) must show it.
        large = [c for c in eligible if c.n >= 5 and c.q >= 5]
        ran, failures = 0, []
        for config in large:
            r, f = ctx.each_config("seed_use", together, [config])
            ran += r
            failures.append(f)
        failure = failures[0] if len(failures) >= 2 and all(f is not None for f in failures) else None
    else:
        ran, failure = ctx.each_config("seed_use", together, eligible)
    if failure is None:
        chosen = eligible[: 2 if ctx.settings.profile == "quick" else 3]
        if not module:
            ran2, failure = ctx.each_config("seed_use", sensitivity, chosen)
            ran = max(ran, ran2)
        elif cast(ModuleFactory, ctx.subject.factory).takes_seed:
            large = [c for c in eligible if c.n >= 5 and c.q >= 5][:2]
            ran2, failure = ctx.each_config("seed_use", module_seeds, large)
            ran = max(ran, ran2)
    outcome.failure = failure
    outcome.message = _message(outcome, ran, "the noise depends on the seed vector as L_qv's does")
    return outcome
