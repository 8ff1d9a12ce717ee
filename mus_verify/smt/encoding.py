"""A variant's smoothed classifier as Z3 terms, over every base classifier, input and seed vector.

Unknowns of one :class:`Encoding`:

* ``x_i`` — the input, one rational per feature (every x in Q^n is covered);
* the variant's symbols (``seed_vector_i`` integers in 0..q-1, ``baseline_i`` rationals, ...);
* the base classifier h, an uninterpreted function of the n input slots
  (present flag and value each). Average mode: m real outputs per input,
  constrained to the probability simplex at every input the encoding applies h
  to. Vote mode: one integer class in 0..m-1 per input (g then averages one-hot
  votes). Constraining h only where it is applied is exact: any values at the
  other inputs extend it to a classifier on all of Q^n.

``smoothed(x, α)`` builds ``g_c(x, α) = Σ_j w_j h_c(apply(x, α, s_j))`` with the
noise computed once per encoding, so both sides of a property see the same
seed vector. Functional consistency (equal inputs, equal outputs) is Z3's
congruence closure.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Iterable, Mapping, Sequence

import z3

from ..variants.base import IntVector, RealVector, Variant, VariantParams
from ..variants.guard import run_apply, run_hide, run_noise, run_symbols
from .ops_z3 import Z3Ops, to_expr

__all__ = ["Encoding", "model_value"]


def model_value(model: z3.ModelRef, term: Any) -> Any:
    """A model's value of ``term`` as a Python bool, int or exact Fraction."""
    value = model.eval(to_expr(term), model_completion=True)
    if z3.is_true(value):
        return True
    if z3.is_false(value):
        return False
    if z3.is_int_value(value):
        return value.as_long()
    if z3.is_rational_value(value):
        return Fraction(value.numerator_as_long(), value.denominator_as_long())
    raise ValueError(f"model value {value} of {term} is not a rational")


