"""The gate's base classifiers: now :mod:`mus_verify.model.classifiers` (one family; issue 11).

This path stays a re-export: the gate's reproduction scripts print
``from mus_verify.gate.classifiers import build`` (recorded counterexamples contain them), and
docs/gate.md imports it here. ``GateClassifier`` is the family's base class and ``HashTable`` here is
:class:`~mus_verify.model.classifiers.GateHashTable` (the gate's table, with its own hash), not the
exhaustive engine's ``HashTable``.

>>> build({"kind": "pattern-votes", "n": 2, "m": 2, "any_mask": 3})([[0.0, 0.0], [0.0, 5.0]]).tolist()
[[1.0, 0.0], [0.0, 1.0]]
"""

from __future__ import annotations

from ..model.classifiers import (
    MAX_PATTERN_FEATURES,
    MLP,
    FeatureProbe,
    PatternProbe,
    PatternTable,
    PatternVotes,
    TruthTable,
    build,
    pattern_index,
)
from ..model.classifiers import Classifier as GateClassifier
from ..model.classifiers import GateHashTable as HashTable
from ..model.classifiers import answer as _answer

__all__ = [
    "GateClassifier",
    "HashTable",
    "PatternTable",
    "TruthTable",
    "PatternProbe",
    "FeatureProbe",
    "PatternVotes",
    "MLP",
    "build",
    "pattern_index",
    "MAX_PATTERN_FEATURES",
    "_answer",
]
