"""Variants that cannot lie: planted user variants (tests/smt/variants/) that made ``prove`` say PROVED
for false statements, crash with a traceback, hang or answer differently on a second call."""

import json
import pathlib
from fractions import Fraction

import numpy as np
import pytest

from mus_verify.errors import InvalidArgument
from mus_verify.results import Verdict
from mus_verify.smt import prove, search
from mus_verify.variants import load_variant, make_params, noise_marginals, smooth_variant
from mus_verify.variants.guard import VariantCodeError

HERE = pathlib.Path(__file__).resolve().parent / "variants"
BRANCH = f"{HERE / 'branch_on_equality.py'}:VARIANT"
HALF = f"{HERE / 'half_weights.py'}:VARIANT"
RAISES = f"{HERE / 'raises.py'}:VARIANT"
EXITS = f"{HERE / 'raises.py'}:EXITS"


def h_first_visible(inputs):
    visible = np.array([row[0] not in (0, None) for row in inputs])
    return np.stack([~visible, visible], axis=1).astype(int)


@pytest.mark.parametrize("prop", ["marginals", "lipschitz", "stability"])
def test_if_on_a_backend_value_is_exit_2_naming_the_line_not_proved(cli, prop):
    # Old code: PROVED (exit 0) for all three, though the exact semantics leaks feature i when v_i = 0.
    code, out, err = cli("prove", prop, "--variant", BRANCH, "--n", "2", "--q", "4", "--lam", "1/4", "--json")
    assert code == 2 and json.loads(out)["ok"] is False
    assert "branch_on_equality.py:23: `if v == 0:`" in err and "as a Python bool" in err and "ops.where" in err


def test_if_on_a_backend_value_fails_the_same_way_on_the_exact_backend():
    variant = load_variant(BRANCH)
    params = make_params(2, 4, "1/4")
    with pytest.raises(VariantCodeError, match=r"exact backend .*`if v == 0:`"):
        noise_marginals(variant, params, {"seed_vector": [0, 1]})
    with pytest.raises(VariantCodeError, match="`if v == 0:`"):
        smooth_variant(variant, h_first_visible, [1, 2], [1, 1], params, {"seed_vector": [3, 1]})


def test_if_on_a_backend_value_fails_the_same_way_on_torch():
    torch = pytest.importorskip("torch")
    from mus_verify.variants.torch_backend import smooth_torch

    def h(values):
        p = torch.sigmoid(values.sum(dim=1))
        return torch.stack([p, 1 - p], dim=1)

    with pytest.raises(VariantCodeError, match=r"torch backend .*`if v == 0:`"):
        smooth_torch(load_variant(BRANCH), h, torch.ones(1, 2, dtype=torch.float64), torch.ones(2), make_params(2, 4, "1/4"), {"seed_vector": [0, 1]})


def test_noise_weights_are_validated_on_the_z3_path(cli):
    # Old code: PROVED for marginals (weights summing to 1/2 were never checked on the Z3 path).
    for prop in ("marginals", "lipschitz"):
        code, _, err = cli("prove", prop, "--variant", HALF, "--n", "2", "--q", "4", "--lam", "1/4")
        assert code == 2 and "summing to exactly 1" in err and "they sum to 1/2" in err, prop


class FloatWeights:
    name = "float-weights"

    def noise(self, ops, params, sym):
        return [(0.5, [ops.const(True)] * params.n), (0.5, [ops.const(False)] * params.n)]


class BackendWeight:
    name = "backend-weight"

    def symbols(self, params):
        from mus_verify.variants import IntVector

        return {"seed_vector": IntVector(params.n, 0, params.q - 1)}

    def noise(self, ops, params, sym):
        return [(sym["seed_vector"][0] * 0 + 1, [ops.const(True)] * params.n)]


class NegativeWeight:
    name = "negative-weight"

    def noise(self, ops, params, sym):
        return [(Fraction(3, 2), [ops.const(True)] * params.n), (Fraction(-1, 2), [ops.const(False)] * params.n)]


