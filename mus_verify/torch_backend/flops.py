"""Model FLOPs counted from shapes, and the machine's measured matmul peak per dtype (issue 15, item 3).

A ViT forward on T tokens (class token included) of width D, depth L, MLP
ratio r costs, counting a multiply-add as 2 FLOPs and only matmuls (norms,
softmax and GELU are O(T·D) and left out, so the count is a lower bound):

* patch embedding: 2 · n · (C·p²) · D once per image (zero masking: per copy);
* per block: QKV 2·T·D·3D, attention scores and mixing 2 · 2·T²·D, projection
  2·T·D², MLP 2 · 2·T·D·rD, i.e. ``(8 + 4r)·T·D² + 4·T²·D``;
* head: 2·D·classes.

>>> from mus_verify.torch_backend.models import VIT_PRESETS
>>> round(vit_forward_flops(VIT_PRESETS["vit-b16"], 197) / 1e9, 1)
35.1

The peak is measured, not looked up: :func:`measure_matmul_peak` times a
square matmul (2048² by default) in each dtype on the device, in the same
benchmark run; the share of a row is the time its FLOPs would take at those
peaks divided by the time it took (a mixed bf16/float32 row adds the two).
"""

from __future__ import annotations

import time
from typing import Any, Iterable

import torch

__all__ = ["vit_forward_flops", "copies_flops", "measure_matmul_peak", "peak_share"]


def vit_forward_flops(config: Any, tokens: int, *, embed_patches: bool = True) -> int:
    """Matmul FLOPs of one ViT forward on ``tokens`` tokens (class token included)."""
    d, depth, r = config.dim, config.depth, config.mlp_ratio
    n = (config.image_size // config.patch_size) ** 2
    embed = 2 * n * config.channels * config.patch_size**2 * d if embed_patches else 0
    block = int((8 + 4 * r) * tokens * d * d) + 4 * tokens * tokens * d
    return embed + depth * block + 2 * d * config.classes


def copies_flops(config: Any, kept_counts: Iterable[int], masking: str) -> int:
    """FLOPs of evaluating copies with the given numbers of kept patches (zero masking: every copy has all tokens)."""
    n = (config.image_size // config.patch_size) ** 2
    if masking == "zero":
        return sum(vit_forward_flops(config, n + 1) for _ in kept_counts)
    return sum(vit_forward_flops(config, int(k) + 1, embed_patches=False) for k in kept_counts)


def measure_matmul_peak(device: Any, dtypes: Iterable[str] = ("float32", "bfloat16"), size: int = 2048, repeats: int = 3) -> dict[str, float]:
    """FLOP/s of a ``size``² matmul per dtype on ``device`` (best of ``repeats`` after one warm-up)."""
    device = torch.device(device)
    peaks: dict[str, float] = {}
    generator = torch.Generator().manual_seed(0)
    for name in dtypes:
        a = torch.randn(size, size, generator=generator).to(device=device, dtype=getattr(torch, name))
        b = torch.randn(size, size, generator=generator).to(device=device, dtype=getattr(torch, name))
        best = float("inf")
        for attempt in range(repeats + 1):
            _sync(device)
            started = time.perf_counter()
            torch.matmul(a, b)
            _sync(device)
            if attempt:
                best = min(best, time.perf_counter() - started)
        peaks[name] = 2 * size**3 / best
    return peaks


def peak_share(flops_by_dtype: dict[str, int], seconds: float, peaks: dict[str, float]) -> float | None:
    """Σ_dtype FLOPs / peak(dtype), divided by ``seconds``: the share of the machine's measured peak a run reached."""
    if seconds <= 0 or any(d not in peaks for d in flops_by_dtype):
        return None
    return sum(f / peaks[d] for d, f in flops_by_dtype.items()) / seconds


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
