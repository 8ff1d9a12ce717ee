"""Z3 statements of the removal family: PROVED / REFUTED with exactly replayed witnesses (small d only here)."""

import json
from fractions import Fraction as F

import pytest

from mus_verify.cli import main
from mus_verify.errors import InvalidArgument
from mus_verify.removal.z3_statements import judge_sharp, prove_theorem1, prove_theorem2_box, search_sharp_constant
from mus_verify.results import Counterexample, Verdict

RL = 50_000_000


def test_theorem1_paper_constant_proved_d2():
    (result,) = prove_theorem1({"summary": "shapley", "d": "2"}, rlimit=RL, seed=0)
    assert result.verdict is Verdict.PROVED and result.params["rlimit"] == RL and result.params["k2_exact"][0] == 8


def test_shapley_sharp_constant_both_sides_d2():
    (at,) = prove_theorem1({"summary": "shapley", "d": "2", "k2": "sharp"}, rlimit=RL, seed=0)
    assert at.verdict is Verdict.PROVED  # K² = 3/2 is valid
    (below,) = search_sharp_constant({"summary": "shapley", "d": "2"}, rlimit=RL, seed=0)
    assert below.verdict is Verdict.REFUTED
    cex = below.counterexample
    assert cex.data["k2"][0] == F(3, 2) - F(1, 1000)
    assert cex.replay() and Counterexample.from_json(json.loads(json.dumps(cex.to_json(), default=str))).replay()
    assert cex.data["norm_squared"] > cex.data["k2"][0] * sum(x * x for x in cex.data["delta"])


def test_sqrt_d_for_shapley_holds_for_theorem1_at_d2():
    # the planted "√d for Shapley" is not a bug for Theorem 1 (C* = √(3/2) < √2); Theorem 2 refutes it
    (result,) = prove_theorem1({"summary": "shapley", "d": "2", "k2": "2"}, rlimit=RL, seed=0)
    assert result.verdict is Verdict.PROVED
    (box,) = prove_theorem2_box({"summary": "shapley", "d": "2", "k2": "2"}, rlimit=RL, seed=0)
    assert box.verdict is Verdict.REFUTED and box.counterexample.replay()


@pytest.mark.parametrize("summary", ["banzhaf", "shapley"])
def test_theorem2_box_at_2_proved_d2(summary):
    (result,) = prove_theorem2_box({"summary": summary, "d": "2"}, rlimit=RL, seed=0)
    assert result.verdict is Verdict.PROVED and result.params["encoding"] == "real"


def test_theorem2_box_vertex_encoding_d3():
    (result,) = prove_theorem2_box({"summary": "banzhaf", "d": "3"}, rlimit=RL, seed=0)
    assert result.verdict is Verdict.PROVED and result.params["encoding"] == "vertex"
    (below,) = prove_theorem2_box({"summary": "shapley", "d": "3", "k2": "399/100"}, rlimit=RL, seed=0)
    assert below.verdict is Verdict.REFUTED and below.counterexample.replay()
    assert below.counterexample.data["norm_squared"] == 4


def test_tiny_budget_is_unknown_not_proved():
    (result,) = prove_theorem1({"summary": "shapley", "d": "3"}, rlimit=2000, seed=0)
    assert result.verdict is Verdict.UNKNOWN


def test_judge_rejects_infeasible_witness():
    # w_S larger than ‖δ_S‖ is not a witness, whatever ‖Aw‖ is
    assert not judge_sharp("shapley", 1, [F(1)], [F(0), F(2)], (F(1), F(0), 0))[0]
    assert judge_sharp("shapley", 2, None, [F(-1), F(1), F(-1), F(1)], (F(2), F(0), 0)) == (True, F(4))


def test_bad_params():
    with pytest.raises(InvalidArgument, match="d=4"):
        prove_theorem1({"d": "4"}, rlimit=RL, seed=0)
    with pytest.raises(InvalidArgument, match="k2"):
        prove_theorem1({"summary": "shapley", "d": "3", "k2": "sharp"}, rlimit=RL, seed=0)
    with pytest.raises(InvalidArgument, match="colour"):
        prove_theorem1({"colour": "red"}, rlimit=RL, seed=0)


def test_cli_prove_and_search(capsys):
    assert main(["prove", "removal-theorem1", "--param", "summary=loo", "--param", "d=2", "--param", "k2=sharp", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["results"][0]["verdict"] == "PROVED"
    assert main(["search", "--property", "removal-sharp-constant", "--param", "summary=loo", "--param", "d=2", "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["results"][0]["counterexample"]["kind"] == "removal-sharp"
