"""Thm 3.1: every class coordinate of g(x, ·) is λ-Lipschitz in the L1 norm on {0,1}^n.

Statement. For noise whose coordinates are Bernoulli(λ) (Prop. 3.4 / A.2 for
L_qv), every class c, input x and masks α, α':
|g_c(x, α) − g_c(x, α')| <= λ ‖α − α'‖₁. On the cube the L1 distance is the
length of a shortest path of single-bit flips, so the edges (α, α + e_i) suffice:
a violating pair has a violating edge on every shortest path between them.

The one judge is :func:`exceeds`: a magnitude |Δg| (a total variation, or
|g_c(α) − g_c(α')|) beyond λ · distance, in integers scaled by ``scale``:

    violated  <=>  magnitude · b > a · scale · distance + slack · b · scale      (λ = a/b)

with ``magnitude`` the numerator over ``scale`` (1 for exact values). This runs
on Fractions, numpy int64 arrays (the exhaustive engine's TV numerators over the
noise total), Z3 terms and floats (the gate, whose ``slack`` is the tolerance
of the implementation's working dtype). :func:`violated` is the signed form
(either direction of Δg), :func:`margin` the exact slack λ·d − |Δg|.

>>> from fractions import Fraction
>>> exceeds(Fraction(1, 2), Fraction(1, 4)), exceeds(3, Fraction(1, 4), scale=12), exceeds(4, Fraction(1, 4), scale=12)
(True, False, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Mapping, Sequence

from ._values import Judgement, any_of

__all__ = ["NAME", "PAPER", "KINDS", "exceeds", "violated", "margin", "EdgeWitness", "ObservedEdge"]

NAME = "lipschitz"
PAPER = "Thm 3.1"
KINDS = ("lipschitz-edge", "smt-lipschitz")


def exceeds(magnitude: Any, lam: Fraction, *, scale: Any = 1, distance: Any = 1, slack: Any = 0) -> Any:
    """|Δg| = magnitude / scale > λ · distance + slack: the one judge of Thm 3.1 (elementwise on arrays)."""
    bound = lam.numerator * scale * distance
    if not (isinstance(slack, int) and slack == 0):
        bound = bound + slack * lam.denominator * scale
    return magnitude * lam.denominator > bound


def violated(jump: Any, lam: Fraction, *, scale: Any = 1, distance: Any = 1, slack: Any = 0,
             any_: Callable[..., Any] = any_of) -> Any:
    """A signed jump g_c(α') − g_c(α) of either sign beyond λ · distance (Z3 terms, Fractions, arrays)."""
    return any_(exceeds(jump, lam, scale=scale, distance=distance, slack=slack),
                exceeds(-jump, lam, scale=scale, distance=distance, slack=slack))


def margin(magnitude: Fraction, lam: Fraction, distance: int = 1) -> Fraction:
    """λ · distance − |Δg|: how far the edge is from violating (negative when it does)."""
    return lam * distance - magnitude


@dataclass(frozen=True)
class EdgeWitness:
    """An edge (or pair) of masks whose smoothed class-c output moves by more than λ · ‖α − α'‖₁.

    ``to_data()`` is the ``lipschitz-edge`` counterexample's data, field for field.
    """

    variant: str
    x: Sequence[float]
    alpha: Sequence[int]
    alpha_prime: Sequence[int]
    c: int
    mode: str
    lam: Fraction
    g_alpha: Sequence[Fraction]
    g_alpha_prime: Sequence[Fraction]
    classifier: Mapping[str, Any]
    distribution: Mapping[str, Any]
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def features_changed(self) -> int:
        return sum(int(a) != int(b) for a, b in zip(self.alpha, self.alpha_prime))

    @property
    def difference(self) -> Fraction:
        return abs(self.g_alpha[self.c] - self.g_alpha_prime[self.c])

    def judge(self) -> Judgement:
        """The judge on the witness's own (exact) values."""
        return Judgement(bool(exceeds(self.difference, self.lam, distance=self.features_changed)),
                         margin(self.difference, self.lam, self.features_changed))

    def to_data(self) -> dict[str, Any]:
        return {
            "variant": self.variant,
            "x": [float(v) for v in self.x],
            "alpha": list(self.alpha),
            "alpha_prime": list(self.alpha_prime),
            "features_changed": self.features_changed,
            "class": self.c,
            "mode": self.mode,
            "lam": self.lam,
            "g_alpha": list(self.g_alpha),
            "g_alpha_prime": list(self.g_alpha_prime),
            "difference": self.difference,
            "classifier": dict(self.classifier),
            "distribution": dict(self.distribution),
            **self.extra,
        }


@dataclass(frozen=True)
class ObservedEdge:
    """An edge (α, α + e_i) on which an implementation's own outputs move class c by more than λ + slack.

    The gate's witness (floats, with the working dtype's tolerance as slack);
    ``to_data()`` is the gate's ``lipschitz`` failure data, field for field.
    """

    config: Mapping[str, Any]
    base: Mapping[str, Any]
    x: Any
    alpha: Any
    feature: int
    g_alpha: Any
    g_alpha_plus_e_i: Any
    c: int
    difference: float
    lam: Fraction
    tol: float

    def judge(self) -> Judgement:
        return Judgement(bool(exceeds(self.difference, self.lam, slack=self.tol)), float(self.lam) + self.tol - self.difference)

    def to_data(self) -> dict[str, Any]:
        return {"config": self.config, "base": self.base, "x": self.x, "alpha": self.alpha, "feature": self.feature, "g_alpha": self.g_alpha,
                "g_alpha_plus_e_i": self.g_alpha_plus_e_i, "class": self.c, "difference": self.difference, "lam": self.lam, "tol": self.tol}
