"""Base models trained with random feature masking at λ, reproducibly.

As in the paper, each training input is seen through a fresh Bernoulli(λ)
group mask, so the base classifier learns to predict from the λ-sparse inputs
that the smoothed classifier will show it. Training runs inside
``torch.random.fork_rng`` with a fixed seed: reruns match and the caller's
global RNG state is restored afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from .datasets import Dataset

__all__ = ["TrainedModel", "train"]


@dataclass
class TrainedModel:
    """A trained torch model (float64, eval mode) and the batched numpy classifier h built on it."""

    module: Any
    lam: Fraction
    epochs: int

    def classifier(self) -> Callable[[np.ndarray], np.ndarray]:
        """h: (B, d) float64 inputs -> (B, m) float64 softmax probabilities, evaluated in chunks."""
        import torch

        module = self.module

        def h(inputs: np.ndarray) -> np.ndarray:
            out = []
            with torch.inference_mode():
                for start in range(0, len(inputs), 8192):
                    batch = torch.as_tensor(np.ascontiguousarray(inputs[start : start + 8192]), dtype=torch.float64)
                    out.append(torch.softmax(module(batch), dim=1).numpy())
            return np.concatenate(out) if out else np.zeros((0, 1))

        return h


def _build(dataset: Dataset) -> Any:
    import torch.nn as nn

    d, m = dataset.x_train.shape[1], dataset.n_classes
    if dataset.image_shape is not None:
        rows, cols = dataset.image_shape
        return nn.Sequential(
            nn.Unflatten(1, (1, rows, cols)),
            nn.Conv2d(1, 8, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(8, 16, 3, padding=1, stride=2),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(16 * (rows // 2) * (cols // 2), m),
        )
    return nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, m))


def train(dataset: Dataset, lam: Fraction, *, seed: int = 0, epochs: int | None = None) -> TrainedModel:
    """Train the dataset's base model with Bernoulli(λ) group masking on every training input."""
    import torch

    epochs = epochs if epochs is not None else (20 if dataset.image_shape is not None else 300)
    x = torch.as_tensor(dataset.x_train, dtype=torch.float32)
    y = torch.as_tensor(dataset.y_train)
    groups = torch.as_tensor(dataset.groups)
    batch_size = 128 if dataset.image_shape is not None else len(x)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        module = _build(dataset)
        optimiser = torch.optim.Adam(module.parameters(), lr=3e-3 if dataset.image_shape is None else 2e-3, weight_decay=1e-4)
        loss_fn = torch.nn.CrossEntropyLoss()
        module.train()
        for _ in range(epochs):
            order = torch.randperm(len(x))
            for start in range(0, len(x), batch_size):
                index = order[start : start + batch_size]
                keep = torch.rand(len(index), dataset.n_groups) < float(lam)
                inputs = x[index] * keep[:, groups]
                optimiser.zero_grad()
                loss_fn(module(inputs), y[index]).backward()
                optimiser.step()
    module.eval()
    return TrainedModel(module.double(), lam, epochs)
