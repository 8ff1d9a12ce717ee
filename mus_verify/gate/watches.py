"""Results of the watches kept on every call: contract, rng_isolation, probabilities, masked_inputs, unmasked_probes.

* **contract** — the factory and ``smoothed`` run on valid input, return a
  callable and a (B, m) float tensor, and leave x and α unmodified. A
  factory raising on valid input is a failure with its traceback.
* **rng_isolation** (Pitfall 3) — no call changes the global torch, numpy or
  ``random`` RNG state (re-seeding it, or drawing from it, makes the caller's
  random stream depend on the smoothing). Seeded generators of one's own, or
  ``torch.random.fork_rng``, are fine.
* **probabilities** — every output row lies in [0, 1] and sums to 1 within
  the working dtype's tolerance (Pitfall 7: logits are outside the theorem).
* **masked_inputs** — every row the base is shown is x_b ⊙ s exactly, for one
  input row b and a binary mask s ≤ α_b (μ_b ≤ s when μ is given), compared
  value by value in the working dtype. Catches the clamped float-ramp mask
  (Pitfall 2: 0.99998·x_i), additive noise (features outside α shown) and
  rows of different inputs mixed into one. Only rows that *feed g* count: the
  offending call is made again with a base that answers differently on the
  offending rows alone, and when g does not move those rows are probes (e.g.
  the base's own prediction on x, logged) and go to unmasked_probes.
* **base_not_copied** (hygiene) — the factory or a call does not
  ``copy.deepcopy`` the base model: the copy computes the same g, but holds a
  second model in memory (+303 MiB at ViT-B size). Seen by the instrumented
  base, whose deep copy is itself and is counted.
* **unmasked_probes** (hygiene) — the base was shown rows outside x ⊙ s that do
  not feed g: harmless to g and its certificates, but wasted work and a leak
  of the unmasked input; fails only under ``--strict``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .classifiers import GateClassifier, build
from .context import Failure, GateRun, Outcome
from .repro import script, tensor_line
from .masked_rows import masked_row_problem, masked_rows_ok
from .subject import ImplementationError, Observation, Watch

__all__ = ["watch_outcomes"]


def _call_lines(observation: Observation, assign: str = "g") -> list[str]:
    lines = [tensor_line("x", observation.x), tensor_line("alpha", observation.alpha)]
    if observation.mu is not None:
        lines.append(tensor_line("mu", observation.mu))
        lines.append(f"{assign} = smoothed.with_keep(x, alpha, mu)")
    elif observation.what == "certify":
        lines.append(f"{assign} = smoothed.certify(x, alpha)")
    else:
        lines.append(f"{assign} = smoothed(x, alpha)")
    return lines


def _observed(observation: Observation) -> dict[str, Any]:
    data: dict[str, Any] = {"call": observation.what, "config": observation.config.to_json(), "base": observation.base}
    if observation.x is not None:
        data.update({"x": observation.x, "alpha": observation.alpha})
    if observation.mu is not None:
        data["mu"] = observation.mu
    return data


def contract(ctx: GateRun) -> Outcome:
    watch = ctx.subject.contract
    outcome = Outcome("contract", "sampled", cases=watch.cases, quantified_over="calls")
    if watch.violation is None:
        outcome.message = f"the factory and the smoothed model ran on every valid input ({watch.cases} calls)"
        return outcome
    obs = watch.observation
    assert obs is not None
    data = {**_observed(obs), "message": watch.violation["message"], "traceback": watch.violation.get("traceback", "")}
    lines = []
    if obs.what != "factory":
        assert obs.x is not None  # every call but the factory's records its input
        b = obs.x.shape[0]
        call = _call_lines(obs, "out")
        lines = call[:-1] + ["x0, alpha0 = x.clone(), alpha.clone()", call[-1]]
        if obs.what == "certify":
            lines.append(f"assert torch.as_tensor(out).reshape(-1).shape == ({b},), out")
        else:
            lines.append(f"assert torch.as_tensor(out).shape == ({b}, {obs.config.m}) and torch.as_tensor(out).is_floating_point(), out")
        lines.append("assert torch.equal(x, x0) and torch.equal(alpha, alpha0), 'x or alpha modified in place'")
    outcome.failure = Failure(f"{watch.violation['message']} ({obs.what} on {obs.config.label})", data, script(ctx.subject, obs.config, obs.base, lines, seed=obs.config.seed))
    outcome.message = outcome.failure.summary
    if ctx.raised_in:
        outcome.details["not_judged"] = ctx.raised_in[:20]
    return outcome


def rng_isolation(ctx: GateRun) -> Outcome:
    watch = ctx.subject.rng
    outcome = Outcome("rng_isolation", "instrumented", cases=watch.cases, quantified_over="calls")
    if watch.violation is None:
        outcome.message = f"no call changed the global torch, numpy or random RNG state ({watch.cases} calls)"
        return outcome
    obs = watch.observation
    assert obs is not None
    changed = watch.violation["changed"]
    config = obs.config
    lines = [
        "import numpy as np, random",
        "before = (torch.random.get_rng_state(), np.random.get_state()[1].copy(), random.getstate())",
        f"smoothed = factory(base, q={config.q}, lam=Fraction({config.k}, {config.q}), seed={list(config.seed)})",
    ]
    if obs.what != "factory":
        lines += _call_lines(obs, "out")
    lines += [
        "after = (torch.random.get_rng_state(), np.random.get_state()[1], random.getstate())",
        "assert torch.equal(before[0], after[0]) and (before[1] == after[1]).all() and before[2] == after[2], 'global RNG changed'",
    ]
    summary = f"{obs.what} changed the global {' and '.join(changed)} RNG state on {config.label} (re-seeded or drawn from): the caller's random stream is no longer reproducible"
    outcome.failure = Failure(summary, {**_observed(obs), "changed": changed}, script(ctx.subject, config, obs.base, lines, build_smoothed=False))
    outcome.message = summary
    return outcome


def probabilities(ctx: GateRun) -> Outcome:
    watch = ctx.subject.probabilities
    outcome = Outcome("probabilities", "instrumented", cases=watch.cases, quantified_over="output rows")
    if watch.violation is None:
        outcome.message = f"every output row is a probability vector ({watch.cases} rows)"
        return outcome
    obs, v = watch.observation, watch.violation
    assert obs is not None
    tol = v["tol"]
    lines = _call_lines(obs) + [f"assert ((g >= -{tol:.3g}) & (g <= 1 + {tol:.3g})).all() and ((g.sum(1) - 1).abs() <= {tol:.3g}).all(), g"]
    values = [round(float(t), 6) for t in v["values"]]
    summary = f"output row {v['row']} is not a probability vector: {values} (sum {sum(v['values']):.6g}, tolerance {tol:.2g} for {v['dtype']}) on {obs.config.label}"
    outcome.failure = Failure(summary, {**_observed(obs), "row": v["row"], "values": v["values"], "tol": tol}, script(ctx.subject, obs.config, obs.base, lines))
    outcome.message = summary
    return outcome


class _Perturbed(GateClassifier):
    """``inner`` on the rows that are x_b ⊙ s (s ≤ α_b) for the call's inputs; elsewhere a one-hot on the class
    ``inner`` gives the least mass, which differs from ``inner``'s answer whenever m >= 2."""

    def __init__(self, inner: GateClassifier, x: np.ndarray, alpha: np.ndarray, mu: np.ndarray | None) -> None:
        self.inner, self.m, self.n, self.resolution = inner, inner.m, inner.n, inner.resolution
        self.x, self.alpha, self.mu = x, alpha, mu

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        out = np.array(self.inner.probabilities(rows), dtype=np.float64)
        bad = ~masked_rows_ok(rows, self.x, self.alpha, self.mu)[0]
        out[bad] = _moved(out[bad])
        return out

    def spec_fields(self) -> dict[str, Any]:
        return self.inner.spec()


