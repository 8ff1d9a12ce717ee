"""Checks: incremental and decremental stability (paper Thm 3.2), exhaustively, with the true radii.

Statement. Let c be the unique top class of g(x, α), gap its margin over the
runner-up and r = ⌈gap/(2λ)⌉ − 1 the certified radius (the strict rule of
:func:`mus_verify.certificates.certified_radius`). Then every β with
‖β − α‖₁ <= r has c as its *unique* top class. The certificate holds in any
direction; users care about

* ``incremental-stability``: supersets β ⪰ α (adding features to an explanation α);
* ``decremental-stability``: subsets β ⪯ α (removing features; the paper's
  decremental radius is the case α = 1, the full input).

Each check verifies its direction *and* all directions, for every α, every
concrete classifier (``--classifiers``), every input x (distinct nonzero and
with zeros) and both smoothing modes. It is exhaustive: nothing is sampled.

How. g is computed for all 2^n masks at once (:func:`~mus_verify.exhaustive.engine.smoothed`).
For each class c, a distance transform on the cube
(:func:`~mus_verify.exhaustive.distance.distance_to`, O(n·2^n)) gives, for
every α, the distance to the nearest mask where c is not the unique argmax,
searching supersets only, subsets only, or everywhere. The certificate at α
fails iff that distance is <= r(α), and the *true* radius at α is that
distance minus 1 (capped at the size of the cone: a cone with no bad mask is
stable all the way). ``details["true_vs_certified"]`` is the tightness
histogram: how many certificates of radius r have true radius t.

Ties. A mask whose top two classes tie has no predicted class, and the sound
rule certifies nothing there (r = −1). A rule that still claims r >= 0 at a tie
is reported too, with 0 features changed, but only when no counterexample
with a changed feature exists (those are the ones that matter).

Counterexamples are shrunk to the fewest features changed (the distance
transform gives the nearest violating β for every α at once; among the
nearest, the α closest to the empty mask for incremental, to the full mask
for decremental, then the smallest code) and replay in the exact reference.
Planted bugs: the ``"ceil"`` and ``"floor"`` radius rules.
"""

from __future__ import annotations

import functools
import importlib
from fractions import Fraction
from typing import Any, Callable, Iterable, Mapping, Sequence, cast

import numpy as np

from .._validation import as_fraction
from ..certificates import RADIUS_RULES, RULE_COVERS, certified_radius, top_two
from ..distributions import MaskDistribution
from ..errors import InvalidArgument
from ..core.bits import binomial_prefix_table, bits_of, popcount
from ..model.classifiers import ExactClassifier, classifier_family, from_spec
from ..exhaustive.distance import Direction, cone_size, distance_to, nearest
from ..exhaustive.cube_table import StabilitySummary, smoothed_cube, stability_summary
from ..exhaustive.engine import Noise, encode_noise, top_two_numerators
from ..exhaustive.engine import Mode
from ..exhaustive.inputs import check_inputs
from ..exhaustive.mask_encodings import MULTIPLICATIVE, SmoothingVariant, resolve_variant
from ..replaying import Replay
from ..results import CheckResult, Counterexample, Verdict
from ..theorems import stability as thm
from ._replay import exact_variant
from ._exhaustive import MODES, Clock, distribution_data, distribution_from_data, setup_from_config
from .registry import CheckConfig, Progress

__all__ = ["check_stability", "run_incremental", "run_decremental", "replay_stability", "resolve_rule", "DEFAULTS"]

DEFAULTS = {"n": 16, "q": 64, "lam": "16/64", "classes": 3, "classifiers": "tables,voting,mlp"}
NAMES = {"up": "incremental-stability", "down": "decremental-stability"}
RadiusRule = Callable[[Any, Any], int]


