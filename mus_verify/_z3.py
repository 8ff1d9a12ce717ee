"""The one lazy import of z3 for the Z3 statements of every family (z3-solver is a dependency, but the
exact core and ``--help`` never load it)."""

from __future__ import annotations

from typing import Any

from .errors import EnvironmentProblem

__all__ = ["load_z3"]


def load_z3(purpose: str = "the Z3 statements") -> Any:
    try:
        import z3
    except ImportError as exc:  # pragma: no cover - z3-solver is a dependency
        raise EnvironmentProblem(f"{purpose} need z3-solver: pip install z3-solver") from exc
    return z3
