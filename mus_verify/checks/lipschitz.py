"""Check: g(x, ·) is λ-Lipschitz in the L1 norm (paper Thm 3.1), exhaustively, for every classifier.

Statement. For noise D whose coordinates are Bernoulli(λ), every class
coordinate of g(x, α) = E_s h(x ⊙ α ⊙ s) satisfies
|g_c(x, α) − g_c(x, α')| <= λ ‖α − α'‖₁ for all α, α' ∈ {0,1}^n.

Why edges suffice. On the cube the L1 distance ‖α − α'‖₁ is the length of a
shortest path of single-bit flips from α to α'. If every edge (β, β + e_i)
satisfies |Δg_c| <= λ, the triangle inequality along such a path gives
|g_c(α) − g_c(α')| <= λ ‖α − α'‖₁. Conversely a violating pair yields a
violating edge on that path, so the edges are also where the smallest
counterexamples live.

Why this covers every classifier. For one edge, g_c(α) − g_c(α') =
E[h_c(X)] − E[h_c(X')] where X, X' are the masked inputs x ⊙ e(α, s) and
x ⊙ e(α', s). Over all h_c with values in [0, 1], the largest difference is the
total-variation distance TV(X, X') = Σ_u (P(u) − P'(u))⁺, reached by the
indicator of {u : P(u) > P'(u)}. Each TV is computed exactly (integers over
the noise's denominator), so "max TV over all edges <= λ" *is* the theorem for
every base classifier, in average and in vote mode alike (votes are
{0,1}-valued classifiers). At x with distinct nonzero entries the masked input
determines the effective mask, and TV can only shrink at any other x (data
processing; see :mod:`mus_verify.exhaustive.engine`), so one input covers all
of them; the input with zero entries is computed too, as a check.

Concrete classifiers (random tables, votes, tiny MLPs; ``--classifiers``)
are then smoothed over all 2^n masks and their edges checked exactly: they
give replayable examples and the largest |Δg| a real classifier reaches.

A counterexample is an edge, shrunk: features dropped from α while the
violation persists, then entries of x zeroed while it persists, with the
witness classifier (class 1 on the masked inputs where the law at α is
larger). It replays through the variant's exact reference
(:func:`mus_verify.smoothing.smooth` for MuS).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Iterable, Mapping, Sequence, cast

import numpy as np

from .._validation import as_fraction
from ..distributions import MaskDistribution
from ..errors import InvalidArgument
from ..core.bits import bits_of, edge_lower_ends, popcount
from ..model.classifiers import ExactClassifier, Indicator, classifier_family, from_spec
from ..exhaustive.engine import Mode
from ..exhaustive.inputs import check_inputs
from ..exhaustive.mus_closed_form import edge_masses
from ..exhaustive.cube_table import cube_edge_maxima, smoothed_cube
from ..exhaustive.engine import INT64_SAFE, Noise, Stats, edge_tv, encode_noise, keys_to_rows, law_difference
from ..exhaustive.mask_encodings import MULTIPLICATIVE, SmoothingVariant, resolve_variant, visible_code
from ..replaying import Replay
from ..results import CheckResult, Counterexample, Verdict
from ..theorems import lipschitz as thm
from ._replay import exact_variant
from ._exhaustive import MODES, Clock, distribution_data, distribution_from_data, setup_from_config
from .registry import CheckConfig, Progress

__all__ = ["check_lipschitz", "run", "replay_edge", "DEFAULTS", "scan_edges", "EdgeScan", "edge_counterexample", "shrink_edge",
           "single_edge_tv", "edge_violates"]

DEFAULTS = {"n": 16, "q": 64, "lam": "16/64", "classes": 3, "classifiers": "tables,voting,mlp"}
BLOCK_EDGES = 1 << 15


@dataclass(frozen=True)
class EdgeScan:
    """The all-classifier scan of one (noise, x): the exact Lipschitz constant and where it is reached."""

    edges: int
    max_tv: Fraction
    argmax: tuple[int, int]  # (α code, feature i) of the first edge reaching max_tv with the fewest features kept
    violation: tuple[int, int] | None


def _check_lam_bounds(lam: Fraction, total: int) -> None:
    if total * max(lam.numerator, lam.denominator) >= INT64_SAFE:
        raise InvalidArgument("lam", lam, "a λ whose numerator and denominator times the noise total stay below 2^62")


def scan_edges(noise: Noise, variant: SmoothingVariant, x: np.ndarray, lam: Fraction, stats: Stats, progress: Progress | None = None, stop: bool = True) -> EdgeScan:
    """Exact TV on every edge (α, α + e_i) at input x; stops at the first edge with TV > λ when ``stop``."""
    n, T = noise.n, noise.total
    _check_lam_bounds(lam, T)
    visible = visible_code(x)
    best: tuple[int, int, int, int] | None = None  # (tv, -popcount, -alpha, -i): larger is better
    violation = None
    if variant.multiplicative:  # MuS or a variant compiled to it
        # closed form (mus_closed_form, formula 1): every edge along i has the same TV, so the
        # first edge reaching it with the fewest kept features is α = 0, and so is the first violation
        for i, edge_mass in enumerate(edge_masses(noise.codes, noise.weights, n, visible)):
            best = max(best, (edge_mass, 0, 0, -i)) if best is not None else (edge_mass, 0, 0, -i)
            stats.masks += (1 << n) * int(noise.codes.shape[0])  # the (α, s) pairs of both edge ends, covered by the formula
            if progress:
                progress(1)
            if violation is None and thm.exceeds(edge_mass, lam, scale=T):
                violation = (0, i)
                if stop:
                    break
        assert best is not None
        return EdgeScan(n * (1 << (n - 1)), Fraction(best[0], T), (-best[2], -best[3]), violation)
    for i in range(n):
        for start in range(0, 1 << (n - 1), BLOCK_EDGES):
            lower = edge_lower_ends(n, i, start, min(1 << (n - 1), start + BLOCK_EDGES))
            tv = edge_tv(variant, noise, visible, i, lower, stats)
            top = int(tv.max())
            at = lower[tv == top]
            alpha = int(at[np.lexsort((at, popcount(at)))[0]])
            candidate = (top, -int(popcount(np.array([alpha]))[0]), -alpha, -i)
            if best is None or candidate > best:
                best = candidate
            bad = np.flatnonzero(thm.exceeds(tv, lam, scale=T))
            if bad.size and violation is None:
                violation = (int(lower[bad[0]]), i)
                if stop:
                    break
        if progress:
            progress(1)
        if violation is not None and stop:
            break
    assert best is not None
    return EdgeScan(n * (1 << (n - 1)), Fraction(best[0], T), (-best[2], -best[3]), violation)


def single_edge_tv(noise: Noise, variant: SmoothingVariant, x: np.ndarray, alpha: int, i: int) -> int:
    """The TV numerator (over the noise total) of the one edge (α, α + e_i) at x."""
    return int(edge_tv(variant, noise, visible_code(x), i, np.array([alpha], dtype=np.int64))[0])


_single_tv = single_edge_tv  # the former private name (tests and scripts import it)


def edge_violates(noise: Noise, variant: SmoothingVariant, lam: Fraction, i: int) -> Callable[[np.ndarray, int], bool]:
    """The shrinker's test for edges along feature i: does (α, α + e_i) at x still violate Thm 3.1 (for every classifier)."""

    def violates(trial_x: np.ndarray, trial_alpha: int) -> bool:
        return bool(thm.exceeds(single_edge_tv(noise, variant, trial_x, trial_alpha, i), lam, scale=noise.total))

    return violates


