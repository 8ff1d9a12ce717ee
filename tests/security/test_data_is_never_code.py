"""Data is never code: replaying a counterexample JSON never imports or runs what the JSON names.

Each test plants a file that writes a marker when it is imported (or a script that writes one when
run), points a counterexample document at it, replays the document, and asserts the marker was not
written. Code runs only when the caller names it again (``variant=`` / ``--variant``), which the
positive cases show. Fresh processes are used where a module cached in this one would make the
marker test vacuous.
"""

import json
import pathlib
import subprocess
import sys

import pytest

from mus_verify.errors import InvalidArgument
from mus_verify.replaying import ReplayStatus
from mus_verify.results import Counterexample

ROOT = pathlib.Path(__file__).resolve().parents[2]


def planted_module(folder: pathlib.Path, name: str, body: str = "") -> pathlib.Path:
    """``folder/name.py``, which writes ``folder/name.imported`` as soon as it is imported."""
    marker = folder / f"{name}.imported"
    path = folder / f"{name}.py"
    path.write_text(f"open({str(marker)!r}, 'w').write('imported')\n{body}")
    return marker


def replay_cli(document: dict, folder: pathlib.Path, *options: str) -> subprocess.CompletedProcess:
    """``mus-verify replay FILE --json`` in a fresh process whose cwd and sys.path hold the planted files."""
    saved = folder / "counterexample.json"
    saved.write_text(json.dumps(document))
    env = {"PYTHONPATH": f"{folder}:{ROOT}", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "mus_verify", "replay", str(saved), "--json", *options],
                          capture_output=True, text=True, cwd=folder, env=env, timeout=120)


@pytest.fixture(scope="module")
def smt_counterexample():
    """A real Z3 counterexample (additive noise breaks masking equivalence at n = 1)."""
    from mus_verify.smt.prover import prove

    result = prove("masking-equivalence", "additive", n=1, q=2, lam="1/2")
    assert result.counterexample is not None
    return json.loads(json.dumps(result.counterexample.to_json()))


def test_smt_variant_source_is_not_imported(smt_counterexample, tmp_path):
    marker = planted_module(tmp_path, "evil_variant", "from mus_verify.variants.builtin import Additive\nVARIANT = Additive()\n")
    document = json.loads(json.dumps(smt_counterexample))
    document["data"]["variant_source"] = f"{tmp_path / 'evil_variant.py'}:VARIANT"

    outcome = Counterexample.from_json(document).replay_outcome()
    assert outcome.status is ReplayStatus.NOT_REPLAYED and outcome.needs == ("variant",)
    assert not marker.exists()

    proc = replay_cli(document, tmp_path)
    assert proc.returncode == 3, proc.stderr
    (result,) = json.loads(proc.stdout)["results"]
    assert result["verdict"] == "UNKNOWN" and result["details"]["replay"]["needs"] == ["variant"]
    assert not marker.exists()

    # Named again by the user, the same file is loaded, and the violation is reproduced.
    proc = replay_cli(document, tmp_path, "--variant", f"{tmp_path / 'evil_variant.py'}:VARIANT")
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["results"][0]["verdict"] == "REFUTED" and marker.exists()


def test_a_built_in_smt_variant_replays_from_its_numbers(smt_counterexample):
    outcome = Counterexample.from_json(smt_counterexample).replay_outcome()
    assert outcome.status is ReplayStatus.REPRODUCED, outcome.reason


