"""The gate's runner and matrix (issue 10, items 2, 3 and the newcomer's list): user code never ends the
gate, a time budget ends in UNKNOWN, sizes that cannot finish are refused with the reason, q comes
from --lam K/Q, --config adds a deployed configuration, the default matrix goes past q = 64."""

import json
import pathlib

import pytest

from mus_verify.cli import main
from mus_verify.errors import InvalidArgument
from mus_verify.gate import gate
from mus_verify.gate import runner as gate_runner
from mus_verify.gate.configs import DEFAULT_MATRIX, MAX_N, MAX_Q, GateSettings, alphas_for, build_configs, parse_config
from mus_verify.results import Verdict

ROOT = pathlib.Path(__file__).resolve().parents[2]
IMPLS = pathlib.Path(__file__).resolve().parent / "impls"
CORRECT = str(ROOT / "examples" / "gate_correct.py") + ":factory"


def test_default_matrix_goes_past_q_64_into_the_hundreds():
    qs = [q for _, q, _, _, _ in DEFAULT_MATRIX]
    assert any(64 < q < 128 for q in qs) and any(256 < q <= 512 for q in qs)
    configs = build_configs(GateSettings())
    assert {c.q for c in configs} >= {96, 300}
    assert [c.n * c.q for c in configs] == sorted(c.n * c.q for c in configs)  # smallest first


def test_q_is_inferred_from_lam_when_q_is_absent():
    configs = build_configs(GateSettings(ns=(3,), lams=("3/12", "1/5")))
    assert sorted((c.q, c.k) for c in configs) == [(5, 1), (12, 3)]


@pytest.mark.parametrize(
    "settings, argument, fragment",
    [
        (dict(ns=(4,), qs=(4096,)), "--q", "ran for over 300 s"),
        (dict(ns=(MAX_N + 1,)), "--n", "cannot judge them in minutes"),
        (dict(ns=(4,), qs=(8,), lams=("1/8", "1/3")), "--lam", "would be ignored"),
        (dict(ns=(4,), qs=(8, 5), lams=("1/8",)), "--q", "would run no configuration"),
        (dict(lams=("0.25",)), "--lam", "K/Q"),
        (dict(ns=tuple(range(1, 20)), qs=(6, 16)), "--n/--q/--lam/--config", "at most"),
        (dict(time_budget=0), "--time-budget", "positive"),
    ],
)
def test_sizes_and_values_that_cannot_run_are_refused_with_the_reason(settings, argument, fragment):
    with pytest.raises(InvalidArgument) as error:
        build_configs(GateSettings(**settings))
    assert error.value.argument == argument and fragment in str(error.value)


def test_deployed_configurations_are_parsed_and_added_last():
    assert parse_config("196,64,8/64") == (196, 64, 8)
    assert parse_config((12, 16, "1/4")) == (12, 16, 4)
    for bad, fragment in [("196,64", "n,q,lam"), ("196,64,1/3", "1/64"), (f"4,{MAX_Q + 1},1/2", "300 s"), ("x,8,1/8", "integer")]:
        with pytest.raises(InvalidArgument, match="--config") as error:
            parse_config(bad)
        assert fragment in str(error.value)
    configs = build_configs(GateSettings(profile="quick", deployed=("196,64,8/64",)))
    assert configs[-1].n == 196 and configs[-1].q == 64 and configs[-1].k == 8 and "deployed" in configs[-1].why


def test_alphas_for_many_features_are_sampled_and_ordered_by_popcount():
    import numpy as np

    alphas = alphas_for(196, np.random.default_rng(0), 8, 16)
    assert alphas.shape[1] == 196 and 2 + 196 <= alphas.shape[0] <= 2 + 196 + 16
    counts = alphas.sum(axis=1)
    assert list(counts) == sorted(counts) and counts[0] == 0 and counts[-1] == 196


def test_a_property_ending_the_process_is_a_failure_not_an_exit(monkeypatch):
    """What escapes a property (here SystemExit(0)) is that property's REFUTED result; the gate goes on."""

    def exits(ctx):
        raise SystemExit(0)

    monkeypatch.setitem(gate_runner.ACTIVE, "determinism", exits)
    report = gate(CORRECT, profile="quick", properties=("determinism", "keep_rates"))
    result = report.result("determinism")
    assert result.verdict is Verdict.REFUTED and "SystemExit(0)" in result.counterexample.summary
    assert "SystemExit" in result.counterexample.data["traceback"]
    assert report.result("keep_rates").holds and report.exit_code == 1


