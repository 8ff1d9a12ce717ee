"""Registry of named checks, runnable as ``mus-verify check NAME`` and from Python.

Each entry points at its runner by a "module:function" string so that
``mus-verify list`` and ``--help`` import nothing heavy. A runner takes a
:class:`CheckConfig` and a progress callback and returns one
:class:`~mus_verify.results.CheckResult`.

A check that smooths with a variant lists ``"variant"`` in its ``options``;
:func:`run_check` refuses a variant (``CheckConfig(variant=...)`` or
``config.extra["variant"]``) for any other check, naming it, rather than
ignoring it.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Callable, Mapping

from ..errors import InvalidArgument
from ..results import CheckResult

__all__ = ["CheckConfig", "CheckSpec", "register", "get", "available", "run_check", "refuse_unused_variant", "Progress"]

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
    variant: Any = None  # a mus_verify.variants variant: built-in name, "file.py:V", "pkg.mod:V" or object (--variant)

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
    variant = refuse_unused_variant(spec.name, config)
    started = time.perf_counter()
    result = spec.runner()(config or CheckConfig(), progress or (lambda _done: None))
    if result.elapsed_s is None:
        result = replace(result, elapsed_s=time.perf_counter() - started)
    if variant is not None and result.counterexample is not None and "variant" not in result.counterexample.code:
        # the live variant replays this counterexample in this process; a JSON copy needs it named again
        result = replace(result, counterexample=replace(result.counterexample, code={**result.counterexample.code, "variant": variant}))
    return result


def refuse_unused_variant(name: str, config: CheckConfig | None) -> Any:
    """The variant ``config`` names, or None; InvalidArgument naming the check when it does not take one."""
    spec = get(name)
    variant = _named_variant(config)
    if variant is not None and "variant" not in spec.options:
        takes = ", ".join(s.name for s in _REGISTRY.values() if "variant" in s.options)
        raise InvalidArgument("--variant", _label(variant), f"a check that smooths with a variant ({takes})", f"check {spec.name!r} does not use one")
    return variant


def _named_variant(config: CheckConfig | None) -> Any:
    if config is None:
        return None
    if config.variant is not None:
        return config.variant
    return config.extra.get("variant") if isinstance(config.extra, Mapping) else None


def _label(variant: Any) -> str:
    return variant if isinstance(variant, str) else str(getattr(variant, "name", type(variant).__name__))
