"""Load a user's object named ``path/to/file.py:attr`` or ``package.module:attr`` (attr may be dotted).

Shared by ``mus-verify gate TARGET`` and ``--variant`` / ``search V``. Anything
that goes wrong (no such file, an import that raises, a missing attribute) is
an :class:`~mus_verify.errors.InvalidArgument` naming the argument, so the CLI
exits 2 with the import's own traceback tail in the message.

Only the file the user named is executed. Its folder (or, for a dotted module,
the current directory) is on ``sys.path`` only while that import runs, and at
the *end* of it: the file's own sibling imports work, but a sibling that
shares a name with an installed module (a stray ``torch.py``) never shadows
it, and nothing imported later in the process (the gate imports torch after
loading its target) can pick a module up from the user's folder.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
import traceback
from contextlib import contextmanager
from typing import Any, Iterator

from .errors import InvalidArgument

__all__ = ["FORMS", "is_file_spec", "load_attribute"]

FORMS = "path/to/file.py:attr or package.module:attr"


def is_file_spec(location: str) -> bool:
    return location.endswith(".py") or os.sep in location or "/" in location


def load_attribute(spec: Any, *, argument: str, valid: str = FORMS, module_prefix: str = "_mus_verify_user_") -> Any:
    """The object ``spec`` names. A file is loaded once per absolute path as its own module, with its
    folder searched last, and only while it is imported, for its sibling imports; a dotted module may
    also come from the current directory, searched last, during its import only."""
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
    module_spec = importlib.util.spec_from_file_location(name, path)
    if module_spec is None or module_spec.loader is None:
        raise InvalidArgument(argument, spec, valid, f"cannot import {location}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    try:
        with _searched_last(os.path.dirname(path)):
            module_spec.loader.exec_module(module)
    except BaseException as exc:
        del sys.modules[name]
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise InvalidArgument(argument, spec, "an importable Python file", _exception_text(exc)) from None
    return module


def _import_module(spec: str, location: str, argument: str, valid: str) -> Any:
    try:
        with _searched_last(os.getcwd()):
            return importlib.import_module(location)
    except ModuleNotFoundError as exc:
        if exc.name and location.startswith(exc.name):
            raise InvalidArgument(argument, spec, valid, f"no module named {exc.name!r}") from None
        raise InvalidArgument(argument, spec, "an importable module", _exception_text(exc)) from None
    except Exception as exc:
        raise InvalidArgument(argument, spec, "an importable module", _exception_text(exc)) from None


@contextmanager
def _searched_last(folder: str) -> Iterator[None]:
    """``folder`` at the end of ``sys.path`` for the duration of one import (unless it is there already)."""
    present = folder in sys.path or (folder == os.getcwd() and "" in sys.path)
    if not present:
        sys.path.append(folder)
    try:
        yield
    finally:
        if not present:
            # Remove our entry (the last occurrence) even if the import changed sys.path meanwhile.
            for index in range(len(sys.path) - 1, -1, -1):
                if sys.path[index] == folder:
                    del sys.path[index]
                    break


def _exception_text(exc: BaseException) -> str:
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return "importing it raised:\n" + "".join(lines[-6:]).rstrip()
