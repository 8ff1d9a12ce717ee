"""§3.1 eq. 3 (fails for additive noise, Prop. A.1): masking equivalence g(x ⊙ α, 1) = g(x, α).

Statement. For every input x, mask α and base classifier h,
E_s h((x ⊙ α) ⊙ e(1, s)) = E_s h(x ⊙ e(α, s)). Both sides are expectations of h
over two laws of masked inputs, so they agree for every h iff the laws are
equal (their total variation is 0). Thm 3.2 rests on it: it lets f(x ⊙ α) be
read as g(x, α).

The one judge is :func:`apart`: a difference (a total variation, or one side
minus the other on one class) beyond ``slack`` (0 for exact values; the gate's
dtype tolerance for floats). :func:`coordinate_differs` applies it in both
directions, elementwise: on Fractions it is ``a != b``, on Z3 reals the same
disequality, on numpy arrays an elementwise mask.

>>> from fractions import Fraction
>>> coordinate_differs(Fraction(1, 2), Fraction(1, 2)), coordinate_differs(0.5, 0.5 + 1e-9, slack=1e-6)
(False, False)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Mapping, Sequence

from ._values import Judgement, any_of

__all__ = ["NAME", "PAPER", "KINDS", "apart", "coordinate_differs", "sides_differ", "MaskingWitness", "ObservedSides"]

NAME = "masking-equivalence"
PAPER = "§3.1 eq. 3, Prop. A.1"
KINDS = ("masking-equivalence", "smt-masking-equivalence")


def apart(difference: Any, *, slack: Any = 0) -> Any:
    """A difference beyond ``slack``: the one judge of masking equivalence (elementwise on arrays)."""
    return difference > slack


def coordinate_differs(left: Any, right: Any, *, slack: Any = 0) -> Any:
    """|left − right| > slack, written as two one-sided comparisons (Fractions, arrays, Z3 terms, floats)."""
    return apart(left - right, slack=slack) | apart(right - left, slack=slack)


def sides_differ(left: Sequence[Any], right: Sequence[Any], *, slack: Any = 0, any_: Callable[..., Any] = any_of) -> Any:
    """Some class coordinate of the two sides differs (``any_`` folds the per-class answers; z3.Or for Z3)."""
    return any_(*[coordinate_differs(a, b, slack=slack) for a, b in zip(left, right)])


@dataclass(frozen=True)
class MaskingWitness:
    """An (x, α) with g(x, α) ≠ g(x ⊙ α, 1); ``to_data()`` is the ``masking-equivalence`` counterexample's data."""

    variant: str
    x: Sequence[float]
    alpha: Sequence[int]
    classifier: Mapping[str, Any]
    mode: str
    g_x_alpha: Sequence[Fraction]
    g_x_masked_ones: Sequence[Fraction]
    distribution: Mapping[str, Any]
    extra: Mapping[str, Any] = field(default_factory=dict)

    def judge(self) -> Judgement:
        differs = bool(sides_differ(self.g_x_alpha, self.g_x_masked_ones))
        largest = max((abs(a - b) for a, b in zip(self.g_x_alpha, self.g_x_masked_ones)), default=Fraction(0))
        return Judgement(differs, -largest)

    def to_data(self) -> dict[str, Any]:
        return {
            "variant": self.variant,
            "x": [float(v) for v in self.x],
            "alpha": list(self.alpha),
            "features_hidden": len(self.alpha) - sum(int(a) for a in self.alpha),
            "classifier": dict(self.classifier),
            "mode": self.mode,
            "g_x_alpha": list(self.g_x_alpha),
            "g_x_masked_ones": list(self.g_x_masked_ones),
            "distribution": dict(self.distribution),
            **self.extra,
        }


@dataclass(frozen=True)
class ObservedSides:
    """An (x, α) where an implementation's own g(x ⊙ α, 1) and g(x, α) differ by more than the slack (the gate's witness).

    ``to_data()`` is the gate's ``masking_equivalence`` failure data, field for field.
    """

    config: Mapping[str, Any]
    base: Mapping[str, Any]
    x: Any
    alpha: Any
    g_masked_input: Any
    g_alpha: Any
    tol: float

    def judge(self) -> Judgement:
        return Judgement(bool(sides_differ(list(self.g_masked_input), list(self.g_alpha), slack=self.tol)),
                         self.tol - max(abs(float(a) - float(b)) for a, b in zip(self.g_masked_input, self.g_alpha)))

    def to_data(self) -> dict[str, Any]:
        return {"config": self.config, "base": self.base, "x": self.x, "alpha": self.alpha, "g_masked_input": self.g_masked_input,
                "g_alpha": self.g_alpha, "tol": self.tol}
