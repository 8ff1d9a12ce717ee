"""``mus-verify prove/search PROPERTY`` for the guarantee families registered in cli._prove_extensions."""

import json
import sys
import types

import pytest

from mus_verify.cli import _prove_extensions
from mus_verify.results import CheckResult, Counterexample, Verdict

CALLS: list[tuple[dict, int, int]] = []


def fake_holds(params, *, rlimit, seed):
    CALLS.append((params, rlimit, seed))
    return [CheckResult("fake holds", Verdict.PROVED, "z3", 1, dict(params), message="fake")]


def fake_refuted(params, *, rlimit, seed):
    return [CheckResult("fake refuted", Verdict.REFUTED, "z3", 1, {}, counterexample=Counterexample("fake", "a fake violation", {"k": 1}))]


def fake_bad_return(params, *, rlimit, seed):
    return "not a list"


@pytest.fixture
def registry(monkeypatch):
    module = types.ModuleType("_fake_family")
    module.fake_holds, module.fake_refuted, module.fake_bad_return = fake_holds, fake_refuted, fake_bad_return
    monkeypatch.setitem(sys.modules, "_fake_family", module)
    for table in (_prove_extensions.PROVE_PROPERTIES, _prove_extensions.SEARCH_PROPERTIES):
        monkeypatch.setitem(table, "fake-family", ("_fake_family:fake_holds", "a fake statement for the test"))
        monkeypatch.setitem(table, "fake-refuted", ("_fake_family:fake_refuted", "a fake refuted statement"))
        monkeypatch.setitem(table, "fake-bad", ("_fake_family:fake_bad_return", "returns garbage"))
    CALLS.clear()
    return CALLS


def test_prove_dispatches_with_params_rlimit_and_seed(cli, registry):
    code, out, _ = cli("prove", "fake-family", "--param", "k=3", "--param", "model=a=b", "--rlimit", "123", "--seed", "7", "--json")
    document = json.loads(out)
    assert code == 0 and document["ok"] is True
    assert document["results"][0]["verdict"] == "PROVED" and document["results"][0]["params"] == {"k": "3", "model": "a=b"}
    assert registry == [({"k": "3", "model": "a=b"}, 123, 7)]


def test_search_dispatches_without_a_variant_and_defaults(cli, registry):
    code, out, _ = cli("search", "--property", "fake-family", "--json")
    assert code == 0 and json.loads(out)["results"][0]["name"] == "fake holds"
    from mus_verify.smt.prover import DEFAULT_RLIMIT

    assert registry == [({}, DEFAULT_RLIMIT, 0)]


def test_refuted_exits_1_and_help_lists_the_names(cli, registry):
    code, out, _ = cli("search", "--property", "fake-refuted", "--json")
    assert code == 1 and json.loads(out)["results"][0]["counterexample"]["summary"] == "a fake violation"
    assert cli("prove", "fake-refuted")[0] == 1
    code, out, _ = cli("prove", "--help")
    assert code == 0 and "fake-family" in out and "a fake statement for the test" in out


def test_options_that_do_not_apply_are_refused(cli, registry):
    for argv in (
        ["prove", "fake-family", "--variant", "mus"],
        ["prove", "fake-family", "--n", "3"],
        ["prove", "fake-family", "--radius-rule", "floor"],
        ["search", "mus", "--property", "fake-family"],
        ["prove", "fake-family", "--param", "novalue"],
        ["prove", "fake-family", "--param", "k=1", "--param", "k=2"],
        ["prove", "lipschitz", "--variant", "mus", "--n", "2", "--param", "k=1"],
        ["prove", "lipschitz", "--n", "2"],
        ["prove", "lipschitz", "--variant", "mus"],
        ["search", "--property", "lipschitz"],
    ):
        code, out, err = cli(*argv, "--json")
        assert code == 2, argv
        assert json.loads(out)["ok"] is False and "is invalid" in err, argv
    assert registry == []


def test_a_registered_function_returning_garbage_is_an_internal_error(cli, registry):
    code, out, err = cli("prove", "fake-bad", "--json")
    assert code == 2 and "not a non-empty list of CheckResult" in err


def test_unregistered_names_are_usage_errors(cli):
    assert cli("prove", "fake-family")[0] == 2