def resolve_rule(rule: str | RadiusRule) -> tuple[str, RadiusRule]:
    """A radius rule by name (``RADIUS_RULES``), "module:function", or a callable (gap, λ) -> int."""
    if isinstance(rule, str):
        if rule in RADIUS_RULES:
            return rule, RADIUS_RULES[rule]
        if ":" in rule:
            module, _, attribute = rule.partition(":")
            found = getattr(importlib.import_module(module), attribute, None)
            if callable(found):
                return rule, found
        raise InvalidArgument("radius_rule", rule, f"one of {', '.join(RADIUS_RULES)}, 'module:function', or a callable (gap, lam) -> int")
    if not callable(rule):
        raise InvalidArgument("radius_rule", rule, "a callable (gap, lam) -> int")
    target = f"{getattr(rule, '__module__', '?')}:{getattr(rule, '__qualname__', '?')}"
    return target, rule


class _Radii:
    """The radius rule on every gap of a run.

    The built-in rules run on the whole array of gap numerators g over D through
    the one rule table (:func:`mus_verify.theorems.stability.radius`, in integers:
    2λd ⋚ g/D becomes 2·a·D·d ⋚ b·g for λ = a/b). Each run spot-checks the
    vectorised values against the exact functions of :data:`mus_verify.certificates.RADIUS_RULES`
    on up to 32 distinct gaps. Any other rule is called once per distinct gap.
    """

    SPOT_CHECKS = 32

    def __init__(self, name: str, rule: RadiusRule, lam: Fraction) -> None:
        self.name, self.rule, self.lam = name, rule, lam
        self.cache: dict[tuple[int, int], int] = {}

    def __call__(self, gap: np.ndarray, denominator: int) -> np.ndarray:
        a, b = self.lam.numerator, self.lam.denominator
        if self.name in RADIUS_RULES and RADIUS_RULES[self.name] is self.rule and max(denominator * b, 2 * a * denominator) < 2**62:
            out = thm.radius(self.name, np.asarray(gap, dtype=np.int64), self.lam, denominator)
            spread = np.linspace(0, gap.size - 1, num=min(gap.size, self.SPOT_CHECKS)).astype(np.int64)
            for at in [*spread.tolist(), int(np.argmax(gap)), int(np.argmin(gap))]:
                expected = self._call(int(gap[at]), denominator)
                got = int(out[at])
                if got != expected:  # pragma: no cover - an engine bug, never a verdict
                    raise AssertionError(f"vectorised {self.name} radius {got} differs from certificates' {expected} at gap {int(gap[at])}/{denominator}")
            return out
        values, inverse = np.unique(gap, return_inverse=True)
        radii = np.array([self._call(int(g), denominator) for g in values.tolist()], dtype=np.int64)
        return radii[np.asarray(inverse).reshape(-1)]

    def _call(self, g: int, denominator: int) -> int:
        key = (g, denominator)
        if key not in self.cache:
            self.cache[key] = int(self.rule(Fraction(g, denominator), self.lam))
        return self.cache[key]


