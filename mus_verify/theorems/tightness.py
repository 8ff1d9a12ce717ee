"""λ is the smallest valid Lipschitz constant of Thm 3.1: some classifier reaches it.

Statement. L* = sup over base classifiers with values in [0, 1], inputs x and
edges (α, α + e_i) of |g_c(x, α) − g_c(x, α + e_i)| equals λ: valid (L* <= λ,
Thm 3.1, judged by :func:`mus_verify.theorems.lipschitz.exceeds`) and not
lowerable (L* >= λ, judged here by :func:`short`). The sup over classifiers of
one edge is the total variation of the two masked-input laws; for MuS, L* is the
largest coordinate marginal.

>>> from fractions import Fraction
>>> short(Fraction(1, 8), Fraction(1, 4)), short(16, Fraction(1, 4), scale=64)
(True, False)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Mapping, Sequence

from . import lipschitz as _lipschitz
from ._values import Judgement

__all__ = ["NAME", "PAPER", "KINDS", "short", "too_large", "TightnessWitness"]

NAME = "tightness"
PAPER = "Thm 3.1 (tightness)"
KINDS = ("tightness",)


def short(largest: Any, lam: Fraction, *, scale: Any = 1) -> Any:
    """L* = largest / scale < λ: λ is not reached, so it is not the smallest constant (the one judge of this side)."""
    return largest * lam.denominator < lam.numerator * scale


def too_large(largest: Any, lam: Fraction, *, scale: Any = 1) -> Any:
    """L* > λ: λ is not valid at all (Thm 3.1's judge)."""
    return _lipschitz.exceeds(largest, lam, scale=scale)


@dataclass(frozen=True)
class TightnessWitness:
    """Every edge's TV is below λ; ``to_data()`` is the ``tightness`` counterexample's data."""

    variant: str
    x: Sequence[float]
    lam: Fraction
    max_tv: Fraction
    reached_at: Mapping[str, Any]
    edges: int
    distribution: Mapping[str, Any]
    extra: Mapping[str, Any] = field(default_factory=dict)

    def judge(self) -> Judgement:
        return Judgement(bool(short(self.max_tv, self.lam)), self.lam - self.max_tv)

    def to_data(self) -> dict[str, Any]:
        return {
            "variant": self.variant,
            "x": [float(v) for v in self.x],
            "lam": self.lam,
            "max_tv": self.max_tv,
            "reached_at": dict(self.reached_at),
            "edges": self.edges,
            "distribution": dict(self.distribution),
            **self.extra,
        }
