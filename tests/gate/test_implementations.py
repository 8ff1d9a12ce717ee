"""The gate against buggy and valid third-party-style implementations (tests/gate/impls/).

Every buggy implementation has one bug (marked ``# BUG`` in its source); the gate
must reject it, name the property that the bug breaks, and hand back a
reproduction that still fails when run on its own. Valid but unusual
implementations (chunked, float32 inside, numpy inside, deduplicated calls,
another noise layout, voting, nn.Module style) must pass.

The default run uses the ``quick`` profile (it still covers every
configuration a listed bug needs: q = 2 ties, λ = 1/3, q = 22 float floors,
λ = 1) and, for most buggy implementations, only the properties the bug is
expected under; valid implementations and the bugs in ``ONLY`` get every
property. The ``slow`` tests repeat everything, all properties, at the default
(and, for valid implementations, thorough) profile.
"""

import functools
import pathlib

import pytest

from mus_verify.gate import gate
from mus_verify.gate.report import REFERENCE_PROPERTIES

IMPLS = pathlib.Path(__file__).resolve().parent / "impls"

# target -> properties the bug must be reported under (others may fail too)
BUGGY = {
    "buggy_noise.py:lam_floored": {"keep_rates"},
    "buggy_noise.py:float_ramp": {"masked_inputs"},
    "buggy_noise.py:off_by_half": {"keep_rates", "lipschitz"},
    "buggy_noise.py:unmasked_feature": {"keep_rates"},
    "buggy_noise.py:additive_noise": {"masked_inputs", "masking_equivalence", "lipschitz"},
    "buggy_noise.py:q_minus_one": {"keep_rates"},
    "buggy_noise.py:fresh_random_masks": {"determinism"},
    "buggy_noise.py:seed_from_global_rng": {"rng_isolation"},
    "buggy_output.py:softmax_if_unnormalised": {"keep_rates"},
    "buggy_output.py:logit_average": {"keep_rates"},
    "buggy_output.py:batch_rows_mixed": {"batch_consistency"},
    "buggy_output.py:alpha_clamped": {"alpha_validation"},
    "buggy_output.py:global_reseed": {"rng_isolation"},
    "buggy_output.py:lambda_one_ignores_alpha": {"masked_inputs", "masking_equivalence"},
    "buggy_output.py:raises_for_odd_q": {"contract"},
    "buggy_output.py:masks_input_in_place": {"contract"},
    "buggy_output.py:divides_by_k": {"probabilities"},
    "buggy_certify.py:floor_radius": {"certificate"},
    "buggy_certify.py:ceil_radius": {"certificate"},
    "buggy_certify.py:rounded_lambda_radius": {"certificate"},
    "buggy_certify.py:no_tie_check": {"certificate"},
    "buggy_certify.py:float_radius": {"certificate"},
    "buggy_certify.py:ceil_radius_tie_aware": {"certificate"},
    "buggy_certify.py:floor_radius_tie_aware": {"certificate"},
    "buggy_certify.py:gap_to_last_class": {"certificate"},
    "research_style.py:ResearchStyleMuS": {"rng_isolation", "masked_inputs", "keep_rates", "alpha_validation"},
    "research_style.py:RampOnly": {"masked_inputs"},
    "research_style.py:ModuleMuIgnored": {"keep_mask"},
}
# Bugs whose property is the only one broken (the gate must not blame anything else).
ONLY = {"buggy_output.py:alpha_clamped", "buggy_output.py:global_reseed", "buggy_certify.py:floor_radius",
        "buggy_certify.py:ceil_radius_tie_aware", "buggy_certify.py:rounded_lambda_radius"}
NONDETERMINISTIC = {"buggy_noise.py:fresh_random_masks"}

# target -> whether it is the reference L_qv (False: "sound, not the reference L_qv")
VALID = {
    "valid.py:chunked": True,
    "valid.py:float32_inside": True,
    "valid.py:float32_returns_float64": True,
    "valid.py:numpy_inside": True,
    "valid.py:reflected_layout": True,
    "valid.py:deduplicated": True,
    "valid.py:lambda_one_shortcut": True,
    "valid.py:permuted_layout": False,
    "valid.py:voting": False,
    "valid.py:iid_bernoulli": False,
    "valid.py:SeededModule": True,
    "research_style.py:CleanModule": True,
    "../../../examples/gate_correct.py:factory": True,
    "../../../examples/gate_module.py:MuSModule": True,
}


def target(name: str) -> str:
    path, _, attr = name.partition(":")
    return f"{(IMPLS / path).resolve()}:{attr}"


WATCHED = {"contract", "rng_isolation", "probabilities", "masked_inputs"}


@functools.cache
def report_for(name: str, profile: str = "quick", strict: bool = False, focus: bool = False):
    """Gate reports are shared between the tests that look at different parts of them.

    ``focus`` runs only the properties the bug is expected under (watched ones are
    driven by determinism and masking equivalence): the default run's reduced
    setting; the slow tests run everything.
    """
    properties = None
    if focus:
        properties = tuple(sorted((BUGGY[name] - WATCHED) | ({"determinism", "masking_equivalence"} if BUGGY[name] & WATCHED else set())))
    return gate(target(name), profile=profile, strict=strict, properties=properties)


