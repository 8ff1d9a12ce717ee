"""The one classifier protocol: integer counts over one denominator, a JSON spec, numpy and torch calls.

Every concrete classifier of :mod:`mus_verify.model.classifiers` is a pure, row-wise function of its
input rows, (B, n) -> (B, m), so a batch can be split or reordered without changing any row's output
(only correctly rounded IEEE operations in a fixed order, no BLAS in the exact ones), and each one is
rebuilt from its ``spec`` by :func:`~mus_verify.model.classifiers.specs.from_spec`.

Exact classifiers answer integer ``numerators`` (alias ``counts``) summing to ``denominator``
(alias ``resolution``) in every row, which the exact engines sum in integers; float classifiers have
``resolution = None`` and no ``denominator``. The two spellings of each name are the two former
libraries' (the exhaustive engine's and the gate's); both are kept so neither caller changes.

``spec`` is a :class:`ClassifierSpec`: a plain JSON dict (what counterexamples record) that can also be
called, ``classifier.spec()``, for a plain copy (the gate's spelling).
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol, runtime_checkable

import numpy as np

__all__ = ["ClassifierSpec", "ExactClassifier", "Classifier", "one_hot_argmax", "answer"]


class ClassifierSpec(dict[str, Any]):  # a plain dict to json.dumps
    """A classifier's JSON spec; ``spec()`` returns a plain ``dict`` copy."""

    def __call__(self) -> dict[str, Any]:
        return dict(self)


@runtime_checkable
class ExactClassifier(Protocol):
    """What the exact engines need: integer numerators over ``denominator``, and a JSON ``spec`` for replay."""

    @property
    def classes(self) -> int: ...

    @property
    def denominator(self) -> int: ...

    @property
    def spec(self) -> Mapping[str, Any]: ...

    def numerators(self, inputs: np.ndarray) -> np.ndarray: ...

    def __call__(self, inputs: np.ndarray) -> np.ndarray: ...


class Classifier:
    """Base of every concrete classifier: ``m`` classes, ``n`` features (None: any), ``resolution`` (None: float)."""

    m: int
    n: int | None
    resolution: int | None

    @property
    def classes(self) -> int:
        return self.m

    @property
    def denominator(self) -> int:
        if self.resolution is None:  # AttributeError: isinstance(h, ExactClassifier) is False for float outputs
            raise AttributeError(f"{type(self).__name__} has float outputs: no denominator")
        return self.resolution

    @property
    def spec(self) -> ClassifierSpec:
        return ClassifierSpec(self.spec_fields())

    def spec_fields(self) -> dict[str, Any]:
        raise NotImplementedError

    def counts(self, rows: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} has float outputs")

    def numerators(self, inputs: np.ndarray) -> np.ndarray:
        return self.counts(inputs)

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """Class probabilities as float64, exactly counts / resolution for an exact classifier."""
        assert self.resolution is not None
        return self.counts(np.asarray(rows, dtype=np.float64)).astype(np.float64) / self.resolution

    def __call__(self, inputs: Any) -> Any:
        """Batched classifier: numpy in, numpy out (float64, or the input's float dtype), the form
        :func:`mus_verify.smoothing.smooth` takes; a torch tensor of shape (..., n) in, a tensor of shape
        (..., m) out (same dtype and device)."""
        return answer(self, inputs)[0]

    @property
    def name(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.spec.items() if not isinstance(v, (list, tuple, dict)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name})"


def one_hot_argmax(scores: np.ndarray) -> np.ndarray:
    """One-hot rows of the argmax, ties to the lowest index (the reference's vote rule)."""
    winner = np.argmax(scores, axis=1)
    out = np.zeros(scores.shape, dtype=np.int64)
    out[np.arange(scores.shape[0]), winner] = 1
    return out


def answer(classifier: Classifier, z: Any, n: int | None = None) -> tuple[Any, np.ndarray, str, tuple[int, ...]]:
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
