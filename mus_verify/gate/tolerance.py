"""Float tolerances of the gate, by the implementation's working dtype.

The gate's own base classifiers return multiples of 1/16 (exact in every
float dtype), so an implementation's output differs from the exact average
only by its own rounding: at most one rounding per addition of the q terms
and one for the division. The tolerance is

    atol = 4 · max(q, 4) · eps(dtype)

where ``dtype`` is the *working dtype*: the least precise of the dtype the
implementation returns, the dtypes it passes to the base classifier, and the
precision its outputs really carry, judged from the output values alone, so the
same arithmetic gets the same tolerance whatever dtype it is handed back in
(see :func:`precision_of`): float64 outputs that are all float32 numbers, and
not all multiples of 2^-24, were computed in float32 and cast up; float32 or
float64 outputs that are all float16 numbers, and not all multiples of the
grain an exact average would have (:func:`exact_grain`), were computed in
float16, once the same implementation has been seen averaging in float16
(:func:`float16_average_seen`) and as long as it has returned nothing but
float16 numbers (a float64 implementation's dyadic outputs are exact, not
rounded: the subject remembers both). For q = 64:

=========  ==========  ============
dtype      eps         atol (q=64)
=========  ==========  ============
float64    2.2e-16     5.7e-14
float32    1.2e-7      3.1e-5
float16    9.8e-4      0.25
bfloat16   7.8e-3      2.0
=========  ==========  ============

Every discrepancy the gate looks for is at least 1/(q·16) (a keep rate off by
one mask, a class probability moved by one vote of one mask), which float64
and float32 resolve with a wide margin; half-precision implementations are
only checked for gross errors. Exact quantities never use a tolerance: the
masked inputs shown to the base (compared value by value in the working
dtype), keep counts, seed use and certified radii (integers).
"""

from __future__ import annotations

from typing import Any, Iterable

from ..core.tolerances import MACHINE_EPS, averaging_atol, dtype_name

__all__ = ["EPS", "working_dtype", "precision_of", "exact_grain", "float16_numbers", "float16_average_seen", "atol", "describe"]

EPS = MACHINE_EPS  # the one table: mus_verify.core.tolerances (unknown or non-float dtypes count as float64)


def working_dtype(dtypes: Iterable[str]) -> str:
    """The least precise float dtype among ``dtypes`` (float64 when none is a float dtype).

    >>> working_dtype(["float64", "float32"])
    'float32'
    """
    worst = "float64"
    for name in dtypes:
        name = dtype_name(name)
        if name in EPS and EPS[name] > EPS[worst]:
            worst = name
    return worst


def float16_numbers(values: Any) -> bool:
    """Whether every (finite) value is exactly a float16 number.

    >>> import numpy as np
    >>> float16_numbers(np.array([0.25, 0.5])), float16_numbers(np.array([1 / 3]))
    (True, False)
    """
    import numpy as np

    array = np.asarray(values, dtype=np.float64)
    array = array[np.isfinite(array)]
    return bool(np.array_equal(array.astype(np.float16).astype(np.float64), array))


def float16_average_seen(output: Any, base_outputs: Any) -> bool:
    """Evidence of float16 averaging: ``output`` (B, m) is made of float16 numbers and is within float16
    rounding of the float64 means of ``base_outputs`` (the R = B·N rows the base answered, taken
    input-major or copy-major), which are not.

    A float64 implementation never gives this (its output is the mean itself, or a weighted mean that
    is no float16 rounding of it), so only then are its other float16-valued outputs judged as float16.

    >>> import numpy as np
    >>> rows = np.array([[0.25, 0.75], [0.5, 0.5], [1.0, 0.0]])
    >>> float16_average_seen(rows.mean(axis=0).astype(np.float16)[None], rows), float16_average_seen(rows.mean(axis=0)[None], rows)
    (True, False)
    """
    import numpy as np

    output = np.asarray(output, dtype=np.float64)
    output = output.reshape(1, -1) if output.ndim == 1 else output
    base_outputs = np.asarray(base_outputs, dtype=np.float64)
    b, m = output.shape
    if base_outputs.ndim != 2 or base_outputs.shape[1] != m or base_outputs.shape[0] % b or not np.all(np.isfinite(output)):
        return False
    if not float16_numbers(output):
        return False
    n_rows = base_outputs.shape[0] // b
    for mean in (base_outputs.reshape(b, n_rows, m).mean(axis=1), base_outputs.reshape(n_rows, b, m).mean(axis=0)):
        if not float16_numbers(mean) and np.abs(output - mean).max() <= atol("float16", n_rows):
            return True
    return False


def exact_grain(resolution: int | None, q: int) -> float:
    """The spacing of every dyadic value an exact average of q outputs k/R can take.

    An exact (float64) average c/(R·q), q = 2^a·o with o odd, is a dyadic number only
    when o divides c, and then it is a multiple of 1/(R·2^a). Classifiers with float
    outputs (``resolution`` None) are given R = 16. Used by :func:`precision_of`.

    >>> exact_grain(16, 22) == 1 / 32
    True
    """
    r = 16 if resolution is None else int(resolution)
    q = max(int(q), 1)
    return 1.0 / (r * (q & -q))


def precision_of(values: Any, declared: str, grain: float | None = None) -> str:
    """The precision values really carry, judged from the values whatever dtype they are handed back in.

    * float16: float32/float64 outputs that are all float16 numbers and not all multiples of ``grain``
      (:func:`exact_grain`: every float16 number an exact computation can produce is one), so the
      float16 average the implementation computed is judged as float16 whether it returns it as
      float16, float32 or float64. Without ``grain`` float16 is never inferred.
    * float32: float64 outputs that are all float32 numbers, not all multiples of 2^-24.

    >>> import numpy as np
    >>> precision_of(np.array([1 / 3]), "float64"), precision_of(np.array([np.float32(1 / 3)], dtype=np.float64), "float64")
    ('float64', 'float32')
    >>> precision_of(np.array([np.float16(1 / 3)], dtype=np.float64), "float64", grain=1 / 16)
    'float16'
    >>> precision_of(np.array([0.25, 0.75]), "float64", grain=1 / 16)  # exactly what float64 gives
    'float64'
    """
    import numpy as np

    array = np.asarray(values, dtype=np.float64)
    if declared not in ("float64", "float32") or array.size == 0 or not np.all(np.isfinite(array)):
        return declared
    if grain is not None and np.array_equal(array.astype(np.float16).astype(np.float64), array):
        scaled = array / grain
        if not np.array_equal(scaled, np.round(scaled)):
            return "float16"
    if declared != "float64":
        return declared
    for lower in ("float16", "float32"):
        if np.array_equal(array.astype(lower).astype(np.float64), array):
            # A multiple of 2^-24 is a float16 and (down to 2^-24) a float32 number whatever computed it:
            # such outputs say nothing about precision (the gate's pattern tables average to dyadics like
            # k/4096). Lower only when some value has bits below 2^-24, which float64 rounding leaves and
            # a float32 computation cannot; so float64 outputs are never taken for float16.
            return declared if np.array_equal(array * 2**24, np.round(array * 2**24)) else lower
    return declared


def atol(dtype: str, terms: int) -> float:
    """Absolute tolerance for an average of ``terms`` values computed in ``dtype``
    (:func:`mus_verify.core.tolerances.averaging_atol`).

    >>> atol("float64", 64) == 4 * 64 * 2.0**-52
    True
    """
    return averaging_atol(dtype, terms)


def describe(dtype: str, terms: int) -> str:
    return f"{atol(dtype, terms):.2g} ({dtype}, {terms} terms)"
