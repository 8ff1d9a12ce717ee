"""Verdicts, results and their JSON form."""

import json
from fractions import Fraction

import numpy as np
import pytest

from mus_verify.results import CheckResult, Counterexample, Verdict, jsonable


def test_only_proved_verified_and_sampled_hold():
    assert {v for v in Verdict if v.holds} == {Verdict.PROVED, Verdict.VERIFIED, Verdict.NO_COUNTEREXAMPLE}


def test_refuted_needs_a_counterexample_and_nothing_else_may_have_one():
    cex = Counterexample("marginal", "x", {})
    with pytest.raises(ValueError, match="counterexample"):
        CheckResult("c", Verdict.REFUTED, "exhaustive", 1)
    with pytest.raises(ValueError, match="counterexample"):
        CheckResult("c", Verdict.VERIFIED, "exhaustive", 1, counterexample=cex)


@pytest.mark.parametrize("verdict", [Verdict.VERIFIED, Verdict.NO_COUNTEREXAMPLE])
def test_zero_cases_cannot_hold(verdict):
    with pytest.raises(ValueError, match="VACUOUS"):
        CheckResult("c", verdict, "exhaustive", 0)


def test_json_form_is_the_contract():
    cex = Counterexample("marginal", "Pr[s_0 = 1] = 5/16", {"coordinate": np.int64(0), "actual": Fraction(5, 16), "mask": np.array([True, False])})
    result = CheckResult("marginals", Verdict.REFUTED, "exhaustive", 3, {"lam": Fraction(1, 4)}, cex, margin=Fraction(1, 16))
    document = json.loads(json.dumps(result.to_json()))
    assert set(document) >= {"name", "verdict", "method", "cases", "params", "counterexample"}
    assert document["verdict"] == "REFUTED" and document["cases"] == 3
    assert document["params"] == {"lam": "1/4"}
    assert document["counterexample"]["data"] == {"coordinate": 0, "actual": "5/16", "mask": [True, False]}
    assert document["margin"] == "1/16"


def test_describe_is_readable():
    text = Counterexample("marginal", "Pr[s_3 = 1] = 1/2 but λ = 1/4", {"coordinate": 3}).describe()
    assert text.splitlines() == ["counterexample (marginal): Pr[s_3 = 1] = 1/2 but λ = 1/4", "  coordinate: 3"]


def test_unknown_kind_cannot_be_replayed():
    with pytest.raises(KeyError, match="no replayer"):
        Counterexample("no-such-kind", "", {}).replay()


def test_jsonable_handles_nested_values():
    assert jsonable({"a": (Fraction(2), np.float64(0.5), Verdict.PROVED)}) == {"a": ["2", 0.5, "PROVED"]}


def test_a_saved_counterexample_replays_in_a_fresh_process(tmp_path):
    """JSON written by one run is replayable later without importing the checker that found it."""
    import subprocess
    import sys

    from mus_verify.checks.marginals import check_marginals
    from mus_verify.distributions import MaskDistribution

    masks = np.array([[1, 1], [1, 0], [0, 0], [0, 1]], dtype=bool)
    masks[1, 1] = True  # coordinate 1 kept in 3 of 4 masks
    result = check_marginals([MaskDistribution(masks, (1,) * 4, 4)], Fraction(1, 2))
    saved = tmp_path / "cex.json"
    saved.write_text(json.dumps(result.counterexample.to_json()))
    code = (
        "import json, sys; from mus_verify.results import Counterexample; "
        f"d = json.load(open({str(saved)!r})); print(Counterexample(d['kind'], d['summary'], d['data']).replay())"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "True"
