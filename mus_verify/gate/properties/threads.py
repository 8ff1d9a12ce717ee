"""thread_consistency: the same g and the same radii whatever number of torch threads runs the code.

Statement: for the same (x, α), ``smoothed(x, alpha)`` with one torch intra-op
thread and with several agree within the working dtype's tolerance, and
``certify`` agrees exactly. A guarantee property: code that splits the q
copies over ``torch.get_num_threads()`` workers and drops the q % threads
left over computes another g only on multi-threaded machines, which a gate
pinned to one thread never sees.

The thread counts compared are 1 and :func:`thread_counts` (3, whose
remainders against the matrix's q are non-zero, and the gate's ``threads``
setting when it is above 1). The caller's thread setting is restored.
"""

from __future__ import annotations

import numpy as np

from ..classifiers import HashTable
from ..configs import GateConfig
from ..context import Failure, GateRun, Outcome
from ..repro import script, tensor_line
from .basic import _batch, _message

__all__ = ["thread_consistency", "thread_counts"]


def thread_counts(ctx: GateRun) -> tuple[int, ...]:
    """1, then the multi-thread counts compared against it."""
    extra = {3}
    threads = getattr(ctx.settings, "threads", None)
    if isinstance(threads, int) and threads > 1:
        extra.add(threads)
    return (1, *sorted(extra))


def thread_consistency(ctx: GateRun) -> Outcome:
    import torch

    outcome = Outcome("thread_consistency", "sampled", quantified_over="(x, alpha) rows x thread counts")
    counts = thread_counts(ctx)
    outcome.details["threads"] = list(counts)
    configs = sorted(ctx.configs, key=lambda c: (c.n * c.q, c.n))
    chosen = configs[:4] + [c for c in configs[4:] if any(c.q % t for t in counts[1:])][-2:]

    def body(config: GateConfig) -> Failure | None:
        classifier = HashTable(config.m, seed=config.q * 5 + config.n)
        x, alphas = _batch(ctx, config, "threads", rows=3)
        instance = ctx.instance(config, classifier)
        results = {}
        for t in counts:
            torch.set_num_threads(t)
            evaluation = instance.evaluate(x, alphas)
            radii = instance.certify(x, alphas)[0] if instance.has_certify else None
            results[t] = (evaluation, radii)
            outcome.cases += x.shape[0]
        one, one_radii = results[1]
        for t in counts[1:]:
            other, other_radii = results[t]
            tol = max(one.tol, other.tol)
            diff = float(np.abs(one.g - other.g).max())
            if diff > tol:
                return _failure(ctx, config, classifier, x, alphas, t, f"g differs by {diff:.3g} between 1 and {t} torch threads",
                                {"g_1_thread": one.g, f"g_{t}_threads": other.g, "max_difference": diff, "tol": tol},
                                [f"assert (g[1] - g[{t}]).abs().max() <= {tol:.3g}, g"], "smoothed(x, alpha)", diff)
            if one_radii is not None and other_radii is not None and not np.array_equal(one_radii, other_radii, equal_nan=True):
                return _failure(ctx, config, classifier, x, alphas, t,
                                f"certify returns {one_radii.astype(int).tolist()} with 1 torch thread and {other_radii.astype(int).tolist()} with {t}",
                                {"radii_1_thread": one_radii, f"radii_{t}_threads": other_radii},
                                [f"assert torch.equal(torch.as_tensor(g[1]), torch.as_tensor(g[{t}])), g"], "smoothed.certify(x, alpha)", None)
        return None

    previous = torch.get_num_threads()
    try:
        ran, outcome.failure = ctx.each_config("thread_consistency", body, chosen)
    finally:
        torch.set_num_threads(previous)
    outcome.message = _message(outcome, ran, f"the same g and radii with {', '.join(map(str, counts))} torch threads")
    return outcome


def _failure(ctx: GateRun, config: GateConfig, classifier: HashTable, x: np.ndarray, alphas: np.ndarray, t: int, what: str,
             data: dict, check: list[str], call: str, margin: float | None) -> Failure:
    lines = [
        tensor_line("x", x),
        tensor_line("alpha", alphas),
        "g = {}",
        f"for threads in (1, {t}):",
        "    torch.set_num_threads(threads)",
        f"    g[threads] = {call}",
        *check,
    ]
    return Failure(f"{what} on {config.label}", {"config": config.to_json(), "base": classifier.spec(), "x": x, "alpha": alphas, "threads": [1, t], **data},
                   script(ctx.subject, config, classifier.spec(), lines), margin)
