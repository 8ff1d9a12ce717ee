"""Every planted bug is REFUTED with a counterexample that replays in the exact reference."""

from fractions import Fraction as F

from mus_verify.checks import run_check
from mus_verify.removal.theorems import judge_case
from mus_verify.results import Counterexample, Verdict


def _refuted(name):
    result = run_check(name)
    assert result.verdict is Verdict.REFUTED, result.message
    cex = result.counterexample
    assert cex.replay()
    # the JSON round trip replays too (numbers only)
    assert Counterexample(cex.kind, cex.summary, cex.to_json()["data"]).replay()
    return cex


def test_wrong_shapley_weights_break_efficiency():
    cex = _refuted("removal-planted-shapley-efficiency")
    assert cex.data["claim"] == "efficient" and cex.data["d"] == 2
    assert cex.data["v"] == [F(0), F(1), F(0), F(0)]  # the unit game on {0}: Σφ ≠ v([d]) − v(∅) = 0


def test_mwi_claimed_bounded():
    cex = _refuted("removal-planted-mwi-bounded")
    assert cex.data["claim"] == "bounded" and cex.data["v"] == [F(1), F(1)]  # null feature, φ = 1


def test_shapley_with_sqrt_d_refuted_by_theorem_2():
    cex = _refuted("removal-planted-shapley-sqrt-d")
    data = cex.data
    assert data["statement"] == "theorem-2" and data["h_rule"] == "planted-shapley-sqrt-d" and data["summary"] == "shapley"
    assert data["lhs"] > data["rhs"]
    # the same case holds under the paper's constant 2√d
    assert judge_case({**data, "h_rule": "paper"}).holds


def test_conditional_certified_with_baseline_constant():
    cex = _refuted("removal-planted-conditional-baseline-constant")
    data = cex.data
    assert data["statement"] == "theorem-1" and data["removal"]["kind"] == "conditional"
    assert judge_case({**data, "g_rule": "paper"}).holds  # L + 2BM covers it


def test_tampered_counterexample_does_not_replay():
    cex = _refuted("removal-planted-shapley-sqrt-d")
    tampered = Counterexample(cex.kind, cex.summary, {**cex.data, "h_rule": "paper"})
    assert not tampered.replay()