def shrink_edge(noise: Noise, variant: SmoothingVariant, x: np.ndarray, alpha: int, i: int, violates: Callable[[np.ndarray, int], bool]) -> tuple[np.ndarray, int]:
    """Greedy shrink of an edge counterexample: drop kept features of α, then zero entries of x, while it still violates."""
    n = noise.n
    x = np.asarray(x, dtype=np.float64).copy()
    for j in range(n):
        if (alpha >> j) & 1 and violates(x, alpha & ~(1 << j)):
            alpha &= ~(1 << j)
    for j in range(n):
        if j != i and x[j] != 0:
            trial = x.copy()
            trial[j] = 0.0
            if violates(trial, alpha):
                x = trial
    for j in range(n):  # a kept feature whose value is 0 shows nothing: drop it from α too
        if x[j] == 0 and (alpha >> j) & 1 and j != i:
            alpha &= ~(1 << j)
    return x, alpha


def edge_counterexample(
    noise: Noise, variant: SmoothingVariant, x: np.ndarray, alpha: int, i: int, lam: Fraction, *, kind: str = "lipschitz-edge", summary_prefix: str = ""
) -> tuple[Counterexample, Fraction]:
    """The witness classifier's counterexample for edge (α, α + e_i): class 1 where the law at α is larger."""
    n, T = noise.n, noise.total
    visible = visible_code(x)
    keys_a = variant.keys(np.array([alpha]), noise.codes, visible)[0]
    keys_b = variant.keys(np.array([alpha | (1 << i)]), noise.codes, visible)[0]
    tv, larger = law_difference(keys_a, keys_b, noise.weights)
    chosen = set(larger)
    g_a = Fraction(sum(int(w) for k, w in zip(keys_a, noise.weights) if int(k) in chosen), T)
    g_b = Fraction(sum(int(w) for k, w in zip(keys_b, noise.weights) if int(k) in chosen), T)
    witness = Indicator(keys_to_rows(larger, x, variant, n))
    data = _edge_witness(noise.distribution, variant, x, alpha, alpha | (1 << i), n, lam, witness.spec, "average", 1, (1 - g_a, g_a), (1 - g_b, g_b)).to_data()
    difference = Fraction(tv, T)
    summary = f"{summary_prefix}flipping feature {i} at α = {''.join(map(str, bits_of(alpha, n)))} moves g_1 by {difference} > λ = {lam} (witness: class 1 on {len(larger)} masked input(s))"
    return Counterexample(kind, summary, data), difference


