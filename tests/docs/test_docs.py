"""Every ```python block in docs/*.md runs (blocks of one file share a namespace, in order).

Reference material lives in docs/; its examples are part of the test suite so they stay true.
A doc may opt a block out by fencing it as ```text or ```console instead. Blocks run from the
repository root, so they name example files as a user at a checkout would
(``examples/gate_correct.py:factory``). A block that needs an optional extra which is not installed
skips the rest of its file, naming the module: a ``ModuleNotFoundError`` for one of OPTIONAL_EXTRAS,
or mus_verify's own ``EnvironmentProblem`` ("... needs torch, which is not installed: pip install
...") when that module is indeed absent. Any other error fails the test, and so does a missing
module that is installed after all.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted((ROOT / "docs").glob("*.md"))

# Top-level modules of the optional extras in pyproject.toml (report, attribution, ray, test).
OPTIONAL_EXTRAS = {"torch", "sklearn", "matplotlib", "captum", "shap", "ray", "transformers", "mpmath"}


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a finder that refuses the name: not importable here
        return False


def missing_extra(error: Exception) -> str | None:
    """The optional module whose absence raised ``error``, or None when ``error`` is a real failure."""
    from mus_verify.errors import EnvironmentProblem

    absent = {name for name in OPTIONAL_EXTRAS if not _installed(name)}
    if isinstance(error, ModuleNotFoundError):
        top = (error.name or "").split(".")[0]
        return top if top in absent else None
    if isinstance(error, EnvironmentProblem):
        return next((name for name in sorted(absent) if f"needs {name}, which is not installed" in str(error)), None)
    return None


def python_blocks(doc: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_doc_python_blocks_run(doc: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    blocks = python_blocks(doc)
    namespace: dict[str, object] = {"__name__": f"docs.{doc.stem}"}
    ran = 0
    for number, block in enumerate(blocks, 1):
        try:
            exec(compile(block, f"{doc.name} (python block {number})", "exec"), namespace)  # a failing example raises
        except Exception as error:
            extra = missing_extra(error)
            if extra is None:
                raise
            pytest.skip(f"{doc.name} block {number} needs the optional {extra!r}, which is not installed")
        ran += 1
    assert ran == len(blocks)


def test_there_are_docs_with_examples() -> None:
    assert any("```python" in d.read_text(encoding="utf-8") for d in DOCS)


def test_index_lists_every_doc() -> None:
    """docs/index.md links every page of docs/, so nothing there is an orphan."""
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    missing = [d.name for d in DOCS if d.name != "index.md" and f"({d.name}" not in index]
    assert not missing, f"docs/index.md does not link {missing}"


def heading_anchors(page: Path) -> set[str]:
    """GitHub's anchors of a Markdown page's headings: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)  # no headings inside code
    headings = re.findall(r"^#+ (.+?)\s*$", text, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def test_relative_links_resolve() -> None:
    """Every relative link of README.md and docs/*.md names a file that exists, and a heading that does."""
    broken = []
    for page in [ROOT / "README.md", *DOCS]:
        for target, anchor in re.findall(r"\]\(([^)#\s]+)(?:#([^)\s]*))?\)", page.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            linked = page.parent / target
            if not linked.exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
            elif anchor and linked.suffix == ".md" and anchor not in heading_anchors(linked):
                broken.append(f"{page.relative_to(ROOT)} -> {target}#{anchor} (no such heading)")
    assert not broken, broken

def test_only_an_absent_optional_extra_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    """The skip is not a blanket: an installed module, or a module outside the extras, still fails."""
    from mus_verify.errors import EnvironmentProblem

    monkeypatch.setitem(globals(), "OPTIONAL_EXTRAS", OPTIONAL_EXTRAS | {"no_such_extra_xyz"})
    assert missing_extra(ModuleNotFoundError("absent", name="no_such_extra_xyz.sub")) == "no_such_extra_xyz"
    assert missing_extra(EnvironmentProblem("diff needs no_such_extra_xyz, which is not installed: pip install x")) == "no_such_extra_xyz"
    assert missing_extra(ModuleNotFoundError("installed", name="numpy")) is None  # not an extra
    assert missing_extra(ModuleNotFoundError("installed", name="pytest")) is None
    assert missing_extra(EnvironmentProblem("something else went wrong")) is None
    assert missing_extra(ValueError("a failing example")) is None
