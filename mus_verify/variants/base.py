"""What a smoothing variant is: noise, how (x, α, s) becomes the classifier's input, how an explanation hides.

A variant is written **once** against a small backend interface ``ops`` (see
:mod:`mus_verify.variants.ops`) and then runs on exact rationals (the judge),
on torch tensors and on Z3 terms (the prover). It has three parts:

* ``noise(ops, params, sym)`` — a finite distribution: a list of
  ``(weight, s)`` pairs, exact rational weights summing to 1 and ``s`` a list
  of n backend scalars (bools for binary masks, rationals for a float ramp).
  It may depend on *symbolic parameters* ``sym`` declared by
  ``symbols(params)`` (the seed vector of L_qv, a baseline vector): the prover
  quantifies over every value, the exact reference takes concrete ones.
* ``apply(ops, x, alpha, s, params, sym)`` — the base classifier's input for
  noise ``s``: a list of *slots* (``ops.present(value)`` or ``ops.absent()``;
  absent slots are how token dropping shows the classifier fewer inputs).
* ``hide(ops, x, alpha, params, sym)`` — how an explanation α is applied to an
  input (``x ⊙ α`` for MuS); masking equivalence is ``g(hide(x, α), 1) = g(x, α)``.

The smoothed classifier is then ``g(x, α) = Σ_j w_j h(apply(x, α, s_j))`` and
``f(x) = g(x, 1)`` (paper eq. (2)-(3)). A user's variant is any object with
``name``, ``noise`` and optionally the other hooks (defaults: zero masking,
binary noise, no symbols); subclassing :class:`Variant` is the easy way.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Mapping, Sequence

from .._validation import as_fraction, as_int, check_lambda, check_q, lambda_steps
from ..errors import InvalidArgument

__all__ = ["Variant", "VariantParams", "IntVector", "RealVector", "Symbol", "as_variant", "make_params"]


@dataclass(frozen=True)
class VariantParams:
    """One size: n features (mask bits), q (quantisation) and λ (exact). ``k = λq`` when λ is a multiple of 1/q."""

    n: int
    q: int
    lam: Fraction

    @property
    def k(self) -> int:
        """λ = k/q; refused when λ is not a multiple of 1/q."""
        return lambda_steps(check_lambda(self.lam, self.q), self.q)

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "q": self.q, "lam": self.lam}


def make_params(n: Any, q: Any, lam: Any, *, quantized: bool = True, argument: str = "lam") -> VariantParams:
    """Validated :class:`VariantParams`; λ must be exactly k/q for quantized variants, any rational in (0, 1] otherwise."""
    n = as_int(n, "n", low=1)
    q = check_q(q)
    if quantized:
        value = check_lambda(lam, q, argument)
    else:
        value = as_fraction(lam, argument)
        if not 0 < value <= 1:
            raise InvalidArgument(argument, lam, "a rational λ in (0, 1]")
    return VariantParams(n, q, value)


@dataclass(frozen=True)
class IntVector:
    """A symbolic vector of ``length`` integers in ``low..high`` (e.g. the L_qv seed vector, 0..q-1)."""

    length: int
    low: int
    high: int

    def check(self, value: Any, argument: str) -> tuple[int, ...]:
        entries = list(value)
        if len(entries) != self.length:
            raise InvalidArgument(argument, value, f"{self.length} integers in {self.low}..{self.high}")
        return tuple(as_int(v, f"{argument}[{i}]", low=self.low, high=self.high) for i, v in enumerate(entries))


@dataclass(frozen=True)
class RealVector:
    """A symbolic vector of ``length`` rationals (e.g. a baseline replacing hidden features)."""

    length: int

    def check(self, value: Any, argument: str) -> tuple[Fraction, ...]:
        entries = list(value)
        if len(entries) != self.length:
            raise InvalidArgument(argument, value, f"{self.length} rational numbers")
        return tuple(as_fraction(v, f"{argument}[{i}]") for i, v in enumerate(entries))


Symbol = IntVector | RealVector


class Variant:
    """Base class of smoothing variants; override ``noise`` and whatever differs from MuS.

    Attributes: ``name`` (CLI name), ``summary`` (one line), ``quantized``
    (True when the noise is built from λ = k/q, so λ must be a multiple of
    1/q), ``variable_length`` (True when ``apply`` can return absent slots).
    """

    name: str = "variant"
    summary: str = ""
    quantized: bool = True
    variable_length: bool = False

    def check(self, params: VariantParams) -> None:
        """Raise InvalidArgument when the variant is undefined at this size (default: λ = k/q when quantized)."""
        if self.quantized:
            check_lambda(params.lam, params.q)

    def symbols(self, params: VariantParams) -> Mapping[str, Symbol]:
        """Symbolic parameters of the noise (name -> shape); the prover quantifies over all their values."""
        return {}

    def noise(self, ops: Any, params: VariantParams, sym: Mapping[str, Any]) -> Sequence[tuple[Fraction, Sequence[Any]]]:
        """The finite noise distribution: (exact weight, s) pairs, s a list of n backend scalars."""
        raise NotImplementedError

    def keeps(self, ops: Any, s_i: Any) -> Any:
        """Whether noise value ``s_i`` lets feature i through (default: binary noise, s_i itself)."""
        return s_i

    def apply(self, ops: Any, x: Sequence[Any], alpha: Sequence[Any], s: Sequence[Any], params: VariantParams, sym: Mapping[str, Any]) -> list[Any]:
        """Classifier input for noise s (default MuS: x_i where α_i ∧ s_i, else 0)."""
        zero = ops.present(ops.const(0))
        return [ops.pick(ops.and_(a, self.keeps(ops, si)), xi, zero) for xi, a, si in zip(x, alpha, s)]

    def hide(self, ops: Any, x: Sequence[Any], alpha: Sequence[Any], params: VariantParams, sym: Mapping[str, Any]) -> list[Any]:
        """How an explanation α is applied to x (default x ⊙ α: hidden features become 0)."""
        zero = ops.present(ops.const(0))
        return [ops.pick(a, xi, zero) for xi, a in zip(x, alpha)]

    def reference_distribution(self, params: VariantParams, sym: Mapping[str, Any]) -> Any:
        """A :class:`~mus_verify.distributions.MaskDistribution` when g is exactly MuS smoothing with it
        (zero masking, binary noise), so the judge can use :func:`mus_verify.smoothing.smooth`; else None."""
        return None

    def __repr__(self) -> str:
        return f"<variant {self.name}>"


class _DuckVariant(Variant):
    """A user's plain object (not a Variant subclass): its hooks, with Variant's defaults for the missing ones."""

    def __init__(self, obj: Any) -> None:
        self._obj = obj
        try:  # reading a user's attributes runs user code (properties): its failure names the object, exit 2
            self.name = str(getattr(obj, "name", type(obj).__name__))
            self.summary = str(getattr(obj, "summary", ""))
            self.quantized = bool(getattr(obj, "quantized", True))
            self.variable_length = bool(getattr(obj, "variable_length", False))
            hooks = {hook: getattr(obj, hook, None) for hook in ("check", "symbols", "noise", "keeps", "apply", "hide", "reference_distribution")}
        except Exception as exc:
            raise InvalidArgument("variant", type(obj).__name__, "an object whose attributes can be read",
                                  f"reading them raised {type(exc).__name__}: {exc}") from exc
        for hook, method in hooks.items():
            if callable(method):
                setattr(self, hook, method)


def as_variant(obj: Any, argument: str = "variant") -> Variant:
    """``obj`` as a :class:`Variant`: a subclass instance as is, a duck-typed object wrapped with defaults."""
    if isinstance(obj, Variant):
        return obj
    if isinstance(obj, type):
        raise InvalidArgument(argument, obj, "a variant object (an instance), not a class", "instantiate it: VARIANT = MyVariant()")
    if not callable(getattr(obj, "noise", None)):
        raise InvalidArgument(argument, obj, "an object with a noise(ops, params, sym) method (see mus_verify.variants.Variant)")
    return _DuckVariant(obj)
