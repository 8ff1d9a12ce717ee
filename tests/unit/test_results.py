"""Verdicts, results and their JSON form."""

import json
from fractions import Fraction

import numpy as np
import pytest

from mus_verify.errors import InvalidArgument
from mus_verify.replaying import Replay, ReplayStatus, register_replayer
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
    """JSON written by one run is replayable later without importing the checker that found it: the
    document records its replayer, a mus_verify function, which imports (and registers) itself."""
    import subprocess
    import sys

    from mus_verify.checks.marginals import check_marginals
    from mus_verify.distributions import MaskDistribution

    masks = np.array([[1, 1], [1, 0], [0, 0], [0, 1]], dtype=bool)
    masks[1, 1] = True  # coordinate 1 kept in 3 of 4 masks
    result = check_marginals([MaskDistribution(masks, (1,) * 4, 4)], Fraction(1, 2))
    saved = tmp_path / "cex.json"
    document = result.counterexample.to_json()
    assert document["replayer"] == "mus_verify.checks.marginals:replay_marginal"
    saved.write_text(json.dumps(document))
    code = (
        "import json, sys; from mus_verify.results import Counterexample; "
        f"d = json.load(open({str(saved)!r})); print(Counterexample.from_json(d).replay())"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "True"


# -- replay is three-valued, and the data cannot choose the code -----------------------------------


def _planted(data, *, variant=None):
    """A replayer for the tests below: 'shows' is the violation; a named variant is echoed back."""
    if variant is not None:
        return Replay(ReplayStatus.REPRODUCED, f"with {variant}")
    return bool(data["shows"])


register_replayer("test-planted", f"{__name__}:_planted")


def test_replay_outcome_is_reproduced_not_reproduced_or_not_replayed():
    assert Counterexample("test-planted", "", {"shows": True}).replay_outcome().status is ReplayStatus.REPRODUCED
    assert Counterexample("test-planted", "", {"shows": False}).replay_outcome().status is ReplayStatus.NOT_REPRODUCED
    broken = Counterexample("test-planted", "", {}).replay_outcome()  # malformed data: KeyError inside the replayer
    assert broken.status is ReplayStatus.NOT_REPLAYED and "KeyError" in broken.reason and not broken


def test_replay_stays_a_bool_true_only_when_reproduced():
    assert Counterexample("test-planted", "", {"shows": True}).replay() is True
    assert Counterexample("test-planted", "", {"shows": False}).replay() is False
    assert Counterexample("test-planted", "", {}).replay() is False


def test_named_code_reaches_only_replayers_that_take_it():
    cex = Counterexample("test-planted", "", {"shows": False})
    assert cex.replay_outcome(variant="v.py:V").reason == "with v.py:V"
    with pytest.raises(InvalidArgument, match="target"):
        cex.replay_outcome(target="impl.py:factory")  # never ignored silently
    with pytest.raises(InvalidArgument, match="file.py:attr"):
        cex.replay_outcome(variant="no-colon")
    # Code found in this process travels with the object, never in its JSON.
    live = Counterexample("test-planted", "", {"shows": False}, code={"variant": "live object"})
    assert live.replay_outcome().reason == "with live object" and "code" not in live.to_json()
    assert Counterexample.from_json(json.loads(json.dumps(live.to_json()))).replay() is False


def test_a_document_may_record_only_a_mus_verify_replayer():
    document = {"kind": "not-registered-kind", "summary": "", "data": {}}
    for name in ("os:system", "evil_module:replay", "mus_verify.__main__:replay", "mus_verify.checks.marginals:run", "/tmp/x.py:replay"):
        with pytest.raises(InvalidArgument, match="replayer"):
            Counterexample.from_json({**document, "replayer": name})
    # A mus_verify replay function judges whatever data it is given: wrong data is "not replayed".
    stray = Counterexample.from_json({**document, "replayer": "mus_verify.checks.marginals:replay_marginal"})
    assert stray.replay_outcome().status is ReplayStatus.NOT_REPLAYED and stray.replay() is False


def test_from_json_refuses_what_is_not_a_counterexample():
    for document in ([], {"kind": 3, "data": {}}, {"kind": "marginal", "data": []}):
        with pytest.raises(InvalidArgument, match="counterexample"):
            Counterexample.from_json(document)
