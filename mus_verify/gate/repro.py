"""Copy-paste reproductions: a short Python script per counterexample.

Each script rebuilds the implementation (``load_factory(TARGET)``, which
applies the same adapter as the gate; a file path is written absolute, so the
script runs from any directory), the gate's base classifier
(``build(spec)``), the configuration and the inputs, calls the implementation
and ends with an ``assert`` that fails while the bug is there. Scripts are
for people: ``mus-verify replay`` prints them and nothing in mus_verify runs
them (:mod:`mus_verify.gate.replay` re-runs the property itself).
"""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np

from .._loading import is_file_spec
from .configs import GateConfig
from .subject import Subject

__all__ = ["script", "tensor_line", "fmt_array", "absolute_target"]


def fmt_array(array: Any) -> str:
    """A nested list literal with floats written compactly (3.0 -> 3.0, 0.25 -> 0.25)."""
    values = np.asarray(array).tolist()
    return _fmt(values)


def _fmt(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, float):
        return repr(float(value))
    return repr(value)


def tensor_line(name: str, array: Any) -> str:
    return f"{name} = torch.tensor({fmt_array(np.asarray(array, dtype=np.float64))}, dtype=torch.float64)"


def script(
    subject: Subject,
    config: GateConfig,
    base: dict[str, Any],
    body: Sequence[str],
    *,
    seed: Sequence[int] | None = None,
    build_smoothed: bool = True,
) -> str:
    """The reproduction: imports, factory, base, smoothed model, then ``body`` (inputs, calls, the assert)."""
    target = subject.target
    lines = [
        "from fractions import Fraction",
        "import torch",
        "from mus_verify.gate import load_factory",
        "from mus_verify.gate.classifiers import build",
        _factory_line(target, subject.adapter),
        f"base = build({base!r})",
    ]
    if build_smoothed:
        lines.append(f"smoothed = factory(base, q={config.q}, lam=Fraction({config.k}, {config.q}), seed={list(seed if seed is not None else config.seed)})")
    lines.extend(body)
    return "\n".join(lines)


def _factory_line(target: str | None, adapter: str) -> str:
    if not target:
        return "factory = ...  # your factory(base, *, q, lam, seed), as given to the gate"
    target = absolute_target(target)
    if adapter == "auto":
        return f"factory = load_factory({target!r})"
    return f"factory = load_factory({target!r}, adapter={adapter!r})"


def absolute_target(target: str) -> str:
    """``path/file.py:attr`` with the path made absolute, so the script runs from any directory."""
    where, sep, attr = target.rpartition(":")
    if sep and where and is_file_spec(where):
        return f"{os.path.abspath(where)}:{attr}"
    return target
