"""The one result builder of the removal checks (verdict, cases, margin, ratios, timing)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Mapping

from ..results import CheckResult, Counterexample, Verdict

__all__ = ["Tally"]


@dataclass
class Tally:
    """Accumulates cases, the tightest margin and the largest observed ratio per key."""

    name: str
    quantified_over: str
    started: float = field(default_factory=time.perf_counter)
    cases: int = 0
    margin: Fraction | None = None
    ratios: dict[str, float] = field(default_factory=dict)

    def add(self, judgement: Any, key: str | None = None) -> bool:
        """Count one judged case; returns whether it holds."""
        self.cases += 1
        if self.margin is None or judgement.margin < self.margin:
            self.margin = judgement.margin
        if key is not None:
            self.ratios[key] = max(self.ratios.get(key, 0.0), judgement.ratio)
        return judgement.holds

    def result(self, verdict: Verdict, message: str, params: Mapping[str, Any] | None = None, details: Mapping[str, Any] | None = None,
               counterexample: Counterexample | None = None) -> CheckResult:
        elapsed = time.perf_counter() - self.started
        all_params = {"quantified_over": self.quantified_over, **(params or {})}
        all_details = {"max_ratio_to_bound": {k: round(v, 6) for k, v in sorted(self.ratios.items())}, **(details or {})}
        return CheckResult(self.name, verdict, "exhaustive", self.cases, all_params, counterexample, self.margin,
                           f"{message} ({self.cases:,} cases, {elapsed:.2f} s)", elapsed, all_details)

    def refuted(self, kind: str, summary: str, data: Mapping[str, Any], params: Mapping[str, Any] | None = None,
                details: Mapping[str, Any] | None = None) -> CheckResult:
        return self.result(Verdict.REFUTED, summary, params, details, Counterexample(kind, summary, data))
