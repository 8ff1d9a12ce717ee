"""The mus-verify command line: exit codes, JSON contract, usage errors (``cli``: tests/conftest.py)."""

import json
import subprocess
import sys

import pytest



def test_check_marginals_issue_example(cli):
    code, out, _ = cli("check", "marginals", "--n", "64", "--q", "64", "--lam", "16/64", "--json")
    document = json.loads(out)
    assert code == 0 and document["ok"] is True
    (result,) = document["results"]
    assert result["verdict"] == "VERIFIED" and result["cases"] == 64
    assert set(result) >= {"name", "verdict", "method", "cases", "params", "counterexample"}
    assert result["counterexample"] is None
    assert result["params"]["lam"] == "1/4" and len(result["params"]["seed_vector"]) == 64


def test_json_flag_before_the_subcommand(cli):
    code, out, _ = cli("--json", "check", "marginals", "--n", "4", "--q", "8", "--lam", "2/8")
    assert code == 0 and json.loads(out)["ok"] is True


def test_lambda_not_a_multiple_of_one_over_q_exits_2_and_names_lambda(cli):
    code, out, err = cli("check", "marginals", "--q", "64", "--lam", "0.3")
    assert code == 2
    assert "λ" in err and "--lam" in err and "multiple of 1/q = 1/64" in err and "19/64, 20/64" in err
    assert out == ""


def test_usage_error_with_json_prints_an_error_object(cli):
    code, out, err = cli("check", "marginals", "--q", "64", "--lam", "0.3", "--json")
    document = json.loads(out)
    assert code == 2 and document["ok"] is False and document["results"] == [] and "λ" in document["error"]


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["check", "marginals", "--q", "0"], "--q=0"),
        (["check", "marginals", "--q", "4", "--lam", "5/4"], "--lam"),
        (["check", "marginals", "--q", "4", "--lam", "1/4", "--n", "2", "--seed-vector", "0,4"], "--seed-vector[1]=4"),
        (["check", "marginals", "--q", "4", "--lam", "1/4", "--n", "3", "--seed-vector", "0,1"], "length 2"),
        (["check", "marginals", "--q", "4", "--lam", "1/4", "--n", "2", "--seed-vector", "0,x"], "--seed-vector=x"),
        (["check", "marginals", "--n", "30", "--q", "64", "--lam", "1/64", "--all-seed-vectors"], "at most"),
        (["check", "no-such-check"], "no-such-check"),
        (["check", "marginals", "--n", "not-a-number"], "invalid int value"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2(cli, argv, fragment):
    code, _, err = cli(*argv)
    assert code == 2
    assert fragment in err


def test_no_command_prints_help_and_exits_2(cli):
    code, _, err = cli()
    assert code == 2 and "usage" in err


def test_help_exits_0(cli):
    code, out, _ = cli("--help")
    assert code == 0 and "exit codes" in out


def test_list_names_the_marginals_check(cli):
    code, out, _ = cli("list")
    assert code == 0 and "marginals" in out
    code, out, _ = cli("list", "--json")
    assert "marginals" in [c["name"] for c in json.loads(out)["checks"]]


def test_refutation_exits_1(cli, monkeypatch):
    from fractions import Fraction

    from mus_verify.checks import _noise
    from mus_verify.distributions import MaskDistribution

    def off_by_half(seed_vector, q, lam):
        import numpy as np

        k = int(Fraction(lam) * q)
        masks = (np.asarray(seed_vector)[None, :] + np.arange(q)[:, None]) % q <= k
        return MaskDistribution(masks, (1,) * q, q, "off-by-half", {"seed_vector": tuple(seed_vector)})

    monkeypatch.setattr(_noise, "lqv", off_by_half)
    code, out, _ = cli("check", "marginals", "--n", "5", "--q", "8", "--lam", "2/8", "--json")
    document = json.loads(out)
    assert code == 1 and document["ok"] is False
    cex = document["results"][0]["counterexample"]
    assert document["results"][0]["verdict"] == "REFUTED"
    assert cex["kind"] == "marginal" and cex["data"]["coordinate"] == 0 and cex["data"]["actual"] == "3/8"
    code, out, _ = cli("check", "marginals", "--n", "5", "--q", "8", "--lam", "2/8")
    assert code == 1 and "REFUTED" in out and "counterexample (marginal)" in out


def test_python_dash_m_is_the_same_command(cli_subprocess):
    proc = cli_subprocess("check", "marginals", "--n", "3", "--q", "4", "--lam", "1/4", "--json")
    assert proc.code == 0 and proc.json()["results"][0]["verdict"] == "VERIFIED"


def test_importing_the_package_and_the_cli_loads_neither_torch_nor_z3():
    code = "import sys, mus_verify, mus_verify.cli; mus_verify.cli.build_parser(); print(sorted(m for m in ('torch', 'z3') if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"
