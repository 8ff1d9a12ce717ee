"""Typed witnesses keep the counterexample JSON contract: ``to_data()`` gives the fields the engines gave before, in order.

The key lists below are the ``data`` of each exhaustive counterexample kind as
built by the free-form dicts this layer replaced (commit 1a78884); fields may be
added, never removed or renamed. Each counterexample still replays, in process
and through its JSON.
"""

from __future__ import annotations

import json
from fractions import Fraction

from mus_verify.distributions import lqv
from mus_verify.results import CheckResult, Counterexample, Verdict

EDGE = ["variant", "x", "alpha", "alpha_prime", "features_changed", "class", "mode", "lam", "g_alpha", "g_alpha_prime", "difference",
        "classifier", "distribution"]
MASKING = ["variant", "x", "alpha", "features_hidden", "classifier", "mode", "g_x_alpha", "g_x_masked_ones", "distribution"]
STABILITY = ["variant", "x", "input", "classifier", "mode", "lam", "radius_rule", "direction", "alpha", "beta", "features_changed",
             "claimed_radius", "strict_radius", "predicted", "gap", "g_alpha", "g_beta", "predicted_at_beta", "distribution"]
MARGINAL = ["coordinate", "expected", "actual", "projected_distribution", "distribution", "distribution_params", "seed_entry"]
TIGHTNESS = ["variant", "x", "lam", "max_tv", "reached_at", "edges", "distribution"]


def _cex(result: CheckResult) -> Counterexample:
    assert result.counterexample is not None, result.message
    return result.counterexample


def _replays(cex: Counterexample) -> bool:
    again = Counterexample.from_json(json.loads(json.dumps(cex.to_json(), default=str))) if hasattr(Counterexample, "from_json") else cex
    return bool(cex.replay()) and bool(again.replay())


def test_lipschitz_edge_data() -> None:
    from mus_verify.checks.lipschitz import check_lipschitz

    result = check_lipschitz(lqv([0, 1, 3], 4, "2/4"), "1/4", classifiers=())
    assert result.verdict is Verdict.REFUTED and _cex(result).kind == "lipschitz-edge"
    assert list(_cex(result).data) == EDGE
    assert _cex(result).data["difference"] == Fraction(1, 2) and result.margin == Fraction(-1, 4)
    assert _replays(_cex(result))


def test_masking_data() -> None:
    from mus_verify.checks.masking_equivalence import check_masking_equivalence

    result = check_masking_equivalence(lqv([0, 1, 3], 4, "1/4"), variant="additive", classifiers=())
    assert result.verdict is Verdict.REFUTED and _cex(result).kind == "masking-equivalence"
    assert list(_cex(result).data) == MASKING
    assert _replays(_cex(result))


def test_stability_data() -> None:
    from mus_verify.checks.stability import check_stability

    result = check_stability(lqv([0, 1, 3], 8, "1/8"), "1/8", radius_rule="ceil")
    assert result.verdict is Verdict.REFUTED and _cex(result).kind == "stability"
    assert list(_cex(result).data) == STABILITY
    assert _replays(_cex(result))


def test_marginal_data() -> None:
    from mus_verify.checks.marginals import check_marginals

    result = check_marginals([lqv([0, 1, 3], 4, "1/4")], "2/4")
    assert result.verdict is Verdict.REFUTED and _cex(result).kind == "marginal"
    assert list(_cex(result).data) == MARGINAL and result.margin == Fraction(1, 4)
    assert _replays(_cex(result))


def test_tightness_data() -> None:
    from mus_verify.checks.tightness import check_tightness

    result = check_tightness(lqv([0, 1, 3], 4, "1/4"), "2/4")
    assert result.verdict is Verdict.REFUTED and _cex(result).kind == "tightness"
    assert list(_cex(result).data) == TIGHTNESS
    assert _replays(_cex(result))


def test_gate_witnesses_keep_the_gate_failure_data() -> None:
    """The gate's lipschitz, masking and conformance failures are built from the theorems' observed witnesses."""
    from pathlib import Path

    from mus_verify.gate.configs import GateSettings
    from mus_verify.gate.runner import run_gate

    impls = Path(__file__).resolve().parents[1] / "gate" / "impls" / "buggy_noise.py"
    expected = {
        ("off_by_half", "lipschitz"): ["config", "base", "x", "alpha", "feature", "g_alpha", "g_alpha_plus_e_i", "class", "difference", "lam", "tol"],
        ("additive_noise", "masking_equivalence"): ["config", "base", "x", "alpha", "g_masked_input", "g_alpha", "tol"],
        ("off_by_half", "conformance"): ["config", "base", "x", "alpha", "got", "expected", "reference_seed", "reference_seed_origin", "tol"],
    }
    for (impl, prop), keys in expected.items():
        settings = GateSettings(profile="quick", ns=(3,), qs=(4,), lams=("1/4",), properties=(prop,), time_budget=120, strict=True)
        (result,) = [r for r in run_gate(f"{impls}:{impl}", settings).results if r.name == prop]
        assert result.verdict is Verdict.REFUTED, (prop, result.message)
        assert list(_cex(result).data)[: len(keys)] == keys, prop  # the runner adds 'reproduce' and 'gate' after them
