"""Replaying a counterexample: evidence re-checked from its numbers, never code taken from its data.

A counterexample is data (often a JSON artifact of a CI run). Replaying it
re-checks the violation from those numbers in the exact reference and says
one of three things (:class:`ReplayStatus`), always with a reason:

* ``reproduced`` — the violation shows again;
* ``not reproduced`` — it was re-checked and does not show (tampered data, a fixed implementation);
* ``not replayed`` — it could not be re-checked: the code it needs was not named
  again (``needs`` says what), the named code could not be imported, or it crashed.
  A crash is never a reproduction.

Which function replays a kind:

1. the replayer registered in this process by the package that defines the
   kind (:func:`register_replayer`, run when that package is imported);
2. otherwise the replayer the counterexample records (``"module:function"``),
   accepted only from mus_verify's own modules: the name must read
   ``mus_verify.<module>:replay<name>`` and no part may be ``__main__``
   (checked before anything is imported). A document can thus choose among
   mus_verify's replay functions, which judge data; it cannot name other code.

User code (a gate implementation, a variant loaded from a file) is never loaded
from the data. A replayer that needs it declares a keyword-only parameter
(``target``, ``variant``) and receives a value only when the caller names the
code again, ``replay(cx, target="impl.py:factory")`` or ``mus-verify replay
FILE --target impl.py:factory``, or when the counterexample was found in this
process and still holds the live object (``Counterexample.code``, never
serialised). A replayer may also declare ``kind`` to be told the kind it replays.

>>> from mus_verify.results import Counterexample
>>> cx = Counterexample.from_json({"kind": "marginal", "summary": "Pr[s_0 = 1] = 1/2, not 1/4",
...     "replayer": "mus_verify.checks.marginals:replay_marginal",
...     "data": {"projected_distribution": {"masks": [[1], [0]], "weights": ["1/2", "1/2"]}, "expected": "1/4"}})
>>> cx.replay_outcome().status
<ReplayStatus.REPRODUCED: 'reproduced'>
>>> gate_cx = Counterexample.from_json({"kind": "gate.certificate", "summary": "", "data": {},
...     "replayer": "mus_verify.gate.replay:replay"})
>>> gate_cx.replay_outcome().needs, gate_cx.replay()
(('target',), False)
"""

from __future__ import annotations

import enum
import importlib
import inspect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

from .errors import InvalidArgument

if TYPE_CHECKING:
    from .results import Counterexample

__all__ = [
    "ReplayStatus",
    "Replay",
    "register_replayer",
    "replayer_for",
    "replay_parameters",
    "replay_outcome",
    "replay",
    "needs_code",
    "check_replayer_name",
    "check_code_spec",
]


class ReplayStatus(str, enum.Enum):
    REPRODUCED = "reproduced"
    NOT_REPRODUCED = "not reproduced"
    NOT_REPLAYED = "not replayed"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Replay:
    """What a replay showed. Truthy only when the violation was reproduced."""

    status: ReplayStatus
    reason: str
    needs: tuple[str, ...] = ()  # code the caller must name again ("target", "variant")

    @property
    def reproduced(self) -> bool:
        return self.status is ReplayStatus.REPRODUCED

    def __bool__(self) -> bool:
        return self.reproduced

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status.value, "reason": self.reason, "needs": list(self.needs)}


def needs_code(what: str, reason: str) -> Replay:
    """The result for a kind whose violation can only be shown by running code the caller has not named."""
    return Replay(ReplayStatus.NOT_REPLAYED, f"not replayed: needs the code named again ({what}=...): {reason}", (what,))


# kind -> "module:function"; strings keep the checker modules (and their heavy imports)
# unloaded until a replay is asked for.
_REPLAYERS: dict[str, str] = {}
_OWN_REPLAYER = re.compile(r"mus_verify(\.[A-Za-z_][A-Za-z0-9_]*)+:replay[A-Za-z0-9_]*")
_CODE_SPEC = "path/to/file.py:attr or package.module:attr"


