"""The exhaustive checks through the command line: listing, throughput line, JSON details, usage errors."""

import json
import time

import pytest


NAMES = ["lipschitz", "masking-equivalence", "incremental-stability", "decremental-stability", "tightness"]


def test_every_exhaustive_check_is_listed(cli):
    code, out, _ = cli("list", "--json")
    listed = {c["name"]: c for c in json.loads(out)["checks"]}
    assert code == 0 and set(NAMES) <= set(listed)
    assert all(listed[name]["in_all"] for name in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_small_run_prints_the_throughput(cli, name):
    code, out, _ = cli("check", name, "--n", "4", "--q", "8", "--lam", "1/8")
    assert code == 0, out
    assert "masks/s" in out and "masks evaluated" in out
    code, out, _ = cli("check", name, "--n", "4", "--q", "8", "--lam", "1/8", "--json")
    (result,) = json.loads(out)["results"]
    assert code == 0 and result["details"]["masks_per_s"] > 0 and result["details"]["masks_evaluated"] > 0


def test_too_many_seed_vectors_is_a_usage_error(cli):
    code, _, err = cli("check", "incremental-stability", "--n", "8", "--q", "4", "--lam", "1/4", "--all-seed-vectors")
    assert code == 2 and "at most 4096" in err


def test_vacuous_stability_exits_3(cli):
    code, out, _ = cli("check", "incremental-stability", "--n", "3", "--q", "2", "--lam", "1/2")
    assert code == 3 and "VACUOUS" in out


def test_unknown_family_is_a_usage_error(cli):
    code, _, err = cli("check", "lipschitz", "--n", "3", "--q", "4", "--lam", "1/4", "--classifiers", "tables,resnet")
    assert code == 2 and "--classifiers" in err


@pytest.mark.slow
def test_check_all_holds_with_a_table(cli):
    started = time.perf_counter()
    code, out, _ = cli("check", "all")
    elapsed = time.perf_counter() - started
    assert code == 0, out
    for name in ["marginals", *NAMES]:
        assert name in out
    print(f"check all: {elapsed:.1f} s")  # measured, not asserted


@pytest.mark.slow
@pytest.mark.parametrize("name", ["lipschitz", "incremental-stability"])
def test_issue_commands_at_n16(cli, name):
    code, out, _ = cli("check", name, "--n", "16", "--q", "64", "--lam", "16/64", "--json")
    (result,) = json.loads(out)["results"]
    assert code == 0 and result["verdict"] in ("PROVED", "VERIFIED")
    assert result["details"]["masks_per_s"] > 0
