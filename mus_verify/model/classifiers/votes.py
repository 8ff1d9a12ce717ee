"""Voting classifiers (one-hot outputs): linear votes, quorums, membership indicators, pattern votes.

* :class:`LinearVote` (``family: voting``) — every visible feature casts integer votes, class =
  argmax of bias + Σ visible_i · w_i;
* :class:`Quorum` (``family: quorum``) — class 1 iff at least t features are visible: the extremal
  cases for the stability radius;
* :class:`Indicator` (``family: indicator``) — class 1 iff the masked input is one of ``rows``: the
  witness classifier of the all-classifier checks (its g on class 1 reaches the total variation);
* :class:`PatternVotes` (``kind: pattern-votes``) — explicit votes per visibility pattern plus
  "any of these features visible" rules: the tight, tie-making classifiers of the certificate attacks.

>>> Quorum(threshold=1, classes=2).numerators(np.array([[0.0, 0.0], [0.0, 3.0]])).tolist()
[[1, 0], [0, 1]]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from ..._validation import as_int
from ...errors import InvalidArgument
from .base import Classifier, one_hot_argmax
from .hashing import pattern_index
from .tables import _Kind, row_hash

__all__ = ["LinearVote", "Quorum", "Indicator", "PatternVotes"]


class LinearVote(Classifier):
    """Each visible feature (x_i ≠ 0) adds integer votes; the class with most votes wins (ties: lowest index)."""

    n = None  # checked against the weights in counts()

    def __init__(self, weights: Sequence[Sequence[int]], bias: Sequence[int], family: str = "voting", extra: Mapping[str, Any] | None = None) -> None:
        self.weights = np.asarray(weights, dtype=np.int64)
        self.bias = np.asarray(bias, dtype=np.int64)
        if self.weights.ndim != 2 or self.bias.shape != (self.weights.shape[1],):
            raise InvalidArgument("weights", self.weights.shape, "an (n, m) integer matrix and a bias of length m")
        self.m = int(self.weights.shape[1])
        self.resolution = 1
        self._fields = {"family": family, **(extra or {}), "weights": self.weights.tolist(), "bias": self.bias.tolist()}

    def spec_fields(self) -> dict[str, Any]:
        return dict(self._fields)

    def counts(self, rows: np.ndarray) -> np.ndarray:
        visible = (np.asarray(rows) != 0).astype(np.int64)
        if visible.shape[1] != self.weights.shape[0]:
            raise InvalidArgument("inputs", f"array of shape {visible.shape}", f"inputs with {self.weights.shape[0]} features")
        return one_hot_argmax(self.bias[None, :] + visible @ self.weights)


class Quorum(Classifier):
    """Class 1 iff at least ``threshold`` features are visible, else class 0 (never a tie)."""

    n = None

    def __init__(self, threshold: int, classes: int = 2) -> None:
        self.threshold = as_int(threshold, "threshold", low=0)
        self.m = as_int(classes, "classes", low=2)
        self.resolution = 1

    def spec_fields(self) -> dict[str, Any]:
        return {"family": "quorum", "threshold": self.threshold, "classes": self.m}

    def counts(self, rows: np.ndarray) -> np.ndarray:
        count = (np.asarray(rows) != 0).sum(axis=1)
        out = np.zeros((count.shape[0], self.m), dtype=np.int64)
        out[np.arange(count.shape[0]), (count >= self.threshold).astype(np.int64)] = 1
        return out


class Indicator(Classifier):
    """Class 1 iff the masked input is one of ``rows`` (exact float equality), else class 0.

    The witness classifier of the all-classifier checks: with ``rows`` the masked
    inputs where one law puts more mass than the other, |g(x,α) − g(x,α')| on
    class 1 equals their total-variation distance, the largest any classifier
    with values in [0, 1] can reach.
    """

    n = None

    def __init__(self, rows: Sequence[Sequence[float]], classes: int = 2) -> None:
        array = np.asarray(rows, dtype=np.float64) + 0.0
        if array.ndim != 2:
            raise InvalidArgument("rows", rows, "a list of masked inputs (rows of equal length)")
        self.rows = array
        self.m = as_int(classes, "classes", low=2)
        self.resolution = 1
        self._hashes = set(row_hash(array, 0).tolist()) if array.shape[0] else set()
        self._members = {r.tobytes() for r in array}

    def spec_fields(self) -> dict[str, Any]:
        return {"family": "indicator", "classes": self.m, "rows": self.rows.tolist()}

    def counts(self, rows: np.ndarray) -> np.ndarray:
        inputs = np.asarray(rows, dtype=np.float64) + 0.0
        hits = np.zeros(inputs.shape[0], dtype=bool)
        if self._hashes:
            maybe = np.flatnonzero(np.isin(row_hash(inputs, 0), np.fromiter(self._hashes, dtype=np.uint64)))
            for r in maybe:  # confirm exact equality (hash collisions)
                hits[r] = inputs[r].tobytes() in self._members
        out = np.zeros((inputs.shape[0], self.m), dtype=np.int64)
        out[np.arange(inputs.shape[0]), hits.astype(np.int64)] = 1
        return out

    @property
    def name(self) -> str:
        return f"family=indicator, {self.rows.shape[0]} input(s)"


@dataclass(repr=False)
class PatternVotes(_Kind):
    """Votes (one-hot): class ``votes[p]`` for listed patterns p, ``any_class`` when a feature of ``any_mask``
    is visible, else ``default``. Rule order: ``any_mask`` first, then ``votes``, then ``default``."""

    n: int
    m: int
    votes: Mapping[int, int] = field(default_factory=dict)
    default: int = 0
    any_mask: int = 0
    any_class: int = 1

    def __post_init__(self) -> None:
        self.resolution = 1
        self.votes = {int(p): int(c) for p, c in self.votes.items()}

    def counts(self, rows: np.ndarray) -> np.ndarray:
        index = pattern_index(rows)
        winners = np.full(index.shape[0], self.default, dtype=np.int64)
        for pattern, cls in self.votes.items():
            winners[index == pattern] = cls
        if self.any_mask:
            winners[(index & self.any_mask) != 0] = self.any_class
        out = np.zeros((index.shape[0], self.m), dtype=np.int64)
        out[np.arange(index.shape[0]), winners] = 1
        return out

    def spec_fields(self) -> dict[str, Any]:
        return {
            "kind": "pattern-votes",
            "n": self.n,
            "m": self.m,
            "votes": {str(p): c for p, c in sorted(self.votes.items())},
            "default": self.default,
            "any_mask": self.any_mask,
            "any_class": self.any_class,
        }
