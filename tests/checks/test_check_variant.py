"""``mus-verify check NAME --variant V``: one user variant on the exhaustive engine (issue 11, item 1).

The same object that ``mus-verify prove`` runs through Z3 is compiled for the exhaustive
engine (mus_verify.exhaustive.keys): verdicts agree with the prover, ``--variant mus`` is the
default, a planted user bug is refuted and replays only when the variant is named again, and
what the engine cannot represent is exit 2 with the reason.
"""

import json
import re
import textwrap

import pytest

from mus_verify.checks import CheckConfig, run_check, variant_checks
from mus_verify.errors import InvalidArgument
from mus_verify.results import Counterexample, Verdict

USER = "examples/user_variant.py:VARIANT"
SMALL = ("--n", "4", "--q", "4", "--lam", "1/4")


def check_json(cli, *argv):
    code, out, err = cli("check", *argv, "--json")
    return code, json.loads(out)


def without_timing(document):
    """The JSON minus wall-clock fields (and the throughput tail of messages)."""
    if isinstance(document, dict):
        return {k: without_timing(v) for k, v in document.items() if k not in ("elapsed_s", "masks_per_s")}
    if isinstance(document, list):
        return [without_timing(v) for v in document]
    if isinstance(document, str):
        return re.sub(r"in [0-9.]+ s \([0-9.]+ M masks/s\)", "in T s", document)
    return document


