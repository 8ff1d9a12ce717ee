"""Conformance: g equals the exact L_qv reference (the average of h over L_qv(λ) with the same seed vector).

Statement (no paper number: it is what "an implementation of MuS" means). For
the seed vector v, g(x, α) = Σ_j h(x ⊙ α ⊙ s^(j)) / q with
s^(j)_i = [(v_i + j) mod q < k]. A difference alone breaks no guarantee (another
valid noise layout keeps every theorem), which is why the gate reports it as
"sound, not the reference L_qv" and the prover's ``reference`` property is
separate from the theorems.

The one judge is :func:`apart`, a difference beyond ``slack`` (0 exact; the
gate's dtype tolerance for floats), applied both ways by :func:`coordinate_differs`.

>>> coordinate_differs(0.25, 0.25 + 1e-3, slack=1e-6)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from ._values import Judgement, any_of

__all__ = ["NAME", "PAPER", "KINDS", "apart", "coordinate_differs", "sides_differ", "ObservedReference"]

NAME = "reference"
PAPER = "—"
KINDS = ("smt-reference",)


def apart(difference: Any, *, slack: Any = 0) -> Any:
    """A difference from the reference beyond ``slack``: the one judge of conformance (elementwise)."""
    return difference > slack


def coordinate_differs(ours: Any, reference: Any, *, slack: Any = 0) -> Any:
    """|ours − reference| > slack as two one-sided comparisons (Fractions, arrays, Z3 terms, floats)."""
    return apart(ours - reference, slack=slack) | apart(reference - ours, slack=slack)


def sides_differ(ours: Sequence[Any], reference: Sequence[Any], *, slack: Any = 0, any_: Callable[..., Any] = any_of) -> Any:
    """Some class coordinate differs from the reference."""
    return any_(*[coordinate_differs(a, b, slack=slack) for a, b in zip(ours, reference)])


@dataclass(frozen=True)
class ObservedReference:
    """An (x, α) where an implementation's g differs from the exact L_qv reference (or no reference seed exists).

    The gate's ``conformance`` witness; ``to_data()`` is its failure data, field for field.
    """

    config: Mapping[str, Any]
    base: Mapping[str, Any]
    x: Any
    alpha: Any
    got: Any
    expected: Any
    reference_seed: list[int] | None
    reference_seed_origin: str
    tol: float

    def judge(self) -> Judgement:
        if self.expected is None:
            return Judgement(True, None)  # no seed vector makes the implementation L_qv
        return Judgement(bool(sides_differ(list(self.got), list(self.expected), slack=self.tol)),
                         self.tol - max(abs(float(a) - float(b)) for a, b in zip(self.got, self.expected)))

    def to_data(self) -> dict[str, Any]:
        return {"config": self.config, "base": self.base, "x": self.x, "alpha": self.alpha, "got": self.got, "expected": self.expected,
                "reference_seed": self.reference_seed, "reference_seed_origin": self.reference_seed_origin, "tol": self.tol}
