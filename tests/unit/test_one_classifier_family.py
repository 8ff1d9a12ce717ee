"""One exact classifier family (issue 11): the exhaustive engine's and the gate's libraries are one package.

The old import paths are thin re-exports of :mod:`mus_verify.model.classifiers` (docs and recorded
reproduction scripts import them); these identity tests fail if a second copy comes back. Specs
recorded before the merge, in either dialect (``family`` or ``kind``), still build through the one
``from_spec``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import mus_verify.exhaustive.classifiers as exhaustive
import mus_verify.gate.classifiers as gate
import mus_verify.model.classifiers as one
from mus_verify.errors import InvalidArgument


def test_the_old_paths_re_export_the_one_family() -> None:
    for name in ("HashTable", "LinearVote", "Quorum", "TinyMLP", "Indicator", "ExactClassifier", "from_spec", "classifier_family",
                 "one_hot_argmax", "splitmix64", "float64_words", "stars_and_bars"):
        assert getattr(exhaustive, name) is getattr(one, name), name
    for name in ("PatternTable", "TruthTable", "PatternProbe", "FeatureProbe", "PatternVotes", "MLP", "pattern_index", "MAX_PATTERN_FEATURES"):
        assert getattr(gate, name) is getattr(one, name), name
    assert gate.HashTable is one.GateHashTable and gate.GateClassifier is one.Classifier
    assert gate.build is one.from_spec is one.build


def test_the_mask_codes_have_one_home() -> None:
    import mus_verify.core.bits as core_bits
    import mus_verify.exhaustive.bits as exhaustive_bits

    for name in core_bits.__all__:
        assert getattr(exhaustive_bits, name) is getattr(core_bits, name), name


# Specs as counterexamples recorded them before the merge (both dialects).
RECORDED = [
    {"family": "tables", "seed": 4, "classes": 3, "density": [1, 8], "denominator": 256},
    {"family": "voting", "seed": 0, "draw": 1, "weights": [[1, -2], [3, 0], [0, 1]], "bias": [0, 1]},
    {"family": "quorum", "threshold": 2, "classes": 2},
    {"family": "mlp", "seed": 5, "classes": 3, "features": 3, "hidden": 6, "denominator": 4096},
    {"family": "indicator", "classes": 2, "rows": [[0.0, 1.0, 0.0]]},
    {"kind": "hash-table", "m": 3, "resolution": 16, "seed": 7},
    {"kind": "pattern-table", "n": 3, "m": 3, "resolution": 16, "seed": 2, "vote": False},
    {"kind": "truth-table", "n": 1, "m": 2, "table": [[16, 0], [4, 12]], "resolution": 16},
    {"kind": "pattern-probe", "n": 3},
    {"kind": "feature-probe", "n": 3},
    {"kind": "pattern-votes", "n": 3, "m": 3, "votes": {"1": 2}, "default": 0, "any_mask": 4, "any_class": 1},
    {"kind": "mlp", "n": 3, "m": 3, "hidden": 8, "seed": 0},
]


@pytest.mark.parametrize("spec", RECORDED, ids=lambda s: s.get("kind") or s["family"])
def test_every_recorded_spec_builds_and_round_trips(spec: dict) -> None:
    h = one.from_spec(spec)
    assert isinstance(h, one.Classifier)
    n = 1 if spec.get("kind") == "truth-table" else 3
    assert h.spec == spec and h.spec() == spec and type(h.spec()) is dict  # both spellings; JSON-ready
    assert json.loads(json.dumps(h.spec)) == spec
    rows = np.array([[0.0] * n, [1.0] * n, [0.5, -0.0, 2.0][:n]])
    probabilities = h(rows)
    assert probabilities.shape == (3, h.classes) and np.allclose(probabilities.sum(axis=1), 1.0)
    if h.resolution is None:  # float outputs: not an exact classifier
        assert not isinstance(h, one.ExactClassifier)
    else:
        assert isinstance(h, one.ExactClassifier) and h.denominator == h.resolution
        counts = h.numerators(rows)
        assert (counts == h.counts(rows)).all() and (counts.sum(axis=1) == h.denominator).all()
        assert (probabilities == counts / h.denominator).all()
    assert one.from_spec(h.spec).spec == spec


def test_from_spec_refuses_unknown_families_and_kinds() -> None:
    with pytest.raises(InvalidArgument, match="family"):
        one.from_spec({"family": "nope"})
    with pytest.raises(InvalidArgument, match=r"spec\['kind'\]"):
        one.from_spec({"kind": "nope"})
