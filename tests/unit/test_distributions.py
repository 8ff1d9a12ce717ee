"""Exact mask distributions: L_qv(λ), i.i.d. Bernoulli, user-given finite ones."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mus_verify import InvalidArgument
from mus_verify.distributions import bernoulli_iid, finite, lqv, lqv_masks, random_seed_vector


@st.composite
def lqv_configs(draw):
    q = draw(st.integers(1, 24))
    k = draw(st.integers(1, q))
    n = draw(st.integers(1, 8))
    v = draw(st.lists(st.integers(0, q - 1), min_size=n, max_size=n))
    return q, k, v


@settings(max_examples=200, deadline=None)
@given(lqv_configs())
def test_lqv_every_marginal_is_exactly_lambda(config):
    q, k, v = config
    d = lqv(v, q, Fraction(k, q))
    assert d.marginals() == (Fraction(k, q),) * len(v)
    # Each feature is kept in exactly k of the q masks (the structure that makes q calls exact).
    assert d.masks.sum(axis=0).tolist() == [k] * len(v)


@settings(max_examples=200, deadline=None)
@given(lqv_configs())
def test_lqv_matches_the_papers_float_form(config):
    """s_i = [t_i <= λ] with t_i = v_i/q + (j + 1/2)/q mod 1 (Prop. A.2), in exact rationals."""
    q, k, v = config
    lam = Fraction(k, q)
    paper = np.array(
        [[((Fraction(vi, q) + Fraction(2 * j + 1, 2 * q)) % 1) <= lam for vi in v] for j in range(q)],
        dtype=bool,
    )
    assert np.array_equal(lqv_masks(v, q, k), paper)


def test_lqv_worked_example():
    d = lqv([0, 1, 3], q=4, lam="2/4")
    assert d.masks.astype(int).tolist() == [[1, 1, 0], [1, 0, 1], [0, 0, 1], [0, 1, 0]]
    assert d.weights() == (Fraction(1, 4),) * 4
    assert d.params == {"q": 4, "lam": Fraction(1, 2), "seed_vector": (0, 1, 3)}


def test_lqv_lambda_one_keeps_everything():
    d = lqv([0, 5, 2], q=7, lam=1)
    assert d.masks.all()


def test_bernoulli_iid_weights_and_marginals():
    d = bernoulli_iid(3, "1/3")
    assert d.size == 8 and d.total == 27
    assert sum(d.weights()) == 1
    assert d.marginals() == (Fraction(1, 3),) * 3
    # Independence: Pr[s_0 = s_1 = 1] = λ².
    assert d.probability(lambda m: m[:, 0] & m[:, 1]) == Fraction(1, 9)


def test_lqv_is_not_independent_but_has_the_right_marginals():
    d = lqv([0, 0], q=4, lam="1/4")  # identical seeds: the two bits always agree
    assert d.probability(lambda m: m[:, 0] & m[:, 1]) == Fraction(1, 4)
    assert d.marginals() == (Fraction(1, 4), Fraction(1, 4))


def test_finite_distribution_and_support_merging():
    d = finite([[1, 0], [1, 0], [0, 1]], ["1/4", "1/4", "1/2"])
    assert d.marginals() == (Fraction(1, 2), Fraction(1, 2))
    masks, counts = d.support()
    assert masks.astype(int).tolist() == [[1, 0], [0, 1]] and counts == (2, 2) and d.total == 4
    assert finite(d.to_json()["masks"], d.to_json()["weights"]).marginals() == d.marginals()


def test_marginals_exact_with_huge_denominators():
    d = bernoulli_iid(20, Fraction(1, 3))  # total 3^20 still fits int64; exercises the vectorised path
    assert d.marginal(7) == Fraction(1, 3)
    big = finite([[1], [0]], [Fraction(1, 3**50), 1 - Fraction(1, 3**50)])  # object path
    assert big.marginals() == (Fraction(1, 3**50),)


def test_random_seed_vector_is_reproducible_and_leaves_global_rng_alone():
    state = np.random.get_state()[1].copy()
    a = random_seed_vector(10, 64, seed=3)
    assert a == random_seed_vector(10, 64, seed=3)
    assert all(0 <= v < 64 for v in a)
    assert np.array_equal(np.random.get_state()[1], state)


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        (dict(seed_vector=[0, 1], q=4, lam=0.3), "lam"),
        (dict(seed_vector=[0, 1], q=4, lam=0), "lam"),
        (dict(seed_vector=[0, 1], q=4, lam="5/4"), "lam"),
        (dict(seed_vector=[0, 1], q=0, lam="1/4"), "q"),
        (dict(seed_vector=[0, 4], q=4, lam="1/4"), "seed_vector[1]"),
        (dict(seed_vector=[0, -1], q=4, lam="1/4"), "seed_vector[1]"),
        (dict(seed_vector=[0, 1.0], q=4, lam="1/4"), "seed_vector[1]"),
        (dict(seed_vector=[], q=4, lam="1/4"), "seed_vector"),
    ],
)
def test_lqv_bad_input_names_the_argument(kwargs, argument):
    with pytest.raises(InvalidArgument) as info:
        lqv(**kwargs)
    assert info.value.argument == argument
    assert "expected" in str(info.value)


def test_finite_bad_input():
    with pytest.raises(InvalidArgument, match="summing to exactly 1"):
        finite([[1], [0]], ["1/2", "1/3"])
    with pytest.raises(InvalidArgument, match=r"masks\[1\]"):
        finite([[1, 0], [1]], ["1/2", "1/2"])
    with pytest.raises(InvalidArgument, match=r"weights\[0\]"):
        finite([[1], [0]], ["-1/2", "3/2"])
    with pytest.raises(InvalidArgument, match=r"masks\[0\]\[0\]"):
        finite([[0.5]], [1])
    with pytest.raises(InvalidArgument, match="one weight per mask"):
        finite([[1], [0]], [1])
