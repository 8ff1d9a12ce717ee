"""Truth tables: pseudo-random over the exact input values or over visibility patterns, and explicit ones.

* :class:`HashTable` (spec ``family: tables``) — hash(masked input's float64 bytes) picks a random
  probability row; with ``density = a/b < 1`` only a hash-chosen fraction a/b of the inputs get one,
  the others answer class 0 with certainty (sparse tables: the large gaps that make stability
  certificates non-trivial). The exhaustive engine's tables.
* :class:`GateHashTable` (spec ``kind: hash-table``) — the same idea with the gate's mixing and a
  power-of-two resolution: an input shown at 0.99998·x_i instead of x_i (the clamped float-ramp mask)
  lands on an unrelated entry, so value errors surface in the outputs. It hashes differently from
  :class:`HashTable` only so that recorded gate counterexamples replay unchanged.
* :class:`PatternTable` (``kind: pattern-table``) — random over the visibility pattern (which features
  are non-zero): the function class of the paper's Thm 3.1.
* :class:`TruthTable` (``kind: truth-table``) — an explicit table over visibility patterns (what the
  public Hypothesis strategy draws, so it shrinks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..._validation import as_int
from ...errors import InvalidArgument
from .base import Classifier
from .hashing import GOLDEN, M1, M2, float64_words, pattern_index, seed_word, splitmix64, stars_and_bars

__all__ = ["HashTable", "GateHashTable", "PatternTable", "TruthTable", "check_resolution", "row_hash"]


def check_resolution(resolution: int) -> int:
    if resolution < 1 or resolution & (resolution - 1):
        raise InvalidArgument("resolution", resolution, "a power of two >= 1 (keeps outputs exact in every float dtype)")
    return resolution


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64 of z + golden ratio (the step of :class:`HashTable`)."""
    return splitmix64(z + GOLDEN)


def row_hash(inputs: np.ndarray, seed: int) -> np.ndarray:
    """A 64-bit hash of each row's float64 bytes (+0.0 and -0.0 hash alike)."""
    words = float64_words(inputs)
    start = (seed * int(M2) + words.shape[1]) % (1 << 64)  # Python ints: no scalar overflow warning
    h = np.full(words.shape[0], start, dtype=np.uint64)
    for column in range(words.shape[1]):
        h = _mix(h ^ words[:, column])
    return h


def _counts_from_hash(keys: np.ndarray, m: int, resolution: int) -> np.ndarray:
    """A pseudo-random composition of ``resolution`` into m non-negative parts, one per key (stars and bars)."""
    if m == 1:
        return np.full((keys.shape[0], 1), resolution, dtype=np.int64)
    draws = [splitmix64(keys + np.full(keys.shape, seed_word(c + 1, 0), dtype=np.uint64)) for c in range(m - 1)]
    return stars_and_bars(np.stack([(d % np.uint64(resolution + 1)).astype(np.int64) for d in draws], axis=1), resolution)


class HashTable(Classifier):
    """A pseudo-random truth table over masked inputs: hash(input) -> a random probability row.

    With ``density = a/b < 1`` only a hash-chosen fraction a/b of the inputs get a
    random row; the others answer class 0 with certainty.
    """

    n = None  # any number of features

    def __init__(self, seed: int, classes: int, density: Sequence[int] = (1, 1), denominator: int = 256) -> None:
        self.seed = as_int(seed, "seed", low=0)
        self.m = as_int(classes, "classes", low=1)
        a, b = (as_int(v, "density") for v in density)
        if not 0 <= a <= b or b < 1:
            raise InvalidArgument("density", density, "a fraction a/b with 0 <= a <= b")
        self.density = (a, b)
        self.resolution = as_int(denominator, "denominator", low=1)

    def spec_fields(self) -> dict[str, Any]:
        return {"family": "tables", "seed": self.seed, "classes": self.m, "density": list(self.density), "denominator": self.resolution}

    def counts(self, rows: np.ndarray) -> np.ndarray:
        h = row_hash(rows, self.seed)
        B, m, D = h.shape[0], self.m, self.denominator
        cuts = [((_mix(h + np.uint64(c + 1)) >> np.uint64(16)) % np.uint64(D + 1)).astype(np.int64) for c in range(m - 1)]
        out = stars_and_bars(np.stack(cuts, axis=1) if cuts else np.zeros((B, 0), np.int64), D)
        a, b = self.density
        if a < b:
            dense = ((_mix(h ^ M1) >> np.uint64(8)) % np.uint64(b)).astype(np.int64) < a
            certain = np.zeros((B, m), dtype=np.int64)
            certain[:, 0] = D
            out = np.where(dense[:, None], out, certain)
        return out


