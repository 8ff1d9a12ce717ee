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

from typing import Any, Callable, Sequence

from ._values import any_of

__all__ = ["NAME", "PAPER", "KINDS", "apart", "coordinate_differs", "sides_differ"]

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
