"""The four checks hold on the reference, and every planted bug is REFUTED with a replaying counterexample."""

from fractions import Fraction

import pytest

import mus_verify.checks  # noqa: F401  (registers the replayers)
from mus_verify.results import Verdict
from mus_verify.soft_stability import planted
from mus_verify.soft_stability.check_coverage import check_coverage
from mus_verify.soft_stability.check_exact import check_exact
from mus_verify.soft_stability.check_sampler import check_sampler
from mus_verify.soft_stability.check_smoothing import check_smoothing
from mus_verify.soft_stability.families import vote_table

SMALL = ((1, 2, "1/2"), (3, 4, "1/4"))


def test_exact_holds_small():
    result = check_exact(SMALL)
    assert result.verdict is Verdict.VERIFIED and result.details["nontrivial_certificates"] > 0


def test_ge_boundary_rule_refuted_on_the_notes_example():
    result = check_exact(SMALL, radius_rule=planted.ge_radius)
    assert result.verdict is Verdict.REFUTED
    data = result.counterexample.data
    assert (data["n"], data["q"], data["r"], data["claimed_radius"], data["strict_radius"]) == (1, 2, 1, 1, 0)
    assert result.counterexample.replay()


def test_truncated_lambda_radius_refuted():
    result = check_exact(((6, 8, "3/8"),), radius_rule=planted.truncated_radius(100))
    assert result.verdict is Verdict.REFUTED
    assert result.counterexample.data["claimed_radius"] > result.counterexample.data["strict_radius"]
    assert result.counterexample.replay()


def test_sampler_holds_and_uniform_j_refuted_exactly_and_statistically():
    assert check_sampler(exact_max_n=3).verdict is Verdict.VERIFIED
    exact = check_sampler(planted.UniformShellSampler, exact_max_n=3)
    assert exact.counterexample.kind == "soft-stability-sampler-law"
    assert (exact.counterexample.data["probability"], exact.counterexample.data["expected"]) == (Fraction(1, 2), Fraction(1, 3))
    assert exact.counterexample.replay()
    fit = check_sampler(planted.UniformShellSampler, exact_max_n=-1)
    assert fit.counterexample.kind == "soft-stability-sampler-fit" and fit.counterexample.data["p_value"] < 1e-6
    assert fit.counterexample.replay()


def test_coverage_holds_and_planted_bugs_refuted():
    assert check_coverage(seeds=20, max_cases=2).holds
    one_sided = check_coverage(samples=planted.one_sided_samples)
    assert one_sided.counterexample.kind == "soft-stability-sample-size"
    assert (one_sided.counterexample.data["n_samples"], one_sided.counterexample.data["required"]) == (116, 150)
    assert one_sided.counterexample.replay()
    uniform_j = check_coverage(sampler=planted.UniformShellSampler, seeds=20, max_cases=2)
    assert uniform_j.verdict is Verdict.REFUTED and uniform_j.counterexample.data["misses"] > 10
    assert uniform_j.counterexample.replay()


def test_fresh_noise_per_call_refuted():
    result = check_coverage(classifier=lambda c: planted.FreshNoiseClassifier(vote_table(c.base), c.q, c.lam, 0), seeds=20, max_cases=2)
    assert result.verdict is Verdict.REFUTED
    assert result.counterexample.data["misses"] > result.counterexample.data["seeds"] // 4
    assert result.counterexample.replay()


def test_smoothing_holds_and_truncated_lambda_refuted():
    assert check_smoothing(max_n=3).verdict is Verdict.VERIFIED
    result = check_smoothing(planted.truncated_smooth_iid(100), max_n=3)
    assert result.verdict is Verdict.REFUTED and result.counterexample.data["lam"] == pytest.approx(0.29)
    assert result.counterexample.replay()


@pytest.mark.slow
def test_smoothing_to_n_10():
    assert check_smoothing(max_n=10).verdict is Verdict.VERIFIED


def test_results_serialise_to_json():
    import json

    for result in (check_coverage(seeds=10, max_cases=1), check_coverage(sampler=planted.UniformShellSampler, seeds=10, max_cases=1),
                   check_exact(SMALL, radius_rule=planted.ge_radius), check_sampler(planted.UniformShellSampler, exact_max_n=2),
                   check_smoothing(planted.truncated_smooth_iid(100), max_n=2)):
        document = json.loads(json.dumps(result.to_json()))
        assert document["verdict"] == result.verdict.value
