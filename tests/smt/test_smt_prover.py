"""Z3 proofs and counterexamples: known results, planted bugs, and the exact judge as gatekeeper."""

import copy
import json
from fractions import Fraction

import pytest

from mus_verify.errors import InternalError, InvalidArgument
from mus_verify.results import Counterexample, Verdict, jsonable
from mus_verify.smt import judge, prove, search
from mus_verify.smt.judges import replay_stability
from mus_verify.variants.builtin import MuS


def test_additive_breaks_masking_equivalence_at_n_1_prop_a1():
    result = prove("masking-equivalence", "additive", 1, 2, "1/2")
    assert result.verdict is Verdict.REFUTED and result.method == "z3"
    data = result.counterexample.data
    assert data["alpha"] == [0]  # the leak needs a hidden feature ...
    assert data["x"][0] != 0  # ... that is nonzero, so s = 1 shows it to h
    assert result.counterexample.replay() is True
    observed = data["observed"]
    assert observed["g(x, alpha)"] != observed["g(hide(x, alpha), 1)"]


def test_mus_keeps_masking_equivalence_lipschitz_and_marginals():
    for prop in ("masking-equivalence", "lipschitz", "marginals"):
        result = prove(prop, "mus", 3, 4, "1/4")
        assert result.verdict is Verdict.PROVED, (prop, result.message)
        assert result.params["rlimit"] > 0 and result.params["z3_version"]
        assert "seed_vector" in result.params["quantified_over"]


def test_floor_rule_refuted_at_the_notes_smallest_case():
    result = prove("stability", "mus", 2, 2, "1/2", radius_rule="floor")
    assert result.verdict is Verdict.REFUTED
    data, observed = result.counterexample.data, result.counterexample.data["observed"]
    assert observed["radius"] == 1 and observed["distance"] == 1
    assert observed["gap"] == Fraction(1)  # gap/(2λ) = 1 exactly: the tie the floor rule ignores
    moved = observed["f(hide(x, beta))"]
    assert moved[0] <= moved[1]
    assert replay_stability(jsonable(data)) is True


def test_ceil_rule_refuted_and_strict_rule_proved():
    ceil = prove("stability", "mus", 1, 2, "1/2", radius_rule="ceil")
    assert ceil.verdict is Verdict.REFUTED
    assert ceil.counterexample.data["observed"]["radius"] == 1
    for n, q, lam in [(1, 2, "1/2"), (2, 2, "1/2"), (3, 4, "1/4"), (4, 8, "2/8")]:
        strict = prove("stability", "mus", n, q, lam)
        assert strict.verdict is Verdict.PROVED, (n, q, lam, strict.message)


def test_floor_rule_refuted_with_votes_too():
    result = prove("stability", "mus", 2, 2, "1/2", radius_rule="floor", mode="vote")
    assert result.verdict is Verdict.REFUTED
    outputs = [row["output"] for row in result.counterexample.data["h_table"]]
    assert all(sorted(o) == [0, 1] for o in outputs)  # one-hot votes


def test_incremental_and_decremental_directions():
    inc = prove("stability", "mus", 2, 2, "1/2", radius_rule="floor", direction="incremental")
    assert inc.verdict is Verdict.REFUTED
    data = inc.counterexample.data
    assert all(b >= a for a, b in zip(data["alpha"], data["beta"]))
    dec = prove("stability", "mus", 2, 2, "1/2", radius_rule="floor", direction="decremental")
    assert dec.verdict is Verdict.REFUTED and dec.counterexample.data["alpha"] == [1, 1]
    assert prove("stability", "mus", 3, 4, "1/4", direction="decremental").verdict is Verdict.PROVED


def test_tampered_counterexample_does_not_replay():
    result = prove("masking-equivalence", "additive", 1, 2, "1/2")
    data = json.loads(json.dumps(jsonable(result.counterexample.data)))
    assert Counterexample(result.counterexample.kind, "", data).replay() is True
    flat = copy.deepcopy(data)
    for row in flat["h_table"]:
        row["output"] = ["1", "0"]  # a constant classifier cannot break masking equivalence
    assert Counterexample(result.counterexample.kind, "", flat).replay() is False
    missing = copy.deepcopy(data)
    missing["h_table"] = missing["h_table"][:1]
    assert Counterexample(result.counterexample.kind, "", missing).replay() is False


class InconsistentReference(MuS):
    """A variant whose noise no longer matches the reference distribution it inherits from MuS."""

    name = "inconsistent-reference"

    def noise(self, ops, params, sym):
        return [(w, [ops.const(True)] + list(s[1:])) for w, s in super().noise(ops, params, sym)]


def test_the_judge_cross_checks_the_foundation_reference():
    # Z3 finds a Lipschitz violation of the (leaky) noise, but the exact judge computes g twice, with the
    # variant's noise and with smoothing.smooth on the declared L_qv distribution; they disagree, so the
    # model is refused, never reported as a counterexample: the variant's inconsistency is named (exit 2).
    with pytest.raises(InvalidArgument, match="inconsistent-reference.*disagrees with smoothing.smooth"):
        prove("lipschitz", InconsistentReference(), 3, 4, "1/4")


