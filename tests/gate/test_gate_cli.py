"""``mus-verify gate``: exit codes, the JSON contract, usage errors, options."""

import json
import pathlib
import subprocess
import sys

import pytest


ROOT = pathlib.Path(__file__).resolve().parents[2]
IMPLS = pathlib.Path(__file__).resolve().parent / "impls"
CORRECT = str(ROOT / "examples" / "gate_correct.py") + ":factory"
BUGGY = str(ROOT / "examples" / "gate_buggy.py") + ":factory"


def test_correct_example_passes_with_json(cli):
    code, out, _ = cli("gate", CORRECT, "--profile", "quick", "--json")
    document = json.loads(out)
    assert code == 0 and document["ok"] is True
    names = [r["name"] for r in document["results"]]
    assert names[:4] == ["contract", "rng_isolation", "probabilities", "masked_inputs"]
    assert {"keep_rates", "lipschitz", "certificate", "conformance", "seed_use", "alpha_validation"} <= set(names)
    assert all(r["verdict"] == "NO_COUNTEREXAMPLE" and r["cases"] > 0 for r in document["results"])
    assert document["adapter"] == "factory" and document["target"] == CORRECT and document["configs"]
    assert document["sound_not_reference"] is False


def test_buggy_example_fails_with_a_replayable_counterexample(cli):
    code, out, _ = cli("gate", BUGGY, "--profile", "quick", "--json")
    document = json.loads(out)
    assert code == 1 and document["ok"] is False
    (refuted,) = [r for r in document["results"] if r["verdict"] == "REFUTED"]
    assert refuted["name"] == "certificate"
    counterexample = refuted["counterexample"]
    assert counterexample["kind"] == "gate.certificate" and "claims r =" in counterexample["summary"]
    with pytest.raises(AssertionError):
        exec(counterexample["data"]["reproduce"], {})


def test_text_output_shows_the_reproduction(cli):
    code, out, _ = cli("gate", BUGGY, "--profile", "quick", "--only", "certificate")
    assert code == 1
    assert "FAIL certificate:" in out and "reproduce:" in out and "smoothed.certify" in out
    assert out.rstrip().endswith("gate FAILED: 1 of 7 properties refuted (certificate)")


@pytest.mark.parametrize(
    "target, fragment",
    [
        ("no_colon_here", "missing ':attr'"),
        ("does/not/exist.py:factory", "no such file"),
        (CORRECT.replace(":factory", ":nope"), "has no attribute 'nope'"),
        ("no_such_package_xyz.module:factory", "no module named 'no_such_package_xyz'"),
        (CORRECT.replace(":factory", ":GAP_MARGIN"), "a factory function or an nn.Module class"),
    ],
)
def test_bad_target_is_a_usage_error(cli, target, fragment):
    code, out, err = cli("gate", target, "--json")
    assert code == 2 and fragment in err
    document = json.loads(out)
    assert document["ok"] is False and document["results"] == [] and "TARGET" in document["error"]