class Encoding:
    """Unknowns, the classifier and its constraints for one solver query."""

    def __init__(self, variant: Variant, params: VariantParams, classes: int, mode: str) -> None:
        self.variant = variant
        self.params = params
        self.classes = classes
        self.mode = mode
        self.ops = Z3Ops()
        # Facts about the domain (symbol bounds, classifier outputs in range), valid for every query, and
        # the current query's goal (the negated property); the prover scopes only the goal.
        self.background: list[z3.BoolRef] = []
        self.constraints: list[z3.BoolRef] = []
        self._simplified: dict[int, tuple[z3.ExprRef, z3.ExprRef]] = {}
        n = params.n
        self.x = [z3.Real(f"x_{i}") for i in range(n)]
        self.x_slots = [self.ops.present(xi) for xi in self.x]
        self.symbols: dict[str, list[z3.ExprRef]] = {}
        for name, shape in run_symbols(variant, params).items():
            if isinstance(shape, IntVector):
                terms = [z3.Int(f"{name}_{i}") for i in range(shape.length)]
                self.background += [z3.And(shape.low <= t, t <= shape.high) for t in terms]
            elif isinstance(shape, RealVector):
                terms = [z3.Real(f"{name}_{i}") for i in range(shape.length)]
            else:
                raise TypeError(f"unknown symbol shape {shape!r} for {name}")
            self.symbols[name] = terms
        # Presence flags are arguments only for variable-length variants; the others never produce absent slots.
        self.with_presence = bool(variant.variable_length)
        arg_sorts = ([z3.BoolSort()] * n if self.with_presence else []) + [z3.RealSort()] * n
        if mode == "vote":
            self._vote = z3.Function("h_class", *arg_sorts, z3.IntSort())
        else:
            self._outputs = [z3.Function(f"h_{c}", *arg_sorts, z3.RealSort()) for c in range(classes)]
        self._applied: dict[tuple[int, ...], list[z3.ArithRef]] = {}
        self._noise: list[tuple[Fraction, list[Any]]] | None = None
        self._other_noise: dict[int, list[tuple[Fraction, list[Any]]]] = {}

    # -- unknowns -----------------------------------------------------------------
    def bits(self, name: str) -> list[z3.BoolRef]:
        """n fresh Boolean unknowns (a mask α)."""
        return [z3.Bool(f"{name}_{i}") for i in range(self.params.n)]

    def noise(self) -> list[tuple[Fraction, list[Any]]]:
        if self._noise is None:
            # Validated like the exact path's noise: rational weights >= 0 summing to exactly 1, n scalars each.
            self._noise = run_noise(self.variant, self.ops, self.params, self.symbols)
        return self._noise

    # -- the classifier and the smoothed classifier -------------------------------------
    def _simplify(self, value: Any) -> z3.ExprRef:
        term = to_expr(value)
        hit = self._simplified.get(term.get_id())
        if hit is None:
            hit = (term, z3.simplify(term))  # keep term alive so its id stays unique
            self._simplified[term.get_id()] = hit
        return hit[1]

    def arguments(self, slots: Sequence[tuple[Any, Any]]) -> list[z3.ExprRef]:
        values = [self._simplify(v) for _, v in slots]
        if not self.with_presence:
            return values
        return [self._simplify(p) for p, _ in slots] + values

    def classify(self, slots: Sequence[tuple[Any, Any]]) -> list[z3.ArithRef]:
        """h(slots) as m real terms, adding the range constraints the first time an input term is seen."""
        args = self.arguments(slots)
        key = tuple(a.get_id() for a in args)
        if key not in self._applied:
            if self.mode == "vote":
                label = self._vote(*args)
                self.background.append(z3.And(0 <= label, label < self.classes))
                outputs = [z3.If(label == c, z3.RealVal(1), z3.RealVal(0)) for c in range(self.classes)]
            else:
                outputs = [h(*args) for h in self._outputs]
                self.background += [o >= 0 for o in outputs]
                self.background.append(z3.Sum(*outputs) == 1)
            self._applied[key] = outputs
        return self._applied[key]

    def smoothed(self, x_slots: Sequence[tuple[Any, Any]], alpha: Sequence[Any], variant: Variant | None = None) -> list[z3.ArithRef]:
        """g(x, α): one exact-weighted sum per class (``variant`` defaults to the encoded one; another
        variant, such as MuS for the ``reference`` property, shares this encoding's symbols and classifier)."""
        totals: list[Any] = [0] * self.classes
        for weight, inputs in self.input_terms(x_slots, alpha, variant):
            if weight == 0:
                continue
            outputs = self.classify(inputs)
            for c in range(self.classes):
                totals[c] = totals[c] + z3.RealVal(weight) * outputs[c]
        return [z3.simplify(to_expr(t)) if not isinstance(t, int) else z3.RealVal(t) for t in totals]

    def input_terms(self, x_slots: Sequence[tuple[Any, Any]], alpha: Sequence[Any], variant: Variant | None = None) -> list[tuple[Fraction, list[Any]]]:
        """The classifier's input for each noise term of g(x, α), as (weight, slots) pairs of terms."""
        variant = variant or self.variant
        if variant is self.variant:
            noise = self.noise()
        else:
            if id(variant) not in self._other_noise:
                self._other_noise[id(variant)] = run_noise(variant, self.ops, self.params, self.symbols)
            noise = self._other_noise[id(variant)]
        return [(weight, run_apply(variant, self.ops, list(x_slots), list(alpha), s, self.params, self.symbols)) for weight, s in noise]

    def hidden(self, alpha: Sequence[Any]) -> list[tuple[Any, Any]]:
        """hide(x, α) as slots."""
        return run_hide(self.variant, self.ops, list(self.x_slots), list(alpha), self.params, self.symbols)

    def ones(self) -> list[Any]:
        return [True] * self.params.n

    # -- reading a model back ---------------------------------------------------------
    def concrete_x(self, model: z3.ModelRef) -> list[Fraction]:
        return [model_value(model, xi) for xi in self.x]

    def concrete_symbols(self, model: z3.ModelRef) -> dict[str, list[Any]]:
        return {name: [model_value(model, t) for t in terms] for name, terms in self.symbols.items()}

    def concrete_bits(self, model: z3.ModelRef, bits: Iterable[Any]) -> list[int]:
        return [int(bool(model_value(model, b))) for b in bits]

    def classifier_at(self, model: z3.ModelRef, slot_input: Sequence[Fraction | None]) -> list[Fraction]:
        """The model's classifier output at one concrete input (None = absent slot)."""
        values = [z3.RealVal(Fraction(0) if v is None else Fraction(v)) for v in slot_input]
        args = ([z3.BoolVal(v is not None) for v in slot_input] if self.with_presence else []) + values
        if self.mode == "vote":
            label = model_value(model, self._vote(*args))
            return [Fraction(int(c == label)) for c in range(self.classes)]
        return [model_value(model, h(*args)) for h in self._outputs]

    def describe_size(self) -> Mapping[str, Any]:
        return {"applications": len(self._applied), "noise_terms": len(self.noise())}
