"""Base classifiers the gate hands to an implementation under test.

Every classifier here is a pure, row-wise function of its input rows, so a
batch can be split or reordered without changing any row's output, and each
one can be rebuilt from a small JSON ``spec`` (:func:`build`), which is what
the copy-paste reproductions print.

Exact classifiers return class probabilities that are multiples of
``1/resolution`` with a power-of-two resolution, so they are exact in every
float dtype the gate accepts and the exact reference can sum them in
integers (:meth:`GateClassifier.counts`).

* :class:`HashTable` — a random truth table over the *exact input values*:
  an input shown at 0.99998·x_i instead of x_i (the clamped float-ramp mask)
  lands on an unrelated table entry, so value errors surface in the outputs.
* :class:`PatternTable` — a random truth table over the visibility pattern
  (which features are non-zero): the function class of the paper's Thm 3.1.
* :class:`TruthTable` — an explicit table over visibility patterns (what the
  public Hypothesis strategy draws, so it shrinks).
* :class:`PatternProbe` — one class per visibility pattern (one-hot), so the
  smoothed output *is* the noise distribution the implementation applied.
* :class:`FeatureProbe` — class i gets 1/R when feature i is visible: reveals
  every keep rate at once for n too large for a pattern probe.
* :class:`PatternVotes` — explicit votes (one-hot) per pattern, plus "any of
  these features visible" rules: the tight, tie-making classifiers of the
  certificate attacks.
* :class:`MLP` — a small tanh network with a softmax head, float64 weights
  from a seed: a realistic, value-sensitive classifier with non-dyadic outputs.

Every classifier is callable on numpy rows (the form :func:`mus_verify.smooth`
takes) and on torch tensors of shape (..., n) (answering in the same dtype and
device), so ``build(spec)`` is directly a base classifier for an
implementation. :class:`mus_verify.gate.instrument.Instrumented` adds the
recording the gate needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from ..errors import InvalidArgument
from ..exhaustive.bits import codes_from_masks
from ..exhaustive.classifiers import float64_words, splitmix64, stars_and_bars

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
]

MAX_PATTERN_FEATURES = 12
"""Pattern probes have 2^n classes; beyond n = 12 the gate uses :class:`FeatureProbe`."""

def _seed_word(seed: int, salt: int) -> np.uint64:
    """seed·golden + salt mod 2^64, computed in Python ints (numpy scalars warn on wrap-around)."""
    return np.uint64((int(seed) * 0x9E3779B97F4A7C15 + salt) & 0xFFFFFFFFFFFFFFFF)


def pattern_index(rows: np.ndarray) -> np.ndarray:
    """Visibility pattern of each row as an integer: bit i set iff feature i is non-zero."""
    return codes_from_masks(np.asarray(rows) != 0)


def _counts_from_hash(keys: np.ndarray, m: int, resolution: int) -> np.ndarray:
    """A pseudo-random composition of ``resolution`` into m non-negative parts, one per key (stars and bars)."""
    if m == 1:
        return np.full((keys.shape[0], 1), resolution, dtype=np.int64)
    draws = [splitmix64(keys + np.full(keys.shape, _seed_word(c + 1, 0), dtype=np.uint64)) for c in range(m - 1)]
    return stars_and_bars(np.stack([(d % np.uint64(resolution + 1)).astype(np.int64) for d in draws], axis=1), resolution)


def _check_resolution(resolution: int) -> int:
    if resolution < 1 or resolution & (resolution - 1):
        raise InvalidArgument("resolution", resolution, "a power of two >= 1 (keeps outputs exact in every float dtype)")
    return resolution


class GateClassifier:
    """A pure, row-wise classifier: (N, n) rows -> (N, m) class probabilities.

    Exact classifiers have a power-of-two ``resolution`` R and implement
    :meth:`counts` (integers summing to R per row); float ones have
    ``resolution = None``.
    """

    # Instance attributes (declared by each subclass): m, n (None when any n is fine), resolution.
    m: int
    n: int | None
    resolution: int | None

    def counts(self, rows: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} has float outputs")

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        assert self.resolution is not None
        return self.counts(rows).astype(np.float64) / self.resolution

    def spec(self) -> dict[str, Any]:
        raise NotImplementedError

    def __call__(self, rows: Any) -> Any:
        """Batched classifier: numpy in, numpy out (the form :func:`mus_verify.smoothing.smooth` takes);
        a torch tensor of shape (..., n) in, a tensor of shape (..., m) out (same dtype and device)."""
        return _answer(self, rows)[0]

    def __repr__(self) -> str:
        return f"build({self.spec()!r})"


@dataclass(repr=False)
class HashTable(GateClassifier):
    """Random truth table keyed by the exact float64 value of every input coordinate (-0.0 counts as 0)."""

    m: int
    resolution: int = 16
    seed: int = 0
    n = None  # any number of features

    def __post_init__(self) -> None:
        _check_resolution(self.resolution)

    def counts(self, rows: np.ndarray) -> np.ndarray:
        bits = float64_words(rows)
        acc = np.full(bits.shape[0], _seed_word(self.seed, 0x1234567), dtype=np.uint64)
        for i in range(bits.shape[1]):
            acc = splitmix64(acc ^ bits[:, i]) + np.full(acc.shape, _seed_word(i + 1, 0), dtype=np.uint64)
        return _counts_from_hash(acc, self.m, self.resolution)

    def spec(self) -> dict[str, Any]:
        return {"kind": "hash-table", "m": self.m, "resolution": self.resolution, "seed": self.seed}


@dataclass(repr=False)
class PatternTable(GateClassifier):
    """Random truth table over visibility patterns: h(z) depends only on which z_i are non-zero."""

    n: int
    m: int
    resolution: int = 16
    seed: int = 0
    vote: bool = False

    def __post_init__(self) -> None:
        _check_resolution(self.resolution)

    def counts(self, rows: np.ndarray) -> np.ndarray:
        keys = pattern_index(rows).astype(np.uint64) * np.full(rows.shape[0], 2654435761, dtype=np.uint64)
        keys = keys + np.full(rows.shape[0], _seed_word(self.seed, 0), dtype=np.uint64)
        counts = _counts_from_hash(splitmix64(keys), self.m, self.resolution)
        if self.vote:  # one-hot of the argmax, lowest index on ties: a voting classifier
            winners = counts.argmax(axis=1)
            counts = np.zeros_like(counts)
            counts[np.arange(counts.shape[0]), winners] = self.resolution
        return counts

    def spec(self) -> dict[str, Any]:
        return {"kind": "pattern-table", "n": self.n, "m": self.m, "resolution": self.resolution, "seed": self.seed, "vote": self.vote}


@dataclass(repr=False)
class TruthTable(GateClassifier):
    """An explicit truth table: ``table[p]`` holds the m integer counts (summing to ``resolution``) for pattern p."""

    n: int
    m: int
    table: tuple[tuple[int, ...], ...]
    resolution: int = 16

    def __post_init__(self) -> None:
        _check_resolution(self.resolution)
        array = np.asarray(self.table, dtype=np.int64)
        if array.shape != (2**self.n, self.m) or array.min(initial=0) < 0 or np.any(array.sum(axis=1) != self.resolution):
            raise InvalidArgument("table", f"array of shape {array.shape}", f"2^n = {2**self.n} rows of m = {self.m} non-negative counts summing to {self.resolution}")
        self._array = array
        self.table = tuple(tuple(int(v) for v in row) for row in array)

    def counts(self, rows: np.ndarray) -> np.ndarray:
        return self._array[pattern_index(rows)]

    def spec(self) -> dict[str, Any]:
        return {"kind": "truth-table", "n": self.n, "m": self.m, "table": [list(row) for row in self.table], "resolution": self.resolution}


@dataclass(repr=False)
class PatternProbe(GateClassifier):
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

    def spec(self) -> dict[str, Any]:
        return {"kind": "pattern-probe", "n": self.n}


@dataclass(repr=False)
class FeatureProbe(GateClassifier):
    """Class i < n gets 1/R when feature i is visible, class n the rest: g_i(x, 1)·R is feature i's keep rate."""

    n: int

    def __post_init__(self) -> None:
        self.m = self.n + 1
        self.resolution = 1 << max(0, math.ceil(math.log2(self.n)))

    def counts(self, rows: np.ndarray) -> np.ndarray:
        visible = (np.asarray(rows) != 0).astype(np.int64)
        return np.concatenate([visible, self.resolution - visible.sum(axis=1, keepdims=True)], axis=1)

    def spec(self) -> dict[str, Any]:
        return {"kind": "feature-probe", "n": self.n}