def _moved(probabilities: np.ndarray) -> np.ndarray:
    moved = np.zeros_like(probabilities)
    moved[np.arange(probabilities.shape[0]), np.argmin(probabilities, axis=1)] = 1.0
    return moved


def _feeds_g(ctx: GateRun, obs: Observation) -> bool:
    """Whether the rows of ``obs`` outside x ⊙ s change g: the call again, those rows answered differently.

    For a ``certify`` call the radii are compared instead (the certificate property judges the radii
    themselves). Undecidable cases (one class only, the implementation raising)
    count as feeding g, so the guarantee property keeps the failure.
    """
    if obs.x is None or obs.alpha is None or obs.what not in ("smoothed", "certify") or obs.config.m < 2:
        return True
    try:
        inner = build(obs.base)
        plain_instance = ctx.subject.instance(obs.config, inner)
        moved_instance = ctx.subject.instance(obs.config, _Perturbed(inner, obs.x, obs.alpha, obs.mu))
        if obs.what == "certify":
            plain_radii, plain_obs = plain_instance.certify(obs.x, obs.alpha)
            moved_radii, _ = moved_instance.certify(obs.x, obs.alpha)
        else:
            plain = plain_instance.evaluate(obs.x, obs.alpha, obs.mu)
            moved = moved_instance.evaluate(obs.x, obs.alpha, obs.mu)
            plain_obs = plain.observation
    except (ImplementationError, ValueError, NotImplementedError):
        return True
    bad = None if plain_obs.rows is None else ~masked_rows_ok(plain_obs.rows, obs.x, obs.alpha, obs.mu)[0]
    if bad is None or not bad.any():
        return True
    if obs.what == "certify":
        return not np.array_equal(plain_radii, moved_radii, equal_nan=True)
    return bool(np.abs(plain.g - moved.g).max() > max(plain.tol, moved.tol))


