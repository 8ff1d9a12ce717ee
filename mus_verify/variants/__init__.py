"""Smoothing variants, defined once and run exactly, on torch and in Z3.

* :mod:`.base` — :class:`Variant` (noise, apply, hide), :class:`VariantParams`, symbol shapes;
* :mod:`.ops` — the backend interface a variant is written against, and its exact implementation;
* :mod:`.values` — the wrapped values a variant's code receives (they refuse Python truth values);
* :mod:`.guard` — the one boundary through which variant code is called on every backend: wrapped
  values that refuse Python truth values, validated noise (exact weights summing to 1) and slots,
  and user exceptions turned into an error naming the variant, the hook and the line (exit 2);
* :mod:`.exact` — the smoothed classifier of any variant in exact rationals (the judge);
* :mod:`.torch_backend` — the same definition on torch tensors (imports torch);
* :mod:`.builtin`, :mod:`.ramp` — the built-in variants;
* :mod:`.loader` — ``load_variant("mus" | "file.py:ATTR" | "package.module:ATTR")``.

The Z3 backend lives in :mod:`mus_verify.smt`. Nothing here imports torch or z3
on import.
"""

from __future__ import annotations

from .base import IntVector, RealVector, Variant, VariantParams, as_variant, make_params
from .exact import f_variant, hide_exact, noise_marginals, smooth_variant
from .loader import BUILTIN_VARIANTS, builtin_names, load_variant
from .ops import EXACT, ExactOps

__all__ = [
    "Variant",
    "VariantParams",
    "IntVector",
    "RealVector",
    "as_variant",
    "make_params",
    "smooth_variant",
    "f_variant",
    "hide_exact",
    "noise_marginals",
    "load_variant",
    "builtin_names",
    "BUILTIN_VARIANTS",
    "ExactOps",
    "EXACT",
]
