"""Exact model families f: Q^d → Q whose Lipschitz constant L (ℓ2) and bound B are known exactly.

Every model is rebuilt from a JSON-able spec (:func:`from_spec`), so counterexamples replay
from numbers alone. ``lipschitz_squared`` is L² (exact for linear, clipped linear and
max-affine; a sound upper bound for ReLU nets, see :class:`ReluNet`); ``bound`` is B with
|f| ≤ B on all of R^d, or None when f is unbounded.

====================  =========================================  ==========================
family                f(x)                                       L² (ℓ2)
====================  =========================================  ==========================
linear                β·x + c                                    ‖β‖²
clipped linear        min(hi, max(lo, β·x + c))                  ‖β‖² (≤; exact if lo < hi)
max-affine            max_k (a_k·x + c_k)                        max_k ‖a_k‖²
ReLU net              W_L relu(... relu(W_1 x + b_1)) + b_L       ≤ Π_l bound(‖W_l‖_2²)
bumps                 base(x) + Σ_k ε_k max(0, 1 − ‖x − c_k‖_1/r)  (model perturbations)
====================  =========================================  ==========================

>>> f = from_spec({"kind": "max_affine", "a": [[1, 0], [0, -1]], "c": [0, 1]})
>>> f((Fraction(2), Fraction(3))), f.lipschitz_squared
(Fraction(2, 1), Fraction(1, 1))
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Mapping, Sequence

from .._validation import as_fraction
from ..errors import InvalidArgument

__all__ = ["ExactModel", "Linear", "ClippedLinear", "MaxAffine", "ReluNet", "Bumped", "from_spec", "spectral_squared_upper"]

Point = Sequence[Fraction]


def _vector(values: Sequence[Any], argument: str) -> tuple[Fraction, ...]:
    return tuple(as_fraction(v, argument) for v in values)


def _dot(a: Sequence[Fraction], x: Point) -> Fraction:
    return sum((ai * xi for ai, xi in zip(a, x) if ai), Fraction(0))


class ExactModel:
    """Base class: ``__call__(x) -> Fraction``, ``d``, ``lipschitz_squared``, ``bound``, ``spec()``."""

    d: int
    lipschitz_squared: Fraction
    lipschitz_exact: bool = True
    bound: Fraction | None = None

    def __call__(self, x: Point) -> Fraction:  # pragma: no cover - abstract
        raise NotImplementedError

    def spec(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class Linear(ExactModel):
    beta: tuple[Fraction, ...]
    c: Fraction = Fraction(0)

    @property
    def d(self) -> int:  # type: ignore[override]
        return len(self.beta)

    @property
    def lipschitz_squared(self) -> Fraction:  # type: ignore[override]
        return sum((b * b for b in self.beta), Fraction(0))

    def __call__(self, x: Point) -> Fraction:
        return _dot(self.beta, x) + self.c

    def spec(self) -> dict[str, Any]:
        return {"kind": "linear", "beta": list(self.beta), "c": self.c}


@dataclass(frozen=True)
class ClippedLinear(ExactModel):
    """A hard-sigmoid stand-in for the logistic: bounded by B = max(|lo|, |hi|)."""

    beta: tuple[Fraction, ...]
    c: Fraction
    lo: Fraction
    hi: Fraction

    @property
    def d(self) -> int:  # type: ignore[override]
        return len(self.beta)

    @property
    def lipschitz_squared(self) -> Fraction:  # type: ignore[override]
        return sum((b * b for b in self.beta), Fraction(0))

    @property
    def bound(self) -> Fraction:  # type: ignore[override]
        return max(abs(self.lo), abs(self.hi))

    def __call__(self, x: Point) -> Fraction:
        return min(self.hi, max(self.lo, _dot(self.beta, x) + self.c))

    def spec(self) -> dict[str, Any]:
        return {"kind": "clipped_linear", "beta": list(self.beta), "c": self.c, "lo": self.lo, "hi": self.hi}


@dataclass(frozen=True)
class MaxAffine(ExactModel):
    """Convex piecewise-linear f = max_k (a_k·x + c_k); its exact ℓ2 constant is max_k ‖a_k‖_2."""

    a: tuple[tuple[Fraction, ...], ...]
    c: tuple[Fraction, ...]

    @property
    def d(self) -> int:  # type: ignore[override]
        return len(self.a[0])

    @property
    def lipschitz_squared(self) -> Fraction:  # type: ignore[override]
        return max(sum((x * x for x in row), Fraction(0)) for row in self.a)

    def __call__(self, x: Point) -> Fraction:
        return max(_dot(row, x) + ck for row, ck in zip(self.a, self.c))

    def spec(self) -> dict[str, Any]:
        return {"kind": "max_affine", "a": [list(r) for r in self.a], "c": list(self.c)}


def spectral_squared_upper(matrix: Sequence[Sequence[Fraction]]) -> Fraction:
    """A rational upper bound on ‖W‖_2² = λ_max(W Wᵀ): the smaller of the Frobenius norm² and
    the Gershgorin bound max_i Σ_j |(W Wᵀ)_{ij}| (both are ≥ λ_max for a PSD matrix)."""
    rows = [list(r) for r in matrix]
    frobenius = sum((x * x for r in rows for x in r), Fraction(0))
    gram = [[sum((a * b for a, b in zip(ri, rj)), Fraction(0)) for rj in rows] for ri in rows]
    gershgorin = max(sum((abs(x) for x in row), Fraction(0)) for row in gram)
    return min(frobenius, gershgorin)


@dataclass(frozen=True)
class ReluNet(ExactModel):
    """A scalar ReLU network with rational weights. ReLU is 1-Lipschitz, so
    L ≤ Π_l ‖W_l‖_2 and L² ≤ Π_l spectral_squared_upper(W_l): sound, not exact."""

    weights: tuple[tuple[tuple[Fraction, ...], ...], ...]
    biases: tuple[tuple[Fraction, ...], ...]
    lipschitz_exact = False

    @property
    def d(self) -> int:  # type: ignore[override]
        return len(self.weights[0][0])

    @property
    def lipschitz_squared(self) -> Fraction:  # type: ignore[override]
        product = Fraction(1)
        for w in self.weights:
            product *= spectral_squared_upper(w)
        return product

    def __call__(self, x: Point) -> Fraction:
        h = list(x)
        for layer, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = [_dot(row, h) + bi for row, bi in zip(w, b)]
            if layer < len(self.weights) - 1:
                h = [max(Fraction(0), v) for v in h]
        return h[0]

    def spec(self) -> dict[str, Any]:
        return {"kind": "relu_net", "weights": [[list(r) for r in w] for w in self.weights], "biases": [list(b) for b in self.biases]}


@dataclass(frozen=True)
class Bumped(ExactModel):
    """f'(x) = base(x) + shift + Σ_k ε_k · max(0, 1 − ‖x − c_k‖_1 / r): a model perturbation.

    With pairwise ℓ1 distances between the centres ≥ 2r the tents have disjoint supports and
    each tent takes every value in [0, 1], so ‖f' − base‖_∞ = max(|shift|, max_k |shift + ε_k|)
    exactly (:attr:`perturbation_sup`). The Lipschitz constant is not tracked (Theorem 2 does not
    use it)."""

    base: ExactModel
    centres: tuple[tuple[Fraction, ...], ...]
    eps: tuple[Fraction, ...]
    radius: Fraction
    shift: Fraction = Fraction(0)

    def __post_init__(self) -> None:
        if self.radius <= 0:
            raise InvalidArgument("radius", self.radius, "a positive rational")
        for i, a in enumerate(self.centres):
            for b in self.centres[i + 1:]:
                if sum((abs(x - y) for x, y in zip(a, b)), Fraction(0)) < 2 * self.radius:
                    raise InvalidArgument("centres", [list(map(str, a)), list(map(str, b))], f"centres at ℓ1 distance ≥ 2r = {2 * self.radius}")

    @property
    def d(self) -> int:  # type: ignore[override]
        return self.base.d

    @property
    def bound(self) -> Fraction | None:  # type: ignore[override]
        return None if self.base.bound is None else self.base.bound + self.perturbation_sup

    @property
    def perturbation_sup(self) -> Fraction:
        return max([abs(self.shift)] + [abs(self.shift + e) for e in self.eps])

    def __call__(self, x: Point) -> Fraction:
        value = self.base(x) + self.shift
        for centre, e in zip(self.centres, self.eps):
            distance = sum((abs(a - b) for a, b in zip(x, centre)), Fraction(0))
            if distance < self.radius:
                value += e * (1 - distance / self.radius)
        return value

    def spec(self) -> dict[str, Any]:
        return {"kind": "bumped", "base": self.base.spec(), "centres": [list(c) for c in self.centres], "eps": list(self.eps), "radius": self.radius, "shift": self.shift}


def from_spec(spec: Mapping[str, Any]) -> ExactModel:
    """Rebuild a model from its spec (numbers as ints, 'a/b' strings or Fractions)."""
    kind = spec.get("kind")
    if kind == "linear":
        return Linear(_vector(spec["beta"], "beta"), as_fraction(spec.get("c", 0), "c"))
    if kind == "clipped_linear":
        return ClippedLinear(_vector(spec["beta"], "beta"), as_fraction(spec.get("c", 0), "c"), as_fraction(spec["lo"], "lo"), as_fraction(spec["hi"], "hi"))
    if kind == "max_affine":
        rows = tuple(_vector(r, "a") for r in spec["a"])
        if not rows or len({len(r) for r in rows}) != 1 or len(spec["c"]) != len(rows):
            raise InvalidArgument("a", spec["a"], "k rows of equal length d and k offsets c")
        return MaxAffine(rows, _vector(spec["c"], "c"))
    if kind == "relu_net":
        weights = tuple(tuple(_vector(r, "weights") for r in w) for w in spec["weights"])
        biases = tuple(_vector(b, "biases") for b in spec["biases"])
        if len(weights[-1]) != 1:
            raise InvalidArgument("weights", "(last layer)", "a last layer with one output row")
        return ReluNet(weights, biases)
    if kind == "bumped":
        return Bumped(from_spec(spec["base"]), tuple(_vector(c, "centres") for c in spec["centres"]), _vector(spec["eps"], "eps"), as_fraction(spec["radius"], "radius"),
                      as_fraction(spec.get("shift", 0), "shift"))
    raise InvalidArgument("kind", kind, "one of linear, clipped_linear, max_affine, relu_net, bumped")
