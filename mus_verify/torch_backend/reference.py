"""The reference path: one float64 forward per mask, exact rational averaging by the exact core.

The fast path is checked against this (``mus-verify diff``). It keeps a float64
*copy* of the base model (the fast path never copies the model) and hands
:func:`mus_verify.smoothing.smooth` a base classifier that runs one float64
forward per distinct effective mask; the exact core does the masking, the
merging of equal masks and the rational averaging.

The exact core masks by zeroing coordinates, while token dropping and
replacement fills need to know *which* groups are hidden. Each example is
therefore augmented with one indicator coordinate per group, x' = (x, 1_n),
in its own group: after the exact core's masking the indicators spell the
effective mask, and the kept coordinates of x are untouched. This changes
nothing for zero masking (the model is applied to the core's masked x) and
makes the reference exact for the other two.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import torch

from .._validation import check_binary_vector
from ..distributions import lqv
from ..errors import EnvironmentProblem
from ..smoothing import masked_inputs, smooth
from .evaluators import TokenDropEvaluator, ZeroMaskEvaluator
from .smoother import Mode, MuS
from .vit import vit_parts

__all__ = ["ReferencePath", "ReferenceResult", "float64_copy"]


@dataclass(frozen=True)
class ReferenceResult:
    """Exact g(x, α) and the float64 base probabilities of every distinct effective mask (keyed by mask bytes)."""

    probabilities: tuple[Fraction, ...]
    per_mask: dict[bytes, np.ndarray]


class ReferencePath:
    """The float64 / exact-rational twin of a :class:`~.smoother.MuS` (same groups, q, λ, seed vector, keep, masking)."""

    def __init__(self, mus: MuS, model64: torch.nn.Module | None = None) -> None:
        """``model64``: an already made float64 copy of the base model (shared between reference paths)."""
        if not isinstance(mus, MuS):
            from ..errors import InvalidArgument

            raise InvalidArgument("mus", type(mus).__name__, "a MuS smoother (the reference path is its float64 twin)")
        self.mus = mus
        if model64 is None:
            module = mus.evaluator.parts.module if mus.masking == "drop" else mus.base
            if not isinstance(module, torch.nn.Module):
                raise EnvironmentProblem("the reference path needs the base model as a torch.nn.Module (to make its float64 copy)")
            model64 = float64_copy(module)
        self.model64 = model64
        output = mus.evaluator.output
        if mus.masking == "zero":
            self.evaluator: Any = ZeroMaskEvaluator(self.model64, mus.groups, output)
        else:
            try:
                parts = vit_parts(self.model64)
            except Exception as exc:
                raise EnvironmentProblem(f"the reference path cannot read the float64 copy's ViT parts: {exc}") from exc
            self.evaluator = TokenDropEvaluator(parts, mus.groups, output)
        self.distribution = lqv(mus.seed_vector, mus.q, mus.lam)
        self._cache: dict[tuple[Any, bytes], np.ndarray] = {}

    def smooth(self, x: torch.Tensor, alpha: Any = None, *, mode: Mode | None = None, example_key: int | None = None) -> ReferenceResult:
        """Exact g(x, α) for one example ``x`` (shape ``input_shape``)."""
        mus = self.mus
        n = mus.n
        alpha_mask = np.ones(n, dtype=bool) if alpha is None else check_binary_vector(_numpy(alpha), n, "alpha")
        x64 = x.detach().to(device="cpu", dtype=torch.float64).reshape(mus.groups.input_shape)
        flat = x64.reshape(-1).numpy()
        d = flat.shape[0]
        augmented = np.concatenate([flat, np.ones(n)])
        ids = np.concatenate([mus.groups.coordinate_ids(), np.arange(n)])
        # Cache key: the caller's label, else the example's bytes (never id(), which Python reuses).
        key = hashlib.sha256(flat.tobytes()).hexdigest() if example_key is None else example_key
        seen: dict[bytes, np.ndarray] = {}

        def h(inputs: np.ndarray) -> np.ndarray:
            rows = []
            for row in inputs:  # one float64 forward per mask
                mask = row[d:] != 0
                probs = self._forward(key, row[:d], mask)
                seen[mask.tobytes()] = probs
                rows.append(probs)
            return np.stack(rows)

        keep = None if mus.keep is None else mus.keep.numpy()
        ids_array: Any = ids  # the core reads any 1-d integer array (typed Sequence[int])
        probabilities = smooth(h, augmented, alpha_mask, self.distribution, mode=mode or mus.mode, groups=ids_array, keep=keep)
        return ReferenceResult(probabilities, seen)


    def copy_probabilities(self, x: torch.Tensor, mask: Any) -> np.ndarray:
        """The float64 base probabilities of one copy of ``x`` (effective mask ``mask``), as :meth:`smooth` computes them."""
        mus = self.mus
        flat = x.detach().to(device="cpu", dtype=torch.float64).reshape(-1).numpy()
        bits = check_binary_vector(_numpy(mask), mus.n, "mask")
        masked = masked_inputs(flat, np.asarray(mus.groups.coordinate_ids()), bits[None])[0]
        return self._forward(hashlib.sha256(flat.tobytes()).hexdigest(), masked, bits)

    def _forward(self, key: Any, masked: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """One float64 forward of the exact core's masked input (cached per example key and mask)."""
        tag = (key, mask.tobytes())
        if tag not in self._cache:
            example = torch.from_numpy(np.array(masked, dtype=np.float64)).reshape((1,) + self.mus.groups.input_shape)
            with torch.inference_mode():
                probs = self.evaluator(example, torch.zeros(1, dtype=torch.int64), torch.from_numpy(np.array(mask, dtype=bool))[None], 1, torch.float64)
            self._cache[tag] = probs[0].numpy().copy()
        return self._cache[tag]


def float64_copy(module: torch.nn.Module) -> torch.nn.Module:
    """A float64 CPU copy of ``module`` in eval mode (the fast path's model is never copied or changed)."""
    return copy.deepcopy(module).to(device="cpu", dtype=torch.float64).eval()


def _numpy(value: Any) -> Any:
    return value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else value
