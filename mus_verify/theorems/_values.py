"""The hooks that let one judge run on every value kind the engines use.

Python's ``and``/``or``/``not`` force a value to a bool, which a numpy array
refuses and a Z3 term would silently misread; ``|`` and ``&`` mean the same on
Python bools, numpy (boolean arrays, elementwise) and Z3 BoolRefs, but a Python
bool on the left of a Z3 term has no ``|``. :func:`any_of` and :func:`all_of`
therefore fold the non-constant terms first and fold constants in last.

>>> any_of(False, True), all_of(True, False), any_of()
(True, False, False)
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from typing import Any

__all__ = ["any_of", "all_of", "Judgement"]


def any_of(*terms: Any) -> Any:
    """The disjunction of ``terms`` (bools, numpy boolean arrays or Z3 BoolRefs)."""
    symbolic = [t for t in terms if not isinstance(t, bool)]
    constants = [t for t in terms if isinstance(t, bool)]
    if not symbolic:
        return any(constants)
    if any(constants):
        return functools.reduce(operator.or_, symbolic) | True
    return functools.reduce(operator.or_, symbolic)


def all_of(*terms: Any) -> Any:
    """The conjunction of ``terms`` (bools, numpy boolean arrays or Z3 BoolRefs)."""
    symbolic = [t for t in terms if not isinstance(t, bool)]
    constants = [t for t in terms if isinstance(t, bool)]
    if not symbolic:
        return all(constants)
    if not all(constants):
        return functools.reduce(operator.and_, symbolic) & False
    return functools.reduce(operator.and_, symbolic)


@dataclass(frozen=True)
class Judgement:
    """A judge's answer on one exact witness: violated or not, and the margin (slack; negative when violated)."""

    violated: bool
    margin: Any
