"""inputs_unchanged: the caller's x, α (and μ) are never modified in place.

Statement: after ``smoothed(x, alpha)`` (or ``certify``, ``with_keep``) the
tensors the caller passed hold the values they held before, bit for bit, for
float64 *and* float32 inputs. A guarantee property: a caller that explains,
attacks or certifies the same x afterwards works on a different input, so
its g and certificates are about the wrong point. The float32 case matters on
its own: ``x.float()`` is the caller's tensor itself when x is already
float32, so code that "frees" or masks its float32 working copy in place
zeroes the caller's x only then.

Every call the gate makes is watched (:class:`~mus_verify.gate.subject.Subject`
``.inputs``); this property also drives calls with float32 and float64 inputs
on a few configurations, smallest first, so both dtypes are always covered.
"""

from __future__ import annotations

import numpy as np

from ..classifiers import HashTable
from ..configs import GateConfig, distinct_inputs
from ..context import Failure, GateRun, Outcome
from ..repro import fmt_array, script, tensor_line

__all__ = ["inputs_unchanged"]

_DTYPES = (np.float64, np.float32)


def inputs_unchanged(ctx: GateRun) -> Outcome:
    outcome = Outcome("inputs_unchanged", "instrumented", quantified_over="calls")
    configs = sorted(ctx.configs, key=lambda c: (c.n * c.q, c.n))
    chosen = configs[:3] + ([configs[-1]] if len(configs) > 3 else [])

    def body(config: GateConfig) -> None:
        classifier = HashTable(config.m, seed=config.q * 13 + config.n)
        x = distinct_inputs(ctx.rng("inputs", config.n, config.q), config.n, 2)
        alphas = np.ones_like(x)
        alphas[1, ::2] = 0.0
        for dtype in _DTYPES:
            instance = ctx.instance(config, classifier)
            instance.input_dtype = dtype
            instance.evaluate(x, alphas)
            if instance.has_certify:
                instance.certify(x, alphas)
        return None

    ran, _ = ctx.each_config("inputs_unchanged", body, chosen)
    watch = ctx.subject.inputs
    outcome.cases = watch.cases
    if watch.violation is None:
        if ran == 0 and watch.cases == 0:
            outcome.skipped = "the implementation raised on every configuration (see contract)"
            outcome.message = outcome.skipped
        else:
            outcome.message = f"no call modified x, alpha or mu in place (float32 and float64 inputs; {watch.cases} calls)"
        return outcome
    obs = watch.observation
    v = watch.violation
    assert obs is not None and obs.x is not None and obs.alpha is not None  # flagged on a call, which records its input
    config = obs.config
    dtype = v["dtype"]
    torch_dtype = f"torch.{dtype}"
    call = "smoothed.certify(x, alpha)" if obs.what == "certify" else ("smoothed.with_keep(x, alpha, mu)" if obs.mu is not None else "smoothed(x, alpha)")
    lines = [
        tensor_line("x", obs.x).replace("torch.float64", torch_dtype),
        tensor_line("alpha", obs.alpha).replace("torch.float64", torch_dtype),
    ]
    if obs.mu is not None:
        lines.append(tensor_line("mu", obs.mu).replace("torch.float64", torch_dtype))
    lines += [
        "x0, alpha0 = x.clone(), alpha.clone()",
        f"_ = {call}",
        "assert torch.equal(x, x0) and torch.equal(alpha, alpha0), ('modified in place', x, alpha)",
    ]
    after = np.asarray(v.get("after"))
    summary = (f"{obs.what} modified the caller's {' and '.join(v['changed'])} in place ({dtype} inputs) on {config.label}"
               + (f": x became {fmt_array(after[:1])}" if "x" in v["changed"] and after.size else ""))
    data = {"call": obs.what, "config": config.to_json(), "base": obs.base, "x": obs.x, "alpha": obs.alpha, "input_dtype": dtype,
            "changed": v["changed"], "x_after": after}
    outcome.failure = Failure(summary, data, script(ctx.subject, config, obs.base, lines))
    outcome.message = summary
    return outcome
