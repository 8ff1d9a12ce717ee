"""Each property as Z3 queries asking for a violation: UNSAT for every query is a proof at that size.

A query adds the negation of the property to an :class:`~.encoding.Encoding`
and returns a function that reads the violating α (β, edge, ...) back from a
model. What the unknowns range over is in :mod:`.encoding`. The negated
statement is the theorem's own judge (:mod:`mus_verify.theorems`) applied to Z3
terms, so the solver, the exact judges of :mod:`.judges` and every other engine
decide "violated" by the same function; the radius rules come from the one rule
table of :mod:`mus_verify.certificates`.

Symmetries used (each sound for every variant, because a variant never looks
at class labels): the violating class of a Lipschitz query and the certified
class of a stability query are fixed to class 0, since relabelling the
classifier's outputs maps any violation to one of that form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import z3

from ..certificates import RULE_COVERS
from ..errors import InvalidArgument
from ..theorems import lipschitz as lipschitz_thm
from ..theorems import marginals as marginals_thm
from ..theorems import masking as masking_thm
from ..theorems import reference as reference_thm
from ..theorems import stability as stability_thm
from ..variants.base import IntVector, VariantParams
from ..variants.guard import run_keeps, run_symbols
from ..variants.loader import load_variant
from .encoding import Encoding
from .ops_z3 import to_expr

__all__ = ["Query", "PropertySpec", "PROPERTIES", "RADIUS_CONSTRAINTS", "DIRECTIONS"]

Extract = Callable[[z3.ModelRef], dict[str, Any]]


@dataclass(frozen=True)
class Query:
    """One solver call: ``build(enc)`` adds the violation and returns how to read the witness back."""

    label: str
    build: Callable[[Encoding], Extract]


@dataclass(frozen=True)
class PropertySpec:
    name: str
    summary: str
    paper: str
    queries: Callable[[VariantParams, Mapping[str, Any]], list[Query]]
    uses_classifier: bool = True


DIRECTIONS = ("any", "incremental", "decremental")


RADIUS_CONSTRAINTS = RULE_COVERS
"""The radius rules the stability query accepts: the rule table itself (``covers(2λd, 2λ, gap)``), not a copy."""


def _masking_equivalence(params: VariantParams, options: Mapping[str, Any]) -> list[Query]:
    def build(enc: Encoding) -> Extract:
        alpha = enc.bits("alpha")
        direct = enc.smoothed(enc.x_slots, alpha)
        hidden = enc.smoothed(enc.hidden(alpha), enc.ones())
        enc.constraints.append(masking_thm.sides_differ(direct, hidden, any_=z3.Or))
        return lambda model: {"alpha": enc.concrete_bits(model, alpha)}

    return [Query("every α", build)]


def _lipschitz(params: VariantParams, options: Mapping[str, Any]) -> list[Query]:

    def edge(i: int) -> Query:
        def build(enc: Encoding) -> Extract:
            alpha = enc.bits("alpha")
            low, high = list(alpha), list(alpha)
            low[i], high[i] = False, True
            # On the hypercube the L1 distance is the path length, so edges suffice (Thm 3.1).
            jump = enc.smoothed(enc.x_slots, high)[0] - enc.smoothed(enc.x_slots, low)[0]
            enc.constraints.append(lipschitz_thm.violated(jump, params.lam, any_=z3.Or))

            def extract(model: z3.ModelRef) -> dict[str, Any]:
                bits = enc.concrete_bits(model, alpha)
                bits[i] = 0
                return {"alpha": bits, "edge": i}

            return extract

        return Query(f"edge {i}", build)

    return [edge(i) for i in range(params.n)]


def _stability(params: VariantParams, options: Mapping[str, Any]) -> list[Query]:
    rule = options["radius_rule"]
    direction = options.get("direction", "any")
    if rule not in RADIUS_CONSTRAINTS:
        raise InvalidArgument("radius_rule", rule, f"one of {sorted(RADIUS_CONSTRAINTS)}")
    if direction not in DIRECTIONS:
        raise InvalidArgument("direction", direction, f"one of {DIRECTIONS}")
    def build(enc: Encoding) -> Extract:
        if enc.classes < 2:
            raise InvalidArgument("classes", enc.classes, "at least 2 for stability (a top class and a runner-up)")
        alpha: list[Any] = [True] * params.n if direction == "decremental" else enc.bits("alpha")
        beta = enc.bits("beta")
        if direction == "incremental":
            enc.constraints += [z3.Implies(a, b) for a, b in zip(alpha, beta)]
        center = enc.smoothed(enc.x_slots, alpha)
        moved = enc.smoothed(enc.hidden(beta), enc.ones())
        others = range(1, enc.classes)
        runner_up = z3.Real("runner_up")
        enc.constraints += [runner_up >= center[c] for c in others]
        enc.constraints.append(z3.Or(*[runner_up == center[c] for c in others]))
        gap = center[0] - runner_up
        # α is the Python constant True everywhere in the decremental case.
        distance = z3.Sum(*[z3.If(z3.Not(b) if a is True else z3.Xor(a, b), 1, 0) for a, b in zip(alpha, beta)])
        # The claimed radius is the largest d the rule covers for this gap (each rule is monotone in d).
        claimed = z3.Int("claimed_radius")
        enc.constraints += [stability_thm.covers(rule, claimed, gap, params.lam), z3.Not(stability_thm.covers(rule, claimed + 1, gap, params.lam))]
        unique = z3.And(*[center[0] > center[c] for c in others])  # class 0 is the unique top (WLOG)
        lost = stability_thm.lost(moved[0], [moved[c] for c in others], any_=z3.Or)
        enc.constraints.append(stability_thm.violated(unique, stability_thm.covered(distance, claimed), lost, all_=z3.And))

        def extract(model: z3.ModelRef) -> dict[str, Any]:
            center_bits = [1] * params.n if direction == "decremental" else enc.concrete_bits(model, alpha)
            return {"alpha": center_bits, "beta": enc.concrete_bits(model, beta), "radius_rule": rule, "direction": direction}

        return extract

    return [Query(f"radius rule {rule}, {direction}", build)]


def _marginals(params: VariantParams, options: Mapping[str, Any]) -> list[Query]:
    def coordinate(i: int) -> Query:
        def build(enc: Encoding) -> Extract:
            # One query per coordinate: each involves only that coordinate's noise (for L_qv, one seed entry).
            kept = [to_expr(enc.ops.where(run_keeps(enc.variant, enc.ops, s[i]), z3.RealVal(w), z3.RealVal(0))) for w, s in enc.noise()]
            enc.constraints.append(marginals_thm.off(z3.Sum(*kept), params.lam))
            return lambda model: {"coordinate": i}

        return Query(f"coordinate {i}", build)

    return [coordinate(i) for i in range(params.n)]


def _reference(params: VariantParams, options: Mapping[str, Any]) -> list[Query]:
    mus = load_variant("mus")

    def build(enc: Encoding) -> Extract:
        shape = run_symbols(enc.variant, params).get("seed_vector")
        if shape != IntVector(params.n, 0, params.q - 1):
            raise InvalidArgument("variant", enc.variant.name, "a variant with a seed_vector symbol like mus (n integers in 0..q-1) for the reference property")
        alpha = enc.bits("alpha")
        ours = enc.smoothed(enc.x_slots, alpha)
        theirs = enc.smoothed(enc.x_slots, alpha, variant=mus)
        enc.constraints.append(reference_thm.sides_differ(ours, theirs, any_=z3.Or))
        return lambda model: {"alpha": enc.concrete_bits(model, alpha)}

    return [Query("every α", build)]


PROPERTIES: dict[str, PropertySpec] = {
    "masking-equivalence": PropertySpec(
        "masking-equivalence", "g(hide(x, α), 1) = g(x, α) for every h, x, α and seed vector", "§3.1, App. A.1", _masking_equivalence
    ),
    "lipschitz": PropertySpec(
        "lipschitz", "every class coordinate of g(x, ·) is λ-Lipschitz in α under the L1 norm", "Thm 3.1", _lipschitz
    ),
    "stability": PropertySpec(
        "stability", "the radius rule's radius at α keeps the top class of f(hide(x, β)) for every β within it", "Thm 3.2, Remark 2.6", _stability
    ),
    "marginals": PropertySpec(
        "marginals", "every coordinate of the noise lets its feature through with probability exactly λ", "Prop. 3.4 / A.2", _marginals, uses_classifier=False
    ),
    "reference": PropertySpec(
        "reference", "g equals MuS's g (same seed vector) for every h, x and α", "—", _reference
    ),
}