class _Tally:
    """Histograms and counts accumulated over runs."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.prefix = np.array(binomial_prefix_table(n), dtype=np.int64)
        self.pairs = {"direction": 0, "any": 0}
        self.certificates = 0
        self.nontrivial = 0
        self.largest = -1
        self.hist: dict[str, dict[int, dict[int, int]]] = {"direction": {}, "any": {}}

    def add(self, key: str, radius: np.ndarray, true: np.ndarray, cone: np.ndarray) -> None:
        claimed = radius >= 0
        r, t = radius[claimed], true[claimed]
        # a radius beyond the cone claims nothing more: compare the true radius with min(r, cone)
        cones = cone[claimed]
        capped = np.minimum(r, cones)
        # Σ prefix[cone, capped] as a histogram of (cone, capped) pairs: a bincount, not a 2-D gather
        counts = np.bincount(cones * (self.n + 1) + capped, minlength=(self.n + 1) ** 2)
        hist = np.bincount(capped * (self.n + 2) + t, minlength=(self.n + 1) * (self.n + 2))
        self.add_counts(key, counts, hist, int(r.size), int((r >= 1).sum()), int(r.max()) if r.size else -1)

    def add_counts(self, key: str, counts: np.ndarray, hist: np.ndarray, certificates: int, nontrivial: int, largest: int) -> None:
        """What :meth:`add` adds, from its histograms: (cone, capped) counts and (capped, true) counts."""
        self.pairs[key] += int((counts * self.prefix.reshape(-1)).sum())
        if key == "direction":
            self.certificates += certificates
            self.nontrivial += nontrivial
            self.largest = max(self.largest, largest)
        for code in np.flatnonzero(hist).tolist():
            row = self.hist[key].setdefault(code // (self.n + 2), {})
            row[code % (self.n + 2)] = row.get(code % (self.n + 2), 0) + int(hist[code])

    def details(self, direction: str) -> dict[str, Any]:
        def table(key: str) -> dict[str, dict[str, int]]:
            return {str(r): {str(t): c for t, c in sorted(row.items())} for r, row in sorted(self.hist[key].items())}

        tight = sum(row.get(r, 0) for r, row in self.hist["direction"].items())
        return {
            "direction": direction,
            "certificates": self.certificates,
            "nontrivial_certificates": self.nontrivial,
            "largest_certified_radius": self.largest,
            "pairs_checked": {direction: self.pairs["direction"], "any": self.pairs["any"]},
            "true_vs_certified": {direction: table("direction"), "any": table("any")},
            "tight_fraction": Fraction(tight, self.certificates) if self.certificates else None,
        }


def check_stability(
    distributions: MaskDistribution | Iterable[MaskDistribution],
    lam: Any,
    *,
    direction: Direction = "up",
    radius_rule: str | RadiusRule = "strict",
    variant: SmoothingVariant | str = MULTIPLICATIVE,
    classifiers: Sequence[ExactClassifier] | None = None,
    inputs: Sequence[tuple[str, np.ndarray]] | None = None,
    modes: Sequence[str] = MODES,
    name: str | None = None,
    params: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """Thm 3.2 for every α, every β within the claimed radius (in ``direction`` and in all directions).

    ``radius_rule`` may be unsound on purpose (``"ceil"``, ``"floor"``, your own
    callable) to see what breaks. VERIFIED needs at least one certificate of
    radius >= 1 (otherwise nothing non-trivial was checked: VACUOUS).
    """
    if direction not in ("up", "down"):
        raise InvalidArgument("direction", direction, "'up' (incremental) or 'down' (decremental)")
    name = name or NAMES[direction]
    lam = as_fraction(lam, "lam")
    if not 0 < lam <= 1:
        raise InvalidArgument("lam", lam, "λ in (0, 1]")
    rule_name, rule = resolve_rule(radius_rule)
    radii = _Radii(rule_name, rule, lam)
    variant = resolve_variant(variant)
    clock = Clock()
    tally: _Tally | None = None
    at_full: list[dict[str, Any]] = []
    runs = 0
    tie_claim: Counterexample | None = None  # reported only if no violation with a changed feature turns up
    for distribution in [distributions] if isinstance(distributions, MaskDistribution) else distributions:
        noise = encode_noise(distribution)
        n = noise.n
        tally = tally or _Tally(n)
        concrete = classifier_family(None, n, 3) if classifiers is None else classifiers
        for label, x in check_inputs(inputs, n):
            for clf in concrete:
                for mode_name in modes:
                    mode = cast(Mode, mode_name)  # validated by check_modes
                    runs += 1
                    found = _one_run(noise, variant, clf, x, mode, lam, radii, direction, tally, clock, at_full, label)
                    if progress:
                        progress(1)
                    if found is None:
                        continue
                    cex = _counterexample(found, noise, variant, clf, x, label, mode, lam, rule_name, direction)
                    if found["way"] != "tie":
                        return _result(name, Verdict.REFUTED, tally.pairs["direction"], params, clock, cex,
                                       f"{cex.summary}; {clock.line()}", tally.details(direction), rule_name)
                    tie_claim = tie_claim or cex
    if tie_claim is not None:
        assert tally is not None
        return _result(name, Verdict.REFUTED, tally.pairs["direction"], params, clock, tie_claim,
                       f"{tie_claim.summary}; {clock.line()}", tally.details(direction), rule_name)
    if tally is None or runs == 0:
        return _result(name, Verdict.VACUOUS, 0, params, clock, None, "no distribution or no classifier to check", {}, rule_name)
    details = {**tally.details(direction), "runs": runs}
    if direction == "down":
        details["at_full_input"] = at_full[:64]
    if tally.nontrivial == 0:
        return _result(name, Verdict.VACUOUS, 0, params, clock, None,
                       f"no certificate of radius >= 1 in {runs} runs (largest {tally.largest}): nothing beyond β = α to check; lower λ", details, rule_name)
    word = "supersets" if direction == "up" else "subsets"
    message = (
        f"every certificate holds: {tally.certificates:,} certified masks (largest radius {tally.largest}), "
        f"{tally.pairs['direction']:,} (α, β) pairs over {word} and {tally.pairs['any']:,} in all directions keep a unique, "
        f"unchanged class; {runs} runs; the certified radius equals the true one at {float(details['tight_fraction']):.1%} of them; {clock.line()}"
    )
    return _result(name, Verdict.VERIFIED, tally.pairs["direction"], params, clock, None, message, details, rule_name)


_MIRRORED = (thm.covered, thm.violated, thm.tie_claimed, thm.radius, thm.covers)
_MIRRORED_RULES = dict(RULE_COVERS)


def _kernels_mirror_the_judge(rule_name: str) -> bool:
    """True while theorems.stability's judge and the rule table are the ones the compiled kernels implement."""
    judge = (thm.covered, thm.violated, thm.tie_claimed, thm.radius, thm.covers)
    return all(a is b for a, b in zip(judge, _MIRRORED)) and RULE_COVERS.get(rule_name) is _MIRRORED_RULES.get(rule_name)


