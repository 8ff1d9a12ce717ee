"""Exact cooperative games v_S = f(x_S) under feature removal (paper §2, "Feature removal").

f(x_S) = E_{q(X_{S̄})}[f(x_S, X_{S̄})] for three choices of q:

* :class:`Baseline` — a point mass at b: f(x_S) = f(x_S, b_{S̄});
* :class:`Marginal` — a finite weighted background {(z_k, w_k)}: f(x_S) = Σ_k w_k f(x_S, z_{k,S̄});
* :class:`Conditional` — a :class:`~.joint.FiniteJoint`: f(x_S) = E[f(x_S, X_{S̄}) | X_S = x_S].

Each removal exposes the hybrid points it queries (:meth:`hybrids`, point and weight), so
Lemma B1's Q_{x_S}(X') and the sup of f − f' over the queried points are exact too.

>>> from .models import Linear
>>> f = Linear((Fraction(1), Fraction(2)))
>>> game(f, (Fraction(1), Fraction(1)), Baseline((Fraction(0), Fraction(0))))
(Fraction(0, 1), Fraction(1, 1), Fraction(2, 1), Fraction(3, 1))
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Mapping, Sequence, Union

from .._validation import as_fraction
from ..errors import InvalidArgument
from .joint import FiniteJoint

__all__ = ["Baseline", "Marginal", "Conditional", "Removal", "game", "hybrid", "removal_from_spec"]

Point = tuple[Fraction, ...]
Model = Callable[[Sequence[Fraction]], Fraction]


def hybrid(x: Sequence[Fraction], z: Sequence[Fraction], S: int) -> Point:
    """(x_S, z_{S̄}): x on the features in S, z elsewhere."""
    return tuple(x[i] if S >> i & 1 else z[i] for i in range(len(x)))


@dataclass(frozen=True)
class Baseline:
    b: Point
    kind = "baseline"

    def hybrids(self, x: Sequence[Fraction], S: int) -> list[tuple[Point, Fraction]]:
        return [(hybrid(x, self.b, S), Fraction(1))]

    def spec(self) -> dict[str, Any]:
        return {"kind": "baseline", "b": list(self.b)}


@dataclass(frozen=True)
class Marginal:
    """Marginal removal over a finite background with positive rational weights summing to 1."""

    background: tuple[Point, ...]
    weights: tuple[Fraction, ...]
    kind = "marginal"

    def __post_init__(self) -> None:
        if not self.background or len(self.background) != len(self.weights) or any(w <= 0 for w in self.weights) or sum(self.weights) != 1:
            raise InvalidArgument("weights", [str(w) for w in self.weights], "one positive rational weight per background point, summing to exactly 1")

    def hybrids(self, x: Sequence[Fraction], S: int) -> list[tuple[Point, Fraction]]:
        return [(hybrid(x, z, S), w) for z, w in zip(self.background, self.weights)]

    def spec(self) -> dict[str, Any]:
        return {"kind": "marginal", "background": [list(z) for z in self.background], "weights": list(self.weights)}


@dataclass(frozen=True)
class Conditional:
    joint: FiniteJoint
    kind = "conditional"

    def hybrids(self, x: Sequence[Fraction], S: int) -> list[tuple[Point, Fraction]]:
        return [(hybrid(x, z, S), q) for z, q in self.joint.conditional(S, x)]

    def spec(self) -> dict[str, Any]:
        return {"kind": "conditional", **self.joint.to_data()}


Removal = Union[Baseline, Marginal, Conditional]


def game(f: Model, x: Sequence[Fraction], removal: Removal) -> tuple[Fraction, ...]:
    """v with v[S] = f(x_S) for every bitmask S, exactly."""
    d = len(x)
    cache: dict[Point, Fraction] = {}

    def value(point: Point) -> Fraction:
        if point not in cache:
            cache[point] = f(point)
        return cache[point]

    return tuple(sum((q * value(p) for p, q in removal.hybrids(x, S)), Fraction(0)) for S in range(1 << d))


def removal_from_spec(spec: Mapping[str, Any]) -> Removal:
    kind = spec.get("kind")

    def point(values: Sequence[Any]) -> Point:
        return tuple(as_fraction(v, kind or "removal") for v in values)

    if kind == "baseline":
        return Baseline(point(spec["b"]))
    if kind == "marginal":
        return Marginal(tuple(point(z) for z in spec["background"]), tuple(as_fraction(w, "weights") for w in spec["weights"]))
    if kind == "conditional":
        return Conditional(FiniteJoint.from_data(spec))
    raise InvalidArgument("removal", kind, "one of baseline, marginal, conditional")