def _masking_violation(ctx: GateRun) -> tuple[Observation, dict[str, Any], bool] | None:
    """The shrunk masked-inputs violation and whether its offending rows feed g (computed once per run)."""
    watch = ctx.subject.masking
    if watch.violation is None:
        return None
    if ctx.masking_verdict is None:
        # The first violation per configuration: a probe seen first must not hide rows that feed g later.
        probe = None
        for data, observation in list(watch.by_config.values()):
            obs, violation = _shrink_masking(ctx, Watch(violation=data, observation=observation))
            if _feeds_g(ctx, obs):
                ctx.masking_verdict = (obs, violation, True)
                return ctx.masking_verdict
            probe = probe or (obs, violation, False)
        ctx.masking_verdict = probe
    return ctx.masking_verdict


def unmasked_probes(ctx: GateRun) -> Outcome:
    watch = ctx.subject.masking
    outcome = Outcome("unmasked_probes", "instrumented", cases=watch.cases, quantified_over="rows shown to the base")
    found = _masking_violation(ctx)
    if found is None or found[2]:
        outcome.message = (f"the base was shown no row outside x ⊙ s that does not feed g ({watch.cases} rows)" if found is None
                           else "the rows outside x ⊙ s feed g: reported by masked_inputs")
        return outcome
    obs, violation, _ = found
    summary = (f"the base was shown {np.round(violation['row'], 6).tolist()}, which is not x ⊙ s ({violation['reason']}), "
               f"though it does not feed g: the base is probed on rows the smoothing does not use ({obs.what} on {obs.config.label})")
    lines = [
        "shown = []",
        "def recording(z):",
        f"    shown.append(z.detach().double().reshape(-1, {obs.config.n}))",
        "    return base(z)",
        f"smoothed = factory(recording, q={obs.config.q}, lam=Fraction({obs.config.k}, {obs.config.q}), seed={list(obs.config.seed)})",
        *_call_lines(obs),
        "rows = torch.cat(shown)",
        "allowed = (rows == 0) | ((rows == x[0]) & (alpha[0] == 1))",
        "assert allowed.all(), rows[~allowed.all(1)][:3]",
    ]
    outcome.failure = Failure(summary, {**_observed(obs), **violation, "feeds_g": False}, script(ctx.subject, obs.config, obs.base, lines, build_smoothed=False))
    outcome.message = summary
    return outcome


