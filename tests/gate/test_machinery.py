"""The gate's own machinery, tested against the exact reference: classifiers, noise recovery,
integer smoothing, the masked-input watch, the tight certificate constructions, targets."""

import copy
from fractions import Fraction

import numpy as np
import pytest
torch = pytest.importorskip("torch")  # the [torch] extra: skipped, not an error, without it
from hypothesis import given, settings
from hypothesis import strategies as st

from mus_verify import certified_radius, lqv, smooth, top_two
from mus_verify.distributions import lqv_masks
from mus_verify.errors import InvalidArgument
from mus_verify.gate import load_target
from mus_verify.gate.classifiers import HashTable, PatternProbe, PatternTable, PatternVotes, build
from mus_verify.gate.instrument import Instrumented
from mus_verify.gate.noise import exact_counts, infer_lqv_seed
from mus_verify.gate.properties.attacks import constructions, spread_seed
from mus_verify.gate.subject import masked_row_problem
from mus_verify.gate.target import ModuleFactory
from mus_verify.gate.tolerance import atol, precision_of, working_dtype
from mus_verify.strategies import inputs, masks, seed_vectors, truth_table_classifiers


@settings(max_examples=40, deadline=None)
@given(data=st.data(), n=st.integers(1, 5), q=st.integers(1, 9))
def test_integer_smoothing_equals_the_exact_reference(data, n, q):
    k = data.draw(st.integers(1, q))
    table = data.draw(truth_table_classifiers(n, 3, vote=data.draw(st.booleans())))
    x = data.draw(inputs(n, allow_zero=True))
    alpha = data.draw(masks(n))
    seed = data.draw(seed_vectors(n, q))
    counts = exact_counts(table, x, alpha[None, :], lqv_masks(seed, q, k))[0]
    expected = smooth(table, x, alpha, lqv(seed, q, Fraction(k, q)))
    assert [Fraction(int(c), q * table.resolution) for c in counts] == list(expected)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), n=st.integers(1, 6), q=st.integers(2, 12))
def test_lqv_seed_is_recovered_from_its_masks(data, n, q):
    k = data.draw(st.integers(1, q - 1))
    seed = data.draw(seed_vectors(n, q))
    masks_ = lqv_masks(seed, q, k)
    assert infer_lqv_seed(masks_, q, k) == seed
    assert infer_lqv_seed(np.roll(masks_, 1, axis=0), q, k) is not None  # a rotation is another seed vector
    broken = masks_.copy()
    broken[0, 0] = ~broken[0, 0]
    assert infer_lqv_seed(broken, q, k) is None


def test_lqv_seed_at_lambda_one_and_for_a_single_skipped_mask():
    assert infer_lqv_seed(np.ones((1, 3), bool), 5, 5) == (0, 0, 0)
    assert infer_lqv_seed(np.ones((1, 3), bool), 5, 4) is None


def test_masked_row_watch_names_each_kind_of_violation():
    x = np.array([[3.0, -4.0, 5.0], [6.0, 7.0, -8.0]])
    alpha = np.array([[1, 0, 1], [1, 1, 1]], dtype=float)
    good = np.array([[3.0, 0.0, 5.0], [0.0, 0.0, 0.0], [6.0, 7.0, 0.0], [-0.0, 0.0, -8.0]])
    assert masked_row_problem(good, x, alpha, None) is None
    ramp = masked_row_problem(np.array([[3.0 * 0.99998, 0.0, 0.0]]), x, alpha, None)
    assert "neither 0 nor x[b, 0]" in ramp["reason"]
    hidden = masked_row_problem(np.array([[3.0, -4.0, 0.0]]), x, alpha, None)
    assert "features [1] are visible although alpha[0] hides them" in hidden["reason"]
    mixed = masked_row_problem(np.array([[3.0, 7.0, 0.0]]), x, alpha, None)
    assert "mixes entries of different input rows" in mixed["reason"]
    mu = np.array([[1, 0, 0], [0, 0, 0]], dtype=float)
    dropped = masked_row_problem(np.array([[0.0, 0.0, 5.0]]), x[:1], alpha[:1], mu[:1])
    assert "hidden although mu[0] keeps them" in dropped["reason"]


