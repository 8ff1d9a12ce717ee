"""``mus-verify gate``: exit codes, the JSON contract, usage errors, options."""

import json
import pathlib
import subprocess
import sys

import pytest

from mus_verify.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[2]
IMPLS = pathlib.Path(__file__).resolve().parent / "impls"
CORRECT = str(ROOT / "examples" / "gate_correct.py") + ":factory"
BUGGY = str(ROOT / "examples" / "gate_buggy.py") + ":factory"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_correct_example_passes_with_json(capsys):
    code, out, _ = run(capsys, "gate", CORRECT, "--profile", "quick", "--json")
    document = json.loads(out)
    assert code == 0 and document["ok"] is True
    names = [r["name"] for r in document["results"]]
    assert names[:4] == ["contract", "rng_isolation", "probabilities", "masked_inputs"]
    assert {"keep_rates", "lipschitz", "certificate", "conformance", "seed_use", "alpha_validation"} <= set(names)
    assert all(r["verdict"] == "NO_COUNTEREXAMPLE" and r["cases"] > 0 for r in document["results"])
    assert document["adapter"] == "factory" and document["target"] == CORRECT and document["configs"]
    assert document["sound_not_reference"] is False


def test_buggy_example_fails_with_a_replayable_counterexample(capsys):
    code, out, _ = run(capsys, "gate", BUGGY, "--profile", "quick", "--json")
    document = json.loads(out)
    assert code == 1 and document["ok"] is False
    (refuted,) = [r for r in document["results"] if r["verdict"] == "REFUTED"]
    assert refuted["name"] == "certificate"
    counterexample = refuted["counterexample"]
    assert counterexample["kind"] == "gate.certificate" and "claims r =" in counterexample["summary"]
    with pytest.raises(AssertionError):
        exec(counterexample["data"]["reproduce"], {})


def test_text_output_shows_the_reproduction(capsys):
    code, out, _ = run(capsys, "gate", BUGGY, "--profile", "quick", "--only", "certificate")
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
def test_bad_target_is_a_usage_error(capsys, target, fragment):
    code, out, err = run(capsys, "gate", target, "--json")
    assert code == 2 and fragment in err
    document = json.loads(out)
    assert document["ok"] is False and document["results"] == [] and "TARGET" in document["error"]


def test_target_that_fails_to_import_is_a_usage_error_with_its_traceback(capsys, tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("import torch\nraise RuntimeError('boom at import')\ndef factory(base, *, q, lam, seed): pass\n")
    code, _, err = run(capsys, "gate", f"{broken}:factory")
    assert code == 2 and "RuntimeError: boom at import" in err


def test_factory_raising_on_valid_input_exits_1_with_its_traceback(capsys):
    code, out, _ = run(capsys, "gate", f"{IMPLS / 'buggy_output.py'}:raises_for_odd_q", "--profile", "quick", "--only", "keep_rates", "--json")
    document = json.loads(out)
    contract = next(r for r in document["results"] if r["name"] == "contract")
    assert code == 1 and contract["verdict"] == "REFUTED"
    assert "NotImplementedError: q must be even" in contract["counterexample"]["data"]["traceback"]
    keep_rates = next(r for r in document["results"] if r["name"] == "keep_rates")
    assert keep_rates["verdict"] == "NO_COUNTEREXAMPLE"  # judged on the configurations that ran


def test_strict_fails_a_sound_implementation_that_is_not_the_reference(capsys):
    target = f"{IMPLS / 'valid.py'}:permuted_layout"
    code, out, _ = run(capsys, "gate", target, "--profile", "quick", "--only", "conformance,keep_rates")
    assert code == 0 and "sound, not the reference L_qv" in out
    code, out, _ = run(capsys, "gate", target, "--profile", "quick", "--only", "conformance,keep_rates", "--strict")
    assert code == 1 and "FAIL conformance" in out


def test_n_q_lam_options_replace_the_matrix(capsys):
    code, out, _ = run(capsys, "gate", CORRECT, "--n", "3", "5", "--q", "9", "--lam", "3/9", "--only", "keep_rates", "--json")
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
def test_bad_options_are_usage_errors(capsys, argv, fragment):
    code, _, err = run(capsys, "gate", CORRECT, *argv)
    assert code == 2 and fragment in err


def test_cli_modules_do_not_import_torch():
    code = "import sys, mus_verify.cli, mus_verify.cli.gate, mus_verify.gate; mus_verify.cli.build_parser(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
