"""incremental-/decremental-stability: VERIFIED with the strict rule, true radii exact, ceil/floor refuted."""

from fractions import Fraction

import numpy as np
import pytest

from mus_verify.certificates import certified_radius, top_two
from mus_verify.checks import CheckConfig, run_check
from mus_verify.checks.stability import check_stability, replay_stability
from mus_verify.distributions import lqv, random_seed_vector
from mus_verify.exhaustive import MULTIPLICATIVE, Quorum
from mus_verify.exhaustive.bits import masks_from_codes
from mus_verify.results import Verdict
from mus_verify.smoothing import smooth


@pytest.mark.parametrize("name", ["incremental-stability", "decremental-stability"])
def test_verified_on_mus(name):
    result = run_check(name, CheckConfig(n=6, q=16, lam="2/16"))
    assert result.verdict is Verdict.VERIFIED, result.message
    details = result.details
    assert details["nontrivial_certificates"] > 0 and details["largest_certified_radius"] >= 2
    direction = details["direction"]
    assert result.cases == details["pairs_checked"][direction] > 0
    # sound rule: the true radius is never below the certified one (capped at the cone)
    for key in (direction, "any"):
        for certified, row in details["true_vs_certified"][key].items():
            assert all(int(true) >= int(certified) for true in row)
    assert "masks/s" in result.message


def test_true_radius_matches_brute_force_enumeration():
    n, q = 4, 8
    distribution = lqv(random_seed_vector(n, q, 1), q, "1/8")
    clf = Quorum(2)
    x = np.arange(1.0, n + 1)
    result = check_stability(distribution, "1/8", direction="up", classifiers=[clf], inputs=[("x", x)], modes=("vote",))
    # recompute every certificate and true superset radius with the exact reference
    g = [smooth(clf, x, masks_from_codes(np.array([a]), n)[0], distribution, mode="vote") for a in range(1 << n)]
    expected: dict[int, dict[int, int]] = {}
    for a in range(1 << n):
        top = top_two(g[a])
        if top.predicted is None:
            continue
        r = certified_radius(top.gap, Fraction(1, 8))
        if r < 0:
            continue
        cone = n - bin(a).count("1")
        broken = [bin(a ^ b).count("1") for b in range(1 << n) if b & a == a and top_two(g[b]).predicted != top.predicted]
        true = min(broken) - 1 if broken else cone
        row = expected.setdefault(min(r, cone), {})
        row[true] = row.get(true, 0) + 1
    got = {int(r): {int(t): c for t, c in row.items()} for r, row in result.details["true_vs_certified"]["up"].items()}
    assert got == expected


def test_floor_rule_is_refuted_by_the_tie_of_the_notes():
    # n = 2, q = 2, λ = 1/2; class 1 iff a feature is visible: α = 00 has gap 1, ⌊1/1⌋ = 1, but β = 10 ties
    result = check_stability(lqv([0, 1], 2, "1/2"), "1/2", radius_rule="floor", classifiers=[Quorum(1)], modes=("vote",))
    assert result.verdict is Verdict.REFUTED
    cex = result.counterexample
    assert cex.kind == "stability"
    data = cex.data
    assert data["alpha"] == [0, 0] and data["beta"] == [1, 0] and data["features_changed"] == 1
    assert data["claimed_radius"] == 1 and data["strict_radius"] == 0 and data["gap"] == 1
    assert data["g_beta"] == [Fraction(1, 2), Fraction(1, 2)] and data["predicted_at_beta"] is None
    assert data["radius_rule"] == "floor"
    assert cex.replay()


def test_ceil_rule_is_refuted_where_floor_holds():
    # λ = 1/3, gap 1/3: ⌈1/2⌉ = 1 but adding feature 1 flips the class
    distribution = lqv([0, 1], 3, "1/3")
    ceil = check_stability(distribution, "1/3", radius_rule="ceil", classifiers=[Quorum(1)], modes=("vote",))
    floor = check_stability(distribution, "1/3", radius_rule="floor", classifiers=[Quorum(1)], modes=("vote",))
    assert floor.verdict is Verdict.VERIFIED
    assert ceil.verdict is Verdict.REFUTED
    data = ceil.counterexample.data
    assert data["alpha"] == [1, 0] and data["beta"] == [1, 1] and data["features_changed"] == 1
    assert data["gap"] == Fraction(1, 3) and data["claimed_radius"] == 1 and data["strict_radius"] == 0
    assert data["predicted"] == 0 and data["predicted_at_beta"] == 1
    assert ceil.counterexample.replay()


@pytest.mark.parametrize("rule", ["ceil", "floor"])
@pytest.mark.parametrize("name", ["incremental-stability", "decremental-stability"])
def test_unsound_rules_are_refuted_at_the_issue_configuration_sizes(rule, name):
    result = run_check(name, CheckConfig(n=8, q=64, lam="16/64", extra={"radius_rule": rule}))
    assert result.verdict is Verdict.REFUTED
    data = result.counterexample.data
    assert data["radius_rule"] == rule and data["features_changed"] >= 1
    assert data["features_changed"] <= data["claimed_radius"] and data["strict_radius"] < data["features_changed"]
    assert result.counterexample.replay()


def test_a_rule_that_certifies_ties_is_refuted_with_no_feature_changed():
    def claims_zero_at_ties(gap, lam):
        return max(certified_radius(gap, lam), 0)

    # n = 1, q = 2, λ = 1/2: "class 1 iff feature 0 is visible" ties at α = 1; everywhere else the rule is the strict one
    result = check_stability(lqv([0], 2, "1/2"), "1/2", direction="down", radius_rule=claims_zero_at_ties, classifiers=[Quorum(1)], modes=("vote",))
    assert result.verdict is Verdict.REFUTED
    data = result.counterexample.data
    assert data["features_changed"] == 0 and data["alpha"] == data["beta"] == [1] and data["predicted"] is None
    assert data["direction"] == "tie" and data["claimed_radius"] == 0
    assert result.counterexample.replay()


def test_lambda_one_half_is_vacuous_and_no_classifier_is_vacuous():
    result = run_check("incremental-stability", CheckConfig(n=3, q=4, lam="2/4"))
    assert result.verdict is Verdict.VACUOUS and not result.holds
    empty = check_stability(lqv([0, 1], 4, "1/4"), "1/4", classifiers=[])
    assert empty.verdict is Verdict.VACUOUS


def test_decremental_reports_the_paper_point():
    result = run_check("decremental-stability", CheckConfig(n=4, q=16, lam="2/16", classifiers="voting"))
    assert result.verdict is Verdict.VERIFIED
    for row in result.details["at_full_input"]:
        assert row["true"] is None or row["true"] >= row["certified"]


def test_replay_rejects_a_tampered_counterexample():
    result = check_stability(lqv([0, 1], 2, "1/2"), "1/2", radius_rule="floor", classifiers=[Quorum(1)], modes=("vote",))
    data = dict(result.counterexample.data)
    assert replay_stability(data)
    assert not replay_stability({**data, "radius_rule": "strict"})


def test_variant_is_pluggable():
    result = check_stability(lqv([0, 1, 3], 8, "2/8"), "2/8", variant=MULTIPLICATIVE, classifiers=[Quorum(1)], radius_rule=certified_radius)
    assert result.verdict is Verdict.VERIFIED and result.params["radius_rule"].endswith("certified_radius")
