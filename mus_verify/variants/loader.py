"""Finding a variant by name: a built-in, ``path/to/file.py:attr`` or ``package.module:attr``.

This is the one place a variant name is resolved: ``mus-verify prove``/``search``,
``mus-verify check --variant`` (through :mod:`mus_verify.exhaustive.keys`) and the
exhaustive engine's ``resolve_variant`` all call :func:`load_variant`.
``multiplicative`` (the exhaustive engine's historical name) is an alias of ``mus``.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from .._loading import is_file_spec, load_attribute
from .base import Variant, as_variant

__all__ = ["BUILTIN_VARIANTS", "ALIASES", "builtin_names", "is_builtin_name", "load_variant", "variant_source"]

# name -> "module:class"; instantiated on first use.
BUILTIN_VARIANTS: dict[str, str] = {
    "mus": "mus_verify.variants.builtin:MuS",
    "mus-iid": "mus_verify.variants.builtin:MuSIID",
    "additive": "mus_verify.variants.builtin:Additive",
    "ramp": "mus_verify.variants.ramp:Ramp",
    "baseline": "mus_verify.variants.builtin:Baseline",
    "fixed-count": "mus_verify.variants.builtin:FixedCount",
    "token-drop": "mus_verify.variants.builtin:TokenDrop",
}

# other accepted names of a built-in -> its name in BUILTIN_VARIANTS
ALIASES: dict[str, str] = {"multiplicative": "mus"}

_VALID = "a built-in variant ({}), path/to/file.py:ATTR or package.module:ATTR"


def builtin_names() -> list[str]:
    return list(BUILTIN_VARIANTS)


def is_builtin_name(name: Any) -> bool:
    """Whether ``name`` is a built-in variant's name or alias (a plain look-up: nothing is imported)."""
    return isinstance(name, str) and (name in BUILTIN_VARIANTS or name in ALIASES)


def load_variant(spec: Any) -> Variant:
    """The variant named by ``spec`` (a Variant object is returned as is).

    ``file.py:ATTR`` loads the file as a module of its own and takes its
    attribute ATTR; ``package.module:ATTR`` imports the module (see
    :mod:`mus_verify._loading`).
    """
    if not isinstance(spec, str):
        return as_variant(spec)
    valid = _VALID.format(", ".join(BUILTIN_VARIANTS))
    spec = ALIASES.get(spec, spec)
    if spec in BUILTIN_VARIANTS:
        module, _, attr = BUILTIN_VARIANTS[spec].partition(":")
        return getattr(importlib.import_module(module), attr)()
    return as_variant(load_attribute(spec, argument="variant", valid=valid, module_prefix="_mus_verify_user_variant_"), "variant")


def variant_source(spec: str) -> str:
    """The spec with a file path made absolute, so a saved counterexample replays from any directory."""
    where, sep, attr = spec.rpartition(":")
    if sep and is_file_spec(where):
        return f"{os.path.abspath(where)}:{attr}"
    return spec
