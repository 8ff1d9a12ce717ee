"""Load a user's object named ``path/to/file.py:attr`` or ``package.module:attr`` (attr may be dotted).

Shared by ``mus-verify gate TARGET`` and ``--variant`` / ``search V``. Anything
that goes wrong (no such file, an import that raises, a missing attribute) is
an :class:`~mus_verify.errors.InvalidArgument` naming the argument, so the CLI
exits 2 with the import's own traceback tail in the message.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
import traceback
from typing import Any

from .errors import InvalidArgument

__all__ = ["FORMS", "is_file_spec", "load_attribute"]

FORMS = "path/to/file.py:attr or package.module:attr"


def is_file_spec(location: str) -> bool:
    return location.endswith(".py") or os.sep in location or "/" in location


def load_attribute(spec: Any, *, argument: str, valid: str = FORMS, module_prefix: str = "_mus_verify_user_") -> Any:
    """The object ``spec`` names. A file is loaded once per absolute path as its own module, with its
    folder on ``sys.path`` so the file's sibling imports work; a dotted module is imported from the
    current directory too."""
    if not isinstance(spec, str) or ":" not in spec:
        raise InvalidArgument(argument, spec, valid, "missing ':attr'")
    location, _, attr = spec.rpartition(":")
    if not location or not attr:
        raise InvalidArgument(argument, spec, valid)
    module = _import_file(spec, location, argument, valid, module_prefix) if is_file_spec(location) else _import_module(spec, location, argument, valid)
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise InvalidArgument(argument, spec, valid, f"{location} has no attribute {attr!r}") from None
    return obj


def _import_file(spec: str, location: str, argument: str, valid: str, prefix: str) -> Any:
    path = os.path.abspath(location)
    if not os.path.isfile(path):
        raise InvalidArgument(argument, spec, valid, f"no such file: {location}")
    digest = hashlib.sha1(path.encode()).hexdigest()[:10]
    name = f"{prefix}{os.path.splitext(os.path.basename(path))[0]}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    folder = os.path.dirname(path)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    module_spec = importlib.util.spec_from_file_location(name, path)
    if module_spec is None or module_spec.loader is None:
        raise InvalidArgument(argument, spec, valid, f"cannot import {location}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException as exc:
        del sys.modules[name]
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise InvalidArgument(argument, spec, "an importable Python file", _exception_text(exc)) from None
    return module


def _import_module(spec: str, location: str, argument: str, valid: str) -> Any:
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(location)
    except ModuleNotFoundError as exc:
        if exc.name and location.startswith(exc.name):
            raise InvalidArgument(argument, spec, valid, f"no module named {exc.name!r}") from None
        raise InvalidArgument(argument, spec, "an importable module", _exception_text(exc)) from None
    except Exception as exc:
        raise InvalidArgument(argument, spec, "an importable module", _exception_text(exc)) from None


def _exception_text(exc: BaseException) -> str:
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return "importing it raised:\n" + "".join(lines[-6:]).rstrip()
