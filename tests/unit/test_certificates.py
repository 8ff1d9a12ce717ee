"""The strict, tie-aware radius r = ⌈gap/(2λ)⌉ − 1 and why the published rules are unsound."""

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mus_verify import InvalidArgument
from mus_verify.certificates import (
    RADIUS_RULES,
    SOUND_RADIUS_RULES,
    certified_radius,
    certify,
    certify_decremental,
    certify_incremental,
    top_two,
)
from mus_verify.distributions import finite, lqv
from mus_verify.smoothing import smooth


def votes_class_1_only_when_all_hidden(inputs):
    all_hidden = (inputs == 0).all(axis=1)
    return np.stack([~all_hidden, all_hidden], axis=1).astype(float)


def test_smallest_tie_case_from_the_notes():
    """n = 2, q = 2, λ = 1/2; h votes class 1 only when both features are hidden.

    At α = (0, 0) every masked input is all-zero, so g = (0, 1) and gap = 1.
    ⌊gap/(2λ)⌋ = 1 claims radius 1, yet α' = (0, 1), at distance 1, ties at (1/2, 1/2).
    """
    lam = Fraction(1, 2)
    for v in itertools.product(range(2), repeat=2):  # every seed vector
        d = lqv(v, 2, lam)
        x = [1.0, 2.0]
        cert = certify(votes_class_1_only_when_all_hidden, x, [0, 0], d)
        assert (cert.predicted, cert.gap, cert.lam) == (1, Fraction(1), lam)
        assert RADIUS_RULES["floor"](cert.gap, lam) == 1  # the unsound claim
        assert smooth(votes_class_1_only_when_all_hidden, x, [0, 1], d) == (Fraction(1, 2), Fraction(1, 2))
        assert top_two(smooth(votes_class_1_only_when_all_hidden, x, [0, 1], d)).predicted is None
        assert cert.radius == 0  # the strict rule claims nothing beyond α itself


def test_ceil_rule_claims_a_flip():
    """gap/(2λ) = 3/2: ⌈·⌉ = 2 is too far; a truth table flips the class at distance 2 (found by the checks)."""
    assert RADIUS_RULES["ceil"](Fraction(3, 4), Fraction(1, 4)) == 2
    assert certified_radius(Fraction(3, 4), Fraction(1, 4)) == 1


def test_only_the_strict_rule_is_offered_as_sound():
    assert SOUND_RADIUS_RULES == ("strict",)
    assert RADIUS_RULES["strict"] is certified_radius
    import mus_verify

    assert "certified_radius" in mus_verify.__all__
    assert not any("floor" in name or "ceil" in name for name in mus_verify.__all__)


@given(st.integers(0, 64), st.integers(1, 64))
def test_strict_radius_is_the_largest_integer_with_2_lam_r_below_gap(gap_steps, lam_steps):
    gap, lam = Fraction(gap_steps, 64), Fraction(lam_steps, 64)
    r = certified_radius(gap, lam)
    assert r >= -1
    if gap == 0:
        assert r == -1
    else:
        assert 2 * lam * r < gap <= 2 * lam * (r + 1)


def test_top_two():
    assert top_two([Fraction(1, 5), Fraction(3, 5), Fraction(1, 5)]).predicted == 1
    assert top_two([Fraction(1, 5), Fraction(3, 5), Fraction(1, 5)]).gap == Fraction(2, 5)
    assert top_two([Fraction(1)]).gap == 1
    assert top_two([Fraction(1, 2), Fraction(1, 2)]).predicted is None


def test_incremental_and_decremental_certificates():
    h = lambda inputs: np.stack([(inputs[:, 0] == 0), (inputs[:, 0] != 0)], axis=1).astype(float)
    d = lqv([0, 3], 8, "2/8")
    inc = certify_incremental(h, [1.0, 1.0], [1, 0], d)
    dec = certify_decremental(h, [1.0, 1.0], d)
    assert inc.kind == "incremental" and inc.alpha == (1, 0)
    assert dec.kind == "decremental" and dec.alpha == (1, 1)
    assert inc.probabilities == (Fraction(3, 4), Fraction(1, 4))
    assert inc.radius == certified_radius(Fraction(1, 2), Fraction(1, 4)) == 0


def test_certify_refuses_a_lambda_below_the_noise_marginals():
    h = lambda inputs: np.ones((len(inputs), 1))
    d = lqv([0], 4, "2/4")
    with pytest.raises(InvalidArgument, match="largest marginal 1/2"):
        certify(h, [1.0], [1], d, lam="1/4")
    # A distribution with unequal marginals is certified with its largest one (Thm 3.1's proof).
    uneven = finite([[1, 0], [1, 1], [0, 0], [0, 0]], ["1/4"] * 4)
    assert certify(h, [1.0, 1.0], [1, 1], uneven).lam == Fraction(1, 2)


@pytest.mark.parametrize("gap, lam, argument", [(Fraction(-1, 4), Fraction(1, 4), "gap"), (Fraction(1, 4), 0, "lam"), (2, Fraction(1, 4), "gap")])
def test_radius_bad_input(gap, lam, argument):
    with pytest.raises(InvalidArgument) as info:
        certified_radius(gap, lam)
    assert info.value.argument == argument
