"""Sharded runs of the registered checks: the same result as one process, on any executor.

A check's work is a product (distributions × inputs × classifiers × modes; see
:class:`~mus_verify.checks._exhaustive.Setup`). The local run enumerates it in one order;
a shard here is a *contiguous* run of pieces of that order, and each piece is the check's own
public function (:func:`~.lipschitz.check_lipschitz`, :func:`~.stability.check_stability`) on
one distribution, one input and one classifier. Nothing inside the checks is re-implemented:
the pieces' results are merged back, in order, into the result one process would report.

The merge is exact because what the checks report is additive or a first-in-order choice:

* counts (``cases``, runs, edges, certificates, (α, β) pairs, the tightness histograms,
  the engine's work counters) are sums over pieces; maxima are maxima, and the place a maximum
  is reached is the first piece reaching it (the checks keep the first with a strict ``>``);
* the counterexample is the first in the enumeration order: a failing shard cancels only the
  shards after it (:func:`mus_verify.parallel.run_shards`), and the merge stops at the first
  failing piece with the counts accumulated up to it, as the local loop does when it returns.
  A stability tie claim does not stop the local loop (it is reported only if no violation with
  a changed feature exists): here neither.

Lipschitz order, per distribution: the all-classifier TV scan of every input, then the concrete
runs of each (input, classifier). A concrete piece reruns its input's TV scan (the public function
always does; for MuS it is a closed form, microseconds): its work counters are corrected by
subtracting those of that input's TV piece, which did the identical scan.

Timing fields (``elapsed_s``, ``masks_per_s``, the wall time inside the message's throughput line)
are the sharded run's own. ``details`` gains ``engine`` and ``shards``. Any other check runs as
one shard (the whole check in one worker), so ``check all`` works on every engine.

The merged messages repeat the checks' own sentences (below): tests/parallel compares every field
with a local run, messages included, so a change of wording there shows up here.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Callable, Mapping, Sequence

from ..distributions import MaskDistribution
from ..parallel import run_shards
from ..results import CheckResult, Verdict
from ..exhaustive.distance import Direction
from ..exhaustive.mask_encodings import MULTIPLICATIVE
from ._exhaustive import Clock, Setup, setup_from_config
from .registry import CheckConfig, Progress, get, run_check

__all__ = ["Piece", "ShardPlan", "plan_check", "run_plan", "run_sharded", "SHARDED_CHECKS", "MAX_SHARDS", "THROUGHPUT_LINE", "run_pieces"]

SHARDED_CHECKS: dict[str, Direction | None] = {"lipschitz": None, "incremental-stability": "up", "decremental-stability": "down"}
# enough shards to keep a cluster busy and to cancel quickly after a failure; a few ms of Ray each
MAX_SHARDS = 256
# from this many distributions (seed vectors) on, a piece is a whole distribution: finer pieces only add overhead
WHOLE_DISTRIBUTIONS = 16
# Clock.line(): the throughput sentence that ends an exhaustive check's message
THROUGHPUT_LINE = re.compile(r"[\d,]+ masks evaluated in [\d.]+ s \([\d.]+ M masks/s\)$")
_WORK = (("masks_evaluated", "masks"), ("distinct_classifier_inputs", "distinct_inputs"), ("smoothing_runs", "runs"))


@dataclass(frozen=True)
class Piece:
    """One call of a check's function: distribution ``d``, input ``j`` (None: every input, the whole
    distribution as the local loop runs it), classifiers [a, b) (None: lipschitz's TV scan of input j)."""

    d: int
    j: int | None
    classifiers: tuple[int, int] | None


@dataclass(frozen=True)
class ShardPlan:
    """A check split into shards of consecutive pieces (empty ``shards``: the check runs whole, as one shard)."""

    name: str
    config: CheckConfig
    shards: tuple[tuple[Piece, ...], ...]
    distributions: tuple[MaskDistribution, ...] = ()  # built once here, shipped to the shards that use them

    @property
    def size(self) -> int:
        return max(1, len(self.shards))


def _setup(name: str, config: CheckConfig) -> Setup:
    from . import lipschitz, stability

    defaults = lipschitz.DEFAULTS if name == "lipschitz" else stability.DEFAULTS
    return setup_from_config(config, defaults, closed_form=True)


def plan_check(name: str, config: CheckConfig | None = None) -> ShardPlan:
    """Split check ``name`` in enumeration order; bad options raise here, as they would locally."""
    name = get(name).name
    config = config or CheckConfig()
    if name not in SHARDED_CHECKS:
        return ShardPlan(name, config, ())
    setup = _setup(name, config)
    classifiers, inputs = len(setup.classifiers), len(setup.inputs)
    # lipschitz's concrete pieces rerun their input's TV scan: one classifier each only where that scan is a closed form
    closed_form = setup.variant is MULTIPLICATIVE or bool(getattr(setup.variant, "multiplicative", False))
    step = 1 if name != "lipschitz" or closed_form else max(1, classifiers)
    pieces: list[Piece] = []
    for d in range(setup.distribution_count):
        if setup.distribution_count >= WHOLE_DISTRIBUTIONS:  # enough distributions to share out as they are
            pieces.append(Piece(d, None, (0, classifiers)))
            continue
        if name == "lipschitz":
            pieces += [Piece(d, j, None) for j in range(inputs)]
        pieces += [Piece(d, j, (a, min(a + step, classifiers))) for j in range(inputs) for a in range(0, classifiers, step)]
    if not classifiers or not setup.modes:
        return ShardPlan(name, config, ())  # nothing concrete to split: the whole check says what that means
    per_shard = -(-len(pieces) // MAX_SHARDS)
    shards = tuple(tuple(pieces[k:k + per_shard]) for k in range(0, len(pieces), per_shard))
    return ShardPlan(name, config, shards, tuple(setup.distributions))


def _stops(name: str, result: CheckResult) -> bool:
    """Whether the local loop returns at this result (a stability tie claim does not stop it)."""
    if result.verdict is not Verdict.REFUTED:
        return False
    return name == "lipschitz" or result.counterexample is None or result.counterexample.data.get("direction") != "tie"


def run_pieces(name: str, config: CheckConfig, pieces: Sequence[Piece], distributions: Mapping[int, MaskDistribution]) -> list[CheckResult]:
    """One shard (runs in a worker): its pieces in order, up to the first one that stops the check.

    The shard rebuilds the check's set-up from ``config`` (classifiers, inputs, variant: deterministic)
    but gets its distributions from the plan: enumerating seed vectors up to its own would cost each
    shard the work of all the shards before it.
    """
    from .lipschitz import check_lipschitz
    from .stability import check_stability

    if not pieces:
        return [run_check(name, config)]
    setup = _setup(name, config)
    out = []
    for p in pieces:
        a, b = p.classifiers or (0, 0)
        common: dict[str, Any] = {"variant": setup.variant, "classifiers": list(setup.classifiers[a:b]), "inputs": list(setup.inputs) if p.j is None else [setup.inputs[p.j]],
                                  "modes": setup.modes, "params": setup.params}
        if name == "lipschitz":
            result = check_lipschitz([distributions[p.d]], setup.lam, name=name, **common)
        else:
            direction = SHARDED_CHECKS[name]
            assert direction is not None
            result = check_stability([distributions[p.d]], setup.lam, direction=direction, name=name,
                                     radius_rule=config.extra.get("radius_rule", "strict"), **common)
        out.append(result)
        if _stops(name, result):
            break
    return out


def run_plan(plan: ShardPlan, *, engine: str = "local", workers: int | None = None, address: str | None = None,
             progress: Progress | None = None) -> CheckResult:
    """Run a plan's shards on ``engine`` (see :func:`mus_verify.parallel.run_shards`) and merge them."""
    clock = Clock()
    shards = plan.shards or ((),)
    args = [(plan.name, plan.config, shard, {d: plan.distributions[d] for d in sorted({p.d for p in shard})}) for shard in shards]
    results = run_shards(run_pieces, args, engine=engine, workers=workers,
                         address=address, progress=progress, stop_after_first_failure=lambda rs: _stops(plan.name, rs[-1]))
    if not plan.shards:
        whole = results[0][0]
        return replace(whole, details={**whole.details, "engine": engine, "shards": 1})
    done = [(p, r) for shard, rs in zip(plan.shards, results) if rs is not None for p, r in zip(shard, rs)]
    merged = _merge_lipschitz(plan, done, clock) if plan.name == "lipschitz" else _merge_stability(plan, done, clock)
    return replace(merged, details={**merged.details, "engine": engine, "shards": len(plan.shards)})


def run_sharded(name: str, config: CheckConfig | None = None, *, engine: str = "local", workers: int | None = None,
                address: str | None = None, progress: Progress | None = None) -> CheckResult:
    """:func:`~mus_verify.checks.run_check`, sharded on ``engine``: the same result (timings aside)."""
    return run_plan(plan_check(name, config), engine=engine, workers=workers, address=address, progress=progress)


def _add_work(clock: Clock, details: Mapping[str, Any], sign: int = 1) -> None:
    for key, attribute in _WORK:
        setattr(clock.stats, attribute, getattr(clock.stats, attribute) + sign * int(details[key]))


def _message(piece: CheckResult, clock: Clock) -> str:
    """A piece's message with its throughput line replaced by the whole run's."""
    return THROUGHPUT_LINE.sub(lambda _m: clock.line(), piece.message)


def _finish(clock: Clock, like: CheckResult, verdict: Verdict, cases: int, message: str, details: Mapping[str, Any],
            margin: Fraction | None, from_piece: CheckResult | None = None) -> CheckResult:
    params = {k: v for k, v in like.params.items() if k != "quantified_over"}
    cex = from_piece.counterexample if from_piece is not None else None
    return clock.result(like.name, verdict, like.method, cases, params, like.params["quantified_over"], cex, margin, message, details)


def _merge_lipschitz(plan: ShardPlan, done: Sequence[tuple[Piece, CheckResult]], clock: Clock) -> CheckResult:
    cases = 0
    largest_tv, argmax = Fraction(-1), {}
    concrete = {"runs": 0, "edges": 0, "largest_difference": Fraction(0)}
    scans: dict[tuple[int, int | None], Mapping[str, Any]] = {}
    lam: Any = None
    for piece, r in done:
        if piece.classifiers is None:  # the all-classifier TV scan of one input
            cases += r.cases
            _add_work(clock, r.details)
            scans[piece.d, piece.j] = r.details
            lam = r.params["lam"]
            if r.verdict is Verdict.REFUTED:
                details = {"max_tv": r.details["max_tv"], "input": r.details["input"]}
                return _finish(clock, r, r.verdict, cases, _message(r, clock), details, r.margin, r)
            if r.details["max_tv"] > largest_tv:
                largest_tv, argmax = r.details["max_tv"], r.details["max_tv_at"]
            continue
        _add_work(clock, r.details)
        if piece.j is None:  # a whole distribution: its TV scans and its concrete runs, in the local order
            cases += r.cases
            lam = r.params["lam"]
            if r.verdict is Verdict.REFUTED and "concrete" not in r.details:
                details = {"max_tv": r.details["max_tv"], "input": r.details["input"]}
                return _finish(clock, r, r.verdict, cases, _message(r, clock), details, r.margin, r)
            if r.verdict is not Verdict.REFUTED and r.details["max_tv"] > largest_tv:
                largest_tv, argmax = r.details["max_tv"], r.details["max_tv_at"]
        else:
            _add_work(clock, scans[piece.d, piece.j], -1)  # the same scan, already counted once
        part = r.details["concrete"]
        concrete["runs"] += part["runs"]
        concrete["edges"] += part["edges"]
        concrete["largest_difference"] = max(concrete["largest_difference"], part["largest_difference"])
        if r.verdict is Verdict.REFUTED:
            return _finish(clock, r, r.verdict, cases, _message(r, clock), {"concrete": concrete}, r.margin, r)
    last = done[-1][1]
    concrete_text = f"{concrete['runs']} concrete classifier runs reach at most {concrete['largest_difference']}" if concrete["runs"] else "no concrete classifiers given"
    message = (
        f"every class coordinate of g(x, ·) is λ-Lipschitz for every base classifier with values in [0, 1]: "
        f"the largest total variation over {cases:,} edges is {largest_tv} <= λ = {lam}; {concrete_text}; {clock.line()}"
    )
    details = {"max_tv": largest_tv, "max_tv_at": argmax, "concrete": concrete}
    return _finish(clock, last, Verdict.PROVED, cases, message, details, Fraction(lam) - largest_tv)


class _Tally:
    """The stability checks' counts and tightness histograms, summed from the pieces' details."""

    def __init__(self, direction: str) -> None:
        self.direction = direction
        self.pairs = {"direction": 0, "any": 0}
        self.certificates = self.nontrivial = 0
        self.largest = -1
        self.hist: dict[str, dict[int, dict[int, int]]] = {"direction": {}, "any": {}}

    def add(self, details: Mapping[str, Any]) -> None:
        self.pairs["direction"] += details["pairs_checked"][self.direction]
        self.pairs["any"] += details["pairs_checked"]["any"]
        self.certificates += details["certificates"]
        self.nontrivial += details["nontrivial_certificates"]
        self.largest = max(self.largest, details["largest_certified_radius"])
        for key, source in (("direction", self.direction), ("any", "any")):
            for r, row in details["true_vs_certified"][source].items():
                mine = self.hist[key].setdefault(int(r), {})
                for t, count in row.items():
                    mine[int(t)] = mine.get(int(t), 0) + count

    def details(self) -> dict[str, Any]:
        def table(key: str) -> dict[str, dict[str, int]]:
            return {str(r): {str(t): c for t, c in sorted(row.items())} for r, row in sorted(self.hist[key].items())}

        tight = sum(row.get(r, 0) for r, row in self.hist["direction"].items())
        return {
            "direction": self.direction,
            "certificates": self.certificates,
            "nontrivial_certificates": self.nontrivial,
            "largest_certified_radius": self.largest,
            "pairs_checked": {self.direction: self.pairs["direction"], "any": self.pairs["any"]},
            "true_vs_certified": {self.direction: table("direction"), "any": table("any")},
            "tight_fraction": Fraction(tight, self.certificates) if self.certificates else None,
        }


def _merge_stability(plan: ShardPlan, done: Sequence[tuple[Piece, CheckResult]], clock: Clock) -> CheckResult:
    direction = SHARDED_CHECKS[plan.name]
    assert direction is not None
    tally = _Tally(direction)
    runs = 0
    at_full: list[Any] = []
    tie: CheckResult | None = None
    for piece, r in done:
        tally.add(r.details)
        _add_work(clock, r.details)
        if _stops(plan.name, r):
            return _finish(clock, r, r.verdict, tally.pairs["direction"], _message(r, clock), tally.details(), None, r)
        if r.verdict is Verdict.REFUTED:  # a tie claim: its details carry the tally but not the run count
            tie = tie or r
            a, b = piece.classifiers or (0, 0)
            runs += (b - a) * len(r.params["modes"]) * (len(r.params["inputs"]) if piece.j is None else 1)
        else:
            runs += r.details["runs"]
            at_full += r.details.get("at_full_input", [])
    last = done[-1][1]
    if tie is not None:
        return _finish(clock, tie, tie.verdict, tally.pairs["direction"], _message(tie, clock), tally.details(), None, tie)
    details = {**tally.details(), "runs": runs}
    if direction == "down":
        details["at_full_input"] = at_full[:64]
    if tally.nontrivial == 0:
        message = f"no certificate of radius >= 1 in {runs} runs (largest {tally.largest}): nothing beyond β = α to check; lower λ"
        return _finish(clock, last, Verdict.VACUOUS, 0, message, details, None)
    word = "supersets" if direction == "up" else "subsets"
    message = (
        f"every certificate holds: {tally.certificates:,} certified masks (largest radius {tally.largest}), "
        f"{tally.pairs['direction']:,} (α, β) pairs over {word} and {tally.pairs['any']:,} in all directions keep a unique, "
        f"unchanged class; {runs} runs; the certified radius equals the true one at {float(details['tight_fraction']):.1%} of them; {clock.line()}"
    )
    return _finish(clock, last, Verdict.VERIFIED, tally.pairs["direction"], message, details, None)
