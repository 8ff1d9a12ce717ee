"""``prove``: one property of one variant at one size, by Z3, with every verdict checked exactly.

Verdicts: PROVED (every query UNSAT: no base classifier, input, mask or seed
vector violates the property at this size, and the exact cross-check of
:mod:`.crosscheck` agrees), REFUTED (a model that the exact judge in
:mod:`.judges` and the registered replayer both confirm, or an exact witness
the cross-check found although Z3 answered UNSAT), UNKNOWN (the deterministic
resource budget ``rlimit`` ran out). A solver model the exact judge does not
confirm, or Z3 terms that disagree with the exact evaluation, are never a
verdict: they raise :class:`~mus_verify.errors.InternalError` (or name the
variant's inconsistency as an InvalidArgument).

The budget is Z3's ``rlimit`` (a count of solver steps, the same on every
machine for the same Z3 version), not a wall clock; it and the Z3 version are
recorded in ``params`` so a verdict can be reproduced. Each call builds its
terms in a fresh Z3 context, so repeated calls in one process give identical
verdicts and rlimit counts (the shared default context keeps state between
queries). Sizes whose encoding cannot finish in minutes are refused up front
(:func:`check_size`).
"""

from __future__ import annotations

import contextlib
import time
from typing import Any, Callable, Iterator, Mapping

import z3

from .._validation import as_int
from ..certificates import RADIUS_RULES
from ..errors import InternalError, InvalidArgument, MusVerifyError
from ..results import CheckResult, Counterexample, Verdict
from ..variants.base import Variant, VariantParams, make_params
from ..variants.guard import run_check, run_symbols
from ..variants.loader import load_variant, variant_source
from .crosscheck import agreement_points, disagreement, exact_violation
from .encoding import Encoding
from .judges import REPLAY_KINDS, judge, record_inputs
from .lipschitz_pairs import PAIRWISE_MEASURED, PAIRWISE_SLOT_LIMIT, pairwise_edge, pairwise_slots
from .properties import DIRECTIONS, PROPERTIES, RADIUS_CONSTRAINTS

__all__ = ["prove", "check_size", "DEFAULT_RLIMIT", "ENCODING_VERSION", "MODES", "check_encoding_size", "MAX_N", "SLOT_LIMITS"]

DEFAULT_RLIMIT = 50_000_000
ENCODING_VERSION = 2  # 2: lipschitz closes edges by the per-term relaxation first (lipschitz_pairs)
MODES = ("average", "vote")
# Size limits, so that a run finishes within about a minute instead of hanging. What grows is the number of
# slot terms of one evaluation of g (noise terms x n); Lipschitz also asks n queries. Measured for mus at
# q = 8 on a shared 2-core machine (proofs/README.md, Speed): marginals n = 512 (4096 slots) 7 s; masking
# equivalence n = 256 (2048) 31 s; stability n = 48 (384) 25 s, n = 64 UNKNOWN after 48 s; lipschitz n = 64
# (512 slots x 64 queries) 26 s.
MAX_N = 1024
SLOT_LIMITS = {"marginals": 8192, "masking-equivalence": 2048, "reference": 2048, "stability": 512, "lipschitz": 512}
LIPSCHITZ_QUERY_SLOTS = 32768
_MEASURED = {
    "marginals": "n = 512, q = 8 (4096 slots) takes about 7 s",
    "masking-equivalence": "n = 256, q = 8 (2048 slots) takes about 31 s",
    "reference": "like masking-equivalence, n = 256, q = 8 (2048 slots) takes about 31 s",
    "stability": "n = 48, q = 8 (384 slots) takes about 25 s and n = 64 runs out of budget after 48 s",
    "lipschitz": "n = 64, q = 8 (512 slots in each of 64 queries) takes about 26 s",
}


def check_size(params: VariantParams, variant: Variant) -> None:
    """Refuse an n no encoding can handle, before anything is built."""
    if params.n > MAX_N:
        raise InvalidArgument("n", params.n, f"at most {MAX_N} for prove/search",
                              "the Z3 encoding has n slot terms per noise term; see the Speed table in proofs/README.md")


