"""Finding the implementation under test and adapting it to the gate's contract.

The contract (issue 6): a **factory** ``factory(base, *, q, lam, seed) -> smoothed``
where ``smoothed(x, alpha)`` returns the (B, m) smoothed probabilities g(x, α)
and may have ``smoothed.certify(x, alpha) -> (B,)`` integer radii.

The other common shape of MuS code is an ``nn.Module`` built as
``Cls(base_model, q, lambd)`` with ``forward(x, alpha=None)`` (and maybe
``mu=``), as in the research code. :class:`ModuleFactory` turns such a class
into a factory:

* λ is passed as a Python float (``float(k/q)``), because that is what such
  classes receive in practice; a class that floors ``int(lambd * q) / q``
  therefore shows its bug here exactly as it would in use;
* the class draws its own seed vector, so the gate cannot pass one: if
  ``__init__`` takes ``seed``, it gets an int derived from the gate's seed
  vector (different vectors give different ints); conformance is then judged
  against L_qv with the seed vector the class applied, recovered from the
  masks its base classifier was shown;
* the base classifier is wrapped in a real ``nn.Module`` (deep copies share
  the recorder); ``forward`` runs under ``torch.no_grad()``.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import sys
from collections.abc import Mapping
from typing import Any, Callable

from .._loading import load_attribute
from ..errors import InvalidArgument

__all__ = ["load_target", "load_factory", "as_factory", "ModuleFactory", "describe_target", "ADAPTERS"]

ADAPTERS = ("auto", "factory", "module")


def load_target(spec: str) -> Any:
    """The object named by ``path/to/file.py:attr`` or ``package.module:attr`` (attr may be dotted)."""
    obj = load_attribute(spec, argument="TARGET", module_prefix="_mus_gate_target_")
    if not callable(obj):
        raise InvalidArgument("TARGET", spec, "a factory function or an nn.Module class", f"{spec.rpartition(':')[2]} is a {type(obj).__name__}")
    return obj


def as_factory(obj: Any, adapter: str = "auto") -> Callable[..., Any]:
    """The contract factory for ``obj``: ``obj`` itself, or a :class:`ModuleFactory` for an nn.Module-style class.

    ``adapter="auto"`` treats a class whose ``__init__`` takes keyword ``q``,
    ``lam`` and ``seed`` as a factory and any other class as nn.Module-style.
    """
    if adapter not in ADAPTERS:
        raise InvalidArgument("adapter", adapter, f"one of {ADAPTERS}")
    if isinstance(obj, ModuleFactory):
        return obj
    if adapter == "module" or (adapter == "auto" and inspect.isclass(obj) and not _takes_contract_keywords(obj)):
        if not inspect.isclass(obj):
            raise InvalidArgument("TARGET", getattr(obj, "__name__", obj), "a class Cls(base_model, q, lambd) for adapter 'module'")
        return ModuleFactory(obj)
    if not callable(obj):
        raise InvalidArgument("TARGET", obj, "a callable factory(base, *, q, lam, seed)")
    return obj


def load_factory(spec: str, adapter: str = "auto") -> Callable[..., Any]:
    """``as_factory(load_target(spec))``: what the copy-paste reproductions call."""
    return as_factory(load_target(spec), adapter)


def _takes_contract_keywords(cls: type) -> bool:
    try:
        parameters = inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return False
    names = set(parameters)
    return {"q", "lam", "seed"} <= names


def describe_target(obj: Any) -> str | None:
    """``module:qualname`` when the object can be re-imported that way (for reproductions), else None."""
    if isinstance(obj, ModuleFactory):
        obj = obj.cls
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if not module or not qualname or "<" in qualname:
        return None
    loaded = sys.modules.get(module)
    path = getattr(loaded, "__file__", None) if loaded is not None else None
    if module.startswith("_mus_gate_target_") and path:
        return f"{os.path.relpath(path)}:{qualname}"
    if module == "__main__":
        return None
    return f"{module}:{qualname}"


class ModuleFactory:
    """Factory for ``Cls(base_model, q, lambd)`` nn.Modules with ``forward(x, alpha=None[, mu=None])``."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        init: Mapping[str, inspect.Parameter]
        try:
            init = inspect.signature(cls).parameters
        except (TypeError, ValueError):
            init = {}
        self.takes_seed = "seed" in init
        forward = getattr(cls, "forward", None) or cls.__call__
        try:
            names = set(inspect.signature(forward).parameters) if forward is not None else set()
        except (TypeError, ValueError):
            names = set()
        self.takes_mu = "mu" in names
        self.alpha_keyword = "alpha" in names  # else alpha is passed positionally
        self.__name__ = getattr(cls, "__name__", "Module")
        self.__qualname__ = getattr(cls, "__qualname__", self.__name__)
        self.__module__ = getattr(cls, "__module__", __name__)

    @staticmethod
    def int_seed(seed: Any) -> int:
        """The int handed to ``Cls(..., seed=)``: a hash of the gate's seed vector."""
        text = ",".join(str(int(v)) for v in seed)
        return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")

    def __call__(self, base: Callable[..., Any], *, q: int, lam: Any, seed: Any) -> "ModuleSmoothed":
        wrapped = _module_base(base)
        kwargs = {"seed": self.int_seed(seed)} if self.takes_seed else {}
        module = self.cls(wrapped, q, float(lam), **kwargs)
        return ModuleSmoothed(module, self.takes_mu, self.alpha_keyword)

    def __repr__(self) -> str:
        return f"ModuleFactory({self.__qualname__})"


class ModuleSmoothed:
    """``smoothed(x, alpha)`` over an nn.Module's ``forward(x, alpha=...)``; ``certify`` when the module has one."""

    def __init__(self, module: Any, takes_mu: bool, alpha_keyword: bool = True) -> None:
        self.module = module
        self.takes_mu = takes_mu
        self.alpha_keyword = alpha_keyword
        if hasattr(module, "certify"):
            self.certify = self._certify

    def __call__(self, x: Any, alpha: Any) -> Any:
        import torch

        with torch.no_grad():
            return self.module(x, alpha=alpha) if self.alpha_keyword else self.module(x, alpha)

    def with_keep(self, x: Any, alpha: Any, mu: Any) -> Any:
        """g(x, α) with the always-kept mask μ (``forward(x, alpha=, mu=)``)."""
        import torch

        with torch.no_grad():
            return self.module(x, alpha=alpha, mu=mu)

    def _certify(self, x: Any, alpha: Any) -> Any:
        import torch

        with torch.no_grad():
            return self.module.certify(x, alpha)


_BASE_MODULE_CLASS: Any = None


def _module_base(base: Callable[..., Any]) -> Any:
    """``base`` as a torch ``nn.Module`` whose deep copies are itself (they keep reporting to the gate)."""
    global _BASE_MODULE_CLASS
    import torch

    if _BASE_MODULE_CLASS is None:

        class GateBase(torch.nn.Module):
            def __init__(self, fn: Callable[..., Any]) -> None:
                super().__init__()
                self.fn = fn
                # A zero-size parameter so `next(model.parameters())` finds a device and a dtype.
                self.anchor = torch.nn.Parameter(torch.zeros(0, dtype=torch.float64), requires_grad=False)

            def forward(self, z: Any, *args: Any, **kwargs: Any) -> Any:
                return self.fn(z)

            def __deepcopy__(self, memo: dict) -> "GateBase":
                import copy

                copy.deepcopy(self.fn, memo)  # the instrumented base counts it (base_not_copied), returns itself
                return self

        _BASE_MODULE_CLASS = GateBase
    return _BASE_MODULE_CLASS(base)
