"""Every ```python block in docs/*.md runs (blocks of one file share a namespace, in order).

Reference material lives in docs/; its examples are part of the test suite so they stay true.
A doc may opt a block out by fencing it as ```text or ```console instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = sorted((Path(__file__).resolve().parents[2] / "docs").glob("*.md"))


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_doc_python_blocks_run(doc: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.S)
    namespace: dict[str, object] = {"__name__": f"docs.{doc.stem}"}
    ran = 0
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"{doc.name} (python block {number})", "exec"), namespace)  # a failing example raises
        ran += 1
    assert ran == len(blocks)


def test_there_are_docs_with_examples() -> None:
    assert any("```python" in d.read_text(encoding="utf-8") for d in DOCS)
