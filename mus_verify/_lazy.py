"""Lazy exports for package ``__init__`` modules (PEP 562), written once.

A package lists what it exports and where each name lives; nothing is imported
until a name is first used, so ``import mus_verify.gate`` (say) stays light.
Targets are ``"module"`` (the attribute has the exported name) or
``"module:attribute"``; a module may be relative to the package (``".rates"``).
The value is cached in the package's namespace after the first use.

Usage in a package ``__init__``::

    _LAZY = LazyExports(__name__, {"run_gate": ".runner", "check": "mus_verify.checks:run_check"})
    __all__ = _LAZY.names()

    def __getattr__(name: str) -> Any:
        return _LAZY.get(name)

    def __dir__() -> list[str]:
        return _LAZY.dir()

(``def`` rather than assigning the bound methods: type checkers then read the
package's unknown attributes as ``Any``, as PEP 562 intends.) The layer check
(:mod:`mus_verify._layers`) reads the table's targets as imports of the package.

>>> import types, sys
>>> lazy = LazyExports("mus_verify", {"fraction_of": "fractions:Fraction"})
>>> lazy.get("fraction_of")(1, 3)
Fraction(1, 3)
>>> lazy.get("nothing")
Traceback (most recent call last):
  ...
AttributeError: module 'mus_verify' has no attribute 'nothing'
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, Iterable, Mapping

__all__ = ["LazyExports"]


class LazyExports:
    """The lazy export table of one package: ``name -> "module[:attribute]"``."""

    def __init__(self, package: str, exports: Mapping[str, str], *, eager: Iterable[str] = ()) -> None:
        self.package = package
        self.exports = dict(exports)
        self.eager = tuple(eager)  # names the package defines itself, listed in names() and dir()

    def names(self) -> list[str]:
        """``__all__``: the lazy names and the package's own, sorted."""
        return sorted(set(self.exports) | set(self.eager))

    def dir(self) -> list[str]:
        module = sys.modules.get(self.package)
        own = set(vars(module)) if module is not None else set()
        return sorted(own | set(self.names()))

    def get(self, name: str) -> Any:
        """Import the module that holds ``name`` and return the attribute (cached in the package)."""
        target = self.exports.get(name)
        if target is None:
            raise AttributeError(f"module {self.package!r} has no attribute {name!r}")
        module_name, _, attribute = target.partition(":")
        module = importlib.import_module(module_name, package=self.package if module_name.startswith(".") else None)
        value = getattr(module, attribute or name)
        package = sys.modules.get(self.package)
        if package is not None:
            setattr(package, name, value)
        return value
