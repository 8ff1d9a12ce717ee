"""The Z3 backend of the variant interface (:mod:`mus_verify.variants.ops`).

Backend values are Z3 terms, with Python constants accepted wherever a term
is. Slots are ``(present: Bool, value: Real)`` pairs; an absent slot is the
canonical ``(False, 0)`` so that two equal input sequences are equal terms and
the classifier (an uninterpreted function) must give them equal outputs.

Products of an unknown and a table lookup (the ramp mask times x_i) are
distributed over the lookup's if-then-else chain so every constraint stays in
linear arithmetic.
"""

from __future__ import annotations

import numbers
from fractions import Fraction
from typing import Any, Callable, Sequence

import z3

__all__ = ["Z3Ops", "to_expr", "to_real"]


def to_expr(value: Any) -> z3.ExprRef:
    """A Python constant or Z3 term as a Z3 term (Fractions become exact rationals)."""
    if isinstance(value, z3.ExprRef):
        return value
    if isinstance(value, (bool, z3.BoolRef)):
        return z3.BoolVal(bool(value))
    if isinstance(value, numbers.Integral):
        return z3.IntVal(int(value))
    if isinstance(value, (Fraction, numbers.Rational, float)):
        return z3.RealVal(Fraction(value))
    raise TypeError(f"cannot use {value!r} ({type(value).__name__}) in a Z3 term")


def to_real(value: Any) -> z3.ArithRef:
    term = to_expr(value)
    if z3.is_int(term):
        return z3.ToReal(term)
    return term


def _is_ite(term: z3.ExprRef) -> bool:
    return z3.is_app_of(term, z3.Z3_OP_ITE)


def _distribute(term: z3.ExprRef) -> z3.ExprRef:
    """Push a product of one factor with an if-then-else chain into the chain: t * If(c, a, b) -> If(c, t*a, t*b)."""
    if not z3.is_app(term) or term.num_args() < 2:  # constants and variables: nothing to push (the common case)
        return term
    if z3.is_mul(term) and term.num_args() == 2:
        a, b = term.arg(0), term.arg(1)
        if _is_ite(b) and not _is_ite(a):
            a, b = b, a
        if _is_ite(a) and not _is_ite(b):
            condition, yes, no = a.children()
            return z3.If(condition, _distribute(yes * b), _distribute(no * b))
    if _is_ite(term):
        condition, yes, no = term.children()
        return z3.If(condition, _distribute(yes), _distribute(no))
    return term


def _key(value: Any) -> Any:
    if isinstance(value, z3.AstRef):
        return ("z", value.get_id())
    if isinstance(value, tuple):
        return ("t", tuple(_key(v) for v in value))
    return ("p", type(value).__name__, value)


def _memoized(method: Callable[..., Any]) -> Callable[..., Any]:
    """Cache a backend operation on the identity of its arguments.

    Z3 terms are immutable and hash-consed, so the same operation on the same
    terms gives the same term; the cache keeps the arguments alive so their ids
    cannot be reused. It turns the O(n) rebuilding of unchanged coordinates in
    every edge query into lookups.
    """

    def wrapper(self: "Z3Ops", *args: Any) -> Any:
        key = (method.__name__, tuple(_key(a) for a in args))
        hit = self._memo.get(key)
        if hit is None:
            hit = (method(self, *args), args)
            self._memo[key] = hit
        return hit[0]

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