def check_encoding_size(enc: Encoding, prop: str, note: str = "") -> None:
    """Refuse a size whose encoding cannot finish in about a minute (says the limit, the count and a measurement)."""
    terms, n = len(enc.noise()), enc.params.n
    note = f"; {note}" if note else ""
    slots, limit = terms * n, SLOT_LIMITS[prop]
    argument, value = ("q", enc.params.q) if enc.variant.quantized else ("n", n)
    if slots > limit:
        raise InvalidArgument(argument, value, f"a size whose g has at most {limit} slot terms (noise terms x n) for {prop}",
                              f"{enc.variant.name} has {terms} noise terms x n = {n} = {slots}; measured for mus: {_MEASURED[prop]}{note}")
    if prop == "lipschitz" and slots * n > LIPSCHITZ_QUERY_SLOTS:
        raise InvalidArgument(argument, value, f"a size with slot terms x n queries <= {LIPSCHITZ_QUERY_SLOTS} for lipschitz",
                              f"{enc.variant.name} has {slots} slot terms in each of {n} queries = {slots * n}; measured for mus: {_MEASURED[prop]}{note}")


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
    pairwise: bool = True,
) -> CheckResult:
    """Prove or refute ``prop`` for ``variant`` with n features, q and λ (defaults q = 4, λ = ⌊q/4⌋/q).

    ``variant`` is a name, a ``file.py:ATTR`` / ``module:ATTR`` spec or a Variant object. For
    ``lipschitz``, ``pairwise`` (default) closes edges by the per-term relaxation of
    :mod:`.lipschitz_pairs` first and gives only the edges it leaves open to the full encoding;
    ``pairwise=False`` runs the full encoding on every edge (the regression tests compare the two).
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
    variant_obj: Variant = load_variant(variant)
    spec = variant if isinstance(variant, str) else variant_obj.name
    q, lam = _default_q_lam(q, lam)
    params = make_params(n, q, lam, quantized=variant_obj.quantized)
    run_check(variant_obj, params)
    check_size(params, variant_obj)

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
    run = _Run(name, prop, variant_obj, spec, params, classes, mode, options, record, started)
    run.pairwise = bool(pairwise)
    with fresh_z3_context():
        return run.solve(rlimit, random_seed)


@contextlib.contextmanager
def fresh_z3_context() -> Iterator[None]:
    """Build every term of one prove() in a new Z3 context (z3's functions take the "main" context when
    given none). The process-wide default context carries caches and counters from earlier queries,
    which made a second in-process call use different rlimit counts and flip UNKNOWN to PROVED.
    Not thread-safe: one prove() at a time per process."""
    import z3.z3 as z3_core

    saved = z3_core._main_ctx
    z3_core._main_ctx = z3.Context()
    try:
        yield
    finally:
        z3_core._main_ctx = saved


class _Run:
    """One prove() call: the solver loop, then the exact confirmation of whatever it answered."""

    def __init__(self, name: str, prop: str, variant: Variant, spec: Any, params: VariantParams, classes: int, mode: str,
                 options: Mapping[str, Any], record: dict[str, Any], started: float) -> None:
        self.name, self.prop, self.variant, self.spec, self.params = name, prop, variant, spec, params
        self.classes, self.mode, self.options, self.record, self.started = classes, mode, options, record, started
        self.pairwise = True

    def _elapsed(self) -> float:
        return time.perf_counter() - self.started

    def solve(self, rlimit: int, random_seed: int) -> CheckResult:
        try:
            return self._solve(rlimit, random_seed)
        except z3.Z3Exception as exc:  # outside the variant's hooks (those are named by the guard)
            raise InvalidArgument("variant", self.variant.name, "a variant the Z3 encoding can represent (linear rational arithmetic, Booleans, if-then-else)",
                                  f"building or solving the {self.prop} query raised Z3Exception: {exc}") from exc

    def _solve(self, rlimit: int, random_seed: int) -> CheckResult:
        queries = PROPERTIES[self.prop].queries(self.params, self.options)
        used: list[int] = []
        # One encoding and one solver for all queries of a property: the unknowns, the noise and the domain
        # facts are shared (edge queries reuse every unchanged coordinate); each query's goal is pushed and popped.
        enc = Encoding(self.variant, self.params, self.classes, self.mode)
        relaxed: dict[str, Any] = {}
        if self.prop == "lipschitz" and self.pairwise and pairwise_slots(enc) <= PAIRWISE_SLOT_LIMIT:
            # First the per-term relaxation (lipschitz_pairs: its UNSAT is a proof of the full edge query);
            # only the edges it cannot close go to the full encoding, whose size limit then applies.
            open_edges, relaxed = self._pairwise_stage(enc, rlimit, random_seed)
            if not open_edges:
                details = {"queries": len(queries), "rlimit_count": relaxed["rlimit_count"], "classifier_applications": 0, "pairwise": relaxed}
                return self._proved(enc, len(queries), details)
            queries = [queries[i] for i in open_edges]
        check_encoding_size(enc, self.prop, _pairwise_note(enc, relaxed) if self.prop == "lipschitz" else "")
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
            if relaxed:
                details["pairwise"] = relaxed
            model = solver.model() if answer == z3.sat else None
            reason = solver.reason_unknown() if answer == z3.unknown else ""
            solver.pop()
            if answer == z3.unknown:
                return CheckResult(
                    self.name, Verdict.UNKNOWN, "z3", number, self.record,
                    message=f"solver gave up on {query.label} ({reason}); raise --rlimit above {rlimit}",
                    elapsed_s=self._elapsed(), details=details,
                )
            if answer == z3.sat:
                return self._refutation(enc, model, extract, query.label, details)
        details = {"queries": len(queries), "rlimit_count": used, "classifier_applications": enc.describe_size()["applications"]}
        if relaxed:
            details.update(queries=self.params.n, pairwise=relaxed)
        return self._proved(enc, details["queries"], details)

    def _pairwise_stage(self, enc: Encoding, rlimit: int, random_seed: int) -> tuple[list[int], dict[str, Any]]:
        """Lipschitz edges by the per-term relaxation; returns the edges it left open (SAT or UNKNOWN) and its record."""
        solver = z3.Solver()
        solver.set("rlimit", rlimit)
        solver.set("random_seed", random_seed)
        solver.add(*enc.background)  # symbol bounds only: the relaxation applies no classifier
        used, open_edges, contributing = [], [], []
        build_s = solve_s = 0.0
        for i in range(self.params.n):
            clock = time.perf_counter()
            constraints, terms = pairwise_edge(enc, i)
            solver.push()
            solver.add(*constraints)
            before = _rlimit_now()
            build_s += time.perf_counter() - clock
            clock = time.perf_counter()
            answer = solver.check()
            solve_s += time.perf_counter() - clock
            used.append(_rlimit_count(solver) - before)
            solver.pop()
            contributing.append(terms)
            if answer != z3.unsat:
                open_edges.append(i)
        return open_edges, {"rlimit_count": used, "open_edges": open_edges, "contributing_terms": contributing,
                            "build_s": round(build_s, 3), "solve_s": round(solve_s, 3)}

    # -- SAT: a model, judged exactly ------------------------------------------------------------
    def _base_data(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.record)
        for key in ("rlimit", "random_seed", "z3_version", "encoding_version", "quantified_over"):
            data.pop(key, None)
        data["variant_source"] = variant_source(self.spec) if isinstance(self.spec, str) else self.spec
        return data

    def _confirm(self, data: dict[str, Any], classifier: Callable[[tuple], list[Any]]) -> tuple[Counterexample | None, str]:
        """Tabulate the classifier where the judge looks, judge exactly, then replay; (counterexample, '') or (None, why)."""
        try:
            inputs = record_inputs(data, self.variant)
            data["h_table"] = [{"input": list(point), "output": classifier(point)} for point in inputs]
            outcome = judge(data, variant=self.variant)
        except MusVerifyError:
            raise  # the variant's own inconsistency (named), not an engine problem
        except (ValueError, LookupError, AssertionError) as exc:
            return None, f"{type(exc).__name__}: {exc}"
        if not outcome.violated:
            return None, f"the exact judge finds no violation: {outcome.summary}"
        data["observed"] = outcome.observed
        # code: the variant object, so in-process replays judge it; a JSON copy needs it named again
        counterexample = Counterexample(REPLAY_KINDS[self.record["property"]], outcome.summary, data, code={"variant": self.variant})
        try:
            confirmed = counterexample.replay()
        except (KeyError, ValueError, ImportError) as exc:  # e.g. a variant object with no loadable spec
            return None, f"replayer: {type(exc).__name__}: {exc}"
        return (counterexample, "") if confirmed else (None, "the registered replayer does not reproduce it")

    def _refutation(self, enc: Encoding, model: z3.ModelRef, extract: Any, label: str, details: dict[str, Any]) -> CheckResult:
        data = self._base_data()
        data["x"] = enc.concrete_x(model)
        data["symbols"] = enc.concrete_symbols(model)
        data.update(extract(model))
        counterexample, problem = self._confirm(data, lambda point: enc.classifier_at(model, point))
        if counterexample is not None:
            return CheckResult(
                self.name, Verdict.REFUTED, "z3", details["solved"] + 1, self.record, counterexample=counterexample,
                message=f"counterexample ({label}), replayed and confirmed in the exact reference: {counterexample.summary}",
                elapsed_s=self._elapsed(), details=details,
            )
        alpha = data.get("alpha") or [1] * self.params.n
        where = disagreement(enc, self.variant, self.params, [(data["symbols"], data["x"], list(alpha))], self.prop)
        raise self._engine_error(f"Z3 found a model for {label} that the exact reference does not confirm ({problem})", where)

    # -- UNSAT: cross-checked exactly before PROVED is printed -------------------------------------
    def _proved(self, enc: Encoding, queries: int, details: dict[str, Any]) -> CheckResult:
        clock = time.perf_counter()
        witness = exact_violation(self.prop, self.variant, self.params, self.classes, self.mode, self.options)
        if witness is not None:
            data = self._base_data()
            data.setdefault("x", [0] * self.params.n)
            data.update(witness.data)
            counterexample, problem = self._confirm(data, witness.classifier)
            if counterexample is None:
                raise InternalError(f"{self.name}: the exact cross-check found a violation ({witness.summary}) that the exact judge does not confirm ({problem})")
            return CheckResult(
                self.name, Verdict.REFUTED, "z3", queries, self.record, counterexample=counterexample,
                message=f"Z3 answered UNSAT, but exact evaluation at this size refutes the statement ({witness.summary}): "
                f"{counterexample.summary}. The exact witness is reported; the Z3 terms of {self.variant.name} differ from its exact semantics",
                elapsed_s=self._elapsed(), details={**details, "z3_answer": "unsat", "crosscheck": "exact evaluation found a violation"},
            )
        points = agreement_points(self.variant, self.params)
        where = disagreement(enc, self.variant, self.params, points, self.prop)
        if where is not None:
            raise self._engine_error("Z3 answered UNSAT, but its terms are not the variant's exact semantics, so the proof is not printed", where)
        note = ""
        if self.prop == "stability":
            # The gap is at most 1, so this is the largest radius the rule can ever claim at this λ.
            largest = min(RADIUS_RULES[self.options["radius_rule"]](1, self.params.lam), self.params.n)
            self.record["largest_claimable_radius"] = largest
            if largest < 1:
                note = f"; note: at λ = {self.params.lam} the {self.options['radius_rule']} rule never claims a radius >= 1, so only β = α is covered"
        p = self.params
        return CheckResult(
            self.name, Verdict.PROVED, "z3", queries, self.record,
            message=f"UNSAT in all {queries} quer{'y' if queries == 1 else 'ies'}: {PROPERTIES[self.prop].summary} at n = {p.n}, q = {p.q}, λ = {p.lam}{note}",
            elapsed_s=self._elapsed(),
            details={**details, "crosscheck_s": round(time.perf_counter() - clock, 3), "crosscheck": f"exact statement on a bounded sample, and Z3/exact agreement checked on up to {len(points)} sampled points, at this size"},
        )

    def _engine_error(self, what: str, where: str | None) -> InternalError:
        if where is not None:
            return InternalError(
                f"{self.name}: {what}. The variant's Z3 terms differ from its exact evaluation {where}. A variant must compute "
                "the same function on every backend (does it branch on ops.name, or keep state between calls?); if it does, "
                "this is a bug in mus_verify's encoding"
            )
        return InternalError(f"{self.name}: {what}; the Z3 terms agree with the exact evaluation at that point, so this is a bug in mus_verify")


def _pairwise_note(enc: Encoding, relaxed: Mapping[str, Any]) -> str:
    """Why the full Lipschitz encoding is needed at all, for its size refusal."""
    if relaxed:
        return f"the per-term relaxation left edges {relaxed['open_edges']} open, and only the full encoding decides them"
    slots = pairwise_slots(enc)
    if slots > PAIRWISE_SLOT_LIMIT:
        return (f"the per-term relaxation is refused too: noise terms x n x n queries = {slots} > {PAIRWISE_SLOT_LIMIT}; "
                f"measured for mus: {PAIRWISE_MEASURED}")
    return "the per-term relaxation was switched off"


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
