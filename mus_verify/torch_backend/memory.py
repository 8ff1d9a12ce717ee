"""Chunk size from a memory cap, and peak-memory measurement.

On CUDA the per-copy cost is *measured*: a probe forward of one copy and of
two copies under ``torch.cuda.max_memory_allocated``, whose difference is the
marginal bytes per copy. CPU has no allocator statistics, so the cost is
*estimated* from a probe forward of one copy with hooks on every leaf module:
the largest single module output times 4 (its input, its output and two
temporaries alive at once) plus the masked input itself. The estimate is a
heuristic; pass ``chunk_size`` for a hard bound on copies per forward.

:func:`peak_rss_tracker` measures the process's peak resident memory on Linux
(``VmHWM`` after resetting it through ``/proc/self/clear_refs``), which the
benchmark uses on CPU.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any, Iterator

import torch
from torch import nn

__all__ = ["chunk_size_for_cap", "estimate_copy_bytes", "PeakMemory", "peak_memory"]


def estimate_copy_bytes(evaluator: Any, example: torch.Tensor, n: int) -> int:
    """Bytes one more copy in a forward costs (measured on CUDA, estimated on CPU)."""
    full = torch.ones(1, n, dtype=torch.bool, device=example.device)
    rows = torch.zeros(1, dtype=torch.int64, device=example.device)
    if example.device.type == "cuda":
        sizes = []
        for copies in (1, 2):
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats(example.device)
            before = torch.cuda.memory_allocated(example.device)
            with torch.inference_mode():
                evaluator(example, rows.repeat(copies), full.repeat(copies, 1), copies, torch.float32)
            torch.cuda.synchronize()
            sizes.append(torch.cuda.max_memory_allocated(example.device) - before)
        return max(sizes[1] - sizes[0], 1)
    largest = [0]

    def hook(_module: nn.Module, _inputs: Any, output: Any) -> None:
        tensors = output if isinstance(output, (tuple, list)) else [output]
        for t in tensors:
            if isinstance(t, torch.Tensor):
                largest[0] = max(largest[0], t.numel() * t.element_size())

    module = getattr(evaluator, "forward", None)
    if not isinstance(module, nn.Module):
        parts = getattr(evaluator, "parts", None)
        module = getattr(parts, "module", None)
    handles = []
    if isinstance(module, nn.Module):
        handles = [m.register_forward_hook(hook) for m in module.modules() if not list(m.children())]
    try:
        with torch.inference_mode():
            evaluator(example, rows, full, 1, torch.float32)
    finally:
        for h in handles:
            h.remove()
    return 4 * largest[0] + 2 * example.numel() * example.element_size()


def chunk_size_for_cap(evaluator: Any, example: torch.Tensor, n: int, cap_mb: float) -> int:
    """The most copies per forward whose estimated memory stays under ``cap_mb`` MiB (at least 1)."""
    per_copy = estimate_copy_bytes(evaluator, example, n)
    return max(1, int(cap_mb * 2**20 // per_copy))


class PeakMemory:
    """Peak memory (MiB) above the level at entry: CUDA allocator peak, or Linux VmHWM on CPU."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.peak_mb: float | None = None
        self.method = ""


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


@contextlib.contextmanager
def peak_memory(device: Any = "cpu") -> Iterator[PeakMemory]:
    """Measure the peak memory of the enclosed code above the level at entry."""
    device = torch.device(device)
    result = PeakMemory(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        before = torch.cuda.memory_allocated(device)
        yield result
        torch.cuda.synchronize(device)
        result.peak_mb = (torch.cuda.max_memory_allocated(device) - before) / 2**20
        result.method = "torch.cuda.max_memory_allocated"
        return
    reset = False
    try:
        with open(f"/proc/{os.getpid()}/clear_refs", "w") as handle:
            handle.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        reset = True
    except OSError:
        pass
    rss_before = _status_kb("VmRSS")
    yield result
    peak = _status_kb("VmHWM")
    if reset and rss_before is not None and peak is not None:
        result.peak_mb = max(peak - rss_before, 0) / 1024
        result.method = "VmHWM above VmRSS at entry (/proc/self/clear_refs reset)"
    else:
        result.method = "unavailable (no /proc/self/clear_refs)"