@functools.lru_cache(maxsize=4)
def _cones(n: int, direction: Direction) -> np.ndarray:
    """cone_size of every mask (int16, read-only), shared by the runs of one check."""
    out = cone_size(np.arange(1 << n, dtype=np.int64), n, direction).astype(np.int16)
    out.flags.writeable = False
    return out


def _one_run(noise: Noise, variant: SmoothingVariant, clf: ExactClassifier, x: np.ndarray, mode: Mode, lam: Fraction, radii: _Radii,
             direction: Direction, tally: _Tally, clock: Clock, at_full: list[dict[str, Any]], label: str) -> dict[str, Any] | None:
    """One (classifier, x, mode): all certificates, both distance transforms per class; the shrunk violation or None."""
    n = noise.n
    table = smoothed_cube(clf, x, variant, noise, mode, stats=clock.stats)  # per-class rows; .numerators on demand
    # compiled kernels, or None; they mirror the one judge (theorems.stability) and the rule table, so they run
    # only while those are the definitions they mirror (a patched judge or rule goes through the numpy path)
    summary = stability_summary(table, lam, radii.name, radii.rule, direction) if _kernels_mirror_the_judge(radii.name) else None
    if summary is not None and summary.clean:
        _add_summary(summary, tally, direction, at_full, {"input": label, "classifier": clf.spec.get("family"), "mode": mode})
        return None
    # the numpy path: no kernels, or this run has a violation or a tie claim to extract
    predicted, gap = top_two_numerators(table.numerators)
    radius = radii(gap, table.denominator)
    cone = {"direction": _cones(n, direction), "any": _cones(n, "any")}
    # distances are at most n + 1: int16 keeps the passes below narrow
    nearest_bad = {"direction": np.full(1 << n, n + 1, dtype=np.int16), "any": np.full(1 << n, n + 1, dtype=np.int16)}
    for c in np.flatnonzero(np.bincount(predicted[predicted >= 0], minlength=table.numerators.shape[1])).tolist():
        bad = predicted != c
        own = ~bad
        ways: tuple[tuple[str, Direction], ...] = (("direction", direction), ("any", "any"))
        for key, towards in ways:
            np.copyto(nearest_bad[key], distance_to(bad, n, towards), where=own)
    candidates: list[tuple[str, np.ndarray, np.ndarray]] = []
    for key in ("direction", "any"):
        unique_top = predicted >= 0
        true = np.minimum(nearest_bad[key] - 1, cone[key])
        tally.add(key, radius[unique_top], true[unique_top], cone[key][unique_top])
        # n + 1 means "no bad mask in the whole cone": no distance can reach it, however large r is
        # (⌈1/(2λ)⌉ − 1 > n for small λ), so it is never a violation.
        violated = np.flatnonzero(thm.violated(unique_top, thm.covered(nearest_bad[key], radius), nearest_bad[key] <= n))
        if violated.size and not candidates:
            candidates = [(key, violated, nearest_bad[key][violated])]
    if direction == "down":
        full = (1 << n) - 1
        at_full.append({"input": label, "classifier": clf.spec.get("family"), "mode": mode, "predicted": int(predicted[full]),
                        "certified": int(radius[full]), "true": int(min(nearest_bad["direction"][full] - 1, n)) if predicted[full] >= 0 else None})
    if not candidates:
        ties = np.flatnonzero((predicted < 0) & thm.tie_claimed(radius))
        if not ties.size:
            return None
        candidates = [("tie", ties, np.zeros(ties.size, dtype=np.int64))]
    key, alphas, distances = candidates[0]
    target = 0 if direction == "up" else (1 << n) - 1
    order = np.lexsort((alphas, popcount(alphas ^ target), distances))
    alpha = int(alphas[order[0]])
    d = int(distances[order[0]])
    way: Direction = direction if key == "direction" else "any"
    if key == "tie":
        beta = alpha
    else:
        found_beta = nearest(predicted != predicted[alpha], n, alpha, d, way)
        assert found_beta is not None
        beta = found_beta
    return {"alpha": alpha, "beta": beta, "distance": d, "way": way if key != "tie" else "tie", "table": table,
            "predicted": int(predicted[alpha]), "gap": Fraction(int(gap[alpha]), table.denominator), "radius": int(radius[alpha])}


