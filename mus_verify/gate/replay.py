"""Replaying a gate counterexample: the property's own check, run again on the code the caller names.

A gate counterexample is a fact about an implementation, not about the exact
reference, so it can only be shown again by running that implementation. Its
data never decides what runs: the ``reproduce`` script in it is for a person to
read (``mus-verify replay`` prints it) and is never executed here, and the
target it names is never imported from the data. The caller names the code
again (``replay(cx, target="impl.py:factory")``, ``mus-verify replay FILE
--target impl.py:factory``); a counterexample found in this process carries the
live factory it was found with (``Counterexample.code``).

Replaying rebuilds the gate's settings recorded in ``data["gate"]`` (hence
the same configurations, seed vectors and inputs) and runs the property again
as the gate does: batch consistency first, and for a watched property
(contract, rng_isolation, ...) the recorded properties whose calls it watches.
Then:

* ``reproduced`` — the property's own check fails again (the summary says
  whether it is the same counterexample);
* ``not reproduced`` — the property ran and held;
* ``not replayed`` — no target was named, it could not be imported, the
  implementation raised instead of answering (a crash is not the property's
  assertion failing, except for ``contract``, whose assertion is "does not
  raise"), or the gate could not judge.
"""

from __future__ import annotations

import traceback
from dataclasses import fields
from typing import Any, Mapping

from ..replaying import Replay, ReplayStatus, needs_code
from ..results import jsonable

__all__ = ["replay", "recorded_settings"]


def recorded_settings(settings: Any) -> dict[str, Any]:
    """What ``data["gate"]`` records of the settings a counterexample was found with: every field, as JSON."""
    return {f.name: jsonable(getattr(settings, f.name)) for f in fields(settings)}


def replay(data: Mapping[str, Any], *, kind: str, target: Any = None) -> Replay:
    """Run property ``kind`` ("gate.<property>") again on ``target`` (a factory, a class, or a TARGET string)."""
    prop = kind.partition(".")[2]
    if target is None:
        return needs_code(
            "target",
            f"a gate counterexample ({prop}) is a fact about the implementation, which is never imported from the data; "
            "name it again (replay(cx, target='path/impl.py:factory'), or mus-verify replay FILE --target path/impl.py:factory); "
            "the reproduction script in the data is printed by mus-verify replay, never run",
        )
    from .configs import GateSettings, build_configs
    from .properties import ACTIVE, WATCHED
    from .target import ModuleFactory, as_factory, load_target

    if prop not in ACTIVE and prop not in WATCHED:
        return Replay(ReplayStatus.NOT_REPLAYED, f"not replayed: this version of the gate has no property {prop!r}")
    try:
        settings = _settings(data, GateSettings)
    except (TypeError, ValueError) as exc:
        return Replay(ReplayStatus.NOT_REPLAYED, f"could not replay: the recorded gate settings are not valid here: {exc}")
    try:
        implementation = load_target(target) if isinstance(target, str) else target
        factory = as_factory(implementation, settings.adapter)
    except (Exception, SystemExit) as exc:
        return Replay(ReplayStatus.NOT_REPLAYED, f"could not replay: the target could not be loaded: {type(exc).__name__}: {exc}")
    if prop == "keep_mask" and not (isinstance(factory, ModuleFactory) and factory.takes_mu):
        return Replay(ReplayStatus.NOT_REPLAYED, "not replayed: keep_mask needs a module whose forward takes mu")
    configs = build_configs(settings)  # the whole matrix: some properties judge several configurations together
    if prop in ACTIVE:
        names = [name for name in ACTIVE if name in ("batch_consistency", prop)]
    else:
        names = [name for name in ACTIVE if name in (settings.properties or ACTIVE)]
    return _rerun(factory, target, settings, configs, prop, names, data)


def _settings(data: Mapping[str, Any], settings_type: type) -> Any:
    """The recorded settings (lists back to tuples; fields this version lacks are dropped), else the defaults."""
    gate = data.get("gate")
    recorded: Mapping[str, Any] = gate if isinstance(gate, Mapping) else {}
    known = {f.name for f in fields(settings_type)}
    return settings_type(**{name: _tupled(value) for name, value in recorded.items() if name in known})


def _tupled(value: Any) -> Any:
    return tuple(_tupled(v) for v in value) if isinstance(value, list) else value


def _rerun(factory: Any, target: Any, settings: Any, configs: list, prop: str, names: list[str], recorded: Mapping[str, Any]) -> Replay:
    import torch

    from .context import GateRun
    from .properties import ACTIVE
    from .subject import Subject
    from .watches import watch_outcomes

    subject = Subject(factory, target=target if isinstance(target, str) else None, adapter=settings.adapter)
    ctx = GateRun(subject, settings, configs)
    threads = torch.get_num_threads()
    if settings.threads is not None:
        torch.set_num_threads(settings.threads)
    try:
        outcome = None
        for name in names:
            if name == "keep_mask" and not getattr(factory, "takes_mu", False):
                continue
            outcome = ACTIVE[name](ctx)
        if prop not in ACTIVE:
            outcome = next(o for o in watch_outcomes(ctx) if o.name == prop)
    except SystemExit as exc:  # only user code exits; the gate's subject lets it through
        return Replay(ReplayStatus.NOT_REPLAYED, f"could not replay: the implementation called sys.exit ({type(exc).__name__}: {exc.code!r}); "
                                                 f"an exit is not {prop}'s own check failing")
    except Exception as exc:  # implementation errors arrive as ImplementationError inside; this is the gate itself
        return Replay(ReplayStatus.NOT_REPLAYED, f"could not replay: the gate could not judge {prop}: {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=-3)}")
    finally:
        torch.set_num_threads(threads)
    where = f"{len(configs)} configuration(s)"
    if outcome is not None and outcome.failure is not None:
        same = all(jsonable(value) == jsonable(recorded.get(key)) for key, value in outcome.failure.data.items() if key != "traceback")
        which = "the same counterexample" if same else "a different counterexample than the recorded one"
        return Replay(ReplayStatus.REPRODUCED, f"{prop} fails again ({which}) on {where}: {outcome.failure.summary}")
    if ctx.raised_in or subject.contract.violation is not None:
        first = "" if subject.contract.violation is None else f": {subject.contract.violation.get('message', '')}"
        where_raised = f" (in {', '.join(ctx.raised_in[:3])})" if ctx.raised_in else ""
        return Replay(ReplayStatus.NOT_REPLAYED, f"could not replay: the implementation raised or broke the calling contract instead of answering{first}{where_raised}; "
                                                 f"a crash is not {prop}'s own check failing")
    if outcome is None or outcome.skipped is not None or outcome.cases == 0:
        reason = "nothing was checked" if outcome is None else (outcome.skipped or "nothing was checked")
        return Replay(ReplayStatus.NOT_REPLAYED, f"could not replay: {prop} could not be judged on {where}: {reason}")
    return Replay(ReplayStatus.NOT_REPRODUCED, f"{prop} holds on {where} ({outcome.cases} {outcome.quantified_over}): {outcome.message}")
