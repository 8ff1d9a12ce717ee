"""The boundary between mus_verify and a variant's code: values that cannot be used as Python bools.

A variant is run on three backends (exact rationals, torch tensors, Z3 terms)
and must compute the *same function* on each. Python control flow on a backend
value breaks that silently: ``if v == 0:`` on a Z3 term compares expression
trees (Z3's ``__bool__`` of an equality), so the prover would prove a different
variant from the one the exact judge evaluates. Every value a variant receives
is therefore wrapped, on every backend, in a :class:`Value` (a scalar) or a
:class:`Slot` (a classifier-input slot):

* arithmetic (``+ - * /`` with ``/`` exact rational division, ``%``) and
  comparisons (``< <= > >= == !=``) give new ``Value`` objects, as do ``&``,
  ``|``, ``~`` (``ops.and_``, ``ops.or_``, ``ops.not_``);
* ``bool(v)``, ``int(v)``, ``float(v)``, indexing with ``v`` and hashing raise
  :class:`BackendTruthValue`, which :func:`run_hook` turns into a
  :class:`VariantCodeError` naming the variant, the hook and the source line;
* slots support nothing but ``ops.value``, ``ops.is_present`` and ``ops.pick``.

Every call into a variant's code goes through the functions below, which also
turn any exception the code raises (and ``SystemExit``) into a
:class:`VariantCodeError` (an :class:`~mus_verify.errors.InvalidArgument`: exit
2), and validate what comes back: noise weights are non-negative rationals
summing to exactly 1, every noise vector has n scalar entries, ``apply`` and
``hide`` return n slots. The raw backends (:mod:`.ops`, :mod:`.torch_backend`,
:mod:`mus_verify.smt.ops_z3`) never see a wrapper.
"""

from __future__ import annotations

import contextlib
import linecache
import numbers
import os
import sys
import sysconfig
import traceback
from fractions import Fraction
from typing import Any, Iterator, Mapping, Sequence

from ..errors import InvalidArgument, MusVerifyError

__all__ = [
    "Value", "Slot", "GuardedOps", "BackendTruthValue", "VariantCodeError",
    "run_check", "run_symbols", "run_noise", "run_apply", "run_hide", "run_keeps", "run_reference_distribution",
]

_THIS_FILE = os.path.abspath(__file__)
_HINT = "use ops.where(c, a, b), ops.pick, ops.and_, ops.or_, ops.not_ instead of if/and/or/not on backend values"


class BackendTruthValue(TypeError):
    """A backend value was used where Python needs a concrete bool, int or float (raised inside variant code)."""

    def __init__(self, use: str, value: Any) -> None:
        frame = sys._getframe(1)  # walk out of this module to the code that asked for the conversion
        while frame is not None and os.path.abspath(frame.f_code.co_filename) == _THIS_FILE:
            frame = frame.f_back
        self.where = _location(frame.f_code.co_filename, frame.f_lineno) if frame is not None else "?"
        self.use = use
        self.expression = _short(repr(value))
        super().__init__(f"used the backend value {self.expression} as {use} at {self.where}; {_HINT}")


class VariantCodeError(InvalidArgument):
    """A variant's own code failed or misused a backend value; names the variant, the hook and the line."""

    def __init__(self, variant: Any, hook: str, backend: str, detail: str) -> None:
        self.hook = hook
        self.backend = backend
        super().__init__(
            "variant", getattr(variant, "name", repr(variant)),
            "variant code that runs unchanged on every backend (exact, torch, z3) through ops",
            f"its {hook}() on the {backend} backend {detail}",
        )


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
        raise BackendTruthValue(use, self._raw)

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
        raise BackendTruthValue("a Python bool (a slot: use ops.is_present(slot))", self._raw)

    def __eq__(self, other: Any) -> bool:  # type: ignore[override]
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


@contextlib.contextmanager
def _user_code(variant: Any, hook: str, backend: str) -> Iterator[None]:
    """Run a variant's hook: our own errors pass through, everything else names the variant, hook and line."""
    try:
        yield
    except MusVerifyError:
        raise
    except BackendTruthValue as exc:
        raise VariantCodeError(variant, hook, backend, str(exc)) from None
    except (Exception, SystemExit) as exc:
        raise VariantCodeError(variant, hook, backend, f"raised {type(exc).__name__}: {_short(str(exc), 300)}{_raised_at(exc)}") from exc


_PACKAGE_DIR = os.path.dirname(os.path.dirname(_THIS_FILE)) + os.sep
_LIBRARY_DIRS = tuple({sysconfig.get_paths()[key] + os.sep for key in ("stdlib", "platstdlib", "purelib", "platlib")})