class _Kind(Classifier):
    """A classifier whose spec is keyed by ``kind`` (the gate's dialect); its repr rebuilds it."""

    def __repr__(self) -> str:
        return f"build({self.spec()!r})"


@dataclass(repr=False)
class GateHashTable(_Kind):
    """Random truth table keyed by the exact float64 value of every input coordinate (-0.0 counts as 0)."""

    m: int
    resolution: int = 16
    seed: int = 0
    n = None  # any number of features

    def __post_init__(self) -> None:
        check_resolution(self.resolution)

    def counts(self, rows: np.ndarray) -> np.ndarray:
        bits = float64_words(rows)
        acc = np.full(bits.shape[0], seed_word(self.seed, 0x1234567), dtype=np.uint64)
        for i in range(bits.shape[1]):
            acc = splitmix64(acc ^ bits[:, i]) + np.full(acc.shape, seed_word(i + 1, 0), dtype=np.uint64)
        return _counts_from_hash(acc, self.m, self.resolution)

    def spec_fields(self) -> dict[str, Any]:
        return {"kind": "hash-table", "m": self.m, "resolution": self.resolution, "seed": self.seed}


@dataclass(repr=False)
class PatternTable(_Kind):
    """Random truth table over visibility patterns: h(z) depends only on which z_i are non-zero."""

    n: int
    m: int
    resolution: int = 16
    seed: int = 0
    vote: bool = False

    def __post_init__(self) -> None:
        check_resolution(self.resolution)

    def counts(self, rows: np.ndarray) -> np.ndarray:
        keys = pattern_index(rows).astype(np.uint64) * np.full(rows.shape[0], 2654435761, dtype=np.uint64)
        keys = keys + np.full(rows.shape[0], seed_word(self.seed, 0), dtype=np.uint64)
        counts = _counts_from_hash(splitmix64(keys), self.m, self.resolution)
        if self.vote:  # one-hot of the argmax, lowest index on ties: a voting classifier
            winners = counts.argmax(axis=1)
            counts = np.zeros_like(counts)
            counts[np.arange(counts.shape[0]), winners] = self.resolution
        return counts

    def spec_fields(self) -> dict[str, Any]:
        return {"kind": "pattern-table", "n": self.n, "m": self.m, "resolution": self.resolution, "seed": self.seed, "vote": self.vote}


@dataclass(repr=False)
class TruthTable(_Kind):
    """An explicit truth table: ``table[p]`` holds the m integer counts (summing to ``resolution``) for pattern p."""

    n: int
    m: int
    table: tuple[tuple[int, ...], ...]
    resolution: int = 16

    def __post_init__(self) -> None:
        check_resolution(self.resolution)
        array = np.asarray(self.table, dtype=np.int64)
        if array.shape != (2**self.n, self.m) or array.min(initial=0) < 0 or np.any(array.sum(axis=1) != self.resolution):
            raise InvalidArgument("table", f"array of shape {array.shape}", f"2^n = {2**self.n} rows of m = {self.m} non-negative counts summing to {self.resolution}")
        self._array = array
        self.table = tuple(tuple(int(v) for v in row) for row in array)

    def counts(self, rows: np.ndarray) -> np.ndarray:
        return self._array[pattern_index(rows)]

    def spec_fields(self) -> dict[str, Any]:
        return {"kind": "truth-table", "n": self.n, "m": self.m, "table": [list(row) for row in self.table], "resolution": self.resolution}
