"""One exact judge per statement of Lin, Covert & Lee (2023); every comparison is of squares.

=================  ==========================================================================
statement          judged inequality (all terms rational)
=================  ==========================================================================
Lemma A1           w_S² ≤ L² ‖δ_S‖²  (baseline / marginal; w = v(x) − v(x'), δ = x − x')
Lemma A2           (|w_S| − 2B·d_TV_S)_+² ≤ L² ‖δ_S‖²  (conditional)
Lemma B1           |v_S − v'_S| ≤ s·Q + 2B(1 − Q),  s = ‖f − f'‖_{∞,X'}, Q = Q_{x_S}(X')
Lemma C1           ‖A u‖² ≤ ‖A‖_2² ‖u‖²  and  ‖A u‖² ≤ ‖A‖_{1,∞}² ‖u‖_∞²
Theorem 1          ‖φ(f,x) − φ(f,x')‖² ≤ g² h² ‖δ‖²,  g = L (baseline, marginal), L + 2BM (cond.)
Theorem 2          ‖φ(f,x) − φ(f',x)‖² ≤ h² s²
=================  ==========================================================================

h² comes from a named *rule* (:data:`H_RULES`): ``paper`` is the paper's h = 2√d (LOO, Shapley,
Banzhaf and every bounded operator), √d (mean-when-included) and ‖A‖_{1,∞} otherwise (LIME,
through Lemma C1). g² comes from :data:`G_RULES`. Planted rules are named ``planted-*``.

A *case* is a plain mapping of numbers and specs; :func:`judge_case` rebuilds the model,
removal and operator from it, so :func:`replay_case` needs nothing else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Mapping, Sequence

from .._validation import as_fraction
from ..errors import InvalidArgument
from ..results import register_replayer
from .games import Conditional, Removal, game, removal_from_spec
from .models import ExactModel, from_spec
from .norms import one_inf_squared, spectral_squared, sqrt_upper
from .operators import SummaryOperator, apply, by_name
from .properties import boundedness_witness

__all__ = [
    "Judgement", "H_RULES", "G_RULES", "h_squared", "g_squared", "judge_lemma_a1", "judge_lemma_a2", "judge_lemma_b1",
    "judge_lemma_c1", "judge_theorem1", "judge_theorem2", "judge_case", "replay_case", "squared_distance",
]


@dataclass(frozen=True)
class Judgement:
    """lhs ≤ rhs judged exactly; ``ratio`` = √(lhs / rhs) as a float (1 means tight)."""

    statement: str
    lhs: Fraction
    rhs: Fraction

    @property
    def holds(self) -> bool:
        return self.lhs <= self.rhs

    @property
    def margin(self) -> Fraction:
        return self.rhs - self.lhs

    @property
    def ratio(self) -> float:
        if self.rhs == 0:
            return 0.0 if self.lhs == 0 else math.inf
        return math.sqrt(self.lhs / self.rhs)


def squared_distance(a: Sequence[Fraction], b: Sequence[Fraction], S: int | None = None) -> Fraction:
    return sum(((x - y) ** 2 for i, (x, y) in enumerate(zip(a, b)) if S is None or S >> i & 1), Fraction(0))


# --- constants -------------------------------------------------------------------------------

H_RULES = ("paper", "planted-shapley-sqrt-d")


def h_squared(rule: str, operator: SummaryOperator) -> Fraction:
    """h² of Theorems 1 and 2 for this operator under ``rule`` (Lemma C2 for the paper's rule)."""
    if rule not in H_RULES:
        raise InvalidArgument("h_rule", rule, f"one of {', '.join(H_RULES)}")
    d = operator.d
    if rule == "planted-shapley-sqrt-d" and operator.name == "shapley":
        return Fraction(d)  # planted: the MWI constant √d claimed for Shapley
    if operator.name == "mwi":
        return Fraction(d)
    if operator.name in ("loo", "shapley", "banzhaf") or boundedness_witness(operator) is None:
        return Fraction(4 * d)
    return one_inf_squared(operator)


G_RULES = ("paper", "planted-baseline-constant")


def g_squared(rule: str, removal: Removal, lipschitz_squared: Fraction, bound: Fraction | None) -> Fraction:
    """A rational ≥ g² of Theorem 1: L² for baseline/marginal removal; (L̄ + 2B M̄)² for conditional,
    with L̄ ≥ L and M̄ ≥ M rational upper bounds of the square roots (exact when they are rational).

    ``planted-baseline-constant`` certifies conditional removal with L alone (the planted bug)."""
    if rule not in G_RULES:
        raise InvalidArgument("g_rule", rule, f"one of {', '.join(G_RULES)}")
    if not isinstance(removal, Conditional) or rule == "planted-baseline-constant":
        return lipschitz_squared
    if bound is None:
        raise InvalidArgument("model", "(unbounded)", "a bounded model (Assumption 2) for conditional removal")
    lip = sqrt_upper(lipschitz_squared)
    m = sqrt_upper(removal.joint.assumption3_squared())
    return (lip + 2 * bound * m) ** 2


# --- judges ------------------------------------------------------------------------------------

def judge_lemma_a1(f: ExactModel, removal: Removal, x: Sequence[Fraction], x_prime: Sequence[Fraction], S: int) -> Judgement:
    """Lemma A1 (baseline / marginal): |f(x_S) − f(x'_S)| ≤ L ‖x_S − x'_S‖, squared."""
    w = _entry(f, removal, x, S) - _entry(f, removal, x_prime, S)
    return Judgement("lemma-a1", w * w, f.lipschitz_squared * squared_distance(x, x_prime, S))


def judge_lemma_a2(f: ExactModel, removal: Conditional, x: Sequence[Fraction], x_prime: Sequence[Fraction], S: int) -> Judgement:
    """Lemma A2 (conditional): |w_S| ≤ L ‖δ_S‖ + 2B d_TV, judged as (|w_S| − 2B d_TV)_+² ≤ L² ‖δ_S‖²."""
    if f.bound is None:
        raise InvalidArgument("model", "(unbounded)", "a bounded model (Assumption 2)")
    w = _entry(f, removal, x, S) - _entry(f, removal, x_prime, S)
    excess = max(Fraction(0), abs(w) - 2 * f.bound * removal.joint.tv(S, x, x_prime))
    return Judgement("lemma-a2", excess * excess, f.lipschitz_squared * squared_distance(x, x_prime, S))


def judge_lemma_b1(f: ExactModel, f_prime: ExactModel, removal: Removal, x: Sequence[Fraction], S: int, sup: Fraction, inside: Any) -> Judgement:
    """Lemma B1: |f(x_S) − f'(x_S)| ≤ s Q + 2B(1 − Q), B bounding both models, Q the mass of
    imputed points inside X' (``inside(point) -> bool``) and s = ‖f − f'‖_{∞,X'}."""
    hybrids = removal.hybrids(x, S)
    q = sum((w for p, w in hybrids if inside(p)), Fraction(0))
    bounds = [m.bound for m in (f, f_prime)]
    if q < 1 and any(b is None for b in bounds):
        raise InvalidArgument("model", "(unbounded)", "bounded models when imputed points leave X'")
    bound = max((b for b in bounds if b is not None), default=Fraction(0))
    moved = abs(sum((w * (f(p) - f_prime(p)) for p, w in hybrids), Fraction(0)))
    rhs = sup * q + 2 * bound * (1 - q)
    return Judgement("lemma-b1", moved * moved, rhs * rhs)


def judge_lemma_c1(operator: SummaryOperator, u: Sequence[Fraction], norms: tuple[Fraction, Fraction] | None = None) -> tuple[Judgement, Judgement]:
    """Lemma C1 for u = v − v': the spectral form and the (1,∞) form, squared.

    ``norms`` = (‖A‖_2², ‖A‖_{1,∞}²) when the caller has them already."""
    spectral_sq, one_inf_sq = norms if norms is not None else (spectral_squared(operator), one_inf_squared(operator))
    phi = apply(operator, u)
    lhs = sum((p * p for p in phi), Fraction(0))
    spectral = Judgement("lemma-c1-spectral", lhs, spectral_sq * sum((x * x for x in u), Fraction(0)))
    sup = max(abs(x) for x in u)
    return spectral, Judgement("lemma-c1-one-inf", lhs, one_inf_sq * sup * sup)


def judge_theorem1(f: ExactModel, removal: Removal, operator: SummaryOperator, x: Sequence[Fraction], x_prime: Sequence[Fraction],
                   *, h_rule: str = "paper", g_rule: str = "paper") -> Judgement:
    """Theorem 1: ‖φ(f,x) − φ(f,x')‖² ≤ g² h² ‖x − x'‖²."""
    delta = _attribution_change(operator, game(f, x, removal), game(f, x_prime, removal))
    rhs = g_squared(g_rule, removal, f.lipschitz_squared, f.bound) * h_squared(h_rule, operator) * squared_distance(x, x_prime)
    return Judgement("theorem-1", delta, rhs)


def judge_theorem2(f: ExactModel, f_prime: ExactModel, removal: Removal, operator: SummaryOperator, x: Sequence[Fraction], sup: Fraction,
                   *, h_rule: str = "paper") -> Judgement:
    """Theorem 2: ‖φ(f,x) − φ(f',x)‖² ≤ h² s², s = ‖f − f'‖_∞ (baseline, marginal) or ‖f − f'‖_{∞,X} (conditional)."""
    delta = _attribution_change(operator, game(f, x, removal), game(f_prime, x, removal))
    return Judgement("theorem-2", delta, h_squared(h_rule, operator) * sup * sup)


def model_sup(f: ExactModel, f_prime: ExactModel, removal: Removal) -> Fraction:
    """s of Theorem 2, exactly: ‖f − f'‖_{∞,X} over the support for conditional removal; for
    baseline/marginal the sup over R^d, known exactly only for f' = Bumped(f, ...)."""
    if isinstance(removal, Conditional):
        return max(abs(f(p) - f_prime(p)) for p in removal.joint.points)
    sup = getattr(f_prime, "perturbation_sup", None)
    if sup is None or getattr(f_prime, "base", None) != f:
        raise InvalidArgument("f_prime", "(model)", "a Bumped(f, ...) perturbation, whose ‖f − f'‖_∞ over R^d is exact")
    return sup


def _entry(f: ExactModel, removal: Removal, x: Sequence[Fraction], S: int) -> Fraction:
    return sum((w * f(p) for p, w in removal.hybrids(x, S)), Fraction(0))


def _attribution_change(operator: SummaryOperator, v: Sequence[Fraction], v_prime: Sequence[Fraction]) -> Fraction:
    u = [a - b for a, b in zip(v, v_prime)]
    return sum((p * p for p in apply(operator, u)), Fraction(0))


# --- cases (replayable from numbers) -----------------------------------------------------------

def _point(values: Sequence[Any]) -> tuple[Fraction, ...]:
    return tuple(as_fraction(v, "x") for v in values)


def judge_case(case: Mapping[str, Any]) -> Judgement:
    """Judge a case mapping (``statement`` plus the specs it needs) from its numbers alone."""
    statement = case["statement"]
    f = from_spec(case["model"])
    removal = removal_from_spec(case["removal"])
    x = _point(case["x"])
    if statement == "theorem-1":
        return judge_theorem1(f, removal, by_name(case["summary"], len(x)), x, _point(case["x_prime"]),
                              h_rule=case.get("h_rule", "paper"), g_rule=case.get("g_rule", "paper"))
    if statement == "theorem-2":
        f_prime = from_spec(case["model_prime"])
        return judge_theorem2(f, f_prime, removal, by_name(case["summary"], len(x)), x, model_sup(f, f_prime, removal),
                              h_rule=case.get("h_rule", "paper"))
    if statement == "lemma-a1":
        return judge_lemma_a1(f, removal, x, _point(case["x_prime"]), int(case["S"]))
    if statement == "lemma-a2":
        if not isinstance(removal, Conditional):
            raise InvalidArgument("removal", removal.kind, "conditional removal for Lemma A2")
        return judge_lemma_a2(f, removal, x, _point(case["x_prime"]), int(case["S"]))
    raise InvalidArgument("statement", statement, "one of theorem-1, theorem-2, lemma-a1, lemma-a2")


def replay_case(data: Mapping[str, Any]) -> bool:
    """True iff the case still violates its statement in exact arithmetic."""
    return not judge_case(data).holds


register_replayer("removal-case", "mus_verify.removal.theorems:replay_case")
