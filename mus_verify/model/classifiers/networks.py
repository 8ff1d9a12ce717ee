"""Small networks: an exact ReLU net with quantised outputs, and a float tanh/softmax net.

* :class:`TinyMLP` (``family: mlp``) — n -> hidden (ReLU) -> m on the masked values with a rational
  normaliser, outputs quantised to multiples of 1/4096 (largest remainder, rows sum to 1): exact;
* :class:`MLP` (``kind: mlp``) — n -> hidden (tanh) -> m softmax, float64 weights from a seed: a
  realistic, value-sensitive classifier with non-dyadic outputs (``resolution = None``), also
  available as a torch module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..._validation import as_int
from ...errors import InvalidArgument
from .base import Classifier
from .tables import _Kind

__all__ = ["TinyMLP", "MLP"]


class TinyMLP(Classifier):
    """n -> hidden (ReLU) -> m, normalised by p_c ∝ 1 / (1 + max z - z_c)^2, quantised to 1/denominator.

    The normaliser stands in for softmax: it is monotone like softmax but uses
    only correctly rounded operations, so the output of a row never depends on
    the batch it is computed in.
    """

    n = None  # checked against ``features`` in counts()

    def __init__(self, seed: int, classes: int, features: int, hidden: int = 6, denominator: int = 4096) -> None:
        self.seed = as_int(seed, "seed", low=0)
        self.m = as_int(classes, "classes", low=1)
        self.features = as_int(features, "features", low=1)
        self.hidden = as_int(hidden, "hidden", low=1)
        self.resolution = as_int(denominator, "denominator", low=1)
        rng = np.random.default_rng(self.seed)
        scale = 1.0 / self.features
        self.w1 = rng.normal(size=(self.features, self.hidden)) * scale
        self.b1 = rng.normal(size=self.hidden) * 0.5
        self.w2 = rng.normal(size=(self.hidden, self.m)) * 2.0
        self.b2 = rng.normal(size=self.m)

    def spec_fields(self) -> dict[str, Any]:
        return {"family": "mlp", "seed": self.seed, "classes": self.m, "features": self.features, "hidden": self.hidden, "denominator": self.resolution}

    def counts(self, rows: np.ndarray) -> np.ndarray:
        inputs = np.asarray(rows, dtype=np.float64)
        if inputs.shape[1] != self.features:
            raise InvalidArgument("inputs", f"array of shape {inputs.shape}", f"inputs with {self.features} features")
        acc = np.broadcast_to(self.b1, (inputs.shape[0], self.hidden)).copy()
        for i in range(self.features):  # fixed summation order, elementwise IEEE ops only
            acc = acc + inputs[:, i : i + 1] * self.w1[i][None, :]
        hidden = np.maximum(acc, 0.0)
        logits = np.broadcast_to(self.b2, (inputs.shape[0], self.m)).copy()
        for k in range(self.hidden):
            logits = logits + hidden[:, k : k + 1] * self.w2[k][None, :]
        weight = 1.0 / (1.0 + (logits.max(axis=1, keepdims=True) - logits)) ** 2
        total = weight[:, 0].copy()
        for c in range(1, self.m):
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


@dataclass(repr=False)
class MLP(_Kind):
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

    def spec_fields(self) -> dict[str, Any]:
        return {"kind": "mlp", "n": self.n, "m": self.m, "hidden": self.hidden, "seed": self.seed}
