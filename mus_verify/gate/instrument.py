"""The base classifier handed to an implementation: answers like a model and records what it was shown."""

from __future__ import annotations

from typing import Any

import numpy as np

from .classifiers import GateClassifier, _answer

__all__ = ["CallLog", "Instrumented"]


class CallLog:
    """Rows an :class:`Instrumented` base was shown, grouped by the gate's current call."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.dtypes: set[str] = set()
        self.shapes: list[tuple[int, ...]] = []
        self.calls = 0
        self.deep_copies = 0  # copy.deepcopy of the base (returns the base itself, counted here)

    def take(self) -> tuple[np.ndarray | None, set[str]]:
        """All rows recorded since the last take (float64, (N, n)) and their dtypes; resets the log."""
        rows = np.concatenate(self.rows, axis=0) if self.rows else None
        dtypes = self.dtypes
        self.rows, self.dtypes, self.shapes = [], set(), []
        return rows, dtypes


class Instrumented:
    """The base classifier given to an implementation: answers like a model and records what it was shown.

    Accepts a torch tensor or numpy array of shape (..., n) and returns (..., m)
    in the same type, dtype and device. ``copy.deepcopy`` returns the object
    itself, so implementations that deep-copy their base (the research code
    does) still report to the same log; each deep copy is counted in
    ``log.deep_copies`` (the base_not_copied watch). The nn.Module-like methods
    (``eval``, ``train``, ``to``, ...) are no-ops returning self.
    """

    def __init__(self, classifier: GateClassifier, n: int, log: CallLog | None = None) -> None:
        self.classifier = classifier
        self.n = n
        self.log = log if log is not None else CallLog()

    def __call__(self, z: Any, *args: Any, **kwargs: Any) -> Any:
        out, rows, dtype_name, shape = _answer(self.classifier, z, self.n)
        self.log.rows.append(rows)
        self.log.dtypes.add(dtype_name)
        self.log.shapes.append(shape)
        self.log.calls += 1
        return out

    def __deepcopy__(self, memo: dict) -> "Instrumented":
        self.log.deep_copies += 1
        return self

    def __copy__(self) -> "Instrumented":
        return self

    def eval(self) -> "Instrumented":
        return self

    def train(self, mode: bool = True) -> "Instrumented":
        return self

    def to(self, *args: Any, **kwargs: Any) -> "Instrumented":
        return self

    def cpu(self) -> "Instrumented":
        return self

    def requires_grad_(self, requires_grad: bool = True) -> "Instrumented":
        return self

    def __repr__(self) -> str:
        return f"Instrumented({self.classifier!r})"
