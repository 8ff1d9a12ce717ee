"""The exact reference g(x, α) = E_s h(x ⊙ α ⊙ s)."""

import itertools
from fractions import Fraction

import numpy as np
import pytest

from mus_verify import InvalidArgument
from mus_verify.distributions import bernoulli_iid, finite, lqv
from mus_verify.smoothing import smooth, smooth_f


def truth_table_classifier(table, n):
    """Class probabilities as a function of which of the n features are visible (x has nonzero entries)."""

    def h(inputs):
        codes = (inputs != 0).astype(np.int64) @ (1 << np.arange(n))
        return np.array([table[c] for c in codes], dtype=object)

    return h


def brute_force(h_of_mask, alpha, distribution, keep=None):
    total = [Fraction(0)] * 2
    for mask, w in zip(distribution.masks, distribution.weights()):
        effective = np.asarray(alpha, bool) & mask
        if keep is not None:
            effective |= np.asarray(keep, bool)
        p = h_of_mask(tuple(int(b) for b in effective))
        total = [t + w * pc for t, pc in zip(total, p)]
    return tuple(total)


def test_matches_brute_force_for_every_alpha():
    n, q = 3, 5
    rng = np.random.default_rng(1)
    table = {}
    for code in range(2**n):
        a = Fraction(int(rng.integers(0, 7)), 6)
        table[code] = (a, 1 - a)
    h = truth_table_classifier(table, n)
    d = lqv([4, 0, 2], q, "2/5")
    x = np.array([1.5, -2.0, 3.0])
    for alpha in itertools.product([0, 1], repeat=n):
        expected = brute_force(lambda m: table[sum(b << i for i, b in enumerate(m))], alpha, d)
        assert smooth(h, x, alpha, d) == expected


def test_masking_equivalence_on_the_reference():
    n = 4
    rng = np.random.default_rng(2)
    table = {c: (Fraction(int(v), 4), 1 - Fraction(int(v), 4)) for c, v in enumerate(rng.integers(0, 5, 2**n))}
    h = truth_table_classifier(table, n)
    d = lqv([1, 3, 0, 2], 4, "1/4")
    x = np.array([1.0, 2.0, 3.0, 4.0])
    for alpha in itertools.product([0, 1], repeat=n):
        assert smooth(h, x * np.array(alpha), np.ones(n, int), d) == smooth(h, x, alpha, d)


def test_float_outputs_are_converted_exactly():
    third = 1 / 3  # not 1/3: the float nearest to it
    h = lambda inputs: np.tile([third, 1 - third], (len(inputs), 1))
    g = smooth(h, [1.0], [1], lqv([0], 2, "1/2"))
    assert g == (Fraction(third), Fraction(1 - third))
    assert g[0] != Fraction(1, 3)


def test_voting_counts_the_argmax_with_ties_to_the_lowest_class():
    def h(inputs):
        visible = inputs[:, 0] != 0
        return np.stack([np.where(visible, 0.2, 0.5), np.where(visible, 0.8, 0.5)], axis=1)

    d = lqv([0], 4, "1/4")
    assert smooth(h, [7.0], [1], d, mode="average") == (Fraction(1, 4) * Fraction(0.2) + Fraction(3, 8), Fraction(1, 4) * Fraction(0.8) + Fraction(3, 8))
    assert smooth(h, [7.0], [1], d, mode="vote") == (Fraction(3, 4), Fraction(1, 4))


def test_groups_hide_whole_patches():
    seen = []

    def h(inputs):
        seen.extend(map(tuple, inputs))
        return np.tile([1.0, 0.0], (len(inputs), 1))

    d = finite([[1, 0]], [1])
    smooth(h, [1.0, 2.0, 3.0, 4.0], [1, 1], d, groups=[0, 0, 1, 1])
    assert seen == [(1.0, 2.0, 0.0, 0.0)]