def test_gate_reproduce_script_and_target_are_never_run(tmp_path):
    """A gate counterexample names a target (that writes a marker when imported) and carries a script that
    writes another marker: replay prints the script, runs neither, and says the target must be named."""
    target_marker = planted_module(tmp_path, "evil_target", "def factory(base, *, q, lam, seed):\n    raise RuntimeError\n")
    script_marker = tmp_path / "script.ran"
    script = (f"open({str(script_marker)!r}, 'w').write('ran')\n"
              f"from mus_verify.gate import load_factory\nfactory = load_factory({str(tmp_path / 'evil_target.py') + ':factory'!r})\n")
    document = {"kind": "gate.certificate", "summary": "planted", "replayer": "mus_verify.gate.replay:replay",
                "data": {"config": {"n": 2, "q": 2, "lam": "1/2", "m": 2, "seed": [0, 1]}, "reproduce": script,
                         "gate": {"profile": "quick", "seed": 0}}}

    outcome = Counterexample.from_json(document).replay_outcome()
    assert outcome.status is ReplayStatus.NOT_REPLAYED and outcome.needs == ("target",)
    proc = replay_cli(document, tmp_path)
    assert proc.returncode == 3, proc.stderr
    assert json.loads(proc.stdout)["results"][0]["details"]["replay"]["needs"] == ["target"]
    assert not script_marker.exists() and not target_marker.exists()

    # Without --json the script is printed for a person to read, still not run.
    saved = tmp_path / "counterexample.json"
    env = {"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "mus_verify", "replay", str(saved)], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert proc.returncode == 3 and "printed, not run" in proc.stdout and "script.ran" in proc.stdout
    assert not script_marker.exists() and not target_marker.exists()


def test_a_replayer_outside_mus_verify_is_refused_without_importing_it(tmp_path, monkeypatch):
    marker = planted_module(tmp_path, "evil_module", "def replay(data):\n    return True\nreplay_it = replay\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for replayer in ("evil_module:replay", "evil_module:replay_it", "mus_verify.__main__:replay", "os:system"):
        document = {"kind": "evil-kind", "summary": "", "data": {}, "replayer": replayer}
        with pytest.raises(InvalidArgument, match="replayer"):
            Counterexample.from_json(document)
    proc = replay_cli({"kind": "evil-kind", "summary": "", "data": {}, "replayer": "evil_module:replay"}, tmp_path)
    assert proc.returncode == 2 and "replayer" in json.loads(proc.stdout)["error"]
    assert not marker.exists()


def test_exhaustive_checks_never_import_a_variant_or_radius_rule_named_in_data(tmp_path, monkeypatch):
    """The checks' replayers used to import "module:attribute" for the variant and the radius rule."""
    from mus_verify.checks.stability import check_stability
    from mus_verify.distributions import lqv
    from mus_verify.exhaustive.classifiers import classifier_family

    marker = planted_module(tmp_path, "evil_rule", "def rule(gap, lam):\n    return 99\nfrom mus_verify.exhaustive.mask_encodings import MULTIPLICATIVE as VARIANT\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    noise = lqv([0, 1], 2, "1/2")
    result = check_stability([noise], "1/2", classifiers=classifier_family(None, 2, 2), radius_rule="floor")
    assert result.counterexample is not None
    document = json.loads(json.dumps(result.counterexample.to_json()))
    assert Counterexample.from_json(document).replay()

    ruled = json.loads(json.dumps(document))
    ruled["data"]["radius_rule"] = "evil_rule:rule"  # judged on the radius it claimed, never imported
    assert Counterexample.from_json(ruled).replay_outcome().status is ReplayStatus.REPRODUCED
    varied = json.loads(json.dumps(document))
    varied["data"]["variant"] = "evil_rule:VARIANT"
    outcome = Counterexample.from_json(varied).replay_outcome()
    assert outcome.status is ReplayStatus.NOT_REPLAYED and outcome.needs == ("variant",)
    assert not marker.exists()


def test_data_only_kinds_replay_from_json_in_a_fresh_process(tmp_path):
    """torch diff, token-drop and exhaustive kinds re-check their recorded numbers; a legacy document
    without "replayer" is found through the CLI's list of built-in packages. The planted mask is
    wrong (reproduced); the true one is not (re-checked, not reproduced)."""
    from mus_verify.distributions import lqv_masks

    true_row = lqv_masks([0, 1, 2], 4, 2)[1].astype(int).tolist()
    documents = [
        {"kind": "torch-mask-mismatch", "summary": "", "replayer": "mus_verify.torch_backend.diff:replay_mask",
         "data": {"seed_vector": [0, 1, 2], "q": 4, "k": 2, "j": 1, "fast_row": [1 - v for v in true_row]}},
        {"kind": "torch-mask-mismatch", "summary": "", "data": {"seed_vector": [0, 1, 2], "q": 4, "k": 2, "j": 1, "fast_row": true_row}},
        {"kind": "torch-drop-lipschitz", "summary": "", "replayer": "mus_verify.torch_backend.drop_check:replay_lipschitz",
         "data": {"g_alpha": "3/4", "g_beta": "0", "lam": "1/2"}},
    ]
    proc = replay_cli({"results": [{"name": f"c{i}", "counterexample": d} for i, d in enumerate(documents)]}, tmp_path)
    assert proc.returncode == 1, proc.stderr
    statuses = [r["details"]["replay"]["status"] for r in json.loads(proc.stdout)["results"]]
    assert statuses == ["reproduced", "not reproduced", "reproduced"]
