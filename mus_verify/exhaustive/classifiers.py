"""Concrete base classifiers with exact integer outputs, rebuilt from JSON specs for replay.

Every classifier here is a batched function of the masked input (B, n) ->
(B, m) whose rows are integer *numerators* over one power-of-two
``denominator``, so the engine sums them exactly in int64 and ``__call__``
returns floats that :func:`mus_verify.smoothing.smooth` converts back to the
same rationals (k / 2^p is exact in float64). Each is a deterministic
function of its input row alone, whatever the batch: only correctly rounded
IEEE operations (+, ×, ÷, max) in a fixed order, no transcendental functions,
no BLAS, so the engine's batch of 65536 and the replay's batch of 64 agree
bit for bit.

Families (``--classifiers``, comma separated):

* ``tables``: pseudo-random truth tables, a hash of the masked input's bytes
  picks a probability row (dense, 1/8-sparse and 1/64-sparse: sparse tables
  answer class 0 except on a few inputs, which gives the large gaps that make
  stability certificates non-trivial);
* ``voting``: every visible feature casts integer votes (class = argmax of
  bias + Σ visible_i · w_i); includes the quorum classifiers "class 1 iff at
  least t features are visible", the extremal cases for the radius;
* ``mlp``: tiny ReLU networks on the masked values with a rational normaliser,
  outputs quantised to multiples of 1/4096 (largest remainder, rows sum to 1).

>>> h = Quorum(threshold=1, classes=2)
>>> h.numerators(np.array([[0.0, 0.0], [0.0, 3.0]])).tolist()
[[1, 0], [0, 1]]
>>> from_spec(h.spec).spec == h.spec
True
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol, Sequence, runtime_checkable

import numpy as np

from .._validation import as_int
from ..errors import InvalidArgument

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
]

FAMILIES = ("tables", "voting", "mlp")
DEFAULT_FAMILIES = "tables,voting,mlp"


@runtime_checkable
class ExactClassifier(Protocol):
    """What the engine needs: integer numerators over ``denominator``, and a JSON ``spec`` for replay."""

    classes: int
    denominator: int
    spec: Mapping[str, Any]

    def numerators(self, inputs: np.ndarray) -> np.ndarray: ...

    def __call__(self, inputs: np.ndarray) -> np.ndarray: ...


class _Base:
    classes: int
    denominator: int
    spec: Mapping[str, Any]

    def numerators(self, inputs: np.ndarray) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def __call__(self, inputs: np.ndarray) -> np.ndarray:
        """Class probabilities as float64, exactly numerators / denominator."""
        return self.numerators(np.asarray(inputs, dtype=np.float64)).astype(np.float64) / self.denominator

    @property
    def name(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.spec.items() if not isinstance(v, (list, tuple)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name})"


def one_hot_argmax(scores: np.ndarray) -> np.ndarray:
    """One-hot rows of the argmax, ties to the lowest index (the reference's vote rule)."""
    winner = np.argmax(scores, axis=1)
    out = np.zeros(scores.shape, dtype=np.int64)
    out[np.arange(scores.shape[0]), winner] = 1
    return out


# --- hashing masked inputs -----------------------------------------------------------------------
# The three primitives below are the only ones of their kind: gate/classifiers.py builds its own seeded
# tables from them (its hash differs, so recorded gate counterexamples replay unchanged).

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def splitmix64(z: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser on a uint64 array (array arithmetic wraps silently; numpy scalars would warn)."""
    z = np.asarray(z, dtype=np.uint64)
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
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


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64 of z + golden ratio (the step of this module's tables)."""
    return splitmix64(z + _GOLDEN)


def _row_hash(inputs: np.ndarray, seed: int) -> np.ndarray:
    """A 64-bit hash of each row's float64 bytes (+0.0 and -0.0 hash alike)."""
    words = float64_words(inputs)
    start = (seed * int(_M2) + words.shape[1]) % (1 << 64)  # Python ints: no scalar overflow warning
    h = np.full(words.shape[0], start, dtype=np.uint64)
    for column in range(words.shape[1]):
        h = _mix(h ^ words[:, column])
    return h


class HashTable(_Base):
    """A pseudo-random truth table over masked inputs: hash(input) -> a random probability row.

    With ``density = a/b < 1`` only a hash-chosen fraction a/b of the inputs get a
    random row; the others answer class 0 with certainty.
    """

    def __init__(self, seed: int, classes: int, density: Sequence[int] = (1, 1), denominator: int = 256) -> None:
        self.seed = as_int(seed, "seed", low=0)
        self.classes = as_int(classes, "classes", low=1)
        a, b = (as_int(v, "density") for v in density)
        if not 0 <= a <= b or b < 1:
            raise InvalidArgument("density", density, "a fraction a/b with 0 <= a <= b")
        self.density = (a, b)
        self.denominator = as_int(denominator, "denominator", low=1)
        self.spec = {"family": "tables", "seed": self.seed, "classes": self.classes, "density": [a, b], "denominator": self.denominator}

    def numerators(self, inputs: np.ndarray) -> np.ndarray:
        h = _row_hash(inputs, self.seed)
        B, m, D = h.shape[0], self.classes, self.denominator
        cuts = [((_mix(h + np.uint64(c + 1)) >> np.uint64(16)) % np.uint64(D + 1)).astype(np.int64) for c in range(m - 1)]
        rows = stars_and_bars(np.stack(cuts, axis=1) if cuts else np.zeros((B, 0), np.int64), D)
        a, b = self.density
        if a < b:
            dense = ((_mix(h ^ _M1) >> np.uint64(8)) % np.uint64(b)).astype(np.int64) < a
            certain = np.zeros((B, m), dtype=np.int64)
            certain[:, 0] = D
            rows = np.where(dense[:, None], rows, certain)
        return rows


class LinearVote(_Base):
    """Each visible feature (x_i ≠ 0) adds integer votes; the class with most votes wins (ties: lowest index)."""

    def __init__(self, weights: Sequence[Sequence[int]], bias: Sequence[int], family: str = "voting", extra: Mapping[str, Any] | None = None) -> None:
        self.weights = np.asarray(weights, dtype=np.int64)
        self.bias = np.asarray(bias, dtype=np.int64)
        if self.weights.ndim != 2 or self.bias.shape != (self.weights.shape[1],):
            raise InvalidArgument("weights", self.weights.shape, "an (n, m) integer matrix and a bias of length m")
        self.classes = int(self.weights.shape[1])
        self.denominator = 1
        self.spec = {"family": family, **(extra or {}), "weights": self.weights.tolist(), "bias": self.bias.tolist()}

    def numerators(self, inputs: np.ndarray) -> np.ndarray:
        visible = (np.asarray(inputs) != 0).astype(np.int64)
        if visible.shape[1] != self.weights.shape[0]:
            raise InvalidArgument("inputs", f"array of shape {visible.shape}", f"inputs with {self.weights.shape[0]} features")
        return one_hot_argmax(self.bias[None, :] + visible @ self.weights)


class Quorum(_Base):
    """Class 1 iff at least ``threshold`` features are visible, else class 0 (never a tie)."""

    def __init__(self, threshold: int, classes: int = 2) -> None:
        self.threshold = as_int(threshold, "threshold", low=0)
        self.classes = as_int(classes, "classes", low=2)
        self.denominator = 1
        self.spec = {"family": "quorum", "threshold": self.threshold, "classes": self.classes}

    def numerators(self, inputs: np.ndarray) -> np.ndarray:
        count = (np.asarray(inputs) != 0).sum(axis=1)
        out = np.zeros((count.shape[0], self.classes), dtype=np.int64)
        out[np.arange(count.shape[0]), (count >= self.threshold).astype(np.int64)] = 1
        return out


class TinyMLP(_Base):
    """n -> hidden (ReLU) -> m, normalised by p_c ∝ 1 / (1 + max z - z_c)^2, quantised to 1/denominator.

    The normaliser stands in for softmax: it is monotone like softmax but uses
    only correctly rounded operations, so the output of a row never depends on
    the batch it is computed in.
    """

    def __init__(self, seed: int, classes: int, features: int, hidden: int = 6, denominator: int = 4096) -> None:
        self.seed = as_int(seed, "seed", low=0)
        self.classes = as_int(classes, "classes", low=1)
        self.features = as_int(features, "features", low=1)
        self.hidden = as_int(hidden, "hidden", low=1)
        self.denominator = as_int(denominator, "denominator", low=1)
        rng = np.random.default_rng(self.seed)
        scale = 1.0 / self.features
        self.w1 = rng.normal(size=(self.features, self.hidden)) * scale
        self.b1 = rng.normal(size=self.hidden) * 0.5
        self.w2 = rng.normal(size=(self.hidden, self.classes)) * 2.0
        self.b2 = rng.normal(size=self.classes)
        self.spec = {"family": "mlp", "seed": self.seed, "classes": self.classes, "features": self.features, "hidden": self.hidden, "denominator": self.denominator}

    def numerators(self, inputs: np.ndarray) -> np.ndarray:
        inputs = np.asarray(inputs, dtype=np.float64)
        if inputs.shape[1] != self.features:
            raise InvalidArgument("inputs", f"array of shape {inputs.shape}", f"inputs with {self.features} features")
        acc = np.broadcast_to(self.b1, (inputs.shape[0], self.hidden)).copy()
        for i in range(self.features):  # fixed summation order, elementwise IEEE ops only
            acc = acc + inputs[:, i : i + 1] * self.w1[i][None, :]
        hidden = np.maximum(acc, 0.0)
        logits = np.broadcast_to(self.b2, (inputs.shape[0], self.classes)).copy()
        for k in range(self.hidden):
            logits = logits + hidden[:, k : k + 1] * self.w2[k][None, :]
        weight = 1.0 / (1.0 + (logits.max(axis=1, keepdims=True) - logits)) ** 2
        total = weight[:, 0].copy()
        for c in range(1, self.classes):
            total = total + weight[:, c]
        return _largest_remainder(weight / total[:, None], self.denominator)


def _largest_remainder(p: np.ndarray, denominator: int) -> np.ndarray:
    """Integer rows summing to ``denominator`` closest to p · denominator (largest-remainder rounding)."""
    scaled = p * denominator
    base = np.floor(scaled).astype(np.int64)
    missing = denominator - base.sum(axis=1)
    order = np.argsort(-(scaled - base), axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(p.shape[1])[None, :].repeat(p.shape[0], axis=0), axis=1)
    return base + (rank < missing[:, None]).astype(np.int64)


class Indicator(_Base):
    """Class 1 iff the masked input is one of ``rows`` (exact float equality), else class 0.

    The witness classifier of the all-classifier checks: with ``rows`` the masked
    inputs where one law puts more mass than the other, |g(x,α) − g(x,α')| on
    class 1 equals their total-variation distance, the largest any classifier
    with values in [0, 1] can reach.
    """

    def __init__(self, rows: Sequence[Sequence[float]], classes: int = 2) -> None:
        array = np.asarray(rows, dtype=np.float64) + 0.0
        if array.ndim != 2:
            raise InvalidArgument("rows", rows, "a list of masked inputs (rows of equal length)")
        self.rows = array
        self.classes = as_int(classes, "classes", low=2)
        self.denominator = 1
        self._hashes = set(_row_hash(array, 0).tolist()) if array.shape[0] else set()
        self._members = {r.tobytes() for r in array}
        self.spec = {"family": "indicator", "classes": self.classes, "rows": array.tolist()}

    def numerators(self, inputs: np.ndarray) -> np.ndarray:
        inputs = np.asarray(inputs, dtype=np.float64) + 0.0
        hits = np.zeros(inputs.shape[0], dtype=bool)
        if self._hashes:
            maybe = np.flatnonzero(np.isin(_row_hash(inputs, 0), np.fromiter(self._hashes, dtype=np.uint64)))
            for r in maybe:  # confirm exact equality (hash collisions)
                hits[r] = inputs[r].tobytes() in self._members
        out = np.zeros((inputs.shape[0], self.classes), dtype=np.int64)
        out[np.arange(inputs.shape[0]), hits.astype(np.int64)] = 1
        return out

    @property
    def name(self) -> str:
        return f"family=indicator, {self.rows.shape[0]} input(s)"


def from_spec(spec: Mapping[str, Any]) -> ExactClassifier:
    """Rebuild a classifier from its ``spec`` (the replay path)."""
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
    raise InvalidArgument("spec", dict(spec), "a classifier spec with family tables, voting, quorum, mlp or indicator")


def classifier_family(families: str | None, n: int, classes: int, seed: int = 0) -> list[ExactClassifier]:
    """The built-in classifiers for ``--classifiers`` (comma-separated family names)."""
    text = DEFAULT_FAMILIES if families is None else families
    names = [part.strip() for part in text.split(",") if part.strip()]
    for name in names:
        if name not in FAMILIES:
            raise InvalidArgument("--classifiers", text, f"comma-separated families from {', '.join(FAMILIES)}")
    classes = as_int(classes, "--classes", low=2, high=16)
    out: list[ExactClassifier] = []
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
