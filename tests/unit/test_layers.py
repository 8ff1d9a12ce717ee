"""No module imports a higher layer (issue 11): the import graph against the order in mus_verify/_layers.py."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mus_verify import _layers

ROOT = Path(__file__).resolve().parents[2]


def test_no_upward_import_in_the_package() -> None:
    graph = _layers.scan(ROOT)
    assert len(graph) > 100, "the scan found too few modules: wrong root?"
    assert _layers.undeclared(graph) == [], "declare every top-level module in mus_verify/_layers.py LAYERS"
    violations = [violation.describe() for violation in _layers.upward_imports(graph)]
    assert violations == [], "upward imports:\n" + "\n".join(violations)


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "mus_verify" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def test_planted_upward_imports_are_caught_with_module_line_and_target(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "__init__.py": "from .cli import main\n",  # the curated API may import anything
            "errors.py": "class E(Exception):\n    pass\n",
            "results.py": (
                "from .errors import E\n"  # downward: fine
                "REPLAYERS = {'edge': 'mus_verify.checks.lipschitz:replay_edge'}\n"  # a registry naming an upper module
                "NOTE = 'see mus_verify.checks for the checks'\n"  # prose, not a module path: not counted
            ),
            "exhaustive/__init__.py": "",
            "exhaustive/engine.py": (
                "import os\n"
                "from ..results import E\n"  # downward: fine
                "from . import bits\n"  # same layer: fine
                "def run():\n"
                "    from ..checks.lipschitz import run as r\n"  # function-level, upward
                "    return r\n"
            ),
            "exhaustive/bits.py": "",
            "checks/__init__.py": "",
            "checks/lipschitz.py": "import mus_verify.cli.output\n",  # absolute, upward
            "cli/__init__.py": "",
            "cli/output.py": "from mus_verify.checks import lipschitz\n",  # downward: fine
            "smoothing.py": (
                "from typing import TYPE_CHECKING\n"
                "import importlib\n"
                "if TYPE_CHECKING:\n"
                "    from .results import E\n"  # typing-only, upward: counted
                "def f():\n"
                "    return importlib.import_module('mus_verify.gate')\n"  # literal import_module, upward
            ),
            "variants/__init__.py": (
                "from .._lazy import LazyExports\n"
                "_EXPORTS = {'X': '..cli.output:emit', 'Y': '.base'}\n"
                "_LAZY = LazyExports(__name__, _EXPORTS)\n"
            ),
            "variants/base.py": "from mus_verify import smooth\n",  # the curated API from inside: upward
            "variants/ops.py": (
                "if __name__ == '__main__':\n"  # an entry point when run as a program: not counted
                "    from ..cli import main\n"
                "else:\n"
                "    from ..cli import output\n"  # the else branch runs on import: counted
            ),
        },
    )
    graph = _layers.scan(root)
    found = {(v.imported.importer, v.imported.line, v.imported.target, v.imported.type_checking) for v in _layers.upward_imports(graph)}
    assert found == {
        ("mus_verify.exhaustive.engine", 5, "mus_verify.checks.lipschitz", False),
        ("mus_verify.checks.lipschitz", 1, "mus_verify.cli.output", False),
        ("mus_verify.smoothing", 4, "mus_verify.results", True),
        ("mus_verify.smoothing", 6, "mus_verify.gate", False),
        ("mus_verify.variants", 3, "mus_verify.cli.output", False),
        ("mus_verify.variants.base", 1, "mus_verify", False),
        ("mus_verify.variants.ops", 4, "mus_verify.cli.output", False),
        ("mus_verify.results", 2, "mus_verify.checks.lipschitz", False),
    }
    message = next(v.describe() for v in _layers.upward_imports(graph) if v.imported.importer == "mus_verify.exhaustive.engine")
    assert "mus_verify.exhaustive.engine (line 5) imports mus_verify.checks.lipschitz" in message
    assert "'engines'" in message and "'apps'" in message


def test_an_undeclared_module_is_reported(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"__init__.py": "", "newthing.py": "from .errors import E\n", "errors.py": ""})
    graph = _layers.scan(root)
    assert _layers.undeclared(graph) == ["mus_verify.newthing"]
    assert [v.importer_layer for v in _layers.upward_imports(graph)] == ["<undeclared>"]


@pytest.mark.parametrize(
    ("module", "level", "importer", "is_package", "expected"),
    [
        ("x", 1, "mus_verify.a.b", False, "mus_verify.a.x"),
        ("x", 1, "mus_verify.a", True, "mus_verify.a.x"),
        ("x", 2, "mus_verify.a.b", False, "mus_verify.x"),
        (None, 2, "mus_verify.a.b.c", False, "mus_verify.a"),
    ],
)
def test_relative_imports_resolve(module: str | None, level: int, importer: str, is_package: bool, expected: str) -> None:
    assert _layers._absolute(module, level, importer, is_package) == expected


def test_every_layer_member_is_declared_once() -> None:
    members = [member for _layer, names in _layers.LAYERS for member in names]
    assert len(members) == len(set(members))