def test_cli_reports_sys_exit_in_the_factory_as_a_failure_with_json(capsys):
    code = main(["gate", f"{IMPLS / 'buggy_crash.py'}:exits_in_factory", "--profile", "quick", "--only", "determinism", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1 and document["ok"] is False
    assert any(r["verdict"] == "REFUTED" for r in document["results"])


def test_a_spent_time_budget_is_unknown_never_a_pass():
    report = gate(CORRECT, profile="quick", time_budget=1e-9, properties=("determinism", "lipschitz"))
    for name in ("determinism", "lipschitz"):
        result = report.result(name)
        assert result.verdict is Verdict.UNKNOWN and "time budget" in result.message
    assert report.exit_code == 3 and report.to_json()["time_budget_s"] == 1e-9


def test_progress_is_reported_with_a_total():
    seen = []
    gate_runner.run_gate(CORRECT, GateSettings(profile="quick", properties=("determinism", "keep_rates")), progress=lambda d, t, label: seen.append((d, t, label)))
    assert seen[0] == (0, len(seen) - 1, seen[0][2]) and seen[-1][0] == seen[-1][1] and all(t == seen[-1][1] for _, t, _ in seen)


def test_deployed_settings_survive_the_json_round_trip_of_a_replay():
    from mus_verify.gate.replay import recorded_settings

    settings = GateSettings(profile="quick", deployed=[(12, 16, "1/4"), "20,8,2/8"])
    assert settings.deployed == ("12,16,4/16", "20,8,2/8")
    recorded = json.loads(json.dumps(recorded_settings(settings)))
    again = GateSettings(**{k: tuple(v) if isinstance(v, list) else v for k, v in recorded.items()})
    assert build_configs(again) == build_configs(settings)
    assert gate.__module__ == "mus_verify.gate"  # gate(..., deployed="n,q,lam") takes one string too
    assert GateSettings(deployed="20,8,2/8").deployed == ("20,8,2/8",)


BREAKS_ABOVE_64 = '''
import sys
sys.path.insert(0, {examples!r})
from gate_correct import factory as correct
sys.path.pop(0)

def factory(base, *, q, lam, seed):
    smoothed = correct(base, q=q, lam=lam, seed=seed)

    def wide(x, alpha):
        if x.shape[1] <= 64:
            return smoothed(x, alpha)
        alpha = alpha.clone()
        alpha[:, 64:] = 1  # "features past 64 are padding": they are never hidden
        return smoothed(x, alpha)

    return wide
'''


def test_a_deployed_configuration_with_many_features_is_judged_and_catches_what_the_matrix_cannot(tmp_path):
    """n = 70 (past int64 pattern codes): the correct example holds where the gate can judge it, and
    code that is wrong only for n > 64 fails on the deployed configuration alone."""
    report = gate(CORRECT, profile="quick", deployed=("70,8,2/8",), properties=("keep_rates", "lipschitz", "masking_equivalence", "certificate"))
    assert report.configs[-1].n == 70
    for name in ("keep_rates", "lipschitz", "masking_equivalence", "masked_inputs", "contract"):
        assert report.result(name).verdict is Verdict.NO_COUNTEREXAMPLE, report.render()
    # What the gate cannot judge at n = 70 is UNKNOWN for that configuration only, never a pass.
    certificate = report.result("certificate")
    assert certificate.verdict is Verdict.NO_COUNTEREXAMPLE or (
        certificate.verdict is Verdict.UNKNOWN and "not judged on 1 configuration(s) (first: n=70" in certificate.message), report.render()
    buggy = tmp_path / "breaks_above_64.py"
    buggy.write_text(BREAKS_ABOVE_64.format(examples=str(ROOT / "examples")))
    assert gate(f"{buggy}:factory", profile="quick", properties=("keep_rates",)).ok  # the matrix alone: accepted
    report = gate(f"{buggy}:factory", profile="quick", deployed=("70,8,2/8",), properties=("keep_rates", "lipschitz"))
    refuted = {r.name for r in report.refuted}
    assert refuted & {"masked_inputs", "lipschitz", "keep_rates"}, report.render()
    assert all("n=70" in r.counterexample.summary for r in report.refuted), report.render()


@pytest.mark.slow
def test_a_vit_sized_deployed_configuration_ends_with_verdicts_not_a_hang():
    report = gate(CORRECT, profile="quick", deployed=("196,64,8/64",))
    assert report.exit_code in (0, 3) and report.result("lipschitz").holds, report.render()
    assert all(r.holds or r.verdict is Verdict.UNKNOWN for r in report.results)


def test_a_keyboard_interrupt_fails_its_property_and_stops_the_run(monkeypatch):
    def interrupted(ctx):
        raise KeyboardInterrupt

    monkeypatch.setitem(gate_runner.ACTIVE, "determinism", interrupted)
    report = gate(CORRECT, profile="quick", properties=("determinism", "keep_rates"))
    assert report.result("determinism").verdict is Verdict.REFUTED
    keep_rates = report.result("keep_rates")
    assert keep_rates.verdict is Verdict.UNKNOWN and "interrupted" in keep_rates.message
    assert report.exit_code == 1
