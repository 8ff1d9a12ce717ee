"""The registered removal checks hold on their defaults and are part of `check all`."""

import pytest

from mus_verify.checks import available, run_check
from mus_verify.results import Verdict

IN_ALL = ["removal-operators", "removal-infinity-norm", "removal-lemma-c1", "removal-theorem1", "removal-theorem2",
          "removal-conditional", "removal-duplicate-feature"]


def test_registered_and_in_all():
    specs = {s.name: s for s in available()}
    for name in IN_ALL:
        assert specs[name].in_all
    assert not any(s.in_all for n, s in specs.items() if n.startswith("removal-planted-"))


@pytest.mark.parametrize("name", IN_ALL)
def test_check_holds(name):
    result = run_check(name)
    assert result.holds, result.message
    assert result.verdict in (Verdict.PROVED, Verdict.VERIFIED, Verdict.NO_COUNTEREXAMPLE)
    assert result.cases > 0 and result.elapsed_s < 15
    assert result.margin is None or result.margin >= 0


def test_theorem_checks_record_ratios():
    result = run_check("removal-theorem1")
    ratios = result.details["max_ratio_to_bound"]
    assert 0 < ratios["shapley/d=2"] <= 1
    assert "shapley/d=2" in result.details["sharp_constant_baseline"]
    assert result.details["observed_constant"]["shapley/d=2"] <= result.details["sharp_constant_baseline"]["shapley/d=2"] + 1e-9
