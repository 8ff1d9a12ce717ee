"""The declared layer order of mus_verify, and the checker that holds the code to it (issue 11).

Lower layers never import upper ones; imports within one layer are fine. A module belongs to the
layer of its top-level name (``mus_verify.gate.properties.lipschitz`` is in ``gate``'s layer).
``tests/unit/test_layers.py`` runs :func:`upward_imports` over the package on every test run.

What counts as an import (all of them are a dependency of the design, whenever they run):

* ``import`` and ``from ... import`` statements anywhere in a module: at module level, inside
  functions (the lazy imports that keep ``import mus_verify`` light) and under
  ``if TYPE_CHECKING:`` (a type that names an upper layer couples the two layers as surely as
  a call does, so those are counted too);
* ``importlib.import_module("literal")`` with a literal module name;
* the targets of a ``LazyExports(__name__, {...})`` table (:class:`mus_verify._lazy.LazyExports`; the table
  may be a module-level name).

* a string constant that is exactly a module path of ours, ``"mus_verify.x.y"`` or
  ``"mus_verify.x.y:attr"``: the registries (checks, replayers, lazy tables) resolve these at run time,
  so a lower layer that names an upper module in one depends on it (the old ``results.py`` naming the
  application packages that replay its counterexamples is what this catches).

Not counted: an ``if __name__ == "__main__":`` block. It runs only when the module is the program
(``python -m ...``), which makes the module an entry point at the ``cli`` layer for that run; importing
the module never executes it (``python -m mus_verify.soft_stability.gate`` calls the CLI glue that way).

The curated API, ``mus_verify/__init__.py``, is exempt: it may import anything (lazily). Inside the
package nobody imports it: ``from mus_verify import X`` is an import of the top (``api``) layer.

>>> layer_of("mus_verify.gate.configs"), layer_of("mus_verify.errors"), layer_of("mus_verify")
('apps', 'errors', 'api')
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping

__all__ = ["LAYERS", "Import", "Violation", "layer_of", "rank_of", "scan", "upward_imports", "undeclared"]

PACKAGE = "mus_verify"

#: Lower first. Each entry: (layer, top-level module or package names under mus_verify).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # The exception types; import nothing of ours, so every layer can raise them.
    ("errors", ("errors",)),
    # Support with no domain knowledge: argument checks, the one "file.py:attr" loader, progress bars,
    # exact square roots, the lazy z3 loader, the lazy-export and optional-extra helpers, the figure helper, this file.
    ("support", ("_validation", "_loading", "_progress", "_exact_roots", "_z3", "_lazy", "_optional", "_plotting", "_layers")),
    # The exact reference in rationals: mask distributions, g(x, α), certified radii.
    ("core", ("distributions", "smoothing", "certificates", "core")),
    # What is smoothed and classified: the one Variant, its exact ops, the built-ins, the loader, and the one
    # classifier family (mus_verify.model.classifiers).
    ("model", ("variants", "model")),
    # One module per paper statement: typed witness, the one exact judge, replay.
    ("theorems", ("theorems",)),
    # Verdicts, results, counterexamples and how a counterexample finds its replayer.
    ("results", ("results", "replaying")),
    # Engines that search for witnesses: exhaustive enumeration, Z3, the torch fast path, parallel runs.
    ("engines", ("exhaustive", "smt", "torch_backend", "parallel", "engines", "backends")),
    # Applications built on the engines: the registered checks, the gate, real-data reports, the other
    # guarantee families, shipped hypothesis strategies and the pytest plugin.
    (
        "apps",
        ("checks", "gate", "report", "removal", "soft_stability", "topk", "strategies", "pytest_plugin", "diff", "testing"),
    ),
    # The thin command line.
    ("cli", ("cli", "__main__")),
    # The curated public API (mus_verify/__init__.py): imports anything lazily, imported by nothing inside.
    ("api", ()),
)

_MODULE_REFERENCE = re.compile(rf"^({PACKAGE}(?:\.[A-Za-z_]\w*)+)(?::[A-Za-z_][\w.]*)?$")
_RANK = {name: rank for rank, (name, _members) in enumerate(LAYERS)}
_LAYER_OF_TOP = {member: name for name, members in LAYERS for member in members}


@dataclass(frozen=True)
class Import:
    """One import found in ``importer`` (a dotted module name) at ``line``; ``target`` is resolved and absolute."""

    importer: str
    line: int
    target: str
    type_checking: bool = False


@dataclass(frozen=True)
class Violation:
    """An import from a lower layer into a higher one (or from/into an undeclared module)."""

    imported: Import
    importer_layer: str
    target_layer: str

    def describe(self) -> str:
        where = f"{self.imported.importer} (line {self.imported.line})"
        note = " [under TYPE_CHECKING]" if self.imported.type_checking else ""
        return (
            f"{where} imports {self.imported.target}{note}: layer {self.importer_layer!r} "
            f"must not import the higher layer {self.target_layer!r}"
        )


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name under :data:`PACKAGE` (None: undeclared or not ours)."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    if len(parts) == 1:
        return "api"
    return _LAYER_OF_TOP.get(parts[1])


def rank_of(layer: str) -> int:
    return _RANK[layer]


def scan(root: Path, package: str = PACKAGE) -> dict[str, list[Import]]:
    """Every module under ``root / package`` mapped to the imports of our own modules it makes."""
    base = Path(root) / package
    modules: dict[str, tuple[Path, bool]] = {}
    for path in sorted(base.rglob("*.py")):
        relative = path.relative_to(root).with_suffix("")
        parts = list(relative.parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        modules[".".join(parts)] = (path, is_package)
    graph: dict[str, list[Import]] = {}
    for name, (path, is_package) in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        ours = (
            imported
            for imported in _imports(tree, name, is_package, modules.keys())
            if imported.target == package or imported.target.startswith(package + ".")
        )
        graph[name] = list(dict.fromkeys(ours))  # an import_module("literal") is also a string reference: once
    return graph


def upward_imports(graph: Mapping[str, Iterable[Import]]) -> list[Violation]:
    """Every import whose target's layer is above the importer's (undeclared modules are reported too)."""
    found: list[Violation] = []
    for importer, imports in graph.items():
        if importer == PACKAGE:  # the curated API imports anything
            continue
        own = layer_of(importer)
        for imported in imports:
            target = layer_of(imported.target)
            if own is None or target is None:
                found.append(Violation(imported, own or "<undeclared>", target or "<undeclared>"))
            elif _RANK[target] > _RANK[own]:
                found.append(Violation(imported, own, target))
    return found


def undeclared(modules: Iterable[str]) -> list[str]:
    """Modules whose top-level name is in no layer of :data:`LAYERS` (declare them there)."""
    return sorted(name for name in modules if layer_of(name) is None)


def _imports(tree: ast.Module, module: str, is_package: bool, known: Iterable[str]) -> list[Import]:
    known_set = set(known)
    guarded = _lines_under(tree, _is_type_checking)
    entry_point = _lines_under(tree, _is_main_guard)
    # module-level NAME = {...} tables, for LazyExports(__name__, NAME)
    tables = {
        target.id: statement.value
        for statement in tree.body
        if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None
        for target in (statement.targets if isinstance(statement, ast.Assign) else [statement.target])
        if isinstance(target, ast.Name)
    }
    found: list[Import] = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if line in entry_point:
            continue
        under = line in guarded
        if isinstance(node, ast.Import):
            found.extend(Import(module, line, alias.name, under) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(node.module, node.level, module, is_package)
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                target = candidate if candidate in known_set else source
                found.append(Import(module, line, target, under))
        elif isinstance(node, ast.Call):
            found.extend(Import(module, line, target, under) for target in _call_targets(node, module, is_package, tables))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            reference = _MODULE_REFERENCE.match(node.value)
            if reference is not None:
                found.append(Import(module, line, reference.group(1), under))
    return found


def _call_targets(node: ast.Call, module: str, is_package: bool, tables: Mapping[str, ast.expr]) -> list[str]:
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
    if name == "import_module" and node.args and _is_str(node.args[0]):
        package = node.args[1] if len(node.args) > 1 else None
        text = node.args[0].value  # type: ignore[attr-defined]
        if text.startswith(".") and package is not None:
            level = len(text) - len(text.lstrip("."))
            return [_absolute(text.lstrip(".") or None, level, module, is_package)]
        return [] if text.startswith(".") else [text]
    if name == "LazyExports" and len(node.args) > 1:
        table = node.args[1]
        if isinstance(table, ast.Name):
            table = tables.get(table.id, table)
        targets = []
        if isinstance(table, ast.Dict):
            for value in table.values:
                if value is not None and _is_str(value):
                    text = value.value.partition(":")[0]  # type: ignore[attr-defined]
                    level = len(text) - len(text.lstrip("."))
                    targets.append(_absolute(text.lstrip(".") or None, level, module, is_package) if level else text)
        return targets
    return []


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _absolute(name: str | None, level: int, module: str, is_package: bool) -> str:
    if level == 0:
        return name or ""
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    return ".".join(parts + ([name] if name else []))


def _is_type_checking(test: ast.expr) -> bool:
    """``if TYPE_CHECKING:`` or ``if typing.TYPE_CHECKING:``."""
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", None)
    return name == "TYPE_CHECKING"


def _is_main_guard(test: ast.expr) -> bool:
    """``if __name__ == "__main__":``."""
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and _is_str(test.comparators[0])
        and test.comparators[0].value == "__main__"  # type: ignore[attr-defined]
    )


def _lines_under(tree: ast.Module, condition: Callable[[ast.expr], bool]) -> set[int]:
    """Line numbers inside the body of every ``if`` whose test satisfies ``condition`` (not its ``else``)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and condition(node.test):
            for child in node.body:
                for inner in ast.walk(child):
                    if hasattr(inner, "lineno"):
                        lines.add(inner.lineno)
    return lines
