"""Certified radii beyond the cube: ⌈1/(2λ)⌉ − 1 >= n + 1 for small λ.

"No failing β anywhere in the cone" used to be the sentinel distance n + 1, which a radius >= n + 1
"reached": the checks crashed on an internal assertion (exit 1, no JSON). A true radius "no flip in the
whole cube" is >= every certificate; a rule claiming a huge radius is still refuted where a flip exists.
"""

import json

import pytest

from mus_verify.checks import CheckConfig, run_check
from mus_verify.checks.stability import check_stability, replay_stability
from mus_verify.cli import main
from mus_verify.distributions import lqv
from mus_verify.exhaustive import Quorum
from mus_verify.results import Verdict


@pytest.mark.parametrize("name", ["incremental-stability", "decremental-stability"])
def test_radius_beyond_the_cube_is_verified_in_the_cli(name, capsys):
    code = main(["check", name, "--n", "3", "--q", "16", "--lam", "1/16", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0 and document["ok"] is True
    (result,) = document["results"]
    assert result["verdict"] == "VERIFIED"
    assert result["details"]["largest_certified_radius"] >= 4  # beyond n = 3: the case that crashed


@pytest.mark.parametrize("name", ["incremental-stability", "decremental-stability"])
def test_tally_caps_beyond_cube_certificates_at_the_cone(name):
    result = run_check(name, CheckConfig(n=2, q=16, lam="1/16"))
    assert result.verdict is Verdict.VERIFIED, result.message
    for key, table in result.details["true_vs_certified"].items():
        for certified, row in table.items():
            assert int(certified) <= 2 and all(int(true) >= int(certified) for true in row)


def test_a_huge_claimed_radius_is_still_refuted_where_a_flip_exists():
    """Planted bug: a rule that always claims radius n + 5. Quorum(1) flips within the cube, so the
    counterexample changes at most n features and replays."""
    n = 3

    def far(gap, lam):
        return n + 5

    result = check_stability(lqv([0, 5, 11], 16, "8/16"), "8/16", radius_rule=far, classifiers=[Quorum(1)], modes=("vote",))
    assert result.verdict is Verdict.REFUTED
    data = result.counterexample.data
    assert 1 <= data["features_changed"] <= n and data["claimed_radius"] == n + 5
    assert data["predicted_at_beta"] != data["predicted"]
    assert replay_stability(data)
    assert result.counterexample.replay()
