"""torch is an optional extra (issue 11): the exact commands run without it; the torch ones exit 2 with the install hint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mus_verify._optional import missing_message, require
from mus_verify.errors import EnvironmentProblem

ROOT = Path(__file__).resolve().parents[2]

# A fresh interpreter in which `import torch` fails as it does where torch is not installed.
NO_TORCH = """
import sys
class _NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, _NoTorch())
from mus_verify.cli import main
code = main(sys.argv[1:])
assert "torch" not in sys.modules
sys.exit(code)
"""


def without_torch(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", NO_TORCH, *argv], capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_the_exact_check_runs_without_torch() -> None:
    proc = without_torch("check", "lipschitz", "--n", "4", "--json")
    assert proc.returncode == 0, proc.stderr
    (result,) = json.loads(proc.stdout)["results"]
    assert result["name"] == "lipschitz" and result["verdict"] == "PROVED"


def test_list_and_help_run_without_torch() -> None:
    assert without_torch("list", "--json").returncode == 0
    assert without_torch("--help").returncode == 0


@pytest.mark.parametrize("argv", [("diff",), ("bench", "--quick"), ("gate", "examples/gate_correct.py:factory")])
def test_a_torch_command_exits_2_with_the_install_hint(argv: tuple[str, ...]) -> None:
    proc = without_torch(*argv, "--json")
    assert proc.returncode == 2, proc.stderr
    document = json.loads(proc.stdout)
    assert document["ok"] is False and document["results"] == []
    for text in (document["error"], proc.stderr):
        assert 'pip install "mus-verify[torch]"' in text and "torch==2.13.0" in text and "index-url" in text
    assert "Traceback" not in proc.stderr


def test_require_names_the_extra_and_keeps_other_import_errors() -> None:
    with pytest.raises(EnvironmentProblem, match=r'the thing needs mus_verify_no_such_module, which is not installed: pip install "mus-verify\[x\]"'):
        require("mus_verify_no_such_module", extra="x", purpose="the thing")
    assert "mus-verify[ray]" in missing_message("ray", purpose="--engine ray")
    assert "mus-verify[report]" in missing_message("sklearn.datasets", purpose="the report")


def test_an_exact_counterexample_is_replayed_without_torch(tmp_path: Path) -> None:
    found = without_torch("check", "removal-planted-mwi-bounded", "--json")
    assert found.returncode == 1, found.stderr
    saved = tmp_path / "counterexample.json"
    saved.write_text(found.stdout)
    replayed = without_torch("replay", str(saved), "--json")
    assert replayed.returncode == 1, replayed.stderr
    assert json.loads(replayed.stdout)["results"][0]["verdict"] == "REFUTED"
