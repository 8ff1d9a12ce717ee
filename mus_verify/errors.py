"""Errors raised by mus_verify: every exception class of the package is defined here (issue 11).

Misuse errors also inherit Python's own types, so ``except ValueError`` keeps
working for callers who do not know this package: an invalid argument is an
:class:`InvalidArgument` *and* a :class:`ValueError`.

The classes used by one part of the package keep their historical bases and are
re-exported where they were defined before (``mus_verify.gate.GateFailed`` is
``mus_verify.errors.GateFailed``, the same class object), so existing ``except``
clauses and ``isinstance`` checks keep working:

* :class:`ImplementationError` — a gated implementation raised on valid input (gate);
* :class:`GateFailed` — :func:`mus_verify.gate.assert_gate_passes` (an AssertionError);
* :class:`BudgetExhausted` — the gate's time budget is spent (a BaseException on purpose);
* :class:`BackendTruthValue`, :class:`VariantCodeError` — variant code misused a backend value / failed;
* :class:`MissingInput` — a Z3 counterexample's table lacks an input the judge needs;
* :class:`UsageError` — argparse's complaint (exit 2).

``tests/unit/test_errors_module.py`` pins that no exception class is defined elsewhere.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "MusVerifyError",
    "InvalidArgument",
    "EnvironmentProblem",
    "InternalError",
    "ImplementationError",
    "GateFailed",
    "BudgetExhausted",
    "BackendTruthValue",
    "VariantCodeError",
    "MissingInput",
    "UsageError",
]


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


class ImplementationError(Exception):
    """A gated implementation raised on valid input, or broke the calling contract.

    ``observation`` is the gate's record of the call (:class:`mus_verify.gate.subject.Observation`).
    """

    def __init__(self, observation: Any, message: str, traceback_text: str = "") -> None:
        super().__init__(message)
        self.observation = observation
        self.message = message
        self.traceback_text = traceback_text


class GateFailed(AssertionError):
    """Raised by :func:`mus_verify.gate.assert_gate_passes`; ``report`` holds the full report."""

    def __init__(self, report: Any) -> None:
        super().__init__(report.render())
        self.report = report


class BudgetExhausted(BaseException):
    """The gate run's time budget (``GateSettings.time_budget``) is spent: the property is UNKNOWN, never a pass.

    A BaseException so that no ``except Exception`` around user code mistakes it
    for the implementation refusing or crashing; raised only between calls
    (:meth:`mus_verify.gate.context.GateRun.check_budget`), never inside user code.
    """


BACKEND_TRUTH_HINT = "use ops.where(c, a, b), ops.pick, ops.and_, ops.or_, ops.not_ instead of if/and/or/not on backend values"


class BackendTruthValue(TypeError):
    """A backend value was used where Python needs a concrete bool, int or float (raised inside variant code).

    ``where`` is the variant's source line (``file:line: `code```), found by
    :func:`mus_verify.variants.values.truth_value_error`.
    """

    def __init__(self, use: str, expression: str, where: str) -> None:
        self.where = where
        self.use = use
        self.expression = expression
        super().__init__(f"used the backend value {expression} as {use} at {where}; {BACKEND_TRUTH_HINT}")


class VariantCodeError(InvalidArgument):
    """A variant's own code failed or misused a backend value; names the variant, the hook and the line (exit 2)."""

    def __init__(self, variant: Any, hook: str, backend: str, detail: str) -> None:
        self.hook = hook
        self.backend = backend
        super().__init__(
            "variant", getattr(variant, "name", repr(variant)),
            "variant code that runs unchanged on every backend (exact, torch, z3) through ops",
            f"its {hook}() on the {backend} backend {detail}",
        )


class MissingInput(LookupError):
    """The judge evaluated h at an input the counterexample's table does not list."""


class UsageError(Exception):
    """argparse's complaint, turned into an exception so ``mus_verify.cli.main`` can return 2 (and JSON)."""


def _short_repr(value: Any, limit: int = 80) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 3] + "..."
