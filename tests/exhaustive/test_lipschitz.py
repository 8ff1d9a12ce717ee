"""lipschitz: PROVED on MuS for every classifier; planted bugs refuted with shrunk, replayable edges."""

from fractions import Fraction

import numpy as np
import pytest

from mus_verify.checks import CheckConfig, run_check
from mus_verify.checks.lipschitz import _concrete_scan, check_lipschitz, replay_edge
from mus_verify.distributions import MaskDistribution, bernoulli_iid, lqv, random_seed_vector
from mus_verify.exhaustive import ADDITIVE, MULTIPLICATIVE, Quorum, encode_noise, off_by_half_lqv
from mus_verify.exhaustive.engine import Stats
from mus_verify.exhaustive.inputs import default_inputs
from mus_verify.results import Verdict


def test_proved_on_mus_with_the_exact_constant():
    result = run_check("lipschitz", CheckConfig(n=6, q=16, lam="4/16"))
    assert result.verdict is Verdict.PROVED and result.holds
    assert result.cases == 2 * 6 * 2**5  # every edge at both inputs
    assert result.details["max_tv"] == Fraction(1, 4) and result.margin == 0
    assert result.details["concrete"]["runs"] > 0 and result.details["concrete"]["largest_difference"] <= Fraction(1, 4)
    assert result.details["masks_per_s"] > 0 and "masks/s" in result.message


def test_independent_noise_is_also_lipschitz():
    result = check_lipschitz(bernoulli_iid(4, "1/3"), "1/3", classifiers=())
    assert result.verdict is Verdict.PROVED and result.details["max_tv"] == Fraction(1, 3)


@pytest.mark.parametrize("n, q, k", [(4, 8, 2), (7, 16, 4)])
def test_off_by_half_is_refuted_on_a_single_feature(n, q, k):
    v = random_seed_vector(n, q, seed=2)
    result = check_lipschitz(off_by_half_lqv(v, q, Fraction(k, q)), Fraction(k, q))
    assert result.verdict is Verdict.REFUTED
    cex = result.counterexample
    assert cex.kind == "lipschitz-edge"
    data = cex.data
    # shrunk: the empty mask against feature 0 alone, every other entry of x zeroed
    assert data["alpha"] == [0] * n and data["alpha_prime"] == [1] + [0] * (n - 1)
    assert data["features_changed"] == 1
    assert data["x"] == [1.0] + [0.0] * (n - 1)
    assert data["difference"] == Fraction(k + 1, q) and data["lam"] == Fraction(k, q)
    assert data["classifier"] == {"family": "indicator", "classes": 2, "rows": [[0.0] * n]}  # class 1 iff nothing is visible
    assert result.margin == Fraction(-1, q)
    assert cex.replay()


def test_a_single_wrong_coordinate_is_found_and_named():
    good = lqv([0, 1, 2, 3], 4, "1/4")
    masks = good.masks.copy()
    masks[1, 2] = True  # coordinate 2 is now kept in 2 of the 4 masks
    bad = MaskDistribution(masks, good.counts, good.total, "one-coordinate-too-often")
    result = check_lipschitz(bad, "1/4", classifiers=())
    assert result.verdict is Verdict.REFUTED
    data = result.counterexample.data
    assert data["alpha_prime"][2] == 1 and sum(data["alpha_prime"]) - sum(data["alpha"]) == 1
    assert data["difference"] == Fraction(1, 2) and result.counterexample.replay()


def test_additive_noise_is_not_lipschitz_either():
    result = check_lipschitz(lqv([0, 3, 1], 8, "2/8"), "2/8", variant=ADDITIVE, classifiers=())
    assert result.verdict is Verdict.REFUTED
    data = result.counterexample.data
    assert data["variant"] == "additive" and data["features_changed"] == 1
    assert data["difference"] > Fraction(2, 8)
    assert result.counterexample.replay()


def test_concrete_classifiers_give_replayable_examples():
    v = random_seed_vector(5, 8, seed=0)
    noise = encode_noise(off_by_half_lqv(v, 8, "2/8"))
    cex, largest, runs, edges = _concrete_scan(noise, MULTIPLICATIVE, [Quorum(1)], default_inputs(5)[:1], ("vote",), Fraction(2, 8), Stats(), None)
    assert cex is not None and runs == 1 and edges == 5 * 16
    assert cex.data["classifier"]["family"] == "quorum" and cex.data["features_changed"] == 1
    assert cex.data["difference"] == largest == Fraction(3, 8)
    assert cex.replay()


def test_replay_rejects_a_tampered_counterexample():
    result = check_lipschitz(off_by_half_lqv([0, 1, 2], 4, "1/4"), "1/4", classifiers=())
    data = dict(result.counterexample.data)
    assert replay_edge(data)
    data["lam"] = Fraction(1, 2)
    assert not replay_edge(data)


def test_all_seed_vectors_and_usage_errors():
    result = run_check("lipschitz", CheckConfig(n=2, q=3, lam="1/3", all_seed_vectors=True, classifiers="voting"))
    assert result.verdict is Verdict.PROVED and result.cases == 9 * 2 * 2 * 2
    from mus_verify.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="at most"):
        run_check("lipschitz", CheckConfig(n=8, q=4, lam="1/4", all_seed_vectors=True))
    with pytest.raises(InvalidArgument, match="--classifiers"):
        run_check("lipschitz", CheckConfig(n=3, q=4, lam="1/4", classifiers="resnet"))


def test_inputs_with_zeros_are_covered():
    result = check_lipschitz(lqv([0, 1, 2], 4, "1/4"), "1/4", inputs=[("zeros", np.zeros(3))], classifiers=())
    assert result.verdict is Verdict.PROVED and result.details["max_tv"] == 0  # nothing is ever visible


def test_shrink_drops_kept_features_and_zeroes_the_input():
    from mus_verify.checks.lipschitz import _single_tv, shrink_edge

    noise = encode_noise(off_by_half_lqv([0, 1, 2, 3], 8, "2/8"))
    x = np.array([1.0, 2.0, 3.0, 4.0])

    def violates(trial_x, trial_alpha):
        return _single_tv(noise, MULTIPLICATIVE, trial_x, trial_alpha, 1) * 8 > 2 * noise.total

    assert violates(x, 0b1101)
    x_small, alpha_small = shrink_edge(noise, MULTIPLICATIVE, x, 0b1101, 1, violates)
    assert alpha_small == 0 and x_small.tolist() == [0.0, 2.0, 0.0, 0.0]
