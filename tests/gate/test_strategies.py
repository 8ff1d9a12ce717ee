"""The public Hypothesis strategies (mus_verify.strategies) and the settings profiles."""

from fractions import Fraction

import numpy as np
import pytest

torch = pytest.importorskip("torch")  # the [torch] extra: skipped, not an error, without it
from hypothesis import given, settings
from hypothesis import strategies as st

from mus_verify.strategies import (
    CI_PROFILE,
    THOROUGH_PROFILE,
    configs,
    inputs,
    lambdas,
    masks,
    seed_vectors,
    torch_classifiers,
    truth_table_classifiers,
)


@given(st.data())
def test_masks_respect_popcount_bounds(data):
    n = data.draw(st.integers(1, 12))
    low = data.draw(st.integers(0, n))
    high = data.draw(st.integers(low, n))
    mask = data.draw(masks(n, min_ones=low, max_ones=high))
    assert mask.dtype == bool and mask.shape == (n,) and low <= mask.sum() <= high


@given(st.data())
def test_seed_vectors_and_lambdas(data):
    q = data.draw(st.integers(1, 64))
    seed = data.draw(seed_vectors(5, q))
    assert len(seed) == 5 and all(0 <= v < q for v in seed)
    lam = data.draw(lambdas(q, min_value="1/4", max_value="3/4")) if q >= 2 else data.draw(lambdas(q))
    assert isinstance(lam, Fraction) and (lam * q).denominator == 1 and 0 < lam <= 1
    if q >= 2:
        assert Fraction(1, 4) <= lam <= Fraction(3, 4)


@given(configs(max_n=6, max_q=10))
def test_configs_are_valid(config):
    assert 1 <= config.k <= config.q and len(config.seed) == config.n and all(0 <= v < config.q for v in config.seed)


@settings(max_examples=30)
@given(st.data())
def test_inputs_have_distinct_nonzero_entries_exact_in_half_precision(data):
    x = data.draw(inputs(6, rows=3))
    assert x.shape == (3, 6) and np.all(x != 0) and len(set(np.abs(x).ravel())) == 18
    assert np.array_equal(x.astype(np.float16).astype(np.float64), x)
    with_zeros = data.draw(inputs(6, allow_zero=True))
    nonzero = with_zeros[with_zeros != 0]
    assert len(set(nonzero)) == nonzero.size


@given(truth_table_classifiers(3, 4), truth_table_classifiers(2, 3, vote=True))
def test_truth_tables_are_exact_probabilities(table, votes):
    assert np.all(np.asarray(table.table).sum(axis=1) == table.resolution)
    out = votes(np.array([[1.0, 0.0], [0.0, 2.0]]))
    assert set(np.unique(out)) <= {0.0, 1.0} and np.all(out.sum(axis=1) == 1)


@settings(max_examples=5, deadline=None)
@given(torch_classifiers(4, 3))
def test_torch_classifiers_return_probabilities(model):
    out = model(torch.randn(5, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0)))
    assert out.shape == (5, 3) and torch.allclose(out.sum(dim=1), torch.ones(5, dtype=torch.float64))


def test_profiles_are_registered():
    ci = settings.get_profile(CI_PROFILE)
    assert ci.derandomize is True and ci.database is None and ci.deadline is None
    assert settings.get_profile(THOROUGH_PROFILE).max_examples >= 1000
