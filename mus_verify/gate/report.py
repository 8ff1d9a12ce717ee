"""The gate's report: one result per property, for people (``render``) and for CI (``to_json``).

Severity (issue 10, item 2; the classes are
:data:`mus_verify.gate.properties.SEVERITY`): a refuted *guarantee* property
fails the gate (exit 1). Unless ``strict``, a refuted *conformance* property
(sound, not the reference L_qv) passes with a **notice** and a refuted
*hygiene* property passes with a **warning**; the runner has then turned the
result into NO_COUNTEREXAMPLE and kept the counterexample in its ``details``.
Every result's ``details["severity"]`` names its class; the JSON document adds
``"notices"``, ``"warnings"`` and ``"severity_model"``.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any

from ..results import EXIT_HOLDS, EXIT_REFUTED, CheckResult, Verdict, exit_code
from .configs import GateConfig, GateSettings

__all__ = ["GateReport", "severity_of"]


def severity_of(name: str) -> str:
    """The class of property ``name`` ("guarantee" for anything the model does not list: fail safe)."""
    from .properties import GUARANTEE, SEVERITY

    return SEVERITY.get(name, GUARANTEE)


def _finding(result: CheckResult) -> dict[str, Any] | None:
    """The counterexample a non-failing conformance or hygiene result carries in its details."""
    details = result.details
    for key in ("warning", "first_difference"):
        value = details.get(key)
        if isinstance(value, dict):
            return value
    return None


@dataclass(frozen=True)
class GateReport:
    """Outcome of gating one implementation. ``ok`` is True iff the exit code is 0 (see the module docstring)."""

    target: str
    adapter: str
    settings: GateSettings
    configs: list[GateConfig]
    results: list[CheckResult]
    calls: int
    elapsed_s: float
    not_applicable: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.exit_code == EXIT_HOLDS

    @property
    def exit_code(self) -> int:
        """0 all hold (notices and warnings included), 1 something refuted, 3 something not judged."""
        return exit_code(self.results)

    @property
    def refuted(self) -> list[CheckResult]:
        return [r for r in self.results if r.verdict is Verdict.REFUTED]

    @property
    def notices(self) -> list[CheckResult]:
        """Conformance findings that did not fail the gate (sound, not the reference L_qv)."""
        return [r for r in self.results if r.holds and severity_of(r.name) == "conformance" and _finding(r) is not None]

    @property
    def warnings(self) -> list[CheckResult]:
        """Hygiene findings that did not fail the gate (they would under ``strict``)."""
        return [r for r in self.results if r.holds and severity_of(r.name) == "hygiene" and _finding(r) is not None]

    def result(self, name: str) -> CheckResult:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(f"no result named {name!r}; have {[r.name for r in self.results]}")

    def extra(self) -> dict[str, Any]:
        """Fields added to the JSON contract's object for ``mus-verify gate``."""
        from .properties import SEVERITY_REASONS

        def listed(results: list[CheckResult]) -> list[dict[str, Any]]:
            return [{"property": r.name, "severity": severity_of(r.name), "message": r.message, "finding": _finding(r)} for r in results]

        return {
            "ok": self.ok,
            "target": self.target,
            "adapter": self.adapter,
            "strict": self.settings.strict,
            "profile": self.settings.profile,
            "seed": self.settings.seed,
            "threads": self.settings.threads,
            "time_budget_s": self.settings.time_budget,
            "configs": [c.to_json() for c in self.configs],
            "calls": self.calls,
            "elapsed_s": round(self.elapsed_s, 3),
            "not_applicable": dict(self.not_applicable),
            "sound_not_reference": any(
                severity_of(r.name) == "conformance" and r.holds and r.details.get("reference") is False for r in self.results
            ),
            "notices": listed(self.notices),
            "warnings": listed(self.warnings),
            "severity_model": dict(SEVERITY_REASONS),
        }

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON contract ``{"ok", "results", ...}`` plus :meth:`extra` (built here: no upward import)."""
        return {"ok": self.ok, "results": [r.to_json() for r in self.results], **self.extra()}

    def render(self) -> str:
        lines = [
            f"mus-verify gate {self.target} ({self.adapter}; profile {self.settings.profile}"
            f"{', strict' if self.settings.strict else ''}; {len(self.configs)} configurations, {self.calls} calls, {self.elapsed_s:.1f}s)",
        ]
        notices, warnings = {r.name for r in self.notices}, {r.name for r in self.warnings}
        rows = [("property", "class", "verdict", "cases", "time")]
        for r in self.results:
            verdict = r.verdict.value
            if r.name in notices:
                verdict += " (notice: sound, not the reference L_qv)" if r.details.get("reference") is False else " (notice)"
            elif r.name in warnings:
                verdict += " (warning)"
            rows.append((r.name, severity_of(r.name), verdict, str(r.cases), "" if r.elapsed_s is None else f"{r.elapsed_s:.2f}s"))
        widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
        table = ["  ".join(cell.ljust(widths[c]) for c, cell in enumerate(row)).rstrip() for row in rows]
        table.insert(1, "  ".join("-" * w for w in widths))
        lines += table
        for r in self.results:
            if r.verdict is Verdict.REFUTED and r.counterexample is not None:
                lines.append("")
                why = "" if severity_of(r.name) == "guarantee" else f" ({severity_of(r.name)}; fails because of --strict)"
                lines.append(f"FAIL {r.name}{why}: {r.counterexample.summary}")
                traceback_text = r.counterexample.data.get("traceback")
                if traceback_text:
                    lines.append("  traceback:")
                    lines.append(textwrap.indent(str(traceback_text).rstrip(), "    "))
                lines.append("  reproduce:")
                lines.append(textwrap.indent(str(r.counterexample.data.get("reproduce", "")), "    "))
            elif r.verdict is Verdict.UNKNOWN:
                lines.append(f"not judged {r.name}: {r.message}")
        for r in self.notices:
            lines.append("")
            lines.append(f"note {r.name}: {r.message}")
        for r in self.warnings:
            lines.append("")
            lines.append(f"warning {r.name} (hygiene; fails only under --strict): {r.message}")
        for name, reason in self.not_applicable.items():
            lines.append(f"{name}: {reason}")
        lines.append("")
        code = self.exit_code
        if code == EXIT_HOLDS:
            tail = []
            if notices:
                tail.append(f"{len(notices)} notice(s)")
            if warnings:
                tail.append(f"{len(warnings)} warning(s)")
            lines.append(f"gate passed: all {len(self.results)} properties hold" + (f" ({', '.join(tail)})" if tail else ""))
        elif code == EXIT_REFUTED:
            lines.append(f"gate FAILED: {len(self.refuted)} of {len(self.results)} properties refuted ({', '.join(r.name for r in self.refuted)})")
        else:
            lines.append(f"gate inconclusive: {sum(not r.holds for r in self.results)} properties could not be judged")
        return "\n".join(lines)
