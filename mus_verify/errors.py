"""Errors raised by mus_verify.

Misuse errors also inherit Python's own types, so ``except ValueError`` keeps
working for callers who do not know this package: an invalid argument is an
:class:`InvalidArgument` *and* a :class:`ValueError`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MusVerifyError", "InvalidArgument", "EnvironmentProblem", "InternalError"]


class MusVerifyError(Exception):
    """Base class of every error mus_verify raises on purpose."""


class InvalidArgument(MusVerifyError, ValueError):
    """An argument is outside its valid range.

    The message always names the argument, the value it had and what is valid,
    because mus_verify never repairs input silently (the research code floors
    λ to a multiple of 1/q, clamps α and renormalises outputs without a word).

    >>> raise InvalidArgument("lam", 0.3, "a multiple of 1/q = 1/64 in (0, 1], e.g. 19/64")
    Traceback (most recent call last):
      ...
    mus_verify.errors.InvalidArgument: lam=0.3 is invalid: expected a multiple of 1/q = 1/64 in (0, 1], e.g. 19/64
    """

    def __init__(self, argument: str, value: Any, valid: str, detail: str | None = None) -> None:
        self.argument = argument
        self.value = value
        self.valid = valid
        shown = _short_repr(value)
        message = f"{argument}={shown} is invalid: expected {valid}"
        if detail:
            message += f" ({detail})"
        super().__init__(message)


class EnvironmentProblem(MusVerifyError, RuntimeError):
    """The environment cannot run the request (an optional dependency is missing, ...)."""


class InternalError(MusVerifyError, RuntimeError):
    """An engine disagrees with the exact reference (a bug in mus_verify, never a verdict).

    Raised instead of printing a verdict that the exact reference contradicts,
    e.g. a Z3 proof at a size where exact evaluation finds a violation.
    """


def _short_repr(value: Any, limit: int = 80) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 3] + "..."
