"""Checks of conditional removal on finite joints: Lemma A2, Assumption 3's M (exact),
Theorem 1 with g = L̄ + 2B M̄, Lemma B1 / Theorem 2 on the support, conditional = marginal for
independent features, and the paper's duplicate-feature example (notes §7.6-7.8).
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction as F
from typing import Any, Mapping, Sequence

from .._validation import as_fraction
from ..errors import InternalError
from ..results import Verdict, register_replayer
from ._results import Tally
from .check_theorems import THEOREM_SUMMARIES, _confirmed
from .domains import bounded_models_for, joints_for
from .games import Baseline, Conditional, Marginal, game
from .joint import FiniteJoint
from .models import Bumped, ClippedLinear, Linear
from .norms import sqrt_upper
from .operators import apply, by_name
from .theorems import g_squared, h_squared, judge_lemma_b1, squared_distance

__all__ = ["check_conditional", "check_duplicate_feature", "replay_duplicate"]


def check_conditional(ds: Sequence[int] = (1, 2, 3), *, g_rule: str = "paper", name: str = "removal-conditional", seed: int = 0):
    """For every joint, bounded model, summary, S and pair of support points: Lemma A2 and Theorem 1
    (g from ``g_rule``); Lemma B1 with X' = support and Theorem 2 with ‖f − f'‖_{∞,X}."""
    tally = Tally(name, "joint × bounded model × pair of support points × summary (Theorem 1) and × S (Lemma A2); Theorem 2 per model pair")
    m_values: dict[str, str] = {}
    for d in ds:
        operators = [by_name(n, d) for n in THEOREM_SUMMARIES]
        h2 = {A.name: h_squared("paper", A) for A in operators}
        for joint_name, joint in joints_for(d, seed):
            removal = Conditional(joint)
            m2 = joint.assumption3_squared()
            m_values[f"{joint_name}/d={d}"] = f"M² = {m2}, M̄ = {sqrt_upper(m2)}"
            models = bounded_models_for(d)
            for f in models:
                g2 = g_squared(g_rule, removal, f.lipschitz_squared, f.bound)
                games = [game(f, x, removal) for x in joint.points]
                phis = {A.name: [apply(A, v) for v in games] for A in operators}
                for a, b in itertools.combinations(range(len(joint.points)), 2):
                    x, xp = joint.points[a], joint.points[b]
                    for S in range(1 << d):
                        tally.cases += 1
                        w = games[a][S] - games[b][S]
                        excess = max(F(0), abs(w) - 2 * f.bound * joint.tv(S, x, xp))  # type: ignore[operator]
                        if excess * excess > f.lipschitz_squared * squared_distance(x, xp, S):
                            case = _confirmed({"statement": "lemma-a2", "model": f.spec(), "removal": removal.spec(), "x": x, "x_prime": xp, "S": S})
                            return tally.refuted("removal-case", f"Lemma A2 fails at S = {S} (d = {d}, joint {joint_name})", case)
                    delta2 = squared_distance(x, xp)
                    for A in operators:
                        tally.cases += 1
                        change = squared_distance(phis[A.name][a], phis[A.name][b])
                        rhs = g2 * h2[A.name] * delta2
                        key = f"{A.name}/d={d}/{joint_name}"
                        tally.ratios[key] = max(tally.ratios.get(key, 0.0), math.sqrt(change / rhs))
                        if change > rhs:
                            case = _confirmed({"statement": "theorem-1", "model": f.spec(), "removal": removal.spec(), "summary": A.name,
                                               "x": x, "x_prime": xp, "h_rule": "paper", "g_rule": g_rule})
                            return tally.refuted("removal-case", f"Theorem 1 under conditional removal fails for {A.name} (d = {d}, joint {joint_name}, "
                                                 f"g rule {g_rule!r}): ‖Δφ‖² = {change} > g² h² ‖δ‖² = {rhs}", case)
                # Model perturbation: another bounded model, and f plus a tent away from the support.
                far = tuple(F(7) for _ in range(d))
                for f_prime in [m for m in models if m is not f] + [Bumped(f, (far,), (F(1, 2),), F(1))]:
                    sup = max(abs(f(p) - f_prime(p)) for p in joint.points)
                    for x, v in zip(joint.points, games):
                        v_prime = game(f_prime, x, removal)
                        for S in range(1 << d):
                            tally.cases += 1
                            if not judge_lemma_b1(f, f_prime, removal, x, S, sup, lambda p: p in joint.points).holds:
                                raise InternalError(f"Lemma B1 on the support fails at S = {S}")
                        for A in operators:
                            tally.cases += 1
                            change = squared_distance(apply(A, v), apply(A, v_prime))
                            if change > h2[A.name] * sup * sup:
                                raise InternalError(f"Theorem 2 on the support fails for {A.name}: {f_prime.spec()}")
    # Independent features (M = 0): conditional removal equals marginal removal over the same joint.
    product = FiniteJoint(tuple((a, b) for a in (F(0), F(1)) for b in (F(0), F(1, 2), F(2))),
                          tuple(pa * pb for pa in (F(1, 3), F(2, 3)) for pb in (F(1, 2), F(1, 4), F(1, 4))))
    f = bounded_models_for(2)[0]
    for x in product.points:
        tally.cases += 1
        if product.assumption3_squared() != 0 or game(f, x, Conditional(product)) != game(f, x, Marginal(product.points, product.probs)):
            raise InternalError("conditional removal differs from marginal removal for independent features")
    return tally.result(Verdict.VERIFIED, f"Lemma A2, Theorem 1 (g rule {g_rule!r}), Lemma B1 and Theorem 2 on the support hold exactly; "
                        "conditional = marginal for independent features", {"d": list(ds), "g_rule": g_rule}, {"assumption3": m_values})


def _duplicate_example() -> tuple[FiniteJoint, Linear, Linear]:
    """Uniform joint on {(v, v, a, c)}: x_1 = x_2 always (ρ = 1); f = 5x_1 + 3x_3 + x_4, f' = 5x_2 + 3x_3 + x_4."""
    support = tuple((v, v, a, c) for v in (F(0), F(1)) for a in (F(0), F(1)) for c in (F(-1), F(1)))
    joint = FiniteJoint(support, tuple(F(1, len(support)) for _ in support))
    return joint, Linear((F(5), F(0), F(3), F(1))), Linear((F(0), F(5), F(3), F(1)))


