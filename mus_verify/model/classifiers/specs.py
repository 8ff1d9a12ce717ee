"""One spec format, one builder: :func:`from_spec` rebuilds any classifier of this family from its spec.

A spec is a JSON object in one of two dialects, both recorded in counterexamples written so far, so
both stay valid for ever:

* ``{"family": "tables" | "voting" | "quorum" | "mlp" | "indicator", ...}`` (the exhaustive engine's
  classifiers; ``classifier.spec``);
* ``{"kind": "hash-table" | "pattern-table" | "truth-table" | "pattern-probe" | "feature-probe" |
  "pattern-votes" | "mlp", ...}`` (the gate's; ``classifier.spec()``, which the gate's reproduction
  scripts pass to ``build``, the same function).

``from_spec(h.spec)`` rebuilds ``h`` for every classifier ``h`` here:

>>> from_spec({"kind": "pattern-votes", "n": 2, "m": 2, "any_mask": 3})([[0.0, 0.0], [0.0, 5.0]]).tolist()
[[1.0, 0.0], [0.0, 1.0]]
>>> h = from_spec({"family": "quorum", "threshold": 1, "classes": 2})
>>> from_spec(h.spec).spec == h.spec
True
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from ..._validation import as_int
from ...errors import InvalidArgument
from .base import Classifier
from .networks import MLP, TinyMLP
from .probes import FeatureProbe, PatternProbe
from .tables import GateHashTable, HashTable, PatternTable, TruthTable
from .votes import Indicator, LinearVote, PatternVotes, Quorum

__all__ = ["from_spec", "build", "classifier_family", "KINDS", "FAMILIES", "SPEC_FAMILIES", "DEFAULT_FAMILIES"]

#: The built-in families of ``--classifiers`` (what :func:`classifier_family` draws).
FAMILIES = ("tables", "voting", "mlp")
DEFAULT_FAMILIES = "tables,voting,mlp"
#: Every ``family`` a spec may name (``quorum`` is drawn under ``voting``; ``indicator`` is a witness).
SPEC_FAMILIES = ("tables", "voting", "quorum", "mlp", "indicator")

#: ``kind`` -> class, for the keyword-argument dialect.
KINDS: dict[str, Callable[..., Classifier]] = {
    "hash-table": GateHashTable,
    "pattern-table": PatternTable,
    "truth-table": TruthTable,
    "pattern-probe": PatternProbe,
    "feature-probe": FeatureProbe,
    "pattern-votes": PatternVotes,
    "mlp": MLP,
}


def from_spec(spec: Mapping[str, Any]) -> Classifier:
    """Rebuild a classifier from its spec (the replay path); a spec names either a ``kind`` or a ``family``."""
    if "kind" in spec:
        return _from_kind(spec)
    family = spec.get("family")
    if family == "tables":
        return HashTable(spec["seed"], spec["classes"], tuple(spec["density"]), spec["denominator"])
    if family == "voting":
        return LinearVote(spec["weights"], spec["bias"], extra={k: v for k, v in spec.items() if k not in ("family", "weights", "bias")})
    if family == "quorum":
        return Quorum(spec["threshold"], spec["classes"])
    if family == "mlp":
        return TinyMLP(spec["seed"], spec["classes"], spec["features"], spec["hidden"], spec["denominator"])
    if family == "indicator":
        return Indicator(spec["rows"], spec.get("classes", 2))
    raise InvalidArgument(
        "spec", dict(spec), f"a classifier spec with family {', '.join(SPEC_FAMILIES)} or kind {', '.join(sorted(KINDS))}"
    )


def _from_kind(spec: Mapping[str, Any]) -> Classifier:
    params = dict(spec)
    kind = params.pop("kind", None)
    if kind not in KINDS:
        raise InvalidArgument("spec['kind']", kind, f"one of {sorted(KINDS)}")
    if kind == "pattern-votes" and "votes" in params:
        params["votes"] = {int(p): int(c) for p, c in params["votes"].items()}
    return KINDS[kind](**params)


#: The gate's name for :func:`from_spec` (its reproduction scripts call ``build(spec)``).
build = from_spec


def classifier_family(families: str | None, n: int, classes: int, seed: int = 0) -> list[Classifier]:
    """The built-in classifiers for ``--classifiers`` (comma-separated family names)."""
    text = DEFAULT_FAMILIES if families is None else families
    names = [part.strip() for part in text.split(",") if part.strip()]
    for name in names:
        if name not in FAMILIES:
            raise InvalidArgument("--classifiers", text, f"comma-separated families from {', '.join(FAMILIES)}")
    classes = as_int(classes, "--classes", low=2, high=16)
    out: list[Classifier] = []
    if "tables" in names:
        out += [HashTable(seed, classes), HashTable(seed + 1, classes, (1, 8)), HashTable(seed + 2, classes, (1, 64))]
    if "voting" in names:
        # small quorums matter: under noise with λ <= 1/2 only a few features are ever visible at once
        thresholds = sorted({t for t in (1, 2, 3, max(1, n // 4)) if t <= n})
        out += [Quorum(t, classes) for t in thresholds]
        rng = np.random.default_rng(seed)
        for r in range(2):
            weights = rng.integers(-2, 4, size=(n, classes))
            bias = rng.integers(-2, 3, size=classes)
            out.append(LinearVote(weights.tolist(), bias.tolist(), extra={"seed": seed, "draw": r}))
    if "mlp" in names:
        out += [TinyMLP(seed + t, classes, n) for t in range(2)]
    return out
