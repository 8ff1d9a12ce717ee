"""Running the gate: every property on every configuration, as typed results.

Order of work: batch consistency first (it decides whether the others may
batch), then the properties, then the watches kept on every call. Each
property becomes one :class:`~mus_verify.results.CheckResult`:

* ``NO_COUNTEREXAMPLE`` — it held on every case tried (the implementation is
  a black box, so nothing is proved);
* ``REFUTED`` — the first counterexample, shrunk, with data and a
  copy-paste reproduction in ``data["reproduce"]``;
* ``UNKNOWN`` — it could not be judged (the implementation raised on every
  configuration, which ``contract`` reports as REFUTED).

Conformance is special: an implementation that differs from the reference
L_qv while every other property holds is "sound, not the reference L_qv";
its conformance result is then NO_COUNTEREXAMPLE with that message and
``details["reference"] = False`` (REFUTED under ``strict``).
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Any, Callable

from ..results import CheckResult, Counterexample, Verdict
from .configs import GateSettings, build_configs
from .context import GateRun, Outcome
from .properties import ACTIVE, PROPERTIES
from .replay import recorded_settings
from .report import GateReport
from .subject import Subject
from .target import ModuleFactory, as_factory, describe_target, load_target
from .watches import watch_outcomes

__all__ = ["run_gate"]


def run_gate(implementation: Any, settings: GateSettings | None = None, *, target: str | None = None) -> GateReport:
    """Gate ``implementation`` (a factory, an nn.Module-style class, or a TARGET string) and return the report."""
    settings = settings or GateSettings()
    started = time.perf_counter()
    if isinstance(implementation, str):
        target = implementation
        implementation = load_target(implementation)
    factory = as_factory(implementation, settings.adapter)
    if target is None:
        target = describe_target(implementation)
    subject = Subject(factory, target=target, adapter=settings.adapter)
    configs = build_configs(settings)
    ctx = GateRun(subject, settings, configs)
    wanted = set(settings.properties or PROPERTIES)
    outcomes: dict[str, Outcome] = {}
    import torch

    # The gate's tensors are tiny: intra-op threads only add synchronisation (16 ms per op
    # instead of 3 µs on a loaded 2-core machine). Restored afterwards.
    threads = torch.get_num_threads()
    if settings.threads is not None:
        torch.set_num_threads(settings.threads)
    try:
        for name, runner in ACTIVE.items():
            if name not in wanted:
                continue
            if name == "keep_mask" and not (isinstance(factory, ModuleFactory) and factory.takes_mu):
                continue
            t0 = time.perf_counter()
            outcome = _guarded(name, runner, ctx)
            outcome.details.setdefault("elapsed_s", round(time.perf_counter() - t0, 3))
            outcomes[name] = outcome
        for outcome in watch_outcomes(ctx):
            outcomes[outcome.name] = outcome
    finally:
        torch.set_num_threads(threads)
    results = [_result(outcomes[name], settings, factory) for name in PROPERTIES if name in outcomes and _applicable(outcomes[name])]
    results = _settle_conformance(results, settings)
    not_applicable = {name: o.message for name, o in outcomes.items() if not _applicable(o)}
    if isinstance(factory, ModuleFactory) and not factory.takes_mu and "keep_mask" in wanted:
        not_applicable["keep_mask"] = "not applicable: forward takes no mu"
    return GateReport(
        target=target or getattr(implementation, "__qualname__", repr(implementation)),
        adapter="module" if isinstance(factory, ModuleFactory) else "factory",
        settings=settings,
        configs=configs,
        results=results,
        calls=subject.calls,
        elapsed_s=time.perf_counter() - started,
        not_applicable=not_applicable,
    )


def _guarded(name: str, runner: Callable[[GateRun], Outcome], ctx: GateRun) -> Outcome:
    """A property that crashes the gate itself (an output it cannot read, a bug of the gate) is UNKNOWN, never a pass."""
    try:
        return runner(ctx)
    except Exception as exc:  # exceptions of the implementation arrive as ImplementationError and are handled inside
        import traceback

        outcome = Outcome(name, "sampled")
        outcome.skipped = f"the gate could not judge this property: {type(exc).__name__}: {exc}"
        outcome.message = outcome.skipped
        outcome.details["traceback"] = traceback.format_exc()
        return outcome


def _applicable(outcome: Outcome) -> bool:
    return outcome.details.get("applicable", True)


def _result(outcome: Outcome, settings: GateSettings, factory: Any = None) -> CheckResult:
    params = {"profile": settings.profile, "seed": settings.seed, "quantified_over": outcome.quantified_over}
    if outcome.failure is not None:
        failure = outcome.failure
        # "gate": the settings a replay re-runs the property with; code: the live factory, for
        # in-process replays only (a JSON copy needs the target named again, see gate/replay.py).
        data = {**failure.data, "reproduce": failure.reproduce, "gate": recorded_settings(settings)}
        counterexample = Counterexample(f"gate.{outcome.name}", failure.summary, data, code={"target": factory})
        return CheckResult(outcome.name, Verdict.REFUTED, outcome.method, max(outcome.cases, 1), params, counterexample,
                           _margin(failure.margin), outcome.message, outcome.details.get("elapsed_s"), outcome.details)
    if outcome.skipped is not None or outcome.cases == 0:
        return CheckResult(outcome.name, Verdict.UNKNOWN, outcome.method, outcome.cases, params, None, None,
                           outcome.skipped or "nothing was checked", outcome.details.get("elapsed_s"), outcome.details)
    return CheckResult(outcome.name, Verdict.NO_COUNTEREXAMPLE, outcome.method, outcome.cases, params, None, None,
                       outcome.message, outcome.details.get("elapsed_s"), outcome.details)


def _margin(value: Any) -> Any:
    from fractions import Fraction

    if value is None or isinstance(value, Fraction):
        return value
    if not math.isfinite(float(value)):  # a NaN/inf difference has no exact margin
        return None
    return Fraction(float(value)).limit_denominator(10**12)


def _settle_conformance(results: list[CheckResult], settings: GateSettings) -> list[CheckResult]:
    """Apply the severity model (:data:`mus_verify.gate.properties.SEVERITY`) to each result on its own.

    Guarantee failures stay REFUTED. Non-strict, a conformance failure passes as "sound, not the
    reference L_qv" and a hygiene failure passes as a warning, the counterexample kept in
    ``details`` ("first_difference" / "warning"); under ``strict`` both stay REFUTED. One property's
    verdict never changes another's class (an α-validation failure no longer turns the seed_use and
    conformance notices into failures).
    """
    from .properties import CONFORMANCE, GUARANTEE, HYGIENE, SEVERITY

    for index, result in enumerate(results):
        severity = SEVERITY.get(result.name, GUARANTEE)
        details = {**result.details, "severity": severity}
        refuted = result.verdict is Verdict.REFUTED and result.counterexample is not None
        if severity == CONFORMANCE:
            details["reference"] = not refuted and result.holds
        if not refuted or severity == GUARANTEE or settings.strict:
            results = _replace(results, index, replace(result, details=details))
            continue
        if severity == CONFORMANCE:
            details["first_difference"] = result.counterexample.to_json()
            message = f"sound, not the reference L_qv: {result.counterexample.summary}"
        else:
            assert severity == HYGIENE, severity
            details["warning"] = result.counterexample.to_json()
            message = result.counterexample.summary  # the report prefixes warnings with their class
        settled = replace(result, verdict=Verdict.NO_COUNTEREXAMPLE, counterexample=None, margin=None, message=message, details=details)
        results = _replace(results, index, settled)
    return results


def _replace(results: list[CheckResult], index: int, result: CheckResult) -> list[CheckResult]:
    return results[:index] + [result] + results[index + 1 :]


Runner = Callable[[GateRun], Outcome]
