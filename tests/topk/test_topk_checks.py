"""Top-k stability (R2ET notes): every check holds on its domain and refutes its planted bug."""

from __future__ import annotations

from fractions import Fraction

import pytest

from mus_verify.results import Verdict
from mus_verify.topk.affine import AffineSaliency, from_quadratic
from mus_verify.topk.checks import check_at, check_certificates, check_lemma, check_steps, check_thickness
from mus_verify.topk.radii import certify
from mus_verify.topk.theorems import RadiusWitness, judge_radius, replay_radius

F = Fraction


def _refuted(result, kind):
    assert result.verdict is Verdict.REFUTED, result.message
    assert result.counterexample.kind == kind
    assert result.counterexample.replay(), "the counterexample must replay from its numbers"
    return result.counterexample.data


def test_sign_bound_counterexample_from_the_notes():
    """a_i = a_j = (1, 0), g_i = 2, g_j = 0.001: the sign rule claims ∞; the sound rules hold."""
    model = AffineSaliency.create([2, F(1, 1000)], [[1, 0], [1, 0]], absolute=True)
    planted = check_certificates([model], rules=["sign"])
    data = _refuted(planted, "topk-radius")
    assert data["certified"] is None and data["exact"] == F(2001, 2000)
    delta = data["delta"]
    after = model.saliency(delta)
    assert max(abs(v) for v in delta) == F(2001, 2000) and after[1] >= after[0]
    # The notes' own δ = (−1.5, 0) flips the pair too.
    assert model.saliency([F(-3, 2), 0]) == (F(1, 2), F(1499, 1000))
    sound = check_certificates([model], rules=["t1a", "t1d"])
    assert sound.verdict is Verdict.VERIFIED and sound.cases == 4
    assert certify(model, 1, "inf", "t1d") == F(1999, 2000) <= F(2001, 2000)


def test_kk1_gap_alone_is_refuted_on_the_default_domain():
    data = _refuted(check_certificates(rules=["kk1-gap"]), "topk-radius")
    assert data["rule"] == "kk1-gap" and (data["certified"] is None or data["certified"] > data["exact"])


def test_sound_rules_hold_and_report_tightness():
    result = check_certificates()
    assert result.verdict is Verdict.VERIFIED and result.cases > 5000
    tight = result.details["tightness"]
    assert tight["median"] <= 1 and tight["min"] > 0


def test_t1c_refuses_absolute_saliency():
    model = AffineSaliency.create([2, 1], [[1, 0], [0, 1]], absolute=True)
    with pytest.raises(ValueError, match="T1c"):
        certify(model, 1, "inf", "t1c")


def test_quadratic_exact_radius_matches_the_closed_form():
    # f = ½xᵀAx + bᵀx: signed saliency g = Ax + b; exact ℓ∞ pair radius h/‖A_i − A_j‖₁.
    model = from_quadratic([[2, 1], [1, -1]], [1, 0], [F(1, 2), F(1, 3)])
    g = model.saliency()
    assert g == (F(1) + F(1) + F(1, 3), F(1, 2) - F(1, 3))
    h, l1 = g[0] - g[1], abs(2 - 1) + abs(1 - (-1))
    assert model.exact_pair_value(0, 1, "inf") == h / l1
    assert model.exact_pair_value(0, 1, "2") == h * h / ((2 - 1) ** 2 + (1 + 1) ** 2)
    assert judge_radius(RadiusWitness(model, 1, "inf", "t1a")).margin == 0  # T1a is exact on quadratics


def test_lemma_holds_and_planted_upper_bound_is_refuted():
    result = check_lemma(6)
    assert result.verdict is Verdict.VERIFIED and result.cases == 4166  # the notes' count for n <= 6
    data = _refuted(check_lemma(4, upper="planted-tight"), "topk-lemma")
    assert data["F"] > data["high"] == data["m"] ** 2


def test_thickness_bound_holds_and_the_wrong_norm_is_refuted():
    assert check_thickness().verdict is Verdict.VERIFIED
    data = _refuted(check_thickness(rule="wrong-norm"), "topk-thickness")
    assert data["p"] == "inf" and data["integral"] < 1


def test_at_domination_and_its_planted_half_weight():
    assert check_at().verdict is Verdict.VERIFIED
    data = _refuted(check_at(rule="planted-half"), "topk-at")
    assert data["surrogate"] < data["inner_max"] and data["inner_max"] == data["closed_form"]


def test_attack_steps_and_the_floor_plus_one_rule():
    assert check_steps().verdict is Verdict.VERIFIED
    data = _refuted(check_steps(rule="planted-floor-plus-one"), "topk-steps")
    assert len(data["steps"]) < data["claimed"]


def test_a_non_violation_does_not_replay():
    model = AffineSaliency.create([2, F(1, 1000)], [[1, 0], [1, 0]], absolute=True)
    data = {"model": model.spec(), "k": 1, "p": "inf", "rule": "t1d", "delta": [F(-2001, 2000), F(2001, 2000)]}
    assert not replay_radius(data)  # δ lies on, not inside, the sound certificate's complement
