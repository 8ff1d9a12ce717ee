"""Finding a variant by name: a built-in, ``path/to/file.py:attr`` or ``package.module:attr``."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
from typing import Any

from ..errors import InvalidArgument
from .base import Variant, as_variant

__all__ = ["BUILTIN_VARIANTS", "builtin_names", "load_variant", "variant_source"]

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

_VALID = "a built-in variant ({}), path/to/file.py:ATTR or package.module:ATTR"


def builtin_names() -> list[str]:
    return list(BUILTIN_VARIANTS)


def load_variant(spec: Any) -> Variant:
    """The variant named by ``spec`` (a Variant object is returned as is).

    ``file.py:ATTR`` loads the file as a fresh module (its directory is not
    added to sys.path) and takes its attribute ATTR; ``package.module:ATTR``
    imports the module.
    """
    if not isinstance(spec, str):
        return as_variant(spec)
    valid = _VALID.format(", ".join(BUILTIN_VARIANTS))
    if spec in BUILTIN_VARIANTS:
        module, _, attr = BUILTIN_VARIANTS[spec].partition(":")
        return getattr(importlib.import_module(module), attr)()
    where, sep, attr = spec.rpartition(":")
    if not sep or not where or not attr:
        raise InvalidArgument("variant", spec, valid)
    if where.endswith(".py") or os.sep in where or "/" in where:
        module = _load_file(spec, where, valid)
    else:
        try:
            module = importlib.import_module(where)
        except ImportError as exc:
            raise InvalidArgument("variant", spec, valid, f"cannot import {where}: {exc}") from None
    if not hasattr(module, attr):
        raise InvalidArgument("variant", spec, valid, f"{where} has no attribute {attr!r}")
    return as_variant(getattr(module, attr), "variant")


def variant_source(spec: str) -> str:
    """The spec with a file path made absolute, so a saved counterexample replays from any directory."""
    where, sep, attr = spec.rpartition(":")
    if sep and (where.endswith(".py") or "/" in where or os.sep in where):
        return f"{os.path.abspath(where)}:{attr}"
    return spec


def _load_file(spec: str, path: str, valid: str) -> Any:
    if not os.path.isfile(path):
        raise InvalidArgument("variant", spec, valid, f"no such file: {path}")
    absolute = os.path.abspath(path)
    # One module per file content location; re-loading the same path reuses it.
    name = "_mus_verify_user_variant_" + hashlib.sha1(absolute.encode()).hexdigest()[:12]
    if name in sys.modules:
        return sys.modules[name]
    module_spec = importlib.util.spec_from_file_location(name, absolute)
    if module_spec is None or module_spec.loader is None:
        raise InvalidArgument("variant", spec, valid, f"cannot load {path} as Python")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except Exception:
        del sys.modules[name]
        raise
    return module
