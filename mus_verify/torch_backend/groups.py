"""Feature groups: which input coordinates one mask bit hides (paper App. B.3).

A group map assigns every coordinate of one example (shape ``input_shape``)
to one of n groups; mask bit i keeps or hides all coordinates of group i
together. Three kinds cover the common cases:

* :class:`PatchGrid` — an image's patches of any size (the last row/column of
  patches may be narrower when the patch size does not divide the image);
* :class:`GroupMap` — any integer id map, e.g. superpixels; it may cover only
  the trailing dimensions (an (H, W) map shared by all channels);
* :class:`TokenGroups` — one group per token of a (T, D) embedding matrix.

Hiding writes the group's *fill*: zeros by default (the paper's x ⊙ α), or a
replacement tensor (e.g. a [MASK] token embedding). With a replacement, x ⊙ α
means "hidden coordinates take the replacement value"; masking equivalence
still holds because the fill does not depend on the mask.

:meth:`FeatureGroups.coordinate_ids` gives the flat id map that the exact
reference :func:`mus_verify.smoothing.smooth` takes as ``groups=``.

>>> grid = PatchGrid((4, 6), 2, channels=1)
>>> grid.n, grid.grid
(6, (2, 3))
>>> grid.coordinate_ids().reshape(4, 6)[:, :4].tolist()
[[0, 0, 1, 1], [0, 0, 1, 1], [3, 3, 4, 4], [3, 3, 4, 4]]
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import torch

from .._validation import as_int, check_finite_array
from ..errors import InvalidArgument
from ..smoothing import check_groups

__all__ = ["FeatureGroups", "GroupMap", "PatchGrid", "TokenGroups"]


class FeatureGroups:
    """n groups over examples of shape ``input_shape``; ``ids`` broadcasts to ``input_shape``."""

    def __init__(self, ids: np.ndarray, input_shape: Sequence[int], n: int | None = None, fill: Any = None) -> None:
        ids = np.asarray(ids)
        if ids.dtype.kind not in "iu":
            raise InvalidArgument("ids", f"array of dtype {ids.dtype}", "integer group ids")
        self.input_shape = tuple(as_int(s, "input_shape", low=1) for s in input_shape)
        try:
            full = np.broadcast_to(ids, self.input_shape)
        except ValueError:
            raise InvalidArgument("ids", f"array of shape {ids.shape}", f"an id map broadcastable to the input shape {self.input_shape}") from None
        self.n = int(ids.max()) + 1 if n is None else as_int(n, "n", low=1)
        flat = np.ascontiguousarray(full).reshape(-1).astype(np.int64)
        ids_array: Any = flat  # check_groups reads any 1-d integer array (typed Sequence[int])
        check_groups(ids_array, flat.shape[0], self.n)  # every group 0..n-1 non-empty, ids in range
        self._flat = flat
        # Drop leading broadcast dimensions of size 1 so expand() builds the smallest mask.
        self._ids = torch.as_tensor(np.ascontiguousarray(ids).astype(np.int64))
        self._fill: torch.Tensor | None = None
        if fill is not None:
            array = check_finite_array(fill.detach().cpu().numpy() if isinstance(fill, torch.Tensor) else fill, "fill")
            try:
                np.broadcast_to(array, self.input_shape)
            except ValueError:
                raise InvalidArgument("fill", f"array of shape {array.shape}", f"a replacement broadcastable to the input shape {self.input_shape}") from None
            self._fill = torch.as_tensor(array)
        self._cache: dict[Any, torch.Tensor] = {}

    @property
    def fill(self) -> torch.Tensor | None:
        """The replacement written into hidden coordinates (None: zeros)."""
        return self._fill

    def coordinate_ids(self) -> np.ndarray:
        """Flat (d,) group id of every input coordinate (C order), for the exact reference."""
        return self._flat.copy()

    def coordinate_masks(self, masks: torch.Tensor) -> torch.Tensor:
        """Lift (B, n) bool group masks to bool masks broadcastable to (B, *input_shape)."""
        key = masks.device
        ids = self._cache.get(key)
        if ids is None:
            ids = self._cache[key] = self._ids.to(masks.device)
        lifted = masks[:, ids.reshape(-1)].reshape((masks.shape[0],) + tuple(ids.shape))
        missing = len(self.input_shape) - ids.dim()
        return lifted.reshape((masks.shape[0],) + (1,) * missing + tuple(ids.shape))

    def apply(self, x: torch.Tensor, masks: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        """x ⊙ mask for every mask row: hidden coordinates get the fill (exactly +0 by default).

        ``x`` is (E, *input_shape); ``rows`` (B,) picks the example of each mask
        (default: example 0 for every mask). ``torch.where`` rather than a
        product, so a negative coordinate never becomes -0.0 and the result is
        bit-identical to :func:`mus_verify.smoothing.masked_inputs`.
        """
        source = x[rows] if rows is not None else x[:1].expand((masks.shape[0],) + tuple(x.shape[1:]))
        keep = self.coordinate_masks(masks)
        if self._fill is None:
            fill = torch.zeros((), dtype=x.dtype, device=x.device)
        else:
            fill = self._fill.to(device=x.device, dtype=x.dtype)
        return torch.where(keep, source, fill)

    def describe(self) -> dict[str, Any]:
        return {"kind": type(self).__name__, "n": self.n, "input_shape": list(self.input_shape), "fill": "zeros" if self._fill is None else "replacement"}


class GroupMap(FeatureGroups):
    """Arbitrary integer group ids (superpixels, hand-made regions): ``ids`` broadcasts to ``input_shape``.

    ``input_shape`` defaults to ``ids.shape``. Every id in 0..n-1 must own at least one coordinate.
    """

    def __init__(self, ids: Any, input_shape: Sequence[int] | None = None, *, n: int | None = None, fill: Any = None) -> None:
        array = ids.detach().cpu().numpy() if isinstance(ids, torch.Tensor) else np.asarray(ids)
        super().__init__(array, array.shape if input_shape is None else input_shape, n, fill)


class PatchGrid(FeatureGroups):
    """Square or rectangular patches of a (C, H, W) image; n = ⌈H/ph⌉·⌈W/pw⌉, row-major.

    ``patch_size`` is an int or (ph, pw); patches need not divide the image
    (the last ones are then narrower). One (H, W) map is shared by all channels.
    """

    def __init__(self, image_size: int | Sequence[int], patch_size: int | Sequence[int], *, channels: int = 3, fill: Any = None) -> None:
        height, width = _pair(image_size, "image_size")
        ph, pw = _pair(patch_size, "patch_size")
        self.patch_size = (ph, pw)
        self.grid = (math.ceil(height / ph), math.ceil(width / pw))
        rows = np.arange(height)[:, None] // ph
        cols = np.arange(width)[None, :] // pw
        ids = rows * self.grid[1] + cols
        channels = as_int(channels, "channels", low=1)
        super().__init__(ids, (channels, height, width), self.grid[0] * self.grid[1], fill)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "patch_size": list(self.patch_size), "grid": list(self.grid)}


class TokenGroups(FeatureGroups):
    """One group per token of a (T, D) embedding matrix: hiding zeroes the token's embedding or replaces it.

    ``replacement`` is a (D,) vector (e.g. the [MASK] or [PAD] token's
    embedding) written into every hidden token; None zeroes it.
    """

    def __init__(self, num_tokens: int, embed_dim: int, *, replacement: Any = None) -> None:
        num_tokens = as_int(num_tokens, "num_tokens", low=1)
        embed_dim = as_int(embed_dim, "embed_dim", low=1)
        fill = None
        if replacement is not None:
            fill = replacement.detach().cpu().reshape(1, -1) if isinstance(replacement, torch.Tensor) else np.asarray(replacement).reshape(1, -1)
            if fill.shape[1] != embed_dim:
                raise InvalidArgument("replacement", f"vector of length {fill.shape[1]}", f"one embedding of length embed_dim = {embed_dim}")
        super().__init__(np.arange(num_tokens)[:, None], (num_tokens, embed_dim), num_tokens, fill)


def _pair(value: int | Sequence[int], argument: str) -> tuple[int, int]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        size = as_int(value, argument, low=1)
        return size, size
    if not hasattr(value, "__len__") or len(value) != 2:
        raise InvalidArgument(argument, value, "an int or a pair (height, width) of positive ints")
    a, b = value  # type: ignore[misc]
    return as_int(a, f"{argument}[0]", low=1), as_int(b, f"{argument}[1]", low=1)