def _edge_witness(
    distribution: MaskDistribution, variant: SmoothingVariant, x: np.ndarray, alpha: int, alpha_prime: int, n: int, lam: Fraction,
    classifier: Mapping[str, Any], mode: str, c: int, g_a: Sequence[Fraction], g_b: Sequence[Fraction], extra: Mapping[str, Any] | None = None,
) -> thm.EdgeWitness:
    return thm.EdgeWitness(variant.name, [float(v) for v in x], bits_of(alpha, n), bits_of(alpha_prime, n), c, mode, lam,
                           list(g_a), list(g_b), classifier, distribution_data(distribution), dict(extra or {}))


def replay_edge(data: Mapping[str, Any], *, variant: Any = None) -> Any:
    """True iff the exact reference still shows |g_c(x, α) − g_c(x, α')| > λ ‖α − α'‖₁."""
    distribution = distribution_from_data(data["distribution"])
    variant = exact_variant(data, variant)
    if isinstance(variant, Replay):
        return variant  # an unregistered variant is user code: not replayed unless named again
    h = from_spec(data["classifier"])
    lam = as_fraction(data["lam"], "lam")
    c = int(data["class"])
    g_a = variant.exact(h, data["x"], data["alpha"], distribution, data["mode"])
    g_b = variant.exact(h, data["x"], data["alpha_prime"], distribution, data["mode"])
    distance = sum(abs(int(a) - int(b)) for a, b in zip(data["alpha"], data["alpha_prime"]))
    return bool(thm.exceeds(abs(g_a[c] - g_b[c]), lam, distance=distance))


def _concrete_scan(
    noise: Noise, variant: SmoothingVariant, classifiers: Sequence[ExactClassifier], inputs: Sequence[tuple[str, np.ndarray]],
    modes: Sequence[str], lam: Fraction, stats: Stats, progress: Progress | None,
) -> tuple[Counterexample | None, Fraction, int, int]:
    """Smooth each concrete classifier over all masks and check every edge; the first violating run is shrunk."""
    n = noise.n
    largest = Fraction(0)
    runs = edges = 0
    for label, x in inputs:
        for clf in classifiers:
            for mode_name in modes:
                mode = cast(Mode, mode_name)  # validated by check_modes
                table = smoothed_cube(clf, x, variant, noise, mode, stats=stats)  # per-class rows; .numerators on demand
                D = table.denominator
                if D * lam.denominator >= INT64_SAFE:
                    raise InvalidArgument("lam", lam, "a λ with a small denominator for this classifier")
                runs += 1
                found: list[tuple[int, int, int]] = []
                # per feature i, the largest |Δg| numerator over its edges and all classes (exhaustive.cube_kernels)
                tops = cube_edge_maxima(table)
                for i in range(n):
                    top = int(tops[i])
                    edges += 1 << (n - 1)
                    largest = max(largest, Fraction(top, D))
                    if thm.exceeds(top, lam, scale=D):
                        G = table.numerators
                        pairs = G.reshape(-1, 2, 1 << i, G.shape[1])
                        worst = np.abs(pairs[:, 1] - pairs[:, 0]).max(axis=2).reshape(-1)
                        lower = edge_lower_ends(n, i)
                        bad = lower[thm.exceeds(worst, lam, scale=D)]
                        k = int(np.lexsort((bad, popcount(bad)))[0])
                        found.append((int(popcount(bad[k:k + 1])[0]), int(bad[k]), i))
                if progress:
                    progress(1)
                if found:
                    _, alpha, i = min(found)
                    upper = alpha | (1 << i)
                    c = int(np.argmax(np.abs(table.numerators[upper] - table.numerators[alpha])))
                    g_a, g_b = table.value(alpha), table.value(upper)
                    data = _edge_witness(noise.distribution, variant, x, alpha, upper, n, lam, clf.spec, mode, c, g_a, g_b, {"input": label}).to_data()
                    summary = f"{clf!r} ({mode}) at x = {label}: flipping feature {i} at α = {''.join(map(str, bits_of(alpha, n)))} moves g_{c} by {abs(g_a[c] - g_b[c])} > λ = {lam}"
                    return Counterexample("lipschitz-edge", summary, data), largest, runs, edges
    return None, largest, runs, edges


