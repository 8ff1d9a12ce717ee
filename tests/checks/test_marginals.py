"""The marginals check verifies L_qv and refutes distributions whose marginals miss λ."""

from fractions import Fraction

import numpy as np
import pytest

from mus_verify.checks import CheckConfig, run_check
from mus_verify.checks.marginals import check_marginals
from mus_verify.distributions import MaskDistribution, bernoulli_iid, lqv, random_seed_vector
from mus_verify.results import Verdict


def off_by_half(seed_vector, q, k):
    """Planted bug: (v_i + j) mod q <= k keeps every feature in k + 1 of the q masks."""
    v = np.asarray(seed_vector)
    masks = (v[None, :] + np.arange(q)[:, None]) % q <= k
    return MaskDistribution(masks, (1,) * q, q, "off-by-half", {"seed_vector": tuple(seed_vector)})


def test_verifies_lqv_at_the_issue_size():
    result = run_check("marginals", CheckConfig(n=64, q=64, lam="16/64"))
    assert result.verdict is Verdict.VERIFIED
    assert result.cases == 64
    assert result.params["quantified_over"] == "coordinates"


def test_refutes_the_off_by_half_distribution_at_the_first_coordinate():
    v = random_seed_vector(8, 16, seed=1)
    result = check_marginals([off_by_half(v, 16, 4)], Fraction(4, 16))
    assert result.verdict is Verdict.REFUTED
    cex = result.counterexample
    assert cex.kind == "marginal"
    assert cex.data["coordinate"] == 0
    assert cex.data["expected"] == Fraction(1, 4) and cex.data["actual"] == Fraction(5, 16)
    assert cex.data["seed_entry"] == v[0]
    assert cex.replay()
    assert "coordinate 0" in result.message


def test_reports_the_offending_coordinate_when_only_one_is_wrong():
    good = lqv([0, 1, 2, 3], 4, "1/4")
    masks = good.masks.copy()
    masks[0, 2] = ~masks[0, 2]  # flip one bit of coordinate 2 only
    bad = MaskDistribution(masks, good.counts, good.total, "one-bit-flip")
    result = check_marginals([good, bad], Fraction(1, 4))
    assert result.verdict is Verdict.REFUTED
    assert result.counterexample.data["coordinate"] == 2
    assert result.cases == 4 + 3  # stopped at the first violation
    projected = result.counterexample.data["projected_distribution"]
    assert projected["weights"] and all(len(m) == 1 for m in projected["masks"])


def test_refutes_independent_noise_at_the_wrong_lambda():
    result = check_marginals([bernoulli_iid(3, "1/3")], Fraction(1, 4))
    assert result.verdict is Verdict.REFUTED and result.counterexample.data["actual"] == Fraction(1, 3)


def test_replay_detects_a_tampered_counterexample():
    result = check_marginals([off_by_half([0, 1], 4, 1)], Fraction(1, 4))
    data = dict(result.counterexample.data)
    data["expected"] = data["actual"]
    from mus_verify.checks.marginals import replay_marginal

    assert replay_marginal(result.counterexample.data)
    assert not replay_marginal(data)


def test_empty_domain_is_vacuous():
    result = check_marginals([], Fraction(1, 4))
    assert result.verdict is Verdict.VACUOUS and not result.holds


def test_all_seed_vectors():
    result = run_check("marginals", CheckConfig(n=3, q=5, lam="2/5", all_seed_vectors=True))
    assert result.verdict is Verdict.VERIFIED and result.cases == 5**3 * 3


def test_progress_is_reported_per_distribution():
    ticks = []
    run_check("marginals", CheckConfig(n=2, q=3, lam="1/3", all_seed_vectors=True), ticks.append)
    assert sum(ticks) == 9