@settings(max_examples=30, deadline=None)
@given(data=st.data(), q=st.integers(2, 16), n=st.integers(2, 6))
def test_tight_constructions_tie_or_swap_exactly_one_step_beyond_the_strict_radius(data, q, n):
    k = data.draw(st.integers(1, q))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    seed = spread_seed(n, q, k, rng)
    distribution = lqv(seed, q, Fraction(k, q))
    x = np.arange(1.0, n + 1)
    for case in constructions(lqv_masks(seed, q, k), 2, n - 1):
        at_alpha = top_two(smooth(case.classifier, x, case.alpha, distribution))
        at_witness = top_two(smooth(case.classifier, x, case.witness, distribution))
        assert int(np.sum(case.alpha ^ case.witness)) == case.distance
        if case.distance == 0:
            assert at_alpha.predicted is None  # a tie at α: only r = -1 is sound
            continue
        strict = certified_radius(at_alpha.gap, Fraction(k, q))
        assert strict == case.distance - 1  # the strict rule stops exactly one step short ...
        assert at_witness.predicted != at_alpha.predicted  # ... of a tie (None) or a swap


def test_classifiers_rebuild_from_their_spec_and_answer_torch_in_torch_out():
    rows = np.array([[0.0, 2.0, -3.0], [1.0, 0.0, 0.0]])
    for classifier in (HashTable(3, seed=4), PatternTable(3, 2, seed=1, vote=True), PatternProbe(3), PatternVotes(3, 2, {1: 1}, any_mask=4)):
        rebuilt = build(classifier.spec())
        assert np.array_equal(rebuilt(rows), classifier(rows))
        assert np.allclose(classifier(rows).sum(axis=1), 1.0)
        out = rebuilt(torch.from_numpy(rows).float())
        assert out.dtype == torch.float32 and out.shape == (2, classifier.m)


def test_hash_table_sees_exact_values_but_not_the_sign_of_zero():
    table = HashTable(4, seed=0)
    x = np.array([[3.0, -0.0, 5.0]])
    assert np.array_equal(table(x), table(np.array([[3.0, 0.0, 5.0]])))
    assert not np.array_equal(table(x), table(np.array([[3.0 * 0.99998, 0.0, 5.0]])))


def test_instrumented_base_records_rows_and_survives_deepcopy():
    base = Instrumented(PatternProbe(2), 2)
    clone = copy.deepcopy(base)
    out = clone(torch.tensor([[1.0, 0.0], [0.0, 0.0]], dtype=torch.float64).reshape(1, 2, 2))
    assert clone is base and out.shape == (1, 2, 4) and out.dtype == torch.float64
    rows, dtypes = base.log.take()
    assert rows.tolist() == [[1.0, 0.0], [0.0, 0.0]] and dtypes == {"float64"}
    with pytest.raises(ValueError, match=r"inputs of shape \(B, 2\)"):
        base(torch.zeros(3, 5))


def test_tolerances_follow_the_working_dtype():
    assert working_dtype(["float64", "float32"]) == "float32"
    assert atol("float32", 64) == pytest.approx(4 * 64 * 2.0**-23)
    assert precision_of(np.array([0.25, 0.75]), "float64") == "float64"  # dyadic: says nothing
    assert precision_of(np.array([np.float32(1 / 3)], dtype=np.float64), "float64") == "float32"  # bits below 2^-24


def test_target_loading_and_adapters():
    with pytest.raises(InvalidArgument) as error:
        load_target("mus_verify.gate.classifiers:nothing_here")
    assert error.value.argument == "TARGET"
    assert load_target("mus_verify.gate.classifiers:build") is build
    assert ModuleFactory.int_seed([1, 2]) != ModuleFactory.int_seed([2, 1])


def test_dyadic_float64_outputs_keep_float64_precision():
    """Averages of the gate's 1/16-valued tables are dyadics like 1491/4096: float16-representable, yet
    exact float64 values; judging them at float16 tolerance (0.06) turned a 0.03 gap into a 'tie'."""
    import numpy as np

    from mus_verify.gate.tolerance import precision_of

    assert precision_of(np.array([1491 / 4096, 1231 / 4096, 1374 / 4096]), "float64") == "float64"
    assert precision_of(np.array([np.float32(1 / 3), np.float32(2 / 3)], dtype=np.float64), "float64") == "float32"
