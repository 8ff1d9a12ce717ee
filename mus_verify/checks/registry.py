"""Registry of named checks, runnable as ``mus-verify check NAME`` and from Python.

Each entry points at its runner by a "module:function" string so that
``mus-verify list`` and ``--help`` import nothing heavy. A runner takes a
:class:`CheckConfig` and a progress callback and returns one
:class:`~mus_verify.results.CheckResult`.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Callable, Mapping

from ..errors import InvalidArgument
from ..results import CheckResult

__all__ = ["CheckConfig", "CheckSpec", "register", "get", "available", "run_check", "Progress"]

Progress = Callable[[int], None]
"""Called with the number of newly finished cases; a no-op when no bar is shown."""


@dataclass(frozen=True)
class CheckConfig:
    """Options common to the checks; a runner reads those it documents, None means its default."""

    n: int | None = None
    q: int | None = None
    lam: Fraction | str | None = None
    seed_vector: tuple[int, ...] | None = None
    all_seed_vectors: bool = False
    seed: int = 0
    classes: int | None = None
    classifiers: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def with_defaults(self, **defaults: Any) -> "CheckConfig":
        """This config with every None field listed in ``defaults`` filled in."""
        filled = {k: v for k, v in defaults.items() if getattr(self, k) is None}
        return replace(self, **filled)


@dataclass(frozen=True)
class CheckSpec:
    """A registered check: its name, one-line summary, runner and the CLI options it reads."""

    name: str
    summary: str
    target: str
    options: tuple[str, ...] = ()
    in_all: bool = True

    def runner(self) -> Callable[[CheckConfig, Progress], CheckResult]:
        module, _, function = self.target.partition(":")
        return getattr(importlib.import_module(module), function)


_REGISTRY: dict[str, CheckSpec] = {}


def register(spec: CheckSpec) -> CheckSpec:
    if spec.name in _REGISTRY and _REGISTRY[spec.name] != spec:
        raise ValueError(f"check {spec.name!r} is already registered")
    _REGISTRY[spec.name] = spec
    return spec


def get(name: str) -> CheckSpec:
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):  # TypeError: an unhashable name such as a list
        raise InvalidArgument("check", name, f"one of the registered checks: {', '.join(sorted(_REGISTRY)) or '(none)'}") from None


def available() -> list[CheckSpec]:
    """Registered checks in registration order."""
    return list(_REGISTRY.values())


def run_check(name: str, config: CheckConfig | None = None, progress: Progress | None = None) -> CheckResult:
    """Run one registered check and stamp its wall time on the result."""
    spec = get(name)
    if config is not None and not isinstance(config, CheckConfig):
        raise InvalidArgument("config", config, "a mus_verify.checks.CheckConfig (or None for the check's defaults)")
    if progress is not None and not callable(progress):
        raise InvalidArgument("progress", progress, "a callable taking the number of newly finished cases")
    started = time.perf_counter()
    result = spec.runner()(config or CheckConfig(), progress or (lambda _done: None))
    if result.elapsed_s is None:
        result = replace(result, elapsed_s=time.perf_counter() - started)
    return result
