"""The one boundary through which mus_verify calls a variant's code, on every backend.

Every hook call (``check``, ``symbols``, ``noise``, ``apply``, ``hide``,
``keeps``, ``reference_distribution``) goes through the ``run_*`` functions
below. They hand the variant :mod:`.values` wrappers (so a backend value used
as a Python bool fails the same way on the exact, torch and Z3 backends), turn
any exception the code raises (and ``SystemExit``) into a
:class:`VariantCodeError` (an :class:`~mus_verify.errors.InvalidArgument`: exit
2) naming the variant, the hook, the backend and the variant's own source
line, and validate what comes back: noise weights are non-negative exact
rationals summing to exactly 1, every noise vector has n scalar entries,
``apply`` and ``hide`` return n slots. The raw backends (:mod:`.ops`,
:mod:`.torch_backend`, :mod:`mus_verify.smt.ops_z3`) never see a wrapper.
"""

from __future__ import annotations

import contextlib
import numbers
import os
import sysconfig
import traceback
from fractions import Fraction
from typing import Any, Iterator, Mapping, Sequence

from ..errors import InvalidArgument, MusVerifyError, VariantCodeError  # VariantCodeError: defined in errors.py, re-exported here
from .values import BackendTruthValue, GuardedOps, Slot, Value, _location, _scalar, _short, _slot, guarded

__all__ = [
    "Value", "Slot", "GuardedOps", "BackendTruthValue", "VariantCodeError",
    "run_check", "run_symbols", "run_noise", "run_apply", "run_hide", "run_keeps", "run_reference_distribution",
]

_THIS_FILE = os.path.abspath(__file__)


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
