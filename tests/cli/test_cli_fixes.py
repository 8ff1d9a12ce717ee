"""Regressions of the generic CLI: the JSON contract of list, q from --lam in check, exit 2 for sizes
that cannot finish, and main() converting only argparse's SystemExit."""

import json
import time

import pytest

from mus_verify.cli import main


def test_list_json_keeps_the_contract(capsys):
    assert main(["list", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is True and document["results"] == []
    assert any(entry["name"] == "marginals" for entry in document["checks"])


def test_check_infers_q_from_lam(capsys):
    assert main(["check", "marginals", "--lam", "2/8", "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)["results"]
    assert result["params"]["q"] == 8 and result["params"]["lam"] == "1/4"


def test_check_refuses_a_q_that_conflicts_with_lam(capsys):
    assert main(["check", "marginals", "--lam", "1/4", "--q", "6", "--json"]) == 2
    assert "--q=6" in json.loads(capsys.readouterr().out)["error"]


@pytest.mark.parametrize(
    "argv, argument",
    [
        (["check", "marginals", "--n", "100000000"], "--n"),
        (["check", "marginals", "--q", str(10**20), "--lam", f"1/{10**20}"], "--q"),
        (["check", "lipschitz", "--q", str(10**20), "--lam", f"1/{10**20}"], "--q"),
        (["check", "incremental-stability", "--n", "25", "--q", "64", "--lam", "16/64"], "--n"),
        (["check", "masking-equivalence", "--n", "22"], "--n"),
        (["check", "lipschitz", "--classes", "1000000000"], "--classes"),
        (["check", "marginals", "--n", "12", "--q", "64", "--all-seed-vectors"], "--all-seed-vectors"),
        (["check", "marginals", "--n", "1", "--q", "200000", "--lam", "1/200000", "--all-seed-vectors"], "--all-seed-vectors"),
    ],
    ids=["marginals-n-1e8", "marginals-huge-q", "lipschitz-huge-q", "stability-n-25", "masking-n-22", "huge-classes", "all-seed-vectors",
         "all-seed-vectors-large-q"],
)
def test_sizes_that_cannot_finish_are_refused_quickly_with_exit_2(capsys, argv, argument):
    started = time.perf_counter()
    assert main([*argv, "--json"]) == 2
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is False and document["error"].startswith(f"{argument}=")
    assert time.perf_counter() - started < 10


def test_a_system_exit_inside_a_command_is_not_turned_into_a_result(monkeypatch, capsys):
    """main() used to return 0 when anything under it called sys.exit(0) (a factory, a user callback)."""

    def exits(*_args, **_kwargs):
        raise SystemExit(0)

    monkeypatch.setattr("mus_verify.checks.run_check", exits)  # `check` imports it at call time
    assert main(["check", "marginals", "--json"]) == 2
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is False and "SystemExit" in document["error"]


def test_help_still_exits_0(capsys):
    assert main(["--help"]) == 0
    assert main(["check", "--help"]) == 0
    assert "usage" in capsys.readouterr().out
