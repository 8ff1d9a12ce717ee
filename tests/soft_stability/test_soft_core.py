"""Exact core: Δ_r, τ_r, tie policies, variants, the sampler's exact law, N and the intervals."""

from fractions import Fraction
import math

import numpy as np
import pytest

from mus_verify.errors import InvalidArgument
from mus_verify.soft_stability.bounds import binomial_miss_probability, clopper_pearson, hoeffding_samples, one_sided_samples
from mus_verify.soft_stability.perturbations import delta_size, subsets, supersets
from mus_verify.soft_stability.rates import ScoreTable, hard_radius, rate_curve, smooth_iid, stability_rate
from mus_verify.soft_stability.sampler import IntegerSource, UniformSupersetSampler, exact_law
from mus_verify.soft_stability.sca import sca, table_classifier
from mus_verify.soft_stability.theory import smooth_iid_direct


def test_delta_sizes_and_edges():
    assert [delta_size(5, r) for r in range(7)] == [1, 6, 16, 26, 31, 32, 32]
    assert supersets(0b1, 1, 3) == [0b1]  # m = 0: Δ_r = {α}
    assert supersets(0b0, 1, 1) == [0b0, 0b1]  # m = 1
    assert subsets(0b11, 2, 1) == [0b11, 0b10, 0b01]
    with pytest.raises(InvalidArgument, match="r"):
        delta_size(3, -1)


def test_non_monotone_rate_and_tie_policies():
    # notes §1.4: m = 2, both single additions flip, the double does not
    t = ScoreTable.from_rows([[0, 1], [1, 0], [1, 0], [0, 1]])
    assert rate_curve(t, 0, 3) == [1, Fraction(1, 3), Fraction(1, 2), Fraction(1, 2)]
    assert stability_rate(t, 0, 2, shape="exactly").rate == 1
    assert hard_radius(t, 0) == 0
    tied = ScoreTable.from_rows([[1, 1], [1, 0]])
    assert stability_rate(tied, 0, 1).rate == 0  # strict: a tie is never "same prediction"
    assert stability_rate(tied, 0, 1, tie="lowest-index").rate == 1
    assert stability_rate(t, 0b11, 1, direction="remove").rate == Fraction(1, 3)


def test_tensor_product_equals_direct_expectation():
    rng = np.random.default_rng(0)
    t = ScoreTable(4, rng.integers(0, 9, size=(16, 3)), 8)
    for lam in ("0", "1/3", "1"):
        a, b = smooth_iid(t, lam), smooth_iid_direct(t, lam)
        assert all(a.value(c) == b.value(c) for c in range(16))
    assert all(smooth_iid(t, "1").value(c) == t.value(c) for c in range(16))


def test_sampler_exact_law_edge_cases():
    for n, alpha, r in [(0, 0, 0), (1, 0, 1), (1, 1, 2), (4, 0b0101, 5)]:
        law = exact_law(UniformSupersetSampler(n, alpha, r))
        assert set(law) == set(supersets(alpha, n, r)) and set(law.values()) == {Fraction(1, len(law))}


def test_sampler_big_m_and_dedicated_rng():
    state = np.random.get_state()[1].copy()
    codes = UniformSupersetSampler(300, 0, 200).draw(IntegerSource(3), 5)  # |Δ_r| > 2^62: big-integer path
    assert all(0 <= c < 1 << 300 and bin(c).count("1") <= 200 for c in codes)
    assert (np.random.get_state()[1] == state).all()
    assert codes == UniformSupersetSampler(300, 0, 200).draw(IntegerSource(3), 5)


def test_sample_sizes_table():
    assert [hoeffding_samples(e, d) for e, d in [("0.1", "0.1"), ("0.1", "0.05"), ("0.05", "0.05"), ("0.01", "0.1")]] == [150, 185, 738, 14979]
    assert one_sided_samples("1/10", "1/10") == 116
    for e, d in [("1/10", "1/10"), ("1/7", "1/3")]:
        N = hoeffding_samples(e, d)
        assert 2 * math.exp(-2 * N * float(Fraction(e)) ** 2) <= float(Fraction(d)) < 2 * math.exp(-2 * (N - 1) * float(Fraction(e)) ** 2)
    # notes §2.4: exact worst-case miss probability at N = 150, ε = 0.1 is about 0.0172
    assert binomial_miss_probability(150, Fraction(46, 100), "1/10") < Fraction(2, 100)


def test_clopper_pearson_is_conservative_exactly():
    from mus_verify.soft_stability.bounds import _tail_at_least

    for k in (0, 1, 75, 149, 150):
        low, high = clopper_pearson(k, 150, "1/10")
        assert 0 <= low <= k / 150 <= high <= 1
        if k:
            assert _tail_at_least(150, k, Fraction(low)) <= Fraction(1, 20)
        if k < 150:
            assert 1 - _tail_at_least(150, k + 1, Fraction(high)) <= Fraction(1, 20)


def test_sca_records_and_is_deterministic():
    t = ScoreTable.from_rows([[0, 1], [1, 0], [1, 0], [0, 1]])
    e = sca(table_classifier(t), 0, 2, seed=4, record_masks=True)
    assert e.n_samples == 150 and e.seed == 4 and len(e.masks) == 150
    assert e == sca(table_classifier(t), 0, 2, seed=4, record_masks=True)
    assert e.hoeffding == (max(Fraction(0), e.estimate - Fraction(1, 10)), min(Fraction(1), e.estimate + Fraction(1, 10)))
    assert sca(table_classifier(t), [1, 1], 3).estimate == 1  # m = 0


def test_smooth_distribution_any_mask_law():
    from mus_verify.distributions import bernoulli_iid, lqv
    from mus_verify.soft_stability.rates import smooth_distribution, smooth_lqv

    t = ScoreTable(3, np.random.default_rng(1).integers(0, 5, size=(8, 2)), 4)
    a, b = smooth_distribution(t, bernoulli_iid(3, "1/3")), smooth_iid(t, "1/3")
    assert all(a.value(c) == b.value(c) for c in range(8))
    c, d = smooth_distribution(t, lqv([0, 1, 2], 4, "1/4")), smooth_lqv(t, [0, 1, 2], 4, "1/4")
    assert all(c.value(k) == d.value(k) for k in range(8))