def _raised_at(exc: BaseException) -> str:
    """The innermost frame of the variant's own code (not mus_verify's, z3's, torch's or the stdlib's);
    else the innermost frame outside this module."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.abspath(f.filename) != _THIS_FILE]
    own = [f for f in frames if not os.path.abspath(f.filename).startswith((_PACKAGE_DIR, *_LIBRARY_DIRS))]
    chosen = own or frames
    if not chosen:
        return ""
    last = chosen[-1]
    return f" at {_location(last.filename, last.lineno or 0)}"


def _wrap_symbols(sym: Mapping[str, Any], raw_ops: Any) -> dict[str, list[Value]]:
    return {name: [v if isinstance(v, Value) else Value(v, raw_ops) for v in values] for name, values in sym.items()}


def run_check(variant: Any, params: Any) -> None:
    with _user_code(variant, "check", "exact"):
        variant.check(params)


def run_symbols(variant: Any, params: Any) -> dict[str, Any]:
    with _user_code(variant, "symbols", "exact"):
        declared = dict(variant.symbols(params))
    from .base import IntVector, RealVector

    for name, shape in declared.items():
        if not isinstance(name, str) or not isinstance(shape, (IntVector, RealVector)):
            raise VariantCodeError(variant, "symbols", "exact", f"returned {name!r}: {shape!r}; expected names mapped to IntVector or RealVector")
    return declared


def run_reference_distribution(variant: Any, params: Any, sym: Mapping[str, Any]) -> Any:
    with _user_code(variant, "reference_distribution", "exact"):
        return variant.reference_distribution(params, sym)


def run_noise(variant: Any, raw_ops: Any, params: Any, sym: Mapping[str, Any]) -> list[tuple[Fraction, list[Any]]]:
    """The variant's noise on a raw backend, validated: (weight, s) pairs, rational weights >= 0 summing to 1."""
    ops = guarded(raw_ops)
    with _user_code(variant, "noise", raw_ops.name):
        terms = list(variant.noise(ops, params, _wrap_symbols(sym, raw_ops)))
        out: list[tuple[Fraction, list[Any]]] = []
        for r, term in enumerate(terms):
            weight, s = term  # noqa: a (weight, s) pair
            s = list(s)
            if len(s) != params.n:
                raise InvalidArgument(f"noise[{r}].s", f"{len(s)} entries", f"n = {params.n} noise entries", f"variant {variant.name}")
            out.append((_weight(variant, r, weight), [_scalar(v, f"noise[{r}].s[{i}]") for i, v in enumerate(s)]))
    if not out:
        raise InvalidArgument("noise", variant.name, "at least one (weight, s) pair")
    total = sum((w for w, _ in out), Fraction(0))
    if total != 1:
        raise InvalidArgument("noise weights", variant.name, "non-negative rational weights summing to exactly 1", f"they sum to {total}")
    return out


def _weight(variant: Any, r: int, weight: Any) -> Fraction:
    if isinstance(weight, (Value, Slot)):
        raise InvalidArgument(f"noise[{r}].weight", weight, "an exact rational constant (int or Fraction), not a backend value", f"variant {variant.name}")
    if isinstance(weight, bool) or not isinstance(weight, numbers.Rational):
        raise InvalidArgument(f"noise[{r}].weight", weight, "an exact rational (int or Fraction, e.g. Fraction(1, 3)); floats are refused", f"variant {variant.name}")
    value = Fraction(weight)
    if value < 0:
        raise InvalidArgument(f"noise[{r}].weight", value, "a non-negative rational", f"variant {variant.name}")
    return value


def _slots_out(variant: Any, hook: str, slots: Any, n: int) -> list[Any]:
    slots = list(slots)
    if len(slots) != n:
        raise InvalidArgument(hook, f"{len(slots)} slots", f"n = {n} input slots", f"variant {variant.name}")
    return [_slot(v, f"{hook}()[{i}]") for i, v in enumerate(slots)]


def run_apply(variant: Any, raw_ops: Any, x: Sequence[Any], alpha: Sequence[Any], s: Sequence[Any], params: Any, sym: Mapping[str, Any]) -> list[Any]:
    """``variant.apply`` on raw slots, α bits and noise entries; returns raw slots."""
    ops = guarded(raw_ops)
    with _user_code(variant, "apply", raw_ops.name):
        out = variant.apply(ops, [Slot(v) for v in x], [Value(a, raw_ops) for a in alpha], [Value(v, raw_ops) for v in s], params, _wrap_symbols(sym, raw_ops))
        return _slots_out(variant, "apply", out, params.n)


def run_hide(variant: Any, raw_ops: Any, x: Sequence[Any], alpha: Sequence[Any], params: Any, sym: Mapping[str, Any]) -> list[Any]:
    ops = guarded(raw_ops)
    with _user_code(variant, "hide", raw_ops.name):
        out = variant.hide(ops, [Slot(v) for v in x], [Value(a, raw_ops) for a in alpha], params, _wrap_symbols(sym, raw_ops))
        return _slots_out(variant, "hide", out, params.n)


def run_keeps(variant: Any, raw_ops: Any, s_i: Any) -> Any:
    ops = guarded(raw_ops)
    with _user_code(variant, "keeps", raw_ops.name):
        return _scalar(variant.keeps(ops, Value(s_i, raw_ops)), "keeps()")
