"""Probes: classifiers whose smoothed output *is* the noise an implementation applied (the gate's noise recovery).

* :class:`PatternProbe` (``kind: pattern-probe``) — one class per visibility pattern (one-hot), so
  g(x, α)[p] = Pr[pattern of x ⊙ α ⊙ s is p];
* :class:`FeatureProbe` (``kind: feature-probe``) — class i gets 1/R when feature i is visible: reveals
  every keep rate at once for n too large for a pattern probe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import InvalidArgument
from .hashing import pattern_index
from .tables import _Kind

__all__ = ["PatternProbe", "FeatureProbe", "MAX_PATTERN_FEATURES"]

MAX_PATTERN_FEATURES = 12
"""Pattern probes have 2^n classes; beyond n = 12 the gate uses :class:`FeatureProbe`."""


@dataclass(repr=False)
class PatternProbe(_Kind):
    """One-hot of the visibility pattern: g(x, α)[p] = Pr[pattern of x ⊙ α ⊙ s is p] (x without zeros)."""

    n: int

    def __post_init__(self) -> None:
        if not 1 <= self.n <= MAX_PATTERN_FEATURES:
            raise InvalidArgument("n", self.n, f"1..{MAX_PATTERN_FEATURES} features for a pattern probe (2^n classes)")
        self.m = 2**self.n
        self.resolution = 1

    def counts(self, rows: np.ndarray) -> np.ndarray:
        index = pattern_index(rows)
        out = np.zeros((index.shape[0], self.m), dtype=np.int64)
        out[np.arange(index.shape[0]), index] = 1
        return out

    def spec_fields(self) -> dict[str, Any]:
        return {"kind": "pattern-probe", "n": self.n}


@dataclass(repr=False)
class FeatureProbe(_Kind):
    """Class i < n gets 1/R when feature i is visible, class n the rest: g_i(x, 1)·R is feature i's keep rate."""

    n: int

    def __post_init__(self) -> None:
        self.m = self.n + 1
        self.resolution = 1 << max(0, math.ceil(math.log2(self.n)))

    def counts(self, rows: np.ndarray) -> np.ndarray:
        visible = (np.asarray(rows) != 0).astype(np.int64)
        return np.concatenate([visible, self.resolution - visible.sum(axis=1, keepdims=True)], axis=1)

    def spec_fields(self) -> dict[str, Any]:
        return {"kind": "feature-probe", "n": self.n}
