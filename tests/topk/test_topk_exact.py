"""Exact top-k core: P@k and ranking properties, and the two ℓ∞ solvers agreeing."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from mus_verify.errors import InvalidArgument
from mus_verify.topk.exact_lp import min_norm, min_norm_point
from mus_verify.topk.ranking import p_at_k, top_k

small = st.fractions(min_value=-3, max_value=3, max_denominator=4)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.lists(small, min_size=2, max_size=2), min_size=1, max_size=2), st.lists(small, min_size=2, max_size=2))
def test_dual_value_equals_vertex_lp(rows, rhs):
    rhs = rhs[: len(rows)]
    exact = min_norm_point(rows, rhs, "inf")
    fast = min_norm(rows, rhs, "inf")
    assert (exact is None) == (fast is None)
    if exact is not None:
        assert exact[0] == fast
        assert all(sum(c * x for c, x in zip(r, exact[1])) >= b for r, b in zip(rows, rhs))


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(st.integers(-5, 5), min_size=3, max_size=6, unique=True), st.data())
def test_p_at_k_is_rank_only_and_symmetric(values, data):
    k = data.draw(st.integers(1, len(values) - 1))
    other = data.draw(st.permutations(values))
    assert p_at_k(values, other, k) == p_at_k(other, values, k)
    assert p_at_k(values, [3 * v + 7 for v in values], k) == 1  # strictly increasing transform
    assert p_at_k(values, other, k) in {Fraction(j, k) for j in range(k + 1)}


def test_ties_at_the_boundary_are_refused_or_broken_as_stated():
    with pytest.raises(InvalidArgument, match="tie"):
        top_k([1, 2, 2], 1)
    assert top_k([1, 2, 2], 1, ties="lower-index") == (1,)
    with pytest.raises(InvalidArgument, match="k="):
        top_k([1, 2, 3], 3)