@dataclass(repr=False)
class PatternVotes(GateClassifier):
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

    def spec(self) -> dict[str, Any]:
        return {
            "kind": "pattern-votes",
            "n": self.n,
            "m": self.m,
            "votes": {str(p): c for p, c in sorted(self.votes.items())},
            "default": self.default,
            "any_mask": self.any_mask,
            "any_class": self.any_class,
        }


@dataclass(repr=False)
class MLP(GateClassifier):
    """n -> hidden (tanh) -> m softmax, float64 weights drawn from ``numpy.random.default_rng(seed)``."""

    n: int
    m: int
    hidden: int = 8
    seed: int = 0
    resolution = None  # float outputs

    def __post_init__(self) -> None:
        rng = np.random.default_rng(self.seed)
        self._w1 = rng.normal(0, 1.0, (self.n, self.hidden)) / 4.0
        self._b1 = rng.normal(0, 0.5, self.hidden)
        self._w2 = rng.normal(0, 1.5, (self.hidden, self.m))

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        logits = np.tanh(np.asarray(rows, dtype=np.float64) @ self._w1 + self._b1) @ self._w2
        logits -= logits.max(axis=1, keepdims=True)
        weights = np.exp(logits)
        return weights / weights.sum(axis=1, keepdims=True)

    def module(self) -> Any:
        """The same network as a float64 ``torch.nn.Module`` (imports torch)."""
        import torch

        first, second = torch.nn.Linear(self.n, self.hidden), torch.nn.Linear(self.hidden, self.m)
        net = torch.nn.Sequential(first, torch.nn.Tanh(), second, torch.nn.Softmax(dim=-1))
        with torch.no_grad():
            first.weight.copy_(torch.from_numpy(self._w1.T.copy()))
            first.bias.copy_(torch.from_numpy(self._b1.copy()))
            second.weight.copy_(torch.from_numpy(self._w2.T.copy()))
            second.bias.zero_()
        return net.double()

    def spec(self) -> dict[str, Any]:
        return {"kind": "mlp", "n": self.n, "m": self.m, "hidden": self.hidden, "seed": self.seed}