def check_lipschitz(
    distributions: MaskDistribution | Iterable[MaskDistribution],
    lam: Any,
    *,
    variant: SmoothingVariant | str = MULTIPLICATIVE,
    classifiers: Sequence[ExactClassifier] | None = None,
    inputs: Sequence[tuple[str, np.ndarray]] | None = None,
    modes: Sequence[str] = MODES,
    name: str = "lipschitz",
    params: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """Thm 3.1 on every edge, for every classifier (exact TV) and for the given concrete classifiers.

    PROVED when the largest TV over all edges is <= λ: that is the statement for
    every base classifier with values in [0, 1] and every input, for the given
    noise and variant. REFUTED with a shrunk, replayable edge otherwise.
    ``classifiers`` defaults to the built-in families with 3 classes; pass ``()``
    to skip the concrete part.
    """

    lam = as_fraction(lam, "lam")
    variant = resolve_variant(variant)
    clock = Clock()
    cases = 0
    largest_tv = Fraction(-1)
    argmax: dict[str, Any] = {}
    concrete: dict[str, Any] = {"runs": 0, "edges": 0, "largest_difference": Fraction(0)}
    n = None
    for distribution in distributions if not isinstance(distributions, MaskDistribution) else [distributions]:
        noise = encode_noise(distribution)
        n = noise.n
        points = check_inputs(inputs, n)
        concrete_classifiers = classifier_family(None, n, 3) if classifiers is None else classifiers
        for label, x in points:
            scan = scan_edges(noise, variant, x, lam, clock.stats, progress)
            cases += scan.edges
            if scan.max_tv > largest_tv:
                largest_tv = scan.max_tv
                argmax = {"input": label, "alpha": bits_of(scan.argmax[0], n), "feature": scan.argmax[1], "distribution": distribution.name}
            if scan.violation is not None:
                alpha, i = scan.violation
                x_small, alpha_small = shrink_edge(noise, variant, x, alpha, i, edge_violates(noise, variant, lam, i))
                cex, difference = edge_counterexample(noise, variant, x_small, alpha_small, i, lam)
                return _result(name, Verdict.REFUTED, cases, params, clock, thm.margin(difference, lam), cex,
                               f"not λ-Lipschitz: {cex.summary}; {clock.line()}", {"max_tv": difference, "input": label})
        found, reached, runs, edges = _concrete_scan(noise, variant, concrete_classifiers, points, modes, lam, clock.stats, progress)
        concrete["runs"] += runs
        concrete["edges"] += edges
        concrete["largest_difference"] = max(concrete["largest_difference"], reached)
        if found is not None:
            return _result(name, Verdict.REFUTED, cases, params, clock, thm.margin(found.data["difference"], lam), found,
                           f"a concrete classifier is not λ-Lipschitz: {found.summary}; {clock.line()}", {"concrete": concrete})
    if n is None:
        return CheckResult(name, Verdict.VACUOUS, "exhaustive+tv", 0, dict(params or {}), message="no distribution to check")
    details = {"max_tv": largest_tv, "max_tv_at": argmax, "concrete": concrete}
    concrete_text = f"{concrete['runs']} concrete classifier runs reach at most {concrete['largest_difference']}" if concrete["runs"] else "no concrete classifiers given"
    message = (
        f"every class coordinate of g(x, ·) is λ-Lipschitz for every base classifier with values in [0, 1]: "
        f"the largest total variation over {cases:,} edges is {largest_tv} <= λ = {lam}; {concrete_text}; {clock.line()}"
    )
    return _result(name, Verdict.PROVED, cases, params, clock, thm.margin(largest_tv, lam), None, message, details)


def _result(name: str, verdict: Verdict, cases: int, params: Mapping[str, Any] | None, clock: Clock, margin: Fraction,
            cex: Counterexample | None, message: str, details: Mapping[str, Any]) -> CheckResult:
    quantified_over = (
        "every edge (α, α + e_i) of {0,1}^n at each input x; every base classifier with values in [0, 1] "
        "(the largest |Δg| over them is the total variation of the masked-input laws); then each concrete classifier"
    )
    return clock.result(name, verdict, "exhaustive+tv", cases, params, quantified_over, cex, margin, message, details)


def run(config: CheckConfig, progress: Progress) -> CheckResult:
    """CLI runner: L_qv(λ) for one seed vector (or all), MuS unless ``extra['variant']`` says otherwise."""
    setup = setup_from_config(config, DEFAULTS, closed_form=True)
    return check_lipschitz(
        setup.distributions, setup.lam, variant=setup.variant, classifiers=setup.classifiers,
        inputs=setup.inputs, modes=setup.modes, params=setup.params, progress=progress,
    )
