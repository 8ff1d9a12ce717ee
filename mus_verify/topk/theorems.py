"""One judge per top-k statement, each with a typed witness that replays from its numbers alone.

* :class:`LemmaWitness` — §3.3: with m = k − |S ∩ S'|, m² <= F <= m(n−k) + km − m², and F = 0 iff
  P@k = 1 (strict orders at x and x').
* :class:`RadiusWitness` — T1a–T1d: a certified top-k radius r is sound iff no δ with ‖δ‖_p < r
  ties or flips a cross pair. The witness of a violation carries that δ.
* :class:`ThicknessWitness` — T2 per path.
* :class:`ATWitness` — T3: for affine gaps, max_{‖δ‖∞<=ε} Σ_cross −h(x+δ) equals −Σh + ε‖Σa‖₁, and the
  R2ET surrogate λ1(−Σh) + λ2 max_l ‖A_l‖₁ dominates λ1 × that maximum once λ2 >= 2εk(n−k)λ1.
* :class:`StepsWitness` — T4: an attacker with ℓ∞ steps of size <= η cannot flip (i, j) before
  step ⌈h / (ηL)⌉, L = ‖∇h‖₁.

Judges take a witness and return a :class:`Judgement`; ``replay_*`` rebuild the witness from a
counterexample's JSON data (numbers only: no code is named or run) and judge it again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import product
from typing import Any, Mapping, Sequence

from .._validation import as_fraction
from ..results import Counterexample
from .affine import AffineSaliency, dual_norm
from .radii import certify
from .ranking import cross_pairs, lemma_bounds, top_k
from .thickness import bound_violated, path_thickness

__all__ = [
    "Judgement", "LemmaWitness", "RadiusWitness", "ThicknessWitness", "ATWitness", "StepsWitness",
    "judge_lemma", "judge_radius", "judge_thickness", "judge_at", "judge_steps",
    "replay_lemma", "replay_radius", "replay_thickness", "replay_at", "replay_steps", "STEP_RULES", "AT_RULES",
]


@dataclass(frozen=True)
class Judgement:
    violated: bool
    margin: Fraction | None = None
    detail: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


def _fr(values: Sequence[Any], name: str) -> tuple[Fraction, ...]:
    return tuple(as_fraction(v, f"{name}[{i}]") for i, v in enumerate(values))


# --- §3.3 lemma -----------------------------------------------------------------------------

@dataclass(frozen=True)
class LemmaWitness:
    saliency: tuple[Fraction, ...]
    perturbed: tuple[Fraction, ...]
    k: int
    upper: str = "sound"  # "planted-tight": claims F <= m² (the lower bound as upper bound)


def judge_lemma(w: LemmaWitness) -> Judgement:
    n, k = len(w.saliency), w.k
    # The witness holds exact values already (replay converts them), so rank directly: this judge
    # runs ~10^5 times in check_lemma. A tie at the k-th place would make S undefined: refuse it.
    order = sorted(range(n), key=lambda i: (-w.saliency[i], i))
    order2 = sorted(range(n), key=lambda i: (-w.perturbed[i], i))
    if k < n and (w.saliency[order[k - 1]] == w.saliency[order[k]] or w.perturbed[order2[k - 1]] == w.perturbed[order2[k]]):
        top_k(w.saliency, k), top_k(w.perturbed, k)  # raises the InvalidArgument naming the tie
    S, S2 = set(order[:k]), set(order2[:k])
    m = k - len(S & S2)
    F = sum(1 for i in S for j in range(n) if j not in S and w.perturbed[j] > w.perturbed[i])
    low, high = lemma_bounds(n, k, m)
    if w.upper == "planted-tight":
        high = low
    iff = (F == 0) == (m == 0)  # P@k = (k − m)/k, so P@k = 1 iff m = 0
    violated = not (low <= F <= high) or not iff
    return Judgement(violated, Fraction(min(F - low, high - F)), f"m={m}, F={F}, bounds [{low}, {high}]", {"m": m, "F": F, "low": low, "high": high})


def replay_lemma(data: Mapping[str, Any]) -> bool:
    return judge_lemma(LemmaWitness(_fr(data["saliency"], "saliency"), _fr(data["perturbed"], "perturbed"), int(data["k"]), str(data.get("upper", "sound")))).violated


# --- T1: certified radii ----------------------------------------------------------------------

@dataclass(frozen=True)
class RadiusWitness:
    model: AffineSaliency
    k: int
    p: str
    rule: str


def judge_radius(w: RadiusWitness, *, exact: tuple[Fraction | None, tuple[int, int] | None] | None = None) -> Judgement:
    """Violated iff the certificate exceeds the exact radius; the data then holds the flipping δ.

    ``exact`` may pass in ``w.model.exact_set_radius(w.k, w.p)`` when several rules share it.
    """
    certified = certify(w.model, w.k, w.p, w.rule)
    radius, pair = w.model.exact_set_radius(w.k, w.p) if exact is None else exact
    if radius is None:
        return Judgement(False, None, "no cross pair flips anywhere: every certificate is sound", {"certified": certified, "exact": None})
    violated = certified is None or certified > radius
    margin = None if certified is None else radius - certified
    data: dict[str, Any] = {"certified": certified, "exact": radius, "pair": pair}
    if violated:
        assert pair is not None
        attained = w.model.exact_pair_radius(pair[0], pair[1], w.p)
        assert attained is not None and attained[0] == radius, "the LP and its dual disagree"
        data["delta"] = attained[1]
    return Judgement(violated, margin, f"certified {'∞' if certified is None else certified}, exact {radius} at pair {pair}", data)


def _norm_measure(delta: Sequence[Fraction], p: str) -> Fraction:
    return max(abs(x) for x in delta) if p == "inf" else sum((x * x for x in delta), Fraction(0))


def replay_radius(data: Mapping[str, Any]) -> bool:
    """Independent of the LP: δ lies strictly inside the claimed ball and a cross pair ties or flips."""
    model = AffineSaliency.from_spec(data["model"])
    k, p = int(data["k"]), str(data["p"])
    certified = certify(model, k, p, str(data["rule"]))
    delta = _fr(data["delta"], "delta")
    if certified is not None and not _norm_measure(delta, p) < certified:
        return False
    after = model.saliency(delta)
    return any(after[j] >= after[i] for i, j in cross_pairs(model.top_k(k), model.n))


# --- T2: thickness ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ThicknessWitness:
    h0: Fraction
    a: tuple[Fraction, ...]
    delta: tuple[Fraction, ...]
    p: str
    rule: str = "dual"


def judge_thickness(w: ThicknessWitness) -> Judgement:
    s = sum((x * y for x, y in zip(w.a, w.delta)), Fraction(0))
    integral = path_thickness(w.h0, s)
    return Judgement(bound_violated(w.h0, w.a, w.delta, w.p, w.rule), None, f"path thickness {integral}", {"integral": integral, "s": s})


def replay_thickness(data: Mapping[str, Any]) -> bool:
    w = ThicknessWitness(as_fraction(data["h0"], "h0"), _fr(data["a"], "a"), _fr(data["delta"], "delta"), str(data["p"]), str(data.get("rule", "dual")))
    return judge_thickness(w).violated


# --- T3: R2ET vs adversarial training ------------------------------------------------------------

AT_RULES = ("matched", "planted-half")
"""λ2 = 2εk(n−k)λ1 (T3's norm-matched weight) or the PLANTED half of it."""


@dataclass(frozen=True)
class ATWitness:
    model: AffineSaliency
    k: int
    eps: Fraction
    rule: str = "matched"


def judge_at(w: ATWitness) -> Judgement:
    """Exact inner maximum by enumerating the box's vertices (a linear objective), then T3's chain."""
    m = w.model
    s = m.saliency()
    pairs = cross_pairs(m.top_k(w.k), m.n)
    grads = [[x - y for x, y in zip(m.A[i], m.A[j])] for i, j in pairs]
    total_gap = sum((s[i] - s[j] for i, j in pairs), Fraction(0))
    summed = [sum((g[l] for g in grads), Fraction(0)) for l in range(m.dim)]
    inner = max(-total_gap - sum(c * w.eps * sg for c, sg in zip(summed, signs)) for signs in product((-1, 1), repeat=m.dim))
    closed = -total_gap + w.eps * dual_norm(summed, "inf")
    per_pair = -total_gap + w.eps * sum((dual_norm(g, "inf") for g in grads), Fraction(0))
    row = max(dual_norm(list(r), "inf") for r in m.A)
    hessian = -total_gap + 2 * w.eps * len(pairs) * row
    factor = 2 if w.rule == "matched" else 1
    lam1 = Fraction(1)
    lam2 = factor * w.eps * len(pairs) * lam1
    surrogate = lam1 * (-total_gap) + lam2 * row
    chain = inner == closed and closed <= per_pair <= hessian
    violated = not chain or surrogate < lam1 * inner
    data = {"inner_max": inner, "closed_form": closed, "per_pair": per_pair, "hessian_bound": hessian, "surrogate": surrogate, "lambda2": lam2}
    return Judgement(violated, surrogate - lam1 * inner, f"AT max {inner}, R2ET surrogate {surrogate}", data)


def replay_at(data: Mapping[str, Any]) -> bool:
    w = ATWitness(AffineSaliency.from_spec(data["model"]), int(data["k"]), as_fraction(data["eps"], "eps"), str(data.get("rule", "matched")))
    return judge_at(w).violated


# --- T4: attacker steps ---------------------------------------------------------------------------

STEP_RULES = ("ceil", "planted-floor-plus-one")
"""T4's ⌈h/(ηL)⌉, or the PLANTED ⌊h/(ηL)⌋ + 1 (one step too many when h/(ηL) is an integer)."""


def claimed_steps(h: Fraction, eta: Fraction, L: Fraction, rule: str) -> int | None:
    if L == 0:
        return None
    ratio = h / (eta * L)
    return math.ceil(ratio) if rule == "ceil" else math.floor(ratio) + 1


@dataclass(frozen=True)
class StepsWitness:
    model: AffineSaliency  # signed affine saliency
    pair: tuple[int, int]
    eta: Fraction
    rule: str = "ceil"
    steps: tuple[tuple[int, ...], ...] | None = None  # a sign path; None: search every path


def _gap_after(model: AffineSaliency, pair: tuple[int, int], path: Sequence[Sequence[int]], eta: Fraction) -> Fraction:
    delta = [Fraction(0)] * model.dim
    for step in path:
        delta = [d - eta * s for d, s in zip(delta, step)]
    after = model.saliency(delta)
    return after[pair[0]] - after[pair[1]]


def judge_steps(w: StepsWitness, *, max_steps: int = 6) -> Judgement:
    """Violated iff some ℓ∞ sign-step path of length t < T_claim ties or flips the pair."""
    i, j = w.pair
    s = w.model.saliency()
    a = [x - y for x, y in zip(w.model.A[i], w.model.A[j])]
    T = claimed_steps(s[i] - s[j], w.eta, dual_norm(a, "inf"), w.rule)
    if w.steps is not None:
        bad = len(w.steps) < (T if T is not None else len(w.steps) + 1) and _gap_after(w.model, w.pair, w.steps, w.eta) <= 0
        return Judgement(bad, None, f"path of {len(w.steps)} steps, claimed safe for t < {T}", {"claimed": T, "steps": w.steps})
    limit = min(max_steps, (T if T is not None else max_steps + 1) - 1)
    for t in range(1, limit + 1):
        for path in product(product((-1, 1), repeat=w.model.dim), repeat=t):
            if _gap_after(w.model, w.pair, path, w.eta) <= 0:
                return Judgement(True, None, f"flip after {t} steps, claimed safe for t < {T}", {"claimed": T, "steps": [list(p) for p in path]})
    return Judgement(False, None, f"no path of length < {T} flips (checked up to {limit})", {"claimed": T, "checked_up_to": limit})


def replay_steps(data: Mapping[str, Any]) -> bool:
    steps = tuple(tuple(int(v) for v in step) for step in data["steps"])
    w = StepsWitness(AffineSaliency.from_spec(data["model"]), (int(data["pair"][0]), int(data["pair"][1])), as_fraction(data["eta"], "eta"), str(data.get("rule", "ceil")), steps)
    return judge_steps(w).violated


REPLAYERS = {
    "topk-lemma": "mus_verify.topk.theorems:replay_lemma",
    "topk-radius": "mus_verify.topk.theorems:replay_radius",
    "topk-thickness": "mus_verify.topk.theorems:replay_thickness",
    "topk-at": "mus_verify.topk.theorems:replay_at",
    "topk-steps": "mus_verify.topk.theorems:replay_steps",
    "topk-relu": "mus_verify.topk.z3_queries:replay_relu",
}


def counterexample(kind: str, summary: str, data: Mapping[str, Any]) -> Counterexample:
    """A counterexample that records its replayer, so a fresh process replays it from the JSON alone."""
    return Counterexample(kind, summary, dict(data), replayer=REPLAYERS[kind])
