"""Thm 3.2: a certified radius keeps the unique top class (with the radius rule as part of the claim).

Statement. Let A be the unique top class of g(x, α), gap = g_A − g_B its margin
over the runner-up and r the radius a rule gives for (gap, λ). If g is
λ-Lipschitz (Thm 3.1), every β with ‖β − α‖₁ <= r keeps A as the *unique* top
class of g(x, β) (incremental: β ⪰ α; decremental: α = 1). The sound rule is
r = ⌈gap/(2λ)⌉ − 1 (−1 at a tie); ``floor`` and ``ceil`` (Remark 2.6) claim one
step too much and exist to reproduce the errata.

The radius rule is decided in one place, the rule table of
:mod:`mus_verify.certificates` (``RULE_COVERS``): :func:`covers` and
:func:`radius` read it here. The one judge of a claim is :func:`covered` (is β
inside the claimed ball) combined by :func:`violated` with "the claim was made at
a unique top" and "β loses it" (:func:`lost`). A rule that claims r >= 0 where the
top two tie is violated at β = α (distance 0): :func:`tie_claimed`.

>>> from fractions import Fraction
>>> radius("strict", Fraction(3, 4), Fraction(1, 4)), covered(2, 1), covered(1, 1)
(1, False, True)
>>> violated(True, covered(1, 1), lost(Fraction(1, 2), [Fraction(1, 2)]))
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Mapping, Sequence

from .. import certificates
from ._values import Judgement, all_of, any_of

__all__ = ["NAME", "PAPER", "KINDS", "covers", "radius", "covered", "lost", "violated", "tie_claimed", "StabilityWitness"]

NAME = "stability"
PAPER = "Thm 3.2, Remark 2.6"
KINDS = ("stability", "smt-stability")


def covers(rule: str, distance: Any, gap: Any, lam: Fraction, scale: Any = 1) -> Any:
    """Whether ``rule``'s radius for (gap / scale, λ) reaches ``distance`` (Fractions, integer arrays, Z3 terms)."""
    return certificates.rule_covers(rule, distance, gap, lam, scale)


def radius(rule: str, gap: Any, lam: Fraction, scale: Any = 1) -> Any:
    """The rule's radius: an int for an exact gap, an int64 array for gap numerators over ``scale``."""
    return certificates.rule_radius(rule, gap, lam, scale)


def covered(distance: Any, claimed: Any) -> Any:
    """β at ``distance`` from α lies in the claimed ball of radius ``claimed``: the one judge of a claim."""
    return distance <= claimed


def lost(top: Any, others: Sequence[Any], *, any_: Callable[..., Any] = any_of) -> Any:
    """The class with value ``top`` is no longer the unique top: some other class reaches it."""
    return any_(*[other >= top for other in others])


def violated(unique_at_alpha: Any, in_ball: Any, lost_at_beta: Any, *, all_: Callable[..., Any] = all_of) -> Any:
    """A counterexample to the claim: made at a unique top, β inside the ball, the top lost at β."""
    return all_(unique_at_alpha, in_ball, lost_at_beta)


def tie_claimed(claimed: Any) -> Any:
    """At a tie no class is the unique top, so a claim r >= 0 is violated at β = α itself (distance 0)."""
    return covered(0, claimed)


@dataclass(frozen=True)
class StabilityWitness:
    """(α, β) with β inside the rule's ball at α and the unique top class lost; ``to_data()`` is the ``stability`` data."""

    variant: str
    x: Sequence[float]
    input: str
    classifier: Mapping[str, Any]
    mode: str
    lam: Fraction
    radius_rule: str
    direction: str
    alpha: Sequence[int]
    beta: Sequence[int]
    claimed_radius: int
    strict_radius: int
    predicted: int | None
    gap: Fraction
    g_alpha: Sequence[Fraction]
    g_beta: Sequence[Fraction]
    predicted_at_beta: int | None
    distribution: Mapping[str, Any]
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def features_changed(self) -> int:
        return sum(int(a) != int(b) for a, b in zip(self.alpha, self.beta))

    def judge(self) -> Judgement:
        if self.predicted is None:
            return Judgement(bool(tie_claimed(self.claimed_radius)), -1 - self.claimed_radius)
        others = [v for c, v in enumerate(self.g_beta) if c != self.predicted]
        bad = violated(True, covered(self.features_changed, self.claimed_radius), lost(self.g_beta[self.predicted], others))
        return Judgement(bool(bad), self.features_changed - 1 - self.claimed_radius)

    def to_data(self) -> dict[str, Any]:
        return {
            "variant": self.variant,
            "x": [float(v) for v in self.x],
            "input": self.input,
            "classifier": dict(self.classifier),
            "mode": self.mode,
            "lam": self.lam,
            "radius_rule": self.radius_rule,
            "direction": self.direction,
            "alpha": list(self.alpha),
            "beta": list(self.beta),
            "features_changed": self.features_changed,
            "claimed_radius": self.claimed_radius,
            "strict_radius": self.strict_radius,
            "predicted": self.predicted,
            "gap": self.gap,
            "g_alpha": list(self.g_alpha),
            "g_beta": list(self.g_beta),
            "predicted_at_beta": self.predicted_at_beta,
            "distribution": dict(self.distribution),
            **self.extra,
        }
