"""``mus-verify replay FILE.json [--target T] [--variant V]``: re-check saved counterexamples.

FILE is what ``--json`` printed (a document with ``results``, one result, or one
counterexample). Each counterexample is re-checked from its numbers in the
exact reference (see :mod:`mus_verify.replaying`). Nothing the file names is
imported or run: a counterexample whose violation can only be shown by running
user code (a gate implementation, a variant from a file) is replayed only when
that code is named again here (``--target``, ``--variant``); otherwise it is
"not replayed" (exit 3). Reproduction scripts are printed, never executed.

Exit codes: 1 some violation is reproduced; 0 every counterexample was
re-checked and none reproduced; 3 some could not be replayed (or the file
holds none); 2 usage error (unreadable FILE, an option no counterexample in it
takes, a document naming a replayer outside mus_verify).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from typing import Any

# Packages whose import registers the built-in replayers: only needed for a document that does not
# record its replayer (written before replayers were recorded). The CLI may know every package; the
# core (mus_verify.replaying) does not.
_BUILTIN_REPLAYER_PACKAGES = (
    "mus_verify.checks",
    "mus_verify.report",
    "mus_verify.smt",
    "mus_verify.gate",
    "mus_verify.torch_backend.diff",
    "mus_verify.torch_backend.drop_check",
)

_FORMS = 'a JSON file written by mus-verify --json: {"results": [...]}, one result, or one counterexample {"kind", "summary", "data"}'


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "replay",
        parents=[common],
        help="re-check saved counterexamples (JSON) in the exact reference; never runs code the file names",
        description=(
            "Re-check every counterexample in FILE from its numbers alone. A counterexample that can only be shown by "
            "running user code (gate.* needs the implementation, a variant loaded from a file needs the variant) is "
            "replayed only when the code is named again with --target / --variant; reproduction scripts are printed, "
            "never executed."
        ),
        epilog=(
            "exit codes: 1 a violation is reproduced; 0 every counterexample was re-checked and none reproduced; "
            "3 some could not be replayed (code not named, not importable, crashed) or FILE holds none; 2 usage error."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="a JSON document, result or counterexample written by --json")
    parser.add_argument("--target", help="the gate implementation to replay gate.* counterexamples on: path/to/file.py:attr or package.module:attr")
    parser.add_argument("--variant", help="the smoothing variant to replay counterexamples of a user variant with: path/to/file.py:attr or package.module:attr")
    parser.add_argument("--model", help="the torch module to replay torch-cascade-vote-mismatch / torch-refusal-mismatch on: path/to/file.py:attr or package.module:attr (a module, or a class / factory called with no arguments)")
    parser.set_defaults(handler=run_replay_command)


def run_replay_command(args: argparse.Namespace) -> int:
    from ..errors import InvalidArgument
    from ..replaying import replay_parameters
    from .output import emit

    found = _counterexamples(_load(args.file))
    named = {key: value for key, value in (("target", args.target), ("variant", args.variant), ("model", args.model)) if value is not None}
    takes: list[frozenset[str]] = []
    for _, counterexample in found:
        _register_builtin(counterexample)
        try:
            takes.append(replay_parameters(counterexample))
        except KeyError:
            takes.append(frozenset())
    for key, value in named.items():
        if not any(key in t for t in takes):
            kinds = sorted({c.kind for _, c in found}) or ["none"]
            raise InvalidArgument(f"--{key}", value, f"an option some counterexample in {args.file} takes (kinds: {', '.join(kinds)})")
    results = [_replayed(name, counterexample, {k: v for k, v in named.items() if k in t}) for (name, counterexample), t in zip(found, takes)]
    if not results:
        results = [_vacuous(args.file)]
    code = emit(results, args.json)
    if not args.json:
        _print_scripts(found)
    return code


def _load(path: str) -> Any:
    from ..errors import InvalidArgument

    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidArgument("FILE", path, _FORMS, f"{type(exc).__name__}: {exc}") from None


def _counterexamples(document: Any) -> list[tuple[str, Any]]:
    """(result name, Counterexample) for every counterexample in the document."""
    from ..errors import InvalidArgument
    from ..results import Counterexample

    if isinstance(document, dict) and "kind" in document and "data" in document:
        return [(str(document["kind"]), Counterexample.from_json(document))]
    if isinstance(document, dict) and "results" in document:
        entries = document["results"]
    elif isinstance(document, dict) and "counterexample" in document:
        entries = [document]
    elif isinstance(document, list):
        entries = document
    else:
        raise InvalidArgument("FILE", type(document).__name__, _FORMS)
    if not isinstance(entries, list):
        raise InvalidArgument("FILE", type(entries).__name__, _FORMS, "'results' is not a list")
    found = []
    for entry in entries:
        if isinstance(entry, dict) and "kind" in entry and "data" in entry:
            found.append((str(entry["kind"]), Counterexample.from_json(entry)))
        elif isinstance(entry, dict) and entry.get("counterexample") is not None:
            found.append((str(entry.get("name", "?")), Counterexample.from_json(entry["counterexample"])))
    return found


def _register_builtin(counterexample: Any) -> None:
    """For a document that records no replayer: import the built-in packages (mus_verify's own code only)."""
    from ..replaying import _REPLAYERS

    if counterexample.replayer is not None or counterexample.kind in _REPLAYERS:
        return
    for package in _BUILTIN_REPLAYER_PACKAGES:
        try:
            importlib.import_module(package)
        except ImportError:  # e.g. torch missing: those kinds stay unknown and are reported as not replayed
            continue
        if counterexample.kind in _REPLAYERS:
            return


def _replayed(name: str, counterexample: Any, named: dict[str, str]) -> Any:
    from ..replaying import Replay, ReplayStatus, replay_outcome
    from ..results import CheckResult, Verdict

    started = time.perf_counter()
    try:
        outcome = replay_outcome(counterexample, **named)
    except KeyError as exc:
        outcome = Replay(ReplayStatus.NOT_REPLAYED, f"not replayed: {exc.args[0] if exc.args else exc}")
    params = {"kind": counterexample.kind, "replayer": counterexample.replayer, **named, "quantified_over": "recorded counterexamples"}
    details = {"replay": outcome.to_json()}
    elapsed = time.perf_counter() - started
    if outcome.status is ReplayStatus.REPRODUCED:
        return CheckResult(name, Verdict.REFUTED, "replay", 1, params, counterexample, None, outcome.reason, elapsed, details)
    verdict = Verdict.NO_COUNTEREXAMPLE if outcome.status is ReplayStatus.NOT_REPRODUCED else Verdict.UNKNOWN
    return CheckResult(name, verdict, "replay", 1 if verdict is Verdict.NO_COUNTEREXAMPLE else 0, params, None, None, outcome.reason, elapsed, details)


def _vacuous(path: str) -> Any:
    from ..results import CheckResult, Verdict

    return CheckResult("replay", Verdict.VACUOUS, "replay", 0, {"file": path}, message=f"{path} holds no counterexample: nothing was replayed")


def _print_scripts(found: list[tuple[str, Any]]) -> None:
    """Reproduction scripts are for a person to read and run; mus-verify never executes them."""
    for name, counterexample in found:
        script = counterexample.data.get("reproduce") if hasattr(counterexample.data, "get") else None
        if isinstance(script, str) and script:
            sys.stdout.write(f"\n# reproduction of {name} ({counterexample.kind}), printed, not run:\n{script}\n")