def test_keep_mask_is_always_visible():
    seen = []

    def h(inputs):
        seen.extend(map(tuple, inputs))
        return np.tile([1.0], (len(inputs), 1))

    d = finite([[0, 0, 0]], [1])
    smooth(h, [1.0, 2.0, 3.0], [1, 1, 0], d, keep=[0, 1, 0])
    assert seen == [(0.0, 2.0, 0.0)]


def test_hidden_negative_features_become_positive_zero():
    seen = []

    def h(inputs):
        seen.append(inputs.copy())
        return np.ones((len(inputs), 1))

    smooth(h, [-3.0], [0], lqv([0], 1, 1))
    assert np.signbit(seen[0]).sum() == 0


def test_classifier_called_once_per_distinct_masked_input():
    calls = []

    def h(inputs):
        calls.append(len(inputs))
        return np.ones((len(inputs), 1))

    smooth(h, [1.0, 2.0], [0, 0], lqv([0, 1], 64, "16/64"))
    assert calls == [1]  # α = 0 hides everything: 64 masks, one distinct input


def test_f_is_g_at_the_full_mask():
    h = lambda inputs: np.stack([(inputs[:, 0] != 0), (inputs[:, 0] == 0)], axis=1).astype(float)
    d = bernoulli_iid(2, "1/3")
    assert smooth_f(h, [1.0, 1.0], d) == smooth(h, [1.0, 1.0], [1, 1], d) == (Fraction(1, 3), Fraction(2, 3))


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        (dict(alpha=[1, 0.5]), "alpha[1]"),
        (dict(alpha=[1, 2]), "alpha[1]"),
        (dict(alpha=[1]), "alpha"),
        (dict(alpha=[1, float("nan")]), "alpha[1]"),
        (dict(x=[1.0, float("nan")]), "x[1]"),
        (dict(x=[1.0, float("inf")]), "x[1]"),
        (dict(x=[1.0, 2.0, 3.0]), "x"),
        (dict(keep=[1, 1], alpha=[1, 0]), "keep"),
        (dict(mode="max"), "mode"),
        (dict(groups=[0, 0]), "groups"),
    ],
)
def test_bad_input_names_the_argument(kwargs, argument):
    h = lambda inputs: np.tile([0.5, 0.5], (len(inputs), 1))
    args = dict(x=[1.0, 2.0], alpha=[1, 1], distribution=lqv([0, 1], 2, "1/2"))
    args.update(kwargs)
    with pytest.raises(InvalidArgument) as info:
        smooth(h, **args)
    assert info.value.argument == argument


@pytest.mark.parametrize(
    "outputs, argument, fragment",
    [
        ([[1.2, -0.2]], "h(x)[0, 0]", "[0, 1]"),
        ([[0.7, 0.7]], "h(x)[0]", "summing to 1"),
        ([[float("nan"), 1.0]], "h(x)[0, 0]", "finite"),
        ([[float("inf"), 0.0]], "h(x)[0, 0]", "finite"),
        ([[0.5, 0.5], [0.5, 0.5]], "h(x)", "one row per input"),
        ([[Fraction(1, 3), Fraction(1, 3)]], "h(x)[0]", "exactly 1"),
    ],
)
def test_bad_classifier_outputs(outputs, argument, fragment):
    h = lambda inputs: np.array(outputs, dtype=object if isinstance(outputs[0][0], Fraction) else float)
    with pytest.raises(InvalidArgument) as info:
        smooth(h, [1.0], [1], finite([[1]], [1]))
    assert info.value.argument == argument
    assert fragment in str(info.value)


def test_row_sum_tolerance_depends_on_dtype():
    off = 1 - 5e-6
    h32 = lambda inputs: np.array([[off, 0.0]], dtype=np.float32)
    smooth(h32, [1.0], [1], finite([[1]], [1]))  # within float32's 1e-4
    h64 = lambda inputs: np.array([[off, 0.0]], dtype=np.float64)
    with pytest.raises(InvalidArgument, match="within 1e-09 for float64"):
        smooth(h64, [1.0], [1], finite([[1]], [1]))