def test_planted_bug_from_a_file_is_refuted_and_replayed(tmp_path):
    source = (
        "from mus_verify.variants import IntVector, Variant\n"
        "from mus_verify.variants.builtin import lqv_noise\n"
        "class Leaky(Variant):\n"
        "    name = 'leaky'\n"
        "    def symbols(self, params):\n"
        "        return {'seed_vector': IntVector(params.n, 0, params.q - 1)}\n"
        "    def noise(self, ops, params, sym):\n"
        "        return [(w, [ops.const(True)] + s[1:]) for w, s in lqv_noise(ops, params, sym['seed_vector'])]\n"
        "VARIANT = Leaky()\n"
    )
    path = tmp_path / "leaky.py"
    path.write_text(source)
    lipschitz = prove("lipschitz", f"{path}:VARIANT", 3, 4, "1/4")
    assert lipschitz.verdict is Verdict.REFUTED
    assert lipschitz.counterexample.data["edge"] == 0
    assert lipschitz.counterexample.data["observed"]["jump"] > Fraction(1, 4)
    marginals = prove("marginals", f"{path}:VARIANT", 3, 4, "1/4")
    assert marginals.verdict is Verdict.REFUTED
    assert marginals.counterexample.data["observed"]["marginals"][0] == 1


class SolverOnlyBug(MuS):
    """An encoding bug: the Z3 path differs from the exact path. The judge must refuse its models."""

    name = "solver-only-bug"

    def apply(self, ops, x, alpha, s, params, sym):
        if ops.name == "z3":
            return [ops.present(ops.value(xi) + 1) for xi in x]  # h sees unmasked inputs only in Z3
        return super().apply(ops, x, alpha, s, params, sym)


def test_a_model_the_exact_judge_rejects_is_an_internal_error_not_a_verdict():
    # Neither REFUTED nor an UNKNOWN blamed on "an encoding bug": the point where Z3 and exact differ is named.
    with pytest.raises(InternalError, match=r"does not confirm.*differ from its exact evaluation at symbols .*x = .*α = \[0\]"):
        prove("masking-equivalence", SolverOnlyBug(), 1, 2, "1/2")


def test_tiny_rlimit_is_unknown_and_recorded():
    result = prove("lipschitz", "mus", 4, 4, "1/4", rlimit=50)
    assert result.verdict is Verdict.UNKNOWN
    assert result.params["rlimit"] == 50 and "rlimit" in result.message


def test_search_token_drop_finds_the_smallest_masking_equivalence_failure():
    results = search("token-drop", "masking-equivalence", max_n=4, qs=[2])
    assert [r.verdict for r in results] == [Verdict.PROVED, Verdict.PROVED, Verdict.REFUTED]
    data = results[-1].counterexample.data
    assert data["n"] == 3 and sum(data["alpha"]) >= 2  # two tokens survive and shift position


def test_fixed_count_lipschitz_holds_exactly_when_lambda_n_is_an_integer():
    assert prove("lipschitz", "fixed-count", 4, 2, "1/2").verdict is Verdict.PROVED
    refuted = prove("lipschitz", "fixed-count", 3, 2, "1/2")  # keeps ceil(3/2) = 2 of 3 features
    assert refuted.verdict is Verdict.REFUTED


def test_ramp_differs_from_mus_when_q_is_not_a_power_of_two_and_floors_lambda():
    assert prove("reference", "ramp", 1, 3, "1/3").verdict is Verdict.REFUTED
    assert prove("reference", "ramp", 2, 4, "1/4").verdict is Verdict.PROVED
    assert prove("lipschitz", "ramp", 2, 3, "1/3").verdict is Verdict.PROVED
    floored = prove("marginals", "ramp", 1, 22, "15/22")
    assert floored.verdict is Verdict.REFUTED
    assert list(floored.counterexample.data["observed"]["marginals"]) == [Fraction(14, 22)]


def test_baseline_keeps_masking_equivalence_with_a_symbolic_baseline():
    result = prove("masking-equivalence", "baseline", 2, 2, "1/2")
    assert result.verdict is Verdict.PROVED
    assert "baseline" in result.params["quantified_over"]


def test_judge_direct_use():
    result = prove("lipschitz", "additive", 1, 3, "1/3")
    outcome = judge(result.counterexample.data)
    assert outcome.violated and outcome.observed["jump"] > Fraction(1, 3)


@pytest.mark.slow
def test_deeper_runs():
    assert prove("lipschitz", "mus", 16, 16, "4/16").verdict is Verdict.PROVED
    assert prove("stability", "mus", 12, 8, "2/8").verdict is Verdict.PROVED
    assert prove("masking-equivalence", "token-drop", 5, 4, "2/4").verdict is Verdict.REFUTED
