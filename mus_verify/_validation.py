"""Argument checks shared by every public entry point.

Each function returns the validated value in canonical form or raises
:class:`~mus_verify.errors.InvalidArgument` naming the argument, its value and
the valid range. Nothing is repaired silently: λ is never floored to a multiple
of 1/q, α is never clamped, outputs are never renormalised.
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from .errors import InvalidArgument

# How far a row of float class probabilities may sum from 1, by dtype. The
# bound covers a softmax computed in that dtype over up to ~10^4 classes
# (error about m * eps / 2); anything further off is not a probability vector.
# Exact outputs (ints, Fractions) must sum to exactly 1.
PROBABILITY_SUM_ATOL: dict[str, float] = {
    "float64": 1e-9,
    "float32": 1e-4,
    "float16": 1e-2,
    "bfloat16": 1e-2,
}


def as_int(value: Any, argument: str, *, low: int | None = None, high: int | None = None) -> int:
    """An integer in [low, high]; bools and floats are refused (3.0 is not an int)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgument(argument, value, _int_range(low, high), "got a non-integer")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise InvalidArgument(argument, value, _int_range(low, high))
    return value


def _int_range(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"an integer in {low}..{high}"
    if low is not None:
        return f"an integer >= {low}"
    return "an integer"


def check_q(q: Any, argument: str = "q") -> int:
    """The quantisation parameter q: an integer >= 1 (number of structured masks)."""
    return as_int(q, argument, low=1)


def as_fraction(value: Any, argument: str) -> Fraction:
    """Exact rational from an int, Fraction, float (converted exactly) or 'a/b' / decimal string."""
    if isinstance(value, bool):
        raise InvalidArgument(argument, value, "a rational number such as 1/4")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, numbers.Integral):
        return Fraction(int(value))
    if isinstance(value, numbers.Real):
        if not math.isfinite(float(value)):
            raise InvalidArgument(argument, value, "a finite rational number such as 1/4")
        return Fraction(float(value))
    if isinstance(value, str):
        text = value.strip()
        exponent = _decimal_exponent(text)
        if exponent is not None and abs(exponent) > MAX_DECIMAL_EXPONENT:
            # Fraction("1e100000000") builds a 10^(10^8) integer: minutes of CPU for a typo
            raise InvalidArgument(argument, value, f"a rational number with a decimal exponent of at most {MAX_DECIMAL_EXPONENT} in size")
        try:
            return Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise InvalidArgument(argument, value, "a rational number written K/Q or as a decimal, such as 16/64") from None
    raise InvalidArgument(argument, value, "a rational number such as 1/4")


def as_probability(value: Any, argument: str) -> Fraction:
    """An exact rational in [0, 1] (a keep probability λ of i.i.d. noise), from anything :func:`as_fraction` takes.

    >>> as_probability("1/3", "lam")
    Fraction(1, 3)
    """
    p = as_fraction(value, argument)
    if not 0 <= p <= 1:
        raise InvalidArgument(argument, p, "a rational probability in [0, 1]")
    return p


MAX_DECIMAL_EXPONENT = 4000


def _decimal_exponent(text: str) -> int | None:
    head, sep, tail = text.lower().partition("e")
    if not sep:
        return None
    try:
        return int(tail)
    except ValueError:
        return None


def check_lambda(lam: Any, q: int, argument: str = "lam") -> Fraction:
    """λ = k/q with an integer k in 1..q, returned as an exact Fraction.

    The research code computes ``int(lam * q) / q``, which silently lowers λ
    (0.29 * 100 = 28.999... becomes 28/100) and turns λ < 1/q into 0; here
    anything that is not exactly k/q is an error that suggests the nearest
    valid values.

    >>> check_lambda("16/64", 64)
    Fraction(1, 4)
    >>> check_lambda(0.3, 64)
    Traceback (most recent call last):
      ...
    mus_verify.errors.InvalidArgument: lam=0.3 is invalid: expected λ = k/q, a multiple of 1/q = 1/64 in (0, 1] (k an integer in 1..64); nearest valid: 19/64, 20/64
    """
    q = check_q(q)
    value = as_fraction(lam, argument)
    valid = f"λ = k/q, a multiple of 1/q = 1/{q} in (0, 1] (k an integer in 1..{q})"
    shown = lam if not isinstance(lam, Fraction) else f"{lam.numerator}/{lam.denominator}"
    if value <= 0 or value > 1:
        raise InvalidArgument(argument, shown, valid)
    steps = value * q
    if steps.denominator != 1:
        low = max(1, math.floor(steps))
        high = min(q, math.ceil(steps))
        nearest = ", ".join(dict.fromkeys(f"{k}/{q}" for k in (low, high)))
        raise InvalidArgument(argument, shown, f"{valid}; nearest valid: {nearest}")
    return value


