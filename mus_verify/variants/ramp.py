"""The research code's mask: a float32 clamped ramp instead of an integer comparison.

The published MuS code computes, in float32 (torch's default dtype)::

    lambd  = int(lambd * q) / q                       # Python floats: may lose a step
    v      = randint(0, q, (n,)) / q                  # seed entries v_i / q
    s_base = (arange(q) + 0.5) / q
    t      = (v + s_base).remainder(1.0)              # (q, n)
    s      = (2 * q * relu(lambd - t)).clamp(0, 1)    # "Equivalent to: s = (t <= lambd)"
    x_in   = x * (alpha * s)

and skips the noise entirely when ``|lambd - 1| < 0.5/q``. In exact
arithmetic the ramp is 1 below λ and 0 above, but in float32 the kept entries
can be 0.99998 instead of 1 when q is not a power of two, and
``int(lambd * q)`` floors λ = 15/22 to 14/22 (double rounding of 15/22 * 22).

This variant evaluates exactly what that code feeds the classifier: each mask
entry is the float32 value the code computes, converted exactly to a Fraction
(:func:`ramp_table`), and the product ``x * (alpha * s)`` is taken in exact
arithmetic. A test checks the table bit for bit against torch.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Mapping, Sequence

import numpy as np

from .base import IntVector, Variant, VariantParams

__all__ = ["Ramp", "ramp_table", "research_lambda"]


def research_lambda(lam: Fraction, q: int) -> float:
    """λ as the research code uses it: ``int(float(λ) * q) / q`` in Python doubles."""
    return int(float(lam) * q) / q


def ramp_table(q: int, lam: Fraction) -> list[list[Fraction]]:
    """``table[v][j]``: the float32 ramp value of mask j for a seed entry v (integers 0..q-1), exactly.

    Returns None-free rationals in [0, 1]; ``table[v][j] > 0`` iff the
    research code keeps the feature in mask j.
    """
    lam_f = np.float32(research_lambda(lam, q))  # the Python float is cast to float32 by torch's scalar rule
    q32 = np.float32(q)
    v = np.arange(q, dtype=np.float32) / q32
    base = (np.arange(q, dtype=np.float32) + np.float32(0.5)) / q32
    t = np.remainder(v[:, None] + base[None, :], np.float32(1.0))
    ramp = np.clip(np.float32(2 * q) * np.maximum(lam_f - t, np.float32(0.0)), np.float32(0.0), np.float32(1.0))
    assert ramp.dtype == np.float32
    return [[Fraction(float(value)) for value in row] for row in ramp]


class Ramp(Variant):
    """MuS as the research code computes it (float32 clamped ramp, floored λ), evaluated exactly."""

    name = "ramp"
    summary = "the research code's float32 clamped-ramp mask 2q·relu(λ - t) clamped to [0, 1], with λ floored to int(λq)/q"

    def symbols(self, params: VariantParams) -> Mapping[str, Any]:
        return {"seed_vector": IntVector(params.n, 0, params.q - 1)}

    def skips_noise(self, params: VariantParams) -> bool:
        """The research code's shortcut: no noise at all when |λ - 1| < 1/(2q)."""
        return abs(research_lambda(params.lam, params.q) - 1.0) < 0.5 / params.q

    def noise(self, ops: Any, params: VariantParams, sym: Mapping[str, Any]) -> list[tuple[Fraction, list[Any]]]:
        if self.skips_noise(params):
            return [(Fraction(1), [ops.const(Fraction(1))] * params.n)]
        q = params.q
        table = ramp_table(q, params.lam)
        columns = [[ops.const(table[v][j]) for v in range(q)] for j in range(q)]
        return [(Fraction(1, q), [ops.lookup(columns[j], v) for v in sym["seed_vector"]]) for j in range(q)]

    def keeps(self, ops: Any, s_i: Any) -> Any:
        return s_i > 0

    def apply(self, ops: Any, x: Sequence[Any], alpha: Sequence[Any], s: Sequence[Any], params: VariantParams, sym: Mapping[str, Any]) -> list[Any]:
        zero = ops.present(ops.const(0))
        return [ops.pick(a, ops.present(ops.value(xi) * si), zero) for xi, a, si in zip(x, alpha, s)]
