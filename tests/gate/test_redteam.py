"""Red-team implementations (issue 10 acceptance): styles the other impls lack.

Valid ones (redteam_valid.py: a buffer nn.Module instance, torch.roll windows, a cached
__call__ class, exact Fractions, numpy only, chunked over x, scatter_add votes, float32
everywhere) must pass; buggy ones (redteam_buggy.py, one ``# BUG`` each) must fail the
named guarantee property with a counterexample that replays. ``no_margin_float32_radius``
was a miss of the gate: its only unsound claim at the default matrix is at q = 25 with
votes (18, 4, 3), which needs a third class and finer patterns (attacks._third_class_ties,
the (8, 25, 7/25, m = 3) row).
"""

import pathlib

import pytest

from mus_verify.gate import gate
from mus_verify.gate.properties import GUARANTEE, SEVERITY

IMPLS = pathlib.Path(__file__).resolve().parent / "impls"

VALID = ["buffer_module", "rolled_window", "cached_class", "numpy_only", "x_chunked", "bincount_votes", "float32_everywhere"]

# name -> (properties the bug must be refuted under, profile)
BUGGY = {
    "window_le_k": ({"keep_rates"}, "quick"),
    "lam_3_decimals": ({"certificate"}, "quick"),
    "one_unmasked_copy": ({"keep_rates"}, "quick"),
    "ceil_no_minus_one": ({"certificate"}, "quick"),
    "averages_log_probs": ({"keep_rates"}, "quick"),
    "in_place_float64": ({"inputs_unchanged"}, "quick"),
    "mod_q_minus_one": ({"keep_rates"}, "quick"),
    "drops_last_chunk": ({"keep_rates"}, "quick"),
    "first_row_alpha": ({"batch_consistency"}, "quick"),
    "no_margin_float64_radius": ({"certificate"}, "quick"),
    "no_margin_float32_radius": ({"certificate"}, "default"),
    "votes_ties_to_first": ({"certificate"}, "quick"),
    "cache_keyed_by_q": ({"keep_rates"}, "quick"),  # caught by keep_rates' decoy model (same q, another λ)
}


@pytest.mark.parametrize("name", VALID)
def test_redteam_valid_is_accepted(name):
    report = gate(f"{IMPLS / 'redteam_valid.py'}:{name}", profile="quick")
    assert not {r.name for r in report.refuted if SEVERITY[r.name] == GUARANTEE}, report.render()
    assert report.ok and report.exit_code == 0, report.render()


@pytest.mark.slow
@pytest.mark.parametrize("name", VALID + ["exact_fractions"])
def test_redteam_valid_is_accepted_default_profile(name):
    report = gate(f"{IMPLS / 'redteam_valid.py'}:{name}")
    assert report.ok and report.exit_code == 0, report.render()


@pytest.mark.parametrize("name", sorted(BUGGY))
def test_redteam_buggy_is_rejected(name):
    expected, profile = BUGGY[name]
    report = gate(f"{IMPLS / 'redteam_buggy.py'}:{name}", profile=profile, properties=tuple(sorted(expected)))
    refuted = {r.name for r in report.refuted}
    assert report.exit_code == 1 and expected <= refuted, report.render()
    for prop in expected:
        counterexample = report.result(prop).counterexample
        assert counterexample.kind == f"gate.{prop}"
        assert counterexample.replay(), counterexample.data["reproduce"]


def test_float32_without_margin_is_caught_at_the_third_class_tie():
    report = gate(f"{IMPLS / 'redteam_buggy.py'}:no_margin_float32_radius", properties=("certificate",))
    counterexample = report.result("certificate").counterexample
    assert counterexample.data["config"]["q"] == 25 and counterexample.data["config"]["m"] == 3
    assert "tie" in counterexample.summary
