"""The doc's Python blocks run; the CLI refuses bad input with exit 2 (JSON) and runs end to end (slow)."""

import json
import re
from pathlib import Path

import pytest

from mus_verify.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "soft-stability.md"


def test_doc_code_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) >= 2
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), {})


def test_cli_bad_eps_is_usage_error(capsys, tmp_path):
    code = main(["soft-stability", "--dataset", "wine", "--eps", "2", "--out", str(tmp_path), "--json"])
    assert code == 2
    assert "eps" in json.loads(capsys.readouterr().out)["error"]


def test_soft_stability_checks_registered():
    from mus_verify.checks import available

    names = {s.name for s in available() if s.in_all}
    assert {"soft-stability-exact", "soft-stability-sampler", "soft-stability-coverage", "soft-stability-smoothing"} <= names


@pytest.mark.slow
def test_cli_wine_end_to_end(tmp_path, capsys):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    code = main(["soft-stability", "--dataset", "wine", "--max-points", "3", "--out", str(tmp_path), "--threads", "2", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0 and document["ok"]
    assert (tmp_path / "soft_stability.png").exists() and (tmp_path / "summary.md").exists()



def test_model_base_measures_the_base_model(tmp_path, monkeypatch):
    """--model base used to be lost: the trained model was assigned to the same name, so g's rates were reported."""
    from mus_verify.report import training
    from mus_verify.soft_stability import study

    full = training.train
    monkeypatch.setattr(training, "train", lambda dataset, lam, seed=0: full(dataset, lam, seed=seed, epochs=1))  # which model, not how good
    result, _ = study.run_study("wine", tmp_path, max_points=1, r_max=1, eps="1/2", delta="1/2", model="base", show_progress=False)
    assert result.params["model"] == "base" and result.params["classifier"].startswith("base model h")
