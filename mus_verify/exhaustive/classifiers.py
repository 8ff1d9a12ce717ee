"""The exhaustive engine's base classifiers: now :mod:`mus_verify.model.classifiers` (one family; issue 11).

This path stays a re-export: docs (docs/soft-stability.md), tests and users import these names here.
Every classifier is a batched function of the masked input (B, n) -> (B, m) whose rows are integer
*numerators* over one ``denominator``, rebuilt from its JSON ``spec`` by :func:`from_spec` (specs
recorded before the merge build the same classifier).

>>> h = Quorum(threshold=1, classes=2)
>>> h.numerators(np.array([[0.0, 0.0], [0.0, 3.0]])).tolist()
[[1, 0], [0, 1]]
>>> from_spec(h.spec).spec == h.spec
True
"""

from __future__ import annotations

import numpy as np  # noqa: F401  (the doctest above)

from ..model.classifiers import (
    DEFAULT_FAMILIES,
    FAMILIES,
    ExactClassifier,
    HashTable,
    Indicator,
    LinearVote,
    Quorum,
    TinyMLP,
    classifier_family,
    float64_words,
    from_spec,
    one_hot_argmax,
    splitmix64,
    stars_and_bars,
)

__all__ = [
    "ExactClassifier",
    "HashTable",
    "LinearVote",
    "Quorum",
    "TinyMLP",
    "Indicator",
    "FAMILIES",
    "DEFAULT_FAMILIES",
    "classifier_family",
    "from_spec",
    "one_hot_argmax",
    "splitmix64",
    "float64_words",
    "stars_and_bars",
]
