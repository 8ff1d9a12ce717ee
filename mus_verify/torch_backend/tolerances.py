"""Documented float tolerances of the fast path, per dtype, and the rigorous accumulation bound.

Two different kinds of float error meet in a fast MuS evaluation:

1. **The forward pass** of the base model in a low-precision dtype differs from
   the float64 forward of the same model on the same masked input. No rigorous
   bound exists for an arbitrary network, so :data:`PROBABILITY_ATOL` states a
   *documented* per-dtype tolerance on each class probability, which the
   differential harness (``mus-verify diff``) checks against the float64
   reference on every copy it evaluates. It is used twice:

   * a base vote is *undetermined* when the top-two margin of its class
     probabilities is at most ``2 * atol`` (the other dtype could flip it);
   * the guarded certificates (the default) treat undetermined votes as
     adversarial and subtract ``2 * atol`` from averaged gaps, so that a fast
     certificate is never larger than the float64 reference's whenever the
     tolerance holds.

2. **The accumulation** of the N per-copy probability vectors into g is done in
   float64 and *is* rigorously bounded (Higham, *Accuracy and Stability of
   Numerical Algorithms*, Lemma 3.1 and eq. 4.4): any order of summing N
   non-negative floats ``p_j`` (any binary tree, any number of chunks, atomics
   included) gives ``|ŝ - s| <= γ_{N-1} s`` with ``γ_k = k u / (1 - k u)`` and
   ``u = 2^-53``. Since ``s <= ŝ / (1 - γ_{N-1})``, the computable bound is
   :func:`accumulation_bound`. Products ``w * p`` of an integer mask weight
   ``w <= 2^29`` and a float32/bf16/fp16 probability are exact in float64.

>>> accumulation_bound(1.0, 64) < 2 ** -46
True
>>> PROBABILITY_ATOL["float32"]
0.0001
"""

from __future__ import annotations

from fractions import Fraction

__all__ = ["PROBABILITY_ATOL", "UNIT_ROUNDOFF_FLOAT64", "gamma", "accumulation_bound", "atol_for", "dtype_name"]

# Per-class tolerance on one base-model probability, fast dtype vs the float64
# forward of the same model on the same input. float32 accumulates ~1e-6 over a
# ViT-B forward in our measurements; 1e-4 leaves two orders of magnitude. bf16
# keeps 8 mantissa bits (relative 4e-3 per op), fp16 11 bits.
PROBABILITY_ATOL: dict[str, float] = {
    "float64": 1e-9,
    "float32": 1e-4,
    "float16": 2e-2,
    "bfloat16": 5e-2,
}

UNIT_ROUNDOFF_FLOAT64 = Fraction(1, 2**53)


def gamma(k: int, u: Fraction = UNIT_ROUNDOFF_FLOAT64) -> Fraction:
    """Higham's γ_k = k·u / (1 − k·u), exactly (requires k·u < 1)."""
    if k < 0 or k * u >= 1:
        raise ValueError(f"gamma needs 0 <= k*u < 1, got k={k}")
    return k * u / (1 - k * u)


def accumulation_bound(computed_sum: float, terms: int) -> Fraction:
    """Rigorous bound on |ŝ − s| for a float64 sum ŝ of ``terms`` non-negative floats.

    ``|ŝ − s| <= γ_{N−1} s <= γ_{N−1} ŝ / (1 − γ_{N−1})`` (exact rational).
    """
    g = gamma(max(terms - 1, 0))
    return g * Fraction(computed_sum) / (1 - g)


def dtype_name(dtype: object) -> str:
    """'float32' for torch.float32 (and for the string itself)."""
    return str(dtype).replace("torch.", "")


def atol_for(dtype: object) -> float:
    """The per-class probability tolerance of :data:`PROBABILITY_ATOL` for ``dtype``."""
    name = dtype_name(dtype)
    if name not in PROBABILITY_ATOL:
        raise KeyError(f"no documented tolerance for dtype {name!r}; known: {sorted(PROBABILITY_ATOL)}")
    return PROBABILITY_ATOL[name]
