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

Severity (:data:`~mus_verify.gate.properties.SEVERITY`) is applied to each
result on its own: a refuted *guarantee* stays REFUTED; unless ``strict``, a
refuted *conformance* property passes as "sound, not the reference L_qv" (a
notice) and a refuted *hygiene* property passes with a warning, the
counterexample kept in ``details``.

User code never ends the gate: ``SystemExit``, ``KeyboardInterrupt`` or any
other exception escaping a property is that property's failure, with the
traceback. The run has a time budget (``GateSettings.time_budget``); once it
is spent the property being run and the ones not yet run are UNKNOWN ("the
time budget was spent"), never a pass.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Any, Callable

from ..results import CheckResult, Counterexample, Verdict
from .configs import GateSettings, build_configs
from .context import BudgetExhausted, Failure, GateRun, Outcome
from .properties import ACTIVE, PROPERTIES
from .replay import recorded_settings
from .report import GateReport
from .subject import Subject
from .target import ModuleFactory, as_factory, describe_target, load_target
from .watches import watch_outcomes

__all__ = ["run_gate", "Progress"]

# progress(done, total, label): called before each property runs and once at the end (done == total).
Progress = Callable[[int, int, str], None]


def run_gate(implementation: Any, settings: GateSettings | None = None, *, target: str | None = None,
             progress: Progress | None = None) -> GateReport:
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
    if settings.time_budget is not None:
        ctx.deadline = started + settings.time_budget
    wanted = set(settings.properties or PROPERTIES)
    outcomes: dict[str, Outcome] = {}
    import torch

    # The gate's tensors are tiny: intra-op threads only add synchronisation (16 ms per op
    # instead of 3 µs on a loaded 2-core machine). Restored afterwards.
    threads = torch.get_num_threads()
    if settings.threads is not None:
        torch.set_num_threads(settings.threads)
    planned = [(name, runner) for name, runner in ACTIVE.items() if name in wanted
               and not (name == "keep_mask" and not (isinstance(factory, ModuleFactory) and factory.takes_mu))]
    try:
        interrupted = False
        for done, (name, runner) in enumerate(planned):
            if progress is not None:
                progress(done, len(planned), name)
            if interrupted:  # a KeyboardInterrupt stops the run: the rest is not judged, never passed
                outcomes[name] = _not_run(name, "not judged: the run was interrupted (KeyboardInterrupt) before this property")
                continue
            t0 = time.perf_counter()
            outcome = _guarded(name, runner, ctx)
            interrupted = outcome.details.get("exception") == "KeyboardInterrupt"
            outcome.details.setdefault("elapsed_s", round(time.perf_counter() - t0, 3))
            _note_unjudged(outcome, ctx.unjudged.get(name))
            outcomes[name] = outcome
        # The watches summarise calls already made (their few re-calls are bounded): no budget.
        ctx.deadline = None
        try:
            for outcome in watch_outcomes(ctx):
                outcomes[outcome.name] = outcome
        except BaseException as exc:  # user code re-called by a watch; never ends the gate
            outcomes["contract"] = _crashed("contract", exc)
        if progress is not None:
            progress(len(planned), len(planned), "done")
    finally:
        torch.set_num_threads(threads)
    results = [_result(outcomes[name], settings, factory) for name in PROPERTIES if name in outcomes and _applicable(outcomes[name])]
    results = _settle_conformance(results, settings)
    not_applicable = {name: o.message for name, o in outcomes.items() if not _applicable(o)}
    if isinstance(factory, ModuleFactory) and not factory.takes_mu and "keep_mask" in wanted:
        not_applicable["keep_mask"] = "not applicable: forward takes no mu"
    return GateReport(
        target=target or str(getattr(implementation, "__qualname__", repr(implementation))),
        adapter="module" if isinstance(factory, ModuleFactory) else "factory",
        settings=settings,
        configs=configs,
        results=results,
        calls=subject.calls,
        elapsed_s=time.perf_counter() - started,
        not_applicable=not_applicable,
    )


def _guarded(name: str, runner: Callable[[GateRun], Outcome], ctx: GateRun) -> Outcome:
    """Run one property; whatever escapes it becomes its verdict, never the end of the gate.

    * the time budget spent: UNKNOWN (this property and, as the deadline stays
      passed, every later one);
    * ``SystemExit``, ``KeyboardInterrupt`` or another BaseException (only user
      code raises those): REFUTED, a failure with the traceback;
    * any other exception: UNKNOWN, "the gate could not judge this property"
      (exceptions of the implementation arrive as ImplementationError and are
      handled inside the properties; what escapes is the gate's own limit).
    """
    import traceback

    try:
        return runner(ctx)
    except BudgetExhausted as exc:
        outcome = Outcome(name, "sampled")
        outcome.skipped = f"not judged: {exc} (raise --time-budget to judge it)"
        outcome.message = outcome.skipped
        outcome.details["time_budget_s"] = ctx.settings.time_budget
        return outcome
    except Exception as exc:
        outcome = Outcome(name, "sampled")
        outcome.skipped = f"the gate could not judge this property: {type(exc).__name__}: {exc}"
        outcome.message = outcome.skipped
        outcome.details["traceback"] = traceback.format_exc()
        return outcome
    except BaseException as exc:  # SystemExit / KeyboardInterrupt / GeneratorExit from user code
        return _crashed(name, exc)


def _note_unjudged(outcome: Outcome, unjudged: list[str] | None) -> None:
    """Configurations the gate could not judge make an unrefuted property UNKNOWN, never a pass."""
    if not unjudged:
        return
    outcome.details["not_judged"] = list(unjudged)
    if outcome.failure is None and outcome.skipped is None:
        judged = f"; nothing found on the {outcome.cases} {outcome.quantified_over} judged elsewhere" if outcome.cases else ""
        outcome.skipped = f"not judged on {len(unjudged)} configuration(s) (first: {unjudged[0]}){judged}"
        outcome.message = outcome.skipped


def _crashed(name: str, exc: BaseException) -> Outcome:
    """A failure of ``name``: user code raised ``exc``, which is not an Exception (e.g. sys.exit(0))."""
    import traceback

    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    described = f"{type(exc).__name__}({exc.args[0]!r})" if exc.args else type(exc).__name__
    summary = f"the implementation raised {described} while {name} ran; user code must not end the caller's process"
    outcome = Outcome(name, "sampled", cases=1)
    outcome.failure = Failure(summary, {"exception": type(exc).__name__, "traceback": text}, "# raised inside the implementation; see the traceback")
    outcome.message = summary
    outcome.details["exception"] = type(exc).__name__
    return outcome


def _not_run(name: str, reason: str) -> Outcome:
    outcome = Outcome(name, "sampled")
    outcome.skipped = outcome.message = reason
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
        counterexample = result.counterexample if result.verdict is Verdict.REFUTED else None
        refuted = counterexample is not None
        if severity == CONFORMANCE:
            details["reference"] = not refuted and result.holds
        if counterexample is None or severity == GUARANTEE or settings.strict:
            results = _replace(results, index, replace(result, details=details))
            continue
        if severity == CONFORMANCE:
            details["first_difference"] = counterexample.to_json()
            message = f"sound, not the reference L_qv: {counterexample.summary}"
        else:
            assert severity == HYGIENE, severity
            details["warning"] = counterexample.to_json()
            message = counterexample.summary  # the report prefixes warnings with their class
        settled = replace(result, verdict=Verdict.NO_COUNTEREXAMPLE, counterexample=None, margin=None, message=message, details=details)
        results = _replace(results, index, settled)
    return results


def _replace(results: list[CheckResult], index: int, result: CheckResult) -> list[CheckResult]:
    return results[:index] + [result] + results[index + 1 :]


Runner = Callable[[GateRun], Outcome]
