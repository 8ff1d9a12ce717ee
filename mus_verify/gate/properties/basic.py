"""Determinism, batch consistency and refusal of non-binary α.

* **determinism** — calling the smoothed model twice on the same (x, α), or a
  second model built by the factory with the same (base, q, λ, seed), gives
  the same g (within the working dtype's tolerance) and the same radii
  (exactly). L_qv is a deterministic function of the seed vector, so any
  difference is a bug (fresh random masks, state carried between calls). The
  calls compared are made as a caller makes them: the global RNG is *not*
  put back between them (an implementation drawing a fresh seed vector from
  it on every call must not pass); it is restored once afterwards.
* **batch_consistency** — a batch gives, row by row, what each row gives
  alone (catches reshapes that mix up rows). When it fails the other
  properties evaluate one row at a time, so their verdicts stay meaningful.
* **alpha_validation** — α with an entry 0.5, 2 or −1 must be refused (any
  exception): Pitfall 8, continuous α clamped or used silently. Masks are
  binary and nothing is clamped.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..classifiers import HashTable
from ..configs import GateConfig, distinct_inputs
from ..context import Failure, GateRun, Outcome
from ..repro import fmt_array, script, tensor_line

__all__ = ["determinism", "batch_consistency", "alpha_validation", "INVALID_ALPHA_VALUES"]

INVALID_ALPHA_VALUES = (0.5, 2.0, -1.0)


def _batch(ctx: GateRun, config: GateConfig, name: str, rows: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = ctx.rng(name, config.n, config.q, config.k)
    x = distinct_inputs(rng, config.n, rows)
    if rows > 1 and config.n > 1:  # the last row has zero entries (and keeps one non-zero)
        zero = rng.random(config.n) < 0.4
        zero[rng.integers(config.n)] = True
        zero[rng.integers(config.n)] = False
        x[-1, zero] = 0.0
    alphas = rng.random((rows, config.n)) < 0.6
    alphas[0] = True
    return x, alphas.astype(np.float64)


def determinism(ctx: GateRun) -> Outcome:
    outcome = Outcome("determinism", "sampled", quantified_over="repeated calls")

    def body(config: GateConfig) -> Failure | None:
        import torch

        from ..subject import _rng_restore, _rng_snapshot

        classifier = HashTable(config.m, seed=config.n * 101 + config.q)
        x, alphas = _batch(ctx, config, "determinism")
        before = _rng_snapshot(torch)
        ctx.subject.restore_rng = False
        try:
            first = ctx.instance(config, classifier)
            a = first.evaluate(x, alphas)
            b = first.evaluate(x, alphas)
            second = ctx.instance(config, classifier)
            c = second.evaluate(x, alphas)
        finally:
            ctx.subject.restore_rng = True
            _rng_restore(torch, before)
        outcome.cases += 2 * x.shape[0]
        for label, other in (("a second call on the same model", b), ("a second model built with the same arguments", c)):
            diff = float(np.abs(a.g - other.g).max())
            if diff > max(a.tol, other.tol):
                body_lines = [tensor_line("x", x), tensor_line("alpha", alphas), "g1 = smoothed(x, alpha)"]
                if other is b:
                    body_lines.append("g2 = smoothed(x, alpha)")
                else:
                    body_lines += [f"smoothed2 = factory(base, q={config.q}, lam=Fraction({config.k}, {config.q}), seed={list(config.seed)})", "g2 = smoothed2(x, alpha)"]
                body_lines.append(f"assert (g1 - g2).abs().max() <= {max(a.tol, other.tol):.3g}, (g1, g2)")
                return Failure(
                    f"{label} returned a different g (max difference {diff:.3g}) on {config.label}",
                    {"config": config.to_json(), "base": classifier.spec(), "x": x, "alpha": alphas, "first": a.g, "second": other.g, "max_difference": diff, "tol": a.tol},
                    script(ctx.subject, config, classifier.spec(), body_lines),
                    diff,
                )
        if first.has_certify:
            ctx.subject.restore_rng = False
            try:
                r1, _ = first.certify(x, alphas)
                r2, _ = first.certify(x, alphas)
            finally:
                ctx.subject.restore_rng = True
                _rng_restore(torch, before)
            outcome.cases += x.shape[0]
            if not np.array_equal(r1, r2, equal_nan=True):
                return Failure(
                    f"certify returned {r1.tolist()} then {r2.tolist()} for the same (x, alpha) on {config.label}",
                    {"config": config.to_json(), "base": classifier.spec(), "x": x, "alpha": alphas, "first": r1, "second": r2},
                    script(ctx.subject, config, classifier.spec(), [tensor_line("x", x), tensor_line("alpha", alphas), "assert torch.equal(smoothed.certify(x, alpha), smoothed.certify(x, alpha))"]),
                )
        return None

    ran, outcome.failure = ctx.each_config("determinism", body)
    outcome.message = _message(outcome, ran, "same inputs, same outputs")
    return outcome


def batch_consistency(ctx: GateRun) -> Outcome:
    outcome = Outcome("batch_consistency", "sampled", quantified_over="batch rows")

    def rows_alone(instance: Any, x: np.ndarray, alphas: np.ndarray) -> tuple[np.ndarray, float]:
        parts = [instance.evaluate(x[b : b + 1], alphas[b : b + 1]) for b in range(x.shape[0])]
        return np.concatenate([p.g for p in parts]), max(p.tol for p in parts)

    def first_bad(instance: Any, x: np.ndarray, alphas: np.ndarray) -> tuple[int, float, np.ndarray, np.ndarray, float] | None:
        together = instance.evaluate(x, alphas)
        alone, tol = rows_alone(instance, x, alphas)
        tol = max(tol, together.tol)
        diff = np.abs(together.g - alone).max(axis=1)
        if diff.max() > tol:
            b = int(np.argmax(diff > tol))
            return b, float(diff[b]), together.g, alone, tol
        return None

    def body(config: GateConfig) -> Failure | None:
        classifier = HashTable(config.m, seed=config.q * 7 + config.n)
        instance = ctx.instance(config, classifier)
        x, alphas = _batch(ctx, config, "batch", rows=4)
        # The same x twice with different α: catches α rows applied to the wrong input.
        x = np.concatenate([x, x[:1]])
        alphas = np.concatenate([alphas, (np.arange(config.n) % 2 == 0).astype(np.float64)[None, :]])
        outcome.cases += x.shape[0]
        bad = first_bad(instance, x, alphas)
        if bad is None:
            return None
        # Shrink: the smallest sub-batch (pairs first) that still disagrees.
        for i in range(x.shape[0]):
            for j in range(i + 1, x.shape[0]):
                sub = first_bad(instance, x[[i, j]], alphas[[i, j]])
                if sub is not None:
                    x, alphas, bad = x[[i, j]], alphas[[i, j]], sub
                    break
            else:
                continue
            break
        b, diff, together, alone, tol = bad
        lines = [
            tensor_line("x", x),
            tensor_line("alpha", alphas),
            "together = smoothed(x, alpha)",
            f"alone = smoothed(x[{b}:{b + 1}], alpha[{b}:{b + 1}])",
            f"assert (together[{b}] - alone[0]).abs().max() <= {tol:.3g}, (together, alone)",
        ]
        return Failure(
            f"row {b} of a batch of {x.shape[0]} differs from the same row alone by {diff:.3g} on {config.label}",
            {"config": config.to_json(), "base": classifier.spec(), "x": x, "alpha": alphas, "row": b, "batched": together, "alone": alone, "tol": tol},
            script(ctx.subject, config, classifier.spec(), lines),
            diff,
        )

    ran, outcome.failure = ctx.each_config("batch_consistency", body)
    if outcome.failure is not None:
        ctx.batch_ok = False
        outcome.details["note"] = "the other properties were evaluated one row at a time"
    outcome.message = _message(outcome, ran, "every batch row equals the row alone")
    return outcome


def alpha_validation(ctx: GateRun) -> Outcome:
    outcome = Outcome("alpha_validation", "sampled", quantified_over="non-binary masks")
    configs = [c for c in ctx.configs if c.n >= 2][:3] or ctx.configs[:1]

    def body(config: GateConfig) -> Failure | None:
        classifier = HashTable(config.m, seed=config.n)
        instance = ctx.instance(config, classifier)
        x = distinct_inputs(ctx.rng("alpha", config.n), config.n)
        for value in INVALID_ALPHA_VALUES:
            alpha = np.ones((1, config.n))
            alpha[0, config.n - 1] = value
            refused, output = instance.refuses(x, alpha)
            outcome.cases += 1
            if not refused:
                shown = "None" if output is None else fmt_array(np.round(np.asarray(output, dtype=np.float64), 6))
                return Failure(
                    f"alpha with an entry {value} was accepted silently (returned {shown}) on {config.label}; masks are binary",
                    {"config": config.to_json(), "base": classifier.spec(), "x": x, "alpha": alpha, "returned": output},
                    script(ctx.subject, config, classifier.spec(), [
                        tensor_line("x", x),
                        tensor_line("alpha", alpha),
                        "try:",
                        "    out = smoothed(x, alpha)",
                        "except Exception:",
                        "    out = None  # refused: correct",
                        "assert out is None, f'non-binary alpha accepted: {out}'",
                    ]),
                )
            if instance.has_certify:
                refused_certify = _certify_refuses(instance, x, alpha)
                outcome.cases += 1
                if not refused_certify:
                    return Failure(
                        f"certify accepted alpha with an entry {value} silently on {config.label}; masks are binary",
                        {"config": config.to_json(), "base": classifier.spec(), "x": x, "alpha": alpha},
                        script(ctx.subject, config, classifier.spec(), [
                            tensor_line("x", x),
                            tensor_line("alpha", alpha),
                            "try:",
                            "    r = smoothed.certify(x, alpha)",
                            "except Exception:",
                            "    r = None  # refused: correct",
                            "assert r is None, f'non-binary alpha certified: {r}'",
                        ]),
                    )
        return None

    ran, outcome.failure = ctx.each_config("alpha_validation", body, configs)
    outcome.message = _message(outcome, ran, f"alpha entries {list(INVALID_ALPHA_VALUES)} are refused")
    return outcome


def _certify_refuses(instance: Any, x: np.ndarray, alpha: np.ndarray) -> bool:
    import torch

    from ..subject import _rng_restore, _rng_snapshot

    before = _rng_snapshot(torch)
    try:
        instance.smoothed.certify(torch.from_numpy(x.copy()), torch.from_numpy(alpha.copy()))
    except BaseException:  # any refusal counts, SystemExit included (it must not end the gate)
        return True
    finally:
        _rng_restore(torch, before)
        instance.log.take()
    return False


def _message(outcome: Outcome, ran: int, holds: str) -> str:
    if outcome.failure is not None:
        return outcome.failure.summary
    if ran == 0:
        outcome.skipped = "the implementation raised on every configuration (see contract)"
        return outcome.skipped
    return f"{holds}: {outcome.cases} {outcome.quantified_over} on {ran} configuration(s)"