def check_duplicate_feature():
    """The duplicate-feature example (notes §7.8): x_1 = x_2 on the support, f = 5x_1 + 3x_3 + x_4,
    f' = 5x_2 + 3x_3 + x_4. ‖f − f'‖_{∞,X} = 0 so every conditional attribution is unchanged (exactly),
    while baseline Shapley moves by exactly (5(x_1 − b_1), −5(x_2 − b_2), 0, 0): a model perturbation
    that baseline and marginal removal feel and conditional removal does not."""
    tally = Tally("removal-duplicate-feature", "support points x (x_1 = x_2) × summary, conditional and baseline/marginal removal")
    joint, f, f_prime = _duplicate_example()
    support = joint.points
    clipped, clipped_prime = ClippedLinear(f.beta, F(0), F(-2), F(2)), ClippedLinear(f_prime.beta, F(0), F(-2), F(2))
    b = (F(1, 3), F(-1, 3), F(0), F(0))
    baseline_moved = 0
    marginal_moved = 0
    operators = [by_name(name, 4) for name in THEOREM_SUMMARIES]
    for x in support:
        for g, g_prime in ((f, f_prime), (clipped, clipped_prime)):
            if any(g(p) != g_prime(p) for p in support):
                raise InternalError("the two models differ on the support")
            games = {kind: (game(g, x, removal), game(g_prime, x, removal))
                     for kind, removal in (("conditional", Conditional(joint)), ("baseline", Baseline(b)), ("marginal", Marginal(support, joint.probs)))}
            for A in operators:
                tally.cases += 1
                moved = {kind: apply(A, v) != apply(A, v_prime) for kind, (v, v_prime) in games.items()}
                if moved["conditional"]:
                    return tally.refuted("removal-duplicate", f"conditional {A.name} attributions differ at x = {x}", {"x": x, "summary": A.name})
                baseline_moved += moved["baseline"]
                marginal_moved += moved["marginal"]
        shapley_delta = [p - q for p, q in zip(apply(by_name("shapley", 4), game(f, x, Baseline(b))), apply(by_name("shapley", 4), game(f_prime, x, Baseline(b))))]
        tally.cases += 1
        if shapley_delta != [5 * (x[0] - b[0]), -5 * (x[1] - b[1]), F(0), F(0)]:
            raise InternalError(f"baseline Shapley change {shapley_delta} is not the predicted one at x = {x}")
    if baseline_moved == 0 or marginal_moved == 0:
        raise InternalError("baseline or marginal attributions never moved: the example lost its point")
    return tally.result(Verdict.VERIFIED, "conditional attributions are identical for f and f' on every support point; "
                        f"baseline ones moved in {baseline_moved} and marginal ones in {marginal_moved} (point, summary, model) cases",
                        {"support_points": len(support), "b": b}, {"baseline_moved": baseline_moved, "marginal_moved": marginal_moved})


def replay_duplicate(data: Mapping[str, Any]) -> bool:
    """True iff the conditional attributions of f and f' still differ at ``x`` for ``summary``."""
    x = tuple(as_fraction(v, "x") for v in data["x"])
    joint, f, f_prime = _duplicate_example()
    A = by_name(data["summary"], 4)
    return apply(A, game(f, x, Conditional(joint))) != apply(A, game(f_prime, x, Conditional(joint)))


register_replayer("removal-duplicate", "mus_verify.removal.check_conditional:replay_duplicate")
