"""The inputs x the exhaustive checks quantify over.

* ``distinct-nonzero``: x = (1, 2, ..., n). All entries nonzero, so distinct
  effective masks give distinct masked inputs and a base classifier can be any
  function of the mask: the worst case (see :mod:`.engine` for the data-processing
  argument that covers every other x for the all-classifier statements).
  Distinct values also keep permutation-invariant classifiers from merging masks.
* ``with-zeros``: the same with every third entry (i ≡ 1 mod 3) set to 0, where
  masks that differ only on those features collapse to one masked input.

Integer-valued floats keep counterexamples exact in JSON.

>>> [(label, x.tolist()) for label, x in default_inputs(4)]
[('distinct-nonzero', [1.0, 2.0, 3.0, 4.0]), ('with-zeros', [1.0, 0.0, 3.0, 4.0])]
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from .._validation import check_finite_array
from ..errors import InvalidArgument

__all__ = ["default_inputs", "worst_case_input", "check_inputs"]


def worst_case_input(n: int) -> np.ndarray:
    """x = (1, 2, ..., n): distinct and nonzero."""
    return np.arange(1, n + 1, dtype=np.float64)


def default_inputs(n: int) -> list[tuple[str, np.ndarray]]:
    """The distinct-nonzero worst case and one input with zero entries."""
    x = worst_case_input(n)
    zeros = x.copy()
    zeros[1::3] = 0.0
    if n == 1:
        zeros[0] = 0.0
    return [("distinct-nonzero", x), ("with-zeros", zeros)]


def check_inputs(inputs: Sequence[Any] | None, n: int) -> list[tuple[str, np.ndarray]]:
    """Validate user inputs: a list of x (or (label, x) pairs) with n finite coordinates each."""
    if inputs is None:
        return default_inputs(n)
    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Iterable):
        raise InvalidArgument("inputs", inputs, "a list of inputs x (or (label, x) pairs)")
    out = []
    for r, item in enumerate(inputs):
        label, x = item if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str) else (f"x[{r}]", item)
        array = check_finite_array(x, f"inputs[{r}]", ndim=1).astype(np.float64)
        if array.shape[0] != n:
            raise InvalidArgument(f"inputs[{r}]", array.tolist(), f"an input with n = {n} coordinates")
        out.append((label, array))
    return out
