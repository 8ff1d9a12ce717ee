"""The gate's report: one result per property, for people (``render``) and for CI (``to_json``)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any

from ..results import CheckResult, Verdict
from .configs import GateConfig, GateSettings

# Properties that compare with the reference L_qv rather than with a guarantee: an implementation that
# fails only these is sound (every coordinate still Bernoulli(λ), Thm 3.1 applies) and passes unless
# ``strict``. Ignoring the seed vector or sharing one offset is such a case, and so is an exact
# i.i.d. Bernoulli(λ) implementation.
REFERENCE_PROPERTIES = ("conformance", "seed_use")

__all__ = ["GateReport"]


@dataclass(frozen=True)
class GateReport:
    """Outcome of gating one implementation. ``ok`` is True iff every result holds (exit code 0)."""

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
        return self.exit_code == 0

    @property
    def exit_code(self) -> int:
        from ..cli.output import exit_code

        return exit_code(self.results)

    @property
    def refuted(self) -> list[CheckResult]:
        return [r for r in self.results if r.verdict is Verdict.REFUTED]

    def result(self, name: str) -> CheckResult:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(f"no result named {name!r}; have {[r.name for r in self.results]}")

    def extra(self) -> dict[str, Any]:
        """Fields added to the JSON contract's object for ``mus-verify gate``."""
        return {
            "target": self.target,
            "adapter": self.adapter,
            "strict": self.settings.strict,
            "profile": self.settings.profile,
            "seed": self.settings.seed,
            "configs": [c.to_json() for c in self.configs],
            "calls": self.calls,
            "elapsed_s": round(self.elapsed_s, 3),
            "not_applicable": dict(self.not_applicable),
            "sound_not_reference": any(r.name in REFERENCE_PROPERTIES and r.holds and r.details.get("reference") is False for r in self.results),
        }

    def to_json(self) -> dict[str, Any]:
        from ..cli.output import json_document

        return json_document(self.results, self.extra())

    def render(self) -> str:
        lines = [
            f"mus-verify gate {self.target} ({self.adapter}; profile {self.settings.profile}"
            f"{', strict' if self.settings.strict else ''}; {len(self.configs)} configurations, {self.calls} calls, {self.elapsed_s:.1f}s)",
        ]
        rows = [("property", "verdict", "cases", "time")]
        for r in self.results:
            verdict = r.verdict.value
            if r.name == "conformance" and r.holds and r.details.get("reference") is False:
                verdict += " (sound, not the reference L_qv)"
            rows.append((r.name, verdict, str(r.cases), "" if r.elapsed_s is None else f"{r.elapsed_s:.2f}s"))
        widths = [max(len(row[c]) for row in rows) for c in range(4)]
        table = ["  ".join(cell.ljust(widths[c]) for c, cell in enumerate(row)).rstrip() for row in rows]
        table.insert(1, "  ".join("-" * w for w in widths))
        lines += table
        for r in self.results:
            if r.verdict is Verdict.REFUTED and r.counterexample is not None:
                lines.append("")
                lines.append(f"FAIL {r.name}: {r.counterexample.summary}")
                traceback_text = r.counterexample.data.get("traceback")
                if traceback_text:
                    lines.append("  traceback:")
                    lines.append(textwrap.indent(str(traceback_text).rstrip(), "    "))
                lines.append("  reproduce:")
                lines.append(textwrap.indent(str(r.counterexample.data.get("reproduce", "")), "    "))
            elif r.verdict is Verdict.UNKNOWN:
                lines.append(f"not judged {r.name}: {r.message}")
            elif r.name == "conformance" and r.details.get("reference") is False:
                lines.append("")
                lines.append(f"note conformance: {r.message}")
        for name, reason in self.not_applicable.items():
            lines.append(f"{name}: {reason}")
        lines.append("")
        code = self.exit_code
        if code == 0:
            lines.append(f"gate passed: all {len(self.results)} properties hold")
        elif code == 1:
            lines.append(f"gate FAILED: {len(self.refuted)} of {len(self.results)} properties refuted ({', '.join(r.name for r in self.refuted)})")
        else:
            lines.append(f"gate inconclusive: {sum(not r.holds for r in self.results)} properties could not be judged")
        return "\n".join(lines)