def _add_summary(summary: StabilitySummary, tally: _Tally, direction: str, at_full: list[dict[str, Any]], run: dict[str, Any]) -> None:
    """A clean run's kernel summary into the tally: the same counts the numpy path adds."""
    certified = (summary.certificates, summary.nontrivial, summary.largest)
    tally.add_counts("direction", summary.pairs[0], summary.true_vs[0], *certified)
    tally.add_counts("any", summary.pairs[1], summary.true_vs[1], *certified)
    if direction == "down":
        full = summary.full
        at_full.append({**run, "predicted": full["predicted"], "certified": full["radius"],
                        "true": min(full["distance"] - 1, tally.n) if full["predicted"] >= 0 else None})


def _counterexample(found: Mapping[str, Any], noise: Noise, variant: SmoothingVariant, clf: ExactClassifier, x: np.ndarray,
                    label: str, mode: str, lam: Fraction, rule_name: str, direction: str) -> Counterexample:
    n = noise.n
    alpha, beta, d = found["alpha"], found["beta"], found["distance"]
    table = found["table"]
    g_a, g_b = table.value(alpha), table.value(beta)
    top_b = top_two(g_b)
    predicted = found["predicted"] if found["predicted"] >= 0 else None
    data = thm.StabilityWitness(
        variant.name, [float(v) for v in x], label, clf.spec, mode, lam, rule_name, found["way"], bits_of(alpha, n), bits_of(beta, n),
        found["radius"], certified_radius(found["gap"], lam), predicted, found["gap"], list(g_a), list(g_b), top_b.predicted,
        distribution_data(noise.distribution),
    ).to_data()
    bits = "".join(map(str, bits_of(alpha, n)))
    if found["way"] == "tie":
        summary = f"the {rule_name} rule claims radius {found['radius']} at α = {bits}, where the top two classes tie (gap 0)"
    else:
        what = "a tie" if top_b.predicted is None else f"class {top_b.predicted}"
        moved = {"up": "adding", "down": "removing", "any": "changing"}[found["way"]]
        summary = (f"{clf!r} ({mode}, x = {label}): at α = {bits} the {rule_name} rule claims radius {found['radius']} for class {predicted} "
                   f"(gap {found['gap']}, strict radius {data['strict_radius']}), but {moved} {d} feature(s) gives β = "
                   f"{''.join(map(str, bits_of(beta, n)))} with {what}")
    return Counterexample("stability", summary, data)


