"""Rendering results for people and for scripts, and the exit-code rule.

JSON contract (stable; users' CI parses it)::

    {"ok": bool, "results": [{"name", "verdict", "method", "cases", "params",
                              "counterexample": null | {"kind", "summary", "data", "replayer"},
                              "margin", "message", "elapsed_s", "details"}, ...]}

plus ``"error"`` (a string) when the run stopped on a usage or environment
error. Exact rationals are strings "a/b". Fields may be added, never removed.

Exit codes: 0 every result holds (PROVED, VERIFIED, NO_COUNTEREXAMPLE);
1 a counterexample (some REFUTED); 2 usage or environment error;
3 inconclusive (UNKNOWN or VACUOUS, nothing refuted): never a pass.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Iterable, Sequence, TextIO

from ..results import EXIT_HOLDS, EXIT_INCONCLUSIVE, EXIT_REFUTED, EXIT_USAGE, CheckResult, Verdict, exit_code

__all__ = ["EXIT_HOLDS", "EXIT_REFUTED", "EXIT_USAGE", "EXIT_INCONCLUSIVE", "exit_code", "json_document", "emit", "emit_error", "error_document", "render_table"]


def json_document(results: Sequence[CheckResult], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {"ok": exit_code(results) == EXIT_HOLDS, "results": [r.to_json() for r in results]}
    document.update(extra or {})
    return document


def emit(results: Sequence[CheckResult], as_json: bool, out: TextIO | None = None, extra: dict[str, Any] | None = None) -> int:
    """Print results (JSON or a verdict table) and return the exit code."""
    out = out or sys.stdout
    if as_json:
        out.write(json.dumps(json_document(results, extra), indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(render_table(results) + "\n")
    return exit_code(results)


def error_document(message: str, **added: Any) -> str:
    """The JSON printed when no result was produced: ``{"ok": false, "results": [], "error": message}`` plus ``added`` fields."""
    return json.dumps({"ok": False, "results": [], "error": message, **added}, indent=2, ensure_ascii=False) + "\n"


def emit_error(message: str, as_json: bool, out: TextIO | None = None) -> int:
    """Report a usage or environment error: message on stderr, and a JSON object on stdout with --json."""
    sys.stderr.write(f"mus-verify: error: {message}\n")
    if as_json:
        (out or sys.stdout).write(error_document(message))
    return EXIT_USAGE


def render_table(results: Iterable[CheckResult]) -> str:
    results = list(results)
    rows = [("check", "verdict", "method", "cases", "time")]
    for r in results:
        time_text = "" if r.elapsed_s is None else f"{r.elapsed_s:.2f}s"
        rows.append((r.name, r.verdict.value, r.method, str(r.cases), time_text))
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[c]) for c, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for r in results:
        if r.message:
            lines.append(f"{r.name}: {r.message}")
        if r.counterexample is not None:
            lines.append(r.counterexample.describe())
    code = exit_code(results)
    summary = {
        EXIT_HOLDS: f"all {len(results)} check(s) hold",
        EXIT_REFUTED: f"{sum(r.verdict is Verdict.REFUTED for r in results)} of {len(results)} check(s) REFUTED",
        EXIT_INCONCLUSIVE: f"inconclusive: {sum(not r.holds for r in results)} of {len(results)} check(s) neither hold nor are refuted",
    }[code]
    lines.append(summary)
    return "\n".join(lines)
