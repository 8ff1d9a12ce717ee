"""A variant's smoothed classifier in exact rationals: the judge of every solver counterexample.

``g(x, α) = Σ_j w_j · h(apply(x, α, s_j))`` with the variant's noise ``(w_j, s_j)``
and ``f(x) = g(x, 1)``. The base classifier ``h`` is batched like the
foundation's (:mod:`mus_verify.smoothing`): it receives a (B, n) object array
whose entries are ``Fraction`` (a present input) or ``None`` (an absent slot,
only for variable-length variants such as token dropping) and returns (B, m)
class probabilities, validated by the foundation's rules.

For MuS itself this equals :func:`mus_verify.smoothing.smooth` with
:func:`~mus_verify.distributions.lqv` (tested), and the judges use ``smooth``
directly whenever a variant declares a ``reference_distribution``.

>>> from mus_verify.variants import load_variant, make_params
>>> import numpy as np
>>> def h(inputs):  # class 1 iff feature 0 is visible
...     visible = np.array([row[0] != 0 for row in inputs])
...     return np.stack([~visible, visible], axis=1).astype(int)
>>> smooth_variant(load_variant("mus"), h, [5, 7], [1, 1], make_params(2, 4, "1/4"), {"seed_vector": [0, 2]})
(Fraction(3, 4), Fraction(1, 4))
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Literal, Mapping, Sequence

import numpy as np

from .._validation import as_fraction, check_binary_vector, check_probabilities
from ..errors import InvalidArgument
from .base import Variant, VariantParams
from .guard import run_apply, run_check, run_hide, run_keeps, run_noise, run_symbols
from .ops import EXACT

__all__ = ["check_symbols", "input_slots", "smoothed_inputs", "smooth_variant", "f_variant", "hide_exact", "noise_exact", "noise_marginals", "InputClassifier"]

InputClassifier = Callable[[np.ndarray], Any]
"""Batched base classifier on slot inputs: (B, n) object array of Fraction/None -> (B, m) probabilities."""


def check_symbols(variant: Variant, params: VariantParams, symbols: Mapping[str, Any] | None) -> dict[str, Any]:
    """Concrete values for every symbol the variant declares, validated (missing or extra names are errors)."""
    declared = run_symbols(variant, params)
    given = dict(symbols or {})
    extra = sorted(set(given) - set(declared))
    if extra:
        raise InvalidArgument("symbols", extra, f"only the variant's symbols {sorted(declared) or '(none)'}")
    out: dict[str, Any] = {}
    for name, shape in declared.items():
        if name not in given:
            raise InvalidArgument("symbols", sorted(given), f"a value for every symbol of {variant.name}: {sorted(declared)}", f"{name!r} is missing")
        out[name] = shape.check(given[name], f"symbols[{name!r}]")
    return out


def input_slots(x: Sequence[Any], n: int) -> list[Fraction | None]:
    """x as exact slots: numbers become Fractions (floats exactly), None stays absent."""
    values = list(x)
    if len(values) != n:
        raise InvalidArgument("x", values, f"n = {n} input values (None for an absent slot)")
    return [None if v is None else as_fraction(v, f"x[{i}]") for i, v in enumerate(values)]


def noise_exact(variant: Variant, params: VariantParams, sym: Mapping[str, Any]) -> list[tuple[Fraction, list[Any]]]:
    """The variant's noise evaluated exactly; weights checked to be non-negative rationals summing to exactly 1
    (by :func:`.guard.run_noise`, the same check the torch and Z3 paths apply)."""
    return run_noise(variant, EXACT, params, sym)


def smoothed_inputs(variant: Variant, x: Sequence[Any], alpha: Any, params: VariantParams, sym: Mapping[str, Any]) -> list[tuple[Fraction, tuple[Fraction | None, ...]]]:
    """The distinct classifier inputs of g(x, α) with their merged exact weights, in first-seen order."""
    slots = input_slots(x, params.n)
    mask = [bool(a) for a in check_binary_vector(alpha, params.n, "alpha")]
    merged: dict[tuple[Fraction | None, ...], Fraction] = {}
    for w, s in noise_exact(variant, params, sym):
        key = tuple(run_apply(variant, EXACT, slots, mask, s, params, sym))
        merged[key] = merged.get(key, Fraction(0)) + w
    return list((w, key) for key, w in merged.items())


def smooth_variant(
    variant: Variant,
    h: InputClassifier,
    x: Sequence[Any],
    alpha: Any,
    params: VariantParams,
    symbols: Mapping[str, Any] | None = None,
    *,
    mode: Literal["average", "vote"] = "average",
) -> tuple[Fraction, ...]:
    """g(x, α) = Σ_j w_j h(apply(x, α, s_j)), exactly (h called once on the distinct inputs)."""
    run_check(variant, params)
    sym = check_symbols(variant, params, symbols)
    terms = smoothed_inputs(variant, x, alpha, params, sym)
    batch = np.empty((len(terms), params.n), dtype=object)
    for r, (_, key) in enumerate(terms):
        batch[r, :] = key
    outputs, _ = check_probabilities(h(batch), len(terms))
    rows = [[as_fraction(v, "h(x)") for v in row] for row in outputs.tolist()]
    if mode == "vote":
        rows = [_one_hot(row) for row in rows]
    elif mode != "average":
        raise InvalidArgument("mode", mode, "'average' or 'vote'")
    m = len(rows[0])
    totals = [Fraction(0)] * m
    for (w, _), row in zip(terms, rows):
        for c in range(m):
            totals[c] += w * row[c]
    return tuple(totals)


def f_variant(variant: Variant, h: InputClassifier, x: Sequence[Any], params: VariantParams, symbols: Mapping[str, Any] | None = None, **kwargs: Any) -> tuple[Fraction, ...]:
    """f(x) = g(x, 1)."""
    return smooth_variant(variant, h, x, [1] * params.n, params, symbols, **kwargs)


def hide_exact(variant: Variant, x: Sequence[Any], alpha: Any, params: VariantParams, symbols: Mapping[str, Any] | None = None) -> list[Fraction | None]:
    """hide(x, α): the input an explanation α leaves (x ⊙ α for MuS)."""
    sym = check_symbols(variant, params, symbols)
    mask = [bool(a) for a in check_binary_vector(alpha, params.n, "alpha")]
    return list(run_hide(variant, EXACT, input_slots(x, params.n), mask, params, sym))


def noise_marginals(variant: Variant, params: VariantParams, symbols: Mapping[str, Any] | None = None) -> tuple[Fraction, ...]:
    """Pr[s_i lets feature i through] for every i, exactly (Prop. 3.4 asks for λ in every coordinate)."""
    sym = check_symbols(variant, params, symbols)
    totals = [Fraction(0)] * params.n
    for w, s in noise_exact(variant, params, sym):
        for i, si in enumerate(s):
            if run_keeps(variant, EXACT, si):
                totals[i] += w
    return tuple(totals)


def _one_hot(row: list[Fraction]) -> list[Fraction]:
    winner = max(range(len(row)), key=lambda c: (row[c], -c))  # ties to the lowest index, as the foundation
    return [Fraction(int(c == winner)) for c in range(len(row))]