@pytest.mark.parametrize("variant,match", [(FloatWeights(), "floats are refused"), (BackendWeight(), "not a backend value"), (NegativeWeight(), "non-negative")])
def test_weights_must_be_exact_non_negative_constants_on_every_path(variant, match):
    with pytest.raises(InvalidArgument, match=match):
        prove("marginals", variant, 1, 2, "1/2")
    with pytest.raises(InvalidArgument, match=match):
        noise_marginals(load_variant(variant), make_params(1, 2, "1/2"), {"seed_vector": [0]} if variant.name == "backend-weight" else {})


@pytest.mark.parametrize("spec,what", [(RAISES, "raised KeyError: 'missing' at"), (EXITS, "raised SystemExit: 0 at")])
def test_a_variant_that_raises_is_exit_2_naming_it_in_prove_and_search(cli, spec, what):
    # Old code: a traceback and exit 1 (raises), or exit 0 with no output (sys.exit(0) inside noise).
    code, out, err = cli("prove", "marginals", "--variant", spec, "--n", "2", "--q", "2", "--lam", "1/2", "--json")
    assert code == 2 and json.loads(out)["ok"] is False and what in err and "its noise()" in err
    code, out, err = cli("search", spec, "--property", "lipschitz", "--max-n", "1", "--json")
    assert code == 2 and json.loads(out)["ok"] is False and what in err


LEAKS = f"{HERE / 'backend_dependent.py'}:LEAKS_OUTSIDE_Z3"
REVERSED = f"{HERE / 'backend_dependent.py'}:REVERSED_OUTSIDE_Z3"


@pytest.mark.parametrize("prop", ["marginals", "lipschitz", "stability"])
def test_a_z3_proof_the_exact_reference_contradicts_is_refuted_with_the_exact_witness(prop):
    # Old code: PROVED. Z3 sees plain MuS; the exact semantics keeps feature 0 in every mask.
    result = prove(prop, LEAKS, 2, 4, "1/4")
    assert result.verdict is Verdict.REFUTED and result.details["z3_answer"] == "unsat"
    assert "Z3 answered UNSAT, but exact evaluation" in result.message
    data = result.counterexample.data
    if prop == "marginals":
        assert data["observed"]["marginals"][0] == 1
    elif prop == "lipschitz":
        assert data["edge"] == 0 and data["observed"]["jump"] > Fraction(1, 4)
    else:  # the fractional-knapsack classifier: gap 1 certifies radius 1, and flipping feature 0 loses class 0
        observed = data["observed"]
        assert observed["radius"] >= observed["distance"] == 1 and observed["f(hide(x, beta))"][0] <= observed["f(hide(x, beta))"][1]
    assert result.counterexample.replay()


def test_z3_terms_that_are_not_the_exact_function_are_an_internal_error_not_proved(cli):
    from mus_verify.errors import InternalError

    with pytest.raises(InternalError, match="not the variant's exact semantics.*differ from its exact evaluation at symbols"):
        prove("masking-equivalence", REVERSED, 3, 4, "2/4")  # n = 3: reversing a 2-entry seed keeps L_qv's law
    code, out, err = cli("prove", "masking-equivalence", "--variant", REVERSED, "--n", "3", "--lam", "2/4", "--json")
    assert code == 2 and json.loads(out)["ok"] is False and "ops.name" in err


def test_what_the_encoder_cannot_represent_is_exit_2_with_the_reason(cli):
    code, out, err = cli("prove", "masking-equivalence", "--variant", f"{HERE / 'not_slots.py'}:VARIANT", "--n", "1", "--q", "2", "--lam", "1/2", "--json")
    assert code == 2 and "apply()[0] must be a slot made by ops.present" in err and "encoding bug" not in err + out


