"""Typed verdicts, results and counterexamples.

Verdicts keep apart what was shown and how:

============================  ===============================================================
``PROVED``                    a proof for every case of the stated domain (Z3 UNSAT, a
                              closed-form argument checked exactly)
``VERIFIED``                  every case of the stated, finite domain was enumerated exactly
``NO_COUNTEREXAMPLE``         sampled cases only: nothing found, nothing proved
``REFUTED``                   a counterexample, replayable in the exact reference
``UNKNOWN``                   budget exhausted, solver gave up, or unsupported
``VACUOUS``                   the domain was empty: nothing was checked, so nothing holds
============================  ===============================================================

Only the first three count as holding; ``UNKNOWN`` and ``VACUOUS`` never pass.
"""

from __future__ import annotations

import enum
import importlib
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Mapping

import numpy as np

__all__ = ["Verdict", "Counterexample", "CheckResult", "jsonable", "register_replayer", "replay"]


class Verdict(str, enum.Enum):
    """Outcome of one check; see the module docstring for the exact meaning of each."""

    PROVED = "PROVED"
    VERIFIED = "VERIFIED"
    NO_COUNTEREXAMPLE = "NO_COUNTEREXAMPLE"
    REFUTED = "REFUTED"
    UNKNOWN = "UNKNOWN"
    VACUOUS = "VACUOUS"

    @property
    def holds(self) -> bool:
        """True for PROVED, VERIFIED and NO_COUNTEREXAMPLE."""
        return self in (Verdict.PROVED, Verdict.VERIFIED, Verdict.NO_COUNTEREXAMPLE)

    def __str__(self) -> str:
        return self.value


# kind -> "module:function"; the function takes the counterexample's data and
# returns True when the exact reference still shows the violation. Strings keep
# the checker modules (and their heavy imports) unloaded until a replay is asked for.
_REPLAYERS: dict[str, str] = {}
# Packages whose import registers the built-in replayers.
_REPLAYER_MODULES = (
    "mus_verify.checks",
    "mus_verify.report",
    "mus_verify.smt",
    "mus_verify.gate",
    "mus_verify.torch_backend.diff",
    "mus_verify.torch_backend.drop_check",
)


def register_replayer(kind: str, target: str) -> None:
    """Declare that counterexamples of ``kind`` are replayed by ``target`` ("module:function")."""
    _REPLAYERS[kind] = target


def replay(counterexample: "Counterexample") -> bool:
    """Re-run a counterexample in the exact reference; True iff the violation is reproduced."""
    target = _REPLAYERS.get(counterexample.kind)
    for module in _REPLAYER_MODULES:
        if target is not None:
            break
        # Built-in kinds register themselves when their package is imported.
        importlib.import_module(module)
        target = _REPLAYERS.get(counterexample.kind)
    if target is None:
        raise KeyError(f"no replayer registered for counterexample kind {counterexample.kind!r}")
    module, _, function = target.partition(":")
    replayer: Callable[[Mapping[str, Any]], bool] = getattr(importlib.import_module(module), function)
    return bool(replayer(counterexample.data))


@dataclass(frozen=True)
class Counterexample:
    """A violation as data: ``data`` holds everything the exact reference needs to replay it.

    ``summary`` is one line for a person; :meth:`describe` prints the data too.
    """

    kind: str
    summary: str
    data: Mapping[str, Any]

    def describe(self) -> str:
        lines = [f"counterexample ({self.kind}): {self.summary}"]
        for key, value in self.data.items():
            text = _describe_value(jsonable(value))
            lines.append(f"  {key}: {text}")
        return "\n".join(lines)

    def replay(self) -> bool:
        """True iff the exact reference still shows this violation."""
        return replay(self)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "summary": self.summary, "data": jsonable(self.data)}


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome (the JSON contract's ``results`` entries).

    ``cases`` counts what was quantified over (coordinates, masks, edges, ...;
    ``params["quantified_over"]`` says which). ``margin`` is the exact slack of
    the tightest case where that is meaningful (bound minus observed value).
    """

    name: str
    verdict: Verdict
    method: str
    cases: int
    params: Mapping[str, Any] = field(default_factory=dict)
    counterexample: Counterexample | None = None
    margin: Fraction | None = None
    message: str = ""
    elapsed_s: float | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.verdict, Verdict):
            object.__setattr__(self, "verdict", Verdict(self.verdict))
        if (self.verdict is Verdict.REFUTED) != (self.counterexample is not None):
            raise ValueError(f"{self.name}: a REFUTED result needs a counterexample and only a REFUTED one may have one")
        if self.cases < 0:
            raise ValueError(f"{self.name}: cases must be >= 0, got {self.cases}")
        if self.verdict in (Verdict.VERIFIED, Verdict.NO_COUNTEREXAMPLE) and self.cases == 0:
            raise ValueError(f"{self.name}: {self.verdict} over zero cases would pass vacuously; use VACUOUS")

    @property
    def holds(self) -> bool:
        return self.verdict.holds

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "verdict": self.verdict.value,
            "method": self.method,
            "cases": int(self.cases),
            "params": jsonable(self.params),
            "counterexample": None if self.counterexample is None else self.counterexample.to_json(),
            "margin": jsonable(self.margin),
            "message": self.message,
            "elapsed_s": None if self.elapsed_s is None else round(self.elapsed_s, 3),
            "details": jsonable(self.details),
        }


def jsonable(value: Any) -> Any:
    """Convert results to JSON types: Fractions become 'a/b' strings, arrays lists, enums values."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if hasattr(value, "to_json"):
        return value.to_json()
    return repr(value)


def _describe_value(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 400 else text[:397] + "..."