def register_replayer(kind: str, target: str) -> None:
    """Declare that counterexamples of ``kind`` are replayed by ``target`` ("module:function").

    The function takes the counterexample's data (and, keyword-only, any code it
    can be given) and returns a bool (reproduced or not) or a :class:`Replay`.
    """
    if not isinstance(target, str) or target.count(":") != 1:
        raise InvalidArgument("target", target, "'module:function'")
    _REPLAYERS[kind] = target


def check_replayer_name(kind: str, name: Any) -> str:
    """``name`` if a counterexample of ``kind`` may record it as its replayer, else InvalidArgument (nothing is imported)."""
    if isinstance(name, str) and _REPLAYERS.get(kind) == name:
        return name
    if not isinstance(name, str) or not _OWN_REPLAYER.fullmatch(name) or "__main__" in name.split(":")[0].split("."):
        raise InvalidArgument("replayer", name, "a replay function of a mus_verify module, 'mus_verify.<module>:replay<name>'",
                              "a counterexample's data may not name other code")
    return name


def check_code_spec(argument: str, value: Any) -> Any:
    """A named piece of user code: a live object, or a string of the form file.py:attr / package.module:attr."""
    if isinstance(value, str):
        location, sep, attr = value.rpartition(":")
        if not sep or not location or not attr:
            raise InvalidArgument(argument, value, _CODE_SPEC)
    return value


def replayer_for(counterexample: "Counterexample") -> Callable[..., Any]:
    """The function that replays this counterexample (see the module docstring for the rule); KeyError if none."""
    kind = counterexample.kind
    target = _REPLAYERS.get(kind)
    if target is None and counterexample.replayer is not None:
        recorded = check_replayer_name(kind, counterexample.replayer)
        importlib.import_module(recorded.partition(":")[0])  # mus_verify's own code; it may register the kind
        target = _REPLAYERS.get(kind, recorded)
    if target is None:
        raise KeyError(
            f"no replayer registered for counterexample kind {kind!r}: import the package that defines it, "
            "or load the JSON with Counterexample.from_json (it records its replayer)"
        )
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)


def replay_parameters(counterexample: "Counterexample") -> frozenset[str]:
    """The names of the code this counterexample's replayer can be given (e.g. {"target"} for the gate)."""
    return _code_parameters(replayer_for(counterexample))


def _code_parameters(function: Callable[..., Any]) -> frozenset[str]:
    parameters = inspect.signature(function).parameters.values()
    return frozenset(p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name != "kind")


def replay_outcome(counterexample: "Counterexample", **named: Any) -> Replay:
    """Re-check a counterexample; ``named`` is code the caller names again (``target=``, ``variant=``)."""
    function = replayer_for(counterexample)
    accepted = _code_parameters(function)
    named = {key: value for key, value in named.items() if value is not None}
    for key, value in named.items():
        if key not in accepted:
            takes = ", ".join(sorted(accepted)) or "no code"
            raise InvalidArgument(key, value, f"code only for counterexample kinds that run it; {counterexample.kind!r} takes {takes}")
        check_code_spec(key, value)
    kwargs = {key: value for key, value in counterexample.code.items() if key in accepted and value is not None}
    kwargs.update(named)
    if "kind" in inspect.signature(function).parameters:
        kwargs["kind"] = counterexample.kind
    try:
        answer = function(counterexample.data, **kwargs)
    except (Exception, SystemExit) as exc:  # malformed data, an import that fails, named code that crashes
        return Replay(ReplayStatus.NOT_REPLAYED, f"could not replay: {type(exc).__name__}: {exc}")
    if isinstance(answer, Replay):
        return answer
    if isinstance(answer, bool):
        if answer:
            return Replay(ReplayStatus.REPRODUCED, "the exact reference shows the violation again")
        return Replay(ReplayStatus.NOT_REPRODUCED, "the exact reference does not show the violation in the recorded data")
    return Replay(ReplayStatus.NOT_REPLAYED, f"could not replay: the replayer returned {type(answer).__name__}, not a bool or Replay")


def replay(counterexample: "Counterexample", **named: Any) -> bool:
    """True iff the violation is reproduced (False when it is not, and when it could not be replayed)."""
    return bool(replay_outcome(counterexample, **named))

