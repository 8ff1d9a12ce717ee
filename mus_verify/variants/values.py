"""The values a variant's code receives: backend scalars and slots that refuse Python truth values.

A variant runs on three backends (exact rationals, torch tensors, Z3 terms) and
must compute the *same function* on each. Python control flow on a backend
value breaks that silently: ``if v == 0:`` on a Z3 term compares expression
trees (Z3's ``__bool__`` of an equality), so the prover would prove a different
variant from the one the exact judge evaluates. So every value a variant
receives is wrapped, on every backend, in a :class:`Value` (a scalar) or a
:class:`Slot` (a classifier-input slot):

* arithmetic (``+ - * /`` with ``/`` exact rational division, ``%``) and
  comparisons (``< <= > >= == !=``) give new ``Value`` objects, as do ``&``,
  ``|``, ``~`` (``ops.and_``, ``ops.or_``, ``ops.not_``);
* ``bool(v)``, ``int(v)``, ``float(v)``, indexing with ``v`` and hashing raise
  :class:`BackendTruthValue`, naming the source line that asked;
* slots support nothing but ``ops.value``, ``ops.is_present`` and ``ops.pick``.

:class:`GuardedOps` is the ``ops`` the variant sees: the raw backend behind the
wrappers. :mod:`.guard` is what calls variant code with them.
"""

from __future__ import annotations

import linecache
import numbers
import os
import sys
from fractions import Fraction
from types import FrameType
from typing import Any, Sequence

from ..errors import BackendTruthValue  # defined in errors.py; re-exported here

__all__ = ["Value", "Slot", "GuardedOps", "BackendTruthValue", "truth_value_error", "guarded"]

_THIS_FILE = os.path.abspath(__file__)


def truth_value_error(use: str, value: Any) -> BackendTruthValue:
    """The :class:`~mus_verify.errors.BackendTruthValue` for ``value`` used as ``use``, naming the variant's line.

    The line is the first frame outside this module: the variant code that asked for the conversion.
    """
    frame: FrameType | None = sys._getframe(1)  # walk out of this module to the code that asked for the conversion
    while frame is not None and os.path.abspath(frame.f_code.co_filename) == _THIS_FILE:
        frame = frame.f_back
    where = _location(frame.f_code.co_filename, frame.f_lineno) if frame is not None else "?"
    return BackendTruthValue(use, _short(repr(value)), where)


def _location(filename: str, lineno: int) -> str:
    text = linecache.getline(filename, lineno).strip()
    return f"{filename}:{lineno}: `{text}`" if text else f"{filename}:{lineno}"


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_z3(value: Any) -> bool:
    return type(value).__module__.startswith("z3")


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("torch")


class Value:
    """A backend scalar handed to a variant: arithmetic and comparisons work, Python truth values do not."""

    __slots__ = ("_raw", "_ops")

    def __init__(self, raw: Any, ops: Any) -> None:
        self._raw = raw
        self._ops = ops

    def _refuse(self, use: str) -> Any:
        raise truth_value_error(use, self._raw)

    def __bool__(self) -> bool:
        return self._refuse("a Python bool (if/and/or/not/while, assert, all/any)")

    def __index__(self) -> int:
        return self._refuse("a Python int (an index, range(), int())")

    def __int__(self) -> int:
        return self._refuse("a Python int")

    def __float__(self) -> float:
        return self._refuse("a Python float")

    def __hash__(self) -> int:
        return self._refuse("a dict key or set member")

    def __repr__(self) -> str:
        return f"<{self._ops.name} value {_short(repr(self._raw))}>"

    def _lift(self, other: Any) -> Any:
        if isinstance(other, Slot):
            raise TypeError("a slot is not a number: use ops.value(slot)")
        other = other._raw if isinstance(other, Value) else other
        if isinstance(other, float) and not (_is_z3(self._raw) or _is_tensor(self._raw)):
            other = Fraction(other)  # the exact backend stays exact (Z3 converts floats exactly too)
        return other

    def _wrap(self, raw: Any) -> "Value":
        return Value(raw, self._ops)

    def __add__(self, other: Any) -> "Value":
        return self._wrap(self._raw + self._lift(other))

    def __radd__(self, other: Any) -> "Value":
        return self._wrap(self._lift(other) + self._raw)

    def __sub__(self, other: Any) -> "Value":
        return self._wrap(self._raw - self._lift(other))

    def __rsub__(self, other: Any) -> "Value":
        return self._wrap(self._lift(other) - self._raw)

    def __mul__(self, other: Any) -> "Value":
        return self._wrap(self._raw * self._lift(other))

    def __rmul__(self, other: Any) -> "Value":
        return self._wrap(self._lift(other) * self._raw)

    def __truediv__(self, other: Any) -> "Value":
        return self._wrap(_divide(self._raw, self._lift(other)))

    def __rtruediv__(self, other: Any) -> "Value":
        return self._wrap(_divide(self._lift(other), self._raw))

    def __mod__(self, other: Any) -> "Value":
        return self._wrap(self._raw % self._lift(other))

    def __neg__(self) -> "Value":
        return self._wrap(-self._raw)

    def __pos__(self) -> "Value":
        return self

    def __lt__(self, other: Any) -> "Value":
        return self._wrap(self._raw < self._lift(other))

    def __le__(self, other: Any) -> "Value":
        return self._wrap(self._raw <= self._lift(other))

    def __gt__(self, other: Any) -> "Value":
        return self._wrap(self._raw > self._lift(other))

    def __ge__(self, other: Any) -> "Value":
        return self._wrap(self._raw >= self._lift(other))

    def __eq__(self, other: Any) -> "Value":  # type: ignore[override]
        return self._wrap(self._ops.eq(self._raw, self._lift(other)))

    def __ne__(self, other: Any) -> "Value":  # type: ignore[override]
        return self._wrap(self._ops.not_(self._ops.eq(self._raw, self._lift(other))))

    def __and__(self, other: Any) -> "Value":
        return self._wrap(self._ops.and_(self._raw, self._lift(other)))

    __rand__ = __and__

    def __or__(self, other: Any) -> "Value":
        return self._wrap(self._ops.or_(self._raw, self._lift(other)))

    __ror__ = __or__

    def __invert__(self) -> "Value":
        return self._wrap(self._ops.not_(self._raw))


