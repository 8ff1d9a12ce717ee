"""The hash primitives of the table classifiers: splitmix64 on uint64 arrays, float64 words, stars and bars.

These are the only ones of their kind. The two hash tables built on them
(:class:`~mus_verify.model.classifiers.tables.HashTable` and
:class:`~mus_verify.model.classifiers.tables.GateHashTable`) mix them differently on purpose: recorded
counterexamples name each table by its seed, so neither table's values may move.
"""

from __future__ import annotations

import numpy as np

from ...core.bits import codes_from_masks

__all__ = ["splitmix64", "float64_words", "stars_and_bars", "seed_word", "pattern_index", "GOLDEN", "M1", "M2"]

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)


def splitmix64(z: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser on a uint64 array (array arithmetic wraps silently; numpy scalars would warn)."""
    z = np.asarray(z, dtype=np.uint64)
    z = (z ^ (z >> np.uint64(30))) * M1
    z = (z ^ (z >> np.uint64(27))) * M2
    return z ^ (z >> np.uint64(31))


def float64_words(inputs: np.ndarray) -> np.ndarray:
    """(B, n) rows -> (B, n) uint64: each value's float64 bytes, with -0.0 read as +0.0 (a hash sees values)."""
    rows = np.ascontiguousarray(np.asarray(inputs, dtype=np.float64) + 0.0)  # -0.0 + 0.0 == +0.0
    return rows.view(np.uint64)


def stars_and_bars(cuts: np.ndarray, total: int) -> np.ndarray:
    """(B, m − 1) cut points in [0, total] -> (B, m) non-negative integers summing to ``total`` (the gaps)."""
    cuts = np.asarray(cuts, dtype=np.int64)
    ends = np.zeros((cuts.shape[0], 1), np.int64), np.full((cuts.shape[0], 1), total, np.int64)
    return np.diff(np.sort(np.concatenate([ends[0], cuts, ends[1]], axis=1), axis=1), axis=1)


def seed_word(seed: int, salt: int) -> np.uint64:
    """seed·golden + salt mod 2^64, computed in Python ints (numpy scalars warn on wrap-around)."""
    return np.uint64((int(seed) * 0x9E3779B97F4A7C15 + salt) & 0xFFFFFFFFFFFFFFFF)


def pattern_index(rows: np.ndarray) -> np.ndarray:
    """Visibility pattern of each row as an integer: bit i set iff feature i is non-zero."""
    return codes_from_masks(np.asarray(rows) != 0)
