"""Every float tolerance of the package, per dtype, side by side: one table per kind of float error.

Exact quantities (masks, keep and vote counts, certified radii, Fractions) never use a tolerance. Floats
enter in a few documented places, each with its own table here, so a reader can compare them and no
module invents another:

=========================  ======================================================  =========================
table                      what it bounds                                          used by
=========================  ======================================================  =========================
``PROBABILITY_SUM_ATOL``   ``|Σ_c p_c − 1|`` of one row of class probabilities       argument checks, torch
                           (a softmax in that dtype over up to ~10^4 classes)      evaluators
``PROBABILITY_ATOL``       ``|p_c − p64_c|`` per class: a fast-dtype forward vs     torch_backend (certify,
                           the float64 forward of the same model and input         recheck, diff, cascade)
``LOGIT_RTOL``             the same per logit, relative to ``max(1, max_c |z_c|)``   torch_backend
``MACHINE_EPS``            unit spacing at 1 (``2^-(p-1)``); :func:`averaging_atol`  the gate
                           = ``4·max(terms, 4)·eps``: an average of ``terms``
                           values each rounded once
``ATTRIBUTION_RTOL``       a library attribution vs the exact value, relative to    removal/libraries
                           ``max(1, max|φ|)``
=========================  ======================================================  =========================

``PROBABILITY_SUM_ATOL`` is defined in :mod:`mus_verify._validation` (the argument checks sit below the core
and need it) and re-exported here; every other table is defined here. Nothing in this module imports torch:
dtypes are handled by name (:func:`dtype_name`).

>>> PROBABILITY_ATOL["float32"], LOGIT_RTOL["float32"], PROBABILITY_SUM_ATOL["float32"]
(0.0001, 0.0001, 0.0001)
>>> averaging_atol("float64", 64) == 4 * 64 * 2.0**-52
True
>>> dtype_name("torch.bfloat16")
'bfloat16'
"""

from __future__ import annotations

from .._validation import PROBABILITY_SUM_ATOL

__all__ = [
    "PRECISIONS",
    "PROBABILITY_SUM_ATOL",
    "PROBABILITY_ATOL",
    "LOGIT_RTOL",
    "SOFTMAX_ATOL",
    "MACHINE_EPS",
    "ATTRIBUTION_RTOL",
    "averaging_atol",
    "dtype_name",
]

PRECISIONS = ("bfloat16", "float16", "float32", "float64")
"""The floating dtypes with a documented tolerance, narrowest first (8, 11, 24, 53 significand bits)."""

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

# Per-logit tolerance, relative to max(1, max_c |z_c|) of the same output row: the forward's rounding
# error scales with the size of the numbers it handles (u = 1.1e-16, 6e-8, 4.9e-4, 3.9e-3).
LOGIT_RTOL: dict[str, float] = {
    "float64": 1e-9,
    "float32": 1e-4,
    "float16": 1e-2,
    "bfloat16": 5e-2,
}

# The softmax runs in float64 on the (exactly up-cast) logits; its own rounding is far below this.
SOFTMAX_ATOL = 1e-12

# Spacing of the floats at 1 (2^-(significand bits - 1)): the relative size of one rounding, doubled.
MACHINE_EPS: dict[str, float] = {"float64": 2.0**-52, "float32": 2.0**-23, "float16": 2.0**-10, "bfloat16": 2.0**-7}

# Library attributions (shap, captum) vs the exact value, relative to max(1, max|φ|), by the dtype the
# library returns. float64: the 1e-9 (observed deviations are ~1e-15); float32: unit roundoff
# 6e-8 times the ≲ 100 accumulations of a d ≤ 10 run, with margin. Other dtypes are refused, not judged.
ATTRIBUTION_RTOL: dict[str, float] = {"float64": 1e-9, "float32": 1e-5}


def dtype_name(dtype: object) -> str:
    """'float32' for torch.float32, numpy's float32 dtype or the string itself."""
    return str(dtype).replace("torch.", "")


def averaging_atol(dtype: str, terms: int) -> float:
    """Absolute tolerance for an average of ``terms`` values in [0, 1] computed in ``dtype``.

    One rounding per addition and one for the division, with a factor 4 of margin:
    ``4 · max(terms, 4) · eps(dtype)``. Unknown or non-float dtypes are judged as float64 (integer
    outputs are exact).
    """
    return 4.0 * max(int(terms), 4) * MACHINE_EPS.get(dtype, MACHINE_EPS["float64"])
