"""The top-k checks behind ``mus-verify check topk-*`` (exact, over the finite domains of :mod:`.domains`).

Each runner searches its domain for a witness that its statement's judge (:mod:`.theorems`)
calls violated; the first one found is REFUTED with a counterexample that replays from its
numbers. The planted rules are reachable from Python (``rule=``), never from the defaults.
"""

from __future__ import annotations

import time
from fractions import Fraction
from statistics import median
from typing import Any, Callable, Iterable, Mapping

from .._validation import as_int
from ..errors import InvalidArgument
from ..results import CheckResult, Counterexample, Verdict
from .affine import AffineSaliency
from .domains import at_models, lemma_cases, radius_models, step_models, thickness_cases
from .radii import RULES, SOUND_RULES
from .theorems import (
    counterexample,
    ATWitness, Judgement, LemmaWitness, RadiusWitness, StepsWitness, ThicknessWitness,
    judge_at, judge_lemma, judge_radius, judge_steps, judge_thickness,
)

__all__ = ["check_lemma", "check_certificates", "check_thickness", "check_at", "check_steps", "LEMMA_MAX_N"]

LEMMA_MAX_N = 8
Progress = Callable[[int], None]


def _finish(name: str, statement: str, cases: int, found: tuple[Counterexample, Judgement] | None, params: Mapping[str, Any],
            started: float, details: Mapping[str, Any] | None = None) -> CheckResult:
    elapsed = time.perf_counter() - started
    params = {**params, "statement": statement}
    if found is not None:
        cx, judgement = found
        return CheckResult(name, Verdict.REFUTED, "exhaustive", cases, params, cx, judgement.margin, cx.summary, elapsed, details or {})
    if cases == 0:
        return CheckResult(name, Verdict.VACUOUS, "exhaustive", 0, params, message="the domain was empty", elapsed_s=elapsed)
    return CheckResult(name, Verdict.VERIFIED, "exhaustive", cases, params, None, None, f"{statement}: holds on all {cases} cases", elapsed, details or {})


def _tick(progress: Progress | None, cases: int) -> None:
    if progress and cases % 1000 == 0:
        progress(1000)


def check_lemma(n_max: int = 7, *, upper: str = "sound", progress: Progress | None = None) -> CheckResult:
    """§3.3 over every permutation of I(x') for n = 2..n_max and every k."""
    n_max = as_int(n_max, "n", low=2, high=LEMMA_MAX_N)
    started, cases = time.perf_counter(), 0
    for saliency, perturbed, k in lemma_cases(n_max):
        cases += 1
        _tick(progress, cases)
        judgement = judge_lemma(LemmaWitness(saliency, perturbed, k, upper))
        if judgement.violated:
            data = {"saliency": saliency, "perturbed": perturbed, "k": k, "upper": upper, **judgement.data}
            return _finish("topk-lemma", "m² <= F <= m(n−k)+km−m², F = 0 iff P@k = 1", cases,
                           (counterexample("topk-lemma", f"k={k}: {judgement.detail}", data), judgement), {"n_max": n_max, "upper": upper}, started)
    return _finish("topk-lemma", "m² <= F <= m(n−k)+km−m², F = 0 iff P@k = 1", cases, None, {"n_max": n_max, "upper": upper, "quantified_over": "permutations × k"}, started)


def check_certificates(models: Iterable[AffineSaliency] | None = None, *, rules: Iterable[str] | None = None, seed: int = 0,
                       random_count: int = 24, progress: Progress | None = None) -> CheckResult:
    """T1a–T1d: certified top-k radius <= exact radius, for ℓ∞ and ℓ2 (squares), every k."""
    chosen = tuple(SOUND_RULES if rules is None else rules)
    for rule in chosen:
        if rule not in RULES:
            raise InvalidArgument("rules", rule, f"names from {', '.join(RULES)}")
    started, cases, ratios = time.perf_counter(), 0, []
    params = {"rules": list(chosen), "seed": seed, "random_count": random_count, "norms": ["inf", "2 (squared)"]}
    for model in (radius_models(seed, random_count) if models is None else models):
        for k in range(1, model.n):
            for p in ("inf", "2"):
                exact = model.exact_set_radius(k, p)  # once per (model, k, p), shared by the rules
                for rule in chosen:
                    if rule == "t1c" and model.absolute:
                        continue  # T1c is stated for signed saliency
                    cases += 1
                    _tick(progress, cases)
                    judgement = judge_radius(RadiusWitness(model, k, p, rule), exact=exact)
                    if judgement.violated:
                        data = {"model": model.spec(), "k": k, "p": p, "rule": rule, **judgement.data}
                        cx = counterexample("topk-radius", f"rule {rule} certifies {judgement.detail}; δ = {list(map(str, data['delta']))} flips", data)
                        return _finish("topk-certificate", "certified top-k radius <= exact radius", cases, (cx, judgement), params, started)
                    cert, value = judgement.data["certified"], judgement.data["exact"]
                    if cert is not None and value:
                        ratios.append(cert / value)
    details = {"tightness": {"min": min(ratios, default=None), "median": median(ratios) if ratios else None, "pairs_compared": len(ratios),
                             "note": "certified / exact (ℓ2 in squares)"}}
    return _finish("topk-certificate", "certified top-k radius <= exact radius", cases, None, {**params, "quantified_over": "models × k × norm × rule"}, started, details)


