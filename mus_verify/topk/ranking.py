"""Top-k sets, P@k and flipped cross pairs, exactly (r2et-notes §3.1, §3.3).

Tie policy: a top-k set is only well defined under a strict order of the k-th and (k+1)-th
saliency. :func:`top_k` takes ``ties="error"`` (default: refuse a tie at the boundary, naming it)
or ``ties="lower-index"`` (torch-like: the lower index ranks first). For stability, a tie is never
"the same explanation": :func:`cross_pairs_strict` is False as soon as any cross pair ties.

>>> top_k([3, 1, 2], 2)
(0, 2)
>>> p_at_k([3, 1, 2], [1, 3, 2], 2)
Fraction(1, 2)
>>> flipped_cross_pairs([3, 1, 2], [1, 3, 2], 2)
2
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Sequence

from .._validation import as_fraction, as_int
from ..errors import InvalidArgument

__all__ = ["TIE_POLICIES", "top_k", "p_at_k", "flipped_cross_pairs", "cross_pairs", "lemma_bounds", "as_saliency"]

TIE_POLICIES = ("error", "lower-index")


def as_saliency(values: Sequence[Any], argument: str = "saliency") -> tuple[Fraction, ...]:
    """A saliency vector as exact rationals (floats are converted exactly, never rounded)."""
    try:
        items = list(values)
    except TypeError:
        raise InvalidArgument(argument, values, "a sequence of numbers") from None
    if not items:
        raise InvalidArgument(argument, values, "a non-empty sequence of numbers")
    return tuple(as_fraction(v, f"{argument}[{i}]") for i, v in enumerate(items))


def _check_k(k: Any, n: int) -> int:
    return as_int(k, "k", low=1, high=max(1, n - 1)) if n > 1 else as_int(k, "k", low=1, high=1)


def _order(saliency: Sequence[Fraction]) -> list[int]:
    return sorted(range(len(saliency)), key=lambda i: (-saliency[i], i))


def top_k(saliency: Sequence[Any], k: int, *, ties: str = "error") -> tuple[int, ...]:
    """The indices of the k largest saliencies, ascending.

    ``ties="error"`` refuses a tie between the k-th and (k+1)-th value (the set is then not
    determined by the saliency); ``"lower-index"`` breaks it towards the lower index.
    """
    values = as_saliency(saliency)
    k = _check_k(k, len(values))
    if ties not in TIE_POLICIES:
        raise InvalidArgument("ties", ties, f"one of {', '.join(TIE_POLICIES)}")
    order = _order(values)
    if ties == "error" and k < len(values) and values[order[k - 1]] == values[order[k]]:
        raise InvalidArgument(
            "saliency", list(map(str, values)),
            "a strict order between the k-th and (k+1)-th feature",
            f"features {order[k - 1]} and {order[k]} tie at {values[order[k]]}; pass ties='lower-index' to break it",
        )
    return tuple(sorted(order[:k]))


def cross_pairs(top: Sequence[int], n: int) -> list[tuple[int, int]]:
    """(i, j) with i in the top-k set and j outside it, in lexicographic order."""
    inside = set(top)
    return [(i, j) for i in sorted(inside) for j in range(n) if j not in inside]


def p_at_k(saliency: Sequence[Any], perturbed: Sequence[Any], k: int, *, ties: str = "error") -> Fraction:
    """P@k = |T_k(I) ∩ T_k(I')| / k, an exact fraction in {0, 1/k, ..., 1}."""
    a, b = top_k(saliency, k, ties=ties), top_k(perturbed, k, ties=ties)
    if len(as_saliency(saliency)) != len(as_saliency(perturbed, "perturbed")):
        raise InvalidArgument("perturbed", perturbed, f"a saliency vector of the same length {len(a)}")
    return Fraction(len(set(a) & set(b)), k)


def flipped_cross_pairs(saliency: Sequence[Any], perturbed: Sequence[Any], k: int, *, ties: str = "error") -> int:
    """F: cross pairs (i in S, j not in S, S the top-k at x) with I_j(x') > I_i(x')."""
    top = top_k(saliency, k, ties=ties)
    after = as_saliency(perturbed, "perturbed")
    return sum(1 for i, j in cross_pairs(top, len(after)) if after[j] > after[i])


def lemma_bounds(n: int, k: int, m: int) -> tuple[int, int]:
    """The §3.3 lemma's bounds on F given m = k − |S ∩ S'|: ``m² <= F <= m(n−k) + km − m²``."""
    return m * m, m * (n - k) + k * m - m * m
