"""Before a Z3 verdict is printed, the exact reference looks at the same variant on concrete points.

A proof is only as good as the encoding: if the Z3 terms a variant produced are
not the function its exact semantics computes (a variant that branches on
``ops.name``, keeps state between calls, or an encoder bug), UNSAT proves a
statement about something else. So, at the proved size:

1. **The exact statement** (complete over every base classifier) on a bounded,
   deterministic set of points (symbol values, inputs x, masks α; see
   :func:`sample_points`): marginals are computed exactly; masking equivalence
   and the reference property hold for every h iff the two laws of the
   classifier's input are equal; Lipschitz holds for every h iff the total
   variation of the input laws across each edge is at most λ; stability (average
   mode) is violated iff the fractional knapsack ``max P·h s.t. Q·h ≤ 1/2`` gives a
   gap whose radius covers ‖β − α‖₁ (for votes only step 2 runs). A violation
   found here becomes a REFUTED verdict with an exact witness (a table
   classifier), judged and replayed like any solver counterexample.
2. **Backend agreement**: at each point, the Z3 terms (substituted with the
   point's values) must give the same noise marginals, the same law of the
   classifier's input for g(x, α) and the same hide(x, α) as the exact backend.
   A difference is an :class:`~mus_verify.errors.InternalError`, never a verdict.

The points are a sample, not a proof: this catches encodings that differ from
the exact semantics; the proof still carries the "every value" claim.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Iterator, Mapping, Sequence

import z3

from ..theorems import lipschitz as lipschitz_thm
from ..theorems import marginals as marginals_thm
from ..theorems import masking as masking_thm
from ..theorems import reference as reference_thm
from ..theorems import stability as stability_thm
from ..variants.base import IntVector, RealVector, Variant, VariantParams
from ..variants.exact import hide_exact, input_slots, noise_exact, noise_marginals, smoothed_inputs
from ..variants.guard import run_apply, run_keeps, run_symbols
from ..variants.ops import EXACT
from .encoding import Encoding
from .ops_z3 import to_expr

__all__ = ["ExactWitness", "sample_points", "exact_violation", "disagreement", "MAX_SYMBOL_POINTS", "MAX_ALPHAS", "MAX_LAWS", "AGREEMENT_EVALS"]

MAX_SYMBOL_POINTS = 4  # symbol assignments (all of them when there are at most this many)
MAX_ALPHAS = 4  # masks α per point (all 2^n when n <= 2)
MAX_BETAS = 8  # stability: β per α
MAX_LAWS = 96  # exact laws of the classifier's input evaluated in all (bounds the cost: each is q·n slot computations)

Law = dict[tuple[Fraction | None, ...], Fraction]


@dataclass
class ExactWitness:
    """A violation found by exact evaluation: the data a judge needs, and the classifier as a function."""

    data: dict[str, Any]
    classifier: Callable[[tuple[Fraction | None, ...]], list[Fraction]]
    summary: str


def _symbol_values(shape: Any, rng: random.Random) -> list[list[Any]]:
    if isinstance(shape, IntVector):
        span = shape.high - shape.low + 1
        if span ** shape.length <= MAX_SYMBOL_POINTS:
            return [list(v) for v in itertools.product(range(shape.low, shape.high + 1), repeat=shape.length)]
        values = [[shape.low] * shape.length, [shape.high] * shape.length]
        values.append([shape.low + i % span for i in range(shape.length)])
        values.append([shape.low] + [shape.high] * (shape.length - 1))  # one coordinate apart: v_0 = low is the usual edge case
        while len(values) < MAX_SYMBOL_POINTS:
            values.append([rng.randint(shape.low, shape.high) for _ in range(shape.length)])
        return values
    if isinstance(shape, RealVector):
        return [[Fraction(0)] * shape.length, [Fraction(i + 1, 2) for i in range(shape.length)], [Fraction(-3)] * shape.length]
    raise TypeError(f"unknown symbol shape {shape!r}")


def sample_points(variant: Variant, params: VariantParams) -> Iterator[dict[str, list[Any]]]:
    """Deterministic symbol assignments: every one when few, else corners, a ramp and seeded random ones."""
    rng = random.Random(0)
    declared = run_symbols(variant, params)
    per_symbol = {name: _symbol_values(shape, rng) for name, shape in declared.items()}
    names = list(per_symbol)
    combos = list(itertools.product(*[per_symbol[name] for name in names])) if names else [()]
    if len(combos) > MAX_SYMBOL_POINTS:
        combos = combos[:1] + rng.sample(combos[1:], MAX_SYMBOL_POINTS - 1)
    for combo in combos:
        yield dict(zip(names, combo))


def sample_inputs(n: int) -> list[list[Fraction]]:
    """Distinct nonzero values (no two features alike) and a vector with zeros (where hidden and shown agree)."""
    primes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37]
    distinct = [Fraction(primes[i % len(primes)] * (1 + i // len(primes))) for i in range(n)]
    zeros = [Fraction(i % 2) for i in range(n)]
    return [distinct, zeros]


def sample_alphas(n: int, rng: random.Random | None = None) -> list[list[int]]:
    if 2**n <= MAX_ALPHAS:
        return [list(a) for a in itertools.product((0, 1), repeat=n)]
    rng = rng or random.Random(1)
    alphas = [[1] * n, [0] * n, [1] + [0] * (n - 1), [0] + [1] * (n - 1)]
    while len(alphas) < MAX_ALPHAS:
        alphas.append([rng.randint(0, 1) for _ in range(n)])
    return alphas


class _Exhausted(Exception):
    """The exact sample's budget (MAX_LAWS) is spent."""


