"""Z3 queries Z1–Z7 of the R2ET notes: expected verdicts, exact replay, determinism in-process."""

from __future__ import annotations

import pytest

from mus_verify.cli import main
from mus_verify.errors import InvalidArgument
from mus_verify.results import Verdict
from mus_verify.topk import z3_queries as q
from mus_verify.topk.theorems import replay_radius


def _verdicts(results):
    return [r.verdict for r in results]


def test_z1_sound_rules_proved_and_deterministic():
    first = q.prove_certificate({"dim": "1"})
    again = q.prove_certificate({"dim": "1"})
    assert _verdicts(first) == [Verdict.PROVED, Verdict.PROVED]
    assert [r.details["rlimit_count"] for r in first] == [r.details["rlimit_count"] for r in again]


def test_z3_sign_rule_refuted_with_an_exact_witness():
    results = q.search_sign_bound({"dim": "2"})
    assert _verdicts(results) == [Verdict.REFUTED, Verdict.REFUTED]
    for r in results:
        data = r.counterexample.data
        assert replay_radius(data)
        assert data["certified"] is None or data["certified"] > data["exact"]


def test_z2_optimum_equals_the_lp_radius():
    (result,) = q.prove_exact_radius({"saliency": "absolute"})
    assert result.verdict is Verdict.PROVED and result.details["z3_optimum"] == result.details["exact"]


def test_z4_relu_witness_replays():
    (result,) = q.search_relu_zero_hessian({})
    assert result.verdict is Verdict.REFUTED
    assert q.replay_relu(result.counterexample.data)
    tampered = dict(result.counterexample.data, delta=[0, 0])
    assert not q.replay_relu(tampered)


def test_z5_z6_z7_proved():
    assert set(_verdicts(q.prove_thickness({"dim": "2"}))) == {Verdict.PROVED}
    assert _verdicts(q.prove_at({})) == [Verdict.PROVED]
    assert _verdicts(q.prove_steps({"steps": "3"})) == [Verdict.PROVED]


def test_a_tiny_budget_is_unknown_not_proved():
    (result,) = q.prove_certificate({"dim": "2", "saliency": "absolute", "rule": "t1d"}, rlimit=1000)[1:]
    assert result.verdict is Verdict.UNKNOWN


def test_bad_params_are_refused_by_name():
    with pytest.raises(InvalidArgument, match="--param dim"):
        q.prove_certificate({"dim": "9"})
    with pytest.raises(InvalidArgument, match="--param"):
        q.prove_thickness({"bogus": "1"})


def test_cli_exit_codes(capsys):
    assert main(["prove", "topk-thickness", "--param", "dim=1"]) == 0
    assert main(["search", "--property", "topk-sign-bound", "--param", "dim=1", "--json"]) == 1
    assert main(["prove", "topk-thickness", "--param", "dim=0"]) == 2