def lambda_steps(lam: Fraction, q: int) -> int:
    """k such that λ = k/q (λ already validated)."""
    steps = lam * q
    assert steps.denominator == 1
    return int(steps)


def q_from_lam(lam: str | Fraction | None) -> int | None:
    """The Q of a ``K/Q`` string (as written, not reduced: 2/8 gives 8), else None.

    >>> q_from_lam("2/8"), q_from_lam("0.25"), q_from_lam(None)
    (8, None, None)
    """
    if lam is None or isinstance(lam, Fraction):
        return None
    text = str(lam).strip()
    if "/" not in text:
        return None
    denominator = text.split("/", 1)[1].strip()
    return int(denominator) if denominator.isdigit() and int(denominator) > 0 else None


def resolve_q(q: int | None, lam: str | Fraction | None, *, argument: str = "--q") -> int | None:
    """``--q`` if given, else the denominator of ``--lam K/Q``; refuse a q that cannot carry λ.

    The one q-from-λ rule of every command and of the gate's settings (``cli._options`` re-exports it).
    ``--q 64 --lam 2/8`` is fine (2/8 = 16/64); ``--q 6 --lam 1/4`` is refused
    here with both values named, rather than later with a message about λ alone.
    """
    inferred = q_from_lam(lam)
    if q is None:
        return inferred
    if inferred is not None:
        value = Fraction(str(lam).strip())
        if (value * q).denominator != 1:
            raise InvalidArgument(
                argument, q, f"a q for which --lam {lam} is a multiple of 1/q (e.g. {inferred})",
                f"--lam {lam} was given with Q = {inferred}",
            )
    return q


def check_seed_vector(seed_vector: Any, q: int, n: int | None = None, argument: str = "seed_vector") -> tuple[int, ...]:
    """Integer seed vector v with entries in 0..q-1 (the paper's v times q)."""
    entries = _as_sequence(seed_vector, argument)
    if n is not None and len(entries) != n:
        raise InvalidArgument(argument, seed_vector, f"a sequence of n = {n} integers in 0..{q - 1}", f"got length {len(entries)}")
    if len(entries) == 0:
        raise InvalidArgument(argument, seed_vector, f"a non-empty sequence of integers in 0..{q - 1}")
    out = []
    for i, v in enumerate(entries):
        out.append(as_int(v, f"{argument}[{i}]", low=0, high=q - 1))
    return tuple(out)


def check_binary_vector(value: Any, n: int | None, argument: str) -> np.ndarray:
    """A 0/1 vector of length n as a read-only bool array; 0.5, 2, NaN or True/False mixes of floats are refused."""
    entries = _as_sequence(value, argument)
    if n is not None and len(entries) != n:
        raise InvalidArgument(argument, _shown(value), f"a 0/1 vector of length n = {n}", f"got length {len(entries)}")
    out = np.zeros(len(entries), dtype=bool)
    for i, v in enumerate(entries):
        if isinstance(v, (bool, np.bool_)):
            out[i] = bool(v)
        elif isinstance(v, numbers.Real) and v in (0, 1):  # 0, 1, 0.0, 1.0 are binary; 0.5 or NaN are not
            out[i] = v == 1
        else:
            raise InvalidArgument(f"{argument}[{i}]", v, "0 or 1 (masks are binary; nothing is clamped)")
    out.setflags(write=False)
    return out


