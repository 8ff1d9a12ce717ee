"""Replaying a gate counterexample: run its copy-paste reproduction again.

A gate counterexample is a fact about the implementation under test, not about
the exact reference, so replaying means calling the implementation again:
``replay(data)`` executes ``data["reproduce"]`` in a fresh namespace and
returns True iff the violation shows again (its final ``assert`` fails, or,
for ``contract``, the call raises). It needs the target to be importable as
written in the script (``load_factory(TARGET)``).
"""

from __future__ import annotations

from typing import Any, Mapping

from ..errors import EnvironmentProblem

__all__ = ["replay"]


def replay(data: Mapping[str, Any]) -> bool:
    script = data.get("reproduce")
    if not script:
        raise EnvironmentProblem("this counterexample carries no reproduction script")
    if "factory = ..." in script:
        raise EnvironmentProblem("the implementation was gated in-process without an importable name; edit the script's factory line and run it")
    namespace: dict[str, Any] = {"__name__": "__mus_gate_replay__"}
    try:
        exec(compile(script, "<mus-verify gate reproduction>", "exec"), namespace)
    except AssertionError:
        return True
    except Exception:
        # A call that raises is the violation for a contract counterexample; for
        # the others it is still a failure of the implementation on valid input.
        return True
    return False