def planted(tmp_path, body, name="planted.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return f"{path}:VARIANT"


# --- the "done when": check agrees with prove ---------------------------------------------


def test_user_variant_lipschitz_is_refuted_by_check_and_by_prove(cli):
    pytest.importorskip("z3")
    code, document = check_json(cli, "lipschitz", "--variant", USER, *SMALL)
    (result,) = document["results"]
    assert code == 1 and result["verdict"] == "REFUTED"
    assert result["params"]["variant"] == "never-empty-mus" and result["params"]["variant_source"].endswith("examples/user_variant.py:VARIANT")
    data = result["counterexample"]["data"]
    assert data["variant"] == "never-empty-mus" and data["difference"] == "1/2"  # the all-hidden mask kept all: TV 1/2 > λ = 1/4
    code, out, _ = cli("prove", "lipschitz", "--variant", USER, *SMALL, "--json")
    assert code == 1 and json.loads(out)["results"][0]["verdict"] == "REFUTED"


def test_user_variant_marginals_are_refuted_by_check_and_by_prove(cli):
    pytest.importorskip("z3")
    code, document = check_json(cli, "marginals", "--variant", USER, *SMALL)
    (result,) = document["results"]
    assert code == 1 and result["params"]["variant"] == "never-empty-mus" and result["counterexample"]["data"]["actual"] == "1/2"
    assert Counterexample.from_json(result["counterexample"]).replay()  # the projected law is the evidence: no code runs
    code, out, _ = cli("prove", "marginals", "--variant", USER, *SMALL, "--json")
    assert code == 1 and json.loads(out)["results"][0]["verdict"] == "REFUTED"
    code, default = check_json(cli, "marginals", *SMALL)
    code_mus, named = check_json(cli, "marginals", *SMALL, "--variant", "mus")
    assert code == code_mus == 0 and without_timing(named) == without_timing(default)


def test_user_variant_masking_equivalence_holds_for_check_and_prove(cli):
    pytest.importorskip("z3")
    code, document = check_json(cli, "masking-equivalence", "--variant", USER, *SMALL)
    assert code == 0 and document["results"][0]["verdict"] == "PROVED"
    code, out, _ = cli("prove", "masking-equivalence", "--variant", USER, *SMALL, "--json")
    assert code == 0 and json.loads(out)["results"][0]["verdict"] == "PROVED"


def test_every_seed_vector_of_the_user_variant_is_covered(cli):
    code, document = check_json(cli, "lipschitz", "--variant", USER, *SMALL, "--all-seed-vectors", "--classifiers", "tables")
    assert code == 1 and document["results"][0]["params"]["seed_vectors"] == "all 256"


@pytest.mark.parametrize("name", ["lipschitz", "masking-equivalence", "incremental-stability"])
@pytest.mark.parametrize("spelling", ["mus", "multiplicative"])
def test_variant_mus_is_the_default(cli, name, spelling):
    size = ("--n", "5", "--q", "8", "--lam", "2/8")
    code, default = check_json(cli, name, *size)
    code_mus, named = check_json(cli, name, *size, "--variant", spelling)
    assert code == code_mus == 0
    assert without_timing(named) == without_timing(default)


def test_additive_is_refuted_on_masking_equivalence_as_before(cli):
    code, document = check_json(cli, "masking-equivalence", "--variant", "additive", *SMALL)
    (result,) = document["results"]
    assert code == 1 and result["counterexample"]["data"]["variant"] == "additive"
    assert result["params"]["distribution"] == "lqv"
    assert Counterexample.from_json(result["counterexample"]).replay()  # a built-in: no code needs naming


# --- a planted bug in a user's file: refuted, replayed only when named again ------------------------

OFF_BY_ONE = """
from fractions import Fraction


class OffByOne:
    name = "off-by-one-mus"

    def symbols(self, params):
        from mus_verify.variants import IntVector

        return {"seed_vector": IntVector(params.n, 0, params.q - 1)}

    def noise(self, ops, params, sym):
        q, k = params.q, params.k
        # bug: <= instead of <, so every feature is kept in k + 1 of the q masks
        return [(Fraction(1, q), [ops.or_(v + j <= k, ops.and_(v + j >= q, v + j <= q + k)) for v in sym["seed_vector"]]) for j in range(q)]


VARIANT = OffByOne()
"""


def test_planted_user_bug_is_refuted_and_replays_only_when_named(cli, tmp_path):
    spec = planted(tmp_path, OFF_BY_ONE)
    code, document = check_json(cli, "lipschitz", "--variant", spec, "--n", "5", "--q", "8", "--lam", "2/8")
    (result,) = document["results"]
    assert code == 1 and result["verdict"] == "REFUTED"
    cx = result["counterexample"]
    assert cx["data"]["variant"] == "off-by-one-mus" and cx["data"]["difference"] == "3/8"  # (k + 1)/q, not λ = 2/8
    saved = tmp_path / "cx.json"
    saved.write_text(json.dumps(document))
    code, out, _ = cli("replay", str(saved), "--json")
    replayed = json.loads(out)["results"][0]
    assert code == 3 and replayed["verdict"] == "UNKNOWN" and "not replayed" in replayed["message"] and "variant" in replayed["message"]
    outcome = Counterexample.from_json(cx).replay_outcome()
    assert outcome.status.value == "not replayed" and outcome.needs == ("variant",)
    code, out, _ = cli("replay", str(saved), "--variant", spec, "--json")
    assert code == 1 and json.loads(out)["results"][0]["verdict"] == "REFUTED"


def test_in_process_counterexample_replays_with_its_live_variant(tmp_path):
    spec = planted(tmp_path, OFF_BY_ONE, "live.py")
    result = run_check("incremental-stability", CheckConfig(n=4, q=8, lam="2/8", variant=spec))
    assert result.verdict is Verdict.REFUTED and result.counterexample.data["variant"] == "off-by-one-mus"
    assert result.counterexample.replay()  # holds the live variant (never serialised)
    assert not Counterexample.from_json(result.counterexample.to_json()).replay()  # JSON: needs it named


def test_replay_with_another_variant_is_not_a_reproduction(capsys, tmp_path):
    spec = planted(tmp_path, OFF_BY_ONE, "first.py")
    result = run_check("lipschitz", CheckConfig(n=4, q=8, lam="2/8", variant=spec))
    other = planted(tmp_path, OFF_BY_ONE.replace('"off-by-one-mus"', '"renamed"'), "second.py")
    outcome = Counterexample.from_json(result.counterexample.to_json()).replay_outcome(variant=other)
    assert outcome.status.value == "not replayed" and "'renamed'" in outcome.reason


def test_fixed_user_code_does_not_replay(tmp_path):
    spec = planted(tmp_path, OFF_BY_ONE, "fixme.py")
    result = run_check("lipschitz", CheckConfig(n=4, q=8, lam="2/8", variant=spec))
    fixed = planted(tmp_path, OFF_BY_ONE.replace("<= k", "< k").replace("<= q + k", "< q + k"), "fixed.py")
    outcome = Counterexample.from_json(result.counterexample.to_json()).replay_outcome(variant=fixed)
    assert not outcome.reproduced and "masks differ" in outcome.reason


def test_a_user_variant_below_lambda_fails_tightness_and_replays_when_named(tmp_path):
    # keeps each feature in k - 1 of the q masks: Lipschitz with a constant below the λ it claims
    spec = planted(tmp_path, OFF_BY_ONE.replace("<= k", "< k - 1").replace("<= q + k", "< q + k - 1").replace('"off-by-one-mus"', '"under-kept"'), "under.py")
    assert run_check("lipschitz", CheckConfig(n=4, q=8, lam="2/8", variant=spec)).verdict is Verdict.PROVED
    result = run_check("tightness", CheckConfig(n=4, q=8, lam="2/8", variant=spec))
    assert result.verdict is Verdict.REFUTED and result.counterexample.kind == "tightness"
    saved = Counterexample.from_json(result.counterexample.to_json())
    assert saved.data["max_tv"] == "1/8" and saved.replay_outcome().needs == ("variant",)
    assert saved.replay(variant=spec)


# --- what the engine cannot represent is exit 2, with the reason ----------------------------------


def test_variable_length_variant_is_exit_2_with_the_reason(cli):
    code, document = check_json(cli, "lipschitz", "--variant", "token-drop", *SMALL)
    assert code == 2 and document["ok"] is False
    assert "variable-length" in document["error"] and "token-drop" in document["error"] and "mus-verify prove" in document["error"]


@pytest.mark.parametrize("builtin, reason", [("ramp", "its own apply()"), ("baseline", "its own apply()")])
def test_builtins_with_their_own_apply_are_refused(cli, builtin, reason):
    code, document = check_json(cli, "masking-equivalence", "--variant", builtin, *SMALL)
    assert code == 2 and reason in document["error"]


CUSTOM = {
    "apply": """
        def apply(self, ops, x, alpha, s, params, sym):
            zero = ops.present(ops.const(0))
            return [ops.pick(ops.and_(a, si), xi, zero) for xi, a, si in zip(x, alpha, s)]  # MuS's, but not *the* method
    """,
    "keeps": """
        def keeps(self, ops, s_i):
            return ops.where(s_i, ops.const(1), ops.const(2))  # 2 is not a bool
    """,
    "symbols": """
        def symbols(self, params):
            from mus_verify.variants import IntVector

            return {"seed_vector": IntVector(params.n, 0, params.q - 1), "offset": IntVector(1, 0, 3)}
    """,
    "guard": """
        def keeps(self, ops, s_i):
            if s_i:  # a backend value used as a Python bool
                return ops.const(True)
            return ops.const(False)
    """,
}
REASONS = {"apply": "its own apply()", "keeps": "is not binary", "symbols": "symbol 'offset'", "guard": "as a Python bool"}


@pytest.mark.parametrize("hook", sorted(CUSTOM))
def test_what_the_engine_cannot_represent_is_refused_naming_why(cli, tmp_path, hook):
    body = OFF_BY_ONE.replace("\n\nVARIANT = OffByOne()", textwrap.indent(textwrap.dedent(CUSTOM[hook]), "    ") + "\n\nVARIANT = OffByOne()")
    spec = planted(tmp_path, body, f"custom_{hook}.py")
    code, document = check_json(cli, "lipschitz", "--variant", spec, *SMALL)
    assert code == 2 and REASONS[hook] in document["error"], document["error"]
    if hook == "guard":
        assert f"custom_{hook}.py:" in document["error"] and "if s_i:" in document["error"]  # names the line


def test_a_user_variant_may_not_take_a_builtin_name(cli, tmp_path):
    spec = planted(tmp_path, OFF_BY_ONE.replace('"off-by-one-mus"', '"mus"'), "impostor.py")
    code, document = check_json(cli, "lipschitz", "--variant", spec, *SMALL)
    assert code == 2 and "is a built-in's" in document["error"]


def test_a_missing_file_is_exit_2_not_a_traceback(cli):
    code, document = check_json(cli, "lipschitz", "--variant", "no/such/file.py:VARIANT", *SMALL)
    assert code == 2 and "no such file" in document["error"]


def test_a_variant_without_a_seed_vector_refuses_seed_vector_options(cli):
    code, document = check_json(cli, "lipschitz", "--variant", "mus-iid", "--n", "4", "--q", "4", "--lam", "1/4", "--seed-vector", "0,1,2,3")
    assert code == 2 and "declares no seed_vector" in document["error"]
    code, document = check_json(cli, "lipschitz", "--variant", "mus-iid", "--n", "4", "--q", "4", "--lam", "1/4")
    assert code == 0 and document["results"][0]["counterexample"] is None
    assert document["results"][0]["params"]["distribution"] == "noise of mus-iid"


# --- checks that take no variant refuse it; check all ----------------------------------------------


@pytest.mark.parametrize("name", ["soft-stability-smoothing", "topk-lemma", "removal-theorem1"])
def test_checks_without_a_variant_refuse_it_naming_the_check(cli, name):
    code, document = check_json(cli, name, "--variant", "mus")
    assert code == 2 and repr(name) in document["error"]
    with pytest.raises(InvalidArgument, match=name):
        run_check(name, CheckConfig(extra={"variant": "mus"}))


def test_check_all_with_a_variant_runs_the_variant_checks_only(cli):
    code, document = check_json(cli, "all", "--variant", USER, *SMALL, "--classifiers", "tables")
    names = [r["name"] for r in document["results"]]
    assert names == [s.name for s in variant_checks() if s.in_all]
    assert {"marginals", "lipschitz", "masking-equivalence", "tightness"} <= set(names) and code == 1
    assert not any(name.startswith(("topk", "soft-stability", "removal")) for name in names)


def test_help_documents_variant(cli):
    code, out, _ = cli("check", "--help")
    assert code == 0 and "--variant" in out and "file.py:ATTR" in out and "check all --variant" in " ".join(out.split())


# --- the Python API ---------------------------------------------------------------------------------


def test_python_api_takes_a_variant_object_and_extra_still_works():
    from mus_verify.variants import load_variant

    variant = load_variant(USER)
    by_object = run_check("lipschitz", CheckConfig(n=4, q=4, lam="1/4", variant=variant, classifiers="tables"))
    by_extra = run_check("lipschitz", CheckConfig(n=4, q=4, lam="1/4", extra={"variant": USER}, classifiers="tables"))
    assert by_object.verdict is by_extra.verdict is Verdict.REFUTED
    with pytest.raises(InvalidArgument, match="same variant"):
        run_check("lipschitz", CheckConfig(n=4, q=4, lam="1/4", variant="mus", extra={"variant": "additive"}))


def test_check_functions_explain_that_a_user_variant_brings_its_own_noise():
    from mus_verify.checks.lipschitz import check_lipschitz
    from mus_verify.distributions import lqv

    with pytest.raises(InvalidArgument, match="CheckConfig"):
        check_lipschitz(lqv([0, 1, 2], 4, "1/4"), "1/4", variant=USER)
    assert check_lipschitz(lqv([0, 1, 2], 4, "1/4"), "1/4", variant="mus", classifiers=()).verdict is Verdict.PROVED
