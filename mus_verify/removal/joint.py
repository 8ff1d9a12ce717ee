"""Finite joint distributions over rational points, and exact conditionals (conditional removal).

A :class:`FiniteJoint` is a list of distinct support points in Q^d with positive rational
probabilities summing to 1. Conditioning on x_S keeps the support points that agree with x on
S and renormalises: p(x_{S̄} | x_S) exactly. It is defined only where some support point
matches x_S (the notes' caveat for discrete support).

Assumption 3's constant is computed exactly as a square:
M² = max over S and support points x, x' with x_S ≠ x'_S of d_TV(p(·|x_S), p(·|x'_S))² / ‖x_S − x'_S‖².

>>> joint = FiniteJoint.from_data({"points": [[0, 0], [0, 1], [1, 1]], "probs": ["1/4", "1/4", "1/2"]})
>>> [str(p) for _, p in joint.conditional(0b01, (Fraction(0), Fraction(0)))]
['1/2', '1/2']
>>> joint.assumption3_squared()
Fraction(4, 9)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Mapping, Sequence

from .._validation import as_fraction
from ..errors import InvalidArgument
from .subsets import full

__all__ = ["FiniteJoint"]

Point = tuple[Fraction, ...]


@dataclass(frozen=True)
class FiniteJoint:
    points: tuple[Point, ...]
    probs: tuple[Fraction, ...]

    def __post_init__(self) -> None:
        if not self.points or len(self.points) != len(self.probs):
            raise InvalidArgument("points", len(self.points), f"a non-empty support with one probability each (got {len(self.probs)} probabilities)")
        if len({len(p) for p in self.points}) != 1:
            raise InvalidArgument("points", "(ragged)", "points of one dimension d")
        if len(set(self.points)) != len(self.points):
            raise InvalidArgument("points", "(repeated)", "distinct support points")
        if any(p <= 0 for p in self.probs) or sum(self.probs) != 1:
            raise InvalidArgument("probs", [str(p) for p in self.probs], "positive rationals summing to exactly 1")

    @property
    def d(self) -> int:
        return len(self.points[0])

    @staticmethod
    def from_data(data: Mapping[str, Any]) -> "FiniteJoint":
        points = tuple(tuple(as_fraction(v, "points") for v in p) for p in data["points"])
        return FiniteJoint(points, tuple(as_fraction(p, "probs") for p in data["probs"]))

    def to_data(self) -> dict[str, Any]:
        return {"points": [list(p) for p in self.points], "probs": list(self.probs)}

    def conditional(self, S: int, x: Sequence[Fraction]) -> list[tuple[Point, Fraction]]:
        """p(X | X_S = x_S) as (support point, probability) pairs; refused off the support's projection."""
        matches = [(p, q) for p, q in zip(self.points, self.probs) if all(p[i] == x[i] for i in range(self.d) if S >> i & 1)]
        if not matches:
            raise InvalidArgument("x", [str(v) for v in x], f"a point whose features {_names(S)} match some support point (conditional removal is undefined elsewhere)")
        total = sum((q for _, q in matches), Fraction(0))
        return [(p, q / total) for p, q in matches]

    def tv(self, S: int, x: Sequence[Fraction], x_prime: Sequence[Fraction]) -> Fraction:
        """d_TV(p(X_{S̄} | x_S), p(X_{S̄} | x'_S)) = ½ Σ |p − p'| over values of X_{S̄}."""
        rest = [i for i in range(self.d) if not S >> i & 1]
        law: dict[tuple[Fraction, ...], Fraction] = {}
        for p, q in self.conditional(S, x):
            key = tuple(p[i] for i in rest)
            law[key] = law.get(key, Fraction(0)) + q
        for p, q in self.conditional(S, x_prime):
            key = tuple(p[i] for i in rest)
            law[key] = law.get(key, Fraction(0)) - q
        return sum((abs(v) for v in law.values()), Fraction(0)) / 2

    def assumption3_squared(self) -> Fraction:
        """M² exactly: the largest d_TV² / ‖x_S − x'_S‖² over S and pairs of support points."""
        best = Fraction(0)
        for S in range(1, full(self.d)):  # S = ∅ and S = [d] condition on nothing / remove nothing
            for a, x in enumerate(self.points):
                for x_prime in self.points[a + 1:]:
                    distance = sum(((x[i] - x_prime[i]) ** 2 for i in range(self.d) if S >> i & 1), Fraction(0))
                    if distance:
                        tv = self.tv(S, x, x_prime)
                        best = max(best, tv * tv / distance)
        return best


def _names(S: int) -> str:
    return "{" + ", ".join(str(i) for i in range(S.bit_length()) if S >> i & 1) + "}"
