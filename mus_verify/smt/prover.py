"""``prove``: one property of one variant at one size, by Z3, with every counterexample judged exactly.

Verdicts: PROVED (every query UNSAT: no base classifier, input, mask or seed
vector violates the property at this size), REFUTED (a model that the exact
judge in :mod:`.judges` and the registered replayer both confirm), UNKNOWN
(the deterministic resource budget ``rlimit`` ran out, or a model did not
survive the exact replay, which would be an encoding bug and is never
reported as a counterexample).

The budget is Z3's ``rlimit`` (a count of solver steps, the same on every
machine for the same Z3 version), not a wall clock; it and the Z3 version are
recorded in ``params`` so a verdict can be reproduced.
"""

from __future__ import annotations

import time
from typing import Any, Mapping

import z3

from .._validation import as_int
from ..certificates import RADIUS_RULES
from ..errors import InvalidArgument
from ..results import CheckResult, Counterexample, Verdict
from ..variants.base import Variant, make_params
from ..variants.guard import run_check, run_symbols
from ..variants.loader import load_variant, variant_source
from .encoding import Encoding
from .judges import REPLAY_KINDS, judge, record_inputs
from .properties import DIRECTIONS, PROPERTIES, RADIUS_CONSTRAINTS

__all__ = ["prove", "DEFAULT_RLIMIT", "ENCODING_VERSION", "MODES"]

DEFAULT_RLIMIT = 50_000_000
ENCODING_VERSION = 1
MODES = ("average", "vote")


def _default_q_lam(q: Any, lam: Any) -> tuple[Any, Any]:
    q = 4 if q is None else q
    if lam is None:
        q_int = as_int(q, "q", low=1)
        lam = f"{max(1, q_int // 4)}/{q_int}"
    return q, lam


def prove(
    prop: str,
    variant: Any,
    n: int,
    q: int | None = None,
    lam: Any = None,
    *,
    radius_rule: str = "strict",
    direction: str = "any",
    classes: int = 2,
    mode: str = "average",
    rlimit: int = DEFAULT_RLIMIT,
    random_seed: int = 0,
) -> CheckResult:
    """Prove or refute ``prop`` for ``variant`` with n features, q and λ (defaults q = 4, λ = ⌊q/4⌋/q).

    ``variant`` is a name, a ``file.py:ATTR`` / ``module:ATTR`` spec or a Variant object.
    """
    started = time.perf_counter()
    if prop not in PROPERTIES:
        raise InvalidArgument("property", prop, f"one of {', '.join(PROPERTIES)}")
    if radius_rule not in RADIUS_CONSTRAINTS:
        raise InvalidArgument("radius_rule", radius_rule, f"one of {', '.join(RADIUS_CONSTRAINTS)}")
    if direction not in DIRECTIONS:
        raise InvalidArgument("direction", direction, f"one of {', '.join(DIRECTIONS)}")
    if mode not in MODES:
        raise InvalidArgument("mode", mode, f"one of {', '.join(MODES)}")
    classes = as_int(classes, "classes", low=2)
    rlimit = as_int(rlimit, "rlimit", low=1)
    spec = variant if isinstance(variant, str) else getattr(variant, "name", repr(variant))
    variant_obj: Variant = load_variant(variant)
    q, lam = _default_q_lam(q, lam)
    params = make_params(n, q, lam, quantized=variant_obj.quantized)
    run_check(variant_obj, params)

    options = {"radius_rule": radius_rule, "direction": direction}
    record: dict[str, Any] = {
        "property": prop,
        "variant": spec,
        "n": params.n,
        "q": params.q,
        "lam": params.lam,
        "classes": classes,
        "mode": mode,
        "rlimit": rlimit,
        "random_seed": random_seed,
        "z3_version": z3.get_version_string(),
        "encoding_version": ENCODING_VERSION,
        "quantified_over": _quantified(variant_obj, params, prop, classes, mode),
    }
    if prop == "stability":
        record.update(radius_rule=radius_rule, direction=direction)
    name = f"{prop} {variant_obj.name} n={params.n} q={params.q} λ={params.lam}"
    queries = PROPERTIES[prop].queries(params, options)
    used: list[int] = []
    # One encoding and one solver for all queries of a property: the unknowns, the noise and the domain
    # facts are shared (edge queries reuse every unchanged coordinate); each query's goal is pushed and popped.
    enc = Encoding(variant_obj, params, classes, mode)
    solver = z3.Solver()
    solver.set("rlimit", rlimit)
    solver.set("random_seed", random_seed)
    asserted = 0
    for number, query in enumerate(queries):
        enc.constraints = []
        extract = query.build(enc)
        solver.add(*enc.background[asserted:])
        asserted = len(enc.background)
        solver.push()
        solver.add(*enc.constraints)
        before = _rlimit_now()
        answer = solver.check()
        used.append(_rlimit_count(solver) - before)
        applications = enc.describe_size()["applications"]
        details = {"queries": len(queries), "solved": number, "rlimit_count": used, "classifier_applications": applications}
        model = solver.model() if answer == z3.sat else None
        reason = solver.reason_unknown() if answer == z3.unknown else ""
        solver.pop()
        if answer == z3.unknown:
            return CheckResult(
                name, Verdict.UNKNOWN, "z3", number, record,
                message=f"solver gave up on {query.label} ({reason}); raise --rlimit above {rlimit}",
                elapsed_s=time.perf_counter() - started, details=details,
            )
        if answer == z3.sat:
            return _refutation(name, enc, model, extract, record, variant_obj, spec, query.label, details, started)
    note = ""
    if prop == "stability":
        # The gap is at most 1, so this is the largest radius the rule can ever claim at this λ.
        largest = min(RADIUS_RULES[radius_rule](1, params.lam), params.n)
        record["largest_claimable_radius"] = largest
        if largest < 1:
            note = f"; note: at λ = {params.lam} the {radius_rule} rule never claims a radius >= 1, so only β = α is covered"
    return CheckResult(
        name, Verdict.PROVED, "z3", len(queries), record,
        message=f"UNSAT in all {len(queries)} quer{'y' if len(queries) == 1 else 'ies'}: {PROPERTIES[prop].summary} at n = {params.n}, q = {params.q}, λ = {params.lam}{note}",
        elapsed_s=time.perf_counter() - started,
        details={"queries": len(queries), "rlimit_count": used, "classifier_applications": enc.describe_size()["applications"]},
    )


