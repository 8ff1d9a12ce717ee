"""Prop. 3.4 / A.2: every coordinate of the noise keeps its feature with probability exactly λ.

Statement. For s ~ L_qv(λ) with λ = k/q and any seed vector v,
Pr[s_i = 1] = λ for every i. Thm 3.1 needs exactly this and nothing more (no
independence).

The one judge is :func:`off`: a marginal m (a numerator over ``scale``) away from
λ by more than ``slack``, compared in integers:
m · b ≠ a · scale (λ = a/b), as two one-sided comparisons so that Z3 sums,
Fractions, integer counts and floats (the gate's rates read from outputs,
``slack`` its dtype tolerance) all use it.

>>> from fractions import Fraction
>>> off(Fraction(1, 4), Fraction(1, 4)), off(3, Fraction(1, 4), scale=8), off(0.2500001, Fraction(1, 4), slack=1e-6)
(False, True, False)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Mapping

from ._values import Judgement

__all__ = ["NAME", "PAPER", "KINDS", "off", "MarginalWitness"]

NAME = "marginals"
PAPER = "Prop. 3.4 / A.2"
KINDS = ("marginal", "smt-marginals")


def off(marginal: Any, lam: Fraction, *, scale: Any = 1, slack: Any = 0) -> Any:
    """|marginal / scale − λ| > slack: the one judge of Prop. 3.4 (elementwise on arrays)."""
    kept, target = marginal * lam.denominator, lam.numerator * scale
    if isinstance(slack, int) and slack == 0:
        return (kept > target) | (target > kept)
    room = slack * lam.denominator * scale
    return (kept > target + room) | (target > kept + room)


@dataclass(frozen=True)
class MarginalWitness:
    """A coordinate whose marginal misses λ; ``to_data()`` is the ``marginal`` counterexample's data."""

    coordinate: int
    expected: Fraction
    actual: Fraction
    projected_distribution: Mapping[str, Any]
    distribution: str
    distribution_params: Mapping[str, Any]
    extra: Mapping[str, Any] = field(default_factory=dict)

    def judge(self) -> Judgement:
        return Judgement(bool(off(self.actual, self.expected)), -abs(self.actual - self.expected))

    def to_data(self) -> dict[str, Any]:
        return {
            "coordinate": self.coordinate,
            "expected": self.expected,
            "actual": self.actual,
            "projected_distribution": dict(self.projected_distribution),
            "distribution": self.distribution,
            "distribution_params": dict(self.distribution_params),
            **self.extra,
        }
