"""masking-equivalence and tightness: PROVED on MuS; additive noise and lowered marginals refuted."""

from fractions import Fraction

import pytest

from mus_verify.checks import CheckConfig, run_check
from mus_verify.checks.masking_equivalence import _concrete, check_masking_equivalence, replay_masking
from mus_verify.checks.tightness import check_tightness, replay_tightness
from mus_verify.distributions import bernoulli_iid, lqv, random_seed_vector
from mus_verify.exhaustive import ADDITIVE, Quorum, encode_noise, lowered_lqv, off_by_half_lqv
from mus_verify.exhaustive.engine import Stats
from mus_verify.exhaustive.inputs import default_inputs
from mus_verify.results import Verdict


def test_masking_equivalence_proved_on_mus():
    result = run_check("masking-equivalence", CheckConfig(n=6, q=16, lam="4/16"))
    assert result.verdict is Verdict.PROVED and result.cases == 2 * 2**6
    assert result.details["concrete_runs"] > 0 and "masks/s" in result.message


@pytest.mark.parametrize("n", [3, 8])
def test_additive_noise_breaks_masking_equivalence_with_one_hidden_feature(n):
    v = random_seed_vector(n, 16, seed=4)
    result = check_masking_equivalence(lqv(v, 16, "4/16"), variant=ADDITIVE)
    assert result.verdict is Verdict.REFUTED
    cex = result.counterexample
    assert cex.kind == "masking-equivalence"
    data = cex.data
    assert data["features_hidden"] == 1 and data["alpha"] == [0] + [1] * (n - 1)
    assert data["x"] == [1.0] + [0.0] * (n - 1)  # only the hidden feature's value matters
    # g_1(x, α) = Pr[s_0 = 1] = λ: additive noise reveals the hidden feature; the masked input never shows it
    assert data["g_x_alpha"][1] == Fraction(1, 4) and data["g_x_masked_ones"][1] == 0
    assert cex.replay()


def test_additive_noise_through_the_registry():
    result = run_check("masking-equivalence", CheckConfig(n=3, q=4, lam="1/4", extra={"variant": "additive"}))
    assert result.verdict is Verdict.REFUTED and result.params["variant"] == "additive"


def test_concrete_classifiers_see_the_additive_leak():
    noise = encode_noise(lqv([0, 2, 1], 4, "1/4"))
    cex, runs = _concrete(noise, ADDITIVE, [Quorum(3)], default_inputs(3)[:1], ("vote",), Stats(), None)
    assert cex is not None and cex.data["classifier"]["family"] == "quorum"
    assert cex.data["g_x_alpha"] != cex.data["g_x_masked_ones"]
    assert replay_masking(cex.data)
    assert not replay_masking({**cex.data, "variant": "multiplicative"})


def test_tightness_proved_with_a_replayed_witness():
    result = run_check("tightness", CheckConfig(n=5, q=16, lam="4/16"))
    assert result.verdict is Verdict.PROVED and result.margin == 0
    witness = result.details["witness"]
    assert witness["reference_reaches_lambda"] and witness["reference_difference"] == Fraction(1, 4)
    assert witness["features_changed"] == 1


def test_independent_noise_is_tight_too():
    assert check_tightness(bernoulli_iid(4, "1/4"), "1/4").verdict is Verdict.PROVED


def test_lowered_marginals_make_lambda_not_the_smallest_constant():
    v = random_seed_vector(4, 8, seed=1)
    result = check_tightness(lowered_lqv(v, 8, "2/8"), "2/8")
    assert result.verdict is Verdict.REFUTED
    cex = result.counterexample
    assert cex.kind == "tightness"
    assert cex.data["max_tv"] == Fraction(1, 8) and cex.data["lam"] == Fraction(2, 8)
    assert cex.data["reached_at"]["alpha"] == [0, 0, 0, 0] and cex.data["reached_at"]["feature"] == 0
    assert result.margin == Fraction(1, 8)
    assert cex.replay()
    assert not replay_tightness({**cex.data, "lam": Fraction(1, 8)})


def test_off_by_half_makes_lambda_invalid():
    result = check_tightness(off_by_half_lqv([0, 1, 2], 8, "2/8"), "2/8")
    assert result.verdict is Verdict.REFUTED
    assert result.counterexample.kind == "lipschitz-edge"
    assert result.counterexample.data["difference"] == Fraction(3, 8)
    assert result.counterexample.replay()
