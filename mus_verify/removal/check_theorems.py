"""Checks of Lemmas A1/B1 and Theorems 1/2 on exact model families over rational grids
(baseline and marginal removal). The conditional-removal checks are in :mod:`.check_conditional`.

Each check enumerates its stated domain (:mod:`.domains`) in exact arithmetic, caching
v(x) and φ(x) = A v(x) per point (Δφ is linear in Δv). A violation is rebuilt as a case and
re-judged by :func:`.theorems.judge_case` before it is reported, so the counterexample is the
exact reference's, and it replays from numbers (kind ``removal-case``).
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import Any, Sequence

from ..errors import InternalError
from ..results import Verdict
from ._results import Tally
from .domains import grid, models_for, removals_for
from .games import Removal, game
from .models import Bumped, ExactModel
from .norms import infinity_to_two_squared, spectral_squared
from .operators import SummaryOperator, apply, by_name
from .theorems import g_squared, h_squared, judge_case, squared_distance

__all__ = ["check_theorem1", "check_theorem2", "THEOREM_SUMMARIES", "SHARP_THEOREM1"]

THEOREM_SUMMARIES = ("loo", "shapley", "banzhaf", "mwi", "lime-size-weighted")

# Sharp Theorem 1 constants C* for baseline removal, L = 1 (notes §6, numeric where not closed form).
SHARP_THEOREM1 = {
    "loo": lambda d: math.sqrt(d) + math.sqrt(d - 1),
    "shapley": lambda d: {1: 1.0, 2: math.sqrt(1.5), 3: 1.278, 4: 1.30}.get(d),
    "banzhaf": lambda d: {1: 1.0, 2: math.sqrt(1.5), 3: 1.303, 4: 1.341}.get(d),
    "mwi": lambda d: {1: 1.0, 2: (1 + math.sqrt(2)) / 2, 3: 1.390, 4: 1.555}.get(d),
}


def _confirmed(case: dict[str, Any]) -> dict[str, Any]:
    """The exact reference must agree that the case is a violation; otherwise it is our bug."""
    judgement = judge_case(case)
    if judgement.holds:
        raise InternalError(f"fast path and exact judge disagree on {case['statement']}: {case}")
    return {**case, "lhs": judgement.lhs, "rhs": judgement.rhs}


def _operators(d: int, names: Sequence[str]) -> list[SummaryOperator]:
    return [by_name(n, d) for n in names]


def check_theorem1(ds: Sequence[int] = (1, 2, 3), *, h_rule: str = "paper", name: str = "removal-theorem1", summaries: Sequence[str] = THEOREM_SUMMARIES):
    """Lemma A1 for every S and Theorem 1 (plus the spectral route ‖Δφ‖² ≤ ‖A‖_2² 2^{d−1} L² ‖δ‖²,
    notes §6) for every unordered pair of grid points, model, removal and summary."""
    tally = Tally(name, "unordered pairs of grid points x ≠ x' × model family × removal (baseline, marginal) × summary; Lemma A1 for every S")
    observed: dict[str, float] = {}
    for d in ds:
        points = grid(d)
        # Exact integer fast path: coordinates scaled by Dx, games by Dv, operators by their D_A.
        dx = math.lcm(*{c.denominator for p in points for c in p})
        scaled_points = [[int(c * dx) for c in p] for p in points]
        operators = _operators(d, summaries)
        h2 = {A.name: h_squared(h_rule, A) for A in operators}
        spectral = {A.name: spectral_squared(A) for A in operators}
        for f, removal in itertools.product(models_for(d), removals_for(d)):
            L2 = f.lipschitz_squared
            g2 = g_squared("paper", removal, L2, f.bound)
            games = [game(f, x, removal) for x in points]
            dv = math.lcm(*{value.denominator for v in games for value in v})
            V = [[int(value * dv) for value in v] for v in games]
            phis = {}
            for A in operators:
                numerators, da = A.scaled()
                phis[A.name] = ([[sum(n * x for n, x in zip(row, v) if n) for row in numerators] for v in V], da)
            for a, b in itertools.combinations(range(len(points)), 2):
                diff2 = [(p - q) ** 2 for p, q in zip(scaled_points[a], scaled_points[b])]
                delta2 = sum(diff2)  # ‖δ‖² · dx²
                for S in range(1 << d):
                    tally.cases += 1
                    w = V[a][S] - V[b][S]
                    dist = sum(diff2[i] for i in range(d) if S >> i & 1)
                    if w * w * dx * dx * L2.denominator > L2.numerator * dv * dv * dist:
                        case = _confirmed({"statement": "lemma-a1", "model": f.spec(), "removal": removal.spec(), "x": points[a], "x_prime": points[b], "S": S})
                        return tally.refuted("removal-case", f"Lemma A1 fails at S = {S} (d = {d})", case)
                for A in operators:
                    rows, da = phis[A.name]
                    change = Fraction(sum((p - q) ** 2 for p, q in zip(rows[a], rows[b])) * dx * dx, (dv * da) ** 2 * delta2)  # ‖Δφ‖² / ‖δ‖²
                    tally.cases += 1
                    bound = g2 * h2[A.name]
                    key = f"{A.name}/d={d}"
                    tally.ratios[key] = max(tally.ratios.get(key, 0.0), math.sqrt(change / bound))
                    observed[key] = max(observed.get(key, 0.0), math.sqrt(change / L2))
                    if change > bound:
                        case = _confirmed({"statement": "theorem-1", "model": f.spec(), "removal": removal.spec(), "summary": A.name,
                                           "x": points[a], "x_prime": points[b], "h_rule": h_rule, "g_rule": "paper"})
                        return tally.refuted("removal-case", f"Theorem 1 fails for {A.name} at d = {d} with h² = {h2[A.name]}: "
                                             f"‖Δφ‖²/‖δ‖² = {change} > g² h² = {bound}", case)
                    if change > spectral[A.name] * 2 ** (d - 1) * L2:
                        raise InternalError(f"the spectral route bound fails for {A.name} at d = {d}: {points[a]}, {points[b]}")
    sharp = {k: SHARP_THEOREM1[k.split("/")[0]](int(k.split("=")[1])) for k in observed if k.split("/")[0] in SHARP_THEOREM1}
    return tally.result(Verdict.VERIFIED, f"Lemma A1 and Theorem 1 (h rule {h_rule!r}) hold exactly on every pair, d = {', '.join(map(str, ds))}; "
                        "the spectral-route bound too", {"d": list(ds), "h_rule": h_rule, "summaries": list(summaries)},
                        {"observed_constant": {k: round(v, 6) for k, v in sorted(observed.items())},
                         "sharp_constant_baseline": {k: (None if v is None else round(v, 6)) for k, v in sorted(sharp.items())}})


def _perturbations(f: ExactModel, removal: Removal, x: tuple[Fraction, ...], d: int, operators: Sequence[SummaryOperator]) -> list[Bumped]:
    """f' = f + shift, and f + ε-tents at the hybrid points with per-coalition signs: every sign pattern
    for d ≤ 2, the ∞→2 maximisers of each operator and 8 sign patterns (a fixed stride) for d = 3."""
    centres: dict[tuple[Fraction, ...], int] = {}
    for S in range(1 << d):
        for p, _ in removal.hybrids(x, S):
            centres.setdefault(p, S)
    points = list(centres)
    radius = min((sum((abs(u - v) for u, v in zip(p, q)), Fraction(0)) for p, q in itertools.combinations(points, 2)), default=Fraction(2)) / 2
    columns = 1 << d
    if d <= 2:
        patterns = [tuple(1 - 2 * (code >> S & 1) for S in range(columns)) for code in range(1 << columns)]
    else:
        patterns = [infinity_to_two_squared(A)[1] for A in operators if d <= 4]
        patterns += [tuple(1 - 2 * (code >> S & 1) for S in range(columns)) for code in range(0, 1 << columns, (1 << columns) // 8)]
    eps = Fraction(1, 4)
    out = [Bumped(f, (), (), Fraction(1), eps)]
    for pattern in patterns:
        out.append(Bumped(f, tuple(points), tuple(eps * pattern[centres[p]] for p in points), radius))
    return out


def check_theorem2(ds: Sequence[int] = (1, 2, 3), *, h_rule: str = "paper", name: str = "removal-theorem2", summaries: Sequence[str] = THEOREM_SUMMARIES):
    """Lemma B1 (X' = R^d) and Theorem 2 for f' = f + tents at the hybrid points (signed per coalition)."""
    tally = Tally(name, "model × removal × x (two grid points) × perturbation f' (shift, signed tents at the hybrid points) × summary; Lemma B1 for every S")
    for d in ds:
        operators = _operators(d, summaries)
        h2 = {A.name: h_squared(h_rule, A) for A in operators}
        xs = [grid(d)[0], grid(d)[-1]]
        # v − v' is the tent pattern whatever f is; two families (one at d = 3) keep the domain honest and small.
        for f, removal, x in itertools.product(models_for(d)[:: 3 if d <= 2 else 4], removals_for(d), xs):
            v = game(f, x, removal)
            phis = {A.name: apply(A, v) for A in operators}
            for f_prime in _perturbations(f, removal, x, d, operators):
                sup = f_prime.perturbation_sup
                v_prime = game(f_prime, x, removal)
                for S in range(1 << d):
                    tally.cases += 1
                    if abs(v[S] - v_prime[S]) > sup:
                        raise InternalError(f"Lemma B1 fails at S = {S}: {f_prime.spec()}")
                for A in operators:
                    change = squared_distance(phis[A.name], apply(A, v_prime))
                    rhs = h2[A.name] * sup * sup
                    tally.cases += 1
                    key = f"{A.name}/d={d}"
                    tally.ratios[key] = max(tally.ratios.get(key, 0.0), math.sqrt(change / rhs))
                    if change > rhs:
                        case = _confirmed({"statement": "theorem-2", "model": f.spec(), "model_prime": f_prime.spec(), "removal": removal.spec(),
                                           "summary": A.name, "x": x, "h_rule": h_rule})
                        return tally.refuted("removal-case", f"Theorem 2 fails for {A.name} at d = {d} with h² = {h2[A.name]}: "
                                             f"‖Δφ‖² = {change} > h² ‖f − f'‖_∞² = {rhs}", case)
    return tally.result(Verdict.VERIFIED, f"Lemma B1 and Theorem 2 (h rule {h_rule!r}) hold exactly on every perturbation, d = {', '.join(map(str, ds))}",
                        {"d": list(ds), "h_rule": h_rule, "summaries": list(summaries)},
                        {"sharp_constant": "the exact ∞→2 norm (check removal-infinity-norm); max_ratio_to_bound × 2√d approaches it"})
