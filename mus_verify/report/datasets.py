"""Datasets shipped inside scikit-learn (no download), split and scaled reproducibly.

Each dataset has n feature *groups* (mask bits) over its d input coordinates:
wine (13 features) and breast cancer (30) use one group per feature; digits
(8x8 images) uses 2x2 pixel patches, 16 groups of 4 pixels (paper App. B.3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidArgument

__all__ = ["Dataset", "DATASETS", "load"]

DATASETS = ("wine", "breast_cancer", "digits")


@dataclass(frozen=True)
class Dataset:
    """Train/test arrays (float64), the group map coordinate -> mask bit, and names."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    groups: np.ndarray
    group_names: tuple[str, ...]
    n_classes: int
    image_shape: tuple[int, int] | None = None

    @property
    def n_groups(self) -> int:
        return len(self.group_names)


def load(name: str, seed: int = 0, test_fraction: float = 0.3) -> Dataset:
    """Load ``name`` (one of ``DATASETS``) with a stratified split drawn from ``seed``.

    Tabular features are standardised with the training set's mean and standard
    deviation; digit pixels are scaled to [0, 1] so a hidden patch (0) looks like
    background.
    """
    from .._optional import require

    require("sklearn", purpose="the report")
    from sklearn import datasets as sk
    from sklearn.model_selection import train_test_split

    if name not in DATASETS:
        raise InvalidArgument("--dataset", name, f"one of {', '.join(DATASETS)}")
    if not 0 < test_fraction < 1:
        raise InvalidArgument("test_fraction", test_fraction, "a fraction in (0, 1)")
    bunch = {"wine": sk.load_wine, "breast_cancer": sk.load_breast_cancer, "digits": sk.load_digits}[name]()
    x = np.asarray(bunch.data, dtype=np.float64)
    y = np.asarray(bunch.target, dtype=np.int64)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=test_fraction, random_state=seed, stratify=y)
    if name == "digits":
        x_train, x_test = x_train / 16.0, x_test / 16.0
        rows, cols = np.divmod(np.arange(64), 8)
        groups = (rows // 2) * 4 + cols // 2
        group_names = tuple(f"patch r{r}c{c}" for r in range(4) for c in range(4))
        image_shape: tuple[int, int] | None = (8, 8)
    else:
        mean, std = x_train.mean(axis=0), x_train.std(axis=0)
        std[std == 0] = 1.0
        x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
        groups = np.arange(x.shape[1])
        group_names = tuple(str(f) for f in bunch.feature_names)
        image_shape = None
    return Dataset(name, x_train, y_train, x_test, y_test, groups, group_names, int(y.max()) + 1, image_shape)