class _Exact:
    """Exact laws of the classifier's input at one symbol assignment, with the noise computed once."""

    def __init__(self, variant: Variant, params: VariantParams, sym: Mapping[str, Any], budget: list[int]) -> None:
        self.variant, self.params, self.sym, self.budget = variant, params, sym, budget
        self.noise = noise_exact(variant, params, sym)
        self.cache: dict[tuple, Law] = {}

    def law(self, x: Sequence[Any], alpha: Sequence[int]) -> Law:
        key = (tuple(x), tuple(alpha))
        if key not in self.cache:
            if self.budget[0] <= 0:
                raise _Exhausted
            self.budget[0] -= 1
            slots = input_slots(x, self.params.n)
            mask = [bool(a) for a in alpha]
            law: Law = {}
            for w, s in self.noise:
                if w:
                    point = tuple(run_apply(self.variant, EXACT, slots, mask, s, self.params, self.sym))
                    law[point] = law.get(point, Fraction(0)) + w
            self.cache[key] = law
        return self.cache[key]

    def hidden_law(self, x: Sequence[Any], alpha: Sequence[int]) -> Law:
        return self.law(hide_exact(self.variant, x, alpha, self.params, self.sym), [1] * self.params.n)


def _law(variant: Variant, x: Sequence[Any], alpha: Sequence[int], params: VariantParams, sym: Mapping[str, Any]) -> Law:
    return {key: w for w, key in smoothed_inputs(variant, x, alpha, params, sym) if w}


def _indicator(inputs: set, classes: int) -> Callable[[tuple], list[Fraction]]:
    def h(point: tuple) -> list[Fraction]:
        one = point in inputs
        return [Fraction(int(not one)), Fraction(int(one))] + [Fraction(0)] * (classes - 2)

    return h


def _first_difference(a: Law, b: Law, differs: Callable[[Any, Any], Any] | None = None) -> Any:
    """The first classifier input whose weight differs (by ``differs``, a theorem's judge; plain ``!=`` for engine agreement)."""
    for key in list(a) + list(b):
        wa, wb = a.get(key, Fraction(0)), b.get(key, Fraction(0))
        if (differs(wa, wb) if differs is not None else wa != wb):
            return key
    return None


def exact_violation(prop: str, variant: Variant, params: VariantParams, classes: int, mode: str, options: Mapping[str, Any]) -> ExactWitness | None:
    """A violation of ``prop`` at this size found by exact evaluation on the sampled points, else None.

    The sample is bounded (:data:`MAX_LAWS` laws in all), so this costs a fraction of the proof at any size."""
    rng = random.Random(2)
    budget = [MAX_LAWS]
    try:
        for sym in sample_points(variant, params):
            if prop == "marginals":
                marginals = noise_marginals(variant, params, sym)
                off = [i for i, m in enumerate(marginals) if marginals_thm.off(m, params.lam)]
                if off:
                    return ExactWitness({"symbols": sym, "coordinate": off[0]}, _indicator(set(), classes), f"marginal {marginals[off[0]]} ≠ λ")
                continue
            exact = _Exact(variant, params, sym, budget)
            for x in sample_inputs(params.n):
                for alpha in sample_alphas(params.n, rng):
                    found = _violation_at(prop, exact, classes, mode, options, x, alpha)
                    if found is not None:
                        return found
    except _Exhausted:
        pass
    return None