def test_arithmetic_z3_cannot_do_is_exit_2_naming_the_users_line(cli):
    # Old code: a Z3Exception traceback, exit 1 (x_i mod 3 of a rational is fine exactly, not in Z3).
    code, out, err = cli("prove", "masking-equivalence", "--variant", f"{HERE / 'real_modulus.py'}:VARIANT", "--n", "1", "--q", "2", "--lam", "1/2", "--json")
    assert code == 2 and json.loads(out)["ok"] is False
    assert "its apply() on the z3 backend raised Z3Exception" in err and "real_modulus.py:21:" in err


def test_a_proof_records_its_cross_check():
    result = prove("lipschitz", "mus", 2, 4, "1/4")
    assert result.verdict is Verdict.PROVED and "agreement checked on" in result.details["crosscheck"]


def test_sizes_that_cannot_finish_are_refused_with_the_limit_and_why(cli):
    # Old code: `prove --n 200` ran for well over a minute (lipschitz: 200 queries of 800 slot terms).
    code, out, err = cli("prove", "lipschitz", "--variant", "mus", "--n", "200", "--json")
    assert code == 2 and json.loads(out)["ok"] is False
    assert "q=4 is invalid: expected a size whose g has at most 512 slot terms" in err and "4 noise terms x n = 200 = 800" in err
    assert "measured for mus: n = 64, q = 8" in err
    code, _, err = cli("prove", "stability", "--variant", "mus", "--n", "1", "--q", "600", "--lam", "150/600")
    assert code == 2 and "600 noise terms x n = 1" in err  # n is tiny, but g has 600 slot terms
    code, _, err = cli("prove", "lipschitz", "--variant", "mus-iid", "--n", "9", "--lam", "1/2")
    assert code == 2 and "n=9 is invalid" in err and "512 noise terms x n = 9" in err
    code, _, err = cli("prove", "marginals", "--variant", "mus", "--n", "2000")
    assert code == 2 and "n=2000 is invalid: expected at most 1024" in err
    code, _, err = cli("search", "mus", "--property", "lipschitz", "--max-n", "2000")
    assert code == 2 and "max_n=2000 is invalid" in err
    assert cli("prove", "marginals", "--variant", "mus", "--n", "100", "--lam", "1/4")[0] == 0  # cheap: still allowed


def test_prove_is_deterministic_in_process():
    # Old code: the second call reused Z3's global context and used different rlimit counts (and could flip
    # UNKNOWN to PROVED). Another proof in between must not matter either.
    first = prove("stability", "mus", 3, 4, "1/4")
    prove("lipschitz", "mus", 3, 4, "1/4")
    second = prove("stability", "mus", 3, 4, "1/4")
    assert first.verdict is second.verdict is Verdict.PROVED
    assert first.details["rlimit_count"] == second.details["rlimit_count"]
    budget = first.details["rlimit_count"][0] - 1  # one step short: UNKNOWN, every time
    assert [prove("stability", "mus", 3, 4, "1/4", rlimit=budget).verdict for _ in range(2)] == [Verdict.UNKNOWN] * 2


def test_a_duck_typed_variant_whose_attributes_raise_is_named():
    class BadName:
        @property
        def name(self):
            raise RuntimeError("no name today")

        def noise(self, ops, params, sym):
            return [(1, [ops.const(True)] * params.n)]

    with pytest.raises(InvalidArgument, match="variant=BadName is invalid.*RuntimeError: no name today"):
        prove("marginals", BadName(), 1, 2, "1/2")


def test_builtin_variants_pass_every_backend_through_the_guard():
    # The guard must not refuse correct code: every built-in runs exactly and in Z3 (the default, in place,
    # of the old direct calls), with the same verdicts as before.
    for name in ("mus", "mus-iid", "additive", "ramp", "baseline", "fixed-count", "token-drop"):
        result = prove("masking-equivalence", name, 2, 2, "1/2")
        assert result.verdict in (Verdict.PROVED, Verdict.REFUTED), (name, result.message)
    assert prove("masking-equivalence", "token-drop", 3, 2, "1/2").verdict is Verdict.REFUTED
