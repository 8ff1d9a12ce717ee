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

A :class:`Counterexample` is data; replaying it (:mod:`mus_verify.replaying`)
re-checks it from those numbers and never imports or runs code the data names.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Mapping, Sequence

import numpy as np

from .errors import InvalidArgument
from .replaying import Replay, ReplayStatus, check_replayer_name, register_replayer, replay, replay_outcome

__all__ = ["Verdict", "Counterexample", "CheckResult", "jsonable", "register_replayer", "replay", "Replay", "ReplayStatus", "exit_code"]

# Exit codes of every command (the CLI's contract; see mus_verify.cli.output).
EXIT_HOLDS = 0
EXIT_REFUTED = 1
EXIT_USAGE = 2
EXIT_INCONCLUSIVE = 3


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


@dataclass(frozen=True)
class Counterexample:
    """A violation as data: ``data`` holds everything the exact reference needs to replay it.

    ``summary`` is one line for a person; :meth:`describe` prints the data too.
    ``replayer`` ("module:function") is filled from the registry and saved in
    the JSON, so a fresh process finds it (only mus_verify's own replayers are
    accepted from a document; see :mod:`mus_verify.replaying`). ``code`` holds
    live objects the counterexample was found with in this process (the gated
    implementation, a variant object): it is never serialised, so a
    counterexample loaded from JSON needs such code named again to replay.
    """

    kind: str
    summary: str
    data: Mapping[str, Any]
    replayer: str | None = None
    code: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.replayer is None:
            from .replaying import _REPLAYERS

            object.__setattr__(self, "replayer", _REPLAYERS.get(self.kind))
        if self.replayer is not None:
            check_replayer_name(self.kind, self.replayer)

    @classmethod
    def from_json(cls, document: Any) -> "Counterexample":
        """The counterexample of a ``to_json()`` document (nothing in it is imported or run here)."""
        if not isinstance(document, Mapping) or not isinstance(document.get("kind"), str) or not isinstance(document.get("data"), Mapping):
            raise InvalidArgument("counterexample", document, 'a JSON object {"kind": str, "summary": str, "data": {...}[, "replayer": str]}')
        summary = document.get("summary", "")
        return cls(document["kind"], summary if isinstance(summary, str) else str(summary), document["data"], document.get("replayer"))

    def describe(self) -> str:
        lines = [f"counterexample ({self.kind}): {self.summary}"]
        for key, value in self.data.items():
            text = _describe_value(jsonable(value))
            lines.append(f"  {key}: {text}")
        return "\n".join(lines)

    def replay(self, **named: Any) -> bool:
        """True iff the violation is reproduced; ``named``: code named again (``target=``, ``variant=``)."""
        return replay(self, **named)

    def replay_outcome(self, **named: Any) -> Replay:
        """Reproduced, not reproduced or not replayed, with the reason (see :mod:`mus_verify.replaying`)."""
        return replay_outcome(self, **named)

    def to_json(self) -> dict[str, Any]:
        from .replaying import _REPLAYERS

        replayer = self.replayer or _REPLAYERS.get(self.kind)  # a kind registered after this object was made
        return {"kind": self.kind, "summary": self.summary, "data": jsonable(self.data), "replayer": replayer}


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


def exit_code(results: Sequence[CheckResult]) -> int:
    """0 when every result holds, 1 when one is REFUTED, else 3 (UNKNOWN, VACUOUS or no results: never a pass)."""
    if any(r.verdict is Verdict.REFUTED for r in results):
        return EXIT_REFUTED
    if not results or not all(r.holds for r in results):
        return EXIT_INCONCLUSIVE
    return EXIT_HOLDS


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