def check_finite_array(value: Any, argument: str, *, ndim: int | None = None) -> np.ndarray:
    """A real array with no NaN or inf (object arrays of ints/Fractions allowed for exact inputs)."""
    try:
        array = np.asarray(value)
    except Exception as exc:  # ragged input and the like
        raise InvalidArgument(argument, _shown(value), "a rectangular array of real numbers", str(exc)) from None
    if ndim is not None and array.ndim != ndim:
        raise InvalidArgument(argument, _shown(value), f"an array with {ndim} dimension(s)", f"got shape {array.shape}")
    if array.dtype == object:
        for index, v in np.ndenumerate(array):
            if isinstance(v, bool) or not isinstance(v, (numbers.Rational, float)):
                raise InvalidArgument(f"{argument}{list(index)}", v, "a real number")
            if isinstance(v, float) and not math.isfinite(v):
                raise InvalidArgument(f"{argument}{list(index)}", v, "a finite real number (no NaN or inf)")
        return array
    if array.dtype.kind not in "iuf":
        raise InvalidArgument(argument, _shown(value), "an array of real numbers", f"got dtype {array.dtype}")
    if array.dtype.kind == "f":
        bad = np.argwhere(~np.isfinite(array))
        if bad.size:
            index = tuple(int(i) for i in bad[0])
            raise InvalidArgument(f"{argument}{list(index)}", array[index], "a finite real number (no NaN or inf)")
    return array


def check_probabilities(outputs: Any, rows: int, argument: str = "h(x)") -> tuple[np.ndarray, str]:
    """Validate a (rows, m) array of class probabilities; returns it and the dtype name used for the tolerance.

    Every entry must lie in [0, 1] exactly (the theorems need it: raw logits
    break them), and each row must sum to 1 within ``PROBABILITY_SUM_ATOL`` for
    its dtype, or exactly for exact outputs. Rows are never renormalised.
    """
    dtype_name = _dtype_name(outputs)
    array = check_finite_array(_to_numpy(outputs), argument, ndim=2)
    if array.shape[0] != rows:
        raise InvalidArgument(argument, f"array of shape {array.shape}", f"one row per input, {rows} rows", "the classifier returned the wrong number of rows")
    if array.shape[1] < 1:
        raise InvalidArgument(argument, f"array of shape {array.shape}", "at least one class column")
    exact = array.dtype == object or array.dtype.kind in "iu"
    for index, v in np.ndenumerate(array):
        if not (0 <= v <= 1):
            raise InvalidArgument(f"{argument}{list(index)}", v, "a class probability in [0, 1] (apply softmax; logits are outside the theorem)")
    if exact:
        for r in range(array.shape[0]):
            total = sum(Fraction(v) for v in array[r])
            if total != 1:
                raise InvalidArgument(f"{argument}[{r}]", list(array[r]), "a row summing to exactly 1 (exact outputs)", f"sums to {total}")
    else:
        atol = PROBABILITY_SUM_ATOL.get(dtype_name, PROBABILITY_SUM_ATOL["float64"])
        sums = array.astype(np.float64).sum(axis=1)
        off = np.abs(sums - 1.0)
        if np.any(off > atol):
            r = int(np.argmax(off))
            raise InvalidArgument(f"{argument}[{r}]", array[r].tolist(), f"a row summing to 1 within {atol:g} for {dtype_name}", f"sums to {sums[r]!r}")
    return array, dtype_name


def _to_numpy(outputs: Any) -> Any:
    # torch tensors (and anything with .detach/.cpu) become numpy without importing torch here.
    if hasattr(outputs, "detach") and hasattr(outputs, "cpu"):
        tensor = outputs.detach().cpu()
        if str(tensor.dtype) == "torch.bfloat16":
            tensor = tensor.float()  # bf16 -> f32 is exact
        return tensor.numpy()
    return outputs


def _dtype_name(outputs: Any) -> str:
    dtype = getattr(outputs, "dtype", None)
    if dtype is None:
        return "float64"
    return str(dtype).replace("torch.", "")


def _as_sequence(value: Any, argument: str) -> Sequence[Any]:
    if isinstance(value, (str, bytes, set, frozenset, dict)) or not hasattr(value, "__len__") or not hasattr(value, "__getitem__"):
        raise InvalidArgument(argument, value, "a sequence (list, tuple or 1-D array)")
    if isinstance(value, np.ndarray) and value.ndim != 1:
        raise InvalidArgument(argument, _shown(value), "a one-dimensional sequence", f"got shape {value.shape}")
    return list(value.tolist() if isinstance(value, np.ndarray) else value)


def _shown(value: Any) -> Any:
    return value.tolist() if isinstance(value, np.ndarray) else value