def test_target_that_fails_to_import_is_a_usage_error_with_its_traceback(cli, tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("import torch\nraise RuntimeError('boom at import')\ndef factory(base, *, q, lam, seed): pass\n")
    code, _, err = cli("gate", f"{broken}:factory")
    assert code == 2 and "RuntimeError: boom at import" in err


def test_factory_raising_on_valid_input_exits_1_with_its_traceback(cli):
    code, out, _ = cli("gate", f"{IMPLS / 'buggy_output.py'}:raises_for_odd_q", "--profile", "quick", "--only", "keep_rates", "--json")
    document = json.loads(out)
    contract = next(r for r in document["results"] if r["name"] == "contract")
    assert code == 1 and contract["verdict"] == "REFUTED"
    assert "NotImplementedError: q must be even" in contract["counterexample"]["data"]["traceback"]
    keep_rates = next(r for r in document["results"] if r["name"] == "keep_rates")
    assert keep_rates["verdict"] == "NO_COUNTEREXAMPLE"  # judged on the configurations that ran


def test_strict_fails_a_sound_implementation_that_is_not_the_reference(cli):
    target = f"{IMPLS / 'valid.py'}:permuted_layout"
    code, out, _ = cli("gate", target, "--profile", "quick", "--only", "conformance,keep_rates")
    assert code == 0 and "sound, not the reference L_qv" in out
    code, out, _ = cli("gate", target, "--profile", "quick", "--only", "conformance,keep_rates", "--strict")
    assert code == 1 and "FAIL conformance" in out


def test_n_q_lam_options_replace_the_matrix(cli):
    code, out, _ = cli("gate", CORRECT, "--n", "3", "5", "--q", "9", "--lam", "3/9", "--only", "keep_rates", "--json")
    document = json.loads(out)
    assert code == 0
    assert sorted((c["n"], c["q"], c["lam"]) for c in document["configs"]) == [(3, 9, "3/9"), (5, 9, "3/9")]


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--only", "nonsense"], "--only=nonsense"),
        (["--q", "8", "--lam", "1/3"], "--lam"),
        (["--n", "0"], "--n=0"),
        (["--profile", "huge"], "invalid choice"),
    ],
)
def test_bad_options_are_usage_errors(cli, argv, fragment):
    code, _, err = cli("gate", CORRECT, *argv)
    assert code == 2 and fragment in err


def test_cli_modules_do_not_import_torch():
    code = "import sys, mus_verify.cli, mus_verify.cli.gate, mus_verify.gate; mus_verify.cli.build_parser(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# --- issue 10: severity, options, progress, --kind -------------------------------------------------

UNCHECKED = f"{IMPLS / 'valid_unchecked.py'}:chunked_float32"  # valid, but accepts a fractional α


def test_help_states_the_severity_model(cli):
    code, out, _ = cli("gate", "--help")
    assert code == 0
    text = " ".join(out.split())
    for fragment in ("guarantee", "conformance (seed_use, conformance", "hygiene (alpha_validation", "unless --strict", "details.severity"):
        assert fragment in text


def test_json_names_each_result_s_severity_and_lists_notices_and_warnings(cli):
    code, out, _ = cli("gate", UNCHECKED, "--profile", "quick", "--only", "alpha_validation,determinism", "--json")
    document = json.loads(out)
    assert code == 0 and document["ok"] is True
    severities = {r["name"]: r["details"]["severity"] for r in document["results"]}
    assert severities["alpha_validation"] == "hygiene" and severities["contract"] == "guarantee"
    assert [w["property"] for w in document["warnings"]] == ["alpha_validation"] and document["notices"] == []
    assert document["warnings"][0]["finding"]["kind"] == "gate.alpha_validation"
    assert set(document["severity_model"]) == {"guarantee", "conformance", "hygiene"}
    code, out, _ = cli("gate", UNCHECKED, "--profile", "quick", "--only", "alpha_validation,determinism", "--strict")
    assert code == 1 and "FAIL alpha_validation (hygiene; fails because of --strict)" in out


def test_a_conformance_notice_is_listed_in_json(cli):
    target = f"{IMPLS / 'valid.py'}:permuted_layout"
    code, out, _ = cli("gate", target, "--profile", "quick", "--only", "conformance", "--json")
    document = json.loads(out)
    assert code == 0 and [n["property"] for n in document["notices"]] == ["conformance"] and document["sound_not_reference"] is True


def test_lam_without_q_infers_q_from_its_denominator(cli):
    code, out, _ = cli("gate", CORRECT, "--n", "3", "--lam", "3/12", "--only", "keep_rates", "--json")
    document = json.loads(out)
    assert code == 0 and [(c["n"], c["q"], c["lam"]) for c in document["configs"]] == [(3, 12, "3/12")]


def test_sizes_that_cannot_finish_are_refused_with_the_limit_and_why(cli):
    code, out, err = cli("gate", CORRECT, "--n", "16", "--q", "4096", "--json")
    assert code == 2 and "--q=4096" in err and "1..1024" in err and "300 s" in err
    assert json.loads(out)["error"]