class Z3Ops:
    """Z3 backend; see :mod:`mus_verify.variants.ops` for the contract."""

    name = "z3"

    def __init__(self) -> None:
        # Made per instance, not at import: every prove() builds its terms in a fresh Z3 context.
        self.true = z3.BoolVal(True)
        self.false = z3.BoolVal(False)
        self._memo: dict[Any, tuple[Any, Any]] = {}

    @staticmethod
    def const(value: Any) -> z3.ExprRef:
        return to_expr(value)

    @staticmethod
    def _bools(values: Sequence[Any]) -> list[Any]:
        return [v if isinstance(v, z3.ExprRef) else bool(v) for v in values]

    def _fold(self, bools: Sequence[Any], absorbing: bool, combine: Any) -> Any:
        """And (absorbing False) or Or (absorbing True) with constants folded away."""
        absorb, unit = (self.true, self.false) if absorbing else (self.false, self.true)
        is_absorbing = z3.is_true if absorbing else z3.is_false
        is_unit = z3.is_false if absorbing else z3.is_true
        terms = []
        for b in self._bools(bools):
            if b is absorbing:
                return absorb
            if b is not (not absorbing) and not is_unit(b):
                if is_absorbing(b):
                    return absorb
                terms.append(b)
        if not terms:
            return unit
        # Commutative: a canonical argument order makes And(a, b) and And(b, a) the same term, so
        # inputs that agree syntactically up to order are one classifier application.
        terms = sorted({t.get_id(): t for t in terms}.values(), key=lambda t: t.get_id())
        return terms[0] if len(terms) == 1 else combine(*terms)

    @_memoized
    def and_(self, *bools: Any) -> Any:
        return self._fold(bools, False, z3.And)

    @_memoized
    def or_(self, *bools: Any) -> Any:
        return self._fold(bools, True, z3.Or)

    @_memoized
    def not_(self, b: Any) -> Any:
        return z3.Not(b) if isinstance(b, z3.ExprRef) else z3.BoolVal(not bool(b))

    @staticmethod
    def eq(a: Any, b: Any) -> Any:
        if not isinstance(a, z3.ExprRef) and not isinstance(b, z3.ExprRef):
            return z3.BoolVal(bool(a == b))
        return to_expr(a) == to_expr(b)

    @_memoized
    def where(self, condition: Any, a: Any, b: Any) -> Any:
        if not isinstance(condition, z3.ExprRef):
            return a if bool(condition) else b
        if z3.is_true(condition):
            return a
        if z3.is_false(condition):
            return b
        return z3.If(condition, to_expr(a), to_expr(b))

    @staticmethod
    def mod(a: Any, m: int) -> Any:
        return a % int(m)

    def lookup(self, table: Sequence[Any], index: Any) -> Any:
        if not isinstance(index, z3.ExprRef):
            return table[int(index)]
        result = to_expr(table[-1])
        for v in range(len(table) - 2, -1, -1):
            result = z3.If(index == v, to_expr(table[v]), result)
        return result

    @staticmethod
    def count(bools: Sequence[Any]) -> Any:
        terms = [z3.If(b, 1, 0) if isinstance(b, z3.ExprRef) else int(bool(b)) for b in bools]
        symbolic = [t for t in terms if isinstance(t, z3.ExprRef)]
        constant = sum(t for t in terms if not isinstance(t, z3.ExprRef))
        if not symbolic:
            return constant
        return z3.Sum(*symbolic) + constant if constant else z3.Sum(*symbolic)

    @_memoized
    def present(self, value: Any) -> tuple[z3.BoolRef, z3.ArithRef]:
        return (self.true, z3.simplify(_distribute(to_real(value))))

    def absent(self) -> tuple[z3.BoolRef, z3.ArithRef]:
        return (self.false, z3.RealVal(0))

    @_memoized
    def pick(self, condition: Any, a: tuple[Any, Any], b: tuple[Any, Any]) -> tuple[Any, Any]:
        if not isinstance(condition, z3.ExprRef):
            return a if bool(condition) else b
        if z3.is_true(condition):
            return a
        if z3.is_false(condition):
            return b
        return (z3.simplify(z3.If(condition, a[0], b[0])), z3.simplify(z3.If(condition, a[1], b[1])))

    @staticmethod
    def value(slot: tuple[Any, Any]) -> Any:
        return slot[1]

    @staticmethod
    def is_present(slot: tuple[Any, Any]) -> Any:
        return slot[0]