def _violation_at(prop: str, exact: _Exact, classes: int, mode: str, options: Mapping[str, Any],
                  x: list[Fraction], alpha: list[int]) -> ExactWitness | None:
    variant, params, sym = exact.variant, exact.params, exact.sym
    base = {"symbols": sym, "x": x}
    if prop in ("masking-equivalence", "reference"):
        direct = exact.law(x, alpha)
        differs: Callable[..., Any]
        if prop == "masking-equivalence":
            other = exact.hidden_law(x, alpha)
            differs = masking_thm.coordinate_differs
        else:
            from ..variants.loader import load_variant

            other = _law(load_variant("mus"), x, alpha, params, {"seed_vector": sym["seed_vector"]})
            differs = reference_thm.coordinate_differs
        key = _first_difference(direct, other, differs)
        if key is None:
            return None
        return ExactWitness({**base, "alpha": alpha}, _indicator({key}, classes), f"the input {key} has weight {direct.get(key, 0)} vs {other.get(key, 0)}")
    if prop == "lipschitz":
        for i in range(params.n):
            low, high = list(alpha), list(alpha)
            low[i], high[i] = 0, 1
            p_low, p_high = exact.law(x, low), exact.law(x, high)
            ups = {key for key in set(p_low) | set(p_high) if p_high.get(key, 0) > p_low.get(key, 0)}
            tv = sum((p_high.get(key, 0) - p_low.get(key, 0) for key in ups), Fraction(0))
            if lipschitz_thm.exceeds(tv, params.lam):
                return ExactWitness({**base, "alpha": low, "edge": i}, _indicator(ups, classes), f"total variation {tv} > λ across edge {i}")
        return None
    if prop == "stability":
        return _stability_at(exact, classes, mode, options, base, x, alpha)
    raise ValueError(f"no exact cross-check for property {prop!r}")


def _stability_at(exact: _Exact, classes: int, mode: str, options: Mapping[str, Any],
                  base: dict[str, Any], x: list[Fraction], alpha: list[int]) -> ExactWitness | None:
    params = exact.params
    if mode != "average":
        return None  # one-hot classifiers make the worst case an integer program; the agreement check still runs
    rule, direction = options["radius_rule"], options.get("direction", "any")
    if direction == "decremental":
        alpha = [1] * params.n
    largest = min(stability_thm.radius(rule, Fraction(1), params.lam), params.n)
    p = exact.law(x, alpha)
    flippable = [i for i in range(params.n) if not (direction == "incremental" and alpha[i])]
    betas = 0
    for d in range(0, largest + 1):
        for flips in itertools.combinations(flippable, d):
            betas += 1
            if betas > MAX_BETAS:
                return None
            beta = [1 - a if i in flips else a for i, a in enumerate(alpha)]
            q_law = exact.hidden_law(x, beta)
            h0 = _knapsack(p, q_law, Fraction(1, 2))
            g0 = sum((w * h0.get(key, 0) for key, w in p.items()), Fraction(0))
            gap = 2 * g0 - 1
            if gap <= 0 or not stability_thm.covered(d, stability_thm.radius(rule, gap, params.lam)):
                continue

            def h(point: tuple, h0: dict = h0) -> list[Fraction]:
                value = h0.get(point, Fraction(0))
                return [value, 1 - value] + [Fraction(0)] * (classes - 2)

            data = {**base, "alpha": alpha, "beta": beta, "radius_rule": rule, "direction": direction}
            return ExactWitness(data, h, f"a classifier with gap {gap} at α loses class 0 at distance {d}")
    return None


def _knapsack(value: Law, cost: Law, capacity: Fraction) -> dict[Any, Fraction]:
    """max Σ value·h subject to Σ cost·h ≤ capacity, 0 ≤ h ≤ 1 (fractional knapsack: greedy by value/cost)."""
    h: dict[Any, Fraction] = {}
    free = [key for key in value if cost.get(key, 0) == 0]
    for key in free:
        h[key] = Fraction(1)
    ranked = sorted((key for key in value if cost.get(key, 0) > 0), key=lambda key: value[key] / cost[key], reverse=True)
    left = capacity
    for key in ranked:
        if left <= 0:
            break
        take = min(Fraction(1), left / cost[key])
        h[key] = take
        left -= take * cost[key]
    return h


# -- backend agreement ------------------------------------------------------------------------------

AGREEMENT_EVALS = 4000  # Z3 term evaluations in all (at least one point is always compared in full)


def _numeral(value: Any) -> Any:
    if z3.is_true(value):
        return True
    if z3.is_false(value):
        return False
    if z3.is_int_value(value):
        return Fraction(value.as_long())
    if z3.is_rational_value(value):
        return Fraction(value.numerator_as_long(), value.denominator_as_long())
    simplified = z3.simplify(value)
    if not simplified.eq(value):
        return _numeral(simplified)
    raise ValueError(f"{value} does not reduce to a constant at this point")


