"""A gate replay is evidence: it reproduces only when the property's own check fails again.

Before, ``replay()`` executed the counterexample's script and counted any exception as
"reproduced": run from ``/``, where the relative target could not even be imported, it returned
True for every counterexample. Now a replay re-runs the property on the implementation the caller
names; a crash or an import failure is "not replayed", distinct from "not reproduced", and the
printed script carries the absolute target path so it runs from any directory.
"""

import json
import pathlib
import subprocess
import sys

import pytest

from mus_verify.gate import gate
from mus_verify.replaying import ReplayStatus
from mus_verify.results import Counterexample

ROOT = pathlib.Path(__file__).resolve().parents[2]
RELATIVE_BUGGY = "tests/gate/impls/buggy_certify.py:floor_radius"
BUGGY = str(ROOT / RELATIVE_BUGGY)
VALID = str(ROOT / "tests/gate/impls/valid.py:chunked")

CRASHING = '''
import sys


def crashes(base, *, q, lam, seed):
    def smoothed(x, alpha):
        raise RuntimeError("boom inside the implementation")

    smoothed.certify = lambda x, alpha: smoothed(x, alpha)
    return smoothed


def exits(base, *, q, lam, seed):
    sys.exit(0)
'''


@pytest.fixture(scope="module")
def certificate_json():
    """The floor-radius bug's certificate counterexample, gated with a relative target from the repository root."""
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.chdir(ROOT)
    try:
        report = gate(RELATIVE_BUGGY, profile="quick", properties=("certificate",))
    finally:
        monkeypatch.undo()
    counterexample = report.result("certificate").counterexample
    assert counterexample is not None and counterexample.replay()  # in-process: the live factory it was found with
    return json.loads(json.dumps(counterexample.to_json()))


def outcome(document, **named):
    return Counterexample.from_json(document).replay_outcome(**named)


def test_named_again_the_buggy_target_reproduces_and_a_fixed_one_does_not(certificate_json):
    again = outcome(certificate_json, target=BUGGY)
    assert again.status is ReplayStatus.REPRODUCED and "the same counterexample" in again.reason
    fixed = outcome(certificate_json, target=VALID)
    assert fixed.status is ReplayStatus.NOT_REPRODUCED and not fixed and "holds" in fixed.reason


def test_a_crash_is_not_a_reproduction(certificate_json, tmp_path):
    (tmp_path / "crashing.py").write_text(CRASHING)
    crashed = outcome(certificate_json, target=f"{tmp_path / 'crashing.py'}:crashes")
    assert crashed.status is ReplayStatus.NOT_REPLAYED and not crashed
    assert "raised" in crashed.reason and "boom inside the implementation" in crashed.reason
    exited = outcome(certificate_json, target=f"{tmp_path / 'crashing.py'}:exits")  # sys.exit(0) is no pass either
    assert exited.status is ReplayStatus.NOT_REPLAYED and "SystemExit" in exited.reason
    assert Counterexample.from_json(certificate_json).replay(target=f"{tmp_path / 'crashing.py'}:crashes") is False


def test_a_target_that_cannot_be_imported_is_not_replayed(certificate_json, monkeypatch):
    monkeypatch.chdir("/")  # the directory from which every old replay "reproduced"
    missing = outcome(certificate_json, target=RELATIVE_BUGGY)
    assert missing.status is ReplayStatus.NOT_REPLAYED and "could not be loaded" in missing.reason
    unnamed = outcome(certificate_json)
    assert unnamed.status is ReplayStatus.NOT_REPLAYED and unnamed.needs == ("target",)


def test_the_script_names_the_target_by_its_absolute_path_and_fails_from_any_directory(certificate_json):
    script = certificate_json["data"]["reproduce"]
    assert f"load_factory({BUGGY!r})" in script and RELATIVE_BUGGY not in script.replace(BUGGY, "")
    # The test, acting as the person who reads the script, runs it from "/": it fails on its assert.
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd="/", timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 1 and "AssertionError" in proc.stderr, proc.stderr


def test_cli_replay_exit_codes(certificate_json, tmp_path, capsys):
    from mus_verify.cli import main

    saved = tmp_path / "gate.json"
    saved.write_text(json.dumps({"ok": False, "results": [{"name": "certificate", "counterexample": certificate_json}]}))
    assert main(["replay", str(saved), "--target", BUGGY, "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["results"][0]["verdict"] == "REFUTED" and document["results"][0]["details"]["replay"]["status"] == "reproduced"
    assert main(["replay", str(saved), "--target", VALID, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"][0]["verdict"] == "NO_COUNTEREXAMPLE"
    assert main(["replay", str(saved), "--json"]) == 3
    capsys.readouterr()
    assert main(["replay", str(saved), "--variant", "v.py:V", "--json"]) == 2  # an option nothing in FILE takes
    assert "--variant" in json.loads(capsys.readouterr().out)["error"]


def test_every_gate_setting_is_recorded_and_rebuilt():
    """A replay must run the matrix the gate ran (a setting dropped from the record could hide the configuration that failed)."""
    from dataclasses import fields

    from mus_verify.gate.configs import GateSettings
    from mus_verify.gate.replay import _settings, recorded_settings

    settings = GateSettings(profile="quick", ns=(2, 3), qs=(4,), lams=("1/2",), seed=7, strict=True, properties=("certificate",))
    recorded = json.loads(json.dumps(recorded_settings(settings)))
    assert set(recorded) == {f.name for f in fields(GateSettings)}
    assert _settings({"gate": recorded}, GateSettings) == settings