def replay_stability(data: Mapping[str, Any], *, variant: Any = None) -> Any:
    """True iff, in the exact reference, β is within the rule's radius at α and the unique top class is lost.

    A built-in radius rule is recomputed; any other rule is never imported from the data (that would run
    code a document names): the radius it claimed, recorded in the data, is judged instead.
    """
    distribution = distribution_from_data(data["distribution"])
    variant = exact_variant(data, variant)
    if isinstance(variant, Replay):
        return variant  # an unregistered variant is user code: not replayed unless named again
    h = from_spec(data["classifier"])
    lam = as_fraction(data["lam"], "lam")
    alpha, beta = [int(v) for v in data["alpha"]], [int(v) for v in data["beta"]]
    top_a = top_two(variant.exact(h, data["x"], alpha, distribution, data["mode"]))
    if data.get("radius_rule") in RADIUS_RULES:
        radius = int(thm.radius(data["radius_rule"], top_a.gap, lam))
    else:
        radius = int(data["claimed_radius"])
    distance = sum(a != b for a, b in zip(alpha, beta))
    way = data["direction"]
    if not thm.covered(distance, radius) or (way == "up" and any(b < a for a, b in zip(alpha, beta))) or (way == "down" and any(b > a for a, b in zip(alpha, beta))):
        return False
    if top_a.predicted is None:
        return bool(thm.tie_claimed(radius))
    g_b = variant.exact(h, data["x"], beta, distribution, data["mode"])
    others = [v for c, v in enumerate(g_b) if c != top_a.predicted]
    return bool(thm.violated(True, True, thm.lost(g_b[top_a.predicted], others)))


def _result(name: str, verdict: Verdict, cases: int, params: Mapping[str, Any] | None, clock: Clock, cex: Counterexample | None,
            message: str, details: Mapping[str, Any], rule_name: str) -> CheckResult:
    quantified_over = (
        "(α, β) pairs with β ≠ α within the claimed radius of α, in the check's direction (and all directions, "
        "in details), for every α, concrete classifier, input x and smoothing mode"
    )
    return clock.result(name, verdict, "exhaustive", cases, {**(params or {}), "radius_rule": rule_name}, quantified_over, cex, None, message, details)


def _run(config: CheckConfig, progress: Progress, direction: Direction) -> CheckResult:
    setup = setup_from_config(config, DEFAULTS, closed_form=True)
    return check_stability(
        setup.distributions, setup.lam, direction=direction, radius_rule=config.extra.get("radius_rule", "strict"),
        variant=setup.variant, classifiers=setup.classifiers, inputs=setup.inputs, modes=setup.modes,
        params=setup.params, progress=progress,
    )


def run_incremental(config: CheckConfig, progress: Progress) -> CheckResult:
    """CLI runner of ``incremental-stability`` (supersets of every α, and all directions)."""
    return _run(config, progress, "up")


def run_decremental(config: CheckConfig, progress: Progress) -> CheckResult:
    """CLI runner of ``decremental-stability`` (subsets of every α, α = 1 included, and all directions)."""
    return _run(config, progress, "down")