def check_rejected(name: str, profile: str) -> None:
    focus = profile == "quick" and name not in ONLY
    report = report_for(name, profile, focus=focus)
    refuted = {r.name for r in report.refuted}
    assert report.exit_code == 1 and not report.ok
    assert BUGGY[name] <= refuted, (BUGGY[name], refuted, report.render())
    if name in ONLY:
        assert refuted == BUGGY[name], report.render()
    for property_name in BUGGY[name]:
        counterexample = report.result(property_name).counterexample
        assert counterexample.kind == f"gate.{property_name}" and counterexample.summary
        assert "reproduce" in counterexample.data and "load_factory" in counterexample.data["reproduce"]
        if name not in NONDETERMINISTIC:
            assert counterexample.replay(), f"the {property_name} reproduction no longer fails:\n{counterexample.data['reproduce']}"


def check_accepted(name: str, profile: str) -> None:
    report = report_for(name, profile)
    assert report.ok and report.exit_code == 0, report.render()
    conformance = report.result("conformance")
    assert conformance.holds and conformance.details["reference"] is VALID[name]
    if not VALID[name]:
        assert conformance.message.startswith("sound, not the reference L_qv")
        assert report.extra()["sound_not_reference"] is True


# Sound but not the reference L_qv: the seed vector is ignored or shared, yet every feature is still
# kept with probability exactly λ, so Thm 3.1 and 3.2 hold. They pass, reported, unless --strict.
SOUND_NOT_REFERENCE = ["buggy_noise.py:seed_unused", "buggy_noise.py:shared_offset", "research_style.py:ModuleSeedUnused"]


@pytest.mark.parametrize("name", SOUND_NOT_REFERENCE)
def test_seed_misuse_is_sound_not_the_reference_and_fails_only_under_strict(name):
    report = gate(target(name), profile="quick")
    assert report.ok and report.exit_code == 0, report.render()
    seed_use = report.result("seed_use")
    assert seed_use.holds and seed_use.details["reference"] is False
    assert seed_use.message.startswith("sound, not the reference L_qv")
    assert report.extra()["sound_not_reference"] is True
    strict = gate(target(name), profile="quick", strict=True, properties=("seed_use",))
    assert strict.exit_code == 1 and "seed_use" in {r.name for r in strict.refuted}
    assert strict.result("seed_use").counterexample.replay()


@pytest.mark.parametrize("name", sorted(BUGGY))
def test_buggy_implementation_is_rejected(name):
    check_rejected(name, "quick")


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_implementation_is_accepted(name):
    check_accepted(name, "quick")


@pytest.mark.parametrize("name", sorted(n for n, reference in VALID.items() if not reference))
def test_strict_rejects_sound_implementations_that_are_not_the_reference(name):
    report = report_for(name, "quick", strict=True)
    refuted = {r.name for r in report.refuted}
    assert report.exit_code == 1 and "conformance" in refuted and refuted <= set(REFERENCE_PROPERTIES)


def test_lambda_floor_is_reported_with_exact_counts():
    report = report_for("buggy_noise.py:lam_floored", focus=True)
    summary = report.result("keep_rates").counterexample.summary
    # q = 22, λ = 15/22: float(15/22)·22 = 14.999..., floored to 14 of the 22 masks.
    assert "14 of the 22 masks" in summary and "15/22" in summary


@pytest.mark.parametrize("name", ["buggy_certify.py:ceil_radius_tie_aware", "buggy_certify.py:floor_radius_tie_aware", "buggy_certify.py:rounded_lambda_radius"])
def test_radius_rules_are_caught_one_step_beyond_the_strict_radius(name):
    data = report_for(name, focus=name not in ONLY).result("certificate").counterexample.data
    assert data["judged_by"] == "exact reference on the recovered noise"
    assert data["claimed_radius"] >= data["distance"] > data["strict_radius"]


def test_float_ramp_is_caught_value_by_value():
    counterexample = report_for("buggy_noise.py:float_ramp", focus=True).result("masked_inputs").counterexample
    assert "neither 0 nor x" in counterexample.summary and len(counterexample.data["x"]) == 1  # shrunk to one input row


def test_batch_mixup_is_shrunk_to_two_rows():
    counterexample = report_for("buggy_output.py:batch_rows_mixed", focus=True).result("batch_consistency").counterexample
    assert len(counterexample.data["x"]) == 2


def test_contract_failure_carries_the_traceback():
    counterexample = report_for("buggy_output.py:raises_for_odd_q", focus=True).result("contract").counterexample
    assert "NotImplementedError: q must be even" in counterexample.data["traceback"]
    assert counterexample.data["config"]["q"] % 2 == 1


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BUGGY))
def test_buggy_implementation_is_rejected_at_default_settings(name):
    check_rejected(name, "default")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_implementation_is_accepted_at_default_and_thorough_settings(name):
    check_accepted(name, "default")
    check_accepted(name, "thorough")