class _Substitution:
    """Z3 terms evaluated at one concrete point: a model that fixes every unknown the variant sees."""

    def __init__(self, enc: Encoding, alpha_terms: Sequence[Any], sym: Mapping[str, Any], x: Sequence[Fraction], alpha: Sequence[int]) -> None:
        solver = z3.Solver()
        solver.add(*[t == z3.RealVal(v) for t, v in zip(enc.x, x)])
        for name, terms in enc.symbols.items():
            solver.add(*[t == (z3.IntVal(int(v)) if z3.is_int(t) else z3.RealVal(Fraction(v))) for t, v in zip(terms, sym[name])])
        solver.add(*[t == z3.BoolVal(bool(a)) for t, a in zip(alpha_terms, alpha)])
        if solver.check() != z3.sat:
            raise ValueError("the point's values contradict each other")
        self.model = solver.model()
        self.evaluations = 0

    def __call__(self, value: Any) -> Any:
        self.evaluations += 1
        term = to_expr(value)
        if z3.is_true(term) or z3.is_false(term):
            return z3.is_true(term)
        return _numeral(self.model.eval(term, model_completion=True))

    def slot(self, slot: tuple[Any, Any]) -> Fraction | None:
        present, value = slot
        return Fraction(self(value)) if self(present) else None


def disagreement(enc: Encoding, variant: Variant, params: VariantParams, points: Sequence[tuple[dict[str, Any], list[Fraction], list[int]]],
                 prop: str = "any") -> str | None:
    """Where the Z3 terms of ``variant`` differ from its exact evaluation at one of ``points``, else None.

    Compares the noise marginals (for ``marginals``, the only thing that property uses) or the law of the
    classifier's input for g(x, α) and hide(x, α) (every other property); stops after
    :data:`AGREEMENT_EVALS` term evaluations, having compared at least the first point."""
    alpha_terms = enc.bits("alpha")  # the properties' own α unknowns: their terms are already built (memoized)
    noise = enc.noise()
    terms = hidden = None
    spent = 0
    for sym, x, alpha in points:
        if spent >= AGREEMENT_EVALS:
            break
        at = _Substitution(enc, alpha_terms, sym, x, alpha)
        where = f"symbols {_text(sym)}, x = {_text(x)}, α = {alpha}"
        if prop == "marginals":
            exact_marginals = noise_marginals(variant, params, sym)
            for i in range(params.n):
                z3_marginal = sum((w for w, s in noise if at(run_keeps(variant, enc.ops, s[i]))), Fraction(0))
                if z3_marginal != exact_marginals[i]:
                    return f"at {where}: feature {i} is kept with probability {z3_marginal} in the Z3 encoding but {exact_marginals[i]} exactly"
        else:
            if terms is None:
                terms = enc.input_terms(enc.x_slots, alpha_terms)
                hidden = enc.hidden(alpha_terms)
            z3_law: Law = {}
            for w, slots in terms:
                if w:
                    key = tuple(at.slot(slot) for slot in slots)
                    z3_law[key] = z3_law.get(key, Fraction(0)) + w
            exact_law = _law(variant, x, alpha, params, sym)
            if z3_law != exact_law:
                key = _first_difference(z3_law, exact_law)
                return f"at {where}: the classifier input {_text(key)} has weight {z3_law.get(key, 0)} in the Z3 encoding of g(x, α) but {exact_law.get(key, 0)} exactly"
            assert hidden is not None  # built with terms
            z3_hidden = [at.slot(slot) for slot in hidden]
            exact_hidden = hide_exact(variant, x, alpha, params, sym)
            if z3_hidden != list(exact_hidden):
                return f"at {where}: hide(x, α) is {_text(z3_hidden)} in the Z3 encoding but {_text(exact_hidden)} exactly"
        spent += at.evaluations
    return None


def agreement_points(variant: Variant, params: VariantParams, extra: Sequence[tuple[dict[str, Any], list[Fraction], list[int]]] = ()) -> list[tuple[dict[str, Any], list[Fraction], list[int]]]:
    """The (symbols, x, α) triples the agreement check compares: ``extra`` first, then for every sampled
    symbol assignment the distinct input fully shown (α = 1: every feature reaches the classifier) and the
    input with zeros under one of the sampled masks."""
    xs = sample_inputs(params.n)
    alphas = sample_alphas(params.n, random.Random(3))
    points = list(extra)
    for i, sym in enumerate(sample_points(variant, params)):
        points += [(sym, xs[0], [1] * params.n), (sym, xs[1], alphas[i % len(alphas)])]
    return points


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_text(v) for v in value) + ")"
    return "absent" if value is None else str(value)
