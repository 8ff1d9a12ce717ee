"""Shared fixtures and markers of the test suite (see tests/README.md).

* ``cli`` — run ``mus-verify`` in-process: ``code, out, err = cli("check", "marginals", "--json")``;
  the returned :class:`CliRun` also has ``.json()`` (stdout parsed);
* ``cli_subprocess`` — the same in a fresh ``python -m mus_verify`` process (for what an in-process
  run cannot show: imports, environment, exit through ``sys.exit``);
* ``requires_torch``, ``requires_sklearn``, ``requires_matplotlib``, ``requires_shap``,
  ``requires_captum``, ``requires_transformers``, ``requires_ray`` — markers registered in
  pyproject.toml: a test marked ``@pytest.mark.requires_torch`` is skipped, with the install hint,
  where torch is not installed (an optional extra, issue 11). Modules that need an extra at import
  time use ``pytest.importorskip("torch")`` at the top instead.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from mus_verify._optional import missing_message

ROOT = Path(__file__).resolve().parents[1]

#: marker -> importable module it needs
OPTIONAL = {
    "requires_torch": "torch",
    "requires_sklearn": "sklearn",
    "requires_matplotlib": "matplotlib",
    "requires_shap": "shap",
    "requires_captum": "captum",
    "requires_transformers": "transformers",
    "requires_ray": "ray",
}


@dataclass(frozen=True)
class CliRun:
    """One ``mus-verify`` run: exit code, stdout, stderr (unpacks and indexes as ``code, out, err``)."""

    code: int
    out: str
    err: str

    def __iter__(self) -> Iterator[Any]:
        return iter((self.code, self.out, self.err))

    def __getitem__(self, index: int) -> Any:
        return (self.code, self.out, self.err)[index]

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliRun]:
    """``cli(*argv) -> CliRun``: :func:`mus_verify.cli.main` in this process, output captured."""
    from mus_verify.cli import main

    def run(*argv: str) -> CliRun:
        capsys.readouterr()  # what the test printed before is not this run's output
        code = main([str(arg) for arg in argv])
        out, err = capsys.readouterr()
        return CliRun(code, out, err)

    return run


@pytest.fixture
def cli_subprocess() -> Callable[..., CliRun]:
    """``cli_subprocess(*argv, cwd=None, env=None, timeout=300) -> CliRun``: ``python -m mus_verify`` in a new process."""

    def run(*argv: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300) -> CliRun:
        proc = subprocess.run([sys.executable, "-m", "mus_verify", *map(str, argv)], capture_output=True, text=True,
                              cwd=cwd, env=env, timeout=timeout)
        return CliRun(proc.returncode, proc.stdout, proc.stderr)

    return run


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked ``requires_<extra>`` when that extra is not installed (never a silent pass: pytest reports skips)."""
    missing = {marker: module for marker, module in OPTIONAL.items() if importlib.util.find_spec(module) is None}
    for item in items:
        for marker, module in missing.items():
            if item.get_closest_marker(marker) is not None:
                item.add_marker(pytest.mark.skip(reason=missing_message(module, purpose="this test")))