def check_thickness(*, rule: str = "dual", progress: Progress | None = None) -> CheckResult:
    """T2 per path on the grid of :func:`.domains.thickness_cases`."""
    started, cases = time.perf_counter(), 0
    for h0, a, delta, p in thickness_cases():
        cases += 1
        _tick(progress, cases)
        witness = ThicknessWitness(h0, a, delta, p, rule)
        judgement = judge_thickness(witness)
        if judgement.violated:
            data = {"h0": h0, "a": a, "delta": delta, "p": p, "rule": rule, **judgement.data}
            cx = counterexample("topk-thickness", f"path thickness {judgement.data['integral']} is below T2's bound ({rule} norm)", data)
            return _finish("topk-thickness", "∫1{h(x+tδ) >= 0} >= min(1, h/(L‖δ‖))", cases, (cx, judgement), {"rule": rule}, started)
    return _finish("topk-thickness", "∫1{h(x+tδ) >= 0} >= min(1, h/(L‖δ‖))", cases, None, {"rule": rule, "quantified_over": "h0 × a × δ × p"}, started)


def check_at(*, seed: int = 0, count: int = 60, rule: str = "matched", progress: Progress | None = None) -> CheckResult:
    """T3 on seeded signed affine instances: the exact AT maximum, its closed form, and R2ET's domination."""
    started, cases = time.perf_counter(), 0
    for model, k, eps in at_models(seed, count):
        cases += 1
        judgement = judge_at(ATWitness(model, k, eps, rule))
        if judgement.violated:
            data = {"model": model.spec(), "k": k, "eps": eps, "rule": rule, **judgement.data}
            cx = counterexample("topk-at", f"{judgement.detail} (λ2 = {judgement.data['lambda2']}·λ1)", data)
            return _finish("topk-at", "AT max = closed form <= R2ET surrogate", cases, (cx, judgement), {"seed": seed, "rule": rule}, started)
    return _finish("topk-at", "AT max = closed form <= R2ET surrogate", cases, None, {"seed": seed, "count": count, "rule": rule, "quantified_over": "seeded instances"}, started)


def check_steps(*, rule: str = "ceil", max_steps: int = 4, progress: Progress | None = None) -> CheckResult:
    """T4: every ℓ∞ sign-step path shorter than the claimed step count keeps the pair in order."""
    started, cases = time.perf_counter(), 0
    for model, pair, eta in step_models():
        cases += 1
        judgement = judge_steps(StepsWitness(model, pair, eta, rule), max_steps=max_steps)
        if judgement.violated:
            data = {"model": model.spec(), "pair": pair, "eta": eta, "rule": rule, **judgement.data}
            cx = counterexample("topk-steps", judgement.detail, data)
            return _finish("topk-attack-steps", "no flip before ⌈h/(ηL)⌉ steps", cases, (cx, judgement), {"rule": rule}, started)
    return _finish("topk-attack-steps", "no flip before ⌈h/(ηL)⌉ steps", cases, None, {"rule": rule, "max_steps": max_steps, "quantified_over": "models × every sign path"}, started)


# --- registry runners -----------------------------------------------------------------------------

def run_lemma(config: Any, progress: Progress) -> CheckResult:
    return check_lemma(7 if config.n is None else config.n, progress=progress)


def run_certificates(config: Any, progress: Progress) -> CheckResult:
    return check_certificates(seed=config.seed, progress=progress)


def run_thickness(config: Any, progress: Progress) -> CheckResult:
    return check_thickness(progress=progress)


def run_at(config: Any, progress: Progress) -> CheckResult:
    return check_at(seed=config.seed, progress=progress)


def run_steps(config: Any, progress: Progress) -> CheckResult:
    return check_steps(progress=progress)
