"""Shared state of one gate run, and what a property returns.

A property runner is ``run(ctx: GateRun) -> Outcome``. It walks the
configurations smallest first and stops at its first violation, so the
violation it reports is the smallest one in the gate's order (configuration
size, then the simplest classifier, then α by popcount); runners then shrink
it further where that is meaningful (batch size, n).
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from ..errors import BudgetExhausted  # defined in errors.py (a BaseException on purpose); re-exported here
from .classifiers import GateClassifier
from .configs import GateConfig, GateSettings, distinct_inputs
from .noise import Noise, probe_for, recover
from .subject import ImplementationError, Instance, Subject

__all__ = ["GateRun", "Outcome", "Failure", "BudgetExhausted"]


# Largest number of base-classifier rows x classes one batched call may produce (memory bound).
_CELLS_PER_CALL = 4_000_000


@dataclass
class Failure:
    """A violation: one-line summary, JSON-able evidence and a copy-paste reproduction."""

    summary: str
    data: dict[str, Any]
    reproduce: str
    margin: Fraction | float | None = None


@dataclass
class Outcome:
    """What a property found. ``skipped`` (a reason) makes the result UNKNOWN; ``failure`` makes it REFUTED."""

    name: str
    method: str
    cases: int = 0
    failure: Failure | None = None
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None
    quantified_over: str = "cases"


@dataclass
class GateRun:
    subject: Subject
    settings: GateSettings
    configs: list[GateConfig]
    batch_ok: bool = True
    raised_in: list[str] = field(default_factory=list)
    _noise: dict[tuple, Noise] = field(default_factory=dict)
    _inputs: dict[tuple, np.ndarray] = field(default_factory=dict)
    # (observation, violation, feeds g) of the masked-inputs watch, decided once (see gate/watches.py).
    masking_verdict: Any = None
    # time.perf_counter() after which check_budget raises BudgetExhausted (None: no budget).
    deadline: float | None = None
    # property -> configurations the gate itself could not judge ("label: error"); see each_config
    unjudged: dict[str, list[str]] = field(default_factory=dict)

    def check_budget(self) -> None:
        """Raise :class:`BudgetExhausted` once the deadline has passed (called between calls and configurations)."""
        if self.deadline is not None and time.perf_counter() > self.deadline:
            raise BudgetExhausted(f"the time budget of {self.settings.time_budget:g} s was spent")

    @property
    def plan(self) -> Any:
        """The profile's sampling plan; the quick one once batches proved inconsistent (every row is then a call)."""
        from .configs import PROFILES

        return self.settings.plan if self.batch_ok else PROFILES["quick"]

    def rng(self, name: str, *extra: int) -> np.random.Generator:
        """A dedicated generator per property (and config): runs are reproducible from ``--seed``."""
        return np.random.default_rng([self.settings.seed, zlib.crc32(name.encode()), *extra])

    def probe_input(self, config: GateConfig) -> np.ndarray:
        """The one input row (distinct, non-zero entries) used to recover the noise of ``config``."""
        key = (config.n,)
        if key not in self._inputs:
            self._inputs[key] = distinct_inputs(self.rng("probe-input", config.n), config.n)[0]
        return self._inputs[key]

    def noise(self, config: GateConfig, seed: tuple[int, ...] | None = None) -> Noise:
        """The noise the implementation applies for ``config`` (and ``seed``), recovered once and cached."""
        seed = config.seed if seed is None else tuple(seed)
        key = (config.n, config.q, config.k, seed)
        if key not in self._noise:
            instance = self.subject.instance(config.with_seed(seed), probe_for(config.n))
            self._noise[key] = recover(instance, self.probe_input(config))
        return self._noise[key]

    def instance(self, config: GateConfig, classifier: GateClassifier, seed: tuple[int, ...] | None = None) -> Instance:
        return self.subject.instance(config, classifier, seed)

    def evaluate_many(self, instance: Instance, x: np.ndarray, alphas: np.ndarray) -> tuple[np.ndarray, float]:
        """g for many (x, α) rows: batched when the batch-consistency check passed, else one row at a time."""
        rows = x.shape[0]
        per_row = max(1, instance.config.q * instance.classifier.m)
        chunk = max(1, min(512, _CELLS_PER_CALL // per_row)) if self.batch_ok else 1
        parts, tol = [], 0.0
        for start in range(0, rows, chunk):
            self.check_budget()
            evaluation = instance.evaluate(x[start : start + chunk], alphas[start : start + chunk].astype(np.float64))
            parts.append(evaluation.g)
            tol = max(tol, evaluation.tol)
        return np.concatenate(parts, axis=0), tol

    def each_config(self, name: str, body: Callable[[GateConfig], Any], configs: list[GateConfig] | None = None) -> tuple[int, Any]:
        """Run ``body`` per configuration until it returns a Failure; ImplementationErrors skip the config.

        An exception of the gate itself skips only that configuration and is kept in
        ``unjudged[name]``: the runner then reports the property UNKNOWN unless another
        configuration refuted it (a deployed n = 196 cannot hide the default matrix's verdicts).

        Returns (configs that ran, the first Failure or None).
        """
        ran = 0
        for config in configs if configs is not None else self.configs:
            self.check_budget()
            try:
                failure = body(config)
            except ImplementationError:
                self.raised_in.append(f"{name} ({config.label})")
                continue
            except Exception as exc:  # the gate's own limit on this configuration (e.g. 2^n patterns at a deployed n)
                self.unjudged.setdefault(name, []).append(f"{config.label}: {type(exc).__name__}: {exc}")
                continue
            ran += 1
            if failure is not None:
                return ran, failure
        return ran, None


def fmt_fraction(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