def masked_inputs(ctx: GateRun) -> Outcome:
    watch = ctx.subject.masking
    outcome = Outcome("masked_inputs", "instrumented", cases=watch.cases, quantified_over="rows shown to the base")
    found = _masking_violation(ctx)
    if found is None or not found[2]:
        outcome.message = f"every row the base was shown that feeds g is x ⊙ s with a binary s ≤ α ({watch.cases} rows)"
        if found is not None:
            outcome.details["probes"] = "rows outside x ⊙ s that do not feed g: see unmasked_probes"
        return outcome
    obs, violation, _ = found
    n = obs.config.n
    assert obs.x is not None  # masked_inputs is watched on calls, which record their input
    lines = [
        "shown = []",
        "def recording(z):",
        f"    shown.append(z.detach().double().reshape(-1, {n}))",
        "    return base(z)",
        f"smoothed = factory(recording, q={obs.config.q}, lam=Fraction({obs.config.k}, {obs.config.q}), seed={list(obs.config.seed)})",
        *_call_lines(obs),
        "rows = torch.cat(shown)",
    ]
    if obs.x.shape[0] == 1 and obs.mu is None:
        lines += [
            "allowed = (rows == 0) | ((rows == x[0]) & (alpha[0] == 1))  # each row must be x ⊙ s with binary s <= alpha",
            "assert allowed.all(), rows[~allowed.all(1)][:3]",
        ]
    else:
        lines.append(f"print(rows)  # expected: every row is x[b] ⊙ s for one b and a binary s <= alpha[b]; offending row: {violation['row']}")
    summary = f"the base was shown {np.round(violation['row'], 6).tolist()}: {violation['reason']} ({obs.what} on {obs.config.label})"
    outcome.failure = Failure(summary, {**_observed(obs), **violation}, script(ctx.subject, obs.config, obs.base, lines, build_smoothed=False))
    outcome.message = summary
    return outcome


def _shrink_masking(ctx: GateRun, watch: Watch) -> tuple[Observation, dict[str, Any]]:
    """The violating call with one input row, when one row alone still shows it."""
    obs, violation = watch.observation, watch.violation
    assert obs is not None and violation is not None
    if obs.x is None or obs.alpha is None or obs.x.shape[0] == 1 or obs.what != "smoothed":
        return obs, violation
    try:
        instance = ctx.subject.instance(obs.config, build(obs.base))
        for b in range(obs.x.shape[0]):
            mu = None if obs.mu is None else obs.mu[b : b + 1]
            evaluation = instance.evaluate(obs.x[b : b + 1], obs.alpha[b : b + 1], mu)
            rows = evaluation.observation.rows
            problem = None if rows is None else masked_row_problem(rows, obs.x[b : b + 1], obs.alpha[b : b + 1], mu)
            if problem is not None:
                return evaluation.observation, problem
    except ImplementationError:
        pass
    return obs, violation


def base_not_copied(ctx: GateRun) -> Outcome:
    watch = ctx.subject.copies
    outcome = Outcome("base_not_copied", "instrumented", cases=watch.cases, quantified_over="factory calls and calls")
    if watch.violation is None:
        outcome.message = f"the base model was never deep-copied ({watch.cases} factory calls and calls)"
        return outcome
    obs = watch.observation
    assert obs is not None
    config = obs.config
    where = "the factory" if obs.what == "factory" else f"{obs.what}(x, alpha)"
    summary = (f"{where} deep-copied the base model ({watch.violation['copies']} copy.deepcopy call(s)) on {config.label}: "
               "a second copy of the model in memory (+303 MiB at ViT-B size); use the model you are given")
    lines = [
        "import copy",
        "copies = []",
        "class Watched(type(base)):",
        "    def __deepcopy__(self, memo):",
        "        copies.append(1)",
        "        return self",
        "base.__class__ = Watched",
        f"smoothed = factory(base, q={config.q}, lam=Fraction({config.k}, {config.q}), seed={list(config.seed)})",
    ]
    if obs.what != "factory":
        lines += _call_lines(obs, "out")
    lines.append("assert not copies, f'the base was deep-copied {len(copies)} time(s)'")
    outcome.failure = Failure(summary, {**_observed(obs), "copies": watch.violation["copies"]}, script(ctx.subject, config, obs.base, lines, build_smoothed=False))
    outcome.message = summary
    return outcome


def watch_outcomes(ctx: GateRun) -> list[Outcome]:
    return [contract(ctx), rng_isolation(ctx), probabilities(ctx), masked_inputs(ctx), unmasked_probes(ctx), base_not_copied(ctx)]