def _refutation(name: str, enc: Encoding, model: z3.ModelRef, extract: Any, record: Mapping[str, Any], variant: Variant,
                spec: str, label: str, details: dict[str, Any], started: float) -> CheckResult:
    data: dict[str, Any] = dict(record)
    for key in ("rlimit", "random_seed", "z3_version", "encoding_version", "quantified_over"):
        data.pop(key, None)
    data["variant_source"] = variant_source(spec) if isinstance(spec, str) else spec
    data["x"] = enc.concrete_x(model)
    data["symbols"] = enc.concrete_symbols(model)
    data.update(extract(model))
    problem = None
    try:
        inputs = record_inputs(data, variant)
        data["h_table"] = [{"input": list(point), "output": enc.classifier_at(model, point)} for point in inputs]
        outcome = judge(data, variant=variant)
    except (ValueError, LookupError, AssertionError) as exc:
        outcome, problem = None, f"{type(exc).__name__}: {exc}"
    if outcome is not None and outcome.violated:
        data["observed"] = outcome.observed
        # code: the variant object, so in-process replays judge it; a JSON copy needs it named again
        counterexample = Counterexample(REPLAY_KINDS[record["property"]], outcome.summary, data, code={"variant": variant})
        try:
            confirmed = counterexample.replay()
        except (KeyError, ValueError, ImportError) as exc:  # e.g. a variant object with no loadable spec
            confirmed, problem = False, f"replayer: {type(exc).__name__}: {exc}"
        if confirmed:
            return CheckResult(
                name, Verdict.REFUTED, "z3", details["solved"] + 1, record, counterexample=counterexample,
                message=f"counterexample ({label}), replayed and confirmed in the exact reference: {outcome.summary}",
                elapsed_s=time.perf_counter() - started, details=details,
            )
    reason = problem or (outcome.summary if outcome is not None else "no outcome")
    return CheckResult(
        name, Verdict.UNKNOWN, "z3", details["solved"], record,
        message=f"solver model for {label} was not confirmed by the exact reference ({reason}); this is an encoding bug, not a counterexample",
        elapsed_s=time.perf_counter() - started, details={**details, "unconfirmed_model": {k: v for k, v in data.items() if k != "h_table"}},
    )


def _rlimit_now() -> int:
    """Z3's resource counter is per process; read it through a trivial check to measure one query's use."""
    probe = z3.Solver()
    probe.check()
    return _rlimit_count(probe)


def _rlimit_count(solver: z3.Solver) -> int:
    stats = solver.statistics()
    for key in stats.keys():
        if key == "rlimit count":
            return int(stats.get_key_value(key))
    return 0


def _quantified(variant: Variant, params: Any, prop: str, classes: int, mode: str) -> str:
    if prop == "marginals":
        what = []
    else:
        kind = f"every base classifier with {classes} classes ({'one-hot votes' if mode == 'vote' else 'outputs in the probability simplex'})"
        what = [kind, f"every input x in Q^{params.n}", "every mask α (and β)"]
    for symbol, shape in run_symbols(variant, params).items():
        bounds = f"{shape.low}..{shape.high}" if hasattr(shape, "low") else "Q"
        what.append(f"every {symbol} in ({bounds})^{shape.length}")
    return ", ".join(what) if what else "the noise distribution (no symbols)"