def _divide(a: Any, b: Any) -> Any:
    """Rational division on every backend (Python's int / int would be a float, Z3's an integer division)."""
    if _is_z3(a) or _is_z3(b):
        import z3

        def real(t: Any) -> Any:
            t = t if isinstance(t, z3.ExprRef) else z3.RealVal(Fraction(t))
            return z3.ToReal(t) if z3.is_int(t) else t

        return real(a) / real(b)
    if _is_tensor(a) or _is_tensor(b):
        return a / b
    return Fraction(a) / Fraction(b)


class Slot:
    """A classifier-input slot handed to a variant: only ops.value, ops.is_present and ops.pick use it."""

    __slots__ = ("_raw",)

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def __bool__(self) -> bool:
        raise truth_value_error("a Python bool (a slot: use ops.is_present(slot))", self._raw)

    def __eq__(self, other: Any) -> bool:
        raise TypeError("slots cannot be compared: compare ops.value(slot) or ops.is_present(slot)")

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<slot {_short(repr(self._raw))}>"


def _scalar(value: Any, what: str) -> Any:
    if isinstance(value, Value):
        return value._raw
    if isinstance(value, Slot):
        raise TypeError(f"{what} must be a scalar, got a slot: use ops.value(slot) or ops.is_present(slot)")
    if value is None or isinstance(value, (str, bytes, list, tuple, dict, set)):
        raise TypeError(f"{what} must be a backend scalar or a Python number/bool, got {type(value).__name__} {_short(repr(value))}")
    return value


def _slot(value: Any, what: str) -> Any:
    if not isinstance(value, Slot):
        raise TypeError(f"{what} must be a slot made by ops.present, ops.absent or ops.pick, got {_short(repr(value))}")
    return value._raw


class GuardedOps:
    """The ops a variant sees: a raw backend behind the wrappers (see :mod:`.ops` for the contract)."""

    def __init__(self, raw: Any) -> None:
        self._raw_ops = raw
        self.name = raw.name
        self.true = Value(raw.true, raw)
        self.false = Value(raw.false, raw)

    def _v(self, raw: Any) -> Value:
        return Value(raw, self._raw_ops)

    def const(self, value: Any) -> Value:
        if isinstance(value, Value):
            return value
        return self._v(self._raw_ops.const(_scalar(value, "ops.const's argument")))

    def and_(self, *bools: Any) -> Value:
        return self._v(self._raw_ops.and_(*[_scalar(b, "ops.and_'s argument") for b in bools]))

    def or_(self, *bools: Any) -> Value:
        return self._v(self._raw_ops.or_(*[_scalar(b, "ops.or_'s argument") for b in bools]))

    def not_(self, b: Any) -> Value:
        return self._v(self._raw_ops.not_(_scalar(b, "ops.not_'s argument")))

    def eq(self, a: Any, b: Any) -> Value:
        return self._v(self._raw_ops.eq(_scalar(a, "ops.eq's argument"), _scalar(b, "ops.eq's argument")))

    def where(self, condition: Any, a: Any, b: Any) -> Value:
        return self._v(self._raw_ops.where(_scalar(condition, "ops.where's condition"), _scalar(a, "ops.where's value (use ops.pick for slots)"), _scalar(b, "ops.where's value (use ops.pick for slots)")))

    def mod(self, a: Any, m: int) -> Value:
        if isinstance(m, (Value, Slot)) or not isinstance(m, numbers.Integral) or m <= 0:
            raise TypeError(f"ops.mod's modulus must be a Python int > 0, got {_short(repr(m))}")
        return self._v(self._raw_ops.mod(_scalar(a, "ops.mod's argument"), int(m)))

    def lookup(self, table: Sequence[Any], index: Any) -> Value:
        return self._v(self._raw_ops.lookup([_scalar(t, "ops.lookup's table entry") for t in table], _scalar(index, "ops.lookup's index")))

    def count(self, bools: Sequence[Any]) -> Value:
        return self._v(self._raw_ops.count([_scalar(b, "ops.count's entry") for b in bools]))

    def present(self, value: Any) -> Slot:
        return Slot(self._raw_ops.present(_scalar(value, "ops.present's value")))

    def absent(self) -> Slot:
        return Slot(self._raw_ops.absent())

    def pick(self, condition: Any, a: Any, b: Any) -> Slot:
        return Slot(self._raw_ops.pick(_scalar(condition, "ops.pick's condition"), _slot(a, "ops.pick's first slot"), _slot(b, "ops.pick's second slot")))

    def value(self, slot: Any) -> Value:
        return self._v(self._raw_ops.value(_slot(slot, "ops.value's argument")))

    def is_present(self, slot: Any) -> Value:
        return self._v(self._raw_ops.is_present(_slot(slot, "ops.is_present's argument")))


def guarded(raw_ops: Any) -> GuardedOps:
    return GuardedOps(raw_ops)  # cheap; not cached, so no backend (and no Z3 context) is kept alive