_KINDS: dict[str, Callable[..., GateClassifier]] = {
    "hash-table": HashTable,
    "pattern-table": PatternTable,
    "truth-table": TruthTable,
    "pattern-probe": PatternProbe,
    "feature-probe": FeatureProbe,
    "pattern-votes": PatternVotes,
    "mlp": MLP,
}


def build(spec: Mapping[str, Any]) -> GateClassifier:
    """Rebuild a classifier from its ``spec()``.

    >>> build({"kind": "pattern-votes", "n": 2, "m": 2, "any_mask": 3})([[0.0, 0.0], [0.0, 5.0]]).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    params = dict(spec)
    kind = params.pop("kind", None)
    if kind not in _KINDS:
        raise InvalidArgument("spec['kind']", kind, f"one of {sorted(_KINDS)}")
    if kind == "pattern-votes" and "votes" in params:
        params["votes"] = {int(p): int(c) for p, c in params["votes"].items()}
    return _KINDS[kind](**params)


def _answer(classifier: GateClassifier, z: Any, n: int | None = None) -> tuple[Any, np.ndarray, str, tuple[int, ...]]:
    """(output in z's type/dtype/device, the float64 rows, z's dtype name, z's shape)."""
    is_torch = hasattr(z, "detach") and hasattr(z, "cpu")
    if is_torch:
        dtype_name = str(z.dtype).replace("torch.", "")
        tensor = z.detach().cpu()
        if tensor.dtype.is_floating_point and dtype_name not in ("float64", "float32", "float16"):
            tensor = tensor.float()  # bfloat16 -> float32 is exact
        array = tensor.numpy()
    else:
        array = np.asarray(z)
        dtype_name = str(array.dtype)
    n = n if n is not None else (classifier.n if classifier.n is not None else array.shape[-1])
    if array.ndim < 1 or array.shape[-1] != n:
        raise ValueError(f"the gate's base classifier takes inputs of shape (B, {n}); got {tuple(array.shape)}")
    lead = array.shape[:-1]
    rows = np.array(array, dtype=np.float64).reshape(-1, n)
    out = classifier.probabilities(rows).reshape(*lead, classifier.m)
    if is_torch:
        import torch

        target = z.dtype if z.dtype.is_floating_point else torch.float64
        return torch.from_numpy(out).to(dtype=target, device=z.device), rows, dtype_name, tuple(array.shape)
    return out.astype(array.dtype if array.dtype.kind == "f" else np.float64), rows, dtype_name, tuple(array.shape)