def test_config_adds_a_deployed_configuration_beyond_the_old_n_cap(cli):
    code, out, _ = cli("gate", CORRECT, "--profile", "quick", "--config", "20,8,2/8", "--only", "keep_rates", "--json")
    document = json.loads(out)
    assert code in (0, 3), out  # judged, or UNKNOWN where a property cannot handle n = 20: never a usage error
    assert {"n": 20, "q": 8, "lam": "2/8"}.items() <= document["configs"][-1].items()
    assert document["results"][[r["name"] for r in document["results"]].index("keep_rates")]["verdict"] == "NO_COUNTEREXAMPLE"


def test_threads_and_time_budget_options(cli):
    code, out, _ = cli("gate", CORRECT, "--profile", "quick", "--only", "keep_rates", "--threads", "2", "--json")
    assert code == 0 and json.loads(out)["threads"] == 2
    code, _, err = cli("gate", CORRECT, "--threads", "0")
    assert code == 2 and "--threads" in err
    code, out, _ = cli("gate", CORRECT, "--profile", "quick", "--only", "keep_rates", "--time-budget", "1e-9", "--json")
    document = json.loads(out)
    assert code == 3 and document["ok"] is False
    assert any(r["verdict"] == "UNKNOWN" and "time budget" in r["message"] for r in document["results"])


def test_progress_with_a_total_on_stderr_but_not_under_json(cli, monkeypatch):
    import mus_verify.cli.gate as gate_cli

    monkeypatch.setattr(gate_cli, "PROGRESS_AFTER_S", 0.0)
    code, _, err = cli("gate", CORRECT, "--profile", "quick", "--only", "keep_rates,determinism")
    lines = [line for line in err.splitlines() if line.startswith("gate: [")]
    assert code == 0 and lines and lines[-1].startswith("gate: [2/2] properties done")
    assert len(lines) == 3 and all("/2]" in line for line in lines)
    code, out, err = cli("gate", CORRECT, "--profile", "quick", "--only", "keep_rates", "--json")
    assert code == 0 and "gate: [" not in err and json.loads(out)["ok"] is True


def test_kind_sca_dispatches_lazily_and_refuses_smoother_options(cli, monkeypatch):
    import types

    import mus_verify.cli.gate as gate_cli

    calls = []
    fake = types.ModuleType("fake_sca_gate")
    fake.run_from_cli = lambda args: calls.append(args.target) or 0
    monkeypatch.setitem(sys.modules, "fake_sca_gate", fake)
    monkeypatch.setattr(gate_cli, "SCA_MODULE", "fake_sca_gate")
    code, _, _ = cli("gate", "some/certifier.py:certify", "--kind", "sca")
    assert code == 0 and calls == ["some/certifier.py:certify"]
    code, _, err = cli("gate", "some/certifier.py:certify", "--kind", "sca", "--n", "4")
    assert code == 2 and "--n" in err and "--kind sca" in err
    monkeypatch.setattr(gate_cli, "SCA_MODULE", "mus_verify.no_such_sca_gate_module")
    code, out, err = cli("gate", "some/certifier.py:certify", "--kind", "sca", "--json")
    assert code == 2 and "not available" in err and json.loads(out)["ok"] is False


def test_a_system_exit_inside_a_command_is_an_error_not_exit_0(cli, monkeypatch):
    """cli.main used to return SystemExit's code (0 for sys.exit(0)) for any command: only argparse's own counts."""
    import mus_verify.cli.gate as gate_cli

    def exits(args):
        raise SystemExit(0)

    monkeypatch.setattr(gate_cli, "run_gate_command", exits)
    code, out, err = cli("gate", CORRECT, "--json")
    assert code == 2 and "SystemExit(0)" in err and json.loads(out)["ok"] is False
    assert cli("gate", "--help")[0] == 0


def test_kind_sca_runs_the_soft_stability_gate(cli):
    pytest.importorskip("mus_verify.soft_stability.gate")
    code, out, _ = cli("gate", str(ROOT / "examples" / "sca_correct.py") + ":certifier", "--kind", "sca", "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    code, _, _ = cli("gate", str(ROOT / "examples" / "sca_buggy.py") + ":certifier", "--kind", "sca")
    assert code == 1
